"""The analytics' own threads: how many to use, and BLAS kept to one thread inside each.

Why our own threads: the big loops (cross-products of 2,000 funds, per-date products of a stock
panel) are sequences of numpy and BLAS calls on independent blocks, which release the GIL, so
two threads over blocks use two cores. BLAS's own threads do not help there: the products are
small (a few MB each) and OpenBLAS splits every call over its threads and waits for them, which
on a busy machine made the cross-sections five times slower. So each block runs with BLAS on
one thread and the blocks run side by side.
"""

from __future__ import annotations

import ctypes
import glob
import os
from _ctypes import CFuncPtr
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import TypeVar

import numpy as np

__all__ = ["fixed_threads", "idle_cores", "in_threads", "one_blas_thread"]

R = TypeVar("R")

_FIXED: ContextVar[int | None] = ContextVar("fixed_threads", default=None)


@contextmanager
def fixed_threads(threads: int) -> Iterator[None]:
    """Within this block, loops that would run on the idle cores run on ``threads`` threads:
    for measurements that must not depend on what else ran in the last minute (benchmarks)."""
    token = _FIXED.set(threads)
    try:
        yield
    finally:
        _FIXED.reset(token)


def idle_cores(limit: int = 4) -> int:
    """Cores not busy right now (cores less the 1-minute load average), 1 to ``limit``; the
    cores, at most ``limit``, where the system has no load average (Windows); the count of
    :func:`fixed_threads` inside one.

    Why not always every core: on a machine whose cores are already busy, extra threads only
    fight over the GIL (up to twice as slow).
    """
    fixed = _FIXED.get()
    if fixed is not None:
        return fixed
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):
        busy = 0.0
    return max(1, min(limit, round(cores - busy)))


def in_threads(tasks: Iterable[Callable[[], R]], threads: int) -> Iterator[R]:
    """Each task's result, in the tasks' order, the tasks running on ``threads`` threads with
    BLAS on one thread each (in this thread when ``threads`` is 1).

    At most ``threads + 1`` tasks are submitted ahead of the one being waited for, so tasks
    that read data (a block of a panel) hold a bounded amount of it. Closing the iterator
    (a cancelled job) cancels the tasks not started and waits for the running ones.
    """
    if threads <= 1:  # the setting is not held across a yield: the caller's BLAS calls keep theirs
        for task in tasks:
            yield _on_one_blas_thread(task)
        return
    pool = ThreadPoolExecutor(threads, thread_name_prefix="analytics")
    pending: deque[Future[R]] = deque()
    try:
        for task in tasks:
            if len(pending) > threads:
                yield pending.popleft().result()
            pending.append(pool.submit(_on_one_blas_thread, task))
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _on_one_blas_thread(task: Callable[[], R]) -> R:
    with one_blas_thread():
        return task()


@cache
def _openblas_local_threads() -> CFuncPtr | None:
    """numpy's OpenBLAS ``openblas_set_num_threads_local``, if this build has it."""
    folder = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(folder, "libscipy_openblas*.so")):
        try:
            func = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        func.argtypes, func.restype = [ctypes.c_int], ctypes.c_int
        return func
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run this thread's BLAS calls on one thread (the setting is local to the calling thread;
    elsewhere than numpy's OpenBLAS on Linux this is a no-op)."""
    func = _openblas_local_threads()
    previous = func(1) if func is not None else None
    try:
        yield
    finally:
        if func is not None:
            func(previous)
