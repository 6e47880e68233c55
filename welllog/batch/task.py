"""The per-well unit of work, identical for the local and the Dask engine.

:func:`process_well` never raises for a bad well: it turns any error into a ``failed``
:class:`WellResult` carrying the reason (a :class:`~welllog.errors.WelllogError` message as is,
anything unexpected prefixed with its type), so one bad file never stops a run of thousands.

The model is loaded once per *process* and cached (key: models dir, pinned ``NAME:VERSION`` and a
digest of its metadata), so a Dask worker pays the load once however many wells it handles; the
client pins the version before submitting, so a model saved mid-run cannot mix versions.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from welllog.errors import WelllogError, error_code
from welllog.models.base import DEFAULT_QUANTILES

from .outputs import drop_marker, file_sha256, is_complete, temp_path, write_marker
from .results import WellResult, reason_of

@dataclass(frozen=True)
class WellTask:
    """Everything a worker needs for one well; small and picklable (paths, not data)."""

    path: str
    output: str
    fmt: str
    models_dir: str
    model_version: str  #: pinned "NAME:VERSION"
    model_key: str  #: digest of the version's metadata: a re-saved version is a different model
    run_id: str
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    aliases: tuple[tuple[str, str], ...] = ()  #: --alias SRC=CANON overrides for read_well
    units: tuple[tuple[str, str], ...] = ()  #: --unit MNEMONIC=UNIT overrides for read_well
    #: an override naming no curve of this well: "error" (a run of one file) or "note" (several files,
    #: some of which may lack that curve; the note is in the well's provenance and report)
    unmatched: str = "error"
    tie: bool = False  #: --tie: add T_TIED, the mean tied to the well's own log where it stops (welllog.tie)
    delay_s: float = 0.0  #: test/demo hook: sleep before predicting (makes tasks slow enough to kill a worker)

    @property
    def overrides(self) -> dict[str, Any]:
        """The read overrides (and ``tie``, when set) as the done marker keeps them: an output read
        with other aliases or units is not this run's result (a corrected --alias must redo the
        wells, not skip them), nor is one written without T_TIED when --tie asks for it."""
        out: dict[str, Any] = {"aliases": dict(sorted(self.aliases)), "units": dict(sorted(self.units))}
        if self.tie:
            out["tie"] = True
        return out


_MODEL_CACHE: dict[tuple[str, str, str], Any] = {}
_MODEL_LOCK = threading.Lock()
#: keep at most this many models per process (a run uses one; a long-lived worker may see a few)
_MODEL_CACHE_SIZE = 2


def get_model(models_dir: str, model_version: str, model_key: str) -> tuple[Any, bool]:
    """The model for this process, loading it on first use. Returns (model, loaded_now)."""
    key = (models_dir, model_version, model_key)
    with _MODEL_LOCK:
        model = _MODEL_CACHE.get(key)
        if model is not None:
            return model, False
        from welllog.store import ModelStore

        model = ModelStore(Path(models_dir)).load(model_version)
        while len(_MODEL_CACHE) >= _MODEL_CACHE_SIZE:
            _MODEL_CACHE.pop(next(iter(_MODEL_CACHE)))
        _MODEL_CACHE[key] = model
        return model, True


def clear_model_cache() -> None:
    """Forget cached models (tests; a long-lived worker after the store changed)."""
    with _MODEL_LOCK:
        _MODEL_CACHE.clear()


def _set_triage(result: WellResult, checks: dict[str, Any]) -> None:
    """Copy :func:`welllog.predict.triage`'s per-target figures onto the result's report columns
    (a skipped well's come from its done marker; a marker written before them has none)."""
    for key, value in checks.items():
        if hasattr(result, key):
            setattr(result, key, None if value is None else round(float(value), 4))  # a report, not a computation


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _input_sha256(path: Path) -> str:
    """The input's hash, or the reader's own error when it cannot be read: a dangling link raised a
    bare FileNotFoundError here, before any reader, and the report said ``unexpected`` (README audit)."""
    from welllog.errors import WellReadError

    try:
        return file_sha256(path)
    except FileNotFoundError:
        raise WellReadError(path, "no such file (a link whose target is gone?); check the path") from None
    except OSError as exc:
        raise WellReadError(path, f"cannot be read ({exc.strerror or exc})") from None


def _skipped(result: WellResult, marker: dict[str, Any], output: Path) -> WellResult:
    """The result of a well whose output an earlier run completed (same input bytes, model version,
    format and overrides): what that run recorded in its done marker, status skipped."""
    result.status = "skipped"
    result.reason = "output already complete for this input and model version"
    result.output = str(output)
    result.samples = int(marker.get("samples", 0))
    result.predicted = int(marker.get("predicted", 0))
    result.warning = str(marker.get("warning", ""))
    result.provenance = list(marker.get("provenance", []))
    result.unmatched = list(marker.get("unmatched", []))
    _set_triage(result, marker.get("triage", {}))
    return result


def _marker_record(task: WellTask, result: WellResult, checks: dict[str, Any], output: Path) -> dict[str, Any]:
    """The done marker written beside a finished output: what makes a rerun skip it (input hash, model
    version, format, overrides, the output's own hash) and what a skipped well reports from it."""
    return {
        "input": task.path,
        "input_sha256": result.input_sha256,
        "model_version": task.model_version,
        "format": task.fmt,
        "overrides": task.overrides,
        "output_sha256": file_sha256(output),
        "output_bytes": output.stat().st_size,
        "samples": result.samples,
        "predicted": result.predicted,
        "warning": result.warning,
        "provenance": result.provenance,
        "unmatched": result.unmatched,
        "triage": checks,
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def process_well(task: WellTask) -> WellResult:
    """Predict one well into its output file, or say why not. Never raises for a bad well."""
    from welllog.curves import unmatched_overrides
    from welllog.ingest import read_well
    from welllog.ingest.writers import provenance_lines
    from welllog.predict import checked_prediction, triage, write_prediction

    started = time.perf_counter()
    path = Path(task.path)
    output = Path(task.output)
    result = WellResult(file=task.path, status="failed", model_version=task.model_version, worker=_worker_name())
    tmp: Path | None = None
    try:
        result.input_sha256 = _input_sha256(path)
        marker = is_complete(output, input_sha256=result.input_sha256, model_version=task.model_version, fmt=task.fmt,
                             overrides=task.overrides)
        if marker is not None:
            return _skipped(result, marker, output)
        if task.delay_s:
            time.sleep(task.delay_s)
        model, result.model_loaded = get_model(task.models_dir, task.model_version, task.model_key)

        t = time.perf_counter()
        well = read_well(path, aliases=dict(task.aliases) or None, units=dict(task.units) or None, unmatched=task.unmatched)
        result.read_s = time.perf_counter() - t
        result.unmatched = sorted(unmatched_overrides(well))

        t = time.perf_counter()
        pred, result.predicted, result.warning = checked_prediction(model, well, task.quantiles, task.tie)
        result.predict_s = time.perf_counter() - t
        result.provenance = provenance_lines(well)  # after predicting: the model's input repairs are in it
        checks = triage(well, pred, model.targets)
        _set_triage(result, checks)

        t = time.perf_counter()
        drop_marker(output)
        tmp = temp_path(output, task.run_id)
        write_prediction(well, pred, tmp, task.fmt)
        os.replace(tmp, output)
        tmp = None
        result.samples = int(len(well.data))
        write_marker(output, _marker_record(task, result, checks, output))
        result.write_s = time.perf_counter() - t
        result.status = "ok"
        result.output = str(output)
    except WelllogError as exc:
        result.reason, result.code = str(exc), error_code(exc)
    except Exception as exc:  # noqa: BLE001 - one bad well must not stop the run; the type is kept
        result.reason, result.code = reason_of(exc), error_code(exc)
    finally:
        if tmp is not None:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:  # never let cleaning up turn one well's failure into the run's
                pass
        result.seconds = time.perf_counter() - started
    return result
