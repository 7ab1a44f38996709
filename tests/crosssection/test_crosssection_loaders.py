"""Panel and portfolio files load into their canonical shapes, or fail naming the problem."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.data.panel import panel_dataset, portfolios_dataset
from analytics.data.readers import read_dataset
from analytics.errors import InputError


def test_crsp_panel_file_loads_canonical(crsp_panel_csv, crsp_panel):
    """A CRSP-style panel (permno id) loads as date (month-end), id text, numeric columns, sorted
    (in memory when asked; by default it is kept in the local store and read by dates)."""
    ds = read_dataset(crsp_panel_csv, "panel", stored=False)
    assert read_dataset(crsp_panel_csv, "panel").data.columns == list(ds.data.columns[2:])
    frame = ds.data
    assert ds.kind == "panel" and list(frame.columns) == ["date", "id", "re", "size", "price", "strev", "mom", "mcap"]
    assert frame["date"].dtype == "datetime64[ns]" and (frame["date"].dt.is_month_end).all()
    assert frame["id"].map(type).eq(str).all() and len(frame) == len(crsp_panel)
    pd.testing.assert_series_equal(frame["re"], crsp_panel["re"], check_exact=False, rtol=1e-9)


def test_last_trading_day_dates_move_to_month_end(tmp_path):
    """CRSP dates (last trading day) and text columns: dates move to the month-end, text is left out."""
    path = tmp_path / "p.csv"
    path.write_text(
        "date,ticker,name,re,size\n2020-01-30,A,Alpha,0.01,1\n2020-01-30,B,Beta,0.02,2\n"
        "2020-02-28,A,Alpha,0.03,1.5\n2020-03-31,A,Alpha,0.01,1.2\n"
    )
    ds = panel_dataset(path)
    assert list(ds.data["date"].dt.day.unique()) == [31, 29]
    assert list(ds.data.columns) == ["date", "id", "re", "size"]
    assert any("text column(s) name left out" in n for n in ds.notes)


@pytest.mark.parametrize(
    "text, message",
    [
        ("date,permno,re\n2020-01-31,1,0.1\n2020-01-31,1,0.2\n2020-02-29,1,0.1\n2020-03-31,1,0\n", "row 2 and row 3"),
        ("date,re,size\n2020-01-31,0.1,1\n2020-02-29,0.1,1\n2020-03-31,0.1,1\n", "no id column"),
        ("date,id,re\n2020-01-31,1,0.1\n2020-02-29,1,abc\n2020-03-31,1,0.1\n", "row 3, column 're'"),
        ("when,id,re\nsoon,1,0.1\nlater,1,0.2\n", "no date column"),
    ],
)
def test_bad_panel_files_name_the_row_or_column(tmp_path, text, message):
    """Duplicate stock-months, no id, text in a number column and no date fail with the place named."""
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        panel_dataset(path)


def test_portfolios_file_with_excel_ids(tmp_path):
    """portfolio, permno, weight loads with ids as text; Excel's 14593.0 is the id 14593."""
    path = tmp_path / "ports.xlsx"
    pd.DataFrame({"portfolio": ["tech", "tech"], "permno": [14593.0, 10107.0], "weight": [0.5, 0.5]}).to_excel(
        path, index=False
    )
    ds = portfolios_dataset(path)
    assert ds.kind == "portfolios" and list(ds.data["id"]) == ["14593", "10107"]
    assert list(ds.data.columns) == ["portfolio", "id", "weight"]


def test_portfolios_without_portfolio_column_are_one_portfolio(tmp_path):
    """A plain holdings list (id, weight) is one portfolio named after the file, with a note."""
    path = tmp_path / "fund.csv"
    path.write_text("ticker,weight\nAAPL,0.6\nMSFT,0.4\n")
    ds = portfolios_dataset(path)
    assert set(ds.data["portfolio"]) == {"fund"} and any("one portfolio" in n for n in ds.notes)


def test_portfolio_without_weights_is_refused(tmp_path):
    """A blank weight names its row."""
    path = tmp_path / "p.csv"
    path.write_text("portfolio,id,weight\nA,1,0.5\nA,2,\n")
    with pytest.raises(InputError, match="row 3"):
        portfolios_dataset(path)
