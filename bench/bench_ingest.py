"""Ingest benchmark: lasio.read vs our read_raw (fast path) vs our read_well, per FORCE 2020 well.

Prints one table (best of N runs per well and reader, seconds) with the lasio/read_raw ratio, and
with ``--write`` replaces the "## Ingest (issue 2)" section of bench/RESULTS.md.

    .venv/bin/python bench/bench_ingest.py [--repeat 3] [--limit N] [--write]
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import lasio

from welllog.ingest import read_raw, read_well

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "force2020"
RESULTS = ROOT / "bench" / "RESULTS.md"
HEADING = "## Ingest (issue 2)"


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Minimum wall time over ``repeat`` runs: the least disturbed figure on a shared machine."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run(repeat: int, limit: int | None) -> list[tuple[str, int, float, float, float]]:
    logging.getLogger("lasio").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    files = sorted(DATA.glob("*.las"))[:limit]
    read_raw(files[0]), read_well(files[0])  # warm imports and caches outside the timings
    rows = []
    for path in files:
        t_lasio = best_of(lambda: lasio.read(str(path)), repeat)
        t_raw = best_of(lambda: read_raw(path), repeat)
        t_well = best_of(lambda: read_well(path), repeat)
        rows.append((path.stem, len(read_raw(path).frame), t_lasio, t_raw, t_well))
    return rows


def table(rows: list[tuple[str, int, float, float, float]]) -> str:
    lines = ["| well | rows | lasio.read s | read_raw s | speed-up | read_well s |", "|---|---:|---:|---:|---:|---:|"]
    for name, n, a, b, c in rows:
        lines.append(f"| {name} | {n} | {a:.3f} | {b:.3f} | {a / b:.1f}x | {c:.3f} |")
    ta, tb, tc = (sum(r[i] for r in rows) for i in (2, 3, 4))
    lines.append(f"| **total ({len(rows)} wells)** | {sum(r[1] for r in rows)} | {ta:.2f} | {tb:.2f} | {ta / tb:.1f}x | {tc:.2f} |")
    return "\n".join(lines)


def write_results(text: str, repeat: int) -> None:
    section = (
        f"{HEADING}\n\n`bench/bench_ingest.py` — FORCE 2020 wells, best of {repeat} runs each. Machine: 2 cores, "
        f"24 GB, shared with other engineers' work running concurrently (absolute times are noisy; the "
        f"ratio is the figure to read). `read_raw` = LAS fast path (header via lasio, ~A via numpy "
        f"`loadtxt`), values identical to `lasio.read`; `read_well` adds canonicalisation + QC.\n\n{text}\n"
    )
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _: section + "\n", old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(new)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="only the first N wells")
    parser.add_argument("--write", action="store_true", help=f"write the table into {RESULTS}")
    args = parser.parse_args()
    text = table(run(args.repeat, args.limit))
    print(text)
    if args.write:
        write_results(text, args.repeat)
        print(f"written to {os.path.relpath(RESULTS)}")


if __name__ == "__main__":
    main()
