"""Batch prediction, local engine: outputs, report, failure isolation, resumable re-runs."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from welllog.batch import run_batch
from welllog.batch.outputs import STATE_DIR, TMP_SUBDIR
from welllog.batch.task import clear_model_cache
from welllog.errors import ModelNotFoundError, UsageError
from welllog.ingest import read_well
from welllog.ingest.writers import provenance_lines

from .batch_support import PREDICT_WELLS, make_inputs, train_model


@pytest.fixture(scope="module")
def setup(force2020_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("batch-local")
    models = root / "models"
    name = train_model(force2020_dir, models)
    inputs = make_inputs(force2020_dir, root / "in")
    return {"root": root, "models": models, "name": name, "inputs": inputs}


def _run(setup: dict, out: Path, **kw):
    return run_batch([setup["root"] / "in"], setup["name"], out, models_dir=setup["models"], **kw)


def test_local_run_writes_outputs_and_report(setup: dict, tmp_path: Path) -> None:
    clear_model_cache()
    seen: list[tuple[str, int, int]] = []
    report = _run(setup, tmp_path / "out", fmt="csv", progress=lambda r, done, total: seen.append((r.status, done, total)))

    by_stem = {Path(r.file).stem: r for r in report.results}
    assert set(by_stem) == set(setup["inputs"])  # every input accounted for, once
    assert [s for s, _, _ in seen].count("ok") == 3 and [d for _, d, _ in seen] == list(range(1, 6))
    for stem in (Path(n).stem for n in PREDICT_WELLS):
        r = by_stem[stem]
        assert r.status == "ok", r.reason
        out = pd.read_csv(r.output)
        src = pd.read_csv(r.output, usecols=lambda c: not c.startswith(("DTC_", "DTS_")))
        assert len(out) == len(read_well(r.file).original)  # one row per input row, in order
        assert r.samples == len(read_well(r.file).data)
        for t in ("DTC", "DTS"):
            for col in ("MEAN", "STD", "P05", "P50", "P95", "QC"):
                assert f"{t}_{col}" in out.columns
            ok = out[f"{t}_QC"] < 16
            assert ok.any()
            assert (out.loc[ok, f"{t}_P05"] <= out.loc[ok, f"{t}_P95"]).all()
        assert "DTC" in src.columns  # original curves kept
    # failures carry a reason naming the file / curves, and nothing was written for them
    assert by_stem["corrupt"].status == "failed" and "corrupt.las" in by_stem["corrupt"].reason
    assert by_stem["no_curves"].status == "failed" and "missing" in by_stem["no_curves"].reason.lower()
    assert not (tmp_path / "out" / "corrupt.csv").exists()
    assert report.exit_code == 3  # some wells have outputs: a pipeline carries on, and reads the failed rows' code
    assert by_stem["no_curves"].code == "missing_curves" and by_stem["corrupt"].code == "well_read"
    # the model was loaded once for the whole run, not once per well
    assert sum(r.model_loaded for r in report.results) == 1
    # report.json and report.csv agree with the returned report
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["summary"]["ok"] == 3 and data["summary"]["failed"] == 2
    assert data["run"]["model_version"] == report.model_version
    # a CSV output has no header: the well's provenance (aliases, units, QC decisions) is in report.json
    wells = {Path(w["file"]).stem: w for w in data["wells"]}
    for stem in (Path(n).stem for n in PREDICT_WELLS):
        read_again = provenance_lines(read_well(by_stem[stem].file))
        assert read_again and wells[stem]["provenance"][: len(read_again)] == read_again
    assert wells["corrupt"]["provenance"] == []
    rows = list(csv.DictReader(open(tmp_path / "out" / "report.csv")))
    assert {row["status"] for row in rows} == {"ok", "failed"} and len(rows) == 5
    assert {row["code"] for row in rows if row["status"] == "failed"} == {"missing_curves", "well_read"}
    assert all(len(row["input_sha256"]) == 64 for row in rows if row["status"] == "ok")
    # per target the triage columns, from the written output and the well's own log: share of predicted
    # rows with a caution bit (T_QC 2/4/8) and the RMSE against the log where QC says it measured the rock
    from welllog.qc import formation_values

    csv_rows = {Path(row["file"]).stem: row for row in rows}
    for stem in (Path(n).stem for n in PREDICT_WELLS):
        out, well = pd.read_csv(by_stem[stem].output), read_well(by_stem[stem].file)
        for t in ("DTC", "DTS"):
            done = out[f"{t}_MEAN"].notna().to_numpy()
            share = ((out[f"{t}_QC"].fillna(0).astype(int).to_numpy() & 14) != 0)[done].mean()
            assert getattr(by_stem[stem], f"{t.lower()}_caution") == pytest.approx(share, abs=1e-4)
            assert float(csv_rows[stem][f"{t.lower()}_caution"]) == pytest.approx(share, abs=1e-4)
            measured = formation_values(well, t) if well.has(t) else np.full(len(well.data), np.nan)
            mean = well.to_original_rows(pd.DataFrame({"m": measured}, index=well.data.index))["m"].to_numpy()
            both = done & np.isfinite(mean)
            expected = float(np.sqrt(np.mean((out[f"{t}_MEAN"].to_numpy()[both] - mean[both]) ** 2))) if both.any() else None
            got = getattr(by_stem[stem], f"{t.lower()}_rmse_log")
            assert (got is None and expected is None) or got == pytest.approx(expected, rel=1e-4), (stem, t, got, expected)
    assert by_stem["corrupt"].dtc_caution is None and csv_rows["corrupt"]["dtc_rmse_log"] == ""
    # no temp files left
    assert list((tmp_path / "out" / STATE_DIR / TMP_SUBDIR).iterdir()) == []


def test_rerun_skips_complete_and_redoes_changed(setup: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _run(setup, out)
    done = {Path(r.file).stem: r for r in first.ok}
    assert len(done) == 3
    mtimes = {s: os.stat(r.output).st_mtime_ns for s, r in done.items()}

    second = _run(setup, out)
    statuses = {Path(r.file).stem: r.status for r in second.results}
    assert [statuses[s] for s in done] == ["skipped"] * 3
    kept = {Path(r.file).stem: r.provenance for r in second.results if r.status == "skipped"}
    assert kept == {s: r.provenance for s, r in done.items()} and all(kept.values())  # from the done marker
    assert {Path(r.file).stem: (r.dtc_caution, r.dts_rmse_log) for r in second.results if r.status == "skipped"} \
        == {s: (r.dtc_caution, r.dts_rmse_log) for s, r in done.items()}  # triage columns too
    assert statuses["corrupt"] == "failed"  # failures are retried, not skipped
    assert {s: os.stat(r.output).st_mtime_ns for s, r in done.items()} == mtimes

    # a damaged output (truncated after the run) is not trusted: it is redone
    victim = next(iter(done.values()))
    complete = Path(victim.output).read_bytes()
    Path(victim.output).write_bytes(complete[:1000])
    third = _run(setup, out)
    redo = {r.file: r.status for r in third.results}
    assert redo[victim.file] == "ok"
    assert sorted(redo.values()).count("skipped") == 2
    assert Path(victim.output).read_bytes() == complete  # deterministic: the same file again


def test_duplicate_output_names_are_reported(setup: dict, force2020_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    os.symlink(force2020_dir / PREDICT_WELLS[0], other / PREDICT_WELLS[0])
    report = run_batch([setup["inputs"][Path(PREDICT_WELLS[0]).stem], other], setup["name"], tmp_path / "out",
                       models_dir=setup["models"])
    assert [r.status for r in report.results] == ["ok", "failed"]
    assert "already used" in report.results[1].reason


def test_bad_arguments_fail_before_any_work(setup: dict, tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError):
        _run({**setup, "name": "no-such-model"}, tmp_path / "out")
    with pytest.raises(UsageError):
        _run(setup, tmp_path / "out", fmt="xlsx")
    with pytest.raises(UsageError):
        _run(setup, tmp_path / "out", engine="spark")
    assert not (tmp_path / "out").exists()


def test_interrupted_run_reports_every_well_and_resumes(setup: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    fired: list[str] = []

    def interrupt_after_first_ok(result, done, total) -> None:
        if result.status == "ok" and not fired:
            fired.append(result.file)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(setup, out, progress=interrupt_after_first_ok)
    rows = json.loads((out / "report.json").read_text())["wells"]
    assert len(rows) == len(setup["inputs"])  # every input accounted for even though the run stopped
    assert [r["status"] for r in rows if r["file"] == fired[0]] == ["ok"]
    assert all(r["reason"].startswith("not run") and r["status"] == "not_run" for r in rows if r["file"] != fired[0])
    run = json.loads((out / "report.json").read_text())["run"]
    assert run["status"] == "interrupted" and run["started_at"] <= run["finished_at"] and run["run_id"]
    assert json.loads((out / "report.json").read_text())["summary"]["not_run"] == len(rows) - 1
    again = _run(setup, out)
    assert json.loads((out / "report.json").read_text())["run"]["status"] == "complete"
    statuses = {r.file: r.status for r in again.results}
    assert statuses[fired[0]] == "skipped" and list(statuses.values()).count("ok") == 2


def test_well_mostly_unpredicted_is_ok_with_a_warning(setup: dict, force2020_dir: Path, tmp_path: Path, capsys) -> None:
    """A real well whose gamma-ray log was cut to its top tenth: the well is written (status ok), but
    the run says, per well and in the report, why most rows have no prediction."""
    import lasio
    import numpy as np
    from rich.console import Console

    from welllog.batch.cli import predict_with_progress

    folder = tmp_path / "in"
    folder.mkdir()
    las = lasio.read(force2020_dir / "32_2-1.las")
    gr = las["GR"].copy()
    logged = np.flatnonzero(np.isfinite(gr))
    gr[logged[len(logged) // 10:]] = np.nan
    las.update_curve(mnemonic="GR", data=gr)
    las.write(str(folder / "cut_gr.las"), version=2.0)
    os.symlink(force2020_dir / "32_2-1.las", folder / "32_2-1.las")
    console = Console(stderr=True, width=300)
    report = predict_with_progress([folder], setup["name"], tmp_path / "out", fmt="csv", models_dir=setup["models"],
                                   console=console)
    by_stem = {Path(r.file).stem: r for r in report.results}
    sparse, full = by_stem["cut_gr"], by_stem["32_2-1"]
    assert sparse.status == full.status == "ok" and report.exit_code == 0
    assert 0 < sparse.predicted < 0.5 * full.predicted
    assert sparse.warning.startswith(f"only {sparse.predicted} of ")
    assert "; GR, required by this model, is missing on 9" in sparse.warning  # 9x% of the unpredicted logged rows
    assert full.warning == "" and full.predicted > 0.5 * full.samples
    err = capsys.readouterr()
    assert f"warning: {sparse.file}: only {sparse.predicted} of" in err.err and "1 with a warning" in err.out
    rows = {Path(r["file"]).stem: r for r in csv.DictReader(open(tmp_path / "out" / "report.csv"))}
    assert rows["cut_gr"]["warning"] == sparse.warning and int(rows["cut_gr"]["predicted"]) == sparse.predicted
    # a re-run skips the written well and still reports its warning (kept in the done marker)
    again = {Path(r.file).stem: r for r in _run_folder(folder, setup, tmp_path / "out").results}
    assert again["cut_gr"].status == "skipped" and again["cut_gr"].warning == sparse.warning
    # and the summary counts that warning after all the counts, not as if it belonged to an ok well
    predict_with_progress([folder], setup["name"], tmp_path / "out", fmt="csv", models_dir=setup["models"], console=console)
    assert "0 ok, 0 failed, 2 skipped of 2 wells (1 with a warning) in " in capsys.readouterr().out


def _run_folder(folder: Path, setup: dict, out: Path):
    return run_batch([folder], setup["name"], out, models_dir=setup["models"], fmt="csv")


def test_parquet_output_keeps_originals_and_provenance(setup: dict, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    src = setup["inputs"]["32_2-1"]
    report = run_batch([src], setup["name"], tmp_path / "out", fmt="parquet", models_dir=setup["models"])
    (r,) = report.results
    assert r.status == "ok" and r.output.endswith("32_2-1.parquet")
    table = pq.read_table(r.output)
    original = read_well(src).original
    assert table.num_rows == len(original)
    frame = table.to_pandas()
    pd.testing.assert_series_equal(frame["RHOB"].reset_index(drop=True), original["RHOB"].reset_index(drop=True), check_names=False)
    assert {"DTC_MEAN", "DTS_P95", "DTC_QC"} <= set(frame.columns)
    assert b"welllog" in table.schema.metadata and b"alias" in table.schema.metadata[b"welllog"]


def test_one_unit_for_several_wells_applies_where_the_curve_is(setup: dict, tmp_path: Path) -> None:
    """--unit DCAL=in over three wells of which only 25/11-24 logs DCAL: every well is predicted;
    the two without it carry a provenance note instead of failing (one file alone would fail)."""
    clear_model_cache()
    report = _run(setup, tmp_path / "out", fmt="las", units={"DCAL": "in"})
    status = {Path(r.file).name: r.status for r in report.results}
    assert [status[w] for w in PREDICT_WELLS] == ["ok"] * len(PREDICT_WELLS)  # (the folder's corrupt files fail as before)
    lines = {w: (tmp_path / "out" / w).read_text() for w in PREDICT_WELLS}  # ~Other: the provenance lines
    assert 'unit override DCAL (CLI --unit, API "units") names no curve of this well' not in lines["25_11-24.las"]
    assert all('unit override DCAL (CLI --unit, API "units") names no curve of this well' in lines[w] for w in PREDICT_WELLS if w != "25_11-24.las")
    assert report.warnings() == []  # one well has DCAL: not a typo


def test_override_no_well_has_is_a_run_warning(setup: dict, tmp_path: Path, capsys) -> None:
    """A typo'd --alias over a folder is noted per well while the run goes on; at the end the report
    and the CLI say that it named no curve of any well read, so the user sees it was not used."""
    from welllog.batch.cli import predict_with_progress

    clear_model_cache()
    report = predict_with_progress([setup["root"] / "in"], setup["name"], tmp_path / "out", fmt="csv",
                                   models_dir=setup["models"], aliases={"DTXX": "DTC"})
    ok = [r for r in report.results if r.status == "ok"]
    assert len(ok) == len(PREDICT_WELLS) and all(r.unmatched == ["aliases.DTXX"] for r in ok)
    (warning,) = report.warnings()
    assert warning.startswith(f'alias override DTXX (CLI --alias, API "aliases"): names no curve of any of the {len(ok)} wells read')
    assert json.loads((tmp_path / "out" / "report.json").read_text())["warnings"] == [warning]
    assert f"warning: {warning}" in " ".join(capsys.readouterr().err.split())
    # a re-run skips the complete outputs and still knows (the marker keeps it)
    again = run_batch([setup["root"] / "in"], setup["name"], tmp_path / "out", fmt="csv", models_dir=setup["models"],
                      aliases={"DTXX": "DTC"})
    done = {o.file for o in ok}
    assert {r.status for r in again.results if r.file in done} == {"skipped"} and again.warnings() == [warning]
    # the corrected override is another run's input: the wells are predicted again, not skipped
    fixed = run_batch([setup["root"] / "in"], setup["name"], tmp_path / "out", fmt="csv", models_dir=setup["models"],
                      units={"GR": "gAPI"})
    assert {r.status for r in fixed.results if r.file in done} == {"ok"} and fixed.warnings() == []


def test_out_folder_holding_the_inputs_is_refused_before_any_work(setup: dict, force2020_dir: Path, tmp_path: Path) -> None:
    """--out the inputs' own folder (directly, through a link, or a parent whose flat output names
    meet an original) would replace originals with predictions: refused up front, nothing touched."""
    import shutil
    import stat

    folder = tmp_path / "inplace"
    folder.mkdir()
    copy = folder / PREDICT_WELLS[0]
    shutil.copy(force2020_dir / PREDICT_WELLS[0], copy)
    copy.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # read-only: replaced all the same by os.replace before
    os.symlink(force2020_dir / PREDICT_WELLS[1], folder / PREDICT_WELLS[1])
    (tmp_path / "alias").symlink_to(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for out in (folder, tmp_path / "alias", tmp_path / "inplace" / ".." / "inplace"):
        with pytest.raises(UsageError, match=r"^--out .*inplace holds the input files: .*choose another --out"):
            run_batch([folder], setup["name"], out, models_dir=setup["models"], fmt=None)
    # one input named explicitly is enough
    with pytest.raises(UsageError, match="holds the input files"):
        run_batch([copy], setup["name"], folder, models_dir=setup["models"])
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert (folder / PREDICT_WELLS[1]).is_symlink() and sorted(p.name for p in folder.iterdir()) == sorted(before)

    # a parent --out: outputs are flat, so par/sub/W.las would become par/W.las, an original there
    par = tmp_path / "par"
    (par / "sub").mkdir(parents=True)
    shutil.copy(force2020_dir / PREDICT_WELLS[2], par / PREDICT_WELLS[2])
    os.symlink(force2020_dir / PREDICT_WELLS[2], par / "sub" / PREDICT_WELLS[2])
    original = (par / PREDICT_WELLS[2]).read_bytes()
    with pytest.raises(UsageError, match=rf"already holds {PREDICT_WELLS[2]}, not written by welllog predict"):
        run_batch([par / "sub"], setup["name"], par, models_dir=setup["models"])
    with pytest.raises(UsageError, match="holds the input files"):  # the same, searched recursively
        run_batch([par], setup["name"], par, models_dir=setup["models"], recursive=True)
    assert (par / PREDICT_WELLS[2]).read_bytes() == original and not (par / STATE_DIR).exists()
    # a parent without such a name is a normal --out, and its own outputs are rewritten on a re-run
    (par / PREDICT_WELLS[2]).rename(par / "kept.las")
    for _ in range(2):
        report = run_batch([par / "sub"], setup["name"], par, models_dir=setup["models"])
        assert [r.status for r in report.results] in (["ok"], ["skipped"])
    assert (par / "kept.las").read_bytes() == original


def test_out_that_is_a_file_is_a_usage_error(setup: dict, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    with pytest.raises(UsageError, match=r"^--out .*notes.txt is a file, not a folder; choose a folder"):
        _run(setup, notes)
    with pytest.raises(UsageError, match=r"notes.txt/sub is inside .*notes.txt, which is a file"):
        _run(setup, notes / "sub")
    assert notes.read_text() == "mine\n"


def test_sub_folders_are_a_warning_unless_recursive(setup: dict, force2020_dir: Path, tmp_path: Path, capsys) -> None:
    """A folder holding wells and sub-folders of wells: without --recursive the sub-folders' wells
    are not predicted and the run says so (stderr, report.json); with it they are. Hidden folders and
    earlier batch outputs inside the folder are never searched."""
    from rich.console import Console

    from welllog.batch.cli import predict_with_progress

    folder = tmp_path / "field"
    (folder / "a").mkdir(parents=True)
    (folder / ".cache").mkdir()
    (folder / "empty").mkdir()
    os.symlink(force2020_dir / PREDICT_WELLS[0], folder / PREDICT_WELLS[0])
    os.symlink(force2020_dir / PREDICT_WELLS[1], folder / "a" / PREDICT_WELLS[1])
    os.symlink(force2020_dir / PREDICT_WELLS[2], folder / ".cache" / PREDICT_WELLS[2])
    console = Console(stderr=True, width=300)
    report = predict_with_progress([folder], setup["name"], tmp_path / "out", models_dir=setup["models"], console=console)
    assert [Path(r.file).name for r in report.results] == [PREDICT_WELLS[0]]
    expected = (f"1 sub-folder of {folder} holding .las/.csv files (a) was not searched; "
                "pass --recursive to predict their wells too")
    assert report.warnings() == [expected]
    assert json.loads((tmp_path / "out" / "report.json").read_text())["warnings"] == [expected]
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("warning:")] == [f"warning: {expected}"]

    # an earlier run's output folder inside the tree is predictions, not wells: not counted, not searched
    run_batch([folder / "a"], setup["name"], folder / "predicted", models_dir=setup["models"])
    report = run_batch([folder], setup["name"], tmp_path / "out", models_dir=setup["models"], recursive=True)
    assert [Path(r.file).relative_to(folder).as_posix() for r in report.results] == [
        PREDICT_WELLS[0], f"a/{PREDICT_WELLS[1]}"]
    assert [r.status for r in report.results] == ["skipped", "ok"] and report.warnings() == []
    again = run_batch([folder], setup["name"], tmp_path / "out", models_dir=setup["models"])
    assert again.warnings() == [expected]  # "predicted" is not among the sub-folders named


def test_an_earlier_output_folder_is_searched_without_its_reports(setup: dict, force2020_dir: Path, tmp_path: Path) -> None:
    """report.csv / report.json of a batch output folder are the run's own files, not wells; a
    report.csv in any other folder is still an input like any CSV."""
    folder = tmp_path / "earlier"
    (folder / STATE_DIR).mkdir(parents=True)
    os.symlink(force2020_dir / PREDICT_WELLS[1], folder / PREDICT_WELLS[1])
    (folder / "report.csv").write_text("file,status\nx.las,ok\n")
    (folder / "report.json").write_text("{}")
    report = run_batch([folder], setup["name"], tmp_path / "out", models_dir=setup["models"])
    assert [Path(r.file).name for r in report.results] == [PREDICT_WELLS[1]]
    (folder / STATE_DIR).rmdir()
    report = run_batch([folder], setup["name"], tmp_path / "out2", models_dir=setup["models"])
    assert sorted(Path(r.file).name for r in report.results) == sorted([PREDICT_WELLS[1], "report.csv"])


def test_an_input_named_like_the_report_is_not_written_over_it(setup: dict, force2020_dir: Path, tmp_path: Path) -> None:
    """A real well exported as report.csv would be predicted into <out>/report.csv and then replaced
    by the run's report (status ok, output gone): it is a failed well with the reason instead."""
    import lasio

    folder = tmp_path / "in"
    folder.mkdir()
    lasio.read(force2020_dir / PREDICT_WELLS[1]).df().reset_index().to_csv(folder / "report.csv", index=False)
    report = run_batch([folder], setup["name"], tmp_path / "out", models_dir=setup["models"], fmt="csv")
    (r,) = report.results
    assert r.status == "failed" and "output name report.csv is the run's report" in r.reason
    assert next(csv.DictReader(open(tmp_path / "out" / "report.csv")))["status"] == "failed"


def test_tie_adds_tied_columns_and_is_part_of_what_a_rerun_checks(setup: dict, tmp_path: Path) -> None:
    """``--tie`` (run_batch(tie=True)) writes T_TIED beside the model's columns, on the predicted
    rows the well's own log does not cover; a later run without it redoes the wells (the done
    marker knows) and writes them without the column."""
    from welllog.qc import formation_values

    src = setup["inputs"]["25_11-24"]  # logs begin above its DTC: rows the tie reaches
    out = tmp_path / "out"
    (r,) = run_batch([src], setup["name"], out, models_dir=setup["models"], fmt="csv", tie=True).results
    assert r.status == "ok" and any("DTC_TIED" in line for line in r.provenance)
    frame = pd.read_csv(r.output)
    assert {"DTC_TIED", "DTS_TIED", "DTC_MEAN"} <= set(frame.columns)
    well = read_well(src)
    logged = np.isfinite(formation_values(well, "DTC"))
    assert len(frame) == len(well.data)  # one output row per canonical row here (sorted, no duplicates)
    tied, mean = frame["DTC_TIED"].to_numpy(), frame["DTC_MEAN"].to_numpy()
    assert np.isnan(tied[logged]).all() and np.isfinite(tied[~logged]).sum() > 100
    assert np.isfinite(tied[np.isnan(mean)]).sum() == 0  # nothing tied where nothing was predicted

    (again,) = run_batch([src], setup["name"], out, models_dir=setup["models"], fmt="csv").results
    assert again.status == "ok" and "DTC_TIED" not in pd.read_csv(again.output).columns
    (third,) = run_batch([src], setup["name"], out, models_dir=setup["models"], fmt="csv").results
    assert third.status == "skipped"


def test_a_name_near_the_file_name_limit_is_one_well_not_the_run(setup: dict, force2020_dir: Path, tmp_path: Path) -> None:
    """A legal 235-character well name: its temp file and done marker must not exceed the limit
    (the run used to stop there, and again on every re-run)."""
    folder = tmp_path / "in"
    folder.mkdir()
    long = folder / ("a" + "x" * 230 + ".las")
    os.symlink(force2020_dir / PREDICT_WELLS[0], long)
    os.symlink(force2020_dir / PREDICT_WELLS[1], folder / "short.las")
    report = run_batch([folder], setup["name"], tmp_path / "out", models_dir=setup["models"])
    assert [r.status for r in report.results] == ["ok", "ok"]
    again = run_batch([folder], setup["name"], tmp_path / "out", models_dir=setup["models"])
    assert [r.status for r in again.results] == ["skipped", "skipped"]


def test_an_output_stays_with_the_input_that_wrote_it(setup: dict, force2020_dir: Path, tmp_path: Path) -> None:
    """A file added later with the same stem (dup.csv beside dup.las) is the one refused: it sorts
    first, and used to take the name and overwrite the finished output. Names compare without case."""
    folder = tmp_path / "in"
    folder.mkdir()
    os.symlink(force2020_dir / PREDICT_WELLS[0], folder / "dup.las")
    out = tmp_path / "out"
    first = run_batch([folder], setup["name"], out, models_dir=setup["models"], fmt="csv")
    assert [r.status for r in first.results] == ["ok"]
    written = (out / "dup.csv").read_bytes()
    read_well(force2020_dir / PREDICT_WELLS[1]).data.reset_index().to_csv(folder / "dup.csv", index=False)
    os.symlink(force2020_dir / PREDICT_WELLS[1], folder / "DUP.las")
    again = run_batch([folder], setup["name"], out, models_dir=setup["models"], fmt="csv")
    status = {Path(r.file).name: r for r in again.results}
    assert status["dup.las"].status == "skipped" and (out / "dup.csv").read_bytes() == written
    assert status["dup.csv"].status == "failed" and "already used by" in status["dup.csv"].reason
    assert status["DUP.las"].status == "failed" and "already used by" in status["DUP.las"].reason


def test_a_dangling_link_is_reported_and_hidden_files_are_no_wells(setup: dict, force2020_dir: Path, tmp_path: Path) -> None:
    """A link whose target is gone (a mount that went away) is a failed well in the report, not a
    well that never existed; ``._x.las`` (macOS) and other hidden files are not inputs."""
    folder = tmp_path / "in"
    folder.mkdir()
    os.symlink(force2020_dir / PREDICT_WELLS[0], folder / "real.las")
    os.symlink(tmp_path / "gone.las", folder / "dangling.las")
    (folder / "._real.las").write_bytes(b"\x00\x05\x16\x07")
    report = run_batch([folder], setup["name"], tmp_path / "out", models_dir=setup["models"])
    status = {Path(r.file).name: r.status for r in report.results}
    assert status == {"dangling.las": "failed", "real.las": "ok"}
    gone = next(r for r in report.results if r.file.endswith("dangling.las"))  # a reader's error, not "unexpected"
    assert gone.code == "well_read" and "no such file (a link whose target is gone?)" in gone.reason, (gone.code, gone.reason)


def test_the_output_names_what_wrote_it_where_loaders_read_it(setup: dict, force2020_dir: Path, tmp_path: Path) -> None:
    """LAS ~Parameter carries the welllog version, the model (NAME:vN) and its training date — loaders
    read ~Parameter into fields, ~Other only as prose; Parquet's metadata the same."""
    import lasio
    import pyarrow.parquet as pq

    from welllog import __version__

    well = setup["inputs"][Path(PREDICT_WELLS[0]).stem]
    for fmt in ("las", "parquet"):
        report = run_batch([well], setup["name"], tmp_path / fmt, models_dir=setup["models"], fmt=fmt)
        out = Path(report.results[0].output)
        if fmt == "las":
            params = {p.mnemonic: p.value for p in lasio.read(out).params}
        else:
            params = json.loads(pq.read_schema(out).metadata[b"welllog"])["written_by"]
        assert f"{params['WLMODEL']}:{params['WLMODVER']}" == report.model_version and params["WLVER"] == __version__
        assert len(str(params["WLTRAIN"])) == 10
