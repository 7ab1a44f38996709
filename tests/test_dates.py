"""Every supported date format parses, decided for the whole column (issue 2)."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.data.dates import find_date_column, parse_dates
from analytics.data.tables import Table
from analytics.errors import InputError


def _parse(cells: list[str], column: str = "date"):
    table = Table(pd.DataFrame({column: cells, "A": ["1"] * len(cells)}), "f.csv")
    return parse_dates(table, find_date_column(table))


@pytest.mark.parametrize(
    ("cells", "expected", "style"),
    [
        (["2020-01-31", "2020-02-29"], ["2020-01-31", "2020-02-29"], "iso"),
        (["2020-01-31 00:00:00", "2020-02-29T16:00:00"], ["2020-01-31", "2020-02-29"], "iso"),
        (["7/31/1926", "8/1/1926"], ["1926-07-31", "1926-08-01"], "slash"),
        (["192607", "192608"], ["1926-07-31", "1926-08-31"], "yyyymm"),
        (["19260701", "19260702"], ["1926-07-01", "1926-07-02"], "yyyymmdd"),
        (["2020-01", "2020-2"], ["2020-01-31", "2020-02-29"], "iso-month"),
        (["43861", "43890.5"], ["2020-01-31", "2020-02-29"], "excel"),
        (["31.01.2020", "1.2.2020"], ["2020-01-31", "2020-02-01"], "dotted"),
    ],
)
def test_each_format_parses(cells, expected, style) -> None:
    """ISO (with times), US M/D/YYYY, YYYYMM (month-end), YYYYMMDD, YYYY-MM and Excel serials."""
    parsed = _parse(cells)
    assert parsed.style == style
    assert list(parsed.values) == list(pd.to_datetime(expected))


def test_day_first_is_detected_for_the_whole_column_with_a_note() -> None:
    """A first part over 12 makes the whole column day/month/year, and a note says so."""
    parsed = _parse(["13/1/2020", "1/2/2020"])
    assert list(parsed.values) == list(pd.to_datetime(["2020-01-13", "2020-02-01"]))
    assert "day/month/year" in parsed.note


def test_us_dates_stay_month_first_without_note() -> None:
    """Ambiguous slash dates are read month-first (US), with no note."""
    parsed = _parse(["1/2/2020", "3/4/2020"])
    assert list(parsed.values) == list(pd.to_datetime(["2020-01-02", "2020-03-04"]))
    assert parsed.note is None


def test_excel_serial_and_european_dates_note_the_interpretation() -> None:
    """Excel serial numbers and European D.M.YYYY dates are read with a note saying how."""
    assert "Excel serial" in _parse(["43861", "43890"]).note
    assert "day.month.year" in _parse(["01.02.2020", "01.03.2020"]).note


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (["2020-01-31", "hello"], r"row 3, column 'date': 'hello' is not a date"),
        (["2020-01-31", ""], r"row 3, column 'date': date is blank"),
        (["2020-13-45", "2020-01-31"], r"row 2.*'2020-13-45' is not a valid date"),
        (["13/1/2020", "1/13/2020"], "mix day-first and month-first"),
        (["202013", "202001"], r"row 2.*'202013'"),
    ],
)
def test_bad_dates_name_the_row(cells, message) -> None:
    """Unparseable, blank, impossible and mixed-order dates raise InputError naming the row."""
    with pytest.raises(InputError, match=message):
        _parse(cells)


def test_date_column_found_by_name_or_first_column() -> None:
    """A column named like a date wins; else the first column if it holds dates; else an error."""
    named = Table(pd.DataFrame({"A": ["1"], "caldt": ["2020-01-31"]}), "f.csv")
    assert find_date_column(named) == "caldt"
    first = Table(pd.DataFrame({"when": ["2020-01-31"], "A": ["1"]}), "f.csv")
    assert find_date_column(first) == "when"
    none = Table(pd.DataFrame({"x": ["abc"], "A": ["1"]}), "f.csv")
    with pytest.raises(InputError, match="no date column"):
        find_date_column(none)


@pytest.mark.parametrize(
    ("cells", "style"),
    [
        (["192607", "202104"], "yyyymm"),
        (["19630701"], "yyyymmdd"),
        (["30/12/2022", "1/2/2023"], "slash"),
        (["1927", "1928"], None),
        (["192607", "  1927"], None),
    ],
)
def test_date_style_is_shared_by_every_cell_or_none(cells: list[str], style: str | None) -> None:
    """The Ken French reader stops its table where the date style changes (annual rows are years)."""
    from analytics.data.dates import date_style

    assert date_style(pd.Series(cells).str.strip()) == style
