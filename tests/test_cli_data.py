"""`welllog demo` and `welllog inspect` end to end, as a user runs them (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WELLLOG = [str(Path(sys.executable).with_name("welllog"))]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "300"}  # wide tables: no wrapped cells to search through
    return subprocess.run([*WELLLOG, *args], capture_output=True, text=True, cwd=cwd, timeout=120, env=env)


def test_demo_then_inspect_json(tmp_path, force2020_dir):
    out = tmp_path / "demo"
    res = run("demo", "--out", str(out), "--wells", "2", "--seed", "3", "--samples", "2000")
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["DEMO-1.las", "DEMO-2.las"]
    res = run("inspect", str(out), str(force2020_dir / "16_2-16.las"), "--json")
    assert res.returncode == 0, res.stderr
    reports = json.loads(res.stdout)
    assert [r["name"] for r in reports][:2] == ["DEMO-1", "DEMO-2"]
    force = reports[2]
    curves = {c["canonical"]: c for c in force["curves"]}
    assert {"DTC", "DTS", "RHOB", "NPHI"} <= set(curves)
    assert curves["NPHI"]["source_unit"] == "m3/m3" and curves["NPHI"]["unit"] == "v/v"
    assert "DRHO" in force["unmapped"]
    assert force["depth"]["unit"] == "m" and force["depth"]["step"] > 0.15
    assert force["qc"]["curves"]["CALI"]["bad_hole"] > 0


def test_inspect_json_is_strict_even_for_files_without_a_depth_step(corpus_dir):
    """Wrapped or irregular LAS files have no constant step: JSON null, never a bare NaN."""
    res = run("inspect", str(corpus_dir), "--json")
    reports = json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c} in --json output"))
    assert len(reports) > 20 and any(r["depth"]["step"] is None for r in reports if r.get("depth"))
    assert any("error" in r for r in reports)  # the corpus's broken files are listed, each with its error
    # which well each file is, from its header (absent items left out): the Kansas file gives its datum too
    kansas = next(r for r in reports if r.get("source", "").endswith("1001178549.las"))
    assert kansas["identity"] == {"Well name": "1-28", "UWI": "15-187-20743", "API number": "151872074300", "Field": "NICHOLAS",
                                  "Company": "AMOCO PROD", "Ground level elevation": "3190 FT", "Depth measured from": "KB",
                                  "Depth reference elevation": "3210 FT"}
    table = run("inspect", str(corpus_dir / "1001178549.las"))
    assert "Well name 1-28; UWI 15-187-20743; API number 151872074300; Field NICHOLAS; Company AMOCO PROD;" in table.stdout


def test_demo_default_out_dir(tmp_path):
    res = run("demo", "--wells", "1", "--samples", "2000", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "data" / "demo" / "DEMO-1.las").is_file()


def test_inspect_table_and_overrides(tmp_path, spwla_dir):
    csv = tmp_path / "vendor.csv"
    csv.write_text("DEPTH,GAMMA,NEU\n" + "".join(f"{1000 + 0.5 * i},{50 + i % 7},{20 + i % 5}\n" for i in range(50)))
    res = run("inspect", str(csv), "--alias", "GAMMA=GR", "--alias", "NEU=NPHI", "--unit", "NEU=%", "--unit", "DEPTH=ft")
    assert res.returncode == 0, res.stderr
    assert "user override GAMMA=GR" in res.stdout
    assert "% -> v/v" in res.stdout and "ft -> m" in res.stdout
    res = run("inspect", str(spwla_dir / "train.csv"))
    assert res.returncode == 0, res.stderr
    assert "scale shift" in res.stdout and "CNC" in res.stdout


def test_bad_file_one_line_exit_2(tmp_path):
    bad = tmp_path / "broken.las"
    bad.write_bytes(b"\x00\x01\x02 definitely not a well")
    res = run("inspect", str(bad))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "broken.las" in lines[0]
    assert "Traceback" not in res.stderr


def test_bad_override_is_usage_error(tmp_path, force2020_dir):
    res = run("inspect", str(force2020_dir / "16_2-16.las"), "--alias", "GR")
    assert res.returncode == 2 and res.stderr.startswith("error: --alias 'GR'")
    res = run("inspect", str(force2020_dir / "16_2-16.las"), "--alias", "GR=GAMMA")
    assert res.returncode == 2 and "not a canonical curve" in res.stderr


def test_good_and_bad_files_together(tmp_path, force2020_dir):
    bad = tmp_path / "empty.las"
    bad.write_text("")
    res = run("inspect", str(force2020_dir / "32_2-1.las"), str(bad), "--json")
    assert res.returncode == 2
    reports = json.loads(res.stdout)
    assert [r["name"] for r in reports if "error" not in r] and "empty.las" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    # the failed file keeps its place in the JSON list too: a pipeline sees every input
    failed = [r for r in reports if "error" in r]
    assert len(reports) == 2 and len(failed) == 1 and failed[0]["source"].endswith("empty.las") and failed[0]["error"] in res.stderr


@pytest.mark.parametrize(("args", "expected"), [
    (("inspect",), "error: missing argument PATHS: give LAS or CSV files, or directories of them (see welllog inspect --help)"),
    (("evaluate", "{force}/16_2-16.las"), "error: missing option --model: give --model NAME (latest version) or NAME:VERSION "
                                          "(see welllog evaluate --help)"),
    (("train", "{force}/16_2-16.las", "--name", "x"), "error: missing option --target: give --target target curve (DTC, DTS)"),
    (("predict", "{force}/16_2-16.las", "--model"), "error: option '--model' requires an argument (see welllog predict --help)"),
    (("demo", "--wells", "many"), "error: invalid value for --wells: input should be a valid integer"),
    (("inspect", "{force}/16_2-16.las", "--jsn"), "error: no such option: --jsn"),
    (("inspekt", "{force}/16_2-16.las"), "error: no such command 'inspekt'"),
])
def test_usage_errors_are_one_line_exit_2(args, expected, force2020_dir, tmp_path):
    """The parser's own errors (missing argument/option, bad value) follow the README: one line naming
    the parameter and what to do, exit code 2 — not `MissingParameter: ...` and exit 1."""
    res = run(*(a.format(force=force2020_dir) for a in args), cwd=tmp_path)
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2, res.stderr
    assert len(lines) == 1 and lines[0].startswith(expected), lines
    assert "--help" in lines[0] and "Traceback" not in res.stderr and "Missing parameter" not in res.stderr


def test_help_paragraphs_wrap_to_the_terminal_not_to_the_source_lines(tmp_path):
    """A command's docstring is wrapped at 100 columns in the source; ``--help`` must reflow it to the
    terminal (a wide one here) instead of breaking sentences where the source did, and keep every
    word — literal placeholders included."""
    res = run("predict", "--help", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "A file that cannot be predicted is one failed line on stderr (exit code 2); the others are still written." in res.stdout
    assert "one STEM.las/.csv/.parquet per input file" in res.stdout


def test_inspect_takes_a_folder_wide_alias_and_skips_a_runs_report(force2020_dir, tmp_path):
    """One ``--alias`` for a folder where only some files have that curve: every file is listed (the
    others note it), as train and predict read such a folder; an alias no file has is still an error.
    A predict output folder's report.csv is not listed as a well (CLI audit: both were refused / read)."""
    import shutil

    folder = tmp_path / "mix"
    folder.mkdir()
    shutil.copy(force2020_dir / "16_2-16.las", folder)
    text = (force2020_dir / "31_2-9.las").read_text(encoding="latin-1")
    (folder / "w_xpef.las").write_text(text.replace("\nPEF ", "\nXPEF", 1), encoding="latin-1")
    (folder / "report.csv").write_text("file,status,reason\na.las,ok,\n")  # as `predict --out mix` leaves them
    (folder / "report.json").write_text(json.dumps({"wells": []}))
    (folder / ".welllog-batch").mkdir()
    r = run("inspect", str(folder), "--alias", "XPEF=PEF", "--json")
    assert r.returncode == 0, r.stderr
    reports = json.loads(r.stdout)
    assert sorted(Path(rep["source"]).name for rep in reports) == ["16_2-16.las", "w_xpef.las"]
    by_name = {Path(rep["source"]).name: rep for rep in reports}
    assert {c["canonical"]: c["source"] for c in by_name["w_xpef.las"]["curves"]}["PEF"] == "XPEF"
    assert any("names no curve of this well" in p["message"] for p in by_name["16_2-16.las"]["provenance"])
    r = run("inspect", str(folder), "--alias", "NOPE=PEF")
    assert r.returncode == 2 and "names no curve of any of the 2 wells" in r.stderr, r.stderr


def test_inspect_says_when_sampling_is_irregular(corpus_dir, force2020_dir):
    """A file with STEP 0 and uneven depths has no step: inspect said "step 193.9 m (from file)" (CLI audit)."""
    r = run("inspect", str(corpus_dir / "lasio_issue_271.las"))
    assert r.returncode == 0 and "irregular sampling, median step 193.9 m" in r.stdout, r.stdout + r.stderr
    r = run("inspect", str(force2020_dir / "16_2-16.las"), "--json")
    assert json.loads(r.stdout)[0]["depth"]["regular"] is True


def test_inspect_gives_a_feet_log_its_range_in_feet_too(corpus_dir, force2020_dir):
    """Depths are metres through the pipeline; a log in feet is known by its feet, so inspect shows
    the file's own range beside them (CLI audit: only metres were shown for a feet file)."""
    r = run("inspect", str(corpus_dir / "autodepthindex_FEET.las"), "--json")
    depth = json.loads(r.stdout)[0]["depth"]
    assert (depth["unit"], depth["stop"]) == ("m", pytest.approx(30.48))
    assert (depth["file_unit"], depth["file_start"], depth["file_stop"]) == ("FEET", 0.0, 100.0)
    table = run("inspect", str(corpus_dir / "autodepthindex_FEET.las")).stdout
    assert "depth 0.00-30.48 m (from the file; 0.00-100.00 FEET as logged)" in table, table
    metric = json.loads(run("inspect", str(force2020_dir / "16_2-16.las"), "--json").stdout)[0]["depth"]
    assert "file_unit" not in metric  # logged in metres: nothing to add


def test_debug_shows_the_traceback_and_keeps_the_exit_code(tmp_path):
    """``--debug`` adds the traceback; the exit code stays 2 for bad input (it was 1: a script
    telling bad input from a crash saw a crash; README audit)."""
    bad = tmp_path / "noa.las"
    bad.write_text("~Version\n VERS. 2.0 :\n~Curve\n DEPT.M :\n")
    plain, debug = run("inspect", str(bad)), run("inspect", str(bad), "--debug")
    assert plain.returncode == debug.returncode == 2, (plain.stderr, debug.stderr)
    assert "Traceback" in debug.stderr and "Traceback" not in plain.stderr
    assert debug.stderr.strip().splitlines()[-1] == plain.stderr.strip()
