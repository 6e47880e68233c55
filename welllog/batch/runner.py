"""`run_batch`: predict many wells into one output folder, locally or on Dask, resumably.

The client side does only cheap work — expand the paths, pin the model version, plan one output
name per input, then collect results and write the report. Reading, hashing, predicting and
writing happen in :func:`welllog.batch.task.process_well`, on whichever engine was chosen.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from welllog.errors import UsageError
from welllog.ingest.paths import well_stem, well_suffix

from .engines import dask_client, run_dask, run_local
from .outputs import (REPORT_FILES, check_out_folder, cleanup_run_tmp, is_batch_output, marker_path, not_an_input, prepare_out_dir,
                      read_marker, run_lock)
from .results import BatchReport, WellResult, reason_of
from .task import DEFAULT_QUANTILES, WellTask

#: output formats of a batch run (the writers' formats: welllog.ingest.writers.WRITE_FORMATS)
FORMATS = ("las", "csv", "parquet")
ENGINES = ("local", "dask")

#: progress(result, done, total) is called once per well, in completion order, on the caller's thread
ProgressCallback = Callable[[WellResult, int, int], None]


def pin_model(models_dir: Path, model_ref: str) -> tuple[str, str]:
    """Resolve NAME or NAME:VERSION to ("NAME:VERSION", digest of its metadata) once, on the client.

    Raises ModelNotFoundError (via the store) before any well is touched, so a typo in --model costs
    nothing, and ModelIntegrityError for a modified artifact likewise (one error, not one failed line
    per well: CLI audit). The digest identifies the exact artifacts, so workers never reuse a stale cached model.
    """
    from welllog.store import ModelStore

    store = ModelStore(models_dir)
    meta = store.metadata(model_ref)
    store.verify(model_ref)
    name = str(meta.get("name") or model_ref.split(":", 1)[0])
    version = meta.get("version")
    if version is None:
        version = model_ref.split(":", 1)[1] if ":" in model_ref else "latest"
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True, default=str).encode()).hexdigest()
    return f"{name}:{version}", digest


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def output_format(path: Path, fmt: str | None) -> str:
    """The requested format, or the input's own (CSV in -> CSV out, anything else -> LAS)."""
    return fmt or ("csv" if well_suffix(path) == ".csv" else "las")


def _plan(files: Iterable[Path], out_dir: Path, fmt: str | None) -> tuple[list[tuple[Path, Path]], list[WellResult]]:
    """One output per input, named ``<stem>.<fmt>``; a second input with the same name is refused, as
    is one whose output would be the run's own report.csv / report.json.

    Names are compared without case (``DUP.las`` and ``dup.las`` are one file on macOS and SMB
    shares), and an input that an earlier run already wrote its output for keeps it: a file added
    later with the same stem (``dup.csv`` beside ``dup.las``) is the one refused, instead of
    replacing the finished output by another well's prediction (data-engineer audit)."""
    planned: list[tuple[Path, Path]] = []
    clashes: list[WellResult] = []
    taken: dict[str, Path] = {}
    names = {path: f"{well_stem(path)}.{output_format(path, fmt)}" for path in files}
    shared = Counter(name.lower() for name in names.values())
    owner = {}
    for path, name in names.items():  # markers read only where names collide: each well's task reads its own
        marker = read_marker(out_dir / name) if shared[name.lower()] > 1 else None
        if marker and marker.get("input") == str(path):
            owner[name.lower()] = path
    for path in sorted(names, key=lambda p: owner.get(names[p].lower()) != p):  # stable: each output's writer first
        name = names[path]
        if name.lower() in REPORT_FILES:
            clashes.append(WellResult(file=str(path), status="failed", code="output_name_taken",
                                      reason=f"output name {name} is the run's report; rename the file or choose "
                                             "another --format"))
            continue
        if name.lower() in taken:
            clashes.append(
                WellResult(
                    file=str(path),
                    status="failed",
                    code="output_name_taken",
                    reason=(
                        f"output name {name} is already used by {taken[name.lower()]}; "
                        "rename one of the files or predict them into separate --out folders"
                    ),
                )
            )
            continue
        taken[name.lower()] = path
        planned.append((path, out_dir / name))
    return planned, clashes


def _written_by_a_run(out: Path) -> set[str]:
    """The outputs listed by ``out``'s report.json (the last run's), when ``out`` is a batch output folder."""
    if not is_batch_output(out):
        return set()
    try:
        wells = json.loads((out / "report.json").read_text()).get("wells", [])
        return {str(w["output"]) for w in wells if isinstance(w, dict) and w.get("output")}
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return set()


def _check_overwrites(files: list[Path], planned: list[tuple[Path, Path]], out: Path) -> None:
    """Refuse, before any work, a run that would replace a file the batch did not write.

    An output path that is the same file as any input (--out the inputs' own folder, or a link to
    it) would replace an original with its prediction. A file already at an output path that no
    earlier run wrote (no done marker, not in the folder's report.json) is someone else's: e.g. an
    original well in a parent --out named like an input of a sub-folder (outputs are flat), or a
    report.csv of another tool. Both stop the run with the folder named and what to do.
    """
    targets = [dest for _, dest in planned] + [out / name for name in REPORT_FILES]
    existing = [t for t in targets if t.exists()]
    if not existing:
        return
    inputs: set[tuple[int, int]] = set()
    for f in files:
        try:
            st = f.stat()
            inputs.add((st.st_dev, st.st_ino))
        except OSError:
            pass
    same = [t for t in existing if (t.stat().st_dev, t.stat().st_ino) in inputs]
    if same:
        more = f" and {len(same) - 1} more" if len(same) > 1 else ""
        raise UsageError(f"--out {out} holds the input files: the predictions would overwrite {same[0].name}{more}; "
                         f"originals are never overwritten: choose another --out folder (e.g. {out.name}-predicted)")
    ours = _written_by_a_run(out)
    batch_folder = is_batch_output(out)
    foreign = [t for t in existing
               if not (marker_path(t).is_file() or str(t) in ours or (t.name in REPORT_FILES and batch_folder))]
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise UsageError(f"--out {out} already holds {foreign[0].name}{more}, not written by welllog predict, which "
                         "the predictions would overwrite; choose another --out folder (or move those files away)")


def _unsearched_warnings(unsearched: Mapping[Path, list[Path]]) -> list[str]:
    """One line per folder argument whose sub-folders with wells were not searched (no --recursive)."""
    lines = []
    for folder, subs in unsearched.items():
        names = ", ".join(s.name for s in subs[:3]) + (", ..." if len(subs) > 3 else "")
        what, were = ("sub-folder", "was") if len(subs) == 1 else ("sub-folders", "were")
        lines.append(f"{len(subs)} {what} of {folder} holding .las/.csv files ({names}) {were} not searched; "
                     "pass --recursive to predict their wells too")
    return lines


def _checked_format(fmt: str | None, engine: str, scheduler: str | None) -> str | None:
    """The run's options checked before anything is read: the output format (lower case; None keeps
    each input's own), the engine, and a scheduler only with the Dask engine."""
    fmt = fmt.lower() if fmt else None
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    if engine not in ENGINES:
        raise UsageError(f"--engine must be one of {', '.join(ENGINES)} (got {engine!r})")
    if scheduler and engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    return fmt


def _input_files(paths: Iterable[str | os.PathLike[str]], recursive: bool) -> tuple[list[Path], list[str]]:
    """The wells to predict (absolute, not resolved: links stay distinct inputs) and the run-level
    warnings about sub-folders holding wells that were not searched."""
    from welllog.ingest import expand_paths

    unsearched: dict[Path, list[Path]] = {}
    expanded = expand_paths(list(paths), recursive=recursive, exclude=not_an_input, unsearched=unsearched,
                            recursive_option="--recursive")
    files = [Path(p).absolute() for p in expanded]
    if not files:
        raise UsageError("no LAS or CSV files found in the given paths; pass files or folders that contain them")
    return files, _unsearched_warnings(unsearched)


class _Collector:
    """Results as they arrive, in completion order: each one reported to ``progress``; if the engine
    itself dies, every well not yet done is reported as not run (and a Ctrl-C / SystemExit is kept to
    be raised once the report is written)."""

    def __init__(self, engine: str, total: int, model_version: str, progress: ProgressCallback | None) -> None:
        self.engine, self.total, self.model_version, self.progress = engine, total, model_version, progress
        self.results: dict[str, WellResult] = {}
        self.stopped: list[BaseException] = []
        self.interrupted: list[str] = []

    def collect(self, result: WellResult) -> None:
        self.results[result.file] = result
        if self.progress is not None:
            self.progress(result, len(self.results), self.total)

    def drain(self, stream: Iterator[WellResult], tasks: list[WellTask]) -> None:
        try:
            for result in stream:
                self.collect(result)
        except BaseException as exc:
            why = "stopped" if not isinstance(exc, Exception) else f"engine stopped ({reason_of(exc)})"
            reason = f"not run: the {self.engine} run {why}; run the same command again to resume"
            self.interrupted.append(reason)
            for task in tasks:
                if task.path not in self.results:
                    self.results[task.path] = WellResult(file=task.path, status="not_run", reason=reason,
                                                         model_version=self.model_version)
            if not isinstance(exc, Exception):  # KeyboardInterrupt / SystemExit: report written first, then stop
                self.stopped.append(exc)


def _run_tasks(tasks: list[WellTask], collector: _Collector, engine: str, scheduler: str | None,
               workers: int | None, out: Path, run_id: str) -> int:
    """Run the tasks on the chosen engine into ``collector``; the number of workers that ran them.
    The run's temporary files are removed however it ends."""
    n_workers = 1
    try:
        if engine == "local":
            collector.drain(run_local(tasks), tasks)
        else:
            with dask_client(scheduler, workers) as client:
                n_workers = len(client.scheduler_info()["workers"])  # type: ignore[attr-defined]
                collector.drain(run_dask(client, tasks), tasks)
    finally:
        cleanup_run_tmp(out, run_id)
    return n_workers


def run_batch(
    paths: Iterable[str | os.PathLike[str]],
    model_ref: str,
    out_dir: str | os.PathLike[str],
    *,
    fmt: str | None = "las",
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    models_dir: str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES,
    aliases: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    task_delay_s: float = 0.0,
    recursive: bool = False,
    warn: Callable[[str], None] | None = None,
    tie: bool = False,
) -> BatchReport:
    """Predict every well under ``paths`` with ``model_ref`` into ``out_dir``; never stops on a bad well.

    Each input gives ``<out_dir>/<stem>.<fmt>`` (written to a temp file and renamed when complete)
    and one row in ``report.json`` / ``report.csv`` (status ok | failed | skipped and the reason).
    Wells whose output is already complete for the same input bytes and model version are skipped,
    so an interrupted run is resumed by running it again. ``engine="dask"`` spreads wells over a
    Dask cluster: ``scheduler`` (address) or, by default, an embedded LocalCluster of ``workers``
    (default 2) single-threaded processes. Workers must see the inputs, the output folder and the
    models folder at the same paths (shared file system). ``fmt=None`` keeps each input's format
    (CSV -> CSV, else LAS); ``aliases`` / ``units`` are read_well's overrides. ``task_delay_s`` is a
    test hook (sleep per well, to have tasks in flight when a worker is killed). ``tie`` adds T_TIED,
    the mean tied to each well's own log where it stops (:mod:`welllog.tie`).

    Folders are searched for ``.las``/``.csv`` files, their sub-folders only when ``recursive``
    (otherwise sub-folders holding wells are a run-level warning, also passed to ``warn`` before
    any well is read); a batch output folder's report.csv/report.json and sub-folders that are batch
    outputs are not inputs. A run that would overwrite an input, or a file in ``out_dir`` that no
    batch run wrote, is refused before any work (UsageError), as is an ``out_dir`` that is a file.
    """
    from welllog.store import default_models_dir

    fmt = _checked_format(fmt, engine, scheduler)
    store_dir = Path(models_dir) if models_dir is not None else Path(default_models_dir())
    store_dir = store_dir.resolve()
    model_version, model_key = pin_model(store_dir, model_ref)
    out = Path(out_dir).resolve()
    check_out_folder(out, "the predictions")
    files, run_warnings = _input_files(paths, recursive)
    planned, clashes = _plan(files, out, fmt)
    _check_overwrites(files, planned, out)
    try:
        prepare_out_dir(out)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create the output folder ({exc.strerror or exc}); choose another --out") from None
    run_id = uuid.uuid4().hex[:12]
    with run_lock(out, run_id):  # a second run into the same folder is refused, not interleaved
        for message in run_warnings:
            if warn is not None:
                warn(message)
        tasks = [
            WellTask(
                path=str(src),
                output=str(dest),
                fmt=output_format(src, fmt),
                models_dir=str(store_dir),
                model_version=model_version,
                model_key=model_key,
                run_id=run_id,
                quantiles=tuple(quantiles),
                aliases=tuple((aliases or {}).items()),
                units=tuple((units or {}).items()),
                unmatched="error" if len(planned) == 1 else "note",
                delay_s=task_delay_s,
                tie=tie,
            )
            for src, dest in planned
        ]
        collector = _Collector(engine, len(tasks) + len(clashes), model_version, progress)
        started_at = _now()
        started = time.perf_counter()
        for clash in clashes:
            clash.model_version = model_version
            collector.collect(clash)
        n_workers = _run_tasks(tasks, collector, engine, scheduler, workers, out, run_id)
        order = {str(p): i for i, p in enumerate(files)}
        report = BatchReport(
            out_dir=out,
            model_ref=model_ref,
            model_version=model_version,
            engine=engine,
            fmt=fmt or "input",
            workers=n_workers,
            seconds=time.perf_counter() - started,
            results=sorted(collector.results.values(), key=lambda r: order.get(r.file, len(order))),
            scheduler=scheduler,
            run_warnings=run_warnings + collector.interrupted[:1],
            run_id=run_id,
            started_at=started_at,
            finished_at=_now(),
            status="interrupted" if collector.interrupted else "complete",
        )
        report.write()
    if collector.stopped:
        raise collector.stopped[0]
    return report
