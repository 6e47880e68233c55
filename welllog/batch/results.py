"""What a batch run tells the user: one :class:`WellResult` per input, one :class:`BatchReport` per run.

The report is the contract of "nothing lost": every input path appears exactly once with a status
(``ok`` | ``failed`` | ``skipped`` | ``not_run``: the run stopped before it) and, when it did not
produce an output, the reason. It is written
as ``report.json`` (full detail, for programs) and ``report.csv`` (one row per well, for people and
spreadsheets) in the output directory, atomically, even when wells failed.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from welllog import __version__ as welllog_version
from welllog.curves import never_matched_message

from .outputs import atomic_write_bytes

Status = Literal["ok", "failed", "skipped", "not_run"]

#: column order of report.csv (the per-well part of report.json uses the same keys)
REPORT_COLUMNS: tuple[str, ...] = (
    "file",
    "status",
    "code",
    "reason",
    "samples",
    "predicted",
    "dtc_caution",
    "dts_caution",
    "dtc_rmse_log",
    "dts_rmse_log",
    "warning",
    "seconds",
    "output",
    "input_sha256",
    "model_version",
    "read_s",
    "predict_s",
    "write_s",
    "worker",
)


@dataclass
class WellResult:
    """The outcome of one input well. Plain data so it travels between Dask processes cheaply."""

    file: str
    status: Status
    #: for a failed well, the API's error code (``missing_curves``, ``well_read``, ...; ``unexpected``
    #: for anything else), so a pipeline sorts its failures without parsing ``reason``
    code: str = ""
    reason: str = ""
    samples: int = 0
    predicted: int = 0  #: rows with a prediction of at least one target
    #: share of a target's predicted rows with a caution bit (T_QC 2/4/8), and the RMSE of its mean
    #: against the well's own log where it has one (:func:`welllog.predict.triage`): the columns a
    #: pipeline sorts thousands of wells by to find the ones to look at; None where they do not apply
    dtc_caution: float | None = None
    dts_caution: float | None = None
    dtc_rmse_log: float | None = None
    dts_rmse_log: float | None = None
    warning: str = ""  #: e.g. most logged rows not predicted because a required curve is missing there
    seconds: float = 0.0
    output: str = ""
    input_sha256: str = ""
    model_version: str = ""
    read_s: float = 0.0
    predict_s: float = 0.0
    write_s: float = 0.0
    worker: str = ""  #: "host:pid" of the process that handled it (shows the spread over workers)
    model_loaded: bool = False  #: True when this call had to load the model (cache miss)
    #: the well's provenance as text lines (aliases, units, QC, the model's input repairs); in
    #: report.json only: a LAS output carries them in ~Other, a CSV output has nowhere else
    provenance: list[str] = field(default_factory=list)
    #: override fields (``aliases.SRC`` / ``units.MNEM``) that named no curve of this well; a run
    #: whose every read well lists one gets a run-level warning (:meth:`BatchReport.warnings`)
    unmatched: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: d[k] for k in REPORT_COLUMNS}


@dataclass
class BatchReport:
    """All results of one run plus how it was run; ``exit_code`` is what the CLI returns."""

    out_dir: Path
    model_ref: str
    model_version: str
    engine: str
    fmt: str
    workers: int
    seconds: float
    results: list[WellResult] = field(default_factory=list)
    scheduler: str | None = None
    #: warnings about the run itself, known before any well (e.g. sub-folders not searched)
    run_warnings: list[str] = field(default_factory=list)
    run_id: str = ""
    started_at: str = ""  #: ISO time the wells started, and ended (a pipeline tells a stale report by them)
    finished_at: str = ""
    #: "complete", or "interrupted" when the run was stopped (Ctrl-C, SIGTERM) or its engine died
    status: str = "complete"

    @property
    def ok(self) -> list[WellResult]:
        return [r for r in self.results if r.status == "ok"]

    @property
    def failed(self) -> list[WellResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def skipped(self) -> list[WellResult]:
        return [r for r in self.results if r.status == "skipped"]

    @property
    def not_run(self) -> list[WellResult]:
        return [r for r in self.results if r.status == "not_run"]

    def warnings(self) -> list[str]:
        """Run-level warnings: ``run_warnings`` (sub-folders of a folder argument not searched), then
        an alias/unit override that named no curve of any well read (a typo: training refuses it up
        front; a batch run has written its outputs by then, so it says so)."""
        read = [set(r.unmatched) for r in self.results if r.status != "failed"]
        message = never_matched_message(read)
        return [*self.run_warnings, *([f"{message}; it was not used"] if message else [])]

    @property
    def exit_code(self) -> int:
        """0 when every well is ok or skipped; 3 when some are and others failed or were not run (a
        pipeline carries on with the outputs and looks at the failed rows); 2 when no well has an
        output — as for an error before any well (bad option, unknown model): fix the run itself."""
        if not (self.failed or self.not_run):
            return 0
        return 3 if self.ok or self.skipped else 2

    def summary(self) -> dict[str, Any]:
        samples = sum(r.samples for r in self.ok)
        return {
            "wells": len(self.results),
            "ok": len(self.ok),
            "failed": len(self.failed),
            "skipped": len(self.skipped),
            "not_run": len(self.not_run),
            "samples": samples,
            "seconds": round(self.seconds, 3),
            "wells_per_s": round(len(self.ok) / self.seconds, 3) if self.seconds > 0 else None,
            "samples_per_s": round(samples / self.seconds, 1) if self.seconds > 0 else None,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": {
                "out_dir": str(self.out_dir),
                "model": self.model_ref,
                "model_version": self.model_version,
                "engine": self.engine,
                "scheduler": self.scheduler,
                "workers": self.workers,
                "format": self.fmt,
                "run_id": self.run_id,
                "status": self.status,
                "started_at": self.started_at,
                "finished_at": self.finished_at,
                "welllog_version": welllog_version,
            },
            "summary": self.summary(),
            "warnings": self.warnings(),
            "wells": [{**r.row(), "provenance": r.provenance, "unmatched": r.unmatched} for r in self.results],
        }

    def write(self) -> tuple[Path, Path]:
        """Write report.json and report.csv atomically into the output directory."""
        json_path = self.out_dir / "report.json"
        csv_path = self.out_dir / "report.csv"
        atomic_write_bytes(json_path, json.dumps(self.to_dict(), indent=2).encode())
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(REPORT_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for r in self.results:
            writer.writerow(r.row())
        atomic_write_bytes(csv_path, buf.getvalue().encode())
        return json_path, csv_path


def reason_of(exc: BaseException) -> str:
    """One line for an exception that is no WelllogError (whose message is the reason itself): its
    type and message, whitespace collapsed, so a report row and a terminal line stay one line."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"
