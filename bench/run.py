"""Run the benchmarks: ``python bench/run.py [WORKLOAD ...] [--quick]``.

Prints one line per workload: ``<workload>: ours=<s> baseline=<s> speedup=<x> peak_mb=<m>``.
Each workload checks that ours and the baseline give the same numbers before timing counts.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import workloads  # noqa: E402
from bench.harness import format_line, measure  # noqa: E402


def all_workloads() -> dict:
    found = {}
    for info in pkgutil.iter_modules(workloads.__path__):
        module = importlib.import_module(f"bench.workloads.{info.name}")
        found.update(getattr(module, "WORKLOADS", {}))
    return found


def main() -> int:
    known = all_workloads()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"workloads to run (default all: {', '.join(known)})")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the scripts run")
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in known]
    if unknown:
        parser.error(f"unknown workload {unknown[0]!r}; choose from {', '.join(known)}")
    for name in args.names or known:
        print(format_line(measure(name, known[name](args.quick))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
