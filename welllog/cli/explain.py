"""`welllog explain`: why the model predicts what it does, curve by curve, along a well.

Writes, per well, tables (CSV + Parquet) and PNG figures for each target's mean and — where the
family has one — its uncertainty (scale) parameter; see :mod:`welllog.explain.report` for the
layout. Contributions are exact SHAP values checked against the model's own output (the
additivity error is shown and kept in summary.json). That output can differ from the served
T_MEAN / T_STD (the recipe's depth companion, shear blend and calibration act after it): the table
shows the gap and, below it, one line per target says what is explained and what the served value
adds — not only summary.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from welllog.errors import UsageError, WelllogError
from welllog.ingest.paths import well_stem

from .app import app
from .console import progress as console_progress
from .console import result_console

_PARAMS = ("mean", "scale")


@app.command()
def explain(
    paths: list[Path] = typer.Argument(..., help="LAS or CSV file(s), or directories of them."),
    model: str = typer.Option(..., "--model", help="NAME (latest version) or NAME:VERSION."),
    out: Path = typer.Option(..., "--out", help="Output directory (one sub-folder per well when several)."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help="Model store directory (default: $WELLLOG_MODELS_DIR, else models/)."),
    target: list[str] = typer.Option([], "--target", help="Target(s) to explain (default: every target of the model)."),
    parameter: list[str] = typer.Option([], "--parameter", help="mean and/or scale (default: both where available)."),
    no_group: bool = typer.Option(False, "--no-group", help="Keep derived features apart instead of summing them per source curve."),
    top: int = typer.Option(3, "--top", min=1, help="Dependence plots for this many top curves."),
    depth_range: tuple[float, float] | None = typer.Option(
        None, "--depth-range", help="Explain only the samples between these two depths (m): TOP BOTTOM. Inside a stretch "
                                    "only the reduced-input model predicts (no density/neutron), that model is explained."),
    interaction_samples: int = typer.Option(200, "--interaction-samples", min=0, help="Depth samples used for interaction values (0: skip them; they cost ~features x contributions)."),
    alias: list[str] = typer.Option([], "--alias", help="Map a file curve onto a canonical curve: SRC=CANON (repeatable)."),
    unit: list[str] = typer.Option([], "--unit", help="Give or correct a curve's unit: MNEMONIC=UNIT (repeatable)."),
) -> None:
    """Explain a model's predictions on a well: global importance, per-depth contributions, coupling, uncertainty."""
    from welllog.batch.outputs import make_out_folder
    from welllog.curves import parse_overrides
    from welllog.ingest import expand_paths
    from welllog.store import ModelStore

    bad = [p for p in parameter if p not in _PARAMS]
    if bad:
        raise UsageError(f"--parameter {bad[0]!r}: choose mean or scale")
    make_out_folder(out, "the explanations")  # before any SHAP work
    console = Console(stderr=True)
    sonic = ModelStore(models_dir).load(model)
    target = [t.strip().upper() for t in target]  # mnemonics are case-insensitive (as `welllog train --target`)
    for t in target:
        if t not in sonic.targets:
            raise UsageError(f"--target {t}: model {model} predicts {', '.join(sonic.targets)}")
    files = expand_paths(paths)
    if not files:
        raise UsageError(f"no LAS or CSV files found in {', '.join(map(str, paths))}")
    aliases = parse_overrides(list(alias), "--alias") or None
    units = parse_overrides(list(unit), "--unit") or None
    targets = list(target) or list(sonic.targets)
    table = Table(title=f"explanations — model {model} ({sonic.family})")
    for col in ("well", "target", "parameter", "samples", "top curves", "additivity err", "gap to served (mean/max)", "seconds"):
        table.add_column(col)
    reasons: dict[tuple[str, str], str] = {}
    left_out: dict[str, str] = {}
    failed: list[tuple[Path, WelllogError]] = []
    for f in files:
        try:
            _explain_file(sonic, f, out if len(files) == 1 else out / well_stem(f), aliases, units, targets, parameter, no_group, top,
                          interaction_samples, depth_range, console, table, reasons, left_out)
        except WelllogError as exc:  # one well that cannot be explained: the others still are, and listed
            if len(files) == 1:
                raise
            failed.append((f, exc))
    results = result_console()  # the results on stdout, as inspect / evaluate / compare print theirs
    results.print(table)
    for (t, p), text in reasons.items():
        results.print(f"{t} {p}: {text}", highlight=False)
    for label, text in left_out.items():  # the rest of the well, and how to explain it
        results.print(f"{label}: {text}", highlight=False)
    for f, exc in failed:
        print(f"error: {exc if str(f) in str(exc) else f'{f}: {exc}'}", file=sys.stderr, flush=True)
    if failed:
        raise typer.Exit(code=max(e.exit_code for _, e in failed))


def _explain_file(sonic, f: Path, dest: Path, aliases, units, targets: list[str], parameter: list[str], no_group: bool, top: int,
                  interaction_samples: int, depth_range, console: Console, table: Table, reasons: dict[tuple[str, str], str],
                  left_out: dict[str, str]) -> None:
    """Explain one file into ``dest``: its rows of the table, the served-value notes and what it left out."""
    from welllog.explain.report import available_parameters, write_report
    from welllog.explain.selection import explained_rows, outward
    from welllog.explain.served import SERVED_AS_IS
    from welllog.ingest import read_well

    well = read_well(f, aliases=aliases, units=units)
    selection = explained_rows(sonic, well, depth_range=depth_range)  # a range with nothing to explain fails here
    n_runs = sum(len([p for p in (parameter or _PARAMS) if p in available_parameters(sonic, t)]) for t in targets)
    with console_progress(console, SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn()) as progress:  # plain step lines when stderr is a pipe or log
        task = progress.add_task(f"{well.name}", total=len(selection.rows) * max(n_runs, 1))
        summary = write_report(
            sonic, well, dest, targets=targets, parameters=list(parameter) or None, group=not no_group, top=top,
            interaction_samples=interaction_samples, depth_range=depth_range,
            on_rows=lambda n: progress.advance(task, n),
            on_step=lambda text: progress.update(task, description=text),
        )
    for run in summary["runs"]:
        samples = str(run["samples"]) + (" (reduced-input model)" if run.get("explained_model") == "reduced-input" else "")
        table.add_row(well.name, run["target"], run["parameter"], samples, ", ".join(run["top"]),
                      f"{run['additivity_max_abs_error']:.1e}", _gap(run.get("served")), f"{run['seconds']['contributions']:.2f}")
        served = run.get("served") or {}
        if served and (not served.get("equal") or SERVED_AS_IS not in served["reason"]):  # a gap, or a route to name
            reasons.setdefault((run["target"], run["parameter"]), served["reason"])
        if run.get("left_out"):
            a, b = outward(*run["left_out_depth_range"])
            left_out[well.label] = f"{run['left_out']}: --depth-range {a} {b}"
    print(f"{f}: {len(summary['files'])} files -> {dest}", file=sys.stdout)


def _gap(served: dict | None) -> str:
    """Mean/max |served - explained| in us/ft for the table ('-' without a common reading)."""
    if not served or served.get("mean_abs_gap") is None:
        return "-"
    return " / ".join(f"{v:.1f}" if v >= 0.05 else f"{v:.0e}" for v in (served["mean_abs_gap"], served["max_abs_gap"])) + " us/ft"
