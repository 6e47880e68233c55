"""REST API benchmark against a real `welllog serve` (uvicorn) on loopback.

Measures what a client sees end to end (HTTP, JSON, canonicalisation, QC, prediction):

1. latency of 1,000-sample JSON predictions (sequential; target p50 < 50 ms),
2. a 15,000-sample LAS upload answered with the LAS + prediction columns (target < 1 s),
3. throughput with 8 concurrent async clients for 60 s (target: zero errors).

    .venv/bin/python bench/bench_api.py [--models-dir models] [--model default] [--duration 60]

Inputs are synthetic demo wells (``welllog.demo``) so the benchmark runs on a fresh machine; the
model is whatever the store serves as ``--model`` (``make prepare`` trains the NGBoost default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ("CALI", "NPHI", "GR", "RDEP", "RMED", "PEF", "RHOB")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def demo_well(tmp: Path, n_samples: int) -> Path:
    from welllog.demo import generate_demo_wells

    return generate_demo_wells(tmp, n_wells=1, seed=7, n_samples=n_samples)[0]


def json_body(las_path: Path, n: int, model: str) -> dict:
    from welllog.ingest import read_well

    well = read_well(las_path)
    start = len(well.data) // 3
    part = well.data.iloc[start : start + n]
    curves = {c: [None if not np.isfinite(v) else float(v) for v in part[c]] for c in INPUTS if c in part}
    return {"model": model, "curves": curves, "depth": part.index.tolist()}


def start_server(models_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "WELLLOG_LOG_FORMAT": "json"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "welllog.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--models-dir", str(models_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}; is there a model in {models_dir}?")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("server not ready after 90 s")


def bench_json(client: httpx.Client, body: dict, n: int) -> list[float]:
    for _ in range(5):  # warm-up
        r = client.post("/v1/predict", json=body)
        if r.status_code != 200:
            raise SystemExit(f"predict failed: {r.status_code} {r.text[:500]}")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = client.post("/v1/predict", json=body)
        times.append(time.perf_counter() - t0)
        r.raise_for_status()
    return times


def bench_upload(client: httpx.Client, las: bytes, name: str, model: str, n: int) -> list[float]:
    times = []
    for i in range(n + 1):
        t0 = time.perf_counter()
        r = client.post("/v1/predict/las", params={"model": model, "format": "las"}, files={"file": (name, las)})
        elapsed = time.perf_counter() - t0
        r.raise_for_status()
        assert "DTC_MEAN" in r.text
        if i:  # first one is warm-up
            times.append(elapsed)
    return times


async def bench_concurrent(url: str, body: dict, clients: int, duration: float) -> tuple[int, int, list[float]]:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + duration

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                r = await client.post("/v1/predict", json=body)
                if r.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - t0)

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    return len(latencies), errors, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=Path(os.environ.get("WELLLOG_MODELS_DIR", ROOT / "models")))
    parser.add_argument("--model", default="default")
    parser.add_argument("--json-samples", type=int, default=1000)
    parser.add_argument("--json-requests", type=int, default=200)
    parser.add_argument("--las-samples", type=int, default=15000)
    parser.add_argument("--las-requests", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=60.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        las_path = demo_well(Path(tmp), args.las_samples)
        las = las_path.read_bytes()
        body = json_body(las_path, args.json_samples, args.model)
        port = free_port()
        proc = start_server(args.models_dir, port)
        url = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=url, timeout=60) as client:
                family = client.get("/v1/models").json()
                info = next((m for m in family["models"] if m["name"] == args.model.split(":")[0]), {})
                json_times = bench_json(client, body, args.json_requests)
                las_times = bench_upload(client, las, las_path.name, args.model, args.las_requests)
            count, errors, loaded = asyncio.run(bench_concurrent(url, body, args.clients, args.duration))
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    ms = 1000.0
    rows = [
        ("JSON predict, %d samples: p50" % len(body["depth"]), f"{percentile(json_times, 50) * ms:.1f} ms", "< 50 ms"),
        ("JSON predict, %d samples: p99" % len(body["depth"]), f"{percentile(json_times, 99) * ms:.1f} ms", ""),
        (f"LAS upload, {args.las_samples} samples -> LAS: median",
         f"{statistics.median(las_times) * ms:.0f} ms", "< 1000 ms"),
        (f"LAS upload, {args.las_samples} samples -> LAS: max", f"{max(las_times) * ms:.0f} ms", ""),
        (f"{args.clients} concurrent clients, {args.duration:.0f} s: throughput",
         f"{count / args.duration:.1f} req/s ({count} requests)", ""),
        (f"{args.clients} concurrent clients: p50 / p99",
         f"{percentile(loaded, 50) * ms:.0f} / {percentile(loaded, 99) * ms:.0f} ms", ""),
        (f"{args.clients} concurrent clients: errors", str(errors), "0"),
    ]
    print(f"welllog REST API benchmark - model {args.model} ({info.get('family')}, {info.get('version')}), "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print()
    print("| measure | result | target |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
