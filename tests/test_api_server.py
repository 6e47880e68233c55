"""A real `welllog serve` process (uvicorn on a random loopback port): smoke test + bad input.

Catches what the in-process TestClient cannot: the CLI wiring, uvicorn's own HTTP parsing of
broken requests, the lifespan under a real server, JSON logs with request ids.
"""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from tests.test_api_support import BLIND_WELL, Server, trained_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(force2020_dir):
    srv = Server(trained_store(force2020_dir))
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


def test_smoke_predict_and_upload(server, force2020_dir):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        assert c.get("/health").json()["status"] == "ok"
        body = {"curves": {"GR": [80.0, 90.0, 100.0], "RDEP": [1.5, 2.0, 2.5], "RMED": [1.4, 1.9, 2.4],
                           "RHOB": [2.3, 2.35, 2.4], "NPHI": [0.3, 0.28, 0.25]}, "depth": [2000.0, 2000.15, 2000.3]}
        r = c.post("/v1/predict", json=body, headers={"X-Request-ID": "smoke-1"})
        assert r.status_code == 200 and r.headers["x-request-id"] == "smoke-1"
        assert all(v is not None and 40 < v < 240 for v in r.json()["targets"]["DTC"]["mean"])
        las = (force2020_dir / BLIND_WELL).read_bytes()
        r = c.post("/v1/predict/las", params={"format": "las"}, files={"file": (BLIND_WELL, las)})
        assert r.status_code == 200 and "DTC_MEAN" in r.text
        assert 'route="/v1/predict"' in c.get("/metrics").text


BAD_REQUESTS = [
    ("POST", "/v1/predict", {"content": b"{not json", "headers": {"content-type": "application/json"}}, 422),
    ("POST", "/v1/predict", {"content": b"", "headers": {"content-type": "application/json"}}, 422),
    ("POST", "/v1/predict", {"content": b"\xff\xfe\x00garbage", "headers": {"content-type": "application/json"}}, 422),
    ("POST", "/v1/predict", {"json": {"curves": {"GR": [1, 2], "RHOB": [2.3]}}}, 422),
    ("POST", "/v1/predict", {"json": {"curves": {"GR": [None, None]}}}, 422),
    ("POST", "/v1/predict", {"json": {"curves": {"GR": [1.0]}, "model": "nope"}}, 404),
    ("POST", "/v1/predict", {"json": {"curves": {"GR": [True, {"a": 1}]}}}, 422),
    ("POST", "/v1/predict", {"content": b'{"curves": {"GR": [1e999]}}', "headers": {"content-type": "application/json"}}, 422),
    ("POST", "/v1/predict/las", {"files": {"file": ("x.las", b"\x00\x01binary")}}, 422),
    ("POST", "/v1/predict/las", {"content": b"--b\r\nbroken", "headers": {"content-type": "multipart/form-data; boundary=b"}}, 422),
    ("POST", "/v1/predict/las?model=..%2Fx", {"files": {"file": ("x.las", b"~V")}}, 422),
    ("POST", "/v1/predict/las?format=xml", {"files": {"file": ("x.las", b"~V")}}, 422),
    ("POST", "/v1/explain", {"json": {"curves": {"GR": [1.0]}, "depth_range": [10, 5]}}, 422),
    ("GET", "/v1/models/a..b", {}, 404),
    ("DELETE", "/v1/predict", {}, 405),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), BAD_REQUESTS)
def test_bad_input_is_4xx_json(server, method, path, kwargs, status):
    r = httpx.request(method, server.url + path, timeout=30, **kwargs)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] and error["message"] and error["request_id"] == r.headers["x-request-id"]


def test_garbage_http_does_not_kill_the_server(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"NOT-HTTP \x00\x01\r\n\r\n")
        s.recv(1024)
    assert httpx.get(server.url + "/health", timeout=5).status_code == 200


def test_logs_are_json_with_request_ids(server):
    httpx.get(server.url + "/health", headers={"X-Request-ID": "log-check-42"}, timeout=5)
    # the access line is written once the response has gone out: on a busy machine it can land a
    # moment after the client has its answer (a clean-clone run under load caught exactly that)
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
        if any(rec.get("request_id") == "log-check-42" for rec in lines) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert any(rec.get("request_id") == "log-check-42" and rec.get("status") == 200 for rec in lines)


def test_reload_under_load_never_fails_a_request(force2020_dir, tmp_path):
    """Requests in flight while a new version is saved and reloaded all succeed (atomic swap)."""
    from concurrent.futures import ThreadPoolExecutor

    from welllog.store import ModelStore

    from tests.test_api_support import copy_store, train

    models = copy_store(trained_store(force2020_dir), tmp_path / "models")
    srv = Server(models)
    body = {"curves": {"GR": [80.0] * 50, "RDEP": [2.0] * 50, "RMED": [1.9] * 50}}
    try:
        srv.wait_ready()

        def hammer(_: int) -> list[tuple[int, str]]:
            out = []
            with httpx.Client(base_url=srv.url, timeout=60) as c:
                for _ in range(15):
                    r = c.post("/v1/predict", json=body)
                    out.append((r.status_code, r.json().get("model", {}).get("version")))
            return out

        with ThreadPoolExecutor(3) as pool:
            futures = [pool.submit(hammer, i) for i in range(3)]
            ModelStore(models).save(train("lightgbm", force2020_dir, targets=("DTC",)), "default")
            reload = httpx.post(srv.url + "/v1/models/reload", timeout=60)
            results = [item for f in futures for item in f.result()]
        assert reload.status_code == 200 and reload.json()["reloaded"][0]["version"] == "v2"
        assert all(status == 200 for status, _ in results), results
        assert httpx.get(srv.url + "/ready", timeout=5).json()["version"] == "v2"
        assert {v for _, v in results} <= {"v1", "v2"}
    finally:
        srv.stop()


def test_promoted_version_is_served_after_reload(force2020_dir, tmp_path):
    """The modeller's flow on a real server: train a candidate, `welllog promote` it, reload, the API serves it."""
    import subprocess
    import sys

    from welllog.store import ModelStore

    from tests.test_api_support import copy_store, train

    models = copy_store(trained_store(force2020_dir), tmp_path / "models")
    ModelStore(models).save(train("lightgbm", force2020_dir, targets=("DTC",)), "candidate")
    body = {"curves": {"GR": [80.0] * 50, "RDEP": [2.0] * 50, "RMED": [1.9] * 50}}

    def promote(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "welllog.cli.main", "promote", *args, "--models-dir", str(models)],
                              capture_output=True, text=True, timeout=120)

    srv = Server(models)
    try:
        srv.wait_ready()
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            before = c.post("/v1/predict", json=body).json()
            assert before["model"]["version"] == "v1" and set(before["targets"]) == {"DTC", "DTS"}
            r = promote("candidate:v1")
            assert r.returncode == 0 and "candidate:v1 -> default:v2" in r.stdout, r.stderr
            assert c.post("/v1/predict", json=body).json()["model"]["version"] == "v1"  # nothing changes until reload
            assert c.post("/v1/models/reload").json()["reloaded"][0]["version"] == "v2"
            after = c.post("/v1/predict", json=body).json()
            assert after["model"]["version"] == "v2" and set(after["targets"]) == {"DTC"}  # the candidate's targets
            listed = {m["name"]: m for m in c.get("/v1/models").json()["models"]}["default"]
            assert listed["promoted_from"] == "candidate:v1" and listed["versions"] == ["v1", "v2"]
            assert promote("default:v1").returncode == 0  # roll back
            assert c.post("/v1/models/reload").json()["reloaded"][0]["version"] == "v3"
            assert set(c.post("/v1/predict", json=body).json()["targets"]) == {"DTC", "DTS"}
    finally:
        srv.stop()


def test_dashboard_client_sends_the_api_key_the_server_requires(force2020_dir, monkeypatch):
    """compose passes one WELLLOG_API_KEY to the API and the dashboard: the dashboard's client sends it
    (without it every /v1 call answered 401 and the dashboard showed nothing — README audit)."""
    from dashboard.client import make_client
    from welllog.errors import WelllogError
    from welllog.ingest import read_well

    srv = Server(trained_store(force2020_dir), env={"WELLLOG_API_KEY": "s3cret"})
    try:
        srv.wait_ready()
        monkeypatch.setenv("WELLLOG_API_URL", srv.url)
        monkeypatch.delenv("WELLLOG_API_KEY", raising=False)
        with pytest.raises(WelllogError, match="answered 401"):
            make_client().list_models()
        monkeypatch.setenv("WELLLOG_API_KEY", "s3cret")
        client = make_client()
        names = [m["name"] for m in client.list_models()]
        assert "default" in names
        pred = client.predict("default", read_well(force2020_dir / BLIND_WELL))
        assert pred["DTC_MEAN"].notna().mean() > 0.5
    finally:
        srv.stop()


def test_busy_server_pushes_back_and_still_answers_its_probes(force2020_dir):
    """Beyond WELLLOG_MAX_IN_FLIGHT requests doing model work, a request is answered at once with 503
    + Retry-After (JSON) instead of queueing; /health and /ready answer quickly meanwhile (they run
    on the event loop, not behind the predictions); nothing is a 500."""
    from concurrent.futures import ThreadPoolExecutor

    well = (force2020_dir / BLIND_WELL).read_bytes()
    srv = Server(trained_store(force2020_dir), env={"WELLLOG_MAX_IN_FLIGHT": "2"})
    try:
        srv.wait_ready()

        def upload(_: int) -> httpx.Response:
            return httpx.post(srv.url + "/v1/predict/las", files={"file": ("w.las", well)}, timeout=120)

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(upload, i) for i in range(8)]
            time.sleep(1.0)
            probes = []
            for path in ("/health", "/ready"):
                t = time.perf_counter()
                r = httpx.get(srv.url + path, timeout=10)
                probes.append((r.status_code, time.perf_counter() - t))
            answers = [f.result() for f in futures]
        codes = sorted(r.status_code for r in answers)
        assert set(codes) == {200, 503} and codes.count(200) >= 2, codes
        busy = next(r for r in answers if r.status_code == 503)
        assert busy.headers["Retry-After"] == "5" and busy.json()["error"]["code"] == "service_busy"
        assert "WELLLOG_MAX_IN_FLIGHT=2" in busy.json()["error"]["message"]
        assert all(status == 200 and seconds < 1.0 for status, seconds in probes), probes
    finally:
        srv.stop()


def test_a_gzip_upload_is_held_to_the_upload_limit_inflated(force2020_dir):
    """A tiny gzipped upload that inflates past WELLLOG_MAX_UPLOAD_BYTES is a 413 naming the file
    field, read no further than the limit (a 1 MB upload took 126 s and 2 GB of memory before)."""
    import gzip

    bomb = gzip.compress(b"0" * (64 << 20), compresslevel=9)  # 64 MB of zeros in ~64 kB
    well = gzip.compress((force2020_dir / BLIND_WELL).read_bytes())
    srv = Server(trained_store(force2020_dir), env={"WELLLOG_MAX_UPLOAD_BYTES": str(8 << 20)})
    try:
        srv.wait_ready()
        t = time.perf_counter()
        r = httpx.post(srv.url + "/v1/predict/las", files={"file": ("bomb.las.gz", bomb)}, timeout=60)
        assert r.status_code == 413 and r.json()["error"]["field"] == "file" and time.perf_counter() - t < 10
        assert "inflated file too" in r.json()["error"]["message"]
        ok = httpx.post(srv.url + "/v1/predict/las", files={"file": ("w.las.gz", well)}, timeout=120)
        assert ok.status_code == 200, ok.text
    finally:
        srv.stop()
