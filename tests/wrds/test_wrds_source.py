"""WrdsSource against a real PostgreSQL shaped like WRDS, through a real ``wrds.Connection``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import jobs
from analytics.data.partitioned import PartitionedPanel
from analytics.data.store import PanelEntryWriter, Store
from analytics.data.wrds_source import PullRequest, WrdsSettings, WrdsSource
from analytics.errors import InputError
from tests.wrds.wrds_crsp_seed import DELISTED, DLRET, DLSTDT, NAME_CHANGE, REUSED
from tests.wrds.wrds_pg_server import PASSWORD, free_port

HOSTILE = "x'; drop table crsp.dsf; --"


def pull(source: WrdsSource, store: Store, **request) -> object:
    request.setdefault("start", "2019-01-01")
    request.setdefault("end", "2020-12-31")
    return jobs.run(source.pull(PullRequest.build(**request), store))


def rows(result) -> pd.DataFrame:
    """A pull's stored rows read back whole, by id and date."""
    return result.panel.read_dates().sort_values(["id", "date"]).reset_index(drop=True)


def test_ticker_resolution_follows_name_change_and_reuse(source: WrdsSource) -> None:
    """A ticker maps to the permno that carried it on the date asked; over a range, to every carrier."""
    for fmt in ("ciz", "siz"):
        early = source.resolve_tickers(["oldco"], date(2019, 6, 28), fmt=fmt)
        late = source.resolve_tickers(["OLDCO", "NEWCO"], date(2020, 12, 31), fmt=fmt)
        span = source.resolve_tickers(["OLDCO"], date(2019, 1, 1), date(2020, 12, 31), fmt=fmt)
        assert early["permno"].tolist() == [NAME_CHANGE]
        assert dict(zip(late["ticker"], late["permno"])) == {"NEWCO": NAME_CHANGE, "OLDCO": REUSED}
        assert span["permno"].tolist() == [NAME_CHANGE, REUSED]
        assert span["end"].iloc[0] == date(2019, 12, 31)


def test_ciz_spells_of_one_ticker_are_merged(source: WrdsSource) -> None:
    """CIZ splits a security's history into many spells; the mapping reports one per ticker and permno."""
    found = source.resolve_tickers(["AAPL"], date(2019, 1, 1), date(2020, 12, 31))
    assert found[["ticker", "permno"]].values.tolist() == [["AAPL", 14593]]
    assert found["start"].iloc[0] == date(2000, 1, 1)


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("freq", ["daily", "monthly"])
def test_pull_returns_prices_and_market_cap(source: WrdsSource, sql, legacy: bool, freq: str) -> None:
    """A pull returns the stock file's rows for the range, with mcap = |prc| x shrout."""
    store = Store()
    result = pull(source, store, tickers=["AAPL", "MSFT"], freq=freq, legacy=legacy)
    frame = rows(result)
    assert set(frame["id"]) == {"AAPL", "MSFT"}
    table, col = {
        ("daily", False): ("dsf_v2", "dlycaldt"),
        ("monthly", False): ("msf_v2", "mthcaldt"),
        ("daily", True): ("dsf", "date"),
        ("monthly", True): ("msf", "date"),
    }[(freq, legacy)]
    (expected,) = sql(
        f"SELECT count(*) FROM crsp.{table} WHERE permno IN (14593, 10107) "
        f"AND {col} BETWEEN '2019-01-01' AND '2020-12-31'"
    )[0]
    assert len(frame) == expected > 0
    np.testing.assert_allclose(frame["mcap"], frame["prc"].abs() * frame["shrout"])
    assert f"crsp.{table}" in result.entry.extra["tables"]


def test_monthly_pull_matches_the_course_extract(source: WrdsSource, shared_data: Path) -> None:
    """Legacy monthly values of 1200 permnos (3 chunks) equal the CRSP extract they were seeded from."""
    extract = pd.read_csv(shared_data / "crsp_monthly_2019_2020.csv", parse_dates=["date"])
    permnos = sorted(extract["permno"].unique())[:1200]
    request = PullRequest.build("2019-01-01", "2020-12-31", permnos=permnos, legacy=True)
    steps: list[str] = []
    result = jobs.run(source.pull(request, Store()), lambda p: steps.append(p.message))
    assert sum("ids chunk" in s for s in steps) == 3
    want = extract[extract["permno"].isin(permnos)].sort_values(["permno", "date"]).reset_index(drop=True)
    got = rows(result).sort_values(["permno", "date"]).reset_index(drop=True)
    assert got["permno"].tolist() == want["permno"].tolist()
    np.testing.assert_allclose(got["ret"], want["ret"], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(got["mcap"], want["prc"].abs() * want["shrout"], rtol=1e-12, equal_nan=True)


def test_chunking_gives_the_same_rows(source: WrdsSource) -> None:
    """Querying ids in chunks of 2 (one chunk finding nothing) returns exactly what one query returns."""
    ids = [14593, 10107, 86580, 84788, 1, NAME_CHANGE]
    one = rows(pull(source, Store(), permnos=ids, freq="daily"))
    steps: list[str] = []
    request = PullRequest.build("2019-01-01", "2020-12-31", permnos=ids, freq="daily", chunk_size=2)
    chunked = jobs.run(source.pull(request, Store(), name="chunked"), lambda p: steps.append(p.message))
    assert sum("ids chunk" in s for s in steps) == 3
    pd.testing.assert_frame_equal(one, rows(chunked))


@pytest.mark.parametrize("freq", ["daily", "monthly"])
def test_delisting_return_counted_once(source: WrdsSource, freq: str) -> None:
    """SIZ compounds the delisting return in; CIZ already has it; both give the same return."""
    got = {
        legacy: pull(source, Store(), tickers=["GONE"], as_of="2020-01-31", freq=freq, legacy=legacy)
        for legacy in (False, True)
    }
    ciz, siz = (rows(got[k]) for k in (False, True))
    day = ciz["date"].dt.to_period("M") == DLSTDT.to_period("M") if freq == "monthly" else ciz["date"] == DLSTDT
    raw = 0.10 if freq == "monthly" else 0.02
    assert ciz.loc[day, "ret"].item() == pytest.approx((1 + raw) * (1 + DLRET) - 1)
    same = ["date", "id", "permno", "ret", "mcap"]  # prc differs: SIZ marks bid/ask midpoints negative
    pd.testing.assert_frame_equal(ciz[same], siz[same])
    assert "not added again" in got[False].entry.extra["delisting"]
    assert "dsedelist" in got[True].entry.extra["delisting"] or "msedelist" in got[True].entry.extra["delisting"]
    assert ciz["permno"].eq(DELISTED).all()


def test_renamed_company_keeps_its_history(source: WrdsSource) -> None:
    """Tickers resolve as of the end date; the permno's earlier months (under the old name) are kept."""
    result = pull(source, Store(), tickers=["NEWCO"], freq="monthly")
    assert rows(result)["permno"].eq(NAME_CHANGE).all()
    assert len(rows(result)) == 24
    assert result.entry.extra["mapping"][0]["ticker"] == "NEWCO"


def test_hostile_ticker_is_just_an_unknown_ticker(source: WrdsSource, sql) -> None:
    """User text is bound, never spliced into SQL: the injection string finds nothing, dsf survives."""
    (before,) = sql("SELECT count(*) FROM crsp.dsf")[0]
    for fmt in ("ciz", "siz"):
        assert source.resolve_tickers([HOSTILE], date(2020, 1, 2), fmt=fmt).empty
    with pytest.raises(InputError, match="no permno carried ticker") as info:
        pull(source, Store(), tickers=[HOSTILE], legacy=True)
    assert info.value.option == "as_of"
    assert sql("SELECT count(*) FROM crsp.dsf")[0] == (before,)


def test_ids_without_rows_are_refused(source: WrdsSource) -> None:
    """Permnos with no rows in the range give a clear error instead of an empty store entry."""
    with pytest.raises(InputError, match="no rows for these ids"):
        pull(source, Store(), permnos=[1, 2], legacy=True)
    with pytest.raises(InputError, match="no rows"):
        pull(source, Store(), permnos=[14593], start="2021-01-01", end="2021-12-31")


def test_unknown_tickers_are_reported(source: WrdsSource) -> None:
    """Tickers without a permno are left out with a note, the rest is pulled."""
    result = pull(source, Store(), tickers=["AAPL", "NOPE"])
    assert set(rows(result)["id"]) == {"AAPL"}
    assert any("NOPE" in n for n in result.notes)


def test_connection_refused_is_one_clear_sentence(pg_settings: WrdsSettings) -> None:
    """Nothing listening on the port: an InputError naming the server, no traceback, no prompt."""
    dead = WrdsSettings(host="127.0.0.1", port=free_port(), user="wrdsuser", timeout=3)
    with pytest.raises(InputError, match=rf"cannot reach 127\.0\.0\.1:{dead.port}/wrds"):
        _ = WrdsSource(dead).connection


def test_wrong_password_is_one_clear_sentence(
    pg_settings: WrdsSettings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A wrong password says so, and the message never contains the password."""
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    with pytest.raises(InputError, match="refused the password for wrdsuser") as info:
        _ = WrdsSource(pg_settings, password="wrong-one").connection
    assert "wrong-one" not in str(info.value)
    with pytest.raises(InputError, match="needs a password") as info:
        _ = WrdsSource(pg_settings).connection
    assert info.value.option == "ask_password"


def test_password_argument_connects_and_is_not_kept(
    pg_settings: WrdsSettings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without pgpass, a password typed by the user connects; our object drops its copy."""
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    src = WrdsSource(pg_settings, password=PASSWORD)
    assert "crsp" in src.connection.list_libraries()
    assert PASSWORD not in repr(vars(src))
    src.close()


def _sql_rows(sql, table: str, date: str, ret: str, prc: str, permnos: list[int]) -> pd.DataFrame:
    """The stock file's rows of ``permnos`` in 2019-2020 as a direct query returns them, by permno
    and date, with mcap = |prc| x shrout computed by PostgreSQL."""
    found = sql(
        f"SELECT permno, {date}, {ret}, {prc}, shrout, abs({prc}) * shrout FROM crsp.{table} "
        f"WHERE permno = ANY(%s) AND {date} BETWEEN '2019-01-01' AND '2020-12-31' ORDER BY permno, {date}",
        (permnos,),
    )
    frame = pd.DataFrame(found, columns=["permno", "date", "ret", "prc", "shrout", "mcap"])
    return frame.astype({"permno": "int64", "ret": float, "prc": float, "shrout": float, "mcap": float}).assign(
        date=lambda f: pd.to_datetime(f["date"])
    )


def test_store_round_trip_offline(source: WrdsSource, sql) -> None:
    """Pull, close the connection, reload from the store: the rows a direct query of crsp.msf returns,
    as a table, as returns, as a panel in memory and as the stored dataset read by dates."""
    store = Store()
    result = pull(source, store, tickers=["AAPL", "MSFT", "NEWCO"], freq="monthly", legacy=True)
    source.close()
    offline = Store(store.root)
    want = _sql_rows(sql, "msf", "date", "ret", "prc", [10107, 14593, NAME_CHANGE])
    got = offline.load(result.entry.name).sort_values(["permno", "date"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got.drop(columns="id"), want[list(got.columns.drop("id"))])
    assert dict(zip(got["permno"], got["id"])) == {10107: "MSFT", 14593: "AAPL", NAME_CHANGE: "NEWCO"}
    assert offline.entry(result.entry.name).extra["format"] == "siz"
    returns = offline.dataset(result.entry.name, "returns")
    assert returns.data.freq == "monthly" and returns.data.assets.index.is_month_end.all()
    for permno, ticker in ((10107, "MSFT"), (14593, "AAPL"), (NAME_CHANGE, "NEWCO")):
        mine = want.loc[want["permno"] == permno, "ret"].to_numpy()
        np.testing.assert_array_equal(returns.data.assets[ticker].to_numpy(), mine)
    panel = offline.dataset(result.entry.name, "panel")
    assert len(panel.data) == len(want) and {"mcap", "prc", "shrout"} <= set(panel.data.columns)
    streamed = offline.dataset(result.entry.name, "panel", streamed=True)
    assert isinstance(streamed.data, PartitionedPanel) and streamed.data.n_rows == len(want)
    assert list(streamed.data.dates) == sorted(want["date"].unique())
    assert streamed.summary == f"{len(want)} rows, 2019-01-31 to 2020-12-31, 3 ids"


def test_a_pull_of_many_permnos_streams_chunk_by_chunk(source: WrdsSource, sql, monkeypatch) -> None:
    """50 permnos in chunks of 7: the store's writer receives one block per chunk, never more than 7
    permnos' rows (memory holds a chunk, not the pull); the stored dataset has one file per date
    and equals a direct query of crsp.msf_v2."""
    permnos = [int(p) for (p,) in sql("SELECT DISTINCT permno FROM crsp.msf_v2 ORDER BY 1 LIMIT 50")]
    blocks: list[tuple[int, int]] = []
    add = PanelEntryWriter.add

    def spy(self, block):
        blocks.append((len(block), block["permno"].nunique()))
        return add(self, block)

    monkeypatch.setattr(PanelEntryWriter, "add", spy)
    request = PullRequest.build("2019-01-01", "2020-12-31", permnos=permnos, chunk_size=7)
    result = jobs.run(source.pull(request, Store()))
    want = _sql_rows(sql, "msf_v2", "mthcaldt", "mthret", "mthprc", permnos)
    assert len(blocks) == 8 and max(n for _rows, n in blocks) <= 7
    assert sum(rows for rows, _n in blocks) == len(want) == result.entry.rows
    panel = result.panel
    assert len(panel.files()) == len(panel.dates) == want["date"].nunique()
    got = rows(result).sort_values(["permno", "date"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got.drop(columns="id"), want[list(got.columns.drop("id"))])
    assert (got["id"] == got["permno"].astype(str)).all() and panel.id_count == len(permnos)
