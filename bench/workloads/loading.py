"""``regress_e2e`` and ``load_panel``: loading users' files, measured end to end in child processes.

- ``regress_e2e``: ``python main.py regress FUNDS.csv --out summary.csv`` on a 2,000-fund ×
  6,300-day CSV (about 120 MB, the six factors and RF as columns of the same file), against
  ``python -c "pandas.read_csv(FUNDS.csv)"``: both are whole processes (start-up and imports
  included), so the ratio is what a user waits for against the plain read. Targets: at most
  3× the plain read, and a peak resident set under 1 GB.
- ``load_panel``: the panel loader (:func:`analytics.data.readers.read_dataset`, kind
  ``panel``) on a 1.2 M-row monthly stock panel (5,000 stocks × 240 months; ``date, permno``
  and six numeric columns, about 85 MB of CSV) and on the same data as Parquet, against
  ``pandas.read_csv`` / ``pandas.read_parquet`` of the same files. The memory figure is the
  child's peak resident set *above* its resident set before loading (imports done), divided
  by the data's size as numbers: rows × columns × 8 bytes (a date, an id and six floats per
  row; the id as one 8-byte value). Target: at most 3×.

Generated files go under the system's temp folder and are removed afterwards. Times are
medians of 3 runs; the peak is the largest of the runs.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from bench.harness import Measurement, Workload
from bench.workloads.regression import funds_data as fund_panel

ROOT = Path(__file__).resolve().parents[2]
PANEL_COLUMNS = ("ret", "size", "bm", "mom", "beta", "ivol")


def write_funds_csv(path: Path, n_funds: int, n_obs: int) -> None:
    """A wide daily file: ``date``, the funds, then Mkt-RF ... MOM and RF, seven decimals."""
    funds, factors = fund_panel(n_funds, n_obs)
    frame = pd.concat([funds, factors], axis=1).rename_axis("date")
    frame.to_csv(path, float_format="%.7f", date_format="%Y-%m-%d")


def write_panel(folder: Path, n_months: int, n_stocks: int, seed: int = 0) -> tuple[Path, Path, int]:
    """A monthly stock panel as CSV and as Parquet; returns both paths and the data's size in bytes."""
    rng = np.random.default_rng(seed)
    rows = n_months * n_stocks
    months = pd.date_range("2001-01-31", periods=n_months, freq="ME")
    frame = pd.DataFrame(
        {
            "date": np.repeat(months.to_numpy(), n_stocks),
            "permno": np.tile(np.arange(10001, 10001 + n_stocks), n_months),
        }
    )
    scales = (0.1, 2.0, 0.8, 0.3, 0.6, 0.02)
    for name, scale in zip(PANEL_COLUMNS, scales):
        values = np.round(rng.normal(0, scale, rows), 6)
        values[rng.random(rows) < 0.02] = np.nan
        frame[name] = values
    csv, parquet = folder / "panel.csv", folder / "panel.parquet"
    frame.to_csv(csv, index=False, date_format="%Y-%m-%d")
    frame.to_parquet(parquet, index=False)
    return csv, parquet, rows * frame.shape[1] * 8


#: Runs a command as its own child and prints its wall time and peak resident set (MB): the
#: rusage of a process's children covers only that command, so every run is measured alone.
_MEASURE = """
import json, resource, subprocess, sys, time
args = json.loads(sys.argv[1])
start = time.perf_counter()
done = subprocess.run(args, capture_output=True, text=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / (1024**2 if sys.platform == "darwin" else 1024)
last = (done.stdout.strip().splitlines() or [""])[-1]
print(json.dumps([done.returncode, seconds, peak, last, done.stderr[-2000:]]))
"""


def _run(args: list[str]) -> tuple[float, float, str]:
    """Wall time and peak resident set (MB) of one run of ``args``, and its last stdout line."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps(args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    code, seconds, peak, last, err = json.loads(done.stdout)
    if code != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed ({code}): {err}")
    return seconds, peak, last


def _runs(args: list[str], repeats: int) -> tuple[float, float, list[str]]:
    """Median time and the largest peak over ``repeats`` runs, and each run's last line."""
    runs = [_run(args) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), [r[2] for r in runs]


def _regress_e2e(quick: bool) -> Measurement:
    n_funds, n_obs = (200, 1000) if quick else (2000, 6300)
    repeats = 1 if quick else 3
    work = Path(tempfile.mkdtemp(prefix="factordesk-bench-load-"))
    try:
        path, out = work / "funds.csv", work / "summary.csv"
        write_funds_csv(path, n_funds, n_obs)
        size = path.stat().st_size
        ours, peak, _ = _runs([sys.executable, "main.py", "regress", str(path), "--out", str(out)], repeats)
        rows = pd.read_csv(out)
        assert len(rows) == n_funds and rows["alpha"].notna().all(), rows.head()
        code = "import sys, pandas; f = pandas.read_csv(sys.argv[1]); print(f.shape[0])"
        plain, plain_peak, lines = _runs([sys.executable, "-c", code, str(path)], repeats)
        assert int(lines[0]) == n_obs
        extra = (
            f"file: {n_funds} funds x {n_obs} days + 7 factor columns, {size / 1e6:.0f} MB of CSV",
            f"regress --out x.csv: {ours:.2f} s, peak RSS {peak:.0f} MB (targets: <= 3x read_csv, < 1024 MB)",
            f"python -c pandas.read_csv: {plain:.2f} s, peak RSS {plain_peak:.0f} MB",
            f"ratio {ours / plain:.2f}x",
        )
        return Measurement(
            "regress_e2e",
            ours,
            plain,
            peak,
            "baseline: a process running pandas.read_csv",
            peak_kind="peak_rss_mb",
            extra=extra,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load_child(kind: str, path: str) -> None:
    """Run in a child: load ``path`` (ours: the panel reader; else pandas) and print time and
    the peak resident set above the one before loading, as JSON."""
    import resource

    import pyarrow.csv  # imports are not loading
    import pyarrow.parquet  # noqa: F401

    import analytics.data.panel  # noqa: F401
    from analytics.data.readers import read_dataset, readers

    readers()  # the reader modules are imported on first use
    before = _current_rss_mb()
    start = time.perf_counter()
    if kind == "ours":
        frame = read_dataset(path, "panel", stored=False).data  # loading, not the store
    elif path.endswith(".parquet"):
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak - before, "rows": len(frame)}))


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024**2


def _load(kind: str, path: Path, repeats: int) -> dict[str, float]:
    code = f"from bench.workloads.loading import load_child; load_child({kind!r}, {str(path)!r})"
    reports = [json.loads(_run([sys.executable, "-c", code])[2]) for _ in range(repeats)]
    return {
        "seconds": statistics.median(r["seconds"] for r in reports),
        "peak_mb": max(r["peak_mb"] for r in reports),
        "rows": reports[0]["rows"],
    }


def _load_panel(quick: bool) -> Measurement:
    n_months, n_stocks = (24, 5000) if quick else (240, 5000)
    repeats = 1 if quick else 3
    work = Path(tempfile.mkdtemp(prefix="factordesk-bench-panel-"))
    try:
        csv, parquet, data_bytes = write_panel(work, n_months, n_stocks)
        data_mb = data_bytes / 1024**2
        lines, results = [], {}
        for label, path in (("CSV", csv), ("Parquet", parquet)):
            ours, plain = _load("ours", path, repeats), _load("pandas", path, repeats)
            assert ours["rows"] == plain["rows"] == n_months * n_stocks
            results[label] = ours, plain
            lines.append(
                f"{label} ({path.stat().st_size / 1e6:.0f} MB): ours {ours['seconds']:.2f} s, peak "
                f"+{ours['peak_mb']:.0f} MB = {ours['peak_mb'] / data_mb:.2f}x the data; pandas "
                f"{plain['seconds']:.2f} s, peak +{plain['peak_mb']:.0f} MB = "
                f"{plain['peak_mb'] / data_mb:.2f}x"
            )
        ours, plain = results["CSV"]
        data = f"data: {n_months * n_stocks:,} rows x 8 columns = {data_mb:.0f} MB as numbers (target: peak <= 3x)"
        extra = (data, *lines)
        return Measurement(
            "load_panel",
            ours["seconds"],
            plain["seconds"],
            ours["peak_mb"],
            "CSV; baseline pandas.read_csv; peak above the pre-load RSS",
            peak_kind="peak_mb",
            extra=extra,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _custom(measure: Callable[[bool], Measurement], quick: bool) -> Workload:
    def unused() -> None:
        raise AssertionError("measured in child processes")

    return Workload(unused, unused, lambda a, b: None, custom=lambda: measure(quick))


WORKLOADS = {
    "regress_e2e": lambda quick: _custom(_regress_e2e, quick),
    "load_panel": lambda quick: _custom(_load_panel, quick),
}
