"""`welllog predict` delegating to run_batch: exit codes, report, --engine/--workers options."""

from __future__ import annotations

import json
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
    assert code == 2
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
