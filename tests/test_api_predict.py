"""Routes with a real trained store, through FastAPI's TestClient (real FORCE 2020 data)."""

from __future__ import annotations

import io
import logging
import math

import lasio
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.schemas import ExplainResponse, PredictResponse
from api.settings import Settings
from tests.test_api_support import BLIND_WELL, copy_store, train, trained_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(force2020_dir):
    return trained_store(force2020_dir)


@pytest.fixture(scope="module")
def client(store):
    logging.getLogger("welllog").setLevel(logging.WARNING)
    with TestClient(create_app(settings=Settings(models_dir=store))) as c:
        yield c


@pytest.fixture(scope="module")
def blind_las(force2020_dir) -> bytes:
    return (force2020_dir / BLIND_WELL).read_bytes()


@pytest.fixture(scope="module")
def blind_slice(blind_las) -> dict:
    """300 samples spread over the blind well as JSON column arrays (with its DTC for scoring)."""
    las = lasio.read(io.StringIO(blind_las.decode("latin-1")))
    frame = las.df().reset_index()
    ok = frame[["DTC", "GR", "RDEP", "RHOB", "NPHI"]].notna().all(axis=1)
    part = frame[ok].iloc[:: max(1, int(ok.sum()) // 300)].iloc[:300]
    curves = {c: [None if pd.isna(v) else float(v) for v in part[c]] for c in ("GR", "RHOB", "NPHI", "RDEP", "RMED", "CALI", "PEF")}
    return {"depth": part["DEPT"].tolist(), "curves": curves, "dtc": part["DTC"].to_numpy()}


def test_ready_and_model_listing(client):
    r = client.get("/ready")
    assert r.status_code == 200 and r.json()["model"] == "default"
    assert set(r.json()["targets"]) == {"DTC", "DTS"}
    models = {m["name"]: m for m in client.get("/v1/models").json()["models"]}
    assert {"default", "ngb"} <= set(models)
    assert models["default"]["loaded"] is True and models["default"]["latest"] == "v1"
    assert models["ngb"]["family"] == "ngboost" and models["ngb"]["targets"] == ["DTC"]
    versions = client.get("/v1/models/default").json()["versions"]
    assert len(versions) >= 1 and "targets" in str(versions[0])


def test_predict_json_is_aligned_and_sensible(client, blind_slice):
    body = {"curves": blind_slice["curves"], "depth": blind_slice["depth"], "quantiles": [0.1, 0.9]}
    r = client.post("/v1/predict", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    PredictResponse.model_validate(out)  # the documented schema holds (responses skip re-validation)
    assert out["samples"] == 300 and out["depth"] == pytest.approx(blind_slice["depth"])
    dtc = out["targets"]["DTC"]
    for key in ("mean", "std", "p05", "p50", "p95", "qc"):
        assert len(dtc[key]) == 300
    assert set(dtc["quantiles"]) == {"p10", "p90"}
    mean = np.array([np.nan if v is None else v for v in dtc["mean"]])
    ok = np.isfinite(mean)
    assert ok.mean() > 0.9
    p05 = np.array(dtc["p05"], dtype=float)[ok]
    p95 = np.array(dtc["p95"], dtype=float)[ok]
    p10 = np.array(dtc["quantiles"]["p10"], dtype=float)[ok]
    assert (p05 <= p10 + 1e-9).all() and (p05 <= mean[ok]).all() and (mean[ok] <= p95).all()
    # a blind well: predictions must track the measured sonic far better than a constant
    measured = blind_slice["dtc"][ok]
    rmse = math.sqrt(np.mean((mean[ok] - measured) ** 2))
    assert rmse < 20 and np.corrcoef(mean[ok], measured)[0, 1] > 0.5, rmse
    assert out["provenance"] and out["curves"] and isinstance(out["qc_summary"], dict)
    assert out["model"]["name"] == "default" and out["model"]["version"]
    assert out["warnings"] == []  # every row predicted: nothing to warn about


def test_most_rows_unpredicted_comes_with_a_warning_naming_the_curve(client, blind_slice):
    """Gamma ray logged on the first 60 of 300 samples only: still a 200, but the body says why
    four fifths of the logged rows have no prediction."""
    curves = {c: list(v) for c, v in blind_slice["curves"].items()}
    curves["GR"] = curves["GR"][:60] + [None] * 240
    r = client.post("/v1/predict", json={"curves": curves, "depth": blind_slice["depth"]})
    assert r.status_code == 200, r.text
    out = r.json()
    assert np.isfinite(np.array(out["targets"]["DTC"]["mean"], dtype=float)).sum() <= 60
    assert out["warnings"] == ["only 60 of 300 logged rows predicted; GR, required by this model, is missing on 100% of the rest"]


def test_records_with_vendor_mnemonics_and_nulls(client, blind_slice):
    curves = blind_slice["curves"]
    rename = {"RHOB": "ZDEN", "NPHI": "CNC", "RDEP": "HRD", "RMED": "HRM", "CALI": "CAL", "PEF": "PE"}
    records = [{"DEPT": d, **{rename.get(k, k): v[i] for k, v in curves.items()}} for i, d in enumerate(blind_slice["depth"][:20])]
    records[3]["GR"] = None
    r = client.post("/v1/predict", json={"records": records})
    assert r.status_code == 200, r.text
    out = r.json()
    sources = {m["canonical"]: m["source"] for m in out["curves"]}
    assert sources.get("RHOB") == "ZDEN" and sources.get("RDEP") == "HRD"
    qc = out["targets"]["DTC"]["qc"]
    assert qc[3] & 16 and out["targets"]["DTC"]["mean"][3] is None  # GR is required: sample not predicted
    assert all(out["targets"]["DTC"]["mean"][i] is not None for i in (0, 1, 2, 4))


def test_unsorted_input_keeps_input_order(client, blind_slice):
    depth = blind_slice["depth"][:10]
    curves = {k: v[:10] for k, v in blind_slice["curves"].items()}
    forward = client.post("/v1/predict", json={"curves": curves, "depth": depth}).json()
    backward = client.post(
        "/v1/predict", json={"curves": {k: v[::-1] for k, v in curves.items()}, "depth": depth[::-1]}
    ).json()
    assert backward["targets"]["DTC"]["mean"] == pytest.approx(forward["targets"]["DTC"]["mean"][::-1])


def test_request_without_density_neutron_is_served_by_the_reduced_model(tmp_path, store, force2020_dir, blind_slice):
    """A recipe model (`welllog train`'s default) asked for a top-hole interval without RHOB/NPHI:
    200, every predicted sample flagged qc bit 32 (and 1), and a warning naming the absent curves
    and the alias to give."""
    from tests.test_api_support import training_wells
    from welllog.recipes import CalibratedSonicModel
    from welllog.store import ModelStore

    models = copy_store(store, tmp_path / "models")
    recipe = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 60})
    ModelStore(models).save(recipe.fit(list(training_wells(force2020_dir))), "recipe")
    curves = {c: v for c, v in blind_slice["curves"].items() if c not in ("RHOB", "NPHI")}
    with TestClient(create_app(settings=Settings(models_dir=models))) as c:
        r = c.post("/v1/predict", json={"model": "recipe", "curves": curves, "depth": blind_slice["depth"]})
    assert r.status_code == 200, r.text
    out = r.json()
    mean = np.array(out["targets"]["DTC"]["mean"], dtype=float)
    qc = np.array(out["targets"]["DTC"]["qc"])
    assert np.isfinite(mean).mean() > 0.9 and ((qc[np.isfinite(mean)] & 33) == 33).all()
    assert any("not in the file" in w and "reduced-input model" in w for w in out["warnings"])
    rmse = float(np.sqrt(np.nanmean((mean - blind_slice["dtc"]) ** 2)))
    assert rmse < 30  # a sonic log, not noise: measured DTC spans ~60-180 us/ft here


def test_missing_required_curves_is_422_listing_needed_and_found(client):
    r = client.post("/v1/predict", json={"curves": {"RHOB": [2.3, 2.4], "NPHI": [0.2, 0.3]}})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "missing_curves"
    assert "GR" in error["detail"]["missing"] and "RHOB" in error["detail"]["found"]
    assert "GR" in error["message"]


def test_repeated_depths_come_with_a_warning(client, blind_slice):
    """400 samples all at one depth: the read keeps one row (duplicates dropped, in provenance);
    the body must say so instead of a clean 200 with one prediction."""
    curves = {c: (v * 2)[:400] for c, v in blind_slice["curves"].items()}
    r = client.post("/v1/predict", json={"curves": curves, "depth": [1500.0] * 400})
    assert r.status_code == 200, r.text
    out = r.json()
    assert np.isfinite(np.array(out["targets"]["DTC"]["mean"], dtype=float)).sum() <= 1
    assert len(out["warnings"]) == 1 and out["warnings"][0].startswith("only 1 of 400 input rows kept")


def test_logs_unlike_the_training_wells_come_with_a_warning(client, blind_slice):
    """A wrong unit that still gives possible values (neutron in v/v declared as %) puts every row
    outside the training range: predicted, flagged (T_QC bit 8) and said in ``warnings``."""
    r = client.post("/v1/predict", json={"curves": blind_slice["curves"], "depth": blind_slice["depth"], "units": {"NPHI": "%"}})
    assert r.status_code == 200, r.text
    out = r.json()
    qc = np.array(out["targets"]["DTC"]["qc"])
    assert ((qc & 8) != 0).mean() > 0.9
    assert len(out["warnings"]) == 1 and "outside the model's training range (T_QC bit 8" in out["warnings"][0]
    # the cause is named: NPHI (x100), on (nearly) every flagged predicted sample, in the warning and per target
    causes = out["targets"]["DTC"]["out_of_range"]
    predicted = np.isfinite(np.array(out["targets"]["DTC"]["mean"], dtype=float))
    assert max(causes, key=causes.get) == "NPHI" and causes["NPHI"] >= 0.9 * predicted.sum()
    assert "most often NPHI" in out["warnings"][0]
    assert any(p["step"] == "model" and "NPHI" in p["message"] and "T_QC bit 8" in p["message"] for p in out["provenance"])


def test_a_curve_the_request_names_but_no_model_reads_is_reported(client, blind_slice):
    """A JSON request names its curves on purpose: one that maps onto nothing (a typo of PEF here)
    is said in ``warnings`` with the fix, not dropped in silence; the curves that map stay quiet."""
    curves = {("PEFF" if k == "PEF" else k): v for k, v in blind_slice["curves"].items()}
    r = client.post("/v1/predict", json={"curves": curves, "depth": blind_slice["depth"]})
    assert r.status_code == 200, r.text
    warnings = r.json()["warnings"]
    assert len(warnings) == 1 and warnings[0].startswith("curve(s) PEFF not recognised, so not used") and '"aliases": {"PEFF": "CANON"}' in warnings[0]
    r = client.post("/v1/predict", json={"curves": blind_slice["curves"], "depth": blind_slice["depth"]})
    assert r.status_code == 200 and r.json()["warnings"] == []
    # a canonical curve sent with no value is no typo: said as empty, not "name it as a canonical curve"
    empty = {**blind_slice["curves"], "PEF": [None] * len(blind_slice["depth"])}
    r = client.post("/v1/predict", json={"curves": empty, "depth": blind_slice["depth"]})
    assert r.status_code == 200, r.text
    assert r.json()["warnings"] == ["curve(s) PEF sent without a single value, so not used (as if not sent)"]
    # a canonical curve set aside for one the request maps onto it has values: not "empty" (API audit)
    both = {**blind_slice["curves"], "ZDEN": blind_slice["curves"]["RHOB"]}
    r = client.post("/v1/predict", json={"curves": both, "depth": blind_slice["depth"], "aliases": {"ZDEN": "RHOB"}})
    assert r.status_code == 200, r.text
    assert r.json()["warnings"] == ["curve RHOB not used: ZDEN was mapped onto it (aliases ZDEN=RHOB); drop one of the two"]


def test_an_impossible_measured_curve_does_not_stop_the_prediction(client, blind_slice):
    """A measured DTS of -1 throughout (no unit given) is impossible in any unit: nulled by QC and
    the well predicted, not refused as "unit 'none' cannot be converted" (API audit); a value that
    fits no unit but could be one (3) is passed over (library, 417abb4: a measured DTS is a prediction
    warning), with a warning asking for its unit — not called empty."""
    n = len(blind_slice["depth"])
    r = client.post("/v1/predict", json={"curves": {**blind_slice["curves"], "DTS": [-1.0] * n}, "depth": blind_slice["depth"]})
    assert r.status_code == 200, r.text
    assert any(p["curve"] == "DTS" and "physically impossible" in p["message"] for p in r.json()["provenance"])
    r = client.post("/v1/predict", json={"curves": {**blind_slice["curves"], "DTS": [3.0] * n}, "depth": blind_slice["depth"]})
    assert r.status_code == 200, r.text
    warnings = r.json()["warnings"]
    assert any("DTS" in w and "fits no known unit" in w and '"units": {"DTS"' in w for w in warnings), warnings
    assert not any("without a single value" in w for w in warnings) and len(warnings) == 1, warnings  # said once


def test_wrong_units_are_422(client, blind_slice):
    curves = {k: v[:5] for k, v in blind_slice["curves"].items()}
    r = client.post("/v1/predict", json={"curves": curves, "units": {"RDEP": "mS/m"}})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == "units.RDEP" and "conductivity" in error["message"]
    # a convertible unit is converted, and the decision is reported
    r = client.post("/v1/predict", json={"curves": {**curves, "RHOB": [v * 1000 for v in curves["RHOB"]]},
                                         "units": {"RHOB": "kg/m3"}})
    assert r.status_code == 200, r.text
    assert any("kg/m3" in m["conversion"] for m in r.json()["curves"] if m["canonical"] == "RHOB")
    # a unit that is no unit at all is refused, naming the field, not guessed from the values
    r = client.post("/v1/predict", json={"curves": curves, "units": {"GR": "furlongs"}})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == "units.GR" and "'furlongs' of GR is not recognised" in error["message"] and "gAPI" in error["message"]


def test_versioned_ref_and_unknown_version(client, blind_slice):
    version = client.get("/v1/models/ngb").json()["versions"][-1]["version"]
    curves = {k: v[:5] for k, v in blind_slice["curves"].items()}
    r = client.post("/v1/predict", json={"curves": curves, "model": f"ngb:{version}"})
    assert r.status_code == 200, r.text
    assert list(r.json()["targets"]) == ["DTC"] and r.json()["model"]["family"] == "ngboost"
    r = client.post("/v1/predict", json={"curves": curves, "model": "ngb:v999"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    message = r.json()["error"]["message"]  # what is there, not where the server keeps it (API audit)
    assert "not found in the API's model store; available: " in message and "ngb (" in message
    assert str(client.app.state.settings.models_dir) not in message


def test_las_upload_round_trip_keeps_originals(client, blind_las):
    r = client.post("/v1/predict/las?format=las", files={"file": (BLIND_WELL, blind_las)})
    assert r.status_code == 200, r.text[:500]
    assert 'filename="16_2-16.las"' in r.headers["content-disposition"]
    original = lasio.read(io.StringIO(blind_las.decode("latin-1")))
    result = lasio.read(io.StringIO(r.text))
    new = {c.mnemonic for c in result.curves}
    for target in ("DTC", "DTS"):
        assert {f"{target}_{s}" for s in ("MEAN", "STD", "P05", "P50", "P95", "QC")} <= new
    for curve in original.curves:
        assert curve.mnemonic in new
        np.testing.assert_allclose(result[curve.mnemonic], original[curve.mnemonic], rtol=1e-6, equal_nan=True)
        assert result.curves[curve.mnemonic].unit == curve.unit
    assert len(result["DTC_MEAN"]) == len(original["DEPT"])
    assert np.isfinite(result["DTC_MEAN"]).mean() > 0.5
    # a name beyond ASCII keeps its spelling for clients that read RFC 5987's filename* (API audit)
    r = client.post("/v1/predict/las?format=csv", files={"file": ("Ünïcødé well 1.las", blind_las)})
    disposition = r.headers["content-disposition"]
    assert r.status_code == 200 and 'filename="_n_c_d_well_1.csv"' in disposition
    assert "filename*=UTF-8''%C3%9Cn%C3%AFc%C3%B8d%C3%A9%20well%201.csv" in disposition


def test_csv_upload_as_json_and_csv(client, blind_las):
    las = lasio.read(io.StringIO(blind_las.decode("latin-1")))
    csv = las.df().reset_index().iloc[3000:3400].to_csv(index=False).encode()
    r = client.post("/v1/predict/las?format=json", files={"file": ("part.csv", csv, "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json()["samples"] == 400
    assert r.json()["well"] == "part" and r.json()["header_well"] is None  # a CSV has no header
    r = client.post("/v1/predict/las?format=csv", files={"file": ("part.csv", csv, "text/csv")})
    assert r.status_code == 200, r.text
    frame = pd.read_csv(io.StringIO(r.text))
    assert len(frame) == 400 and "DTS_P95" in frame.columns and "GR" in frame.columns
    assert r.headers["x-welllog-model"] == "default:v1"  # a CSV says nothing of its model: the header does


def test_upload_reports_the_header_well_name_as_evaluate_does(client, blind_las, force2020_dir):
    """The upload's file stem names the well in the response (and a download); the header's WELL,
    which `welllog evaluate` and the store's per-well scores use, comes beside it to join on."""
    from welllog.ingest import read_well

    r = client.post("/v1/predict/las?format=json", files={"file": ("renamed upload.las", blind_las)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["well"] == "renamed upload"  # as the user named the file, not a sanitised form
    assert body["header_well"] == read_well(force2020_dir / BLIND_WELL).name != BLIND_WELL.removesuffix(".las")
    # bit 8 only on predicted samples (an unpredicted one has nothing to trust), and the per-cause
    # counts describe those samples: none above the flagged total, together at least as many
    dtc = body["targets"]["DTC"]
    qc, predicted = np.array(dtc["qc"]), np.isfinite(np.array(dtc["mean"], dtype=float))
    assert (~predicted).sum() > 20 and not ((qc[~predicted] & 8) != 0).any() and ((qc[~predicted] & 16) != 0).all()
    flagged = int(((qc & 8) != 0).sum())
    assert flagged > 0 and max(dtc["out_of_range"].values()) <= flagged <= sum(dtc["out_of_range"].values())


def test_gzipped_upload_is_read_as_the_file_inside(client, blind_las):
    """Pipelines ship logs gzipped: the upload is inflated (whatever its name says), named after the
    file inside, and answers as the plain upload does; a broken stream is a 422 naming the file."""
    import gzip

    plain = client.post("/v1/predict/las?format=csv", files={"file": (BLIND_WELL, blind_las)})
    zipped = client.post("/v1/predict/las?format=csv", files={"file": (f"{BLIND_WELL}.gz", gzip.compress(blind_las))})
    assert zipped.status_code == 200, zipped.text[:500]
    assert zipped.text == plain.text and 'filename="16_2-16.csv"' in zipped.headers["content-disposition"]
    broken = client.post("/v1/predict/las", files={"file": ("cut.las.gz", gzip.compress(blind_las)[:5000])})
    assert broken.status_code == 422 and "cut.las.gz: gzipped, but the stream is broken" in broken.json()["error"]["message"]
    assert broken.json()["error"]["field"] == "file"


@pytest.mark.parametrize(
    "payload",
    [b"this is not a well log\x00\x01\x02", b"~Version\nVERS. 2.0\n~Curve\n~A\n", "\u00e9\u00e8".encode("utf-16")],
)
def test_unreadable_uploads_are_422(client, payload):
    r = client.post("/v1/predict/las", files={"file": ("bad.las", payload)})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"]


def test_explain_nearest_depths(client, blind_slice):
    depth = blind_slice["depth"]
    body = {"curves": blind_slice["curves"], "depth": depth, "target": "dts", "depths": [depth[10], depth[200]]}
    r = client.post("/v1/explain", json=body)  # a mnemonic in any case, as in a LAS file
    assert r.status_code == 200, r.text
    out = r.json()
    ExplainResponse.model_validate(out)
    assert out["target"] == "DTS" and len(out["values"]) == 2
    assert out["depths"] == pytest.approx([depth[10], depth[200]])
    for row, output in zip(out["values"], out["output"]):
        assert out["base_value"] + sum(row) == pytest.approx(output, rel=1e-4, abs=1e-3)


def test_explain_limits_and_bad_target(client, blind_slice):
    body = {"curves": blind_slice["curves"], "depth": blind_slice["depth"]}
    r = client.post("/v1/explain", json={**body, "target": "XYZ"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "target" and "choose one of DTC" in r.json()["error"]["message"]
    r = client.post("/v1/explain", json={**body, "depths": [99999.0]})
    assert r.status_code == 422 and r.json()["error"]["field"] == "depths" and "outside the well" in r.json()["error"]["message"]
    r = client.post("/v1/explain", json={**body, "group": "no"})  # strict, as predict's `tie`: "no" is no boolean
    assert r.status_code == 422 and r.json()["error"]["field"] == "group"
    # a range with no sample is a field error too (was a 400 with no field), printed to the millimetre
    top = blind_slice["depth"][0]
    r = client.post("/v1/explain", json={**body, "depth_range": [top - 0.002, top - 0.001]})
    error = r.json()["error"]
    assert r.status_code == 422 and error["field"] == "depth_range" and "no predictable sample" in error["message"]
    assert f"between {top - 0.002:.3f}".rstrip("0") in error["message"]
    small = TestClient(create_app(settings=Settings(models_dir=client.app.state.settings.models_dir, max_explain_samples=10)))
    with small:
        r = small.post("/v1/explain", json=body)
        assert r.status_code == 413 and "WELLLOG_MAX_EXPLAIN_SAMPLES" in r.json()["error"]["message"]
        assert r.json()["error"]["field"] == "depth_range"  # the field that narrows a whole-well request


def test_reload_picks_up_a_new_version(tmp_path, store, force2020_dir, blind_slice):
    from welllog.store import ModelStore

    models = copy_store(store, tmp_path / "models")
    curves = {k: v[:5] for k, v in blind_slice["curves"].items()}
    with TestClient(create_app(settings=Settings(models_dir=models))) as c:
        before = c.get("/ready").json()["version"]
        ModelStore(models).save(train("lightgbm", force2020_dir, targets=("DTC",)), "default")
        assert c.get("/ready").json()["version"] == before  # not picked up until reload
        r = c.post("/v1/models/reload")
        assert r.status_code == 200, r.text
        after = c.get("/ready").json()
        assert after["version"] != before and after["targets"] == ["DTC"]
        assert list(c.post("/v1/predict", json={"curves": curves}).json()["targets"]) == ["DTC"]


def test_upload_with_aliases_and_units(client, blind_las):
    """A file with vendor mnemonics the alias table does not know and a bulk density in kg/m3
    without a unit: the query's alias/unit overrides make it predictable, and the choice is echoed."""
    las = lasio.read(io.StringIO(blind_las.decode("latin-1")))
    frame = las.df().reset_index().iloc[3000:3400]
    vendor = frame.rename(columns={"RDEP": "XRES_D", "RHOB": "XDEN"})
    vendor["XDEN"] = vendor["XDEN"] * 1000.0
    csv = vendor.to_csv(index=False).encode()
    r = client.post("/v1/predict/las?format=json", files={"file": ("vendor.csv", csv, "text/csv")})
    assert r.status_code == 422, r.text  # RDEP/RHOB not found without help
    url = "/v1/predict/las?format=json&alias=XRES_D=RDEP&alias=XDEN=RHOB&unit=XDEN=kg/m3"
    r = client.post(url, files={"file": ("vendor.csv", csv, "text/csv")})
    assert r.status_code == 200, r.text
    body = r.json()
    plain = client.post("/v1/predict/las?format=json", files={"file": ("part.csv", frame.to_csv(index=False).encode(), "text/csv")}).json()
    mean = np.array(body["targets"]["DTC"]["mean"], dtype=float)
    assert np.isfinite(mean).mean() > 0.5
    np.testing.assert_allclose(mean, np.array(plain["targets"]["DTC"]["mean"], dtype=float), rtol=1e-6)
    used = {c["source"]: c["canonical"] for c in body["curves"]}
    assert used.get("XRES_D") == "RDEP" and used.get("XDEN") == "RHOB"
    noted = [p["message"] for p in body["provenance"] if p["curve"] == "RHOB"]
    assert "XDEN: unit kg/m3 given by the user (unit override)" in noted, noted  # no CLI option named
    assert not any("--unit" in p["message"] for p in body["provenance"])
    r = client.post("/v1/predict/las?alias=XRES_D", files={"file": ("vendor.csv", csv, "text/csv")})
    assert r.status_code == 422 and r.json()["error"]["field"] == "alias" and "NAME=VALUE" in r.json()["error"]["message"]


def test_measured_curve_off_depth_is_reported(client, force2020_dir):
    """The QC summary and provenance of a response name a measured DTC that is off depth."""
    data = (force2020_dir / "31_5-4 S.las").read_bytes()
    r = client.post("/v1/predict/las?model=ngb", files={"file": ("31_5-4 S.las", data)})
    assert r.status_code == 200, r.text[:500]
    body = r.json()
    dtc = body["qc_summary"]["depth_offsets"]["DTC"]
    assert 8 <= dtc["samples"] <= 12 and dtc["unit"] == "m" and dtc["references"] == ["NPHI", "RHOB"]
    assert any(p["curve"] == "DTC" and "deeper than NPHI/RHOB" in p["message"] for p in body["provenance"])


def test_model_listing_says_what_is_served_until_reload(tmp_path, store):
    """After `welllog promote` adds default:v2, the API keeps serving v1 until a reload, and says so."""
    from welllog.store import ModelStore

    models = copy_store(store, tmp_path / "models")
    with TestClient(create_app(settings=Settings(models_dir=models))) as c:
        listed = {m["name"]: m for m in c.get("/v1/models").json()["models"]}
        assert listed["default"]["served_version"] == "v1" and listed["default"]["reload_needed"] is False
        assert listed["default"]["note"] is None and listed["default"]["loaded_versions"] == ["v1"]
        assert listed["ngb"]["served_version"] is None and listed["ngb"]["loaded_versions"] == []  # not loaded yet
        assert ModelStore(models).promote("ngb:v1", "default") == "v2"
        listed = {m["name"]: m for m in c.get("/v1/models").json()["models"]}["default"]
        assert listed["latest"] == "v2" and listed["served_version"] == "v1" and listed["reload_needed"] is True
        assert "POST /v1/models/reload" in listed["note"] and c.get("/ready").json()["version"] == "v1"
        one = c.get("/v1/models/default").json()
        assert one["latest"] == "v2" and one["served_version"] == "v1" and one["reload_needed"] is True
        assert [v["version"] for v in one["versions"]] == ["v1", "v2"]
        assert c.post("/v1/models/reload").status_code == 200
        listed = {m["name"]: m for m in c.get("/v1/models").json()["models"]}["default"]
        assert listed["served_version"] == "v2" and listed["reload_needed"] is False and listed["note"] is None


def test_reload_of_everything_survives_a_broken_model(tmp_path, store, blind_slice):
    """A corrupt new version of one model (ngb:v2) does not block rolling out another: a reload
    without a body serves the promoted default:v2, keeps ngb on v1 and lists ngb under ``failed``
    (it answered 409 for ngb and left the default on v1); named in the body, the error is answered."""
    from welllog.store import ModelStore

    models = copy_store(store, tmp_path / "models")
    curves = {k: v[:5] for k, v in blind_slice["curves"].items()}
    with TestClient(create_app(settings=Settings(models_dir=models))) as c:
        assert c.post("/v1/predict", json={"curves": curves, "model": "ngb"}).status_code == 200  # ngb:v1 cached
        store_ = ModelStore(models)
        assert store_.promote("default:v1", "ngb") == "v2" and store_.promote("ngb:v1", "default") == "v2"
        (models / "ngb" / "v2" / "model.joblib").write_bytes(b"truncated")
        r = c.post("/v1/models/reload")
        assert r.status_code == 200, r.text
        body = r.json()
        assert {(m["ref"], m["version"]) for m in body["reloaded"]} == {("default", "v2")}
        assert [(f["ref"], f["code"]) for f in body["failed"]] == [("ngb", "model_integrity")]
        assert c.get("/ready").json()["version"] == "v2"
        assert c.post("/v1/predict", json={"curves": curves, "model": "ngb"}).json()["model"]["version"] == "v1"
        named = c.post("/v1/models/reload", json={"model": "ngb"})
        assert named.status_code == 409 and named.json()["error"]["code"] == "model_integrity"
        assert str(tmp_path) not in named.json()["error"]["message"]  # no server path


def test_ready_picks_up_a_default_promoted_after_start(tmp_path, store, monkeypatch):
    """/ready answered 503 until a reload while the first prediction would load the promoted default
    anyway: a probe never let traffic in. It now tries one load (throttled) when none is loaded."""
    from api.routers import health
    from welllog.store import ModelStore

    monkeypatch.setattr(health, "READY_RETRY_S", 0.0)
    models = copy_store(store, tmp_path / "models")
    with TestClient(create_app(settings=Settings(models_dir=models, default_model="late"))) as c:
        error = c.get("/ready").json()["error"]
        assert error["code"] == "model_not_ready" and "welllog promote NAME:vN --to late" in error["message"]
        assert str(tmp_path) not in error["message"]
        ModelStore(models).promote("ngb:v1", "late")
        ready = c.get("/ready")
        assert ready.status_code == 200 and ready.json()["model"] == "late" and ready.json()["version"] == "v1"


def test_a_pinned_default_model_counts_as_served(tmp_path, store, blind_las):
    """WELLLOG_DEFAULT_MODEL=default:v1 with default:v2 in the store: v1 is served (every request
    naming no model gets it) from start-up, not null until someone asks for plain `default`; no
    reload is asked for, since a reload keeps the pin, and the note says what the pin means."""
    from welllog.store import ModelStore

    models = copy_store(store, tmp_path / "models")
    ModelStore(models).promote("ngb:v1", "default")  # default:v2
    with TestClient(create_app(settings=Settings(models_dir=models, default_model="default:v1"))) as c:
        listed = {m["name"]: m for m in c.get("/v1/models").json()["models"]}["default"]
        assert listed["latest"] == "v2" and listed["served_version"] == "v1" and listed["loaded_versions"] == ["v1"]
        assert listed["reload_needed"] is False
        assert listed["note"] == ("requests naming no model get default:v1, the default model pinned by WELLLOG_DEFAULT_MODEL "
                                  "(a reload keeps it); requests naming default alone load the store's latest, v2")
        one = c.get("/v1/models/default").json()
        assert one["served_version"] == "v1" and one["reload_needed"] is False and one["note"] == listed["note"]
        assert c.get("/ready").json()["version"] == "v1"
        # plain `default` named: that is what a request naming it alone gets from now on
        assert c.post("/v1/predict/las?model=default&format=json", files={"file": (BLIND_WELL, blind_las)}).status_code == 200
        listed = {m["name"]: m for m in c.get("/v1/models").json()["models"]}["default"]
        assert listed["served_version"] == "v2" and listed["loaded_versions"] == ["v1", "v2"] and listed["reload_needed"] is False
        assert listed["note"].endswith("(a reload keeps it); requests naming default alone get v2")
        assert c.post("/v1/models/reload").status_code == 200
        assert {m["name"]: m for m in c.get("/v1/models").json()["models"]}["default"]["served_version"] == "v2"


def test_model_path_takes_name_or_name_version(client):
    r = client.get("/v1/models/default:v1")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "default" and [v["version"] for v in body["versions"]] == ["v1"]
    assert body["served_version"] == "v1" and body["latest"] == "v1"
    r = client.get("/v1/models/default:v99")
    assert r.status_code == 404, r.text
    error = r.json()["error"]
    assert error["code"] == "model_not_found" and error["field"] == "name"
    assert "no version v99" in error["message"] and "/v1/models/default" in error["message"]


def test_upload_errors_name_the_upload_fields(client, blind_las):
    """Every refusal of an upload names what the caller sent: `file`, `model`, or the query `alias`/`unit`."""
    files = {"file": (BLIND_WELL, blind_las)}

    def error(url, status, files=files):
        r = client.post(url, files=files)
        assert r.status_code == status, r.text
        body = r.json()["error"]
        assert set(body) == {"code", "message", "field", "detail", "request_id"}
        return body

    # malformed and unknown alias/unit values: one rule, 422 naming the query parameter
    for url, field, text in [
        ("/v1/predict/las?alias=FOO=BAR", "alias", "'BAR' is not a canonical curve"),
        ("/v1/predict/las?alias=FOO", "alias", "NAME=VALUE"),
        ("/v1/predict/las?unit=GR", "unit", "NAME=VALUE"),
        ("/v1/predict/las?unit=RHOB=furlongs", "unit", "'furlongs' of RHOB"),
        ("/v1/predict/las?unit=RDEP=mS/m", "unit", "conductivity"),
        ("/v1/predict/las?unit=NOSUCH=m", "unit", "no curve"),
        ("/v1/predict/las?alias=NOSUCH=RDEP", "alias", "no curve"),
    ]:
        body = error(url, 422)
        assert body["field"] == field and text in body["message"], (url, body)
    body = error("/v1/predict/las?model=nosuch", 404)
    assert body["code"] == "model_not_found" and body["field"] == "model"
    body = error("/v1/predict/las", 422, files={"file": ("deep.csv", b"DEPT,GR,RDEP,RMED\n0,80,2,2\n1e12,81,2,2\n", "text/csv")})
    assert body["code"] == "well_read" and body["field"] == "file"
    body = error("/v1/predict/las", 422, files={"file": ("gr.csv", b"DEPT,GR\n1000,80\n1000.5,81\n", "text/csv")})
    assert body["code"] == "missing_curves" and body["field"] == "file" and body["detail"]["missing"]
    r = client.post("/v1/predict", json={"curves": {"GR": [1.0]}, "model": "nosuch"})
    assert r.status_code == 404 and r.json()["error"]["field"] == "model"


def test_tie_to_the_uploads_own_log(client, blind_las):
    """``tie=true``: each target's ``tied`` array (JSON) / T_TIED column (CSV) on the predicted
    samples the upload's own log does not cover, starting from the log's median error beside them;
    mean and band unchanged; without ``tie`` neither appears."""
    from welllog.tie import TIE_EFOLD_M, TIE_WINDOW_M

    las = lasio.read(io.StringIO(blind_las.decode("latin-1")))
    part = las.df().reset_index().iloc[3000:3600].copy()
    measured = part["DTC"].to_numpy(dtype=float).copy()
    part.loc[part.index[:300], "DTC"] = np.nan  # its top 45 m "not logged"
    csv = part.to_csv(index=False).encode()
    plain = client.post("/v1/predict/las?format=json", files={"file": ("part.csv", csv, "text/csv")}).json()
    r = client.post("/v1/predict/las?format=json&tie=true", files={"file": ("part.csv", csv, "text/csv")})
    assert r.status_code == 200, r.text
    out = r.json()
    PredictResponse.model_validate(out)
    assert "tied" not in plain["targets"]["DTC"] and out["targets"]["DTC"]["mean"] == plain["targets"]["DTC"]["mean"]
    mean = np.array(out["targets"]["DTC"]["mean"], dtype=float)
    tied = np.array(out["targets"]["DTC"]["tied"], dtype=float)
    assert np.isnan(tied[300:]).all() and np.isfinite(tied[:300]).sum() >= 250
    depth = part["DEPT"].to_numpy(dtype=float)
    beside = (depth >= depth[300]) & (depth <= depth[300] + TIE_WINDOW_M)
    edge_error = np.nanmedian((measured - mean)[beside])
    assert tied[299] - mean[299] == pytest.approx(edge_error * np.exp(-(depth[300] - depth[299]) / TIE_EFOLD_M), rel=1e-6)
    assert abs(tied[0] - mean[0]) < abs(tied[299] - mean[299])  # fading away from the log
    r = client.post("/v1/predict/las?format=csv&tie=true", files={"file": ("part.csv", csv, "text/csv")})
    frame = pd.read_csv(io.StringIO(r.text))
    assert "DTC_TIED" in frame.columns and np.allclose(frame["DTC_TIED"].to_numpy(), tied, equal_nan=True)
    body = {"curves": {c: [None if pd.isna(v) else float(v) for v in part[c]] for c in ("GR", "RHOB", "NPHI", "RDEP", "RMED", "CALI", "PEF", "DTC")},
            "depth": depth.tolist(), "tie": True}
    r = client.post("/v1/predict", json=body)
    assert r.status_code == 200, r.text
    assert np.allclose(np.array(r.json()["targets"]["DTC"]["tied"], dtype=float), tied, equal_nan=True)


def test_download_route_answers_the_file_the_deprecated_format_query_did(client, blind_las):
    """``POST /v1/predict/las/download?format=...`` is its own operation (a generated client read the
    file answer of the JSON route as JSON and failed); the old ``format=`` keeps answering the same."""
    for fmt, media in (("csv", "text/csv"), ("las", "text/plain")):
        new = client.post(f"/v1/predict/las/download?format={fmt}", files={"file": (BLIND_WELL, blind_las)})
        old = client.post(f"/v1/predict/las?format={fmt}", files={"file": (BLIND_WELL, blind_las)})
        assert new.status_code == 200 and old.status_code == 200, new.text[:300]
        assert new.content == old.content and new.headers["content-type"].startswith(media)
        assert f'filename="16_2-16.{fmt}"' in new.headers["content-disposition"]
        assert new.headers["x-welllog-model"] == "default:v1"
        assert "DTC_MEAN" in (pd.read_csv(io.StringIO(new.text)).columns if fmt == "csv" else new.text)
    tied = client.post("/v1/predict/las/download?format=csv&tie=true&model=default",
                       files={"file": (BLIND_WELL, blind_las)})
    assert tied.status_code == 200 and "DTC_TIED" in tied.text.splitlines()[0]


def _undeclared(body, schema: dict, components: dict, path: str = "") -> list[str]:
    """Keys of ``body`` its (declared) schema does not name, anywhere below: a pipeline cannot rely
    on what the schema leaves out (``additionalProperties: true`` lets them through)."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:
        return [k for alt in schema["anyOf"] if alt.get("type") != "null" for k in _undeclared(body, alt, components, path)]
    out = []
    if isinstance(body, dict) and "properties" in schema:
        out += [f"{path}/{k}" for k in body if k not in schema["properties"]]
        out += [k for name, value in body.items() if name in schema["properties"]
                for k in _undeclared(value, schema["properties"][name], components, f"{path}/{name}")]
    elif isinstance(body, dict) and isinstance(schema.get("additionalProperties"), dict):
        out += [k for name, value in body.items()
                for k in _undeclared(value, schema["additionalProperties"], components, f"{path}/{name}")]
    elif isinstance(body, list) and isinstance(schema.get("items"), dict):
        out += [k for value in body[:3] for k in _undeclared(value, schema["items"], components, f"{path}[]")]
    return out


def test_real_answers_validate_against_the_served_schema(client, blind_slice, blind_las):
    """Every answer of a real store validates against the served /openapi.json (and its pydantic
    model), and every key it sends is declared — the listing's version/ref/inputs/required_curves/
    created_at, curve mapping and provenance items, explain's ``served`` were not (data-engineer audit)."""
    import jsonschema

    from api import schemas

    spec = client.get("/openapi.json").json()
    components = spec["components"]["schemas"]
    depth = blind_slice["depth"]
    json_body = {"curves": blind_slice["curves"], "depth": depth}
    answers = [
        ("ModelList", client.get("/v1/models")),
        ("ModelVersions", client.get("/v1/models/default")),
        ("ModelVersions", client.get("/v1/models/ngb:v1")),
        ("ReloadResult", client.post("/v1/models/reload")),
        ("PredictResponse", client.post("/v1/predict", json={**json_body, "quantiles": [0.1, 0.9], "tie": True})),
        ("PredictResponse", client.post("/v1/predict", json={**json_body, "model": "ngb"})),
        ("PredictResponse", client.post("/v1/predict/las", files={"file": (BLIND_WELL, blind_las)})),
        ("ExplainResponse", client.post("/v1/explain", json={**json_body, "depths": [depth[10], depth[200]]})),
        ("ExplainResponse", client.post("/v1/explain", json={**json_body, "target": "DTS", "parameter": "scale",
                                                               "group": False, "depths": [depth[50]]})),
        ("ExplainResponse", client.post("/v1/explain", json={**json_body, "model": "ngb", "parameter": "scale",
                                                               "depths": [depth[50]]})),
        ("Ready", client.get("/ready")),
        ("Health", client.get("/health")),
        ("ErrorResponse", client.post("/v1/predict", json={"curves": {"GR": [1.0, 2.0]}})),
        ("ErrorResponse", client.get("/v1/models/nope")),
    ]
    for name, r in answers:
        assert r.status_code < 500, (name, r.text[:300])
        body = r.json()
        validator = jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})
        errors = [f"{list(e.absolute_path)[:4]}: {e.message[:120]}" for e in validator.iter_errors(body)]
        assert not errors, (name, r.request.url, errors[:3])
        getattr(schemas, name).model_validate(body)
        assert not _undeclared(body, components[name], components), (name, r.request.url, _undeclared(body, components[name], components))
