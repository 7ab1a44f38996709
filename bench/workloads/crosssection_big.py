"""``crosssection_big``: a panel larger than memory wants, streamed from a date-partitioned dataset.

2,500 dates × 6,000 stocks × 70 characteristics and a return, float64: 8.7 GB of Parquet
written by :func:`analytics.data.partitioned.write_partitioned` into the system's temp folder
(removed afterwards; the run is skipped when the disk has too little room). Three things run
in child processes, so each one's peak resident set size is its own:

- ``plain``: one plain read of the same files (pyarrow's threaded scan of the dataset, every
  numeric column, batches dropped as they come): the baseline, the least any fit must spend.
- ``ours``: ``CrossSectionModel(PartitionedPanel(folder)).fit(threads=2)`` on the local engine
  (one thread reads a block while the other reduces one), and the same on one thread. Target:
  peak RSS ≤ 2 GB and time ≤ 2× the plain read (``speedup`` ≥ 0.5).
- ``dask``: the same fit on a local 2-worker dask.distributed cluster (processes, loopback),
  its time and the workers' peak RSS reported, its numbers checked equal to ours (1e-12).

Ours is also checked against statsmodels OLS on two dates read independently with pandas.
Times are fit times (not interpreter start-up), medians of 3 for ``plain`` and ``ours``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.harness import Measurement, Workload

ROOT = Path(__file__).resolve().parents[2]
NW_LAGS = 6


def _sizes(quick: bool) -> tuple[int, int, int]:
    return (60, 2000, 20) if quick else (2500, 6000, 70)


def _chars(n_chars: int) -> list[str]:
    return [f"c{j:02d}" for j in range(n_chars)]


def write_panel(folder: Path, n_dates: int, n_stocks: int, n_chars: int, seed: int = 0) -> None:
    """The generated panel, ten dates per block: never all in memory."""
    import pandas as pd

    from analytics.data.partitioned import write_partitioned

    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2010-01-04", periods=n_dates)
    loc, scale = rng.normal(0, 3, n_chars), rng.uniform(0.5, 4, n_chars)
    premia = rng.normal(0, 0.002, n_chars)
    ids = np.array([f"S{i:05d}" for i in range(n_stocks)], dtype=object)
    names = ["re", *_chars(n_chars)]

    def blocks():
        for start in range(0, n_dates, 10):
            block = dates[start : start + 10]
            rows = len(block) * n_stocks
            z = rng.standard_normal((n_chars, rows))
            values = np.empty((n_chars + 1, rows))
            values[0] = premia @ z + rng.normal(0.0005, 0.02, rows)
            values[1:] = z * scale[:, None] + loc[:, None]
            holes = np.flatnonzero(rng.random(rows) < 0.02)
            values[rng.integers(0, n_chars + 1, len(holes)), holes] = np.nan
            frame = {"date": np.repeat(block.to_numpy(), n_stocks), "id": np.tile(ids, len(block))}
            frame.update(zip(names, values))
            yield pd.DataFrame(frame)

    write_partitioned(blocks(), folder, frequency="daily")


def _child(kind: str, folder: str, out: str, n_chars: int) -> None:
    """Run in a child process: one plain read or one fit; prints its time and peak RSS as JSON."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(int(os.environ.get("FACTORDESK_BENCH_BLAS_THREADS", "1")), user_api="blas")
    report: dict[str, Any] = {}
    if kind == "plain":
        import pyarrow.dataset as ds

        from analytics.data.partitioned import PartitionedPanel

        dataset = ds.dataset([str(p) for p in PartitionedPanel(folder).files()], format="parquet")
        start = time.perf_counter()
        for _batch in dataset.to_batches(columns=["re", *_chars(n_chars)]):
            pass
        report["seconds"] = time.perf_counter() - start
    else:
        from analytics.crosssection import CrossSectionModel
        from analytics.data.partitioned import PartitionedPanel

        model = CrossSectionModel(PartitionedPanel(folder), ret_col="re", chars=_chars(n_chars))
        options: dict[str, Any] = {"threads": int(kind.removeprefix("ours"))} if kind != "dask" else {}
        if kind == "dask":
            from distributed import Client, LocalCluster

            start = time.perf_counter()
            cluster = LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            )
            report["cluster_start_seconds"] = time.perf_counter() - start
            options = {"engine": "dask", "scheduler": cluster.scheduler_address}
        start = time.perf_counter()
        res = model.fit(nw_lags=NW_LAGS, **options)
        report["seconds"] = time.perf_counter() - start
        report["engine"] = res.engine
        if kind == "dask":
            with Client(cluster.scheduler_address) as client:
                peaks = client.run(_peak_rss_mb)
            report["worker_peak_rss_mb"] = max(peaks.values())
            cluster.close()
        np.savez(
            out,
            params=res.params.to_numpy(),
            r2=res.rsquared.to_numpy(),
            n=res.nobs.to_numpy(),
            dates=res.dates.to_numpy().astype("datetime64[D]").astype(np.int64),
            premium=res.fama_macbeth["premium"].to_numpy(),
            t_nw=res.fama_macbeth["t_nw"].to_numpy(),
        )
    report["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(report))


def _peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KB on Linux


def _run_child(kind: str, folder: Path, out: Path, n_chars: int) -> dict[str, Any]:
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.workloads.crosssection_big import _child; "
        f"_child({kind!r}, {str(folder)!r}, {str(out)!r}, {n_chars})"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=3600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"crosssection_big {kind} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _check_dates(folder: Path, ours: dict[str, np.ndarray], n_chars: int) -> None:
    """Two dates against statsmodels OLS on pandas z-scores of the files read directly."""
    import pandas as pd
    import pyarrow.parquet as pq
    import statsmodels.api as sm

    chars = _chars(n_chars)
    dates = pd.to_datetime(ours["dates"].astype("datetime64[D]"))
    for i in (0, len(dates) // 2):
        day = dates[i].date()
        section = pq.read_table(folder / f"date={day}" / "part-0.parquet").to_pandas().dropna(subset=["re", *chars])
        z = (section[chars] - section[chars].mean()) / section[chars].std()
        fit = sm.OLS(section["re"], z).fit()
        np.testing.assert_allclose(ours["params"][i], fit.params.to_numpy(), rtol=1e-8, atol=1e-14)
        np.testing.assert_allclose(ours["r2"][i], fit.rsquared, rtol=1e-8)
        assert ours["n"][i] == fit.nobs


def _measure(quick: bool) -> Measurement:
    n_dates, n_stocks, n_chars = _sizes(quick)
    expected = n_dates * n_stocks * (n_chars + 1) * 8
    temp = Path(tempfile.gettempdir())
    free = shutil.disk_usage(temp).free
    if free < 1.5 * expected:
        return Measurement(
            "crosssection_big",
            float("nan"),
            float("nan"),
            float("nan"),
            f"skipped: {free / 1e9:.1f} GB free in {temp}, {1.5 * expected / 1e9:.1f} GB needed",
        )
    work = Path(tempfile.mkdtemp(prefix="factordesk-bench-big-"))
    try:
        folder = work / "panel"
        start = time.perf_counter()
        write_panel(folder, n_dates, n_stocks, n_chars)
        written = time.perf_counter() - start
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        plain, plain_runs = _median_child("plain", folder, work, n_chars)
        ours, ours_runs = _median_child("ours2", folder, work, n_chars)
        ours1, ours1_runs = _median_child("ours1", folder, work, n_chars)
        dask = _run_child("dask", folder, work / "dask.npz", n_chars)
        with np.load(work / "ours2.npz") as a, np.load(work / "dask.npz") as b:
            local, distributed = dict(a), dict(b)
        for key, values in local.items():
            np.testing.assert_allclose(distributed[key], values, rtol=1e-12, atol=1e-15, err_msg=key)
        _check_dates(folder, local, n_chars)
        peak = max(r["peak_rss_mb"] for r in ours_runs + ours1_runs)
        plain_peak = max(r["peak_rss_mb"] for r in plain_runs)
        extra = (
            (
                f"data: {n_dates} dates x {n_stocks} stocks x {n_chars} characteristics + return, "
                f"{size / 1e9:.2f} GB on disk ({size / 2**30:.2f} GiB), written in {written:.0f} s"
            ),
            f"plain read: {plain:.2f} s (median of {len(plain_runs)}), peak RSS {plain_peak:.0f} MB",
            (
                f"ours ({ours_runs[0]['engine']}): {ours:.2f} s (median of {len(ours_runs)}) = {ours / plain:.2f}x "
                f"the plain read, peak RSS {max(r['peak_rss_mb'] for r in ours_runs):.0f} MB"
            ),
            (
                f"ours ({ours1_runs[0]['engine']}): {ours1:.2f} s (median of {len(ours1_runs)}) = {ours1 / plain:.2f}x "
                f"the plain read, peak RSS {max(r['peak_rss_mb'] for r in ours1_runs):.0f} MB"
            ),
            (
                f"dask (2-worker LocalCluster): {dask['seconds']:.2f} s (cluster start "
                f"{dask['cluster_start_seconds']:.1f} s), client peak RSS {dask['peak_rss_mb']:.0f} MB, worker peak RSS "
                f"{dask['worker_peak_rss_mb']:.0f} MB; equal to the local engine (1e-12)"
            ),
        )
        return Measurement(
            "crosssection_big",
            ours,
            plain,
            peak,
            "baseline: one plain read of the same files",
            peak_kind="peak_rss_mb",
            extra=extra,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _median_child(kind: str, folder: Path, work: Path, n_chars: int) -> tuple[float, list[dict[str, Any]]]:
    """Three runs of a child; the median of their own timings, and every run's report."""
    runs = [_run_child(kind, folder, work / f"{kind}.npz", n_chars) for _ in range(3)]
    return float(np.median([r["seconds"] for r in runs])), runs


def crosssection_big(quick: bool) -> Workload:
    def unused() -> None:
        raise AssertionError("crosssection_big measures itself")

    return Workload(
        unused, unused, lambda a, b: None, description="streamed fit vs one plain read", custom=lambda: _measure(quick)
    )


WORKLOADS = {"crosssection_big": crosssection_big}
