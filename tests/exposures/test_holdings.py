"""Holdings files of every supported shape become one ``date, id, weight`` frame."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.errors import InputError
from analytics.exposures import holdings_dataset, load_holdings


def _csv(path, text: str):
    path.write_text(text)
    return path


def test_percent_weights_and_unbalanced_sums_are_reported(tmp_path) -> None:
    """Weights summing to ~100 are read as percent; a date summing to 0.95 is reported, not rescaled."""
    path = _csv(tmp_path / "h.csv", "date,ticker,weight\n2019-12-31,AAPL,20\n2019-12-31,MSFT,80\n"
                                    "2020-03-31,AAPL,50\n2020-03-31,MSFT,45\n")
    held = load_holdings(path)
    assert held.frame["weight"].tolist() == pytest.approx([0.2, 0.8, 0.5, 0.45])
    assert any("percent" in n for n in held.notes)
    assert any("do not sum to 1" in n and "2020-03-31 (0.950)" in n for n in held.notes)
    rescaled = load_holdings(path, rescale=True).frame
    assert rescaled.groupby("date")["weight"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_shares_times_price_and_values_become_weights(tmp_path) -> None:
    """Shares × |price| and market values turn into each date's value shares."""
    shares = _csv(tmp_path / "s.csv", "date,permno,shares,prc\n2020-01-31,1,10,-5\n2020-01-31,2,30,5\n")
    assert load_holdings(shares).frame["weight"].tolist() == pytest.approx([0.25, 0.75])
    value = _csv(tmp_path / "v.csv", "date,id,value\n2020-01-31,A,100\n2020-01-31,B,300\n")
    assert load_holdings(value).frame["weight"].tolist() == pytest.approx([0.25, 0.75])
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


@pytest.mark.parametrize(("text", "words"), [
    ("date,weight\n2020-01-31,1\n", "no id column"),
    ("date,id,weight\n2020-01-31,A,\n", "row 2, column 'weight': blank"),
    ("date,id,weight\n2020-01-31,A,0.5\n2020-01-31,A,0.5\n", "both hold 'A'"),
    ("date,id,qty\n2020-01-31,A,1\n", "no weight, value or shares column"),
    ("date,id,weight\n2020-01-31,A,abc\n", "row 2, column 'weight'"),
])
def test_bad_holdings_name_the_problem(tmp_path, text, words) -> None:
    """Bad holdings raise one sentence naming the file and the row or column."""
    with pytest.raises(InputError, match=words):
        load_holdings(_csv(tmp_path / "bad.csv", text))
