"""The ``wrds pull`` and ``store list`` commands, end to end against the test PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.data.store import Store
from analytics.data.wrds_source import WrdsSettings
from cli import main
from tests.wrds.wrds_pg_server import free_port


def pull_args(settings: WrdsSettings, *extra: str) -> list[str]:
    return [
        "wrds",
        "pull",
        "--start",
        "2019-01-01",
        "--end",
        "2020-12-31",
        "--host",
        settings.host,
        "--port",
        str(settings.port),
        "--user",
        settings.user,
        *extra,
    ]


def test_pull_then_list(pg_settings: WrdsSettings, pgpass: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``wrds pull`` saves into the store and says what; ``store list`` shows the entry."""
    assert main(pull_args(pg_settings, "--tickers", "AAPL,NEWCO", "--freq", "daily", "--name", "two")) == 0
    out = capsys.readouterr().out
    assert "saved two:" in out and "crsp.dsf_v2" in out and "99001" in out
    assert Store().load("two")["id"].nunique() == 2
    assert main(["store", "list"]) == 0
    listed = capsys.readouterr().out
    assert "two" in listed and "1 entries" in listed and "tickers AAPL,NEWCO" in listed


def test_legacy_permnos(pg_settings: WrdsSettings, pgpass: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--permnos --legacy`` reads msf and reports the delisting table it compounded from."""
    assert main(pull_args(pg_settings, "--permnos", "14593,10107", "--legacy")) == 0
    out = capsys.readouterr().out
    assert "crsp.msf" in out and "msedelist" in out
    (entry,) = Store().entries()
    assert entry.rows == 48


def test_refused_connection_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A dead server is one line on stderr and exit status 2, no traceback."""
    args = [
        "wrds",
        "pull",
        "--tickers",
        "AAPL",
        "--start",
        "2019-01-01",
        "--end",
        "2019-12-31",
        "--host",
        "127.0.0.1",
        "--port",
        str(free_port()),
        "--user",
        "nobody",
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "error: cannot reach 127.0.0.1" in err and "Traceback" not in err


def test_bad_dates_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Start after end is refused before any connection is tried."""
    assert main(["wrds", "pull", "--tickers", "AAPL", "--start", "2020-01-01", "--end", "2019-01-01"]) == 2
    assert "after end date" in capsys.readouterr().err


def test_empty_store_list(capsys: pytest.CaptureFixture[str]) -> None:
    """An empty store says so."""
    assert main(["store", "list"]) == 0
    assert "empty" in capsys.readouterr().out


def test_another_pull_under_a_taken_name_is_refused(
    pg_settings: WrdsSettings, pgpass: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--name`` of an entry holding another pull: exit 2 before pulling, the entry kept;
    ``--replace`` replaces it; pulling the same request again refreshes it without asking."""
    assert main(pull_args(pg_settings, "--tickers", "AAPL", "--name", "mine")) == 0
    assert main(pull_args(pg_settings, "--tickers", "AAPL", "--name", "mine")) == 0
    capsys.readouterr()
    assert main(pull_args(pg_settings, "--tickers", "MSFT", "--name", "mine")) == 2
    err = capsys.readouterr().err
    assert "error: --replace: store entry 'mine' already holds another pull" in err
    assert set(Store().load("mine")["id"]) == {"AAPL"}
    assert main(pull_args(pg_settings, "--tickers", "MSFT", "--name", "mine", "--replace")) == 0
    assert set(Store().load("mine")["id"]) == {"MSFT"}


def test_default_names_keep_different_pulls_apart(
    pg_settings: WrdsSettings, pgpass: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two pulls whose first four tickers agree are two entries (before: the second replaced the first)."""
    assert main(pull_args(pg_settings, "--tickers", "AAPL,MSFT,GOOG,NVDA,AMZN")) == 0
    assert main(pull_args(pg_settings, "--tickers", "AAPL,MSFT,GOOG,NVDA,COST")) == 0
    capsys.readouterr()
    assert sorted(set(Store().load(e.name)["id"]) for e in Store().entries()) == [
        {"AAPL", "MSFT", "GOOG", "NVDA", "AMZN"},
        {"AAPL", "MSFT", "GOOG", "NVDA", "COST"},
    ]


def test_store_list_survives_a_damaged_entry(capsys: pytest.CaptureFixture[str]) -> None:
    """``store list`` with one damaged manifest still lists the rest, and names the damaged one."""
    import pandas as pd

    store = Store()
    frame = pd.DataFrame({"date": pd.date_range("2020-01-31", periods=12, freq="ME"), "x": 0.01})
    for name in ("a", "b"):
        store.save(name, frame, source="test", query=name, freq="monthly")
    (store.root / "a" / "manifest.json").write_text('{"pulled_at": null}')
    assert main(["store", "list"]) == 0
    out = capsys.readouterr().out
    assert "damaged: a: the stored copy is damaged" in out and "1 entries" in out
    assert [line.split()[0] for line in out.splitlines()][:2] == ["name", "b"]
