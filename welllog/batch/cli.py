"""The `welllog predict` front end of :func:`run_batch`: a rich progress bar and a summary.

Kept here (not in the command module) so the command only parses options and delegates; the
progress bar shows wells done / total and the running ok / failed / skipped counts. The bar (only
on a terminal) and one ``error:`` line per failed well go to stderr; the summary, a result, goes to
stdout — so a single bad file gives exactly one line on stderr. The exit status follows the report:
0 when every well is ok or skipped, 3 when some failed (or were not run) beside others with an output, 2 when
no well has one (report.json / report.csv are written anyway), as for an error before any well.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from welllog.cli.services import stop_signals_interrupt

from .results import BatchReport, WellResult
from .runner import run_batch


def predict_with_progress(
    paths: Sequence[str | os.PathLike[str]],
    model: str,
    out: str | os.PathLike[str],
    *,
    fmt: str | None = "las",
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    models_dir: str | os.PathLike[str] | None = None,
    aliases: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    console: Console | None = None,
    recursive: bool = False,
    tie: bool = False,
) -> BatchReport:
    """Run the batch with a live progress bar; print one line per failed well and a summary.

    Run-level warnings known up front (sub-folders not searched) are printed before any well, the
    others (an override that named no curve) at the end; each once, on stderr.
    """
    console = console or Console(stderr=True)
    summary_console = Console(soft_wrap=True) if console.stderr else console
    counts = {"ok": 0, "failed": 0, "skipped": 0, "not_run": 0}
    printed: list[str] = []

    def on_warning(message: str) -> None:
        printed.append(message)
        console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)
    with Progress(
        TextColumn("[bold]predict[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[green]{task.fields[ok]} ok[/] [red]{task.fields[failed]} failed[/] {task.fields[skipped]} skipped"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("wells", total=None, ok=0, failed=0, skipped=0)

        def on_result(result: WellResult, done: int, total: int) -> None:
            counts[result.status] += 1
            if result.status == "failed":
                where = "" if str(result.file) in str(result.reason) else f"{result.file}: "
                bar.console.print(f"[red]error:[/] {where}{result.reason}", highlight=False, soft_wrap=True)
            elif result.warning:
                bar.console.print(f"[yellow]warning:[/] {result.file}: {result.warning}", highlight=False, soft_wrap=True)
            elif not console.is_terminal:  # no live bar in a pipe or log: one plain line per well shows it is alive
                bar.console.print(f"predict {done}/{total}: {result.file} {result.status}", markup=False, highlight=False,
                                  soft_wrap=True)
            bar.update(task, completed=done, total=total, **counts)

        with stop_signals_interrupt():  # SIGTERM (timeout, systemd, Kubernetes) as Ctrl-C: the report is written
            report = run_batch(paths, model, out, fmt=fmt, engine=engine, scheduler=scheduler, workers=workers,
                               models_dir=models_dir, progress=on_result, aliases=aliases, units=units,
                               recursive=recursive, warn=on_warning, tie=tie)
    for message in report.warnings():
        if message in printed:
            continue
        console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)
    s = report.summary()
    summary_console.print(
        f"{s['ok']} ok, {s['failed']} failed, {s['skipped']} skipped{_not_run(s)} of {s['wells']} wells{warned(report)} in {s['seconds']:.1f} s "
        f"with {report.model_version} ({engine}{'' if engine == 'local' else ', ' + _count(report.workers, 'worker')}); "
        f"report: {Path(report.out_dir) / 'report.csv'}",
        highlight=False,
        soft_wrap=True,
    )
    return report


def _not_run(summary: Mapping[str, int]) -> str:
    return f", {summary['not_run']} not run" if summary.get("not_run") else ""


def warned(report: BatchReport) -> str:
    """' (N with a warning)' for the summary line, or '': wells with an output (ok or skipped) whose
    prediction carries a warning, placed after all the counts since skipped wells keep theirs."""
    n = sum(1 for r in report.results if r.status != "failed" and r.warning)
    return f" ({n} with a warning)" if n else ""


def train_with_dask(
    paths: Sequence[str | os.PathLike[str]],
    targets: Sequence[str],
    families: Sequence[str],
    name: str,
    *,
    models_dir: str | os.PathLike[str] | None = None,
    context: int = 0,
    validate_on: Sequence[str] = (),
    aliases: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    engine: str = "dask",
    scheduler: str | None = None,
    workers: int | None = None,
    console: Console | None = None,
) -> list[str]:
    """`welllog train --engine dask`: fit each family on the cluster, save NAME[-FAMILY]:vN; returns refs.

    Training wells are never read into this process. ``--validate-on`` names files by stem (reading
    every well here just to learn its name would defeat the purpose); those few blind wells are read
    here and scored after training, as in the single-process path.
    """
    from welllog.errors import UsageError
    from welllog.evaluation.compare import evaluate_model
    from welllog.features import FeatureSpec
    from welllog.ingest import expand_paths, read_well
    from welllog.ingest.paths import well_stem
    from welllog.models.sonic import untrained_warning
    from welllog.jsonable import jsonable
    from welllog.store import ModelStore

    from .engines import dask_client
    from .train_dask import DASK_FAMILIES, train_sonic_dask

    if engine != "dask":
        raise UsageError(f"--engine must be local or dask (got {engine!r})")
    if len(families) > 1:  # --model all: the families that have a Dask trainer
        families = [f for f in families if f in DASK_FAMILIES]
    elif families[0] not in DASK_FAMILIES:
        raise UsageError(f"--engine dask trains only {', '.join(DASK_FAMILIES)}; NGBoost, rf and gbdt have no "
                         f"distributed trainer - omit --engine dask for --model {families[0]}")
    out = console or Console()
    files = expand_paths(list(paths))
    wanted = {v.lower() for v in validate_on}
    val_files = [f for f in files if well_stem(f).lower() in wanted or f.name.lower() in wanted]
    unknown = wanted - {well_stem(f).lower() for f in val_files} - {f.name.lower() for f in val_files}
    if unknown:
        raise UsageError(f"--validate-on {', '.join(sorted(unknown))}: no such file among the inputs "
                         "(with --engine dask, name validation wells by file stem)")
    train_files = [f for f in files if f not in val_files]
    if not train_files:
        raise UsageError("every input well is a validation well: leave at least one well to train on")
    val_wells = [read_well(f, aliases=dict(aliases or {}) or None, units=dict(units or {}) or None, unmatched="note") for f in val_files]
    store = ModelStore(models_dir)
    refs: list[str] = []
    with dask_client(scheduler, workers) as client:
        for fam in families:
            model = train_sonic_dask(client, train_files, targets, fam, feature_spec=FeatureSpec(context_window=context),
                                     aliases=dict(aliases or {}) or None, units=dict(units or {}) or None)
            metrics = {}
            if val_wells:
                metrics = {"validation_wells": [w.name for w in val_wells], **jsonable(evaluate_model(model, val_wells))}
            ref_name = name if len(families) == 1 else f"{name}-{fam}"
            version = store.save(model, ref_name, metrics=metrics)
            refs.append(f"{ref_name}:{version}")
            if model.metadata.get("untrained_wells"):
                out.print(f"warning: {untrained_warning(model.metadata['untrained_wells'], targets)}", highlight=False, soft_wrap=True)
            out.print(f"saved {ref_name}:{version} ({fam}, trained on Dask with {_count(model.metadata['trained_with']['workers'], 'worker')}; "
                      f"targets {', '.join(targets)}; {len(model.metadata['training_wells'])} training well(s); "
                      f"requires {', '.join(model.required_curves) or 'none'}) in {store.root}", highlight=False)
            if val_wells:
                for t in targets:
                    m = metrics["overall"][t]
                    out.print(f"  {t} on blind {', '.join(w.name for w in val_wells)}: rmse {m.get('rmse', float('nan')):.3f}, "
                              f"coverage90 {m.get('coverage90', float('nan')):.3f}", highlight=False)
    return refs


def _count(n: object, noun: str) -> str:
    """'1 worker', '2 workers'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
