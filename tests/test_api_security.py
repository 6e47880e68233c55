"""API key, CORS and configuration from the environment."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from welllog.errors import UsageError


@pytest.fixture()
def keyed(tmp_path):
    logging.getLogger("welllog").setLevel(logging.WARNING)
    settings = Settings(models_dir=tmp_path, api_key="s3cret", cors_origins=("https://app.example",))
    with TestClient(create_app(settings=settings)) as c:
        yield c


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/v1/models"), ("get", "/v1/models/default"), ("post", "/v1/models/reload"), ("post", "/v1/predict"),
     ("post", "/v1/predict/las"), ("post", "/v1/predict/las/download"), ("post", "/v1/explain")],
)
def test_every_v1_route_needs_the_key(keyed, method, path):
    for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}):
        r = getattr(keyed, method)(path, headers=headers)
        assert r.status_code == 401, (path, headers, r.text)
        assert r.json()["error"]["code"] == "unauthorized"
        assert "X-API-Key" in r.json()["error"]["message"]
    # before the body is read: a malformed or oversized body teaches a caller without the key nothing
    if method == "post":
        r = keyed.post(path, content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "ApiKey" and r.json()["error"]["request_id"]


def test_right_key_passes_and_probes_stay_open(keyed):
    assert keyed.get("/v1/models", headers={"X-API-Key": "s3cret"}).status_code == 200
    assert keyed.get("/health").status_code == 200
    assert keyed.get("/metrics").status_code == 200
    # with the key, the request reaches validation
    assert keyed.post("/v1/predict", json={}, headers={"X-API-Key": "s3cret"}).status_code == 422


def test_no_key_configured_means_open(tmp_path):
    with TestClient(create_app(settings=Settings(models_dir=tmp_path))) as c:
        assert c.get("/v1/models").status_code == 200


def test_cors_allows_only_configured_origins(keyed):
    ok = keyed.options("/v1/predict", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://app.example"
    bad = keyed.options("/v1/predict", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in bad.headers
    # a browser client without the key reads the 401 (CORS headers on it)
    denied = keyed.post("/v1/predict", json={}, headers={"Origin": "https://app.example"})
    assert denied.status_code == 401 and denied.headers["access-control-allow-origin"] == "https://app.example"


def test_settings_from_env(tmp_path):
    env = {
        "WELLLOG_MODELS_DIR": str(tmp_path),
        "WELLLOG_DEFAULT_MODEL": "prod:3",
        "WELLLOG_API_KEY": "k",
        "WELLLOG_CORS_ORIGINS": "https://a.example, https://b.example",
        "WELLLOG_MAX_UPLOAD_BYTES": "1000",
        "WELLLOG_MAX_SAMPLES": "10",
    }
    s = Settings.from_env(env)
    assert s.models_dir == tmp_path and s.default_model == "prod:3" and s.api_key == "k"
    assert s.cors_origins == ("https://a.example", "https://b.example")
    assert (s.max_upload_bytes, s.max_samples) == (1000, 10)
    assert Settings.from_env(env, models_dir=tmp_path / "x").models_dir == tmp_path / "x"
    with pytest.raises(UsageError, match="WELLLOG_MAX_SAMPLES"):
        Settings.from_env({**env, "WELLLOG_MAX_SAMPLES": "lots"})


def test_default_model_ref_must_be_a_name_not_a_path(tmp_path):
    with pytest.raises(UsageError, match="NAME"):
        create_app(settings=Settings(models_dir=tmp_path, default_model="../../etc"))


def test_model_path_parameter_cannot_traverse(tmp_path):
    with TestClient(create_app(settings=Settings(models_dir=tmp_path))) as c:
        for name in ("..", "a%2F..%2F..", "..%2Fetc"):
            r = c.get(f"/v1/models/{name}")
            assert r.status_code in (404, 422) and r.json()["error"]


def test_an_oversized_body_without_the_key_is_a_401_not_a_413(tmp_path):
    """The size limit answered before the key check: a caller without the key learnt the limit
    (README audit). Now 401 first; with the key, the 413 — and CORS headers on both."""
    logging.getLogger("welllog").setLevel(logging.WARNING)
    settings = Settings(models_dir=tmp_path, api_key="s3cret", cors_origins=("https://app.example",), max_upload_bytes=1000)
    big = {"file": ("w.las", b"x" * 5000, "text/plain")}
    origin = {"Origin": "https://app.example"}
    with TestClient(create_app(settings=settings)) as c:
        denied = c.post("/v1/predict/las", files=big, headers=origin)
        assert denied.status_code == 401 and denied.headers["access-control-allow-origin"] == "https://app.example"
        too_large = c.post("/v1/predict/las", files=big, headers={**origin, "X-API-Key": "s3cret"})
        assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "payload_too_large", too_large.text
        assert too_large.json()["error"]["request_id"] and too_large.headers["access-control-allow-origin"] == "https://app.example"
