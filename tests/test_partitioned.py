"""Date-partitioned panel datasets: the layout on disk, reading by dates, columns and ids, atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from analytics.data.partitioned import DatasetDamaged, PartitionedPanel, is_partitioned_panel, write_partitioned
from analytics.errors import InputError


def _panel(n_dates: int = 5, n_stocks: int = 4, seed: int = 0) -> pd.DataFrame:
    """A small monthly panel, rows shuffled (the writer sorts by date), one NaN."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2020-01-31", periods=n_dates, freq="ME")
    frame = pd.DataFrame(
        {
            "date": np.repeat(dates, n_stocks),
            "id": np.tile([f"S{i}" for i in range(n_stocks)], n_dates),
            "re": rng.normal(size=n_dates * n_stocks),
            "size": rng.normal(size=n_dates * n_stocks),
            "shares": rng.integers(1, 100, n_dates * n_stocks),
        }
    )
    frame.loc[3, "re"] = np.nan
    return frame.sample(frac=1.0, random_state=1).reset_index(drop=True)


def test_layout_is_one_hive_folder_per_date_with_a_manifest(tmp_path):
    """date=YYYY-MM-DD/part-0.parquet per date, holding that date's rows (id and the numeric columns,
    NaN kept as NaN); manifest.json lists columns, types, dates, rows, files, frequency and row count."""
    frame = _panel()
    write_partitioned(frame, tmp_path / "ds")
    manifest = json.loads((tmp_path / "ds" / "manifest.json").read_text())
    assert manifest["columns"] == {"id": "string", "re": "float64", "size": "float64", "shares": "int64"}
    assert manifest["dates"] == ["2020-01-31", "2020-02-29", "2020-03-31", "2020-04-30", "2020-05-31"]
    assert manifest["rows"] == [4] * 5 and manifest["row_count"] == 20 and manifest["frequency"] == "monthly"
    assert manifest["files"][1] == ["date=2020-02-29/part-0.parquet"]
    one = pq.read_table(tmp_path / "ds" / "date=2020-02-29" / "part-0.parquet").to_pandas()
    expected = frame.loc[frame["date"] == "2020-02-29"].sort_values("id")
    assert list(one.columns) == ["id", "re", "size", "shares"]
    np.testing.assert_array_equal(one.sort_values("id")["re"].to_numpy(), expected["re"].to_numpy())
    nan_date = frame.loc[frame["re"].isna(), "date"].iloc[0].date()
    stored = pq.read_table(tmp_path / "ds" / f"date={nan_date}" / "part-0.parquet")
    assert stored.column("re").null_count == 0 and np.isnan(stored.column("re").to_numpy()).sum() == 1


def test_read_back_by_dates_columns_and_ids(tmp_path):
    """read_dates gives the rows of the asked dates in date order, only the asked columns, only the asked ids."""
    frame = _panel()
    panel = write_partitioned(frame, tmp_path / "ds")
    assert isinstance(panel, PartitionedPanel) and is_partitioned_panel(tmp_path / "ds")
    assert list(panel.dates) == sorted(frame["date"].unique()) and panel.n_rows == 20
    assert panel.columns == ["re", "size", "shares"]
    everything = panel.read_dates()
    assert everything["date"].is_monotonic_increasing and len(everything) == 20
    merged = frame.merge(everything, on=["date", "id"], suffixes=("", "_read"))
    np.testing.assert_array_equal(merged["size"], merged["size_read"])
    np.testing.assert_array_equal(merged["re"].isna(), merged["re_read"].isna())
    some = panel.read_dates(["2020-03-31", "2020-01-31"], ["size"], ids=["S1", "S3", "nobody"])
    assert list(some.columns) == ["date", "id", "size"]
    assert sorted(some["date"].dt.strftime("%Y-%m").unique()) == ["2020-01", "2020-03"]
    assert sorted(some["id"].unique()) == ["S1", "S3"] and len(some) == 4


def test_blocks_hold_whole_dates_in_order(tmp_path):
    """blocks(2) yields dates 1-2, 3-4, 5: every date's rows in one block, nothing twice."""
    panel = write_partitioned(_panel(), tmp_path / "ds")
    blocks = list(panel.blocks(2, ["re"]))
    assert [b["date"].nunique() for b in blocks] == [2, 2, 1]
    assert [len(b) for b in blocks] == [8, 8, 4]
    assert pd.concat(blocks)["date"].is_monotonic_increasing


def test_blocks_written_one_by_one_and_a_date_split_over_two(tmp_path):
    """An iterable of blocks is written as it comes; a date found in two blocks gets two files."""
    frame = _panel().sort_values(["date", "id"]).reset_index(drop=True)
    pieces = [frame.iloc[:6], frame.iloc[6:]]  # 2020-02-29 is split: 2 rows, then 2 rows
    panel = write_partitioned(iter(pieces), tmp_path / "ds")
    assert list(panel.rows_per_date) == [4] * 5
    assert (tmp_path / "ds" / "date=2020-02-29" / "part-1.parquet").exists()
    assert sorted(panel.read_dates(["2020-02-29"])["id"]) == ["S0", "S1", "S2", "S3"]


def test_subset_reads_only_its_dates(tmp_path):
    """subset(dates) is the same dataset limited to those dates."""
    panel = write_partitioned(_panel(), tmp_path / "ds").subset(["2020-04-30", "2020-05-31"])
    assert [str(d.date()) for d in panel.dates] == ["2020-04-30", "2020-05-31"]
    assert len(panel.read_dates()) == 8 and len(panel.files()) == 2


def test_an_interrupted_write_leaves_nothing_and_keeps_the_old_dataset(tmp_path):
    """A failure while writing removes the temporary folder; an existing dataset is untouched, and
    is replaced only when asked."""
    target = tmp_path / "ds"
    write_partitioned(_panel(seed=0), target)
    before = PartitionedPanel(target).read_dates()

    def failing():
        yield _panel(seed=1)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_partitioned(failing(), target, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]
    pd.testing.assert_frame_equal(PartitionedPanel(target).read_dates(), before)
    with pytest.raises(InputError, match="already exists"):
        write_partitioned(_panel(seed=2), target)
    write_partitioned(_panel(seed=2), target, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]
    assert not np.allclose(PartitionedPanel(target).read_dates()["size"], before["size"])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f: f.assign(size="big"), "column 'size' is not numeric"),
        (lambda f: pd.concat([f, f.iloc[:1]]), "appears twice"),
        (lambda f: f.assign(date=f["date"] + pd.Timedelta(hours=5)), "time of day"),
        (lambda f: f.drop(columns="id"), "no 'id' column"),
    ],
)
def test_bad_panels_are_refused_with_the_reason(tmp_path, change, message):
    """Text in a numeric column, a duplicated id on a date, times of day, a missing id column."""
    with pytest.raises(InputError, match=message):
        write_partitioned(change(_panel()), tmp_path / "ds")
    assert list(tmp_path.iterdir()) == []


def test_reading_what_is_not_a_dataset(tmp_path):
    """A folder without a manifest, an unknown date or column: one sentence naming it."""
    with pytest.raises(InputError, match="no manifest.json"):
        PartitionedPanel(tmp_path)
    assert not is_partitioned_panel(tmp_path) and not is_partitioned_panel(tmp_path / "nothing.csv")
    panel = write_partitioned(_panel(), tmp_path / "ds")
    with pytest.raises(InputError, match="no date 2021-01-31"):
        panel.read_dates(["2021-01-31"])
    with pytest.raises(InputError, match="no column 'bogus'"):
        panel.read_dates(columns=["bogus"])


def test_files_outside_the_manifest_are_never_read(tmp_path):
    """A stray Parquet file in a date folder (a copy, an interrupted writer) is not part of the data."""
    panel = write_partitioned(_panel(), tmp_path / "ds")
    stray = Path(tmp_path / "ds" / "date=2020-01-31" / "copy.parquet")
    stray.write_bytes((tmp_path / "ds" / "date=2020-01-31" / "part-0.parquet").read_bytes())
    assert len(PartitionedPanel(tmp_path / "ds").read_dates(["2020-01-31"])) == 4 == panel.rows_per_date[0]


def test_staged_chunks_of_ids_become_one_file_per_date(tmp_path):
    """Chunks of ids spanning every date (a WRDS pull), staged: one file per date, each date's rows
    sorted by id, the same rows as the panel; no staging files left."""
    frame = _panel(n_dates=7, n_stocks=10)
    chunks = [frame[frame["id"].isin([f"S{i}" for i in ids])] for ids in ([0, 3, 9], [1, 2], [4, 5, 6, 7, 8])]
    panel = write_partitioned(iter(chunks), tmp_path / "ds", staged=True)
    assert len(panel.files()) == 7 and list(panel.rows_per_date) == [10] * 7
    back = panel.read_dates()
    assert all(list(g["id"]) == sorted(g["id"]) for _d, g in back.groupby("date"))
    merged = frame.merge(back, on=["date", "id"], suffixes=("", "_read"))
    assert len(merged) == len(frame) == len(back)
    np.testing.assert_array_equal(merged["size"], merged["size_read"])
    assert not list((tmp_path / "ds").glob(".stage*")) and sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_staged_id_twice_on_a_date_across_chunks_is_refused(tmp_path):
    """Two chunks both holding the ids of one date: refused when the dates are put together, nothing left."""
    frame = _panel()
    with pytest.raises(InputError, match="id 'S0' appears twice on 2020-03-31"):
        write_partitioned(iter([frame, frame[frame["date"] == "2020-03-31"]]), tmp_path / "ds", staged=True)
    assert list(tmp_path.iterdir()) == []


def test_a_frequency_given_is_checked_against_the_dates(tmp_path):
    """Monthly dates declared daily are refused (the manifest would contradict its dates)."""
    with pytest.raises(InputError, match="the dates are monthly, not daily"):
        write_partitioned(_panel(), tmp_path / "ds", frequency="daily")


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda f: f.write_bytes(f.read_bytes()[:-30]), "is not a Parquet file"),
        (lambda f: f.unlink(), "is missing"),
        (
            lambda f: f.write_bytes((f.parent.parent / "date=2020-01-31" / "part-0.parquet").read_bytes()),
            "is not the file",
        ),
    ],
)
def test_verify_reads_footers_and_names_the_damaged_file(tmp_path, damage, reason):
    """verify() compares each file's footer with the digest written in the manifest: a cut, missing
    or swapped file is one message naming the dataset, the file and the fix; reading it as well."""
    panel = write_partitioned(_panel(), tmp_path / "ds")
    panel.verify()
    damage(tmp_path / "ds" / "date=2020-03-31" / "part-0.parquet")
    with pytest.raises(DatasetDamaged, match=f"^ds: the dataset is damaged \\(date=2020-03-31/part-0.parquet {reason}"):
        PartitionedPanel(tmp_path / "ds").verify()
    if reason != "is not the file":  # a swapped file reads (the digest is what tells it apart)
        with pytest.raises(InputError, match="^ds: the dataset is damaged \\(a file"):
            panel.read_dates()


def test_a_damaged_manifest_is_one_message(tmp_path):
    """Dates out of order or files outside their date's folder in the manifest: named, not a traceback."""
    write_partitioned(_panel(), tmp_path / "ds")
    path = tmp_path / "ds" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"][0] = ["date=2020-02-29/part-0.parquet"]
    path.write_text(json.dumps(manifest))
    with pytest.raises(DatasetDamaged, match="the files of 2020-01-31 are not in its folder"):
        PartitionedPanel(tmp_path / "ds")
