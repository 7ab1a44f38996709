"""Time a workload against its baseline on the same data, and check they agree.

A :class:`Workload` holds our function, the baseline (the plain statsmodels / pandas /
linearmodels way) and a check that both give the same numbers. Each side runs ``repeats``
times and the median counts: one slow run (another process on the machine) does not decide
the ratio. When the baseline is too slow to run in full it runs on a sample and
``baseline_scale`` scales its time up (the printed line says so).

Both sides run with the same BLAS thread count (:func:`pin_blas`): OpenBLAS otherwise picks
its threads per call and per run, which made the same baseline take 3.6 s in one run and
13.9 s in another. Our own engine's threads are its own setting, printed with the results.

Peak memory: ``peak_mb`` is the tracemalloc peak of one run of ours (numpy reports its
buffers to tracemalloc): what ours allocates on top of its input. Workloads that run in a
child process report that process's peak resident set size instead (``peak_rss_mb``).
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Measurement", "Workload", "format_line", "measure", "median_time", "pin_blas", "thread_settings"]


@dataclass(frozen=True)
class Workload:
    ours: Callable[[], Any]
    baseline: Callable[[], Any]
    check: Callable[[Any, Any], None]
    baseline_scale: float = 1.0
    repeats: int = 3
    description: str = ""
    #: Other ways of running ours (``"1 thread"``): timed the same way, printed with their speedup.
    variants: dict[str, Callable[[], Any]] = field(default_factory=dict)
    #: Measures the whole workload itself (child processes): returns a :class:`Measurement`.
    custom: Callable[[], Measurement] | None = None


@dataclass(frozen=True)
class Measurement:
    name: str
    ours: float
    baseline: float
    peak_mb: float
    note: str = ""
    peak_kind: str = "peak_mb"
    extra: tuple[str, ...] = ()

    @property
    def speedup(self) -> float:
        return self.baseline / self.ours


@contextmanager
def pin_blas(threads: int) -> Iterator[None]:
    """Every BLAS library (numpy's and scipy's OpenBLAS) on ``threads``.

    threadpoolctl limits the libraries loaded when it is entered, so scipy's is loaded first.
    """
    import scipy.linalg  # noqa: F401  (loads scipy's OpenBLAS, which statsmodels uses)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        yield


def thread_settings() -> str:
    """``BLAS: openblas 0.3.31 (SkylakeX) x2 on 1 thread`` for the libraries loaded now."""
    from threadpoolctl import threadpool_info

    libs = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not libs:
        return "BLAS: none loaded"
    shown = sorted({f"{i['internal_api']} {i['version']} ({i.get('architecture', '?')})" for i in libs})
    threads = sorted({i["num_threads"] for i in libs})
    return f"BLAS: {', '.join(shown)} x{len(libs)} on {'/'.join(map(str, threads))} thread(s)"


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time of ``repeats`` runs, and the last run's result."""
    times, result = [], None
    for _ in range(repeats):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def measure(name: str, workload: Workload) -> Measurement:
    """Median times of ours and the baseline (scaled), the agreement check, the peak."""
    if workload.custom is not None:
        return workload.custom()
    ours_t, ours_result = median_time(workload.ours, workload.repeats)
    base_t, base_result = median_time(workload.baseline, workload.repeats)
    workload.check(ours_result, base_result)
    del ours_result
    base_t *= workload.baseline_scale
    extra = []
    for label, variant in workload.variants.items():
        t, result = median_time(variant, workload.repeats)
        workload.check(result, base_result)
        extra.append(f"{name} ({label}): ours={t:.3f} speedup={base_t / t:.1f}x")
    del base_result
    gc.collect()
    tracemalloc.start()
    workload.ours()
    peak = tracemalloc.get_traced_memory()[1] / 1024**2
    tracemalloc.stop()
    note = f"baseline timed on a sample, scaled x{workload.baseline_scale:g}" if workload.baseline_scale != 1 else ""
    return Measurement(name, ours_t, base_t, peak, note, extra=tuple(extra))


def format_line(m: Measurement) -> str:
    speedup = f"{m.speedup:.1f}" if m.speedup >= 10 else f"{m.speedup:.2f}"
    line = f"{m.name}: ours={m.ours:.3f} baseline={m.baseline:.3f} speedup={speedup}x {m.peak_kind}={m.peak_mb:.0f}"
    line += f"  ({m.note})" if m.note else ""
    return "\n".join([line, *(f"  {e}" for e in m.extra)])
