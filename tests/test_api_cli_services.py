"""`welllog run`: API + dashboard as child processes, dashboard pointed at the API, Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time

import httpx
import psutil
import pytest

from tests.test_api_support import free_port, trained_store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def _wait(url: str, timeout: float, proc: subprocess.Popen) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "welllog run exited early"
        try:
            r = httpx.get(url, timeout=2)
            if r.status_code == 200:
                return r
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(url)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("inherited_sigint", ["default", "ignored"])
def test_run_starts_both_and_ctrl_c_stops_both(force2020_dir, inherited_sigint):
    """"ignored": started like `welllog run &` from a script or CI runner without job control, which
    hands the process SIGINT ignored; Ctrl-C (SIGINT) must still stop both services."""
    api_port, dash_port = free_port(), free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "welllog.cli.main", "run", "--api-port", str(api_port), "--dashboard-port", str(dash_port),
         "--models-dir", str(trained_store(force2020_dir))],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "WELLLOG_API_URL": ""},
        preexec_fn=_ignore_sigint if inherited_sigint == "ignored" else None,
    )
    children: list[psutil.Process] = []
    try:
        assert _wait(f"http://127.0.0.1:{api_port}/ready", 90, proc).json()["model"] == "default"
        _wait(f"http://127.0.0.1:{dash_port}/_stcore/health", 120, proc)
        children = psutil.Process(proc.pid).children(recursive=True)
        dashboard = [c for c in children if "streamlit" in " ".join(c.cmdline())]
        assert dashboard and dashboard[0].environ().get("WELLLOG_API_URL") == f"http://127.0.0.1:{api_port}"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        gone, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, [p.cmdline() for p in alive]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for child in children:
            if child.is_running():
                child.kill()
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()
    assert f"http://127.0.0.1:{api_port}/docs" in output


def test_ports_are_validated():
    done = subprocess.run([sys.executable, "-m", "welllog.cli.main", "run", "--api-port", "8600", "--dashboard-port", "8600"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "must differ" in done.stderr


def test_stop_all_waits_one_grace_period_for_every_service():
    """Services that ignore Ctrl-C are terminated together: shutdown costs one grace period, not one each."""
    from welllog.cli.services import _stop_all

    stubborn = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"
    procs = [subprocess.Popen([sys.executable, "-c", stubborn], stdout=subprocess.PIPE) for _ in range(3)]
    for p in procs:
        assert p.stdout.readline().strip() == b"up"  # SIGINT handler installed
    t0 = time.monotonic()
    _stop_all(procs, timeout=2.0)
    elapsed = time.monotonic() - t0
    for p in procs:
        p.stdout.close()
    assert all(p.poll() is not None for p in procs)
    assert all(p.returncode == -signal.SIGTERM for p in procs)  # SIGINT ignored, SIGTERM ended them
    assert elapsed < 2.0 * 2  # one 2 s grace for SIGINT (all three at once) + a prompt SIGTERM, not 3 x 2 s
