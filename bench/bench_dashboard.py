"""Dashboard responsiveness: what one interaction costs, and what display thinning buys.

Prints a table: for a real force2020 well (and a 4x longer concatenation of it, to stand in for a
large well) the time to build the log-track figure and the size of the JSON the browser receives,
with and without thinning to MAX_POINTS; plus the cold and warm (cached) AppTest run of the main
flow (upload -> predict -> tracks) with a small LightGBM model trained here.

    .venv/bin/python bench/bench_dashboard.py
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "force2020"


def _timed(fn, repeat: int = 3):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _longer(well, times: int):
    """The same well stacked ``times`` deeper: a large well for display cost only."""
    step = float(np.median(np.diff(well.depth)))
    span = well.depth[-1] - well.depth[0] + step
    frames = [well.data.set_axis(well.data.index + k * span) for k in range(times)]
    data = pd.concat(frames)
    data.index.name = well.data.index.name
    return dataclasses.replace(well, data=data, qc=None, rows=np.arange(len(data)))


def main() -> None:
    from dashboard.tracks import MAX_POINTS, log_tracks
    from welllog.ingest import read_well
    from welllog.models import SonicModel
    from welllog.store import ModelStore

    train = [read_well(DATA / n) for n in ("16_2-11 A.las", "16_5-3.las")]
    model = SonicModel("lightgbm", ["DTC", "DTS"]).fit(train)
    well = read_well(DATA / "16_2-16.las")
    rows = []
    for label, w in (("16_2-16", well), ("16_2-16 x4", _longer(well, 4))):
        t_pred, pred = _timed(lambda: model.predict(w), 1)
        for thin in (MAX_POINTS, len(w.data)):
            t_fig, fig = _timed(lambda: log_tracks(w, pred, ["DTC", "DTS"], max_points=thin))
            t_json, js = _timed(lambda: fig.to_json(), 1)
            rows.append((label, len(w.data), "yes" if thin < len(w.data) else "no", t_pred, t_fig, t_json,
                         len(js) / 1e6))
    print("| well | samples | thinned | predict s | figure s | to_json s | JSON MB |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]:,} | {r[2]} | {r[3]:.2f} | {r[4]:.2f} | {r[5]:.2f} | {r[6]:.1f} |")

    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory() as store_dir:
        ModelStore(store_dir).save(model, "default")
        os.environ["WELLLOG_MODELS_DIR"] = store_dir
        os.environ.pop("WELLLOG_API_URL", None)
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=300)
        at.run()
        at.file_uploader(key="uploads").upload("16_2-16.las", (DATA / "16_2-16.las").read_bytes())
        t0 = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        at.radio(key="target").set_value("DTS").run()
        warm = time.perf_counter() - t0
        assert not at.exception, at.exception
        every = _all_wells(at)
        browser = _browser_redraws(store_dir) if Path(CHROMIUM).exists() else None
    print()
    print("| AppTest run (upload 16_2-16 -> read, predict, tracks, downloads) | seconds |")
    print("|---|---:|")
    print(f"| cold (read + predict + figure + LAS/CSV bytes) | {cold:.2f} |")
    print(f"| warm rerun (switch target; well, prediction, files cached) | {warm:.2f} |")
    print()
    print(f"| AppTest \"All wells\": the {every['wells']} force2020 wells as a server folder + the upload | seconds |")
    print("|---|---:|")
    print(f"| predict every well (read, predict, table, LAS per well, zip of {every['zip_mb']:.1f} MB) | {every['run']:.2f} |")
    print(f"| rerun with the result kept (table + zip button redrawn) | {every['kept']:.2f} |")
    if browser:
        print()
        print("| log tracks in Chromium, 16_2-16 (thinned), redraw (Plotly.newPlot, mean of 5) | ms | marker nodes drawn |")
        print("|---|---:|---:|")
        for label, (ms, nodes) in browser.items():
            print(f"| {label} | {ms:.0f} | {nodes:,} |")


def _all_wells(at) -> dict[str, float]:
    """The "All wells" view on every force2020 well (a server folder, beside the uploaded 16_2-16):
    what pressing "Predict every well" costs, and a rerun once its result is kept. Why it is on
    request rather than drawn with the page."""
    at.text_input(key="server_path").set_value(str(DATA)).run()
    at.segmented_control(key="view").set_value("All wells").run()
    t0 = time.perf_counter()
    at.button(key="all_wells_run").click().run()
    run = time.perf_counter() - t0
    assert not at.exception, at.exception
    t0 = time.perf_counter()
    at.run()
    kept = time.perf_counter() - t0
    result = at.session_state["all_wells_result"]
    return {"wells": len(result["table"]), "run": run, "kept": kept, "zip_mb": len(result["zip"]) / 1e6}


CHROMIUM = "/usr/bin/chromium"
#: the tracks figure redrawn in the page three ways, side by side: as served (invisible markers, one drawn
#: per trace, so a click selects a depth), without markers (a click selects nothing), every marker drawn
_REDRAW = """async (variant) => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')].find(p => (p.data || []).some(t => t.name === 'DTC predicted'));
    window.__served = window.__served || gd.data.map(t => ({...t}));  // the figure as served, kept across variants
    const data = window.__served.map(t => {
        if (t.type !== 'scatter' || !String(t.mode || '').startsWith('lines')) return t;
        if (variant === 'lines') return {...t, mode: 'lines'};
        if (variant === 'all markers') return {...t, marker: {...t.marker, maxdisplayed: 0}};
        return t;
    });
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) await window.Plotly.newPlot(gd, data, gd.layout);
    return [(performance.now() - t0) / 5, gd.querySelectorAll('.point').length];
}"""


def _browser_redraws(store_dir: str) -> dict[str, tuple[float, int]]:
    """The log-track figure's redraw cost in headless Chromium (`welllog dashboard`, in-process
    backend), three ways side by side in one page: what clickable curves cost the browser."""
    import signal
    import socket
    import subprocess
    import sys

    import httpx
    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "WELLLOG_MODELS_DIR": store_dir}
    proc = subprocess.Popen([sys.executable, "-m", "welllog.cli.main", "dashboard", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(180):
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1600, "height": 1150})
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_selector("input[type=file]", state="attached", timeout=60_000)
            page.locator("input[type=file]").first.set_input_files(str(DATA / "16_2-16.las"))
            page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].some("
                                   "p => (p.data || []).some(t => t.name === 'DTC predicted'))", timeout=180_000)
            page.wait_for_timeout(2000)
            out = {}
            for variant, label in (("served", "as served: invisible markers, one drawn per curve (clickable)"),
                                   ("lines", "lines only (a click picks nothing)"),
                                   ("all markers", "every invisible marker drawn")):
                out[label] = tuple(page.evaluate(_REDRAW, variant))
            browser.close()
        return out
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
