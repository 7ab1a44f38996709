"""The cross-section streams its panel: each date read once, in blocks; results re-read only what they need."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import jobs
from analytics.crosssection import CrossSectionModel
from analytics.crosssection.source import DatasetSource, PanelRows, PanelSource
from analytics.data.partitioned import PartitionedPanel, write_partitioned
from analytics.errors import InputError
from cli import main

ROOT = Path(__file__).resolve().parents[2]
CHARS = ["a", "b", "c"]


def _panel(n_dates: int = 24, n_stocks: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2015-01-31", periods=n_dates, freq="ME")
    rows = n_dates * n_stocks
    frame = pd.DataFrame(
        {"date": np.repeat(dates, n_stocks), "id": np.tile([f"S{i:03d}" for i in range(n_stocks)], n_dates)}
    )
    for name in ["re", *CHARS]:
        frame[name] = rng.normal(size=rows)
    frame.loc[rng.random(rows) < 0.05, "b"] = np.nan
    return frame


class CountingSource(PanelSource):
    """A dataset source that records every read: which dates, which ids."""

    def __init__(self, inner: DatasetSource) -> None:
        self.inner = inner
        self.name, self.dates, self.counts, self.numeric = inner.name, inner.dates, inner.counts, inner.numeric
        self.blocks: list[tuple[int, int]] = []
        self.id_reads: list[tuple[list[str], int]] = []

    def read(self, t0: int, t1: int, columns, *, ids: bool = False) -> PanelRows:
        self.blocks.append((t0, t1))
        return self.inner.read(t0, t1, columns, ids=ids)

    def read_ids(self, held, columns, positions) -> PanelRows:
        rows = self.inner.read_ids(held, columns, positions)
        self.id_reads.append((sorted(held), len(rows)))
        return rows

    def reader(self, t0: int, t1: int, columns):
        return lambda: self.parts(t0, t1, columns)


@pytest.fixture
def dataset(tmp_path) -> PartitionedPanel:
    return write_partitioned(_panel(), tmp_path / "panel")


def test_fit_reads_every_date_once_a_block_at_a_time(dataset):
    """With 5 dates per block the fit reads 24 dates as 5 blocks, each date once, and no ids."""
    source = CountingSource(DatasetSource(dataset))
    CrossSectionModel(source, chars=CHARS).fit(block_dates=5, threads=2)
    assert sorted(source.blocks) == [(0, 5), (5, 10), (10, 15), (15, 20), (20, 24)]
    assert source.id_reads == []


def test_results_reread_one_date_or_the_held_ids_only(dataset):
    """Pure-play weights read their one date again; adjusted returns read only the held ids' rows."""
    source = CountingSource(DatasetSource(dataset))
    res = CrossSectionModel(source, chars=CHARS).fit(block_dates=6)
    source.blocks.clear()
    weights = res.pure_play_weights("2016-03")
    assert source.blocks == [(14, 15)] and len(weights) == res.nobs["2016-03-31"]
    portfolios = pd.DataFrame({"portfolio": ["p", "p"], "id": ["S001", "S007"], "weight": [0.5, 0.5]})
    res.characteristic_adjusted(portfolios)
    assert source.id_reads == [(["S001", "S007"], 48)]


def test_cancelling_a_fit_stops_its_threads(dataset):
    """Closing the job after its first progress step leaves no engine thread running."""
    before = threading.active_count()
    job = CrossSectionModel(dataset, chars=CHARS).fit_job(block_dates=2, threads=2)
    next(job)
    job.close()
    assert threading.active_count() == before


def test_progress_follows_the_blocks(dataset):
    """One progress step per block, increasing, ending at 1."""
    seen = []
    jobs.run(CrossSectionModel(dataset, chars=CHARS).fit_job(block_dates=8, threads=1), seen.append)
    assert [round(p.fraction, 3) for p in seen] == [round(0.95 * 8 / 24, 3), round(0.95 * 16 / 24, 3), 0.95, 1.0]


@pytest.mark.parametrize(
    "options, message",
    [
        ({"engine": "spark"}, "unknown engine 'spark'; use local or dask"),
        ({"threads": 0}, "threads must be at least 1"),
        ({"scheduler": "tcp://127.0.0.1:1"}, "the local engine has no option 'scheduler'"),
        ({"block_dates": 0}, "dates per block must be at least 1"),
    ],
)
def test_bad_engine_options_name_the_valid_ones(dataset, options, message):
    """An unknown engine or option is an InputError naming what is valid."""
    with pytest.raises(InputError, match=message):
        CrossSectionModel(dataset, chars=CHARS).fit(**options)


def test_cli_saves_a_dataset_and_reads_it_like_the_file(tmp_path, capsys):
    """``--save-dataset FOLDER`` writes the loaded file as a dataset; ``--panel FOLDER`` then gives the
    same per-date table as the file."""
    csv, folder = tmp_path / "panel.csv", tmp_path / "saved"
    _panel().to_csv(csv, index=False)
    common = ["crosssection", "--chars", "a,b,c", "--block-dates", "7"]
    assert main([*common, "--panel", str(csv), "--save-dataset", str(folder), "--out", str(tmp_path / "file.csv")]) == 0
    assert f"wrote {folder}" in capsys.readouterr().err
    assert PartitionedPanel(folder).n_rows == 24 * 60
    assert main([*common, "--panel", str(folder), "--out", str(tmp_path / "folder.csv")]) == 0
    from_file, from_folder = pd.read_csv(tmp_path / "file.csv"), pd.read_csv(tmp_path / "folder.csv")
    assert list(from_folder.columns) == ["date", "a", "b", "c", "n", "r2"]
    pd.testing.assert_frame_equal(from_folder, from_file, rtol=1e-12)


def test_charadj_date_reads_only_that_month(dataset, tmp_path, monkeypatch):
    """``charadj --date 2016-06`` on a dataset reads June 2016's files and nothing else."""
    read = []
    original = PartitionedPanel.read_table

    def spy(self, dates=None, columns=None, *, ids=None):
        read.extend(str(d.date()) for d in (self.dates if dates is None else pd.DatetimeIndex(dates)))
        return original(self, dates, columns, ids=ids)

    monkeypatch.setattr(PartitionedPanel, "read_table", spy)
    ports = tmp_path / "ports.csv"
    ports.write_text("portfolio,id,weight\nA,S001,0.5\nA,S002,0.5\n")
    out = tmp_path / "adj.csv"
    assert (
        main(
            [
                "charadj",
                "--panel",
                str(dataset.folder),
                "--portfolios",
                str(ports),
                "--date",
                "2016-06",
                "--chars",
                "a,b,c",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert set(read) == {"2016-06-30"}
    assert list(pd.read_csv(out)["date"]) == ["2016-06-30"]


def test_scheduler_without_dask_engine_is_refused(dataset, capsys):
    """--scheduler only means something with --engine dask."""
    assert main(["crosssection", "--panel", str(dataset.folder), "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "--scheduler: a scheduler address is for the Dask engine" in capsys.readouterr().err


def test_dask_is_not_imported_until_used():
    """Importing the model, the command line and running a local fit never import Dask (start-up time)."""
    code = (
        "import sys, pandas as pd, numpy as np; import cli.crosssection, cli.charadj; "
        "from analytics.crosssection import CrossSectionModel; "
        "f = pd.DataFrame({'date': np.repeat(pd.date_range('2020-01-31', periods=3, freq='ME'), 5), "
        "'id': list('abcde') * 3, 're': np.arange(15.0) % 4, 'x': np.arange(15.0) ** 2 % 7}); "
        "CrossSectionModel(f, chars=['x']).fit(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_date_written_in_two_pieces_is_one_cross_section(tmp_path):
    """A dataset written chunk by chunk (a date's rows in two files) gives every date's full sample:
    statsmodels on that date's complete rows, read back with pandas."""
    import statsmodels.api as sm

    frame = _panel()
    half = len(frame) // 2 + 7  # inside a date
    panel = write_partitioned(iter([frame.iloc[:half], frame.iloc[half:]]), tmp_path / "pieces")
    split = frame["date"].iloc[half]
    assert len(panel.files()) == 25
    res = CrossSectionModel(panel, chars=CHARS).fit(threads=1)
    section = frame.loc[frame["date"] == split].dropna()
    x = section[CHARS]
    fit = sm.OLS(section["re"], (x - x.mean()) / x.std()).fit()
    np.testing.assert_allclose(res.params.loc[split].to_numpy(), fit.params.to_numpy(), rtol=1e-8)
    assert res.nobs[split] == len(section)
