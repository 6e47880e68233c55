"""`welllog train | predict | evaluate | compare` end to end, as a user runs them (subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import lasio
import numpy as np
import pandas as pd
import pytest

WELLLOG = [sys.executable, "-m", "welllog.cli.main"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*WELLLOG, *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from welllog.demo import generate_demo_wells

    root = tmp_path_factory.mktemp("cli")
    generate_demo_wells(root / "demo", n_wells=3, seed=7, n_samples=800)
    models = root / "models"
    r = run("train", root / "demo", "--target", "DTC", "--target", "DTS", "--model", "ngboost", "--name", "t",
            "--models-dir", models, "--validate-on", "DEMO-3")
    assert r.returncode == 0, r.stderr
    assert "saved t:v1" in r.stdout
    (root / "train.stdout").write_text(r.stdout)
    (root / "train.stderr").write_text(r.stderr)
    return root, models


def test_train_stores_validation_metrics(trained):
    _, models = trained
    md = json.loads((models / "t" / "v1" / "metadata.json").read_text())
    assert md["metrics"]["validation_wells"] == ["DEMO-3"]
    assert md["metrics"]["overall"]["DTC"]["n"] > 100 and md["metrics"]["overall"]["DTC"]["rmse"] > 0
    assert [w["name"] for w in md["training_wells"]] == ["DEMO-1", "DEMO-2"]


def test_train_reports_the_interval_calibration(trained):
    root, models = trained
    md = json.loads((models / "t" / "v1" / "metadata.json").read_text())
    said = (root / "train.stdout").read_text()
    for t in ("DTC", "DTS"):
        cal = md["calibration"][t]
        line = next(x for x in said.splitlines() if x.strip().startswith(f"{t}: 90% interval calibrated on 3 blind folds"))
        assert f"std x{cal['factor']:.2f}" in line and "(depth blocks)" in line and "pooled" in line
        assert " / ".join(f"{f:.2f}" for f in cal["fold_factors"]) in line
    lo, hi = md["normalise_reference"]["GR"]
    assert f"  GR: each well's P5/P95 mapped onto the training wells' {lo:.4g}/{hi:.4g}" in said


def test_predict_las_keeps_originals(trained, tmp_path):
    root, models = trained
    src = root / "demo" / "DEMO-3.las"
    r = run("predict", src, "--model", "t", "--out", tmp_path / "out", "--models-dir", models)
    assert r.returncode == 0, r.stderr
    out = lasio.read(tmp_path / "out" / "DEMO-3.las")
    orig = lasio.read(src)
    for curve in orig.curves:
        assert curve.mnemonic in out.keys()
        assert out.curves[curve.mnemonic].unit == curve.unit
        np.testing.assert_array_equal(out[curve.mnemonic], orig[curve.mnemonic])
    for t in ("DTC", "DTS"):
        for col in ("MEAN", "STD", "P05", "P50", "P95", "QC"):
            assert f"{t}_{col}" in out.keys()
        assert np.nanmean(out[f"{t}_MEAN"]) > 40
        assert out.curves[f"{t}_MEAN"].unit == "us/ft"
    # the decisions behind the predictions travel with the file (~Other), the model's input repair included
    other = out.other.splitlines()
    assert any(x.startswith("welllog alias GR: ") for x in other)
    assert any(x.startswith("welllog model GR: model input: GR normalised from this well's P5/P95") for x in other)
    # and which model made them and the run's warning, so a file that leaves its run folder still says
    (made_by,) = [x for x in other if x.startswith("welllog predict: ")]
    assert "with model t:v1 (ngboost; trained 20" in made_by
    warned = [x for x in other if x.startswith("welllog warning: ")]
    assert warned == ([f"welllog warning: {w}" for w in [r.stderr.split(": ", 2)[-1].strip()]] if "warning:" in r.stderr else [])


def _spwla_subset(spwla_dir: Path, dest: Path, rows: slice, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    df = pd.read_csv(spwla_dir / "test.csv").iloc[rows].drop(columns=list(drop))
    df.to_csv(dest, index=False)
    return df


def test_predict_csv_without_depth_keeps_row_order(trained, spwla_dir, tmp_path):
    _, models = trained
    src = tmp_path / "blind.csv"
    df = _spwla_subset(spwla_dir, src, slice(2000, 2400))
    r = run("predict", src, "--model", "t", "--out", tmp_path / "out", "--models-dir", models, "--format", "csv")
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(tmp_path / "out" / "blind.csv")
    assert len(out) == len(df)
    for col in df.columns:
        np.testing.assert_allclose(out[col].fillna(-999).to_numpy(), df[col].to_numpy())
    assert {"DTC_MEAN", "DTS_P95", "DTS_QC"} <= set(out.columns)
    ok = (out["DTC_QC"].to_numpy() & 16) == 0
    assert ok.mean() > 0.5 and out.loc[ok, "DTC_MEAN"].notna().all()
    assert out.loc[~ok, "DTC_MEAN"].isna().all()


def test_predict_missing_curve_is_one_line_exit_2(trained, spwla_dir, tmp_path):
    """Without density *and* deep resistivity neither the model nor its reduced-input model
    (gamma ray, resistivities, caliper) can predict: one error line naming the file and curves."""
    _, models = trained
    src = tmp_path / "norhob.csv"
    _spwla_subset(spwla_dir, src, slice(0, 200), drop=("ZDEN", "HRD"))
    r = run("predict", src, "--model", "t", "--out", tmp_path / "out", "--models-dir", models)
    assert r.returncode == 2
    # the summary goes to stdout and the progress bar only to a terminal: stderr is the one error line
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert "norhob" in lines[0] and "missing input curve(s) RDEP needed by the model (at the least" in lines[0]
    assert "with RHOB too, its full model" in lines[0]  # the least the well needs first, then what the full model adds
    assert "Traceback" not in r.stderr and not (tmp_path / "out" / "norhob.las").exists()


def test_predict_without_density_uses_the_reduced_model_and_says_so(trained, spwla_dir, tmp_path):
    """A file without a density log is predicted by the recipe's reduced-input model: every
    predicted row flagged T_QC bit 32, a warning naming the absent curve and the alias to give.
    That model reads measured depth (its training wells had it), so a file without a depth column
    is refused, saying so — its row numbers are no depth."""
    _, models = trained
    src = tmp_path / "norhob.csv"
    df = _spwla_subset(spwla_dir, src, slice(2000, 2600), drop=("ZDEN",))
    r = run("predict", src, "--model", "t", "--out", tmp_path / "flat", "--models-dir", models, "--format", "csv")
    assert r.returncode == 2 and "and a depth column" in r.stderr and "Traceback" not in r.stderr
    df.insert(0, "DEPTH", 1500.0 + 0.1524 * np.arange(len(df)))  # the demo wells' depths
    df.to_csv(src, index=False)
    r = run("predict", src, "--model", "t", "--out", tmp_path / "out", "--models-dir", models, "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert "RHOB not in the file" in r.stdout + r.stderr and "--alias MNEMONIC=RHOB" in r.stdout + r.stderr  # SRC=CANON: the file curve first
    out = pd.read_csv(tmp_path / "out" / "norhob.csv")
    done = out["DTC_MEAN"].notna().to_numpy()
    assert done.mean() > 0.9 and ((out["DTC_QC"].to_numpy()[done] & 32) != 0).all()


def test_predict_density_declared_kg_m3_suggests_the_unit_override(trained, force2020_dir, tmp_path):
    """16/2-16 with only its RHOB header changed to kg/m3: QC nulls every density as impossible; the
    error must say the file has RHOB and that --unit RHOB=g/cm3 (which works) is the fix, not --alias."""
    _, models = trained
    text = (force2020_dir / "16_2-16.las").read_text(encoding="latin-1")
    src = tmp_path / "rhob_kg.las"
    src.write_text(text.replace("\nRHOB .g/cm3 ", "\nRHOB .kg/m3 ", 1), encoding="latin-1")
    r = run("predict", src, "--model", "t", "--out", tmp_path / "out", "--models-dir", models)
    assert r.returncode == 2, r.stderr
    (line,) = r.stderr.splitlines()
    assert "RHOB: read from RHOB" in line and "physically impossible" in line and "--unit RHOB=g/cm3" in line, line
    assert '"units": {"RHOB": "g/cm3"}' in line and "unit=RHOB=g/cm3" in line and "--alias" not in line
    r = run("predict", src, "--model", "t", "--out", tmp_path / "out", "--models-dir", models, "--unit", "RHOB=g/cm3")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "rhob_kg.las").exists()


def test_unknown_model_lists_available(trained, tmp_path):
    root, models = trained
    r = run("predict", root / "demo" / "DEMO-1.las", "--model", "nope", "--out", tmp_path, "--models-dir", models)
    assert r.returncode == 2 and "t (v1)" in r.stderr


def test_train_refuses_a_bad_name_or_store_before_reading_any_well(trained, tmp_path):
    """Found by a user after five minutes of fitting; now before the first well is read."""
    root, models = trained
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for args, expected in ((("--name", "bad/name", "--models-dir", models), "bad model reference 'bad/name'"),
                           (("--name", "x:v2", "--models-dir", models), "must not contain ':'"),
                           (("--name", "ok", "--models-dir", blocker / "models"), f"model store {blocker / 'models'} cannot be created")):
        r = run("train", root / "demo", "--target", "DTC", *args)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and expected in lines[0], r.stderr
        assert "reading" not in r.stderr and "Traceback" not in r.stderr


def test_dist_for_a_family_without_ngboost_is_refused_not_ignored(trained):
    """``--dist`` used to be dropped without a word for rf, gbdt, xgboost and lightgbm."""
    root, models = trained
    r = run("train", root / "demo", "--target", "DTC", "--model", "rf", "--dist", "lognormal", "--name", "x", "--models-dir", models)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert "--dist sets NGBoost's distribution, and --model rf has no NGBoost in it" in lines[0]
    assert "--model ngboost or ensemble" in lines[0] and "reading" not in r.stderr


def test_dist_reaches_the_ngboost_member_of_the_recommended_ensemble():
    from welllog.cli.modelling import _train_options, _train_spec, _unfitted_model

    recipe, dist, depth, families = _train_options("ensemble", "local", None, "lognormal", None, ())
    m = _unfitted_model(recipe, families[0], ["DTC"], _train_spec(recipe, None), dist, depth, ())
    assert m._estimator_params()["ngboost_params"] == {"dist": "lognormal", "min_samples_leaf": 50}
    _, dist, _, families = _train_options("all", "local", "plain", "lognormal", None, ())  # NGBoost is among them
    assert [_unfitted_model("plain", f, ["DTC"], _train_spec("plain", None), dist, "average", ()).params for f in families] == [
        {"dist": "lognormal"}, {}, {}, {}, {}]


def _png(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 5000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_json(trained, tmp_path):
    root, models = trained
    r = run("evaluate", root / "demo" / "DEMO-3.las", "--model", "t:v1", "--models-dir", models, "--json", "--out", tmp_path / "rep")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["training_wells_included"] == []
    for t in ("DTC", "DTS"):
        s = res["overall"][t]
        assert s["n"] > 100 and 0 <= s["coverage90"] <= 1 and s["crps"] > 0
    assert res["contest_score"] > 0
    # --out: the same scores, the calibration points behind the plot, per-well rows and two pictures
    saved = json.loads((tmp_path / "rep" / "scores.json").read_text())
    assert saved["overall"] == res["overall"]
    for t in ("DTC", "DTS"):  # the plot's 90% point is the table's coverage90: one set of blind predictions
        (at90,) = [c for c in saved["calibration"]["t:v1"][t] if c["nominal"] == 0.9]
        assert at90["observed"] == pytest.approx(res["overall"][t]["coverage90"], abs=1e-9)
        assert at90["width"] == pytest.approx(res["overall"][t]["width90"], rel=1e-6)
    per_well = pd.read_csv(tmp_path / "rep" / "per_well.csv")
    assert set(per_well["target"]) == {"DTC", "DTS"} and set(per_well["well"]) == {"DEMO-3"}
    assert _png(tmp_path / "rep" / "calibration.png") and _png(tmp_path / "rep" / "crossplot.png")
    assert r.stderr.strip().splitlines()[-1].startswith(f"report: {tmp_path / 'rep'} (scores.json")


def test_evaluate_keeps_training_wells_out_of_the_overall(trained):
    """A training well among the scored ones is reported per well, marked; the headline scores are
    the blind wells' alone (a walkthrough found a training well's RMSE of 2 in the overall)."""
    root, models = trained
    alone = run("evaluate", root / "demo" / "DEMO-3.las", "--model", "t:v1", "--models-dir", models, "--json")
    mixed = run("evaluate", root / "demo" / "DEMO-3.las", root / "demo" / "DEMO-1.las", "--model", "t:v1",
                "--models-dir", models, "--json")
    assert alone.returncode == 0 and mixed.returncode == 0, mixed.stderr
    a, m = json.loads(alone.stdout), json.loads(mixed.stdout)
    assert m["training_wells_included"] == ["DEMO-1"] and m["overall_wells"] == ["DEMO-3"]
    assert m["overall"] == a["overall"] and m["contest_score"] == pytest.approx(a["contest_score"])
    marked = {(r["well"], r["target"]): r.get("training_well", False) for r in m["per_well"]}
    assert marked == {("DEMO-3", "DTC"): False, ("DEMO-3", "DTS"): False, ("DEMO-1", "DTC"): True, ("DEMO-1", "DTS"): True}
    table = run("evaluate", root / "demo" / "DEMO-3.las", root / "demo" / "DEMO-1.las", "--model", "t:v1", "--models-dir", models)
    assert "not in the overall scores or the contest score" in " ".join(table.stdout.split())


def test_compare_two_families(trained, tmp_path):
    root, _ = trained
    r = run("compare", root / "demo", "--target", "DTC", "--validate-on", "DEMO-3", "--family", "lightgbm", "--family", "gbdt", "--json",
            "--out", tmp_path / "rep")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["blind"] == ["DEMO-3"]
    fams = {row["family"] for row in res["rows"]}
    assert fams == {"lightgbm", "gbdt"}
    assert all(row["rmse"] > 0 and row["nll"] == row["nll"] for row in res["rows"])
    assert res["recipe"] == "plain"
    saved = json.loads((tmp_path / "rep" / "scores.json").read_text())
    assert set(saved["calibration"]) == {"lightgbm", "gbdt"}
    for row in res["rows"]:  # each family's curve comes from the predictions its row scores
        (at90,) = [c for c in saved["calibration"][row["family"]]["DTC"] if c["nominal"] == 0.9]
        assert at90["observed"] == pytest.approx(row["coverage90"], abs=1e-9)
    assert _png(tmp_path / "rep" / "calibration.png") and _png(tmp_path / "rep" / "crossplot.png")


def test_compare_inside_the_recipe_scores_what_train_builds(trained):
    """`--recipe recommended`: the same blind well scored by the recipe's LightGBM and the bare one
    differ, and the recipe's figures are those `welllog train --model lightgbm` + `evaluate` give."""
    root, _ = trained
    args = ("compare", root / "demo", "--target", "DTC", "--validate-on", "DEMO-3", "--family", "lightgbm", "--json")
    bare, inside = (json.loads(run(*args, "--recipe", r).stdout) for r in ("plain", "recommended"))
    assert inside["recipe"] == "recommended" and [r["family"] for r in inside["rows"]] == ["lightgbm"]
    assert inside["rows"][0]["rmse"] != bare["rows"][0]["rmse"]
    models = root / "cmp-models"
    trained_lgb = run("train", root / "demo", "--target", "DTC", "--model", "lightgbm", "--name", "c", "--validate-on", "DEMO-3",
                      "--models-dir", models)
    assert trained_lgb.returncode == 0, trained_lgb.stderr
    ev = json.loads(run("evaluate", root / "demo" / "DEMO-3.las", "--model", "c", "--models-dir", models, "--json").stdout)
    assert inside["rows"][0]["rmse"] == pytest.approx(ev["overall"]["DTC"]["rmse"], rel=1e-6)


def test_models_and_promote(trained, tmp_path):
    """`models` lists the store; `promote NAME:vN` makes the serving name answer with that version."""
    import shutil

    root, _ = trained
    assert "to serve it as default: welllog promote t:v1" in (root / "train.stdout").read_text()
    models = tmp_path / "models"
    shutil.copytree(trained[1], models)
    listing = run("models", "--models-dir", models)
    assert listing.returncode == 0, listing.stderr
    # the store knows its latest version, not what a running API has loaded: no "serves" (GET /v1/models says)
    assert "t  latest v1 (trained; versions v1)  ngboost  DTC, DTS" in listing.stdout
    assert "serves v1" not in listing.stdout and "GET /v1/models shows its served_version" in listing.stdout
    assert "blind (DEMO-3): DTC RMSE" in listing.stdout
    r = run("promote", "t:v1", "--models-dir", models)
    assert r.returncode == 0, r.stderr
    assert "promoted t:v1 -> default:v1, now default's latest version; a running API serves it from its next load of default: POST /v1/models/reload" in r.stdout
    assert "now serves" not in r.stdout
    predicted = run("predict", root / "demo" / "DEMO-1.las", "--model", "default", "--out", tmp_path / "out", "--models-dir", models)
    assert predicted.returncode == 0 and "with default:v1" in predicted.stdout + predicted.stderr
    served = {m["name"]: m for m in json.loads(run("models", "--models-dir", models, "--json").stdout)["models"]}["default"]
    assert served["promoted_from"] == "t:v1" and served["metrics"]["validation_wells"] == ["DEMO-3"]
    for args, message in ((("promote", "t"), "default's latest version is already t:v1"), (("promote", "t:v9"), "'t:v9' not found")):
        bad = run(*args, "--models-dir", models)
        lines = bad.stderr.strip().splitlines()
        assert bad.returncode == 2 and len(lines) == 1 and message in lines[0] and "Traceback" not in bad.stderr


def test_progress_is_plain_lines_off_a_terminal(trained):
    """stderr is a pipe here, where Rich hides its bars: a log must still show each step, with the time elapsed,
    so a long `welllog train ... 2> log` is visibly alive."""
    import re

    root, _ = trained
    lines = (root / "train.stderr").read_text().splitlines()
    step = re.compile(r"^\[ *\d+\.\d s\] ")
    assert lines and all(step.match(line) for line in lines), lines
    said = [step.sub("", line) for line in lines]
    assert "reading 3 file(s)" in said and "reading DEMO-1.las (1/3)" in said and "training" in said
    assert any(s.startswith("blind calibration fold 1/3") for s in said)
    assert any(s.startswith("fitting ngboost for DTC") for s in said) and "ngboost: scoring validation wells" in said


def test_compare_on_one_well_says_what_was_held_out(spwla_dir):
    """One well: the blind set is its deepest depth block, not the well — the title must say so, and the
    rows held out and trained on must add up to the well."""
    import os
    import re

    r = subprocess.run([*WELLLOG, "compare", str(spwla_dir / "train.csv"), "--target", "DTC", "--family", "lightgbm"],
                       capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "400"})
    assert r.returncode == 0, r.stderr
    said = " ".join(r.stdout.split())  # the title wraps at the table's width
    assert "blind wells: train" not in said
    m = re.search(r"blind: deepest (\d+) of (\d+) rows of train \(a contiguous depth block, no gap\), "
                  r"trained on the other (\d+) rows", said)
    assert m, r.stdout
    held, n, kept = map(int, m.groups())
    assert held + kept == n and 0.2 < held / n < 0.3
    assert "lightgbm" in r.stdout and "DTC" in r.stdout
    assert "lightgbm: fitting DTC" in r.stderr  # progress as plain lines (stderr is a pipe)


def test_an_out_that_is_a_file_is_refused_before_any_work(trained, tmp_path):
    """`compare`, `evaluate` and `explain` check `--out` first: compare fitted every family and then
    said "--out is a file" (no table either), explain raised FileExistsError with exit 1 (CLI audit)."""
    root, models = trained
    afile = tmp_path / "afile"
    afile.write_text("x")
    well = root / "demo" / "DEMO-3.las"
    for args, purpose in ((("compare", root / "demo", "--target", "DTC", "--out", afile), "the report"),
                          (("evaluate", well, "--model", "t", "--models-dir", models, "--out", afile / "sub"), "the report"),
                          (("explain", well, "--model", "t", "--models-dir", models, "--out", afile), "the explanations")):
        r = run(*args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
        assert r.stderr.startswith(f"error: --out {args[-1]} ") and f"choose a folder for {purpose}" in r.stderr, r.stderr
        assert r.stdout == ""  # nothing was fitted, scored or explained


def test_promoting_a_model_with_fewer_targets_warns(trained, tmp_path):
    """Promoting a DTC-only model over a serving name that served DTC and DTS: done (the user may mean
    it), with a warning naming the target its clients lose and the way back (CLI audit: silent)."""
    import shutil

    root, _ = trained
    models = tmp_path / "models"
    shutil.copytree(trained[1], models)
    assert run("train", root / "demo", "--target", "DTC", "--model", "lightgbm", "--recipe", "plain", "--name", "d",
               "--models-dir", models).returncode == 0
    assert run("promote", "t:v1", "--models-dir", models).stderr == ""  # DTC and DTS onto a new name: nothing lost
    r = run("promote", "d:v1", "--models-dir", models)
    assert r.returncode == 0 and "promoted d:v1 -> default:v2" in r.stdout
    assert r.stderr.startswith("warning: default served DTC, DTS; default:v2 predicts DTC — requests for DTS get none"), r.stderr


def test_train_says_which_wells_it_could_not_use_and_takes_optional_inputs(spwla_dir, tmp_path):
    """A stray table in the training folder (no target) is left out and named instead of deciding the
    core inputs, GR levels and depth companion (modeller audit: exit 0 and 6 us/ft worse); a well
    without depth that turns the depth companion off is named; ``--optional-input PEF`` lets the
    full model predict a well without PEF (else the reduced-input model takes it whole)."""
    from welllog.demo import generate_demo_wells

    folder = tmp_path / "wells"
    demo = generate_demo_wells(folder, n_wells=2, seed=3, n_samples=800)
    (folder / "junk.csv").write_text("a,b\n1,2\n")
    _spwla_subset(spwla_dir, folder / "nodepth.csv", slice(0, 400))
    pd.read_csv(folder / "nodepth.csv").assign(DTC=pd.read_csv(spwla_dir / "train.csv")["DTC"].iloc[:400].to_numpy()).to_csv(
        folder / "nodepth.csv", index=False)
    models = tmp_path / "models"
    r = run("train", folder, "--target", "DTC", "--model", "lightgbm", "--name", "u", "--models-dir", models,
            "--optional-input", "pef")
    assert r.returncode == 0, r.stderr
    assert "warning: not trained on (no DTC logged): junk" in " ".join(r.stderr.split())
    assert "no depth companion for DTC: nodepth has no depth column" in " ".join(r.stderr.split())
    assert "3 training well(s)" in r.stdout and "tolerates missing RMED, CALI, PEF" in " ".join(r.stdout.split())
    md = json.loads((models / "u" / "v1" / "metadata.json").read_text())
    assert md["untrained_wells"] == ["junk"] and "junk" not in [w["name"] for w in md["training_wells"]]
    assert md["recipe"]["optional_inputs"] == ["CALI", "RMED", "PEF"] and "depth_companion" not in md
    # a well without PEF: the full model predicts it (T_QC bit 1, input missing), not the reduced-input one (bit 32)
    las = lasio.read(demo[0])
    las.delete_curve("PEF")
    src = tmp_path / "nopef.las"
    las.write(str(src), version=2.0)
    r = run("predict", src, "--model", "u", "--out", tmp_path / "out", "--models-dir", models, "--format", "csv")
    assert r.returncode == 0, r.stderr
    r = run("predict", demo[0], "--model", "u", "--out", tmp_path / "out", "--models-dir", models, "--format", "csv")
    assert r.returncode == 0, r.stderr
    qc = pd.read_csv(tmp_path / "out" / "nopef.csv")["DTC_QC"].to_numpy()
    with_pef = pd.read_csv(tmp_path / "out" / f"{demo[0].stem}.csv")["DTC_QC"].to_numpy()
    done = (qc & 16) == 0
    assert done.mean() > 0.9 and ((qc[done] & 1) != 0).all()
    # the reduced-input model takes only the rows it takes with PEF too (the demo's gaps in density/neutron)
    np.testing.assert_array_equal(qc & 32, with_pef & 32)
    assert (qc & 32).mean() < 0.1 * 32
    bad = run("train", folder, "--target", "DTC", "--name", "v", "--models-dir", models, "--optional-input", "DTS")
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: --optional-input DTS: the model's input curves are")
