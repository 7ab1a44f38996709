"""The local store under faults (issue 17): damaged manifests and tables, two writers, old layout.

Every damage the issue lists is made by hand on a real store folder, then read through the
store, ``store list`` and the Ken French loader (online: fetched again; offline: one line
with the fix). Before issue 17 each of these was a traceback, an empty listing, or silently
wrong data.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cli
from analytics.data.famafrench import famafrench_job
from analytics.data.store import DamagedEntry, Store, StoreDamaged
from analytics.data.wrds_source import PullRequest
from analytics.errors import InputError
from analytics.jobs import run
from tests.test_famafrench import library, online, server, session  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
KF = "F-F_Research_Data_Factors"


def factors(freq: str = "monthly", n: int = 36) -> pd.DataFrame:
    """A small factor table in decimals (the way the Ken French cache stores it)."""
    dates = (
        pd.date_range("2015-01-31", periods=n, freq="ME")
        if freq == "monthly"
        else pd.bdate_range("2015-01-01", periods=n)
    )
    rng = np.random.default_rng(4)
    return pd.DataFrame(
        {"date": dates, "Mkt-RF": rng.normal(0.005, 0.04, n), "SMB": rng.normal(0, 0.02, n), "RF": 0.001}
    )


@pytest.fixture
def store(tmp_path) -> Store:
    """A store with two good entries, ``good`` and ``other``, and ``victim`` to damage."""
    s = Store(tmp_path / "store")
    for name in ("good", "other", "victim"):
        s.save(name, factors(), source="test", query=f"q-{name}", freq="monthly")
    return s


def edit_manifest(store: Store, name: str, **fields) -> None:
    path = store.root / name / "manifest.json"
    raw = json.loads(path.read_text())
    raw.update(fields)
    path.write_text(json.dumps(raw))


def rewrite_data(store: Store, name: str, frame: pd.DataFrame) -> None:
    """Replace the data file keeping its FactorDesk metadata (a tool that rewrote the table)."""
    path = store.root / name / "data.parquet"
    meta = pq.read_schema(path).metadata
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata, b"factordesk": meta[b"factordesk"]}), path)


def damage(store: Store, how: str) -> None:
    """Damage ``victim`` in one of the ways the issue lists."""
    folder = store.root / "victim"
    table = factors()
    if how == "pulled_at yesterday":
        edit_manifest(store, "victim", pulled_at="yesterday")
    elif how == "pulled_at without zone":
        edit_manifest(store, "victim", pulled_at="2024-05-01T10:00:00")
    elif how == "pulled_at null":
        edit_manifest(store, "victim", pulled_at=None)
    elif how == "rows as text":
        edit_manifest(store, "victim", rows="36")
    elif how == "manifest is a folder":
        (folder / "manifest.json").unlink()
        (folder / "manifest.json").mkdir()
    elif how == "manifest not json":
        (folder / "manifest.json").write_text('{"name": "victim", ')
    elif how == "manifest a list":
        (folder / "manifest.json").write_text("[1, 2]")
    elif how == "text dates":
        rewrite_data(store, "victim", table.assign(date=table["date"].dt.strftime("%Y-%m-%d")))
    elif how == "duplicate dates":
        rewrite_data(store, "victim", table.assign(date=table["date"].where(table.index != 5, table["date"][4])))
    elif how == "values x100":
        rewrite_data(store, "victim", table.assign(**{"Mkt-RF": table["Mkt-RF"] * 100}))
    elif how == "monthly under a daily name":
        edit_manifest(store, "victim", extra={"freq": "daily"})
    elif how == "data of another entry":
        (folder / "data.parquet").write_bytes((store.root / "good" / "data.parquet").read_bytes())
    elif how == "data missing":
        (folder / "data.parquet").unlink()
    elif how == "truncated data":
        data = (folder / "data.parquet").read_bytes()
        (folder / "data.parquet").write_bytes(data[: len(data) // 2])
    elif how == "column renamed":
        rewrite_data(store, "victim", table.rename(columns={"SMB": "HML"}))
    else:
        raise AssertionError(how)


CASES = {
    "pulled_at yesterday": "field 'pulled_at' is 'yesterday', not a date-time",
    "pulled_at without zone": "field 'pulled_at' \\(2024-05-01T10:00:00\\) has no time zone",
    "pulled_at null": "field 'pulled_at' is null, not text",
    "rows as text": "field 'rows' is \"36\", not a whole number",
    "manifest is a folder": "manifest.json is not a file",
    "manifest not json": "manifest.json is not valid JSON",
    "manifest a list": "manifest.json holds a list, not a manifest",
    "text dates": "column 'date' holds string values, not dates",
    "duplicate dates": "date 2015-05-31 00:00:00 appears twice \\(row 6\\)",
    "values x100": "the values of column 'Mkt-RF' differ from what was stored \\(changed or rescaled\\)",
    "monthly under a daily name": "the dates are monthly, the manifest says daily",
    "data of another entry": "data.parquet does not belong to this manifest",
    "data missing": "data.parquet is missing",
    "truncated data": "data.parquet is not a readable Parquet file",
    "column renamed": "data.parquet has columns \\['date', 'Mkt-RF', 'HML', 'RF'\\]",
}


FOUND_ON_READ = ("duplicate dates", "values x100", "monthly under a daily name")


def assert_damaged(store: Store, open_entry, reason: str) -> None:
    """Opening ``victim`` is one line naming it, the reason, the fix and its folder; entry() is None
    (so an online caller fetches it again) and damaged() says why."""
    with pytest.raises(StoreDamaged, match=f"^victim: the stored copy is damaged \\(.*{reason}") as info:
        open_entry("victim")
    message = str(info.value)
    assert "\n" not in message and "pull or download it again when online" in message
    assert str(store.root / "victim") in message
    assert store.entry("victim") is None and store.damaged("victim").name == "victim"


@pytest.mark.parametrize("how", list(CASES))
def test_damage_is_one_clear_line_and_hides_nothing(store, how) -> None:
    """Each damage: load is one InputError naming the entry, the reason and the fix; entry() is
    None (so an online caller fetches again); the listing still shows the other entries."""
    damage(store, how)
    assert_damaged(store, store.load, CASES[how])
    good, bad = store.scan()  # a quick check: damage inside the values shows when the table is read
    assert [e.name for e in good if e.name != "victim"] == ["good", "other"]
    assert [d.name for d in bad] == ([] if how in FOUND_ON_READ else ["victim"])
    assert store.load("good").shape == (36, 4)


@pytest.mark.parametrize("how", ["pulled_at yesterday", "manifest is a folder", "text dates", "values x100"])
def test_damaged_entry_is_replaced_by_the_next_save(store, how) -> None:
    """Saving a damaged entry again (what an online run does) replaces it, even for another query."""
    damage(store, how)
    store.save("victim", factors(), source="test", query="another query", freq="monthly")
    assert store.entry("victim").query == "another query" and store.damaged("victim") is None


def test_store_list_shows_the_others_and_the_damage(store, capsys, monkeypatch) -> None:
    """``store list`` with one damaged manifest lists the good entries and one line for the damaged one."""
    monkeypatch.setattr("cli.store.Store", lambda: store)
    damage(store, "pulled_at yesterday")
    assert cli.main(["store", "list"]) == 0
    out = capsys.readouterr().out
    assert "good" in out and "other" in out
    damaged = [line for line in out.splitlines() if line.startswith("damaged:")]
    assert len(damaged) == 1 and "victim" in damaged[0] and "'yesterday', not a date-time" in damaged[0]
    assert "2 entries" in out and "1 damaged" in out


def test_famafrench_online_fetches_a_damaged_cache_again(online, session, tmp_path) -> None:  # noqa: F811
    """Online, a damaged cached table is downloaded again and replaced (before: a traceback)."""
    cache = Store(tmp_path / "cache")
    run(famafrench_job("ff3", "monthly", store=cache, session=session))
    edit_manifest(cache, KF, pulled_at="yesterday")
    online.hits.clear()
    data = run(famafrench_job("ff3", "monthly", store=cache, session=session))
    assert len(online.hits) == 1 and not data.factors.empty
    assert cache.damaged(KF) is None and cache.entry(KF).age_days < 0.01


def test_famafrench_offline_says_how_to_fix_a_damaged_cache(online, session, tmp_path) -> None:  # noqa: F811
    """Offline, a damaged cached table is one line naming it, the damage and the fix."""
    cache = Store(tmp_path / "cache")
    run(famafrench_job("ff3", "monthly", store=cache, session=session))
    damage_values = cache.load(KF).assign(SMB=lambda f: f["SMB"] * 100)
    rewrite_data(cache, KF, damage_values)
    with pytest.raises(
        InputError,
        match=f"^{KF}: the stored copy is damaged \\(the values of column 'SMB'.*"
        f"when online.*or delete {cache.root / KF}",
    ):
        run(famafrench_job("ff3", "monthly", store=cache, session=session, offline=True))


_WRITER = """
import sys
sys.path.insert(0, {root!r})
import pandas as pd
from analytics.data.store import Store
store, me = Store({store!r}), {me!r}
dates = pd.date_range("2000-01-31", periods=120 + 12 * int(me == "B"), freq="ME")
print("READY", flush=True)
sys.stdin.readline()
for i in range(30):
    frame = pd.DataFrame({{"date": dates, "writer": me, "round": float(i)}})
    store.save("shared", frame, source="writer " + me, query="round", replace=True, freq="monthly", writer=me)
print("DONE", flush=True)
"""


def race(code: str, store: Store, writers: tuple, read) -> list:
    """Start one process per writer running ``code`` (which prints READY, waits for a line, writes,
    prints DONE), let them go together and call ``read()`` until all are done; what it returned
    (None: nothing to record) in order."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code.format(root=str(ROOT), store=str(store.root), me=me)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for me in writers
    ]
    reads = []
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "READY"
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        while any(p.poll() is None for p in procs):
            found = read()
            if found is not None:
                reads.append(found)
        for proc in procs:
            assert proc.wait(timeout=120) == 0 and proc.stdout.read().strip() == "DONE"
    finally:
        for proc in procs:
            proc.kill()
            proc.stdin.close()
            proc.stdout.close()
    return reads


def test_two_writers_never_mix_manifest_and_data(tmp_path) -> None:
    """Two processes each write one entry 30 times at once while this one reads it: every read
    is one writer's manifest with that writer's data, and so is the end state."""
    store = Store(tmp_path / "store")

    def read() -> tuple[str, str, int] | None:
        try:
            entry, frame = store.read("shared")
        except InputError as exc:
            assert "not in the local store" in str(exc)  # before the first write
            return None
        return entry.extra["writer"], "".join(sorted(set(frame["writer"]))), len(frame)

    reads = race(_WRITER, store, ("A", "B"), read)
    assert len(reads) > 10 and all(manifest == data for manifest, data, _rows in reads), reads
    assert all(rows == (120 if who == "A" else 132) for who, _d, rows in reads)
    entry, frame = store.read("shared")
    assert set(frame["writer"]) == {entry.extra["writer"]} and frame["round"].iloc[0] == 29.0
    assert sorted(p.name for p in store.root.iterdir()) == [".locks", "shared"]


def test_a_writer_killed_mid_swap_loses_nothing(store) -> None:
    """An entry moved aside by a writer killed before its rename is put back by the next reader;
    a killed writer's temp folder goes at the next write."""
    (store.root / "good").rename(store.root / ".good.0123456789abcdef.old")
    (store.root / ".other.fedcba9876543210.new").mkdir()
    assert store.entry("good").query == "q-good"
    assert (store.root / "good").is_dir()
    store.save("other", factors(), source="test", query="q-other", freq="monthly")
    assert sorted(p.name for p in store.root.iterdir()) == [".locks", "good", "other", "victim"]


def test_save_refuses_a_table_that_would_not_read_back(store) -> None:
    """A table whose dates repeat, or do not match the frequency given, is not stored."""
    with pytest.raises(InputError, match="refusing to store.*the dates are monthly, the manifest says daily"):
        store.save("new", factors(), source="test", query="q", freq="daily")
    assert not (store.root / "new").exists()


def test_old_layout_entries_are_migrated_or_reported(tmp_path) -> None:
    """``<name>.parquet`` + ``<name>.json`` from earlier versions: a good pair is rewritten as a
    folder and reads the same; a damaged pair is listed as damaged, never a crash."""
    root = tmp_path / "old"
    root.mkdir()
    frame = factors()
    for name, pulled in (("kept", "2024-05-01T10:00:00+00:00"), ("broken", "yesterday"), ("folder", "")):
        frame.to_parquet(root / f"{name}.parquet", index=False)
        (root / f"{name}.json").write_text(
            json.dumps(
                {
                    "name": name,
                    "source": "Ken French data library",
                    "query": "url",
                    "pulled_at": pulled,
                    "rows": len(frame),
                    "extra": {"freq": "monthly"},
                }
            )
        )
    (root / "folder.json").unlink()
    (root / "folder.json").mkdir()
    store = Store(root)
    good, bad = store.scan()
    assert [e.name for e in good] == ["kept"] and good[0].pulled_at == "2024-05-01T10:00:00+00:00"
    assert bad == [
        DamagedEntry("broken", "old layout: field 'pulled_at' is 'yesterday', not a date-time", root / "broken.json"),
        DamagedEntry("folder", "old layout: folder.json is not a file", root / "folder.json"),
    ]
    pd.testing.assert_frame_equal(store.load("kept"), frame)
    assert (root / "kept" / "manifest.json").is_file() and not (root / "kept.json").exists()


def test_default_wrds_names_differ_for_different_requests() -> None:
    """Two pulls that differ only in their fifth ticker (or the as-of date) get different names;
    the same request gets the same name (so pulling it again refreshes it)."""
    base = {"start": "2019-01-01", "end": "2020-12-31", "freq": "monthly"}
    one = PullRequest.build(tickers=["A", "B", "C", "D", "E"], **base).default_name
    two = PullRequest.build(tickers=["A", "B", "C", "D", "F"], **base).default_name
    three = PullRequest.build(tickers=["A", "B", "C", "D", "E"], as_of="2020-06-30", **base).default_name
    assert len({one, two, three}) == 3
    assert one == PullRequest.build(tickers=["a", "b", "c", "d", "e"], **base).default_name
    assert one.startswith("wrds_ciz_monthly_A-B-C-D-and-1-more_2019-01-01_2020-12-31_")


def test_reader_sees_old_or_new_during_a_long_write(store, monkeypatch) -> None:
    """While a (slow) writer builds the new entry, readers keep reading the old one whole."""
    import analytics.data.store as store_module

    real = store_module.Store._swap_in
    started = threading.Event()

    def slow_swap(self, *args, **kwargs):
        started.set()
        time.sleep(0.5)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(store_module.Store, "_swap_in", slow_swap)
    writer = threading.Thread(
        target=lambda: store.save("good", factors(n=48), source="test", query="q-good", freq="monthly")
    )
    writer.start()
    started.wait(5)
    reader = Store(store.root)
    assert len(reader.load("good")) == 36
    writer.join()
    assert len(reader.load("good")) == 48


# --- dataset entries (issue 15: stored panels and WRDS pulls, one file per date) ------------------


def stock_panel(writer: float = 0.0, n: int = 12) -> pd.DataFrame:
    """A monthly stock panel: 6 ids, ``ret``, ``mcap`` and whole-number ``shares``."""
    dates = pd.date_range("2020-01-31", periods=n, freq="ME")
    rng = np.random.default_rng(int(writer))
    return pd.DataFrame(
        {
            "date": np.repeat(dates, 6),
            "id": np.tile([f"S{i}" for i in range(6)], n),
            "ret": rng.normal(0, 0.05, 6 * n),
            "mcap": rng.uniform(1, 100, 6 * n),
            "shares": np.arange(6 * n),
            "writer": writer,
        }
    )


def save_panel(store: Store, name: str, frame: pd.DataFrame, query: str = "q", **extra):
    with store.panel_writer(name, source="test", query=query) as writer:
        writer.add(frame)
        return writer.commit(freq="monthly", **extra)


@pytest.fixture
def panels(tmp_path) -> Store:
    """A store with a table entry ``good`` and dataset entries ``other`` and ``victim``."""
    s = Store(tmp_path / "store")
    s.save("good", factors(), source="test", query="q-good", freq="monthly")
    save_panel(s, "other", stock_panel(1.0), query="q-other")
    save_panel(s, "victim", stock_panel(2.0), query="q-victim")
    return s


def part(store: Store, name: str) -> Path:
    return next((store.root / name).glob("panel-*"))


def edit_dataset_manifest(store: Store, name: str, change) -> None:
    path = part(store, name) / "manifest.json"
    raw = json.loads(path.read_text())
    change(raw)
    path.write_text(json.dumps(raw))


def damage_panel(store: Store, how: str) -> None:
    """Damage the dataset entry ``victim`` in one way."""
    data = part(store, "victim")
    file = data / "date=2020-03-31" / "part-0.parquet"
    if how == "dataset manifest missing":
        (data / "manifest.json").unlink()
    elif how == "dataset manifest not JSON":
        (data / "manifest.json").write_text("{")
    elif how == "dataset folder missing":
        shutil.rmtree(data)
    elif how == "rows edited":
        edit_dataset_manifest(
            store, "victim", lambda m: m.update(rows=[7, *m["rows"][1:]], row_count=m["row_count"] + 1)
        )
    elif how == "dates out of order":
        edit_dataset_manifest(store, "victim", lambda m: m["dates"].reverse())
    elif how == "file outside its date":
        edit_dataset_manifest(store, "victim", lambda m: m["files"][1].__setitem__(0, "date=2020-03-31/part-0.parquet"))
    elif how == "statistics edited":
        edit_dataset_manifest(store, "victim", lambda m: m["stats"].update(ret=[-1.0, 1.0]))
    elif how == "monthly under a daily name":
        edit_manifest(store, "victim", extra={"freq": "daily"})
    elif how == "dataset of another entry":
        shutil.rmtree(data)
        shutil.copytree(part(store, "other"), data)
    elif how == "file cut":
        file.write_bytes(file.read_bytes()[:300])
    elif how == "file missing":
        file.unlink()
    elif how == "another date's file":
        shutil.copy(data / "date=2020-04-30" / "part-0.parquet", file)
    elif how == "values x100":
        table = pq.read_table(file)
        pq.write_table(table.set_column(1, "ret", pa.compute.multiply(table.column("ret"), 100)), file)
    elif how == "column renamed":
        table = pq.read_table(file)
        pq.write_table(table.rename_columns(["id", "RET", "mcap", "shares", "writer"]), file)
    else:
        raise AssertionError(how)


PANEL_CASES = {  # how: (reason in the message, seen by the quick check of a listing)
    "dataset manifest missing": ("panel-[0-9a-f]{16} is missing or not a dataset", True),
    "dataset manifest not JSON": ("manifest.json cannot be read", True),
    "dataset folder missing": ("is missing or not a dataset", True),
    "rows edited": ("panel-[0-9a-f]{16} has 73 rows, the manifest says 72", True),
    "dates out of order": ("its dates are not in increasing order", True),
    "file outside its date": ("the files of 2020-02-29 are not in its folder", True),
    "statistics edited": ("does not match the manifest's fingerprints \\(changed or rescaled\\)", True),
    "monthly under a daily name": ("the dates are monthly, the manifest says daily", True),
    "dataset of another entry": ("does not belong to this manifest", True),
    "file cut": ("date=2020-03-31/part-0.parquet is not a Parquet file", False),
    "file missing": ("date=2020-03-31/part-0.parquet is missing", False),
    "another date's file": ("date=2020-03-31/part-0.parquet is not the file that was written", False),
    "values x100": ("date=2020-03-31/part-0.parquet is not the file that was written", False),
    "column renamed": ("date=2020-03-31/part-0.parquet is not the file that was written", False),
}


@pytest.mark.parametrize("how", list(PANEL_CASES))
def test_dataset_damage_is_one_clear_line_and_hides_nothing(panels, how) -> None:
    """Each damage of a dataset entry: opening it is one line naming the entry, the reason and the
    fix; entry() is None; the listing still shows the others (manifest-level damage is listed as
    damaged; a file's damage shows when the entry is opened, from the files' footers)."""
    reason, quick = PANEL_CASES[how]
    damage_panel(panels, how)
    assert_damaged(panels, panels.panel, reason)
    with pytest.raises(StoreDamaged):
        panels.load("victim")
    good, bad = panels.scan()
    assert [e.name for e in good if e.name != "victim"] == ["good", "other"]
    assert [d.name for d in bad] == (["victim"] if quick else [])
    assert panels.panel("other")[1].n_rows == 72 and panels.load("good").shape == (36, 4)


def test_damage_found_while_streaming_names_the_entry(panels) -> None:
    """A file cut after the entry was opened (checked): the fit reading it stops with the entry's
    damage message, not a pyarrow traceback."""
    from analytics.crosssection import CrossSectionModel

    _entry, panel = panels.panel("victim", label="victim.csv")
    file = part(panels, "victim") / "date=2020-06-30" / "part-0.parquet"
    file.write_bytes(file.read_bytes()[:-20])
    with pytest.raises(InputError, match="^victim: the stored copy is damaged \\(a file cannot be read") as info:
        CrossSectionModel(panel, ret_col="ret", chars=["mcap"]).fit(threads=1)
    assert "pull or download it again when online" in str(info.value)


def test_an_entry_replaced_while_streamed_is_never_mixed(panels) -> None:
    """An entry refreshed while a reader holds the old one: the old reader's next read says its files
    are gone (replaced while in use) instead of reading the new version's files."""
    _entry, old = panels.panel("victim")
    save_panel(panels, "victim", stock_panel(3.0), query="q-victim")
    with pytest.raises(InputError, match="a file is gone .*replaced or deleted while in use"):
        old.read_dates()
    assert set(panels.panel("victim")[1].read_dates()["writer"]) == {3.0}


def test_an_interrupted_panel_write_keeps_the_old_entry(panels) -> None:
    """A writer failing (or cancelled) after some blocks stores nothing: the old entry reads as before
    and no temp folder is left."""
    before = panels.load("victim")
    with (
        pytest.raises(OSError, match="network gone"),
        panels.panel_writer("victim", source="test", query="q-victim") as w,
    ):
        w.add(stock_panel(5.0).iloc[:30])
        raise OSError("network gone")
    pd.testing.assert_frame_equal(panels.load("victim"), before)
    assert sorted(p.name for p in panels.root.iterdir()) == [".locks", "good", "other", "victim"]


def test_panel_writer_refuses_another_request_and_a_held_lock(panels) -> None:
    """Another request under the name is refused as save() refuses it; a lock held by another
    program longer than the wait is StoreUnavailable (the caller may go on without the store)."""
    from analytics.data.paths import locked
    from analytics.data.store import StoreConflict, StoreUnavailable

    conflict = pytest.raises(StoreConflict, match="already holds another pull")
    with conflict, panels.panel_writer("victim", source="test", query="another"):
        pass
    busy = pytest.raises(StoreUnavailable, match="store entry victim: another program is still writing it")
    held = locked(panels.root / ".locks" / "victim.lock", "test")
    with held, busy, panels.panel_writer("victim", source="test", query="q-victim", wait=0.1):
        pass


def test_remove_deletes_one_entry(panels) -> None:
    """remove() deletes the entry whole; the others stay; removing a missing entry is quiet."""
    panels.remove("victim")
    panels.remove("victim")
    assert [e.name for e in panels.entries()] == ["good", "other"]
    assert sorted(p.name for p in panels.root.iterdir()) == [".locks", "good", "other"]


_PANEL_WRITER = """
import sys
sys.path.insert(0, {root!r})
from analytics.data.store import Store
from tests.test_store_faults import stock_panel
store, me = Store({store!r}), {me!r}
print("READY", flush=True)
sys.stdin.readline()
for i in range(15):
    frame = stock_panel(float(me), n=12 + me).assign(round=float(i))
    with store.panel_writer("shared", source="writer", query="round", staged=True) as writer:
        for k in range(0, len(frame), 17):
            writer.add(frame.iloc[k : k + 17])
        writer.commit(freq="monthly", writer=me)
print("DONE", flush=True)
"""


def test_two_panel_writers_never_mix(tmp_path) -> None:
    """Two processes write one dataset entry 15 times each, chunk by chunk, while this one reads it:
    every read is one writer's manifest with that writer's rows (a read that meets a replacement
    says so), and so is the end state."""
    store = Store(tmp_path / "store")

    def read() -> tuple[int, set[float], int] | None:
        try:
            entry, panel = store.panel("shared")
            frame = panel.read_dates()
        except InputError as exc:
            assert "not in the local store" in str(exc) or "replaced or deleted while in use" in str(exc), exc
            return None
        return entry.extra["writer"], set(frame["writer"]), len(frame)

    reads = race(_PANEL_WRITER, store, (1, 2), read)
    assert len(reads) > 5 and all({float(who)} == seen for who, seen, _rows in reads), reads
    assert all(rows == 6 * (12 + who) for who, _seen, rows in reads)
    entry, panel = store.panel("shared")
    frame = panel.read_dates()
    assert set(frame["writer"]) == {float(entry.extra["writer"])} and set(frame["round"]) == {14.0}
    assert sorted(p.name for p in store.root.iterdir()) == [".locks", "shared"]


def test_store_list_shows_dataset_entries_and_their_damage(panels, capsys, monkeypatch) -> None:
    """``store list`` lists dataset entries with their rows beside table entries; a damaged one is
    one line with the reason and the fix its manifest names (a stored panel file: open it again)."""
    monkeypatch.setattr("cli.store.Store", lambda: panels)
    save_panel(panels, "panel_file", stock_panel(4.0), fix="open panel.csv again")
    damage_panel(panels, "rows edited")
    edit_dataset_manifest(panels, "panel_file", lambda m: m["dates"].reverse())
    assert cli.main(["store", "list"]) == 0
    out = capsys.readouterr().out
    listed = {line.split()[0]: line for line in out.splitlines()[1:] if not line.startswith(("damaged", "2 entries"))}
    assert set(listed) == {"good", "other"} and " 72 " in listed["other"]
    damaged = sorted(line for line in out.splitlines() if line.startswith("damaged:"))
    assert len(damaged) == 2 and "2 entries" in out and "2 damaged" in out
    assert (
        "panel_file: the stored copy is damaged" in damaged[0]
        and "; open panel.csv again (that replaces it)" in damaged[0]
    )
    assert "victim: the stored copy is damaged" in damaged[1] and "has 73 rows, the manifest says 72" in damaged[1]
