"""`welllog train | predict | evaluate | compare`: the model zoo on the command line.

Why these commands read wells the same way as `inspect` (``--alias``/``--unit``): a model is only
as good as the canonical curves it was fed, and the user must be able to fix a mnemonic or unit
at every step. Every error is a :class:`~welllog.errors.WelllogError` (one line, exit code 2 for
unusable input); long work shows a Rich progress bar on stderr.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from welllog.errors import MissingCurvesError, UsageError, WelllogError
from welllog.jsonable import jsonable

from .app import app
from .console import progress as console_progress
from .console import result_console

if TYPE_CHECKING:
    from welllog.features import FeatureSpec
    from welllog.models import SonicModel
    from welllog.well import Well

_ALIAS_HELP = "Map a file curve onto a canonical curve: SRC=CANON (repeatable)."
_UNIT_HELP = "Give or correct a curve's unit: MNEMONIC=UNIT (repeatable)."
_REPORT_HELP = ("Also write a report folder: scores.json, per_well.csv, calibration.png (nominal vs observed "
                "interval coverage) and crossplot.png (measured vs predicted).")
_MODELS_DIR_HELP = "Model store directory (default: $WELLLOG_MODELS_DIR, else models/)."
_METRIC_COLS = ("n", "rmse", "mae", "r2", "nll", "crps", "coverage90", "width90")


def _progress(console: Console) -> Progress:
    """A live bar on a terminal, one plain line per step in a pipe or log (welllog.cli.console)."""
    return console_progress(console, SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())


def _read_wells(paths: Sequence[Path], alias: Sequence[str], unit: Sequence[str], console: Console):
    """Read every LAS/CSV under ``paths`` into canonical Wells (a bad file is a one-line error)."""
    read, _ = _read_files(paths, alias, unit, console, keep_going=False)
    return [f for f, _ in read], [w for _, w in read]


def _read_files(paths: Sequence[Path], alias: Sequence[str], unit: Sequence[str], console: Console, keep_going: bool,
                check: Callable[[Well], None] | None = None) -> tuple[list[tuple[Path, Well]], list[tuple[Path, WelllogError]]]:
    """((file, well) for each usable file, (file, error) for each file that could not be read or failed ``check``).

    ``keep_going=False`` raises the first error (training on fewer wells than asked is worse than
    stopping); ``keep_going=True`` collects it, in file order, for commands that handle each well
    on its own.
    """
    from welllog.curves import never_matched, parse_overrides, unmatched_overrides
    from welllog.ingest import expand_paths, read_well

    aliases = parse_overrides(list(alias), "--alias") or None
    units = parse_overrides(list(unit), "--unit") or None
    unsearched: dict[Path, list[Path]] = {}
    files = expand_paths(paths, unsearched=unsearched)
    if not files:
        raise UsageError(f"no LAS or CSV files found in {', '.join(map(str, paths))}")
    for folder, subs in unsearched.items():  # a run on fewer wells than the user meant must say so
        names = ", ".join(s.name for s in subs[:3]) + (", ..." if len(subs) > 3 else "")
        console.print(f"[yellow]warning:[/] {len(subs)} sub-folder(s) of {folder} with .las/.csv files ({names}) not "
                      "searched (this command reads only the files directly inside a folder): name the folders "
                      "that hold those wells to use them too", highlight=False, soft_wrap=True)
    read: list[tuple[Path, Well]] = []
    failed: list[tuple[Path, WelllogError]] = []
    with _progress(console) as progress:
        task = progress.add_task(f"reading {len(files)} file(s)", total=len(files))
        for i, f in enumerate(files, 1):
            progress.update(task, description=f"reading {f.name} ({i}/{len(files)})")
            try:
                # one override for several files: a file without that curve is read, the run checks below
                well = read_well(f, aliases=aliases, units=units, unmatched="error" if len(files) == 1 else "note")
                if check is not None:
                    check(well)
                read.append((f, well))
            except WelllogError as exc:
                if not keep_going:
                    raise
                failed.append((f, exc))
            progress.advance(task)
    never_matched([unmatched_overrides(w) for _, w in read])
    return read, failed


def _store(models_dir: Path | None):
    from welllog.store import ModelStore

    return ModelStore(models_dir)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.2f}"
    return str(v)


def _metrics_table(title: str, rows: list[dict[str, Any]], keys: Sequence[str], cols: Sequence[str] = _METRIC_COLS) -> Table:
    table = Table(title=title, title_justify="left")
    for k in keys:
        table.add_column(k)
    for c in cols:
        table.add_column(c, justify="right")
    for r in rows:
        table.add_row(*(str(r.get(k, "")) for k in keys), *(_fmt(r.get(c)) for c in cols))
    return table


# ---------------------------------------------------------------------------------------------
@app.command()
def train(
    paths: list[Path] = typer.Argument(..., help="LAS or CSV files, or directories of them (training wells; a directory's own files, sub-folders not searched)."),
    target: list[str] = typer.Option(..., "--target", help="Target curve (DTC, DTS); repeat for both."),
    model: str = typer.Option("ensemble", "--model", "--family", help="Model family (--family is the same option, as in compare): ensemble (recommended: NGBoost + LightGBM) | ngboost | rf | gbdt | xgboost | lightgbm | all (all: one model NAME-FAMILY per single family)."),
    name: str = typer.Option(..., "--name", help="Model name in the store (a new version vN is added)."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help=_MODELS_DIR_HELP),
    validate_on: list[str] = typer.Option([], "--validate-on", help="Blind validation well (name or file stem), repeatable: not trained on, scored."),
    context: int | None = typer.Option(None, "--context", min=0, help="Depth-context window in samples (rolling mean/std features); 0 = off. Default: 21 with the recommended recipe, 0 with --recipe plain."),
    recipe: str | None = typer.Option(None, "--recipe", help="recommended (input repair, clean training rows, depth context, blind-calibrated intervals, DTS >= sqrt(2) x DTC) | plain (the bare family). Default: recommended; plain with --engine dask, the only recipe it trains."),
    dist: str | None = typer.Option(None, "--dist", help="NGBoost distribution (ngboost, and the ensemble's NGBoost member): normal (default) | lognormal."),
    depth: str | None = typer.Option(None, "--depth", help="Depth (recommended recipe, wells with a depth column): average (default) (DTC also from a companion model that sees vertical depth — TVD where the file has it, else measured depth — 50/50) | average-md (the companion sees measured depth) | input (measured depth an input of every model) | off."),
    optional_input: list[str] = typer.Option([], "--optional-input", help="Input curve a well may lack (repeatable; recommended recipe; the caliper always is): the model then predicts a well without it (its training median stands in, T_QC bit 1) instead of handing the well to the reduced-input model. E.g. PEF, missing in many wells."),
    alias: list[str] = typer.Option([], "--alias", help=_ALIAS_HELP),
    unit: list[str] = typer.Option([], "--unit", help=_UNIT_HELP),
    engine: str = typer.Option("local", "--engine", help="local | dask (LightGBM/XGBoost trained on a Dask cluster; NGBoost stays local)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://HOST:PORT); default: a local cluster."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Workers of the local Dask cluster (default 2)."),
) -> None:
    """Train a model for DTC and/or DTS and save it as NAME:vN in the model store."""
    from welllog.evaluation.compare import evaluate_model
    from welllog.evaluation.splits import named_wells
    from welllog.recipes import recommended_spec

    targets = _targets(target)
    recipe, dist, depth, families = _train_options(model, engine, recipe, dist, depth, optional_input)
    optional = _optional_inputs(optional_input, recipe, recommended_spec().inputs)
    for fam in families:  # the name and the store are checked before minutes of training, not at save time
        _store(models_dir).check_writable(name if len(families) == 1 else f"{name}-{fam}")
    if engine != "local":  # wells are read on the workers, never here (welllog.batch.train_dask)
        from welllog.batch.cli import train_with_dask
        from welllog.curves import parse_overrides

        train_with_dask(paths, targets, families, name, models_dir=models_dir, context=context or 0, validate_on=validate_on,
                        aliases=parse_overrides(list(alias), "--alias") or None, units=parse_overrides(list(unit), "--unit") or None,
                        engine=engine, scheduler=scheduler, workers=workers)
        return
    err = Console(stderr=True)
    _, wells = _read_wells(paths, alias, unit, err)
    train_wells, val_wells = named_wells(wells, validate_on) if validate_on else (wells, [])
    spec = _train_spec(recipe, context)
    store = _store(models_dir)
    out = result_console()
    with _progress(err) as progress:
        task = progress.add_task("training", total=len(families) * len(targets) if recipe == "plain" else None)

        def step(msg: str) -> None:
            progress.update(task, description=msg)
            progress.advance(task)

        for fam in families:
            m = _unfitted_model(recipe, fam, targets, spec, dist, depth, optional).fit(train_wells, progress=step)
            metrics: dict[str, Any] = {}
            if val_wells:
                progress.update(task, description=f"{fam}: scoring validation wells")
                ev = evaluate_model(m, val_wells)
                metrics = {"validation_wells": [w.name for w in val_wells], **jsonable(ev)}
            ref_name = name if len(families) == 1 else f"{name}-{fam}"
            version = store.save(m, ref_name, metrics=metrics)
            _warn_unused_wells(err, m, train_wells, targets, depth)
            _report_trained(out, m, ref_name, version, fam, targets, str(store.root), metrics, val_wells)


#: --depth value -> (the recipe's depth_feature, companion_depth)
_DEPTH_MODES = {"average": ("average", "vertical"), "average-md": ("average", "measured"), "input": ("auto", "vertical"),
                "off": (False, "vertical")}


def _train_options(model: str, engine: str, recipe: str | None, dist: str | None, depth: str | None,
                   optional_input: Sequence[str]) -> tuple[str, str, str, list[str]]:
    """``train``'s options checked before any well is read: (recipe, dist, depth, families), defaults
    filled in. The distributed trainer fits the bare family, so options it would ignore are refused,
    not silently dropped."""
    from welllog.models import ALL_FAMILIES, FAMILIES, with_member_setting

    if engine != "local":
        local_only = [o for o, given in (("--recipe recommended", recipe == "recommended"), ("--depth", depth is not None),
                                        ("--optional-input", bool(optional_input)), ("--dist", dist is not None)) if given]
        if local_only:
            raise UsageError(f"--engine {engine} trains the bare family (--recipe plain): {', '.join(local_only)} "
                             "needs the local engine (omit --engine)")
    recipe = recipe or ("recommended" if engine == "local" else "plain")
    given_dist, dist, depth = dist, dist or "normal", depth or "average"
    families = list(FAMILIES) if model == "all" else [model]
    if families[0] not in ALL_FAMILIES:
        raise UsageError(f"--model {model!r}: choose one of {', '.join(ALL_FAMILIES)} or all")
    if dist not in ("normal", "lognormal"):
        raise UsageError(f"--dist {dist!r}: choose normal or lognormal")
    with_ngboost = [f for f in ALL_FAMILIES if with_member_setting(f, {}, "ngboost", "dist", dist) is not None]
    if given_dist is not None and not set(families) & set(with_ngboost):
        raise UsageError(f"--dist sets NGBoost's distribution, and --model {model} has no NGBoost in it: "
                         f"omit --dist, or use --model {' or '.join(with_ngboost)}")
    if recipe not in ("recommended", "plain"):
        raise UsageError(f"--recipe {recipe!r}: choose recommended or plain")
    if depth not in _DEPTH_MODES:
        raise UsageError(f"--depth {depth!r}: choose average, average-md, input or off")
    if depth == "input" and recipe != "recommended":
        raise UsageError("--depth input needs --recipe recommended (the plain recipe uses log curves only)")
    return recipe, dist, depth, families


def _train_spec(recipe: str, context: int | None) -> FeatureSpec:
    """The feature recipe ``train`` fits: the recommended one (``--context`` overriding its window) or
    the plain log curves with an optional context window."""
    from welllog.features import FeatureSpec
    from welllog.recipes import recommended_spec

    if recipe != "recommended":
        return FeatureSpec(context_window=context or 0)
    spec = recommended_spec()
    if context is not None:
        spec.context_window = context
    return spec


def _unfitted_model(recipe: str, family: str, targets: Sequence[str], spec: FeatureSpec, dist: str, depth: str,
                    optional: Sequence[str]) -> SonicModel:
    """The estimator ``train`` fits for one family: the recommended recipe (depth mode, optional inputs)
    or the bare family, the NGBoost distribution passed to whichever member is NGBoost."""
    from welllog.models import SonicModel, with_member_setting
    from welllog.recipes import OPTIONAL_INPUTS, recommended_model

    params = with_member_setting(family, {}, "ngboost", "dist", dist) or {}
    depth_feature, companion_depth = _DEPTH_MODES[depth]
    bundle = (recommended_model(targets, tolerance=0.05, depth_feature=depth_feature, companion_depth=companion_depth,
                                optional_inputs=tuple(dict.fromkeys([*OPTIONAL_INPUTS, *optional])))
              if recipe == "recommended" else SonicModel(tolerance=0.05))
    return bundle.set_params(targets=targets, family=family, feature_spec=spec, params=params)


def _report_trained(out: Console, m: SonicModel, name: str, version: str, fam: str, targets: Sequence[str], store_root: str,
                    metrics: Mapping[str, Any], val_wells: Sequence[Well]) -> None:
    """What a trained and saved model is, for the modeller: what it needs, how to serve it, how its
    inputs are normalised and its intervals calibrated, its reduced-input model, its blind scores."""
    from welllog.store import serving_name

    ref = f"{name}:{version}"
    out.print(f"saved {ref} ({fam}; targets {', '.join(targets)}; {len(m.metadata['training_wells'])} training well(s); "
              f"requires {', '.join(m.required_curves) or 'none'}; tolerates missing {', '.join(m.tolerated_curves) or 'none'}) "
              f"in {store_root}", highlight=False)
    serving = serving_name()
    if name != serving:
        out.print(f"  to serve it as {serving}: welllog promote {ref}", highlight=False, soft_wrap=True)
    for c, (lo, hi) in (getattr(m, "normalise_reference_", None) or {}).items():
        out.print(f"  {c}: each well's P5/P95 mapped onto the training wells' {lo:.4g}/{hi:.4g} (model input only)",
                  highlight=False, soft_wrap=True)
    _print_calibrations(out, m, "  ")
    reduced = getattr(m, "fallback_", None)
    if reduced is not None:
        out.print(f"  rows without {', '.join(c for c in m.required_curves if c not in reduced.inputs)}: predicted by a "
                  f"reduced-input model on {', '.join(reduced.inputs)} (T_QC bit 32)", highlight=False, soft_wrap=True)
        _print_calibrations(out, reduced, "    ")
    if val_wells:
        rows = [{"target": t, **metrics["overall"][t]} for t in targets]
        out.print(_metrics_table(f"{ref} on blind wells {', '.join(w.name for w in val_wells)}", rows, ["target"]))
        for t in (t for t in targets if not metrics["overall"][t].get("n")):
            out.print(f"  {t}: no blind score — not logged in {', '.join(w.name for w in val_wells)}; add a blind well "
                      f"that has {t} (--validate-on)", highlight=False, soft_wrap=True)


def _optional_inputs(given: Sequence[str], recipe: str, inputs: Sequence[str]) -> list[str]:
    """``--optional-input`` values as canonical input curves (checked before any training)."""
    names = [c.strip().upper() for c in given]
    if names and recipe != "recommended":
        raise UsageError("--optional-input needs --recipe recommended (the plain recipe tolerates a curve only when the training wells miss it)")
    bad = [c for c in names if c not in inputs]
    if bad:
        raise UsageError(f"--optional-input {', '.join(bad)}: the model's input curves are {', '.join(c for c in inputs if c != 'DEPT')}")
    return names


def _warn_unused_wells(err: Console, model: Any, wells: Sequence[Well], targets: Sequence[str], depth: str) -> None:
    """Say which given wells the model could not use, and why: those logging no target (left out,
    :func:`welllog.models.sonic.wells_with_targets`), and those without depth when they turned the
    depth companion off for every well (the model is then the no-depth one throughout)."""
    from welllog.models.sonic import untrained_warning

    untrained = list(getattr(model, "untrained_wells_", []))
    if untrained:
        err.print(f"[yellow]warning:[/] {untrained_warning(untrained, targets)}", highlight=False, soft_wrap=True)
    used = [w for w in wells if w.name not in untrained]
    depthless = [w.name for w in used if not w.has_depth]
    if depth.startswith("average") and "DTC" in targets and depthless and getattr(model, "depth_companion_", "absent") is None:
        err.print(f"[yellow]warning:[/] no depth companion for DTC: {', '.join(depthless)} ha{'s' if len(depthless) == 1 else 've'} no "
                  "depth column, and the companion needs every training well's depth (train those wells apart, or give them a "
                  "depth column, to have it)", highlight=False, soft_wrap=True)


def _print_calibrations(out: Any, model: Any, indent: str) -> None:
    """One line per target's blind calibration, and one for DTS rows served from a logged DTC."""
    for t, cal in (getattr(model, "calibration", None) or {}).items():
        out.print(f"{indent}{t}: {_calibration_line(cal)}", highlight=False, soft_wrap=True)
    given = getattr(model, "logged_dtc_calibration_", None)
    if given is not None:
        out.print(f"{indent}DTS where the well logs DTC (Vp/Vs ratio x the measured DTC, T_QC bit 64): {_calibration_line(given)}",
                  highlight=False, soft_wrap=True)


def _calibration_line(cal: Any) -> str:
    """A calibration's one line, marked as a warning when no blind sample calibrated the band."""
    return cal.describe() if getattr(cal, "calibrated", True) else f"[yellow]warning:[/] {cal.describe()}"


def _targets(target: Sequence[str]) -> list[str]:
    from welllog.well import TARGET_CURVES

    targets = list(dict.fromkeys(t.strip().upper() for t in target))
    bad = [t for t in targets if t not in TARGET_CURVES]
    if bad:
        raise UsageError(f"--target {', '.join(bad)}: targets are {', '.join(TARGET_CURVES)}")
    return targets


# ---------------------------------------------------------------------------------------------
@app.command()
def predict(
    paths: list[Path] = typer.Argument(..., help="LAS or CSV files, or directories of them (sub-folders too with --recursive)."),
    model: str = typer.Option(..., "--model", help="NAME (latest version) or NAME:VERSION."),
    out: Path = typer.Option(..., "--out", help="Output directory: one STEM.las/.csv/.parquet per input file."),
    fmt: str | None = typer.Option(None, "--format", help="las | csv | parquet (default: the input file's format)."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help=_MODELS_DIR_HELP),
    alias: list[str] = typer.Option([], "--alias", help=_ALIAS_HELP),
    unit: list[str] = typer.Option([], "--unit", help=_UNIT_HELP),
    engine: str = typer.Option("local", "--engine", help="local (this process) | dask (wells spread over Dask workers)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://HOST:PORT); default: a local cluster."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Workers of the local Dask cluster (default 2)."),
    recursive: bool = typer.Option(False, "--recursive", help="Search the sub-folders of folder arguments too (outputs stay flat in --out)."),
    tie: bool = typer.Option(False, "--tie", help="Also write T_TIED: the mean tied to the well's own T log where that log stops "
                             "(median error over the 30 m of log beside it, fading over 100 m; T_MEAN stays the model's)."),
) -> None:
    """Predict T_MEAN, T_STD, T_P05/P50/P95, T_QC for each input; originals are kept unchanged.

    A file that cannot be predicted is one ``failed`` line on stderr (exit code 2); the others are
    still written. Outputs are atomic, report.json/report.csv list every well, a re-run skips wells
    already done (welllog.batch.run_batch).
    """
    from welllog.batch.cli import predict_with_progress
    from welllog.curves import parse_overrides

    from welllog.batch.runner import FORMATS

    if fmt is not None and fmt.lower() not in FORMATS:
        raise UsageError(f"--format {fmt!r}: use {', '.join(FORMATS)}")
    aliases = parse_overrides(list(alias), "--alias") or None
    units = parse_overrides(list(unit), "--unit") or None
    report = predict_with_progress(paths, model, out, fmt=fmt, engine=engine, scheduler=scheduler, workers=workers,
                                   models_dir=models_dir, aliases=aliases, units=units, recursive=recursive, tie=tie)
    if report.exit_code:
        raise typer.Exit(code=report.exit_code)


# ---------------------------------------------------------------------------------------------
@app.command()
def evaluate(
    paths: list[Path] = typer.Argument(..., help="LAS or CSV files with the target curves, or directories of them (their own files, sub-folders not searched)."),
    model: list[str] = typer.Option(..., "--model", help="NAME (latest version) or NAME:VERSION. Repeat to score several stored models on the same wells, side by side: a candidate against the default before `welllog promote`."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    out: Path | None = typer.Option(None, "--out", help=_REPORT_HELP),
    models_dir: Path | None = typer.Option(None, "--models-dir", help=_MODELS_DIR_HELP),
    alias: list[str] = typer.Option([], "--alias", help=_ALIAS_HELP),
    unit: list[str] = typer.Option([], "--unit", help=_UNIT_HELP),
) -> None:
    """Score stored models on wells that have measured DTC/DTS: accuracy and calibration.

    A file that cannot be scored (unreadable, or missing a curve a model needs) is one ``error:``
    line on stderr and exit code 2, as in `welllog predict`; the other wells are still scored. With
    several models every one is scored on the same wells, and the headline scores are those of the
    wells none of them was trained on.
    """
    from welllog.batch.outputs import check_out_folder

    if out is not None:
        check_out_folder(out, "the report")  # before any well is scored
    store = _store(models_dir)
    models = {ref: store.load(ref) for ref in dict.fromkeys(model)}
    err = Console(stderr=True)
    read, failed = _read_files(paths, alias, unit, err, keep_going=True, check=_scorable_by(models))
    wells = [w for _, w in read]
    for f, exc in failed:
        print(f"error: {_failure(f, exc)}", file=sys.stderr, flush=True)
    if not wells:
        raise typer.Exit(code=2)
    targets = list(dict.fromkeys(t for sonic in models.values() for t in sonic.targets))
    wells = _measured_wells(wells, targets)
    seen, trained, blind = _blind_wells(wells, models)
    from welllog.qc import depth_offsets

    offsets = {w.name: depth_offsets(w) for w in wells}  # of the wells, whichever model scores them
    results, predictions = {}, {}
    with _progress(err) as progress:
        progress.add_task(f"scoring {len(wells)} well(s) with {len(models)} model(s)", total=None)
        for ref, sonic in models.items():
            results[ref], predictions[ref] = _evaluation(sonic, ref, wells, blind, seen[ref], offsets, keep_predictions=out is not None)
    if failed:  # only then, so that a run where every well is usable prints what it always did
        for result in results.values():
            result["failed"] = [{"file": str(f), "error": str(exc)} for f, exc in failed]
    side_by_side = [{"model": str(r["model"]), "target": t, **r["overall"][t], "contest_score": r["contest_score"]}
                    for r in results.values() for t in r["targets"]]
    if as_json:
        body = next(iter(results.values())) if len(results) == 1 else {
            "models": list(results.values()), "overall_wells": [w.name for w in blind], "side_by_side": side_by_side}
        sys.stdout.write(json.dumps(jsonable(body), indent=2) + "\n")
    else:
        for ref, result in results.items():
            _print_evaluation(result, models[ref], wells, seen[ref])
        if len(results) > 1:
            result_console().print(_metrics_table(f"side by side on {_scope(blind, wells, trained)}", side_by_side,
                                                  ["model", "target"], cols=(*_METRIC_COLS, "contest_score")))
    if out is not None:
        labels = {ref: str(r["model"]) for ref, r in results.items()}
        _write_report(out, results[next(iter(results))] if len(results) == 1 else {"models": list(results.values()), "side_by_side": side_by_side},
                      {labels[ref]: predictions[ref] for ref in results},
                      [{"model": labels[ref], **row} for ref, r in results.items() for row in r["per_well"]],
                      f"{' vs '.join(labels.values())} on {_scope(blind, wells, trained)}")
    if failed:
        raise typer.Exit(code=2)


def _measured_wells(wells: list[Well], targets: Sequence[str]) -> list[Well]:
    """The wells that log a target to score against; each other one a warning (it used to be counted
    as scored, its rows among the samples: CLI audit), none at all a usage error."""
    has_target = [any(w.has(t) for t in targets) for w in wells]
    if not any(has_target):
        raise UsageError(f"none of the wells has a measured {' or '.join(targets)} to evaluate against")
    for w, measured in zip(wells, has_target):
        if not measured:
            print(f"warning: {w.source or w.label}: no measured {' or '.join(targets)}, nothing to score; left out", file=sys.stderr, flush=True)
    return [w for w, measured in zip(wells, has_target) if measured]


def _blind_wells(wells: list[Well], models: Mapping[str, SonicModel]) -> tuple[dict[str, list[str]], set[str], list[Well]]:
    """(each model's training wells among ``wells``, the union of those, the wells the headline scores).

    Training wells beside blind ones: the overall scores (and the report's pictures) are the blind
    wells' only — of every model, so that models are compared on the same wells — and the training
    wells are scored per well and marked: a headline must not mix them. Only training wells: all."""
    from welllog.models.sonic import trained_on

    seen = {ref: [w.name for w in wells if trained_on(w, sonic.metadata)] for ref, sonic in models.items()}
    trained = {name for names in seen.values() for name in names}
    blind = [w for w in wells if w.name not in trained] if trained and len(trained) < len(wells) else list(wells)
    return seen, trained, blind


def _scorable_by(models: Mapping[str, SonicModel]) -> Callable[[Well], None]:
    """The read check of `evaluate`: a well every model can score (its required curves), the error
    naming the model that cannot when there are several."""
    def check(well: Well) -> None:
        for ref, sonic in models.items():
            try:
                sonic.check_curves(well)
            except MissingCurvesError as exc:
                if len(models) == 1:
                    raise
                raise MissingCurvesError(exc.well, exc.missing, exc.found, exc.why, needed_by=f"model {ref}") from None
    return check


def _scope(blind: Sequence[Well], wells: Sequence[Well], trained: set[str]) -> str:
    """Which wells the overall scores cover, in words (the report's title and the side-by-side table's)."""
    if len(blind) < len(wells):
        return f"{len(blind)} blind well(s)"
    return f"{len(wells)} well(s){' (training wells: not blind)' if trained else ''}"


def _evaluation(sonic: SonicModel, ref: str, wells: Sequence[Well], blind: Sequence[Well], seen: Sequence[str],
                depth_offsets: Mapping[str, Mapping[str, Any]], keep_predictions: bool) -> tuple[dict[str, Any], Any]:
    """One model's scores for `evaluate`: overall on ``blind``, per well on every well (its own
    training wells marked ``training_well``), and the scored predictions for the report."""
    from welllog.evaluation.compare import evaluate_model

    result = evaluate_model(sonic, blind, keep_predictions=keep_predictions)
    rest = [w for w in wells if w not in blind]
    if rest:
        others = evaluate_model(sonic, rest)
        result["per_well"] += [{**r, "training_well": r["well"] in seen} for r in others["per_well"]]
    predictions = result.pop("predictions", {})
    offsets = {name: {t: o for t, o in by_target.items() if t in sonic.targets} for name, by_target in depth_offsets.items()}
    return {"model": sonic.metadata.get("ref", ref), "family": sonic.family, "targets": sonic.targets,
            "wells": [w.name for w in wells], "training_wells_included": list(seen),
            "overall_wells": [w.name for w in blind],
            "measured_depth_offsets": {name: o for name, o in offsets.items() if o}, **result}, predictions


def _write_report(out: Path, scores: dict[str, Any], predictions: dict[str, Any], per_well: list[dict[str, Any]], title: str) -> None:
    """The report folder of `evaluate` / `compare --out` (welllog.evaluation.report), named on stderr."""
    from welllog.batch.outputs import make_out_folder
    from welllog.evaluation.report import write_report

    make_out_folder(out, "the report")
    paths = write_report(out, scores, predictions, per_well, title)
    print(f"report: {out} ({', '.join(p.name for p in paths)})", file=sys.stderr, flush=True)


def _failure(file: Path, exc: WelllogError) -> str:
    """``FILE: reason`` for a well that could not be used, the file named once (as `welllog predict` says it)."""
    return str(exc) if str(file) in str(exc) else f"{file}: {exc}"


def _print_evaluation(result: dict[str, Any], sonic: SonicModel, wells: Sequence[Well], seen: Sequence[str]) -> None:
    """The scores table, per-well table, contest score and warnings of `welllog evaluate`."""
    out = result_console()
    rows = [{"target": t, **result["overall"][t]} for t in sonic.targets]
    scored = result.get("overall_wells", [w.name for w in wells])
    scope = (f"{len(scored)} blind well(s): {', '.join(scored)}" if len(scored) < len(wells)
             else f"{len(wells)} well(s){' — TRAINING wells: in-sample, not blind' if seen else ''}")  # said where it is read first
    out.print(_metrics_table(f"{result['model']} ({sonic.family}) on {escape(scope)}", rows, ["target"]))
    by_model = [{"target": t, "model": name, **scores} for t, parts in result.get("overall_by_model", {}).items()
                for name, scores in parts.items()]
    if by_model:
        out.print(_metrics_table("by model: main, or reduced-input where a curve the main model requires is missing (T_QC bit 32)",
                                 by_model, ["target", "model"]))
    if len(wells) > 1:
        per_well = [{**r, "well": f"{r['well']} (training)" if r.get("training_well") else r["well"]} for r in result["per_well"]]
        out.print(_metrics_table("per well", per_well, ["well", "target"]))
    if result["contest_score"] is not None:
        out.print(f"SPWLA contest score sqrt(mean((dDTC^2+dDTS^2)/2)): {result['contest_score']:.3f}", highlight=False)
    if seen and len(scored) < len(wells):
        out.print(f"[yellow]warning:[/] {', '.join(seen)} were training wells: scored per well only (marked), "
                  "not in the overall scores or the contest score")
    elif seen:
        out.print(f"[yellow]warning:[/] {', '.join(seen)} were training wells: these scores are not blind")
    for name, by_target in result["measured_depth_offsets"].items():
        for t, o in by_target.items():
            out.print(f"[yellow]note:[/] {name}: measured {t} is {o['metres']:+.2f} {o['unit']} off depth against its inputs "
                      "(QC): its scores include that; depth-match it to judge the model", highlight=False)


# ---------------------------------------------------------------------------------------------
@app.command()
def compare(
    paths: list[Path] = typer.Argument(..., help="LAS or CSV files, or directories of them (their own files, sub-folders not searched)."),
    target: list[str] = typer.Option(..., "--target", help="Target curve (DTC, DTS); repeat for both."),
    validate_on: list[str] = typer.Option([], "--validate-on", help="Blind well(s); default: one well -> its deepest quarter, several -> every 4th well by name."),
    families: list[str] = typer.Option([], "--family", "--model", help="Restrict to these families (--model is the same option, as in train) (repeatable; default: the five families, plus the ensemble with --recipe recommended)."),
    recipe: str = typer.Option("plain", "--recipe", help="plain (the bare families: the study's table, fast) | recommended (each family inside the recipe `welllog train` uses: input repair, clean training rows, depth context, blind-calibrated intervals; slower)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    out: Path | None = typer.Option(None, "--out", help=_REPORT_HELP),
    alias: list[str] = typer.Option([], "--alias", help=_ALIAS_HELP),
    unit: list[str] = typer.Option([], "--unit", help=_UNIT_HELP),
) -> None:
    """Fit every model family on the same training wells and score them on the same blind wells."""
    from welllog.batch.outputs import check_out_folder
    from welllog.evaluation.compare import compare_families
    from welllog.evaluation.splits import default_split
    from welllog.models import ALL_FAMILIES, FAMILIES, SonicModel
    from welllog.recipes import CalibratedSonicModel, recommended_spec

    targets = _targets(target)
    fams = list(dict.fromkeys(families)) or list(ALL_FAMILIES if recipe == "recommended" else FAMILIES)
    bad = [f for f in fams if f not in ALL_FAMILIES]
    if bad:
        raise UsageError(f"--family {', '.join(bad)}: families are {', '.join(ALL_FAMILIES)}")
    if recipe not in ("recommended", "plain"):
        raise UsageError(f"--recipe {recipe!r}: choose recommended or plain")
    if out is not None:
        check_out_folder(out, "the report")  # before any family is fitted

    def make_model() -> SonicModel:
        if recipe == "recommended":
            return CalibratedSonicModel(tolerance=0.05, feature_spec=recommended_spec())
        return SonicModel(tolerance=0.05)
    err = Console(stderr=True)
    _, wells = _read_wells(paths, alias, unit, err)
    train_wells, test_wells = default_split(wells, validate_on)
    with _progress(err) as progress:
        task = progress.add_task("comparing", total=len(fams) * 2)
        evaluations: dict[str, dict[str, Any]] = {}
        rows = compare_families(train_wells, test_wells, targets, fams, make_model=make_model,
                                progress=lambda msg: (progress.update(task, description=msg), progress.advance(task)),
                                scored=(lambda fam, ev: evaluations.__setitem__(fam, ev)) if out is not None else None)
    summary = {"recipe": recipe, "train": [w.name for w in train_wells], "blind": [w.name for w in test_wells], "rows": rows}
    if out is not None:
        _write_report(out, summary, {fam: ev["predictions"] for fam, ev in evaluations.items()},
                      [{"model": fam, **r} for fam, ev in evaluations.items() for r in ev["per_well"]],
                      f"{recipe} families; {_blind_split(wells, train_wells, test_wells)}")
    if as_json:
        sys.stdout.write(json.dumps(jsonable(summary), indent=2) + "\n")
        return
    table = _metrics_table(
        f"{'bare families (no recipe; --recipe recommended for what `welllog train` builds)' if recipe == 'plain' else 'inside the recommended recipe'}; {escape(_blind_split(wells, train_wells, test_wells))}",
        rows, ["family", "target"], cols=(*_METRIC_COLS, "contest_score", "fit_seconds", "predict_rows_per_s"))
    result_console().print(table)


def _blind_split(wells: Sequence[Well], train_wells: Sequence[Well], test_wells: Sequence[Well]) -> str:
    """What `compare` held out, in words.

    With one input well the blind set is a contiguous depth block of that same well (its deepest
    rows, welllog.evaluation.splits.default_split): saying "blind wells: X (trained on 1 well)"
    would read as training and testing on the same data, so the rows held out and the rows trained
    on are spelled out.
    """
    if len(wells) == 1 and len(test_wells) == 1 and test_wells[0] is not wells[0]:
        n, held, kept = len(wells[0].data), len(test_wells[0].data), sum(len(w.data) for w in train_wells)
        gap = n - held - kept
        return (f"blind: deepest {held} of {n} rows of {wells[0].name} (a contiguous depth block, "
                f"{f'gap {gap} rows' if gap else 'no gap'}), trained on the other {kept} rows")
    return f"blind wells: {', '.join(w.name for w in test_wells)} (trained on {len(train_wells)} well(s))"
