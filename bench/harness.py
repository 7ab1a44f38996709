"""Time a workload against its baseline on the same data, and check they agree.

A :class:`Workload` holds our function, the baseline (the plain statsmodels / pandas /
linearmodels way) and a check that both give the same numbers. When the baseline is too
slow to run in full it runs on a sample and ``baseline_scale`` scales its time up (the
printed line says so). Peak memory is the tracemalloc peak of one run of ours (numpy
reports its buffers to tracemalloc), in MB.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Workload", "measure", "format_line"]


@dataclass(frozen=True)
class Workload:
    ours: Callable[[], Any]
    baseline: Callable[[], Any]
    check: Callable[[Any, Any], None]
    baseline_scale: float = 1.0
    repeats: int = 3
    description: str = ""


@dataclass(frozen=True)
class Measurement:
    name: str
    ours: float
    baseline: float
    peak_mb: float
    note: str

    @property
    def speedup(self) -> float:
        return self.baseline / self.ours


def _best_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure(name: str, workload: Workload) -> Measurement:
    """Best-of-N time of ours, one baseline run (scaled), the agreement check, the peak."""
    ours_t, ours_result = _best_time(workload.ours, workload.repeats)
    base_t, base_result = _best_time(workload.baseline, 1)
    workload.check(ours_result, base_result)
    del ours_result
    gc.collect()
    tracemalloc.start()
    workload.ours()
    peak = tracemalloc.get_traced_memory()[1] / 1024**2
    tracemalloc.stop()
    note = f"baseline timed on a sample, scaled x{workload.baseline_scale:g}" if workload.baseline_scale != 1 else ""
    return Measurement(name, ours_t, base_t * workload.baseline_scale, peak, note)


def format_line(m: Measurement) -> str:
    line = f"{m.name}: ours={m.ours:.3f} baseline={m.baseline:.3f} speedup={m.speedup:.1f}x peak_mb={m.peak_mb:.0f}"
    return line + (f"  ({m.note})" if m.note else "")
