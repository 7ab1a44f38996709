"""The safe table reader: CSV variants, Excel and Parquet into text cells, with notes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analytics.data.tables import read_table, to_numbers
from analytics.errors import InputError

TEXT = "date,A,B\n2020-01-31,0.01,0.02\n2020-02-29,-0.03,\n2020-03-31,0.05,0.06\n"


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_separator_is_sniffed(tmp_path, sep) -> None:
    """Comma, semicolon, tab and pipe files give the same cells."""
    path = tmp_path / "f.csv"
    path.write_text(TEXT.replace(",", sep))
    table = read_table(path)
    assert list(table.frame.columns) == ["date", "A", "B"]
    assert table.frame["A"].tolist() == ["0.01", "-0.03", "0.05"]


def test_european_csv_reads_decimal_commas_with_note(tmp_path) -> None:
    """';' separator with ',' decimals is read as numbers, and a note says so."""
    path = tmp_path / "eu.csv"
    path.write_text(TEXT.replace(",", ";").replace("0.0", "0,0"))
    table = read_table(path)
    assert to_numbers(table, ["A"])["A"].tolist() == [0.01, -0.03, 0.05]
    assert any("European" in n for n in table.notes)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_unicode_encodings(tmp_path, encoding) -> None:
    """UTF-16 (with or without BOM) and UTF-8 with BOM are decoded; UTF-16 is noted."""
    path = tmp_path / "u.csv"
    path.write_bytes(TEXT.encode(encoding))
    table = read_table(path)
    assert list(table.frame.columns) == ["date", "A", "B"]
    assert any("UTF-16" in n for n in table.notes) == encoding.startswith("utf-16")


def test_windows_1252_falls_back_with_note(tmp_path) -> None:
    """Non-UTF-8 text is read as Windows-1252 and the note says so."""
    path = tmp_path / "w.csv"
    path.write_bytes("date,Fond\u00e9\n2020-01-31,1\n".encode("cp1252"))
    table = read_table(path)
    assert "Fond\u00e9" in table.frame.columns and any("1252" in n for n in table.notes)


def test_header_is_stripped_and_blank_rows_dropped(tmp_path) -> None:
    """'Mom   ' loses its trailing spaces; blank rows vanish but error rows still count them."""
    path = tmp_path / "f.csv"
    path.write_text("\n\ndate,Mom   \n2020-01-31,1\n,\n\n2020-02-29,x\n")
    table = read_table(path)
    assert list(table.frame.columns) == ["date", "Mom"]
    assert len(table.frame) == 2
    with pytest.raises(InputError, match=r"row 7, column 'Mom': 'x' is not a number"):
        to_numbers(table, ["Mom"])


def test_xlsx_header_below_blank_rows_and_sheet_row_numbers(tmp_path) -> None:
    """A sheet whose header sits on row 3 is read, and errors name the sheet's own row."""
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A3"], ws["B3"] = "date", "A"
    ws["A4"], ws["B4"] = "2020-01-31", 0.01
    ws["A6"], ws["B6"] = "2020-02-29", "oops"
    wb.save(path)
    table = read_table(path)
    assert list(table.frame.columns) == ["date", "A"]
    with pytest.raises(InputError, match=r"row 6, column 'A': 'oops'"):
        to_numbers(table, ["A"])


def test_xlsx_repeated_header_is_refused(tmp_path) -> None:
    """Two Excel columns with one name are refused, not silently renamed 'A.1'."""
    path = tmp_path / "dup.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["date", "A", "A"])
    wb.active.append(["2020-01-31", 1, 2])
    wb.save(path)
    with pytest.raises(InputError, match="column 'A' appears twice"):
        read_table(path)


def test_xlsx_with_real_date_cells(tmp_path) -> None:
    """An .xlsx written by openpyxl with datetime cells reads as ISO dates and numbers."""
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["date", "A"])
    ws.append([dt.datetime(2020, 1, 31), 0.01])
    ws.append([dt.datetime(2020, 2, 29), None])
    ws.append([dt.date(2020, 3, 31), dt.time(9, 30)])  # a time cell is text, not a crash
    wb.save(path)
    table = read_table(path)
    assert table.frame["date"].str[:10].tolist() == ["2020-01-31", "2020-02-29", "2020-03-31"]
    assert table.frame["A"].tolist() == ["0.01", "", "09:30:00"]


def test_parquet_is_read(tmp_path) -> None:
    """A Parquet file with a datetime column reads as text cells like a CSV."""
    path = tmp_path / "f.parquet"
    pd.DataFrame({"date": pd.to_datetime(["2020-01-31", "2020-02-29"]), "A": [0.01, np.nan]}).to_parquet(path)
    table = read_table(path)
    assert table.frame["date"].tolist() == ["2020-01-31", "2020-02-29"]
    assert to_numbers(table, ["A"])["A"].isna().tolist() == [False, True]


def test_parquet_dates_in_the_index_are_kept(tmp_path) -> None:
    """A frame saved with its dates as the index (pandas' habit) keeps them as a column."""
    path = tmp_path / "ix.parquet"
    index = pd.DatetimeIndex(["2020-01-31", "2020-02-29"], name="date")
    pd.DataFrame({"A": [0.01, 0.02]}, index=index).to_parquet(path)
    assert read_table(path).frame["date"].tolist() == ["2020-01-31", "2020-02-29"]


def test_missing_text_codes_become_nan_and_numbers_stay_numbers(tmp_path) -> None:
    """Blank, NA, n/a, '.' and Yahoo's null read as missing; -99.99 and -999 are numbers unless declared
    (a -99.99% return is a real wipe-out in a user's percent file)."""
    path = tmp_path / "f.csv"
    path.write_text("date,A\n1,NA\n2,n/a\n3,.\n4,-99.99\n5,-999\n6,\n7,-99.98\n8,null\n")
    values = to_numbers(read_table(path), ["A"])["A"]
    assert values.isna().sum() == 5
    assert values.tolist()[3:5] == [-99.99, -999.0] and values.iloc[6] == -99.98


def test_declared_missing_numbers_become_nan_and_are_counted(tmp_path) -> None:
    """Declared codes are missing wherever they sit, exactly (-99.98 is kept), and counted for the note."""
    path = tmp_path / "f.csv"
    path.write_text("date,A,B\n1,-99.99,1\n2,-999,-999.0\n3,-99.98,2\n")
    values = to_numbers(read_table(path), ["A", "B"], missing=(-99.99, -999.0))
    assert values["A"].isna().tolist() == [True, True, False] and values["B"].isna().tolist() == [False, True, False]
    assert values.attrs["missing_codes"] == 3


def test_long_bad_cell_is_quoted_at_most_80_characters(tmp_path) -> None:
    """An error quotes at most 80 characters of a cell (a disclaimer pasted into a number column)."""
    path = tmp_path / "f.csv"
    path.write_text("date,A\n1,0.01\n2," + "x" * 500 + "\n")
    with pytest.raises(InputError) as info:
        to_numbers(read_table(path), ["A"])
    quoted = str(info.value).split("'")[3]
    assert len(quoted) == 80 and quoted.endswith("...")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,A,A\n1,2,3\n", "column 'A' appears twice"),
        ("date,A\n2020-01-31,1,9,9\n", "row 2 has more cells than the header"),
        ('date,A\n"2020-01-31,1\n', "not a readable table"),
        ("date,A\n1,inf\n", r"row 2, column 'A': infinite value"),
    ],
)
def test_malformed_tables_name_the_problem(tmp_path, text, message) -> None:
    """Duplicate headers, over-long rows, broken quotes and infinities are InputErrors."""
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        to_numbers(read_table(path), ["A"])
