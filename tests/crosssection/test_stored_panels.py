"""Panel files kept in the local store (issue 15, item 2): loaded once, later runs read the stored
dataset by blocks of dates; a changed file makes a new entry; damage, a busy or unwritable store
and two programs at once are handled."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

from analytics.crosssection import CrossSectionModel
from analytics.data import stored_panels
from analytics.data.panel import numeric_columns
from analytics.data.partitioned import PartitionedPanel
from analytics.data.paths import locked
from analytics.data.readers import read_dataset
from analytics.data.store import Store
from analytics.data.stored_panels import SOURCE, PanelFileKey
from cli import main

ROOT = Path(__file__).resolve().parents[2]
CHARS = ["size", "value", "mom"]


def write_panel(path: Path, seed: int = 0, n_dates: int = 18, n_stocks: int = 40) -> pd.DataFrame:
    """A monthly panel CSV as a user saves one (permno column, dates as text, a few blanks)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2018-01-31", periods=n_dates, freq="ME")
    frame = pd.DataFrame(
        {
            "date": np.repeat(dates.strftime("%Y-%m-%d"), n_stocks),
            "permno": np.tile(np.arange(10001, 10001 + n_stocks), n_dates),
        }
    )
    for name in ["re", *CHARS, "mcap"]:
        frame[name] = rng.normal(size=len(frame)).round(6)
    frame["mcap"] = frame["mcap"].abs() + 1
    frame.loc[rng.random(len(frame)) < 0.03, "value"] = np.nan
    frame.to_csv(path, index=False)
    return frame


def run(*args: str) -> int:
    return main(["crosssection", *args])


def statsmodels_date(path: Path, date: str) -> np.ndarray:
    """The chapter's regression of one date, from the CSV read with pandas: independent of FactorDesk."""
    raw = pd.read_csv(path)
    section = raw.loc[raw["date"] == date, ["re", *CHARS]].dropna()
    x = section[CHARS]
    return sm.OLS(section["re"], (x - x.mean()) / x.std()).fit().params.to_numpy()


def test_first_run_stores_later_runs_read_the_store(tmp_path, capsys, monkeypatch):
    """Run 1 loads the file and stores it (a note with the times); run 2 finds the entry and never
    loads the file (the loader is made to fail); both give statsmodels' numbers."""
    path = tmp_path / "panel.csv"
    write_panel(path)
    first, second = tmp_path / "one.csv", tmp_path / "two.csv"
    assert run("--panel", str(path), "--chars", ",".join(CHARS), "--out", str(first)) == 0
    err = capsys.readouterr().err
    name = PanelFileKey.of(path, {"id_col": None, "date_col": None, "sheet": None}).name
    assert "panel.csv: loaded in " in err and f"stored in the local store as {name} in " in err
    assert "(720 rows, 18 dates)" in err
    (entry,) = Store().entries()
    assert entry.name == name and entry.source == SOURCE and entry.rows == 720

    def no_loading(*_args, **_kwargs):
        raise AssertionError("the panel file was loaded again")

    monkeypatch.setattr("analytics.data.panel.read_table", no_loading)
    assert run("--panel", str(path), "--chars", ",".join(CHARS), "--out", str(second)) == 0
    err = capsys.readouterr().err
    assert f"panel.csv: read from the local store ({name}, stored " in err and "a block of dates at a time" in err
    one, two = pd.read_csv(first), pd.read_csv(second)
    pd.testing.assert_frame_equal(one, two)
    row = one.loc[one["date"] == "2018-07-31", CHARS].to_numpy()[0]
    np.testing.assert_allclose(row, statsmodels_date(path, "2018-07-31"), rtol=1e-8)


def test_no_store_reads_the_file_and_stores_nothing(tmp_path, capsys):
    """--no-store: the file is loaded, nothing is written to the store, the numbers are the same."""
    path = tmp_path / "panel.csv"
    write_panel(path)
    out = tmp_path / "out.csv"
    assert run("--panel", str(path), "--chars", ",".join(CHARS), "--no-store", "--out", str(out)) == 0
    assert "local store" not in capsys.readouterr().err
    assert Store().entries() == []
    row = pd.read_csv(out).set_index("date").loc["2018-03-31", CHARS].to_numpy()
    np.testing.assert_allclose(row, statsmodels_date(path, "2018-03-31"), rtol=1e-8)


def test_a_changed_file_makes_a_new_entry(tmp_path, capsys):
    """Editing one value (same size) makes a new entry whose numbers are the new file's; the old
    version's entry is removed with a note. Restoring the modification time does not hide a change."""
    path = tmp_path / "panel.csv"
    write_panel(path)
    assert run("--panel", str(path), "--chars", ",".join(CHARS)) == 0
    (old,) = Store().entries()
    capsys.readouterr()
    before = os.stat(path)
    text = path.read_text()
    frame = pd.read_csv(path)
    victim = f"{frame.loc[frame['date'] == '2018-02-28', 're'].iloc[0]:.6f}"
    changed = text.replace(victim, victim[:-1] + ("1" if victim[-1] != "1" else "2"), 1)
    assert len(changed) == len(text)
    path.write_text(changed)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size, same time: only the content differs
    out = tmp_path / "after.csv"
    assert run("--panel", str(path), "--chars", ",".join(CHARS), "--out", str(out)) == 0
    err = capsys.readouterr().err
    (new,) = Store().entries()
    assert new.name != old.name and f"removed the stored copy of an earlier version ({old.name})" in err
    row = pd.read_csv(out).set_index("date").loc["2018-02-28", CHARS].to_numpy()
    np.testing.assert_allclose(row, statsmodels_date(path, "2018-02-28"), rtol=1e-8)


def test_options_and_copies_are_separate_entries(tmp_path):
    """The same file read with another id column, or a copy elsewhere, is another entry."""
    path = tmp_path / "panel.csv"
    write_panel(path)
    copy = tmp_path / "elsewhere" / "panel.csv"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    assert run("--panel", str(path), "--chars", "size") == 0
    assert run("--panel", str(path), "--chars", "size", "--id-col", "permno") == 0
    assert run("--panel", str(copy), "--chars", "size") == 0
    entries = Store().entries()
    assert len(entries) == 3 and len({e.extra["file"]["path"] for e in entries}) == 2


def test_large_files_are_keyed_by_sampled_content(tmp_path):
    """Above 8 MiB the key hashes the ends and 62 spread blocks: a change inside one is seen."""
    path = tmp_path / "big.csv"
    path.write_bytes(b"a" * (20 << 20))
    options = {"id_col": None}
    key = PanelFileKey.of(path, options)
    with open(path, "r+b") as handle:
        handle.seek((1 << 20) + ((20 << 20) - (2 << 20)) // 63)  # the first sampled block
        handle.write(b"b")
    info = os.stat(path)
    os.utime(path, ns=(info.st_atime_ns, key.mtime_ns))
    changed = PanelFileKey.of(path, options)
    assert (changed.size, changed.mtime_ns) == (key.size, key.mtime_ns) and changed.name != key.name


def test_a_damaged_entry_is_stored_anew(tmp_path, capsys):
    """A stored file cut in half: the next run says so, stores the panel again and gives the right numbers."""
    path = tmp_path / "panel.csv"
    write_panel(path)
    assert run("--panel", str(path), "--chars", ",".join(CHARS)) == 0
    (entry,) = Store().entries()
    part = next((Store().root / entry.name).glob("panel-*/date=2018-05-31/part-0.parquet"))
    part.write_bytes(part.read_bytes()[:100])
    capsys.readouterr()
    out = tmp_path / "out.csv"
    assert run("--panel", str(path), "--chars", ",".join(CHARS), "--out", str(out)) == 0
    err = capsys.readouterr().err
    assert "the stored copy was damaged (" in err and "date=2018-05-31/part-0.parquet" in err
    assert "stored anew" in err and "stored in the local store as" in err
    assert Store().damaged(entry.name) is None
    row = pd.read_csv(out).set_index("date").loc["2018-05-31", CHARS].to_numpy()
    np.testing.assert_allclose(row, statsmodels_date(path, "2018-05-31"), rtol=1e-8)


def test_a_busy_store_falls_back_to_the_file(tmp_path, capsys, monkeypatch):
    """Another program holds the entry's lock longer than the wait: the file is used as loaded,
    with a note, and the run succeeds."""
    path = tmp_path / "panel.csv"
    write_panel(path)
    monkeypatch.setattr(stored_panels, "WAIT", 0.2)
    name = PanelFileKey.of(path, {"id_col": None, "date_col": None, "sheet": None}).name
    store = Store()
    with locked(store.root / ".locks" / f"{name}.lock", "test"):
        assert run("--panel", str(path), "--chars", ",".join(CHARS)) == 0
    err = capsys.readouterr().err
    assert "panel.csv: read from the file, not kept in the local store (store entry" in err
    assert "another program is still writing it" in err and store.entries() == []


def test_an_unwritable_store_falls_back_to_the_file(tmp_path, capsys, monkeypatch):
    """A store whose disk fails while writing: the run uses the loaded panel, says why, leaves nothing."""
    path = tmp_path / "panel.csv"
    write_panel(path)

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("analytics.data.partitioned.PartitionedWriter._write_date", full)
    out = tmp_path / "out.csv"
    assert run("--panel", str(path), "--chars", ",".join(CHARS), "--out", str(out)) == 0
    err = capsys.readouterr().err
    assert "read from the file, not kept in the local store" in err and "No space left on device" in err
    assert Store().entries() == [] and sorted(p.name for p in Store().root.iterdir()) == [".locks"]
    row = pd.read_csv(out).set_index("date").loc["2018-03-31", CHARS].to_numpy()
    np.testing.assert_allclose(row, statsmodels_date(path, "2018-03-31"), rtol=1e-8)


_RUNNER = """
import sys
sys.path.insert(0, {root!r})
from cli import main
sys.stdin.readline()
sys.exit(main(["crosssection", "--panel", {panel!r}, "--chars", "size,value,mom", "--out", {out!r}]))
"""


def test_two_programs_store_one_panel_once(tmp_path, factordesk_home):
    """Two processes started together on a new panel file: one loads and stores it, the other
    waits for it and reads the stored copy; one entry, the same numbers."""
    path = tmp_path / "panel.csv"
    write_panel(path, n_dates=60, n_stocks=300)
    env = {**os.environ, "FACTORDESK_HOME": str(factordesk_home)}
    outs = [tmp_path / f"out{i}.csv" for i in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RUNNER.format(root=str(ROOT), panel=str(path), out=str(out))],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for out in outs
    ]
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    errs = [proc.communicate(timeout=300)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], errs
    assert sorted("stored in the local store as" in e for e in errs) == [False, True]
    assert sorted("read from the local store" in e for e in errs) == [False, True]
    assert len(Store().entries()) == 1
    pd.testing.assert_frame_equal(pd.read_csv(outs[0]), pd.read_csv(outs[1]))


def test_workspace_panel_data_set_streams_from_the_store(tmp_path):
    """What the GUI loads: read_dataset(path, "panel", stored=True) gives a data set whose data is
    the stored dataset (numeric columns as a frame's, dates, ids, summary) and remembers the option
    for a restore; the model fits it by blocks of dates with statsmodels' numbers."""
    path = tmp_path / "panel.csv"
    raw = write_panel(path)
    dataset = read_dataset(path, "panel", stored=True)
    panel = dataset.data
    assert isinstance(panel, PartitionedPanel) and dataset.options == {"stored": True}
    assert panel.name == "panel.csv" and numeric_columns(panel) == ["re", *CHARS, "mcap"]
    assert numeric_columns(read_dataset(path, "panel").data) == numeric_columns(panel)  # as the frame's
    assert list(panel.dates) == list(pd.to_datetime(raw["date"].unique()))
    assert list(panel.ids()) == sorted(raw["permno"].astype(str).unique())
    assert dataset.summary == "720 rows, 2018-01-31 to 2019-06-30, 40 ids"
    again = read_dataset(path, dataset.kind, reader=dataset.reader, **dataset.options)
    assert any("read from the local store" in n for n in again.notes)
    fit = CrossSectionModel(again.data, chars=CHARS).fit(block_dates=4)
    np.testing.assert_allclose(fit.params.loc["2019-01-31"].to_numpy(), statsmodels_date(path, "2019-01-31"), rtol=1e-8)


def test_charadj_month_and_save_dataset_from_the_store(tmp_path, capsys):
    """charadj --date reads one month of the stored panel; --save-dataset copies the stored panel
    into a dataset folder, block by block, which reads back as the CSV's rows."""
    path = tmp_path / "panel.csv"
    raw = write_panel(path)
    ports = tmp_path / "ports.csv"
    ports.write_text("portfolio,permno,weight\nA,10001,0.5\nA,10002,0.5\n")
    out = tmp_path / "adj.csv"
    args = ["--panel", str(path), "--portfolios", str(ports), "--chars", ",".join(CHARS), "--out", str(out)]
    assert main(["charadj", *args, "--date", "2018-04"]) == 0
    assert list(pd.read_csv(out)["date"]) == ["2018-04-30"]
    assert main(["charadj", *args, "--date", "2015-01"]) == 2
    assert "no rows in 2015-01; dates run from 2018-01-31 to 2019-06-30" in capsys.readouterr().err
    folder = tmp_path / "copy"
    assert run("--panel", str(path), "--chars", "size", "--save-dataset", str(folder)) == 0
    copied = PartitionedPanel(folder).read_dates()
    want = raw.assign(date=pd.to_datetime(raw["date"]), id=raw["permno"].astype(str))
    merged = want.merge(copied, on=["date", "id"], suffixes=("", "_copy"))
    assert len(merged) == len(raw) == len(copied)
    np.testing.assert_array_equal(merged["value"].isna(), merged["value_copy"].isna())
    np.testing.assert_array_equal(merged["size"], merged["size_copy"])


def test_a_missing_panel_file_is_one_line(tmp_path, capsys):
    """A path that is not a file: the loader's one line (exit 2), the store untouched."""
    assert run("--panel", str(tmp_path / "nothere.csv")) == 2
    err = capsys.readouterr().err
    assert "nothere.csv: file not found" in err and err.count("\n") == 1 and "Traceback" not in err
    assert Store().entries() == []
