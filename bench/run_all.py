"""Run every benchmark in sequence (``make bench``), one process each so none warms another's caches.

Each script prints its own table and records its figures in bench/RESULTS.md. The machine matters:
run on a quiet machine, and say which one (these figures: 2 cores, 24 GB).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: script -> extra arguments for a full run, and for --quick
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "bench_ingest.py": (["--repeat", "3", "--write"], ["--repeat", "1"]),
    "bench_curves.py": ([], []),
    "bench_models.py": ([], []),
    "bench_accuracy.py": ([], ["--quick"]),
    "bench_tie.py": ([], ["--quick"]),
    "bench_explain.py": ([], ["--families", "ngboost,lightgbm"]),
    "bench_api.py": ([], ["--json-requests", "50", "--las-requests", "3", "--duration", "10"]),
    "bench_dashboard.py": ([], []),
    "bench_batch.py": (["--wells", "1000"], ["--wells", "50"]),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs, to check the scripts work")
    parser.add_argument("only", nargs="*", help="run only these scripts (e.g. bench_ingest.py)")
    args = parser.parse_args()
    failed = []
    for script, (full, quick) in BENCHMARKS.items():
        if args.only and script not in args.only:
            continue
        cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        print(f"\n=== {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        if subprocess.call(cmd) != 0:
            failed.append(script)
        print(f"=== {script}: {time.perf_counter() - start:.0f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
