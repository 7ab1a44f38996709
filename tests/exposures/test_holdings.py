"""Holdings files of every supported shape become one ``date, id, weight, kind`` frame.

Plain tables users save themselves, and the published layouts FactorDesk has no real copy
of in ``../shared/data/real/`` (SPDR's workbook, Invesco's bond-fund layout, a broker's
positions export, Vanguard's sectioned file with ``<0.01%`` weights and SEDOL-only lines),
rebuilt here from text that reproduces the published layout; each fixture's docstring says
where the layout was seen. Expected weights are written out by hand from the fixture text.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.data.holdings import holdings_dataset, load_holdings
from analytics.data.readers import find_reader
from analytics.errors import InputError


def _csv(path, text: str):
    path.write_text(text)
    return path


def _weights(held) -> dict[str, float]:
    return dict(zip(held.frame["id"], held.frame["weight"]))


def _kinds(held) -> dict[str, str]:
    return dict(zip(held.frame["id"], held.frame["kind"]))


# --- plain tables -----------------------------------------------------------------------
def test_percent_weights_and_unbalanced_sums_are_reported(tmp_path) -> None:
    """Weights summing to ~100 are read as percent; a date summing to 0.95 is reported, not rescaled."""
    path = _csv(
        tmp_path / "h.csv",
        "date,ticker,weight\n2019-12-31,AAPL,20\n2019-12-31,MSFT,80\n2020-03-31,AAPL,50\n2020-03-31,MSFT,45\n",
    )
    held = load_holdings(path)
    assert held.frame["weight"].tolist() == pytest.approx([0.8, 0.2, 0.5, 0.45])
    assert held.frame.columns.tolist() == ["date", "id", "weight", "kind"] and set(held.frame["kind"]) == {"security"}
    assert any("percent" in n for n in held.notes)
    assert any("do not sum to 1" in n and "2020-03-31 (0.950)" in n for n in held.notes)
    rescaled = load_holdings(path, rescale=True).frame
    assert rescaled.groupby("date")["weight"].sum().tolist() == pytest.approx([1.0, 1.0])
    assert held.summary["weight_sum"].tolist() == pytest.approx([1.0, 0.95])


def test_shares_times_price_and_values_become_weights(tmp_path) -> None:
    """Shares × |price| and market values turn into each date's value shares."""
    shares = _csv(tmp_path / "s.csv", "date,permno,shares,prc\n2020-01-31,1,10,-5\n2020-01-31,2,30,5\n")
    assert _weights(load_holdings(shares)) == pytest.approx({"2": 0.75, "1": 0.25})
    value = _csv(tmp_path / "v.csv", "date,id,value\n2020-01-31,A,100\n2020-01-31,B,300\n")
    assert _weights(load_holdings(value)) == pytest.approx({"B": 0.75, "A": 0.25})
    with pytest.raises(InputError, match="no price column"):
        load_holdings(_csv(tmp_path / "x.csv", "date,id,shares\n2020-01-31,A,1\n"))


def test_one_sheet_per_date_and_one_file_per_date(tmp_path) -> None:
    """Sheets or files without a date column take the date written in their name."""
    book = tmp_path / "book.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"id": ["A", "B"], "weight": [0.5, 0.5]}).to_excel(writer, sheet_name="2019-12-31", index=False)
        pd.DataFrame({"id": ["C"], "weight": [1.0]}).to_excel(writer, sheet_name="2020-03-31", index=False)
    frame = load_holdings(book).frame
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2019-12-31", "2019-12-31", "2020-03-31"]
    folder = tmp_path / "files"
    folder.mkdir()
    _csv(folder / "fund_20191231.csv", "id,weight\nA,1\n")
    _csv(folder / "fund_20200331.csv", "id,weight\nB,1\n")
    data = holdings_dataset(folder)
    assert data.kind == "holdings" and data.data["id"].tolist() == ["A", "B"]
    assert any("from the name" in n for n in data.notes)


def test_repeated_lines_are_summed_and_ids_cleaned(tmp_path) -> None:
    """Two lines of one id on one date (two lots, two accounts) are summed with a note; ids are
    trimmed, upper-cased and lose Bloomberg exchange suffixes, with a note."""
    path = _csv(
        tmp_path / "lots.csv",
        "date,ticker,weight\n2020-01-31, aapl ,0.25\n2020-01-31,AAPL US Equity,0.25\n2020-01-31,TREE UW,0.5\n",
    )
    held = load_holdings(path)
    assert _weights(held) == pytest.approx({"AAPL": 0.5, "TREE": 0.5})
    assert any("summed" in n and "AAPL on 2020-01-31" in n for n in held.notes)
    assert any("'TREE UW' → 'TREE'" in n and "'AAPL US EQUITY' → 'AAPL'" in n for n in held.notes)


def test_lines_without_an_id_are_cash(tmp_path) -> None:
    """A line with no ticker (or ``-``) keeps its weight as cash, with a note."""
    path = _csv(tmp_path / "c.csv", "date,ticker,name,weight\n2020-01-31,A,Alpha,0.9\n2020-01-31,-,Cash held,0.1\n")
    held = load_holdings(path)
    assert _kinds(held) == {"A": "security", "CASH HELD": "cash"}
    assert held.summary["cash_weight"].tolist() == pytest.approx([0.1])
    assert any("1 cash line(s)" in n for n in held.notes)


def test_the_date_option_dates_files_that_carry_none(tmp_path) -> None:
    """No date column, no 'as of' line, no date in the name: --date, else a clear error."""
    path = _csv(tmp_path / "positions.csv", "ticker,weight\nA,0.6\nB,0.4\n")
    with pytest.raises(InputError, match=r"positions.csv: no as-of date .* give the date") as info:
        load_holdings(path)
    assert info.value.option == "date"
    held = load_holdings(path, date="2024-06-04")
    assert held.frame["date"].unique().tolist() == [pd.Timestamp("2024-06-04")]
    assert any("no date in the file; positions dated 2024-06-04 as given" in n for n in held.notes)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("date,weight\n2020-01-31,1\n", "no id column"),
        ("date,id,qty2\n2020-01-31,A,1\n", "no weight, value or shares column"),
        ("date,id,weight\n2020-01-31,A,abc\n", "row 2, column 'weight': 'abc' is not a number"),
        ("date,ticker,weight\n2020-01-31,A,\n", "has a header row but no positions"),
    ],
)
def test_bad_holdings_name_the_problem(tmp_path, text, words) -> None:
    """Bad holdings raise one sentence naming the file and the row or column."""
    with pytest.raises(InputError, match=words) as info:
        load_holdings(_csv(tmp_path / "bad.csv", text))
    assert "\n" not in str(info.value) and str(info.value).startswith("bad.csv: ")


def test_error_messages_quote_at_most_80_characters_of_a_cell(tmp_path) -> None:
    """A 2,000-character cell where a number belongs is quoted cut to 80 characters."""
    long = "x" * 2000
    path = _csv(tmp_path / "long.csv", f"date,ticker,weight\n2020-01-31,A,0.5\n2020-01-31,B,{long}\n")
    with pytest.raises(InputError) as info:
        load_holdings(path)
    quoted = str(info.value).split(": ", 2)[2].split(" is not a number")[0]
    assert len(quoted) <= 82 and "row 3, column 'weight'" in str(info.value)
    assert (info.value.file, info.value.row, info.value.column) == ("long.csv", 3, "weight")


# --- published layouts without a real copy in ../shared/data/real ------------------------
def _spdr_workbook(path) -> None:
    """SPDR's daily holdings workbook (``holdings-daily-us-en-spy.xlsx``), laid out as the copy
    of 10-Jan-2023 kept in nikulpatel3141/ETF-Scraper (test/test_data/SSGA_SPY_holdings_20230110_resp.xlsx):
    one sheet ``holdings``; ``Fund Name:``, ``Ticker Symbol:``, ``Holdings: As of 10-Jan-2023``
    and a blank row; the header ``Name, Ticker, Identifier, SEDOL, Weight, Sector, Shares Held,
    Local Currency``; every cell text (weights in percent without a sign, 8-character CUSIPs);
    a ``DUMMY`` line with ``-`` for weight and shares; the cash line ``U.S. Dollar, CASH_USD``;
    then blank rows and one-cell disclaimers."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "holdings"
    rows = [
        ("Fund Name:", "SPDR® S&P 500® ETF Trust"),
        ("Ticker Symbol:", "SPY"),
        ("Holdings:", "As of 10-Jan-2023"),
        (),
        ("Name", "Ticker", "Identifier", "SEDOL", "Weight", "Sector", "Shares Held", "Local Currency"),
        ("Apple Inc.", "AAPL", "03783310", "2046251", "60.000000", "Information Technology", "166212290.000", "USD"),
        ("DUMMY", "DUMMY", "-", "-", "-", "DUMMY", "-", "-"),
        (
            "Microsoft Corporation",
            "MSFT",
            "59491810",
            "2588173",
            "39.500000",
            "Information Technology",
            "82857736.000",
            "USD",
        ),
        ("U.S. Dollar", "CASH_USD", "CASH_USD", "Unassigned", "0.500000", "Unassigned", "209914510.000", "USD"),
        (),
        ("Past performance is not a reliable indicator of future performance. " * 5,),
        (),
        (),
        ("Portfolio holdings, allocations and weightings are as of the date indicated, are subject to change.",),
    ]
    for row in rows:
        sheet.append(list(row))
    book.save(path)


def test_spdr_workbook(tmp_path) -> None:
    """The preamble's 'As of' dates the positions; DUMMY is skipped; CASH_USD is cash."""
    path = tmp_path / "holdings-daily-us-en-spy.xlsx"
    _spdr_workbook(path)
    assert find_reader(path).name == "spdr-holdings"
    held = load_holdings(path)
    assert _weights(held) == pytest.approx({"AAPL": 0.6, "MSFT": 0.395, "CASH_USD": 0.005}, abs=1e-12)
    assert _kinds(held)["CASH_USD"] == "cash" and held.frame["date"].unique().tolist() == [pd.Timestamp("2023-01-10")]
    assert any("without a weight, value or shares (DUMMY)" in n for n in held.notes)


def test_invesco_bond_fund_layout(tmp_path) -> None:
    """Invesco's second layout, its fixed-income funds' download (``...holdings/0?action=download``):
    ``PercentageOfFund`` instead of ``Weight``, ``PositionDate`` instead of ``Date``, bonds with a
    CUSIP in ``Security Identifier`` and no ticker (the columns nikulpatel3141/ETF-Scraper's
    InvescoListings maps for bond funds). The CUSIPs are real bonds' (Apple 2.4% 2023, Walmart,
    Goldman Sachs); a line with no identifier is cash."""
    path = _csv(
        tmp_path / "invesco_BSCQ.csv",
        "Fund Ticker,Security Identifier,Shares/Par Value,MarketValue,PercentageOfFund,Name,CouponRate,"
        "MaturityDate,Effective Date,Next_Call_Date,rating,PositionDate\n"
        'BSCQ,037833AK6,"5,000,000","4,950,000.00",49.50,Apple Inc,2.400,05/03/2023,06/03/2024,,AA+,06/03/2024\n'
        'BSCQ,931142DH3,"3,000,000","2,970,000.00",29.70,Walmart Inc,2.550,04/11/2023,06/03/2024,,AA,06/03/2024\n'
        'BSCQ,38141GXZ2,"2,000,000","1,980,000.00",19.80,Goldman Sachs Group Inc/The,3.500,04/01/2025,'
        "06/03/2024,01/01/2025,BBB+,06/03/2024\n"
        'BSCQ,,"100,000","100,000.00",1.00,Cash/Receivables/Payables,,,06/03/2024,,,06/03/2024\n',
    )
    assert find_reader(path).name == "invesco-holdings"
    held = load_holdings(path)
    assert _weights(held) == pytest.approx(
        {"037833AK6": 0.495, "931142DH3": 0.297, "38141GXZ2": 0.198, "CASH/RECEIVABLES/PAYABLES": 0.01}, abs=1e-12
    )
    assert _kinds(held)["CASH/RECEIVABLES/PAYABLES"] == "cash"
    assert held.frame["date"].unique().tolist() == [pd.Timestamp("2024-06-03")]
    assert any("identified by SEDOL, CUSIP or ISIN" in n for n in held.notes)


def test_broker_positions_export(tmp_path) -> None:
    """A custodian's positions export as Charles Schwab writes it (the layout parsed in public
    repositories' tests: ``"Positions for account ... as of 05:51 PM ET, 2026/09/08"``, a blank
    line, quoted cells, a trailing comma, ``--`` for none, ``Cash & Cash Investments`` and an
    ``Account Total`` row). Weights are the ``% Of Account`` column."""
    cols = (
        '"Symbol","Description","Quantity","Price","Price Change %","Price Change $","Market Value",'
        '"Day Change %","Day Change $","Cost Basis","Gain/Loss %","Gain/Loss $","Ratings","Reinvest Dividends?",'
        '"Capital Gains?","% Of Account","Security Type",'
    )
    text = (
        '"Positions for account Individual ...123 as of 04:12 PM ET, 2024/06/14","","","","","","","","","","",'
        '"","","","","",""\n\n' + cols + "\n"
        '"AAPL","APPLE INC","100","$212.49","1.24%","$2.60","$21,249.00","1.24%","$260.00","$15,000.00","41.66%",'
        '"$6,249.00","B","No","N/A","42.50%","Equity",\n'
        '"MSFT","MICROSOFT CORP","50","$442.57","-0.20%","-$0.89","$22,128.50","-0.20%","-$44.50","$20,000.00",'
        '"10.64%","$2,128.50","A","No","N/A","44.25%","Equity",\n'
        '"Cash & Cash Investments","--","--","--","--","--","$6,622.50","--","--","--","--","--","--","--","--",'
        '"13.25%","Cash and Money Market",\n'
        '"Account Total","--","--","--","--","--","$50,000.00","--","$215.50","--","--","--","--","--","--",'
        '"100%","--",\n'
    )
    path = _csv(tmp_path / "Individual-Positions-2024-06-14.csv", text)
    assert find_reader(path).name == "broker-positions"
    held = load_holdings(path)
    assert _weights(held) == pytest.approx({"AAPL": 0.425, "MSFT": 0.4425, "CASH & CASH INVESTMENTS": 0.1325})
    assert _kinds(held)["CASH & CASH INVESTMENTS"] == "cash"
    assert held.frame["date"].unique().tolist() == [pd.Timestamp("2024-06-14")]
    assert any("1 totals" in n for n in held.notes)


VANGUARD = """Holdings details

Total World Stock ETF (VT)


Equity,as of 09/30/2020

,SEDOL,HOLDINGS,TICKER,% OF FUNDS*,SECTOR,COUNTRY,SECURITY DEPOSITORY RECEIPT TYPE,MARKET VALUE*,SHARES
,2046251,Apple Inc.,AAPL,3.20%,"Technology Hardware, Storage & Periphera",US,---,"$653,892,444.12","5,646,252"
,2588173,Microsoft Corp.,MSFT,2.69%,Systems Software,US,---,"$550,911,059.10","2,619,270"
,6338857,Pihsiang Machinery Manufacturing Co. Ltd.,1729,<0.01%,Health Care Equipment,TW,---,$0.01,"38,000"
,B96RL59,Repco Home Finance Ltd.,REPCOHOME,<0.01%,Consumer Finance,IN,---,---,---


Fixed income,as of 09/30/2020

,SEDOL,HOLDINGS,TICKER,% OF FUNDS*,MARKET VALUE*,FACE AMOUNT,COUPON,MATURITY DATE
,BMVZ900,United States Cash Management Bill,CMB,0.03%,"$5,198,960.00","$5,200,000.00",<0.01%,12/15/2020
,BMX6M13,United States Cash Management Bill,---,<0.01%,"$576,780.74","$577,000.00",<0.01%,02/16/2021


Short-term reserves,as of 09/30/2020

,SEDOL,HOLDINGS,TICKER,% OF FUNDS*,FACE AMOUNT
,---,SLBBH1142,---,0.63%,"$129,279,860.69"
,---,CMT MARKET LIQUIDITY,---,0.07%,"$14,974,455.54"


"** There may be deviations when applying fair value and other considerations."
"""


def test_vanguard_sections_tiny_weights_and_sedol_only_lines(tmp_path) -> None:
    """Vanguard's ``Holdings details`` export (rows as in mkim0710/tidystat,
    data/Holdings_details_Total_World_Stock_ETF 200930.csv): three sections, each with a title
    line ``<Section>,as of 09/30/2020`` and its own header; weights ``<0.01%`` are sized from
    market value (value / the fund's total, Σ value / Σ weight over the lines printing both);
    a ``<0.01%`` line without a value counts 0; ``---`` tickers with a SEDOL take the SEDOL;
    short-term reserves are cash."""
    path = _csv(tmp_path / "Holdings_details_Total_World_Stock_ETF.csv", VANGUARD)
    assert find_reader(path).name == "sectioned-holdings"
    held = load_holdings(path)
    nav = (653_892_444.12 + 550_911_059.10 + 5_198_960.00) / (0.0320 + 0.0269 + 0.0003)
    assert _weights(held) == pytest.approx(
        {
            "AAPL": 0.0320,
            "MSFT": 0.0269,
            "1729": 0.01 / nav,
            "REPCOHOME": 0.0,
            "CMB": 0.0003,
            "BMX6M13": 576_780.74 / nav,
            "SLBBH1142": 0.0063,
            "CMT MARKET LIQUIDITY": 0.0007,
        },
        rel=1e-12,
        abs=1e-15,
    )
    kinds = _kinds(held)
    assert kinds["SLBBH1142"] == kinds["CMT MARKET LIQUIDITY"] == "cash" and kinds["BMX6M13"] == "security"
    assert held.frame["date"].unique().tolist() == [pd.Timestamp("2020-09-30")]
    assert any("counted as 0: REPCOHOME" in n for n in held.notes)
    assert any("taken from market value" in n for n in held.notes)
