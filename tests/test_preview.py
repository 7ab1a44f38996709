"""The open preview (issue 10, item 5; issue 12, item 5): what a reader would decide about a file,
from its first rows, and the small loader options its choices map onto.

Every expectation is read from the files by hand (the header row's number and text, the id and
weight columns' names, the as-of date written in the file, percent or decimals as the file's
README says) or computed here with the csv module; none is the app's own output.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pytest

from analytics.data import tables, text
from analytics.data.holdings import load_holdings
from analytics.data.readers import read_dataset
from analytics.data.readers.preview import preview
from analytics.data.returns import ReadOptions
from analytics.data.tables import read_table
from analytics.errors import InputError

BAD = Path(__file__).resolve().parent / "bad_inputs"


def raw_rows(path: Path) -> list[list[str]]:
    """The file's rows, split by the csv module (our own reading, not the app's)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [[c.strip() for c in row] for row in csv.reader(fh)]


def certain(p) -> dict[str, object]:
    """The preview's choices by name, after checking that it would not ask."""
    assert not p.uncertain, p.questions()
    return {c.name: c.value for c in p.choices}


# --- real files: certain, with the choices read by hand ----------------------------------
KEN_FRENCH = [
    # file, header row, its second cell, first date, frequency (read from the files by hand)
    ("F-F_Research_Data_Factors.CSV", 4, "Mkt-RF", "192607", "monthly"),
    ("F-F_Research_Data_5_Factors_2x3_daily.CSV", 4, "Mkt-RF", "19630701", "daily"),
    ("F-F_Momentum_Factor.CSV", 14, "Mom", "192701", "monthly"),
]


def assert_ken_french_table(p, rows: list[list[str]], header: int, second: str, first: str, freq: str) -> None:
    """The preview found the library's first table where the file has it: the header row (an
    empty first cell, then the factors), the first date below it, percent, the frequency."""
    choices = certain(p)
    assert choices["header_row"] == header and p.header == header - 1
    assert rows[header - 1][:2] == ["", second] and rows[header][0] == first
    assert p.rows[header - 1][1].strip() == second and p.rows[header][0] == first
    assert all(not r or not r[0].isdigit() for r in rows[: header - 1])
    assert "percent" in p.choice("factor_units").reason
    assert p.choice("freq").reason.startswith(freq)
    assert p.options() == {}


@pytest.mark.parametrize(("name", "header", "second", "first", "freq"), KEN_FRENCH)
def test_ken_french_csvs_are_certain_and_find_their_table(shared_data, name, header, second, first, freq) -> None:
    """The library's CSVs are recognised; the header is the file row with an empty first cell
    above the first dated row (row 4, or 14 below the momentum file's long description); the
    values are percent as the library publishes them; the frequency follows the dates."""
    path = shared_data / "real" / "kenfrench" / name
    p = preview(path)
    assert p.reader == "kenfrench-csv"
    assert_ken_french_table(p, raw_rows(path), header, second, first, freq)


def test_the_library_zip_shows_the_csv_inside(shared_data) -> None:
    """The library's ``_CSV.zip``: read by the zip reader, the preview shows the CSV inside (read
    here with zipfile and csv) and finds its table as in the CSV itself: row 4, 192607, percent."""
    path = shared_data / "real" / "kenfrench" / "F-F_Research_Data_Factors_CSV.zip"
    with zipfile.ZipFile(path) as archive:
        (member,) = archive.namelist()
        lines = archive.read(member).decode("utf-8").splitlines()
    rows = [[c.strip() for c in row] for row in csv.reader(lines)]
    p = preview(path)
    assert p.reader == "zip-csv" and p.source == f"{path.name} (the CSV inside)"
    assert_ken_french_table(p, rows, 4, "Mkt-RF", "192607", "monthly")
    dataset = read_dataset(path, p.kind, reader=p.reader, **p.options())
    assert dataset.data.factors["Mkt-RF"].iloc[0] == pytest.approx(float(rows[4][1]) / 100, rel=1e-12)


def test_other_factor_layouts_are_certain(shared_data) -> None:
    """The q-factor file (percent; ``year,month,...`` from 1967-1) and AQR's workbook (header the
    DATE row below its notes, first date 12/31/1930 as text, region USA by default among the
    regions of its DATE row) need no questions."""
    real = shared_data / "real"
    q5_path = real / "qfactors" / "q5_factors_monthly_2022.csv"
    q5 = preview(q5_path)
    assert certain(q5) and q5.reader == "qfactors" and "percent" in q5.choice("factor_units").reason
    header = ["year", "month", "R_F", "R_MKT", "R_ME", "R_IA", "R_ROE", "R_EG"]
    assert list(q5.rows[0]) == raw_rows(q5_path)[0] == header and q5.rows[1][:2] == ("1967", "1")
    aqr_path = real / "aqr" / "Betting Against Beta Equity Factors Monthly.xlsx"
    aqr = preview(aqr_path)
    choices = certain(aqr)
    book = openpyxl.load_workbook(aqr_path, read_only=True)
    sheet = list(book.worksheets[0].iter_rows(max_row=40, values_only=True))
    book.close()
    at = next(i for i, r in enumerate(sheet) if r and r[0] == "DATE")
    assert aqr.reader == "aqr-workbook" and choices["region"] == "USA"
    assert choices["header_row"] == at + 1 and aqr.header == at and sheet[at + 1][0] == "12/31/1930"
    assert aqr.rows[at + 1][0] == "12/31/1930"
    assert set(aqr.choice("region").alternatives) == {str(c) for c in sheet[at][1:] if c}


HOLDINGS = [
    # file, reader, header row, id column, weight column, as-of date (all read from the file)
    ("ARK_INNOVATION_ETF_ARKK_HOLDINGS_2024-06-04_raw.csv", "ark-holdings", 1, "ticker", "weight (%)", "2024-06-04"),
    (
        "arkk_2020/ARK_INNOVATION_ETF_ARKK_HOLDINGS_2020-08-31.csv",
        "ark-holdings",
        1,
        "ticker",
        "weight(%)",
        "2020-08-31",
    ),
    ("ishares_IVV_holdings_2023-04-06.csv", "ishares-holdings", 10, "Ticker", "Weight (%)", "2023-04-06"),
    ("invesco_QQQ_holdings_2020-07-02.csv", "invesco-holdings", 1, "Holding Ticker", "Weight", "2020-07-02"),
]


@pytest.mark.parametrize(("name", "reader", "header", "id_col", "weight", "date"), HOLDINGS)
def test_published_holdings_are_certain(shared_data, name, reader, header, id_col, weight, date) -> None:
    """Each publisher's export: its reader, the header row past any preamble (iShares' row 10),
    the id and weight columns named in that row, and the as-of date the file states."""
    path = shared_data / "real" / "holdings" / name
    p = preview(path)
    choices = certain(p)
    assert p.reader == reader and p.kind == "holdings"
    assert (choices["header_row"], choices["id_col"], choices["weight_col"]) == (header, id_col, weight)
    rows = raw_rows(path)
    assert {id_col, weight} <= set(rows[header - 1]) and p.header == header - 1
    assert [c.strip() for c in p.rows[header]] == rows[header]  # the first position, below the header
    assert p.choice("date").reason.startswith(date)


def test_ishares_date_comes_from_its_as_of_line(shared_data) -> None:
    """iShares has no date column: the date is the preamble's 'Fund Holdings as of' line."""
    p = preview(shared_data / "real" / "holdings" / "ishares_IVV_holdings_2023-04-06.csv")
    assert "Fund Holdings as of" in p.choice("date").reason


def test_price_histories_and_folders_are_certain(shared_data) -> None:
    """A Yahoo history is a price history read from Adj Close, daily; the folder of histories
    is one returns data set (one series per file); the folder of ARK exports one holdings set."""
    prices = shared_data / "real" / "prices"
    histories = {"yahoo_2020/AAPL.csv": "2018-12-03", "yahoo_ARKK_daily_2014-10-31_2021-12-16.csv": "2014-10-31"}
    for name, first in histories.items():
        path = prices / name
        p = preview(path)
        choices = certain(p)
        assert p.reader == "price-history" and choices["price_col"] == "Adj Close"
        assert raw_rows(path)[0] == ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"]
        assert raw_rows(path)[1][0] == p.rows[1][0] == first
        assert p.choice("freq").reason.startswith("daily")
    folder = preview(prices / "yahoo_2020")
    assert certain(folder) and folder.reader == "series-folder" and folder.kind == "returns"
    assert folder.source == "yahoo_2020 (first file: AAPL.csv)"
    ark = preview(shared_data / "real" / "holdings" / "arkk_2020")
    assert certain(ark) and ark.reader == "ark-holdings"


@pytest.mark.parametrize(
    ("name", "freq", "units", "factor_units"),
    [
        ("brk_arkk_ff6_monthly.csv", "monthly", "decimals", "decimals"),
        ("brk_arkk_ff6_daily.csv", "daily", "decimals", "decimals"),
        ("ff3_monthly_1926_2021_percent.csv", "monthly", None, "percent"),
        ("crsp_vw_market_daily_1926_2020.csv", "daily", "decimals", None),
    ],
)
def test_course_return_files_are_certain(shared_data, name, freq, units, factor_units) -> None:
    """Wide return files: the first row is the header, the date column is named so, no id
    column; units as the data README says (decimals, or percent for the file named so)."""
    p = preview(shared_data / name)
    choices = certain(p)
    assert p.reader == "table-returns" and choices["header_row"] == 1 and choices["id_col"] is None
    assert choices["date_col"] == raw_rows(shared_data / name)[0][0]
    assert p.choice("freq").reason.startswith(freq)
    for option, expected in (("units", units), ("factor_units", factor_units)):
        if expected is None:
            assert option not in {c.name for c in p.choices}
        else:
            assert expected in p.choice(option).reason


def test_crsp_extract_asks_panel_or_long_returns_unless_the_menu_says(shared_data) -> None:
    """``permno,date,ret,shrout,prc`` is a stock panel or long returns alike: a dropped file asks;
    opened as returns it is long returns (permno ids, ret returns), as a panel a panel."""
    path = shared_data / "crsp_monthly_2019_2020.csv"
    dropped = preview(path)
    assert dropped.uncertain and [c.name for c in dropped.choices if not c.certain] == ["reader"]
    assert dropped.readers[:2] == ("table-panel", "table-returns")
    as_returns = certain(preview(path, "returns"))
    assert (as_returns["id_col"], as_returns["ret_col"]) == ("permno", "ret")
    assert certain(preview(path, "panel"))["id_col"] == "permno"
    assert dropped.choose(reader="table-returns").kind == "returns"


def test_a_file_opened_with_the_wrong_menu_proposes_its_own_reader(shared_data) -> None:
    """An iShares export opened as returns: asked, with the iShares reader proposed (so Open
    reads it as the holdings it is, header row 10 below the fund facts); kept as a returns
    table, row 10 is proposed as that table's header, and that is asked too."""
    path = shared_data / "real" / "holdings" / "ishares_IVV_holdings_2023-04-06.csv"
    p = preview(path, "returns")
    assert [c.name for c in p.choices if not c.certain] == ["reader"] and p.unanswered() == []
    assert (p.reader, p.kind, p.choice("header_row").value) == ("ishares-holdings", "holdings", 10)
    assert raw_rows(path)[9][:2] == ["Ticker", "Name"]
    plain = p.choose(reader="table-returns")
    assert plain.choice("header_row").value == 10 and not plain.choice("header_row").certain


# --- the corpus of bad inputs ------------------------------------------------------------
def test_ambiguous_units_ask_and_the_answer_reads_the_file() -> None:
    """percent_ambiguous.csv's FUND column (0.3, -0.31, ...) fits percent and decimals: the
    preview asks about its units only; answered percent, the file reads 0.3 as 0.003."""
    path = BAD / "percent_ambiguous.csv"
    p = preview(path)
    assert [c.name for c in p.choices if not c.certain] == ["units"] and p.unanswered() == ["Returns units"]
    assert "percent or decimals" in p.questions()[0]
    answered = p.choose(units="percent")
    assert not answered.uncertain and answered.options() == {"units": "percent"}
    data = read_dataset(path, answered.kind, reader=answered.reader, **answered.options())
    first = float(raw_rows(path)[1][-1])
    assert data.data.assets["FUND"].iloc[0] == pytest.approx(first / 100, rel=1e-12)
    assert data.options == {"units": "percent"}


def test_a_clean_file_with_a_fund_called_fund_is_returns(tmp_path) -> None:
    """good.csv's 'FUND' column is named like ids, but each row has its own date: a wide returns
    file, read as such without asking (the registry alone takes it for a stock panel)."""
    p = preview(BAD / "good.csv")
    choices = certain(p)
    assert p.reader == "table-returns" and choices["id_col"] is None
    data = read_dataset(BAD / "good.csv", p.kind, reader=p.reader, **p.options())
    assert list(data.data.assets.columns) == ["FUND"]


def test_a_file_that_cannot_be_read_is_left_to_the_loaders_message() -> None:
    """No plausible alternative, no question: the loader's one clear message follows."""
    for name in ("no_date_column.csv", "html_page.csv", "header_only.csv"):
        assert not preview(BAD / name).uncertain, name
    assert not preview(BAD / "holdings" / "no_weight_value_or_shares.csv", "holdings").uncertain


def test_preview_reads_no_more_than_the_first_rows(monkeypatch, shared_data) -> None:
    """Choosing never reads a file whole: with whole-file reading broken, previews still work."""

    def whole(*_args, **_kwargs):
        raise AssertionError("read whole")

    monkeypatch.setattr(tables, "read_text", whole)
    monkeypatch.setattr(text, "read_text", whole)
    for path in (
        shared_data / "brk_arkk_ff6_daily.csv",
        shared_data / "real" / "holdings" / "ishares_IVV_holdings_2023-04-06.csv",
        shared_data / "real" / "kenfrench" / "F-F_Research_Data_Factors.CSV",
        BAD / "percent_ambiguous.csv",
    ):
        preview(path)


# --- choices that need a loader option: header row, date column, weight column ------------
PREAMBLE = "Monthly returns of my funds\nexported 2024-01-05 by our custodian\n\n"


def preamble_file(tmp_path: Path, rows: int = 14) -> Path:
    """Two title lines and a blank line above ``date,Alpha,Beta`` (file row 4)."""
    body = "".join(f"2020-{m:02d}-28,{m / 1000:.4f},{-m / 2000:.4f}\n" for m in range(1, rows - 1))
    path = tmp_path / "titled.csv"
    path.write_text(PREAMBLE + "date,Alpha,Beta\n" + body)
    return path


def test_a_title_above_the_header_asks_for_the_header_row(tmp_path) -> None:
    """Row 1 is a title, row 4 names the columns: the preview proposes row 4 and asks; read
    that way the numbers are the file's (read here by the csv module)."""
    path = preamble_file(tmp_path)
    p = preview(path, "returns")
    assert p.uncertain and p.choice("header_row").value == 4 and p.header == 3
    assert p.options() == {"header_row": 4}
    dataset = read_dataset(path, "returns", reader=p.reader, **p.options())
    rows = raw_rows(path)
    assert list(dataset.data.assets.columns) == rows[3][1:]
    assert dataset.data.assets["Alpha"].tolist() == [float(r[1]) for r in rows[4:] if r]


def test_header_row_option_reads_csv_and_excel_below_a_preamble(tmp_path) -> None:
    """``read_table(header_row=)``: the columns come from that row, and a bad cell is named by
    its file (or sheet) row."""
    path = preamble_file(tmp_path)
    path.write_text(path.read_text().replace("0.0030,", "abc,"))
    table = read_table(path, header_row=4)
    assert list(table.frame.columns) == ["date", "Alpha", "Beta"]
    bad = next(i for i, row in enumerate(raw_rows(path), start=1) if len(row) > 1 and row[1] == "abc")
    with pytest.raises(InputError, match=f"row {bad}, column 'Alpha'"):
        tables.to_numbers(table, ["Alpha"])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Fund returns"])
    sheet.append([])
    sheet.append(["date", "Alpha"])
    sheet.append(["2020-01-31", 0.01])
    book.save(tmp_path / "titled.xlsx")
    table = read_table(tmp_path / "titled.xlsx", header_row=3)
    assert list(table.frame.columns) == ["date", "Alpha"] and table.frame["Alpha"].tolist() == ["0.01"]
    with pytest.raises(InputError, match="no row 9"):
        read_table(tmp_path / "titled.xlsx", header_row=9)


def test_dates_in_a_column_not_named_like_dates_are_proposed(tmp_path) -> None:
    """``fund,when,other``: the loader looks for a date column by name or in first place; the
    preview sees dates in 'when', proposes it and asks; read with it, the file loads."""
    path = tmp_path / "when.csv"
    lines = [f"{0.001 * m:.3f},2021-{m:02d}-28,{-0.002 * m:.3f}" for m in range(1, 13)]
    path.write_text("fund,when,other\n" + "\n".join(lines) + "\n")
    p = preview(path, "returns")
    assert [c.name for c in p.choices if not c.certain] == ["date_col"] and p.choice("date_col").value == "when"
    dataset = read_dataset(path, "returns", reader=p.reader, **p.options())
    assert p.options() == {"date_col": "when"} and dataset.data.assets.shape == (12, 2)
    with pytest.raises(InputError, match="no date column"):
        read_dataset(path, "returns")


def test_weight_column_option_for_holdings(tmp_path) -> None:
    """``weight_col`` names the column weights come from: by default the market value column
    (each line's share: 300/400, 100/400); named, 'Allocation' is read as weights (percent: they
    sum to 100), and 'Mkt Val' as market values, as its name says."""
    path = tmp_path / "book.csv"
    path.write_text("date,ticker,Allocation,Mkt Val\n2024-06-04,AAA,60,300\n2024-06-04,BBB,40,100\n")
    by_default = load_holdings(path).frame.set_index("id")["weight"]
    assert by_default.to_dict() == {"AAA": 0.75, "BBB": 0.25}
    by_weight = load_holdings(path, weight_col="Allocation").frame.set_index("id")["weight"]
    assert by_weight.to_dict() == {"AAA": 0.6, "BBB": 0.4}
    by_value = load_holdings(path, weight_col="Mkt Val").frame.set_index("id")["weight"]
    assert by_value.to_dict() == {"AAA": 0.75, "BBB": 0.25}
    with pytest.raises(InputError, match="no column named 'Cost'"):
        load_holdings(path, weight_col="Cost")


def test_holdings_with_an_unnamed_weight_column_ask_and_read(tmp_path) -> None:
    """Opened as holdings, a table with tickers and numbers but no weight by name: the preview
    asks where weights come from; answered, the data set reads and keeps the answer."""
    path = tmp_path / "book.csv"
    path.write_text("date,ticker,Allocation\n2024-06-04,AAA,60\n2024-06-04,BBB,40\n2024-06-04,CCC,0\n")
    p = preview(path, "holdings")
    assert [c.name for c in p.choices if not c.certain] == ["weight_col"] and p.choice("id_col").value == "ticker"
    answered = p.choose(weight_col="Allocation")
    assert not answered.uncertain and answered.choice("header_row").value == 1
    dataset = read_dataset(path, "holdings", reader=answered.reader, **answered.options())
    assert dataset.options == {"weight_col": "Allocation"}
    assert dataset.data.set_index("id")["weight"].to_dict() == {"AAA": 0.6, "BBB": 0.4, "CCC": 0.0}


def test_saved_choices_are_shown_as_chosen_and_kept(tmp_path) -> None:
    """A saved data set's reader and options come back as chosen; options the preview shows no
    choice for (``keep_outliers``) are kept; an unknown reader is an error listing the valid."""
    p = preview(BAD / "good.csv", "returns", reader="table-returns", units="percent", keep_outliers=True)
    assert p.choice("units").chosen and p.choice("reader").chosen
    assert p.options() == {"units": "percent", "keep_outliers": True}
    assert ReadOptions.of(p.options() | {"header_row": 2, "date_col": "date"}).header_row == 2
    with pytest.raises(InputError, match="unknown reader 'nope'"):
        preview(BAD / "good.csv", reader="nope")
