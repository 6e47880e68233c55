"""`welllog predict` delegating to run_batch: exit codes, report, --engine/--workers options."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from welllog.cli.main import main

from .batch_support import PREDICT_WELLS, make_inputs, train_model


@pytest.fixture(scope="module")
def setup(force2020_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("batch-cli")
    models = root / "models"
    name = train_model(force2020_dir, models)
    inputs = make_inputs(force2020_dir, root / "in")
    return {"root": root, "models": models, "name": name, "inputs": inputs}


def test_cli_exit_2_when_a_well_fails_and_report_written(setup: dict, tmp_path: Path, capsys) -> None:
    code = main(["predict", str(setup["root"] / "in"), "--model", setup["name"], "--out", str(tmp_path / "out"),
                 "--models-dir", str(setup["models"]), "--format", "csv"])
    err = capsys.readouterr().err
    assert code == 3  # three wells written, two failed
    lines = err.splitlines()  # one "error:" line per failed well, naming it; no bar off a terminal, but a line per well
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 2 and len(lines) == 5
    # the others: a plain progress line, or a warning (this small test model finds most rows of some wells out of range)
    assert all(line.startswith(("predict ", "warning: ")) for line in lines if not line.startswith("error:"))
    assert "corrupt.las" in err and "no_curves.csv" in err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["summary"] == {**report["summary"], "ok": 3, "failed": 2, "wells": 5}
    assert sorted(p.name for p in (tmp_path / "out").glob("*.csv")) == sorted(
        [f"{Path(n).stem}.csv" for n in PREDICT_WELLS] + ["report.csv"])


def test_cli_dask_engine_exit_0_then_resumes(setup: dict, tmp_path: Path, capsys) -> None:
    good = [str(setup["inputs"][Path(n).stem]) for n in PREDICT_WELLS[:2]]
    args = ["predict", *good, "--model", setup["name"], "--out", str(tmp_path / "out"), "--models-dir", str(setup["models"])]
    assert main([*args, "--engine", "dask", "--workers", "1"]) == 0
    assert "2 ok, 0 failed" in capsys.readouterr().out
    assert main(args) == 0  # local re-run: both already complete
    assert "0 ok, 0 failed, 2 skipped" in capsys.readouterr().out


def test_cli_rejects_bad_engine_and_scheduler(setup: dict, tmp_path: Path, capsys) -> None:
    args = ["predict", str(setup["root"] / "in"), "--model", setup["name"], "--out", str(tmp_path / "out"),
            "--models-dir", str(setup["models"])]
    assert main([*args, "--engine", "spark"]) == 2
    assert "--engine" in capsys.readouterr().err
    assert main([*args, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "scheduler" in capsys.readouterr().err


def test_cli_refuses_out_over_the_inputs_and_out_that_is_a_file(setup: dict, tmp_path: Path, capsys) -> None:
    """`--out` = the input folder: one error line naming it and what to do, exit 2, originals intact;
    `--out` an existing file: one error line, exit 2, no traceback."""
    folder = setup["root"] / "in"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    args = ["predict", str(folder), "--model", setup["name"], "--models-dir", str(setup["models"]), "--format", "csv"]
    assert main([*args, "--out", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: --out {folder.resolve()} holds the input files")
    assert "choose another --out" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    assert main([*args, "--out", str(notes)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: --out {notes.resolve()} is a file, not a folder; choose a folder for the predictions (it is created if missing)\n"


def test_cli_a_tampered_model_is_one_error_before_any_well(setup: dict, tmp_path: Path, capsys) -> None:
    """A modified model artifact: one error line naming it, exit 1 (no input error), no well read and no report — it
    was one failed line per well, each the same (CLI audit)."""
    import shutil

    models = tmp_path / "models"
    shutil.copytree(setup["models"], models)
    artifact = next(models.glob(f"{setup['name']}/v*/model.joblib"))
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    artifact.write_bytes(bytes(data))
    code = main(["predict", str(setup["root"] / "in"), "--model", setup["name"], "--out", str(tmp_path / "out"),
                 "--models-dir", str(models)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and err.startswith("error: ") and "does not match metadata" in err, err  # not the input: 1
    assert not (tmp_path / "out").exists()


def test_cli_recursive_option(setup: dict, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "field"
    (folder / "deeper").mkdir(parents=True)
    good = [setup["inputs"][Path(n).stem] for n in PREDICT_WELLS[:2]]
    os.symlink(good[0].resolve(), folder / good[0].name)
    os.symlink(good[1].resolve(), folder / "deeper" / good[1].name)
    args = ["predict", str(folder), "--model", setup["name"], "--out", str(tmp_path / "out"), "--models-dir", str(setup["models"])]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "1 ok, 0 failed, 0 skipped of 1 wells" in out
    assert f"warning: 1 sub-folder of {folder} holding .las/.csv files (deeper) was not searched; pass --recursive" in err
    assert main([*args, "--recursive"]) == 0
    out, err = capsys.readouterr()
    assert "1 ok, 0 failed, 1 skipped of 2 wells" in out and "not searched" not in err


def test_a_folder_with_wells_only_in_sub_folders_gets_each_command_s_own_hint(setup: dict, tmp_path: Path, capsys) -> None:
    """`welllog train|evaluate|predict X` where X's wells all sit in sub-folders: the error names the
    folders that hold them; only `predict`, which has it, is told about --recursive. A folder with
    wells of its own and more below: `evaluate` (no --recursive) warns that those were not read."""
    folder = tmp_path / "field"
    (folder / "area 1").mkdir(parents=True)
    (folder / "empty").mkdir()
    well = setup["inputs"][Path(PREDICT_WELLS[0]).stem]
    os.symlink(well.resolve(), folder / "area 1" / well.name)
    store = ["--models-dir", str(setup["models"])]
    hint = f"{folder}: directory holds no .las or .csv files itself; 1 is in a sub-folder below it, which is not searched: " \
           f"name that folder instead ('{folder}/area 1')"
    for args in (["train", str(folder), "--target", "DTC", "--name", "t", "--model", "lightgbm", *store],
                 ["evaluate", str(folder), "--model", setup["name"], *store]):
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert err == f"error: {hint}", err  # not `field/*/` (it expands to the empty folder too)
    assert main(["predict", str(folder), "--model", setup["name"], "--out", str(tmp_path / "out"), *store]) == 2
    assert capsys.readouterr().err.strip() == f"error: {hint} or add --recursive"
    os.symlink(setup["inputs"][Path(PREDICT_WELLS[1]).stem].resolve(), folder / "top.las")
    assert main(["evaluate", str(folder), "--model", setup["name"], *store]) == 0
    err = capsys.readouterr().err
    assert f"warning: 1 sub-folder(s) of {folder} with .las/.csv files (area 1) not searched" in err, err


def test_cli_tie_writes_tied_columns_on_dask_workers_too(setup: dict, tmp_path: Path, capsys) -> None:
    """`welllog predict --tie`: the LAS output gains DTC_TIED (described in ~Curve) from a worker
    process as from this one; without --tie there is none."""
    import lasio

    well = str(setup["inputs"]["25_11-24"])
    base = ["predict", well, "--model", setup["name"], "--models-dir", str(setup["models"])]
    assert main([*base, "--out", str(tmp_path / "tied"), "--tie", "--engine", "dask", "--workers", "1"]) == 0
    las = lasio.read(tmp_path / "tied" / "25_11-24.las")
    assert "DTC_TIED" in las.keys() and "tied to this well's own DTC log" in las.curves["DTC_TIED"].descr
    assert "DTC_TIED: the synthetic tied to this well's own DTC log" in las.other  # provenance: what the tie did
    assert main([*base, "--out", str(tmp_path / "plain")]) == 0
    assert "DTC_TIED" not in lasio.read(tmp_path / "plain" / "25_11-24.las").keys()
    capsys.readouterr()


def test_cli_conflicting_aliases_are_one_error_before_any_well(setup: dict, tmp_path: Path, capsys) -> None:
    """Two aliases for one curve is an argument error: one line, exit 2, no output folder — not a
    failed line per well after the run started."""
    code = main(["predict", str(setup["root"] / "in"), "--model", setup["name"], "--out", str(tmp_path / "out"),
                 "--models-dir", str(setup["models"]), "--alias", "ZDEN=RHOB", "--alias", "CNC=RHOB"])
    err = capsys.readouterr().err
    assert code == 2 and err == "error: aliases ZDEN=RHOB and CNC=RHOB: two curves for RHOB, which takes one; keep the alias of the curve to use\n"
    assert not (tmp_path / "out").exists()


def test_sigterm_stops_the_run_with_its_report_written(setup: dict, force2020_dir: Path, tmp_path: Path) -> None:
    """SIGTERM (what timeout, systemd and Kubernetes send) stops a run like Ctrl-C: report.json is
    rewritten, says "interrupted", and the wells not reached are "not_run", not "failed"."""
    import signal
    import subprocess
    import sys

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(30):
        os.symlink(force2020_dir / PREDICT_WELLS[i % len(PREDICT_WELLS)], folder / f"w{i:02d}.las")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "welllog.cli.main", "predict", str(folder), "--model", setup["name"],
                             "--out", str(out), "--models-dir", str(setup["models"])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stderr:  # off a terminal: one line per well
        lines.append(line)
        if line.startswith("predict 2/") and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    err = "".join(lines)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    report = json.loads((out / "report.json").read_text())
    assert report["run"]["status"] == "interrupted"
    counts = report["summary"]
    assert counts["ok"] >= 2 and counts["failed"] == 0 and counts["not_run"] > 0 and counts["wells"] == 30
    assert err.count("not run") <= 1  # one run-level line, not one per well


def test_a_second_run_into_the_same_out_is_refused_while_the_first_runs(setup: dict, force2020_dir: Path, tmp_path: Path,
                                                                        capsys) -> None:
    """Two runs into one folder (overlapping cron jobs) would replace each other's outputs and
    report: the second is one usage error naming the first's pid; once the first is done (or
    killed: the kernel drops its lock), the same command runs and finds every well complete."""
    import subprocess
    import sys

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        os.symlink(force2020_dir / PREDICT_WELLS[i % len(PREDICT_WELLS)], folder / f"w{i:02d}.las")
    out = tmp_path / "out"
    args = ["predict", str(folder), "--model", setup["name"], "--out", str(out), "--models-dir", str(setup["models"])]
    proc = subprocess.Popen([sys.executable, "-m", "welllog.cli.main", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("predict 1/"):
            break
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"is being written by another welllog predict run (pid {proc.pid}, run " in err and "choose another --out" in err
    assert len(err.strip().splitlines()) == 1
    proc.communicate(timeout=300)
    assert proc.returncode == 0
    assert main(args) == 0 and "0 ok, 0 failed, 12 skipped" in capsys.readouterr().out
