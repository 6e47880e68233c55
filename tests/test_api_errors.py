"""Bad input never yields a 5xx: every refusal is a 4xx JSON body naming the field and the fix.

Runs against an app whose model store is empty, so these checks hold before any model exists.
"""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.schemas import ERROR_CODES
from api.settings import Settings


@pytest.fixture()
def client(tmp_path):
    logging.getLogger("welllog").setLevel(logging.WARNING)
    app = create_app(settings=Settings(models_dir=tmp_path / "models", max_samples=50, max_upload_bytes=4096))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] and error["message"]
    assert set(error) == {"code", "message", "field", "detail", "request_id"}, error  # the README's shape, always
    assert error["code"] in ERROR_CODES, error  # the known codes the schema lists
    assert error["request_id"] == response.headers["x-request-id"]
    return error


GOOD = {"curves": {"GR": [50.0, 60.0], "RHOB": [2.3, 2.4]}}


@pytest.mark.parametrize(
    ("body", "field_part", "message_part"),
    [
        ({"curves": {"GR": [1.0, 2.0], "RHOB": [2.3]}}, "curves", "differ in length"),
        ({"curves": {"GR": []}}, "curves", "empty"),
        ({"curves": {}}, "curves", "empty"),
        ({"records": []}, "records", "empty"),
        ({"records": [{}, {}]}, "records", "no curves given"),  # found by schemathesis: was a 500
        ({}, "body", "exactly one of"),
        ({**GOOD, "records": [{"GR": 1.0}]}, "body", "exactly one of"),
        ({"curves": {"GR": ["abc", 1.0]}}, "curves.GR.0", "number"),
        ({"curves": {"GR": [1.0, True]}}, "curves.GR.1", "number"),  # was read as 1.0 (API audit)
        ({"curves": {"GR": ["55.1"]}}, "curves.GR.0", "number"),
        ({**GOOD, "depth": [1000.0, "1000.5"]}, "depth.1", "number"),
        ({**GOOD, "tie": "yes"}, "tie", "boolean"),
        ({"curves": {"GR": 5}}, "curves.GR", "list"),
        ({**GOOD, "depth": [1.0]}, "depth", "one depth per sample"),
        ({**GOOD, "model": "../../etc/passwd"}, "model", "use NAME or NAME:vN"),
        ({**GOOD, "model": "default:latest"}, "model", "use NAME or NAME:vN"),
        ({**GOOD, "aliases": {"XX": "YY"}}, "aliases", "'YY' is not a canonical curve"),
        ({**GOOD, "aliases": {"ZDEN": "RHOB", "cnc": "rhob"}}, "aliases", "two curves for RHOB"),
        ({**GOOD, "quantiles": [1.5]}, "quantiles.0", "less than or equal to 0.9999"),
        # in (0, 1), but served rounded to 0.01 percent: it would be an all-null column "p100" (API audit)
        ({**GOOD, "quantiles": [0.1, 0.99999]}, "quantiles.1", "less than or equal to 0.9999"),
        ({**GOOD, "quantiles": [0.00002]}, "quantiles.0", "greater than or equal to 0.0001"),
        ({**GOOD, "unexpected": 1}, "unexpected", "not permitted"),
    ],
)
def test_invalid_bodies_are_422_naming_the_field(client, body, field_part, message_part):
    error = _error(client.post("/v1/predict", json=body), 422)
    assert error["code"] == "validation_error"
    assert error["field"] == field_part, error  # the field itself, not "body" (README audit)
    assert message_part in error["message"]


def test_malformed_json_is_422(client):
    r = client.post("/v1/predict", content=b'{"curves": {"GR": [1, 2', headers={"content-type": "application/json"})
    error = _error(r, 422)
    assert "not valid JSON" in error["message"] and "at character" in error["message"]
    assert error.get("field") is None  # pydantic's location is a character offset, not a field
    error = _error(client.post("/v1/predict", content=b"GR=1", headers={"content-type": "text/plain"}), 422)
    assert "not a JSON object; send Content-Type: application/json" in error["message"]


def test_non_object_body_is_422(client):
    _error(client.post("/v1/predict", json=[1, 2, 3]), 422)


def test_nan_depth_is_422_but_nan_samples_are_missing(client):
    raw = b'{"curves": {"GR": [NaN, Infinity]}, "depth": [1000.0, NaN]}'
    error = _error(client.post("/v1/predict", content=raw, headers={"content-type": "application/json"}), 422)
    assert error["field"].startswith("depth")
    # NaN/Infinity in curves pass validation (read as missing): the request then fails only on the model
    raw = b'{"curves": {"GR": [NaN, Infinity]}, "depth": [1000.0, 1000.5]}'
    error = _error(client.post("/v1/predict", content=raw, headers={"content-type": "application/json"}), 404)
    assert error["code"] == "model_not_found"


def test_unknown_model_is_404(client):
    error = _error(client.post("/v1/predict", json={**GOOD, "model": "nosuchmodel"}), 404)
    assert "nosuchmodel" in error["message"] and error["field"] == "model"
    error = _error(client.post("/v1/predict", json=GOOD), 404)  # the default model, which the field would name
    assert error["code"] == "model_not_found" and error["field"] == "model"
    error = _error(client.get("/v1/models/nosuchmodel"), 404)
    assert "nosuchmodel" in error["message"] and error["field"] == "name"  # the path parameter
    error = _error(client.post("/v1/models/reload", json={"model": "nosuchmodel"}), 404)
    assert error["field"] == "model"


def test_model_path_with_a_bad_version_says_how_to_list_versions(client):
    error = _error(client.get("/v1/models/default:latest"), 422)
    assert error["field"] == "name" and "/v1/models/default" in error["message"] and "NAME:vN" in error["message"]
    error = _error(client.get("/v1/models/nosuchmodel:v1"), 404)  # NAME:vN is accepted and looked up
    assert error["field"] == "name"


@pytest.mark.parametrize(
    ("query", "field", "message_part"),
    [
        ("alias=FOO=BAR", "alias", "'BAR' is not a canonical curve"),
        ("alias=FOO", "alias", "NAME=VALUE"),
        # the last one winning dropped a curve silently (API audit): the neutron, sending the well to the reduced model
        ("alias=ZDEN=RHOB&alias=CNC=RHOB", "alias", "two curves for RHOB"),
        ("alias=ZDEN=RHOB&alias=ZDEN=NPHI", "alias", "ZDEN given twice"),
        ("unit=GR", "unit", "NAME=VALUE"),
        ("unit=RHOB=furlongs", "unit", "'furlongs' of RHOB"),
    ],
)
def test_bad_upload_overrides_are_422_naming_the_query_parameter(client, query, field, message_part):
    """Malformed and unknown `alias`/`unit` query values follow one rule (422, like the JSON body's
    `aliases`/`units`), before any model or file is read."""
    error = _error(client.post(f"/v1/predict/las?{query}", files={"file": ("a.las", b"~V")}), 422)
    assert error["code"] == "invalid_request" and error["field"] == field and message_part in error["message"]


def test_too_many_samples_is_413(client):
    body = {"curves": {"GR": [50.0] * 51}}
    error = _error(client.post("/v1/predict", json={**body, "model": "x"}), 413)
    assert "WELLLOG_MAX_SAMPLES" in error["message"]


def test_body_over_the_upload_limit_is_413(client):
    files = {"file": ("big.las", b"~V\n" + b"x" * 5000)}
    for path in ("/v1/predict/las", "/v1/predict/las/download?format=las"):
        error = _error(client.post(path, files=files), 413)
        assert error["code"] == "payload_too_large" and error["field"] == "file"

    def chunks():  # no Content-Length: the limit is hit while streaming, answered the same way
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.las"\r\n\r\n'
        yield from (b"x" * 1000 for _ in range(6))

    r = client.post("/v1/predict/las", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
    assert _error(r, 413)["field"] == "file"


def test_gzip_inside_gzip_is_refused_naming_the_file(tmp_path):
    """The upload route inflated one layer under its limit, then the reader inflated the inner one up
    to the library's 1 GB: 177 bytes became 20 MB against a 1 MB limit (code review)."""
    import gzip

    twice = gzip.compress(gzip.compress(b"A" * (20 << 20), 9), 9)
    assert len(twice) < 1000
    app = create_app(settings=Settings(models_dir=tmp_path / "models", max_upload_bytes=1 << 20))
    with TestClient(app, raise_server_exceptions=False) as c:
        for path in ("/v1/predict/las", "/v1/predict/las/download?format=csv"):
            error = _error(c.post(path, files={"file": ("well.las.gz", twice)}), 422)
            assert error["code"] == "well_read" and error["field"] == "file", error
            assert "well.las.gz" in error["message"] and "gzipped twice" in error["message"]
        # once is fine: the reader gets the file inside (here it is no well: a 4xx about the content, not the gzip)
        once = c.post("/v1/predict/las", files={"file": ("well.las.gz", gzip.compress(b"~V\n"))})
        assert once.status_code < 500 and "gzipped" not in once.json()["error"]["message"]


def test_empty_upload_is_422_naming_the_file(client):
    error = _error(client.post("/v1/predict/las", files={"file": ("empty.las", b"")}), 422)
    assert error["code"] == "well_read" and error["field"] == "file" and "empty" in error["message"]


def test_two_files_in_one_upload_are_422_naming_both(client):
    """One well per request: a second file part used to be ignored without a word (API audit)."""
    files = [("file", ("a.las", b"~V\n")), ("file", ("b.las", b"~V\n"))]
    error = _error(client.post("/v1/predict/las", files=files), 422)
    assert error["field"] == "file" and "2 files in multipart field 'file' (a.las, b.las); send one well per request" in error["message"]


def test_upload_without_file_field_is_422(client):
    error = _error(client.post("/v1/predict/las", files={"other": ("a.las", b"abc")}), 422)
    assert error["field"] == "file"
    error = _error(client.post("/v1/predict/las", json={"file": "x"}), 422)
    assert "multipart/form-data" in error["message"]


def test_ready_is_503_without_a_model(client):
    error = _error(client.get("/ready"), 503)
    assert "welllog promote NAME:vN --to default" in error["message"]


def test_unknown_route_and_method_are_json(client):
    assert _error(client.get("/v2/nothing"), 404)["code"] == "not_found"
    assert _error(client.get("/v1/predict"), 405)["code"] == "method_not_allowed"
    r = client.get("/v1/models/reload")  # not "model 'reload' not found"
    assert _error(r, 405)["code"] == "method_not_allowed" and r.headers["allow"] == "POST"
    assert client.head("/health").status_code == 200  # probes that send HEAD
    error = _error(client.post("/v1/predict/las?fromat=csv", files={"file": ("a.las", b"~V")}), 422)
    assert error["field"] == "fromat" and "format" in error["message"]  # a misspelt parameter is no silent JSON answer
    # a body that is no JSON object is told the route's own shape
    error = _error(client.post("/v1/models/reload", content=b"[1]", headers={"Content-Type": "application/json"}), 422)
    assert '{"model": "NAME"}' in error["message"] and "curves" not in error["message"]


def test_request_id_is_honoured_or_generated(client):
    r = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "abc-123"
    r = client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert r.headers["x-request-id"] and r.headers["x-request-id"] != "bad id with spaces"
    error = _error(client.post("/v1/predict", json={}, headers={"X-Request-ID": "req-7"}), 422)
    assert error["request_id"] == "req-7"


def test_metrics_count_requests_by_route_and_status(client):
    client.get("/health")
    client.post("/v1/predict", json={})
    text = client.get("/metrics").text
    assert 'welllog_http_requests_total{method="GET",route="/health",status="200"}' in text
    assert 'welllog_http_requests_total{method="POST",route="/v1/predict",status="422"}' in text
    assert "welllog_http_request_duration_seconds_bucket" in text


def test_openapi_documents_examples_for_every_route(client):
    spec = client.get("/openapi.json").json()
    assert {"/health", "/ready", "/v1/models", "/v1/models/{name}", "/v1/models/reload", "/v1/predict",
            "/v1/predict/las", "/v1/predict/las/download", "/v1/explain", "/metrics"} <= set(spec["paths"])
    components = spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            ok = op["responses"]["200"]
            text = str(op) + "".join(str(components[ref.rsplit("/", 1)[-1]]) for ref in _refs(ok))
            assert "example" in text, f"{method.upper()} {path} has no example"
    upload = spec["paths"]["/v1/predict/las"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert components[upload["schema"]["$ref"].rsplit("/", 1)[-1]]["properties"]["file"]["format"] == "binary"


def test_every_error_code_the_api_can_answer_is_documented(client):
    """``error.code`` comes from exception class names (welllog.errors.error_code): a new or renamed
    user error must be added to the documented list. The schema says an open string (an enum made a
    generated client reject any code added after it was generated), listing the known codes."""
    import api.main  # noqa: F401  - every module whose errors the API answers
    from welllog.errors import WelllogError, error_code
    from welllog.ingest.source import InflatesTooFar

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    answered = {error_code(cls.__new__(cls)) for cls in subclasses(WelllogError)  # the library's and the API's own
                if cls.__module__.split(".")[0] in ("welllog", "api") and cls is not InflatesTooFar}  # that one -> 413 payload_too_large
    assert answered <= set(ERROR_CODES), answered - set(ERROR_CODES)
    spec = client.get("/openapi.json").json()["components"]["schemas"]["ErrorInfo"]
    assert "enum" not in spec["properties"]["code"]
    assert all(code in spec["properties"]["code"]["description"] for code in ERROR_CODES)
    assert set(spec["required"]) == {"code", "message", "field", "detail", "request_id"}


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_reload_with_a_misspelt_field_is_422_not_a_reload_of_everything(client):
    error = _error(client.post("/v1/models/reload", json={"name": "default"}), 422)
    assert error["field"] == "name" and "not permitted" in error["message"]
