"""Run the benchmarks: ``python bench/run.py [WORKLOAD ...] [--quick] [--blas-threads N]``.

Prints the thread settings, then one line per workload:
``<workload>: ours=<s> baseline=<s> speedup=<x> peak_mb=<m>`` (times are medians of 3 runs).
Each workload checks that ours and the baseline give the same numbers before timing counts.
Both run with the same BLAS thread count (default 1, the setting that varies least from
run to run on a shared machine).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.crosssection.engines import LocalEngine
from bench import workloads
from bench.harness import Workload, format_line, measure, pin_blas, thread_settings


def all_workloads() -> dict[str, Callable[[bool], Workload]]:
    found: dict[str, Callable[[bool], Workload]] = {}
    for info in pkgutil.iter_modules(workloads.__path__):
        module = importlib.import_module(f"bench.workloads.{info.name}")
        found.update(getattr(module, "WORKLOADS", {}))
    return found


def main() -> int:
    known = all_workloads()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"workloads to run (default all: {', '.join(known)})")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the scripts run")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        metavar="N",
        help="BLAS threads for ours and the baseline alike (default 1)",
    )
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in known]
    if unknown:
        parser.error(f"unknown workload {unknown[0]!r}; choose from {', '.join(known)}")
    # Child processes (bench workloads that measure a process's memory) inherit the same pin,
    # and a home of their own: nothing the bench loads lands in the user's store or logs.
    os.environ["FACTORDESK_BENCH_BLAS_THREADS"] = str(args.blas_threads)
    os.environ["FACTORDESK_HOME"] = home = tempfile.mkdtemp(prefix="factordesk-bench-home-")
    try:
        run(args.names or list(known), known, args)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


def run(names: list[str], known: dict[str, Callable[[bool], Workload]], args: argparse.Namespace) -> None:
    """Print the thread settings, then each workload's line."""
    with pin_blas(args.blas_threads):
        print(
            f"threads: {thread_settings()} for ours and the baseline; {os.cpu_count()} cores, load "
            f"{os.getloadavg()[0]:.1f}; the cross-sections' local engine would pick {LocalEngine().threads} "
            "thread(s) now (crosssection_fm runs on 1, and on 2 in its second line)",
            flush=True,
        )
        for name in names:
            print(format_line(measure(name, known[name](args.quick))), flush=True)


if __name__ == "__main__":
    sys.exit(main())
