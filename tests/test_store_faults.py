"""The local store under faults (issue 17): damaged manifests and tables, two writers, old layout.

Every damage the issue lists is made by hand on a real store folder, then read through the
store, ``store list`` and the Ken French loader (online: fetched again; offline: one line
with the fix). Before issue 17 each of these was a traceback, an empty listing, or silently
wrong data.
"""

from __future__ import annotations

import json
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


@pytest.mark.parametrize("how", list(CASES))
def test_damage_is_one_clear_line_and_hides_nothing(store, how) -> None:
    """Each damage: load is one InputError naming the entry, the reason and the fix; entry() is
    None (so an online caller fetches again); the listing still shows the other entries."""
    damage(store, how)
    with pytest.raises(StoreDamaged, match=f"^victim: the stored copy is damaged \\(.*{CASES[how]}") as info:
        store.load("victim")
    message = str(info.value)
    assert "\n" not in message and "pull or download it again when online" in message
    assert str(store.root / "victim") in message
    assert store.entry("victim") is None and store.damaged("victim").name == "victim"
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


def test_two_writers_never_mix_manifest_and_data(tmp_path) -> None:
    """Two processes each write one entry 30 times at once while this one reads it: every read
    is one writer's manifest with that writer's data, and so is the end state."""
    store = Store(tmp_path / "store")
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER.format(root=str(ROOT), store=str(store.root), me=me)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for me in "AB"
    ]
    reads: list[tuple[str, str, int]] = []
    try:
        for writer in writers:
            assert writer.stdout.readline().strip() == "READY"
        for writer in writers:
            writer.stdin.write("go\n")
            writer.stdin.flush()
        while any(w.poll() is None for w in writers):
            try:
                entry, frame = store.read("shared")
            except InputError as exc:
                assert "not in the local store" in str(exc)  # before the first write
                continue
            reads.append((entry.extra["writer"], "".join(sorted(set(frame["writer"]))), len(frame)))
        for writer in writers:
            assert writer.wait(timeout=120) == 0 and writer.stdout.read().strip() == "DONE"
    finally:
        for writer in writers:
            writer.kill()
            writer.stdin.close()
            writer.stdout.close()
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
