"""The reader registry: which reader takes a file, from its header alone, and remembering it."""

from __future__ import annotations

import pytest

from analytics.data.readers import find_reader, read_dataset, readers
from analytics.errors import InputError


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("portfolio,id,weight\nP1,A,0.5\n", "portfolios"),
        ("date,ticker,weight\n2020-01-31,A,0.5\n", "holdings"),
        ("date,permno,re,size,value,mom\n2020-01-31,1,0.01,1,2,3\n", "panel"),
        ("date,Fund,Mkt-RF\n2020-01-31,0.01,0.02\n", "returns"),
    ],
)
def test_plain_tables_are_told_apart_by_their_header(tmp_path, text, kind) -> None:
    """The header row decides (the file is not parsed to guess)."""
    path = tmp_path / "f.csv"
    path.write_text(text)
    assert find_reader(path).kind == kind


def test_a_chosen_kind_uses_that_kinds_reader(tmp_path) -> None:
    """A panel opened as returns is read as returns; no reader of another kind answers."""
    path = tmp_path / "panel.csv"
    path.write_text("date,permno,re,size,value,mom\n2020-01-31,1,0.01,1,2,3\n")
    assert find_reader(path, "returns").kind == "returns"
    assert find_reader(path).kind == "panel"


def test_the_dataset_remembers_its_reader_and_options(tmp_path) -> None:
    """A restore can read the file again exactly the same way."""
    path = tmp_path / "f.csv"
    path.write_text("date,Fund,Mkt-RF\n" + "".join(f"2020-{m:02d}-28,0.01,0.02\n" for m in range(1, 7)))
    dataset = read_dataset(path, units="decimal")
    assert (dataset.reader, dataset.options) == ("table-returns", {"units": "decimal"})
    again = read_dataset(path, reader=dataset.reader, **dataset.options)
    assert again.data.assets.equals(dataset.data.assets)


def test_unknown_kind_and_reader_list_the_valid_ones(tmp_path) -> None:
    with pytest.raises(InputError, match="unknown data kind 'prices'; use one of returns"):
        readers("prices")
    with pytest.raises(InputError, match="unknown reader 'nope'; use one of .*table-returns"):
        read_dataset(tmp_path / "x.csv", reader="nope")
