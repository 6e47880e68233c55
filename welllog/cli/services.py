"""`welllog` commands: services — `serve` (REST API), `dashboard` (Streamlit), `run` (both).

`run` starts the two as child processes rather than threads: Streamlit insists on owning its main
thread and event loop, and separate processes let Ctrl-C (or either one dying) stop both cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from welllog.errors import UsageError

from .app import app

DEFAULT_HOST = "127.0.0.1"


def _check_port(port: int, option: str) -> None:
    if not 1 <= port <= 65535:
        raise UsageError(f"{option} {port} is not a TCP port; use 1-65535")


def dashboard_script() -> Path:
    """The Streamlit entry file, found beside the installed `dashboard` package."""
    import importlib.util

    spec = importlib.util.find_spec("dashboard")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError("the dashboard package is not installed; reinstall welllog (pip install -e .)")
    script = Path(next(iter(spec.submodule_search_locations))) / "app.py"
    if not script.is_file():
        raise UsageError(f"dashboard entry file {script} is missing; reinstall welllog")
    return script


def dashboard_command(host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(dashboard_script()),
        "--server.headless", "true",
        "--server.address", host,
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


@app.command()
def serve(
    host: str = typer.Option(DEFAULT_HOST, help="interface to bind; 0.0.0.0 exposes the API to the network"),
    port: int = typer.Option(8000, help="TCP port"),
    models_dir: Path | None = typer.Option(None, help="model store (default: $WELLLOG_MODELS_DIR or models/)"),
) -> None:
    """Run the REST API (FastAPI + uvicorn); docs at http://HOST:PORT/docs."""
    import uvicorn

    from api.main import create_app

    _check_port(port, "--port")
    application = create_app(models_dir=models_dir)
    # our middleware writes a JSON access log with request ids: uvicorn's own would duplicate it
    uvicorn.run(application, host=host, port=port, access_log=False, log_level="info")


@app.command()
def dashboard(
    host: str = typer.Option(DEFAULT_HOST, help="interface to bind; 0.0.0.0 exposes it to the network"),
    port: int = typer.Option(8501, help="TCP port"),
    api_url: str | None = typer.Option(
        None, help="use this welllog API (sets WELLLOG_API_URL); default: in-process library calls"
    ),
) -> None:
    """Run the Streamlit dashboard headless."""
    _check_port(port, "--port")
    env = dict(os.environ)
    if api_url:
        env["WELLLOG_API_URL"] = api_url
    with subprocess.Popen(dashboard_command(host, port), env=env) as proc, stop_signals_interrupt():
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            _stop_all([proc])
            code = 0
    if code:
        raise typer.Exit(code)


@app.command()
def run(
    host: str = typer.Option(DEFAULT_HOST, help="interface both services bind"),
    api_port: int = typer.Option(8000, help="API port"),
    dashboard_port: int = typer.Option(8501, help="dashboard port"),
    models_dir: Path | None = typer.Option(None, help="model store (default: $WELLLOG_MODELS_DIR or models/)"),
) -> None:
    """Run the API and the dashboard together (the dashboard talks to the API); Ctrl-C stops both."""
    _check_port(api_port, "--api-port")
    _check_port(dashboard_port, "--dashboard-port")
    if api_port == dashboard_port:
        raise UsageError("--api-port and --dashboard-port must differ")
    api_cmd = [sys.executable, "-m", "welllog.cli.main", "serve", "--host", host, "--port", str(api_port)]
    if models_dir is not None:
        api_cmd += ["--models-dir", str(models_dir)]
    client_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    env = {**os.environ, "WELLLOG_API_URL": f"http://{client_host}:{api_port}"}
    procs = [subprocess.Popen(api_cmd), subprocess.Popen(dashboard_command(host, dashboard_port), env=env)]
    typer.echo(f"API        http://{client_host}:{api_port}/docs")
    typer.echo(f"dashboard  http://{client_host}:{dashboard_port}   (Ctrl-C stops both)")
    code = 0
    with stop_signals_interrupt():
        try:
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            code = next(p.returncode for p in procs if p.returncode is not None) or 1
            typer.echo("a service stopped; stopping the other", err=True)
        except KeyboardInterrupt:
            code = 0
        finally:
            _stop_all(procs)
    if code:
        raise typer.Exit(code)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """SIGINT (Ctrl-C) and SIGTERM (`docker stop`, kill) both raise KeyboardInterrupt here.

    Why SIGINT explicitly: a process started in the background by a shell without job control
    (`cmd &` in a script, some CI runners) inherits SIGINT *ignored*, and Python then installs no
    Ctrl-C handler of its own, so the documented "Ctrl-C stops both" would silently do nothing.
    """
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_all(procs: list[subprocess.Popen[bytes]], timeout: float = 10.0) -> None:
    """Ask politely (SIGINT, like Ctrl-C), then terminate, then kill — every service at each step
    together, so shutdown waits one grace period rather than one per service in turn."""
    steps = (lambda p: p.send_signal(signal.SIGINT), lambda p: p.terminate(), lambda p: p.kill())
    for send in steps:
        alive = [p for p in procs if p.poll() is None]
        if not alive:
            return
        for p in alive:
            send(p)
        deadline = time.monotonic() + timeout
        for p in alive:
            try:
                p.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                continue
