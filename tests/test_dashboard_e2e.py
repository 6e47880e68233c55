"""End to end: the real API and dashboard as processes, driven by headless Chromium.

A model is trained with the CLI into a temporary store, ``welllog serve`` and ``welllog dashboard
--api-url`` start on free loopback ports (so the dashboard's HTTP backend is what is exercised), a
real force2020 LAS file is uploaded through the page's file input, and the test waits for the log
tracks to be drawn with the predicted bands, then saves a screenshot in ``test-output/``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
WELLLOG = [sys.executable, "-m", "welllog.cli.main"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process group this test started (the dashboard command has a streamlit child)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory, force2020_dir) -> Path:
    """A LightGBM model trained with the CLI, validated on a blind well, saved as 'default'."""
    store = tmp_path_factory.mktemp("e2e-models")
    wells = [str(force2020_dir / n) for n in ("16_2-11 A.las", "16_5-3.las", "25_11-24.las")]
    subprocess.run([*WELLLOG, "train", *wells, "--target", "DTC", "--target", "DTS", "--model", "lightgbm",
                    "--name", "default", "--models-dir", str(store), "--validate-on", "25_11-24"],
                   check=True, capture_output=True, timeout=300)
    return store


@pytest.fixture(scope="module")
def services(cli_store, tmp_path_factory) -> Iterator[dict[str, str]]:
    api_port, dash_port = _free_port(), _free_port()
    logs = tmp_path_factory.mktemp("e2e-logs")
    env = {**os.environ, "WELLLOG_MODELS_DIR": str(cli_store)}
    env.pop("WELLLOG_API_URL", None)
    procs: list[subprocess.Popen] = []
    try:
        procs.append(subprocess.Popen(
            [*WELLLOG, "serve", "--host", "127.0.0.1", "--port", str(api_port), "--models-dir", str(cli_store)],
            env=env, stdout=open(logs / "api.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True))
        api_url = f"http://127.0.0.1:{api_port}"
        procs.append(subprocess.Popen(
            [*WELLLOG, "dashboard", "--host", "127.0.0.1", "--port", str(dash_port), "--api-url", api_url],
            env=env, stdout=open(logs / "dashboard.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True))
        _wait_http(f"{api_url}/health", procs[0])
        dash_url = f"http://127.0.0.1:{dash_port}"
        _wait_http(f"{dash_url}/_stcore/health", procs[1])
        yield {"api": api_url, "dashboard": dash_url, "logs": str(logs)}
    finally:
        for proc in reversed(procs):
            _stop(proc)


@contextlib.contextmanager
def _dashboard_page(url: str) -> Iterator:
    """A headless Chromium page on the dashboard, its file input ready; browser and profile removed after."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="welllog-chromium-")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                viewport={"width": 1600, "height": 1150}, accept_downloads=True,
            )
            try:
                page = browser.new_page()
                page.goto(url, wait_until="domcontentloaded")
                page.wait_for_selector("input[type=file]", state="attached", timeout=60_000)
                yield page
            finally:
                browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _run_view(page, files: list[Path], loaded: str, view: str, button: str, done: str, shot: Path) -> None:
    """Upload ``files`` (until the page shows ``loaded``), open ``view``, click ``button``, wait for
    ``done`` on the page and save a screenshot at ``shot``."""
    page.locator("input[type=file]").first.set_input_files([str(f) for f in files])
    page.wait_for_function(f"() => document.body.innerText.includes({loaded!r})", timeout=60_000)
    page.locator("[data-testid=stButtonGroup]").get_by_text(view, exact=True).first.click()
    page.get_by_role("button", name=button).click()
    page.wait_for_function(f"() => document.body.innerText.includes({done!r})", timeout=180_000)
    page.wait_for_timeout(1000)  # let plotly and the tables settle before the picture
    page.screenshot(path=str(shot), full_page=True)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make browser)")
def test_upload_in_browser_draws_tracks(services, force2020_dir, test_output):
    with _dashboard_page(services["dashboard"]) as page:
        page.locator("input[type=file]").first.set_input_files(str(force2020_dir / "16_2-16.las"))
        # tracks drawn with the prediction bands from the API
        page.wait_for_function(
            """() => [...document.querySelectorAll('.js-plotly-plot')].some(
                   p => (p.data || []).some(t => t.name === 'DTS P05–P95'))""",
            timeout=120_000,
        )
        page.wait_for_timeout(1500)  # let plotly finish its layout before the picture
        names = page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(p => (p.data || []).map(t => t.name))"
        )
        for expected in ("GR", "RDEP", "DTC predicted", "DTC measured", "DTS P05–P95", "DTC QC", "DTS QC"):
            assert expected in names, expected
        body = page.inner_text("body")
        assert "Traceback" not in body
        assert f"API at {services['api']}" in body  # the dashboard used the HTTP backend
        shot = test_output / "dashboard_16_2-16.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 50_000
        _click_a_depth_on_the_tracks(page)
        _click_a_depth_on_the_explain_track(page, test_output)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make browser)")
def test_all_wells_in_browser_downloads_one_zip(services, force2020_dir, test_output, tmp_path):
    """Three LAS files uploaded at once, predicted through the API from the "All wells" view under a
    progress bar; the zip the browser downloads holds each well's LAS — original curves unchanged,
    prediction columns and provenance added — and the table as summary.csv."""
    import io
    import zipfile

    import lasio
    import numpy as np
    import pandas as pd

    names = ("16_2-16.las", "31_2-9.las", "32_2-1.las")
    with _dashboard_page(services["dashboard"]) as page:
        _run_view(page, [force2020_dir / n for n in names], "Files (3)", "All wells", "Predict every well",
                  "3 wells done: 3 predicted", test_output / "dashboard_all_wells.png")
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="Zip of the 3 output LAS files").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert "Traceback" not in page.inner_text("body")
    assert saved.name == "welllog-default-v1.zip"
    archive = zipfile.ZipFile(saved)
    assert sorted(archive.namelist()) == sorted([*names, "summary.csv"])
    summary = pd.read_csv(archive.open("summary.csv")).set_index("file")
    assert set(summary["status"]) == {"predicted"}
    for name in names:
        original = lasio.read(str(force2020_dir / name))
        written = lasio.read(io.StringIO(archive.read(name).decode()))
        assert {"DTC_MEAN", "DTC_P05", "DTC_P95", "DTC_QC", "DTS_MEAN", "DTS_QC"} <= set(written.keys())
        np.testing.assert_array_equal(written["GR"], original["GR"])  # originals untouched
        assert int(np.isfinite(written["DTC_MEAN"]).sum()) == summary.loc[name, "DTC predicted"]
        assert summary.loc[name, "rows"] == len(original.index)
        assert "welllog predict:" in written.other  # the model's provenance, as the CLI writes it


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make browser)")
def test_compare_in_browser_scores_the_models_on_a_training_well(services, force2020_dir, test_output):
    """Through the API (as `make run` wires it), Compare models scores the store's model on the loaded
    well and calls a training well's scores in-sample: the API's model metadata lacked the training
    wells, so the dashboard had no way to tell."""
    with _dashboard_page(services["dashboard"]) as page:
        _run_view(page, [force2020_dir / "16_5-3.las"], "16_5-3", "Compare models", "Score every model on 16_5-3",  # a training well
                  "in-sample", test_output / "dashboard_compare_on_well.png")
        body = page.inner_text("body")
    assert "Traceback" not in body and "trained on this well" in body
    assert f"API at {services['api']}" in body


#: screen position of the ``frac``-th point of the explain page's pick track ("click to pick a depth"),
#: from plotly's own axes, and that point's depth
_POINT_ON_PICK_TRACK = """(frac) => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')].find(
        p => String(((p.layout || {}).title || {}).text || '').includes('click to pick a depth'));
    if (!gd) return null;
    const trace = gd.data.find(t => t.name === 'mean');
    const xs = trace.x._inputArray || trace.x, ys = trace.y._inputArray || trace.y;  // typed arrays from Streamlit
    let i = Math.floor(frac * (ys.length - 1));
    while (i < ys.length - 1 && !(Number.isFinite(xs[i]) && Number.isFinite(ys[i]))) i++;  // unpredicted rows are gaps
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
    return {x: box.left + xa._offset + xa.l2p(xs[i]), y: box.top + ya._offset + ya.l2p(ys[i]), depth: ys[i]};
}"""


#: screen position of the ``frac``-th finite point of the trace named ``name`` in the first plotly chart
#: that has one (its own subplot axes), and that point's depth
_POINT_OF_TRACE = """([name, frac]) => {
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
        const trace = (gd.data || []).find(t => t.name === name);
        if (!trace) continue;
        const xs = trace.x._inputArray || trace.x, ys = trace.y._inputArray || trace.y;  // typed arrays from Streamlit
        let i = Math.floor(frac * (ys.length - 1));
        while (i < ys.length - 1 && !(Number.isFinite(xs[i]) && Number.isFinite(ys[i]))) i++;  // unpredicted rows are gaps
        const axis = id => gd._fullLayout[id.replace(/^([xy])/, '$1axis')];
        const xa = axis(trace.xaxis || 'x'), ya = axis(trace.yaxis || 'y'), box = gd.getBoundingClientRect();
        return {x: box.left + xa._offset + xa.l2p(xs[i]), y: box.top + ya._offset + ya.l2p(ys[i]), depth: ys[i]};
    }
    return null;
}"""


def _click_a_depth_on_the_tracks(page) -> None:
    """Log tracks: clicking a point of a predicted curve picks its depth (the caption says which);
    the curves were bare lines, which plotly cannot select (dashboard audit)."""
    point = page.evaluate(_POINT_OF_TRACE, ["DTC predicted", 0.7])
    page.mouse.move(point["x"], point["y"])
    page.wait_for_timeout(500)
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function("() => document.body.innerText.includes('picked: ')", timeout=120_000)
    picked = float(page.inner_text("body").split("picked: ", 1)[1].split(" m", 1)[0])
    assert abs(picked - point["depth"]) < 10


def _click_a_depth_on_the_explain_track(page, test_output: Path) -> None:
    """Explain page: clicking a point of the small track sets the depth to explain (the dashboard
    audit found a Streamlit traceback instead: the click changed a widget already drawn)."""
    page.locator("[data-testid=stButtonGroup]").get_by_text("Explain", exact=True).first.click()
    page.wait_for_function(f"() => ({_POINT_ON_PICK_TRACK})(0.5) !== null", timeout=120_000)
    depth_input = page.get_by_label("Depth to explain", exact=False)
    before = float(depth_input.input_value())
    page.wait_for_timeout(1000)
    point = page.evaluate(_POINT_ON_PICK_TRACK, 0.8)
    page.mouse.move(point["x"], point["y"])
    page.wait_for_timeout(500)
    page.mouse.click(point["x"], point["y"])
    # the markers are dense: the click picks the clicked one or a neighbour, a few metres away at most
    page.wait_for_function(
        """(d) => Math.abs(Number(document.querySelector('input[aria-label^="Depth to explain"]').value) - d) < 10""",
        arg=point["depth"], timeout=120_000)
    page.wait_for_timeout(1500)
    body = page.inner_text("body")
    page.screenshot(path=str(test_output / "dashboard_explain_clicked.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0 and "Traceback" not in body
    assert abs(float(depth_input.input_value()) - point["depth"]) < 10 and abs(point["depth"] - before) > 50
