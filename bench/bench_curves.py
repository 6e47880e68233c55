"""Benchmark: canonicalisation + QC (welllog.curves.canonicalise, welllog.qc) on the real wells.

Prints one row per data set: wells, samples, time to parse (read_raw, the ingest engineer's part,
shown for scale), time to canonicalise + QC, and samples per second for canonicalise + QC.
Run: .venv/bin/python bench/bench_curves.py
"""

from __future__ import annotations

import time
from pathlib import Path

from welllog.curves import canonicalise
from welllog.demo import generate_demo_wells
from welllog.ingest import read_raw

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def bench(name: str, paths: list[Path]) -> tuple[str, int, int, float, float]:
    raws, t0 = [], time.perf_counter()
    for p in paths:
        raws.append(read_raw(p))
    t_read = time.perf_counter() - t0
    samples, t0 = 0, time.perf_counter()
    for raw in raws:
        samples += len(canonicalise(raw).data)
    t_canon = time.perf_counter() - t0
    return name, len(paths), samples, t_read, t_canon


def main() -> None:
    import tempfile

    rows = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        demo = generate_demo_wells(tmp, n_wells=4, seed=0)
        t_demo = time.perf_counter() - t0
        rows.append(bench("demo (4 wells, seed 0)", demo))
    rows.append(bench("force2020 (22 LAS)", sorted((SHARED / "force2020").glob("*.las"))))
    rows.append(bench("spwla2020 train.csv", [SHARED / "spwla2020" / "train.csv"]))
    rows.append(bench("spwla2020 test.csv", [SHARED / "spwla2020" / "test.csv"]))
    print(f"generate_demo_wells(4 wells): {t_demo:.2f} s")
    print("| data | wells | samples | read_raw s | canonicalise+QC s | samples/s (canon+QC) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, n, samples, t_read, t_canon in rows:
        print(f"| {name} | {n} | {samples} | {t_read:.2f} | {t_canon:.2f} | {samples / t_canon:,.0f} |")


if __name__ == "__main__":
    main()
