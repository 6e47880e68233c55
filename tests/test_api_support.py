"""Shared helpers for the API tests (no tests here): a small real model store, trained once.

The store is trained on two FORCE 2020 wells that have both DTC and DTS (``16_2-11 A``,
``16_5-3``), thinned to every 4th sample and with few boosting rounds so it takes seconds; the
blind well ``16_2-16`` is never trained on (blind-well evaluation only). Kept in one module so
every API test file reuses the same store within a pytest process (``lru_cache``).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

TRAIN_WELLS = ("16_2-11 A.las", "16_5-3.las")
BLIND_WELL = "16_2-16.las"
FAST_PARAMS = {
    "lightgbm": {"n_estimators": 40, "calib_folds": 2, "n_jobs": 1},
    "ngboost": {"n_estimators": 40},
}


def thinned(well, step: int = 4):
    """The same well with every ``step``-th canonical sample (keeps training to seconds)."""
    import copy

    out = copy.copy(well)
    out.data = well.data.iloc[::step]
    out.rows = well.rows[::step]
    out.qc = well.qc.iloc[::step] if well.qc is not None else None
    return out


@functools.lru_cache(maxsize=None)
def training_wells(force2020_dir: Path) -> tuple:
    from welllog.ingest import read_well

    return tuple(thinned(read_well(force2020_dir / name)) for name in TRAIN_WELLS)


def train(family: str, force2020_dir: Path, targets=("DTC", "DTS")):
    from welllog.models import SonicModel

    return SonicModel(targets=list(targets), family=family,
                            params=FAST_PARAMS.get(family, {})).fit(list(training_wells(force2020_dir)))


@functools.lru_cache(maxsize=None)
def trained_store(force2020_dir: Path) -> Path:
    """A models dir with ``default`` (lightgbm, DTC+DTS) and ``ngb`` (ngboost, DTC): built once."""
    from welllog.store import ModelStore

    root = Path(tempfile.mkdtemp(prefix="welllog-api-models-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    store = ModelStore(root)
    store.save(train("lightgbm", force2020_dir), "default")
    store.save(train("ngboost", force2020_dir, targets=("DTC",)), "ngb")
    return root


def copy_store(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


# -- real servers ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`welllog serve` in a child process on a random loopback port; always stopped by ``stop``."""

    def __init__(self, models_dir: Path, env: dict[str, str] | None = None):
        import os

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "welllog.cli.main", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--models-dir", str(models_dir)],
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if httpx.get(self.url + "/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"server not ready after {timeout}s:\n{self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode
