"""`welllog demo` and `welllog inspect`: make wells to play with, and see what welllog makes of yours.

Why `inspect` exists: before training or predicting, a user needs to see which file curve became
which canonical curve, which unit conversion was applied and what QC found — every decision of
:func:`welllog.curves.canonicalise` is shown, so a wrong alias or unit is caught before a model is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from welllog.errors import WelllogError
from welllog.jsonable import jsonable

from .app import app  # noqa: F401  (commands register on it)
from .console import result_console

_QC_COLUMNS = ("valid", "missing", "impossible", "spike", "bad_hole", "scale_shift", "not_formation", "behind_casing")


@app.command()
def demo(
    out: Path = typer.Option(Path("data/demo"), "--out", help="Directory to write the synthetic LAS wells to."),
    wells: int = typer.Option(4, "--wells", min=1, max=100, help="Number of wells."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed writes the same files."),
    samples: int = typer.Option(0, "--samples", min=0, help="Samples per well (0: 2500-4500, drawn per well)."),
) -> None:
    """Write synthetic demo wells (LAS 2.0, rock-physics based, with DTC and mostly DTS)."""
    from welllog.demo import generate_demo_wells

    paths = generate_demo_wells(out, n_wells=wells, seed=seed, n_samples=samples or None)
    console = result_console()
    for path in paths:
        console.print(f"wrote {path}", highlight=False)


def _inspect_one(path: Path, aliases: dict[str, str], units: dict[str, str], unmatched: str) -> tuple[dict[str, Any], set[str]]:
    """(the file's report, the override fields that named no curve of it)."""
    from welllog.curves import unmatched_overrides
    from welllog.identity import identity_items
    from welllog.ingest import read_well
    from welllog.qc import qc_summary

    well = read_well(path, aliases=aliases or None, units=units or None, unmatched=unmatched)
    return {**well.summary(), "identity": identity_items(well), "qc": qc_summary(well)}, unmatched_overrides(well)


def _print_report(console: Console, report: dict[str, Any]) -> None:
    depth = report["depth"]
    console.rule(f"[bold]{report['name']}[/] — {report['source']}")
    if report["samples"] and depth["from_file"]:
        sampling = f"step {depth['step']:.4g} m" if depth.get("regular", True) else f"irregular sampling, median step {depth['step']:.4g} m"
        logged = (f"; {depth['file_start']:.2f}-{depth['file_stop']:.2f} {depth['file_unit']} as logged"
                  if "file_unit" in depth else "")
        console.print(f"{report['samples']} samples, depth {depth['start']:.2f}-{depth['stop']:.2f} m (from the file{logged}), "
                      f"{sampling}", highlight=False)
    elif report["samples"]:  # rows in depth order, numbered: no metres to show
        console.print(f"{report['samples']} samples, rows {depth['start']:.0f}-{depth['stop']:.0f} "
                      "(no depth in file: rows taken in depth order, numbered)", highlight=False)
    if report.get("identity"):  # which well this is, from its header (UWI, field, KB, depth reference)
        console.print("; ".join(f"{item} {value}" for item, value in report["identity"].items()), highlight=False, soft_wrap=True)
    curves = Table(title="curves", title_justify="left")
    for col in ("file curve", "unit", "canonical", "canonical unit", "conversion", "why"):
        curves.add_column(col)
    for m in report["curves"]:
        curves.add_row(m["source"], m["source_unit"] or "-", m["canonical"], m["unit"], m["conversion"], m["reason"])
    console.print(curves)
    if report["unmapped"]:
        console.print(f"not used: {', '.join(report['unmapped'])}", highlight=False)
    qc = report["qc"]
    table = Table(title="QC (samples per canonical curve)", title_justify="left")
    table.add_column("curve")
    for col in _QC_COLUMNS:
        table.add_column(col.replace("_", " "), justify="right")
    for curve, counts in qc["curves"].items():
        table.add_row(curve, *(str(counts[c]) for c in _QC_COLUMNS))
    console.print(table)
    console.print(
        f"missing inputs: {', '.join(qc['missing_inputs']) or 'none'}; targets present: "
        f"{', '.join(qc['targets']) or 'none'}; bit size: {qc['bit_size_source'] or 'unknown'}",
        highlight=False,
    )
    notes = [p for p in report["provenance"] if p["step"] in ("depth", "unit", "qc", "user", "read")
             or (p["step"] == "alias" and " not taken as " in p["message"])]  # a candidate passed over, and why
    for p in notes:
        console.print(f"  - [{p['step']}] {p['curve'] + ': ' if p['curve'] else ''}{p['message']}", highlight=False, markup=False)


@app.command()
def inspect(
    paths: list[Path] = typer.Argument(..., help="LAS or CSV files, or directories of them."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output (a JSON list, one object per file; one that could not be read is {\"source\", \"error\"})."),
    alias: list[str] = typer.Option([], "--alias", help="Map a file curve onto a canonical curve: SRC=CANON (repeatable)."),
    unit: list[str] = typer.Option([], "--unit", help="Give or correct a curve's unit: MNEMONIC=UNIT (repeatable)."),
) -> None:
    """Show each well's curves -> canonical names, units and conversions, depth range and QC summary.

    Files that cannot be read are reported as one ``error:`` line each on stderr (exit code 2);
    the other files are still inspected.
    """
    from welllog.batch.outputs import not_an_input
    from welllog.curves import parse_overrides
    from welllog.curves.canonicalise import never_matched_message
    from welllog.ingest import expand_paths

    aliases = parse_overrides(alias, "--alias")
    units = parse_overrides(unit, "--unit")
    files = expand_paths(paths, exclude=not_an_input)  # a run's own report.csv is no well (as `predict` skips it)
    reports: list[dict[str, Any]] = []
    unmatched: list[set[str]] = []
    errors: list[tuple[Path, WelllogError]] = []
    err_console = Console(stderr=True)
    with Progress(console=err_console, transient=True, disable=len(files) < 2 or not err_console.is_terminal) as progress:
        task = progress.add_task("inspecting", total=len(files))
        for path in files:
            try:
                # one override for a folder: a file without that curve is listed (as train/predict read it), not refused
                report, missed = _inspect_one(path, aliases, units, "error" if len(files) == 1 else "note")
                reports.append(report)
                unmatched.append(missed)
            except WelllogError as exc:
                if len(files) == 1:
                    raise
                errors.append((path, exc))
            progress.advance(task)
    if as_json:  # a file that failed keeps its place in the list: a pipeline sees every input
        failed = [{"source": str(path), "error": str(exc)} for path, exc in errors]
        sys.stdout.write(json.dumps(jsonable(reports + failed), indent=2, allow_nan=False) + "\n")
    else:
        console = result_console()
        for report in reports:
            _print_report(console, report)
    for _, exc in errors:
        print(f"error: {exc}", file=sys.stderr)
    never = never_matched_message(unmatched)  # an override no file has: a typo, not a curve some wells lack
    if never:
        print(f"error: {never}", file=sys.stderr)
    if errors or never:
        raise typer.Exit(code=max([e.exit_code for _, e in errors] + ([2] if never else [])))
