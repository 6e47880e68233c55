"""Files in the output directory are either complete or absent.

Every file is first written under ``<out>/.welllog-batch/tmp/`` (same file system, so the final
``os.replace`` is atomic) and renamed into place only when complete. A *done marker* (a small JSON
sidecar in ``<out>/.welllog-batch/done/``) is written after the output, also atomically, and records
what the output was made from: input sha256, model version, format and the output's own sha256.
A re-run trusts an output only when its marker matches all four, which is what makes runs
resumable; a worker killed half way leaves at most a stray temp file, never a partial output.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs into one folder are then the user's care
    fcntl = None  # type: ignore[assignment]

#: hidden working folder inside the output directory (temp files and done markers)
STATE_DIR = ".welllog-batch"
TMP_SUBDIR = "tmp"
DONE_SUBDIR = "done"
#: temp files older than this at the start of a run belong to a dead run and are removed
STALE_TMP_SECONDS = 600.0


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file's bytes, streamed (inputs can be large)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def tmp_dir(out_dir: Path) -> Path:
    return out_dir / STATE_DIR / TMP_SUBDIR


def done_dir(out_dir: Path) -> Path:
    return out_dir / STATE_DIR / DONE_SUBDIR


#: the run's own report files in the output directory (results.BatchReport.write)
REPORT_FILES = ("report.json", "report.csv")


def is_batch_output(folder: Path) -> bool:
    """True when ``folder`` is (or was) the output directory of a batch run: it holds the state folder."""
    return (folder / STATE_DIR).is_dir()


def not_an_input(path: Path) -> bool:
    """What ``welllog predict`` leaves out when it searches a folder for wells: a batch output
    folder's own report files, and sub-folders that are batch outputs (predictions, not wells)."""
    if path.is_dir():
        return is_batch_output(path)
    return path.name in REPORT_FILES and is_batch_output(path.parent)


def check_out_folder(out: Path, purpose: str) -> None:
    """``--out`` must be a folder or not exist yet (it is created): a file there, or above it, is
    refused as one usage error naming it and ``purpose`` ("the predictions", "the report"). Every
    command with ``--out`` checks before its work: ``compare`` fitted every family and then said
    "--out is a file", ``explain`` raised FileExistsError (CLI audit)."""
    from welllog.errors import UsageError

    probe = out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        what = "is a file" if probe == out else f"is inside {probe}, which is a file"
        raise UsageError(f"--out {out} {what}, not a folder; choose a folder for {purpose} (it is created if missing)")


def make_out_folder(out: Path, purpose: str) -> None:
    """:func:`check_out_folder`, then create it (a folder that cannot be made is the same usage error)."""
    from welllog.errors import UsageError

    check_out_folder(out, purpose)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create the folder ({exc.strerror or exc}); choose another --out for {purpose}") from None


def prepare_out_dir(out_dir: Path) -> None:
    """Create the output and state folders; drop temp files left by runs that died long ago."""
    tmp_dir(out_dir).mkdir(parents=True, exist_ok=True)
    done_dir(out_dir).mkdir(parents=True, exist_ok=True)
    now = time.time()
    for stray in tmp_dir(out_dir).iterdir():
        try:
            if now - stray.stat().st_mtime > STALE_TMP_SECONDS:
                stray.unlink()
        except FileNotFoundError:  # another process removed or renamed it meanwhile
            pass


@contextmanager
def run_lock(out_dir: Path, run_id: str) -> Iterator[None]:
    """Hold ``<out>/.welllog-batch/lock`` for the run; a second run into the same folder is refused.

    Why: each file is written atomically, but two runs into one folder (two cron jobs overlapping)
    would each replace the other's outputs and report, and the last report would describe only its
    own wells. An advisory ``flock`` is released by the kernel when the process dies, so a killed
    run leaves no stale lock; the file keeps the holder's pid and start for the refusal message."""
    from welllog.errors import UsageError

    if fcntl is None:
        yield
        return
    path = out_dir / STATE_DIR / "lock"
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "pid unknown"
            raise UsageError(f"--out {out_dir} is being written by another welllog predict run ({holder}); "
                             "wait for it to finish or choose another --out") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, run {run_id}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def cleanup_run_tmp(out_dir: Path, run_id: str) -> int:
    """Remove this run's leftover temp files (from killed workers); returns how many."""
    removed = 0
    folder = tmp_dir(out_dir)
    if not folder.is_dir():
        return 0
    for stray in folder.glob(f"{run_id}-*"):
        try:
            stray.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def temp_path(final: Path, run_id: str) -> Path:
    """A unique temp path for ``final`` in the state folder; keeps the suffix for format-sniffing
    writers, not the name: a legal 235-character well name plus a prefix is too long for a file
    name (the data-engineer audit's run stopped there, and again on every re-run)."""
    return tmp_dir(final.parent) / f"{run_id}-{os.getpid()}-{uuid.uuid4().hex[:8]}{final.suffix}"


def atomic_write_bytes(final: Path, payload: bytes) -> None:
    """Write ``payload`` to ``final`` so that readers see the old file or the new one, never a part."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{os.getpid()}.{uuid.uuid4().hex}.tmp"  # short: ``final`` may be near the name limit
    try:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


#: longest output name (bytes) whose done marker is named after it; longer ones take a hash
_MARKER_NAME_MAX = 200


def marker_path(output: Path) -> Path:
    """``<state>/done/<output name>.json``; for a name near the file-name limit, a hash of it."""
    name = output.name
    if len(name.encode()) > _MARKER_NAME_MAX:
        name = hashlib.sha256(name.encode()).hexdigest()
    return done_dir(output.parent) / f"{name}.json"


def read_marker(output: Path) -> dict[str, Any] | None:
    try:
        return json.loads(marker_path(output).read_text())
    except (FileNotFoundError, json.JSONDecodeError, OSError):
        return None


def write_marker(output: Path, record: dict[str, Any]) -> None:
    atomic_write_bytes(marker_path(output), json.dumps(record, indent=1, sort_keys=True).encode())


def drop_marker(output: Path) -> None:
    """Invalidate an output before it is rewritten, so a crash in between never looks complete."""
    try:
        marker_path(output).unlink()
    except FileNotFoundError:
        pass


def is_complete(output: Path, *, input_sha256: str, model_version: str, fmt: str,
                overrides: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The done marker when ``output`` is a complete result for this input, model, format and read
    overrides (``{"aliases": {...}, "units": {...}}``), else None.

    The output's own hash is checked too: a file edited or truncated after the run is redone.
    """
    overrides = overrides or {"aliases": {}, "units": {}}
    marker = read_marker(output)
    if not marker or not output.is_file():
        return None
    if (
        marker.get("input_sha256") != input_sha256
        or marker.get("model_version") != model_version
        or marker.get("format") != fmt
        or marker.get("overrides", {"aliases": {}, "units": {}}) != overrides
    ):
        return None
    try:
        if output.stat().st_size != marker.get("output_bytes") or file_sha256(output) != marker.get("output_sha256"):
            return None
    except OSError:
        return None
    return marker
