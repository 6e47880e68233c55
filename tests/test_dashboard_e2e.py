"""End to end: the real API and dashboard as processes, driven by headless Chromium.

A model is trained with the CLI into a temporary store, ``welllog serve`` and ``welllog dashboard
--api-url`` start on free loopback ports (so the dashboard's HTTP backend is what is exercised), a
real force2020 LAS file is uploaded through the page's file input, and the test waits for the log
tracks to be drawn with the predicted bands, then saves a screenshot in ``test-output/``.
"""

from __future__ import annotations

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


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make browser)")
def test_upload_in_browser_draws_tracks(services, force2020_dir, test_output):
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="welllog-chromium-")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                viewport={"width": 1600, "height": 1150},
            )
            try:
                page = browser.new_page()
                page.goto(services["dashboard"], wait_until="domcontentloaded")
                page.wait_for_selector("input[type=file]", state="attached", timeout=60_000)
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
                for expected in ("GR", "RDEP", "DTC predicted", "DTC measured", "DTS P05–P95", "QC"):
                    assert expected in names, expected
                body = page.inner_text("body")
                assert "Traceback" not in body
                assert f"API at {services['api']}" in body  # the dashboard used the HTTP backend
                shot = test_output / "dashboard_16_2-16.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 50_000
            finally:
                browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
