"""The served /openapi.json is one a generated client can use (data-engineer audit: a client generated
with openapi-python-client 0.29.1 from it failed on downloads, on reload without a body, on HEAD-only
probes, and on any error code added after generation).

Checked on the served schema itself (``openapi-spec-validator`` is not in requirements.lock): stable
and unique operationIds, every ``$ref`` resolving, examples valid against their own schemas, and
the properties a generator reads. Real answers against these schemas: tests/test_api_predict.py.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import warnings

import jsonschema
import pytest
from fastapi.testclient import TestClient

from api import schemas
from api.main import create_app
from api.settings import Settings

#: operationId -> (method, path): the names of a generated client's functions
OPERATIONS = {
    "health": ("get", "/health"),
    "ready": ("get", "/ready"),
    "metrics": ("get", "/metrics"),
    "list_models": ("get", "/v1/models"),
    "get_model": ("get", "/v1/models/{name}"),
    "reload_models": ("post", "/v1/models/reload"),
    "predict": ("post", "/v1/predict"),
    "predict_file": ("post", "/v1/predict/las"),
    "predict_file_download": ("post", "/v1/predict/las/download"),
    "explain": ("post", "/v1/explain"),
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    logging.getLogger("welllog").setLevel(logging.WARNING)
    app = create_app(settings=Settings(models_dir=tmp_path_factory.mktemp("models")))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def spec(client) -> dict:
    return client.get("/openapi.json").json()


def operations(spec: dict):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def component_validator(spec: dict, name: str) -> jsonschema.Draft202012Validator:
    """A validator of component ``name`` (OpenAPI 3.1 schemas are JSON Schema 2020-12)."""
    return jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def refs(node) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


# -- operations ------------------------------------------------------------------------------
def test_operation_ids_are_the_handler_names_unique_and_get_only_for_probes(spec):
    found = {op["operationId"]: (method, path) for method, path, op in operations(spec)}
    assert found == OPERATIONS
    assert len(found) == sum(1 for _ in operations(spec))  # unique
    assert not [path for method, path, _ in operations(spec) if method == "head"]  # HEAD: not documented


def test_building_the_schema_gives_no_duplicate_operation_id_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FastAPI's "Duplicate Operation ID" is a UserWarning
        create_app(settings=Settings(models_dir=tmp_path)).openapi()


def test_schema_is_the_same_whatever_the_hash_seed():
    """HEAD and GET shared an operationId chosen by set order, so PYTHONHASHSEED changed the schema."""
    code = ("import json; from api.main import create_app; from api.settings import Settings; "
            "print(json.dumps(create_app(settings=Settings(models_dir='/nonexistent')).openapi(), sort_keys=True))")
    # seeds 1 and 3 gave the GET and the HEAD one their shared id (health_health_get, health_health_head)
    out = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "3")]
    assert out[0] == out[1] and json.loads(out[0])["paths"]


def test_head_probes_still_answer(client):
    assert client.head("/health").status_code == 200
    assert client.head("/ready").status_code == 503  # no model in this store
    assert client.get("/ready").json()["error"]["code"] == "model_not_ready"


def test_every_ref_resolves_and_every_200_says_what_it_is(spec):
    names = set(spec["components"]["schemas"])
    missing = {r for r in refs(spec) if r.rsplit("/", 1)[-1] not in names}
    assert not missing
    for method, path, op in operations(spec):
        assert op["responses"]["200"]["description"] != "Successful Response", (method, path)


def test_size_limit_and_server_errors_are_documented_on_every_route(spec):
    """The body-size limit (413) is the middleware's, on every route; 500 can happen anywhere."""
    for method, path, op in operations(spec):
        for status in ("413", "500"):
            assert op["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse"), \
                (method, path, status)


def test_status_texts_say_what_each_route_answers(spec):
    ready = spec["paths"]["/ready"]["get"]["responses"]["503"]
    assert "model_not_ready" in ready["description"] and "headers" not in ready
    predict = spec["paths"]["/v1/predict"]["post"]["responses"]
    # a missing default model is a 404 model_not_found on predict, not the 503 the text said ("no model loaded")
    assert "service_busy" in predict["503"]["description"] and "no model loaded" not in predict["503"]["description"]
    assert "Retry-After" in predict["503"]["headers"]
    assert "default model" in predict["404"]["description"]
    assert "413" in spec["paths"]["/v1/models/reload"]["post"]["responses"]
    assert "413" in spec["paths"]["/v1/models/{name}"]["get"]["responses"]


def test_metrics_is_documented_as_text(spec, client):
    content = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/plain"] and content["text/plain"]["schema"] == {"type": "string"}
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")


# -- uploads and downloads -------------------------------------------------------------------
def test_download_is_its_own_operation_answering_bytes(spec):
    op = spec["paths"]["/v1/predict/las/download"]["post"]
    fmt = next(p for p in op["parameters"] if p["name"] == "format")
    assert fmt["required"] is True and fmt["schema"]["$ref"] == "#/components/schemas/DownloadFormat"
    assert spec["components"]["schemas"]["DownloadFormat"]["enum"] == ["las", "csv"]
    content = op["responses"]["200"]["content"]
    # generators read the first media type: bytes, not JSON (the JSON route's client parsed a CSV as JSON)
    assert next(iter(content)) == "application/octet-stream"
    assert {"text/plain", "text/csv"} <= set(content)
    assert all(c["schema"] == {"type": "string", "format": "binary"} for c in content.values())
    assert "Content-Disposition" in op["responses"]["200"]["headers"]


def test_the_json_upload_keeps_format_but_deprecated(spec):
    op = spec["paths"]["/v1/predict/las"]["post"]
    fmt = next(p for p in op["parameters"] if p["name"] == "format")
    assert fmt["deprecated"] is True and fmt["required"] is False
    assert fmt["schema"]["$ref"] == "#/components/schemas/UploadFormat"
    assert spec["components"]["schemas"]["UploadFormat"]["enum"] == ["json", "las", "csv"]
    assert "/v1/predict/las/download" in fmt["description"]
    content = op["responses"]["200"]["content"]
    assert next(iter(content)) == "application/json"  # what a generated client reads
    assert content["application/json"]["schema"]["$ref"].endswith("/PredictResponse")


def test_both_upload_routes_share_the_named_multipart_body(spec):
    for path in ("/v1/predict/las", "/v1/predict/las/download"):
        body = spec["paths"][path]["post"]["requestBody"]
        assert body["required"] is True
        assert body["content"]["multipart/form-data"]["schema"] == {"$ref": "#/components/schemas/WellUpload"}
    upload = spec["components"]["schemas"]["WellUpload"]
    assert upload["required"] == ["file"] and upload["properties"]["file"]["format"] == "binary"


def test_download_errors_are_json_naming_the_field(client):
    r = client.post("/v1/predict/las/download", files={"file": ("x.las", b"~V")})
    assert r.status_code == 422 and r.json()["error"]["field"] == "format"
    r = client.post("/v1/predict/las/download?format=xml", files={"file": ("x.las", b"~V")})
    assert r.status_code == 422 and r.json()["error"]["field"] == "format"
    r = client.post("/v1/predict/las/download?format=csv&fromat=las", files={"file": ("x.las", b"~V")})
    assert r.status_code == 422 and r.json()["error"]["field"] == "fromat"
    r = client.post("/v1/predict/las/download?format=csv", files={"file": ("x.las", b"")})
    assert r.status_code == 422 and r.json()["error"]["field"] == "file"


# -- reload ----------------------------------------------------------------------------------
def test_reload_body_is_optional_and_a_plain_ref(spec, client):
    body = spec["paths"]["/v1/models/reload"]["post"]["requestBody"]
    assert body.get("required", False) is False
    media = body["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/ReloadRequest"}  # not anyOf[ReloadRequest, null]
    for example in media["examples"].values():
        assert not list(component_validator(spec, "ReloadRequest").iter_errors(example["value"]))
    # behaviour unchanged: no body reloads everything (here: the missing default is listed in `failed`)
    r = client.post("/v1/models/reload")
    assert r.status_code == 200 and r.json()["failed"][0]["code"] == "model_not_found"
    assert client.post("/v1/models/reload", json={}).status_code == 200
    assert client.post("/v1/models/reload", json={"model": "nope"}).status_code == 404


# -- schemas ---------------------------------------------------------------------------------
def test_error_code_is_an_open_string_listing_the_known_codes(spec):
    """A closed enum made every code added later unreadable by an older generated client."""
    for name in ("ErrorInfo", "ReloadFailure"):
        code = spec["components"]["schemas"][name]["properties"]["code"]
        assert code["type"] == "string" and "enum" not in code, name
        assert all(c in code["description"] for c in schemas.ERROR_CODES), name
        assert set(code["examples"]) <= set(schemas.ERROR_CODES)
    assert not list(component_validator(spec, "ErrorInfo").iter_errors(
        {"code": "a_code_added_next_year", "message": "m", "field": None, "detail": None, "request_id": None}))


def test_fields_a_pipeline_reads_are_declared(spec):
    comps = spec["components"]["schemas"]
    assert {"version", "ref", "inputs", "required_curves", "created_at"} <= set(comps["ModelSummary"]["properties"])
    assert comps["ModelVersions"]["properties"]["versions"]["items"] == {"$ref": "#/components/schemas/ModelVersionInfo"}
    assert {"version", "ref", "family", "targets", "inputs", "required_curves", "created_at", "promoted_from", "trained_as",
            "metrics"} <= set(comps["ModelVersionInfo"]["properties"])
    predict = comps["PredictResponse"]["properties"]
    assert predict["curves"]["items"] == {"$ref": "#/components/schemas/CurveInfo"}
    assert predict["provenance"]["items"] == {"$ref": "#/components/schemas/ProvenanceStep"}
    assert {"canonical", "source", "source_unit", "unit", "conversion", "reason"} == set(comps["CurveInfo"]["properties"])
    assert {"step", "curve", "message"} == set(comps["ProvenanceStep"]["properties"])
    explain = comps["ExplainResponse"]["properties"]
    assert explain["parameter"]["enum"] == ["mean", "scale"]
    assert ["main", "reduced-input"] in [alt.get("enum") for alt in explain["explained_model"]["anyOf"]]
    assert {"$ref": "#/components/schemas/ServedInfo"} in explain["served"]["anyOf"]
    # the server's metadata may grow: items from the library stay open, so a new key is no client error
    for name in ("ModelSummary", "ModelVersionInfo", "CurveInfo", "ProvenanceStep", "ExplainResponse", "ServedInfo"):
        assert comps[name].get("additionalProperties") is True, name


def test_response_properties_are_described(spec):
    comps = spec["components"]["schemas"]
    for name in ("ModelSummary", "ModelVersionInfo", "ModelList", "PredictResponse", "TargetPrediction", "CurveInfo",
                 "ProvenanceStep", "ExplainResponse", "ServedInfo", "ErrorInfo", "Ready", "ReloadedModel"):
        undescribed = [p for p, s in comps[name]["properties"].items() if "description" not in s and p != "status"]
        assert not undescribed, (name, undescribed)


def test_every_example_is_valid_against_its_own_schema(spec):
    """ErrorResponse's example lacked the required request_id, ExplainResponse's well and grouped."""
    checked = 0
    for name, schema in spec["components"]["schemas"].items():
        examples = ([schema["example"]] if "example" in schema else []) + list(schema.get("examples", []))
        model = getattr(schemas, name, None)
        for example in examples:
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in component_validator(spec, name).iter_errors(example)]
            assert not errors, (name, errors)
            if isinstance(model, type) and hasattr(model, "model_validate"):
                model.model_validate(example)  # the pydantic model agrees
            checked += 1
    for method, path, op in operations(spec):  # request-body examples of each operation
        for media in op.get("requestBody", {}).get("content", {}).values():
            ref = media.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
            for example in (media.get("examples") or {}).values():
                errors = list(component_validator(spec, ref).iter_errors(example["value"])) if ref else []
                assert not errors, (method, path, [e.message for e in errors])
                checked += 1
    assert checked >= 10


def test_quantile_limits_come_from_one_place(spec):
    from welllog.models.base import DEFAULT_QUANTILES

    from api import convert

    assert tuple(convert.BASE_QUANTILES) == tuple(DEFAULT_QUANTILES)
    assert not hasattr(Settings(), "max_quantiles")  # a setting nothing read
    quantiles = spec["components"]["schemas"]["PredictRequest"]["properties"]["quantiles"]["anyOf"][0]
    assert quantiles["maxItems"] == schemas.MAX_QUANTILES
