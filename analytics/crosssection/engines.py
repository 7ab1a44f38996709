"""Engines that run :func:`~analytics.crosssection.sums.block_sums` over the blocks of a panel.

- ``local`` (the default): in this process, a block of dates at a time, so the peak follows
  the block size, not the panel. ``threads=N`` runs N blocks at once (numpy, BLAS and pyarrow
  release the GIL, so reading one block overlaps the products of another). By default, as many
  threads as cores are idle when the fit starts (at most 4): on an idle 2-core machine two
  threads fit 600 months of 4,000 stocks 1.5 times faster than one, but on a machine whose
  cores are already busy extra threads only fight over the GIL (up to twice as slow). The
  numbers do not depend on the thread count: every block is reduced the same way.
- ``dask``: the blocks are tasks on a dask.distributed cluster. A dataset on disk is read by
  the workers themselves (they are sent its folder and the block's dates, so the folder must
  be on storage they can read under the same path); a frame in memory is sent to them block by
  block. Without a scheduler address a local cluster of worker processes is started on this
  machine for the fit and closed afterwards. Dask is imported only when this engine runs.

Both yield :class:`~analytics.crosssection.sums.BlockSums`, which the model places by date:
the same per-date numbers, whichever engine computed them.
"""

from __future__ import annotations

import inspect
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from analytics.crosssection.sums import BlockSums, block_sums
from analytics.errors import InputError
from analytics.threads import idle_cores, in_threads

if TYPE_CHECKING:
    from analytics.crosssection.setup import Setup
    from analytics.crosssection.source import PanelRows, PanelSource

__all__ = ["ENGINES", "DaskEngine", "Engine", "LocalEngine", "make_engine", "plan_blocks"]

# Cells (rows × columns read) of one block of dates: about 64 MB of float64, large enough that
# reading a block costs far more than opening its files, small enough for a few in memory.
_BLOCK_CELLS = 8 * 1024 * 1024
# Blocks per panel at least, when the panel is small enough: threads (or workers) that finish
# their last blocks at about the same time (9 blocks on 2 threads left one idle a ninth of the
# fit), down to blocks of this many cells (2 MB), which still cost far more than a task. The
# plan does not depend on the thread count, so neither do the numbers.
_MIN_BLOCKS = 16
_MIN_BLOCK_CELLS = 256 * 1024


def plan_blocks(counts: np.ndarray, n_columns: int, block_dates: int | None = None) -> list[tuple[int, int]]:
    """Consecutive date ranges ``(t0, t1)``: ``block_dates`` dates each, or about 64 MB of rows
    (less when that makes fewer than :data:`_MIN_BLOCKS` blocks)."""
    n_dates = len(counts)
    if block_dates is not None:
        return [(t0, min(n_dates, t0 + block_dates)) for t0 in range(0, n_dates, block_dates)]
    ends = np.cumsum(counts) * max(1, n_columns)
    cells = min(_BLOCK_CELLS, max(_MIN_BLOCK_CELLS, int(ends[-1]) // _MIN_BLOCKS)) if len(ends) else _BLOCK_CELLS
    out, t0 = [], 0
    while t0 < n_dates:
        base = ends[t0 - 1] if t0 else 0
        t1 = int(np.searchsorted(ends, base + cells, side="right"))
        t1 = min(max(t1, t0 + 1), n_dates)
        out.append((t0, t1))
        t0 = t1
    return out


def run_block(reader: Callable[[], Iterable[PanelRows]], t0: int, t1: int, setup: Setup) -> BlockSums:
    """Read a block with ``reader`` and reduce it: the task a worker runs."""
    return block_sums(reader(), t0, t1, setup)


class Engine(ABC):
    """Runs the blocks of dates of a fit; ``block_dates`` fixes the dates per block."""

    name = ""

    def __init__(self, *, block_dates: int | None = None) -> None:
        if block_dates is not None and block_dates < 1:
            raise InputError(f"dates per block must be at least 1, not {block_dates}.")
        self.block_dates = block_dates

    def blocks(self, source: PanelSource, setup: Setup) -> list[tuple[int, int]]:
        """The blocks this engine runs for ``source``."""
        return plan_blocks(source.counts, len(setup.columns), self.block_dates)

    @abstractmethod
    def sums(self, source: PanelSource, setup: Setup) -> Iterator[BlockSums]:
        """Every block's sums, in any order; closing the iterator stops the work."""

    @property
    def description(self) -> str:
        """How the fit ran, for the results' notes."""
        return self.name


class LocalEngine(Engine):
    """Blocks in this process, on ``threads`` threads (default: the idle cores, 1 to 4)."""

    name = "local"

    def __init__(self, *, threads: int | None = None, block_dates: int | None = None) -> None:
        super().__init__(block_dates=block_dates)
        if threads is not None and threads < 1:
            raise InputError(f"threads must be at least 1, not {threads}.")
        self.threads = threads or idle_cores()

    @property
    def description(self) -> str:
        return f"local engine, {self.threads} thread(s)"

    def sums(self, source: PanelSource, setup: Setup) -> Iterator[BlockSums]:
        columns = setup.columns
        tasks = (
            partial(run_block, source.reader(t0, t1, columns), t0, t1, setup) for t0, t1 in self.blocks(source, setup)
        )
        yield from in_threads(tasks, self.threads)


class DaskEngine(Engine):
    """Blocks as tasks on a dask.distributed cluster at ``scheduler`` (``tcp://host:8786``), or on
    a local cluster of ``workers`` processes started for the fit when no address is given."""

    name = "dask"

    def __init__(
        self, *, scheduler: str | None = None, workers: int | None = None, block_dates: int | None = None
    ) -> None:
        super().__init__(block_dates=block_dates)
        if workers is not None and workers < 1:
            raise InputError(f"workers must be at least 1, not {workers}.")
        self.scheduler = scheduler or None
        self.workers = workers

    @property
    def description(self) -> str:
        return f"Dask engine at {self.scheduler}" if self.scheduler else "Dask engine on a local cluster"

    def sums(self, source: PanelSource, setup: Setup) -> Iterator[BlockSums]:
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise InputError(
                "the Dask engine needs the dask and distributed packages (pip install -r "
                "requirements.txt); use the local engine, or install them."
            ) from None
        cluster = self._local_cluster() if self.scheduler is None else None
        try:
            client = Client(self.scheduler or cluster, set_as_default=False)  # type: ignore[no-untyped-call]  # untyped in distributed
        except (OSError, TimeoutError) as exc:
            if cluster is not None:
                cluster.close()
            raise InputError(
                f"cannot reach the Dask scheduler at {self.scheduler} ({exc}); check the address "
                "and that the scheduler is running."
            ) from None
        try:
            yield from self._run(client, as_completed, source, setup)
        finally:
            client.close()  # type: ignore[no-untyped-call]  # untyped in distributed
            if cluster is not None:
                cluster.close()

    def _local_cluster(self) -> Any:
        from distributed import LocalCluster

        # Loopback only, no dashboard; the scheduler's HTTP endpoint on a free port (not 8787, which
        # another cluster may hold).
        return LocalCluster(  # type: ignore[no-untyped-call]  # untyped in distributed
            n_workers=self.workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )

    def _run(self, client: Any, as_completed: Any, source: PanelSource, setup: Setup) -> Iterator[BlockSums]:
        """Keep a few tasks per worker in flight (a frame's blocks travel with them), yield each result."""
        blocks = iter(self.blocks(source, setup))
        in_flight = 2 * max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
        columns = setup.columns

        def submit() -> Any:
            block = next(blocks, None)
            if block is None:
                return None
            t0, t1 = block
            reader = client.scatter(source.reader(t0, t1, columns), hash=False)
            return client.submit(run_block, reader, t0, t1, setup, pure=False)

        live = {f for f in (submit() for _ in range(in_flight)) if f is not None}
        done = as_completed(live, loop=client.loop)
        try:
            for future in done:
                yield future.result()
                live.discard(future)
                following = submit()
                if following is not None:
                    live.add(following)
                    done.add(following)
        finally:
            client.cancel(list(live))


#: Engine names and their classes.
ENGINES: dict[str, type[Engine]] = {"local": LocalEngine, "dask": DaskEngine}


def make_engine(name: str, **options: Any) -> Engine:
    """The engine called ``name`` with its options; an unknown name or option names the valid ones."""
    if name not in ENGINES:
        raise InputError(f"unknown engine {name!r}; use {' or '.join(ENGINES)}.")
    cls = ENGINES[name]
    allowed = list(inspect.signature(cls).parameters)
    unknown = [o for o in options if o not in allowed]
    if unknown:
        raise InputError(f"the {name} engine has no option {unknown[0]!r}; its options are {', '.join(allowed)}.")
    return cls(**options)
