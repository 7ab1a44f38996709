"""Ids with tickers and names: the mapping file loader and the lists that use it."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.data.dataset import Dataset
from analytics.errors import InputError


def test_names_file_is_read_with_usual_spellings(tmp_path):
    """A CRSP-style names file (permno, ticker, comnam) reads as id, ticker, name; ids stay text."""
    from analytics.data.names import name_labels, read_names

    path = tmp_path / "names.csv"
    path.write_text(
        "permno,ticker,comnam\n14593,AAPL,APPLE INC\n10107.0,MSFT,MICROSOFT CORP\n"
        "90319,,ALPHABET INC\n14593,AAPL,APPLE INC (new name)\n"
    )
    names = read_names(path)
    assert list(names.columns) == ["id", "ticker", "name"]
    assert list(names["id"]) == ["10107", "90319", "14593"]
    assert name_labels(names) == {
        "10107": "MSFT · MICROSOFT CORP",
        "90319": "ALPHABET INC",
        "14593": "AAPL · APPLE INC (new name)",
    }


def test_names_file_without_an_id_is_one_clear_message(tmp_path):
    """A file with no id column says which columns a names file has."""
    from analytics.data.names import read_names

    path = tmp_path / "bad.csv"
    path.write_text("ticker,name\nAAPL,Apple\n")
    with pytest.raises(InputError, match="bad.csv: no id column.*id, ticker, name"):
        read_names(path)


def test_fund_list_shows_tickers_once_a_names_table_is_loaded(window):
    """Adding a names data set to the workspace labels the ids in every tab's lists."""
    names = pd.DataFrame({"id": ["Index Tracker"], "ticker": ["IDX"], "name": ["Demo index fund"]})
    window.workspace.add(Dataset("names", "names", names, "1 name"))
    fund_list = window.analysis_tabs[0].fund_list
    texts = [fund_list.model.index(r).data() for r in range(fund_list.model.rowCount())]
    assert "Index Tracker  IDX · Demo index fund" in texts
    fund_list.set_filter("idx")
    assert fund_list.shown() == ["Index Tracker"]
    fund_list.set_filter("")
