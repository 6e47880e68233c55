"""`welllog evaluate` on several wells when some cannot be scored, as a user runs it (subprocess).

One unusable well (unreadable, or missing a curve the model needs) must cost its own scores only:
one ``error:`` line naming it on stderr, the other wells scored exactly as they would be alone,
exit code 2 at the end — as `welllog predict` does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WELLLOG = [sys.executable, "-m", "welllog.cli.main"]


def run(*args: object) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "300"}  # wide tables: no wrapped cells to compare
    return subprocess.run([*WELLLOG, *map(str, args)], capture_output=True, text=True, timeout=300, env=env)


def errors(stderr: str) -> list[str]:
    """The ``error:`` lines of stderr (progress lines, written when stderr is not a terminal, left out)."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.fixture(scope="module")
def pef_model(tmp_path_factory) -> Path:
    """A small stored model that requires PEF (the demo wells have it; FORCE 2020's 31/3-1 has none)."""
    from welllog.demo import generate_demo_wells

    root = tmp_path_factory.mktemp("evaluate")
    generate_demo_wells(root / "demo", n_wells=2, seed=5, n_samples=600)
    models = root / "models"
    r = run("train", root / "demo", "--target", "DTC", "--target", "DTS", "--model", "lightgbm", "--recipe", "plain",
            "--name", "pef", "--models-dir", models)
    assert r.returncode == 0, r.stderr
    md = json.loads((models / "pef" / "v1" / "metadata.json").read_text())
    assert "PEF" in md["required_curves"]
    return models


def test_unusable_well_is_one_line_and_the_others_are_scored(pef_model, force2020_dir):
    good, no_pef = force2020_dir / "16_2-16.las", force2020_dir / "31_3-1.las"
    alone = run("evaluate", good, "--model", "pef", "--models-dir", pef_model)
    assert alone.returncode == 0, alone.stderr
    both = run("evaluate", good, no_pef, "--model", "pef", "--models-dir", pef_model)
    assert both.returncode == 2
    lines = errors(both.stderr)
    assert len(lines) == 1 and "31_3-1" in lines[0] and "missing input curve(s) PEF" in lines[0]
    assert "Traceback" not in both.stderr
    assert both.stdout == alone.stdout  # the good well's scores table, exactly as when it is evaluated alone
    assert "on 1 well(s)" in both.stdout and "DTC" in both.stdout


def test_json_lists_the_failed_wells_and_keeps_the_scores(pef_model, force2020_dir, tmp_path):
    good = force2020_dir / "16_2-16.las"
    broken = tmp_path / "broken.las"
    broken.write_bytes(b"\x00\x01\x02 definitely not a well")
    alone = json.loads(run("evaluate", good, "--model", "pef", "--models-dir", pef_model, "--json").stdout)
    r = run("evaluate", broken, good, force2020_dir / "31_3-1.las", "--model", "pef", "--models-dir", pef_model, "--json")
    assert r.returncode == 2
    lines = errors(r.stderr)
    assert len(lines) == 2 and "broken.las" in lines[0] and "31_3-1" in lines[1]  # in file order
    res = json.loads(r.stdout)
    assert [f["file"] for f in res.pop("failed")] == [str(broken), str(force2020_dir / "31_3-1.las")]
    for key in ("predict_seconds",):  # timing differs run to run
        res.pop(key), alone.pop(key)
    assert res == alone


def test_no_usable_well_exits_2_without_scores(pef_model, force2020_dir):
    r = run("evaluate", force2020_dir / "31_3-1.las", "--model", "pef", "--models-dir", pef_model)
    assert r.returncode == 2 and r.stdout == ""
    lines = errors(r.stderr)
    assert len(lines) == 1 and "31_3-1" in lines[0] and "PEF" in lines[0]


def test_an_unknown_blind_well_names_the_wells_given_as_typed_and_as_headed(force2020_dir, tmp_path):
    """``--validate-on`` with a typo: one line that lists each input well by header name and file,
    so the user sees what to type (the stem or the name); nothing is trained or saved."""
    a, b = force2020_dir / "16_2-16.las", force2020_dir / "16_5-3.las"
    models = tmp_path / "models"
    r = run("train", a, b, "--target", "DTC", "--model", "lightgbm", "--recipe", "plain", "--name", "typo",
            "--models-dir", models, "--validate-on", "16_2-61")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    (line,) = errors(r.stderr)
    assert "--validate-on 16_2-61: no such well among the inputs" in line
    assert "16/2-16 Johan Sverdrup Appr (16_2-16.las)" in line and "(16_5-3.las)" in line
    assert not (models / "typo").exists()


def test_a_well_without_targets_is_left_out_of_the_scores_and_said(pef_model, force2020_dir, spwla_dir, tmp_path):
    """SPWLA's test.csv has no DTC/DTS: evaluating it beside a FORCE well left the scores as they are
    for the FORCE well alone, with one warning naming it — it counted as a scored well, its 11,088
    rows among the samples (CLI audit)."""
    good = force2020_dir / "16_2-16.las"
    alone = json.loads(run("evaluate", good, "--model", "pef", "--models-dir", pef_model, "--json").stdout)
    r = run("evaluate", spwla_dir / "test.csv", good, "--model", "pef", "--models-dir", pef_model, "--json",
            "--alias", "CNC=NPHI", "--alias", "ZDEN=RHOB", "--alias", "HRD=RDEP", "--alias", "HRM=RMED", "--alias", "PE=PEF")
    assert r.returncode == 0, r.stderr
    assert f"warning: {spwla_dir / 'test.csv'}: no measured DTC or DTS, nothing to score; left out" in r.stderr
    res = json.loads(r.stdout)
    res.pop("predict_seconds"), alone.pop("predict_seconds")
    assert res == alone


def test_several_models_are_scored_side_by_side_on_the_same_blind_wells(pef_model, force2020_dir, tmp_path):
    """A modeller weighing a candidate against another before `welllog promote`: `--model` repeated
    scores each on the same wells. A well one model trained on is left out of every model's headline
    (else the models are compared on different wells), scored per well and marked for its own model;
    a well one model cannot score is an error naming that model."""
    import shutil

    store = tmp_path / "models"
    shutil.copytree(pef_model, store)
    trained_on = force2020_dir / "16_2-16.las"
    r = run("train", trained_on, "--target", "DTC", "--target", "DTS", "--model", "lightgbm", "--recipe", "plain",
            "--name", "north", "--models-dir", store)
    assert r.returncode == 0, r.stderr
    blind = [force2020_dir / "25_11-24.las", force2020_dir / "16_5-3.las"]
    both = run("evaluate", trained_on, *blind, force2020_dir / "31_3-1.las", "--model", "pef", "--model", "north",
               "--models-dir", store, "--json", "--out", tmp_path / "report")
    assert both.returncode == 2, both.stderr  # 31/3-1 has no PEF: pef cannot score it
    lines = errors(both.stderr)
    assert len(lines) == 1 and "31_3-1" in lines[0] and "needed by model pef" in lines[0]
    body = json.loads(both.stdout)
    by_model = {m["model"]: m for m in body["models"]}
    assert set(by_model) == {"pef:v1", "north:v1"}
    from welllog.ingest import read_well

    names = {p.stem: read_well(p).name for p in (trained_on, *blind)}
    assert sorted(body["overall_wells"]) == sorted(names[p.stem] for p in blind)
    assert all(m["overall_wells"] == body["overall_wells"] for m in by_model.values())
    for ref in ("pef", "north"):  # each headline is that model's own evaluate on the blind wells alone
        alone = json.loads(run("evaluate", *blind, "--model", ref, "--models-dir", store, "--json").stdout)
        rows = {r["target"]: r for r in body["side_by_side"] if r["model"] == f"{ref}:v1"}
        for target in ("DTC", "DTS"):
            assert rows[target]["rmse"] == pytest.approx(alone["overall"][target]["rmse"])
            assert rows[target]["coverage90"] == pytest.approx(alone["overall"][target]["coverage90"])
    marked = {m: {r["well"]: r.get("training_well", False) for r in by_model[m]["per_well"]} for m in by_model}
    assert marked["north:v1"][names["16_2-16"]] is True and marked["pef:v1"][names["16_2-16"]] is False
    assert (tmp_path / "report" / "per_well.csv").exists()
    table = run("evaluate", trained_on, *blind, "--model", "pef", "--model", "north", "--models-dir", store)
    assert table.returncode == 0 and "side by side on 2 blind well(s)" in table.stdout
