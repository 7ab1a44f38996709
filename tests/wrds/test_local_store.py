"""The local store on its own: atomic entries, interrupted writes, damaged files, data sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.data.store import Store, StoreConflict
from analytics.errors import InputError


def stock_table() -> pd.DataFrame:
    dates = pd.to_datetime(["2020-01-31", "2020-02-28", "2020-03-31"] * 2)
    return pd.DataFrame(
        {
            "date": dates,
            "id": ["A"] * 3 + ["B"] * 3,
            "permno": [1] * 3 + [2] * 3,
            "ret": [0.01, -0.02, 0.03, 0.0, 0.05, np.nan],
            "mcap": np.arange(6.0),
        }
    )


def test_save_replaces_and_lists() -> None:
    """Saving the same request again refreshes the entry; another request under the same name is
    refused unless asked to replace; the manifest records rows and extras."""
    store = Store()
    store.save("x/y", stock_table(), source="test", query="q1", freq="monthly")
    entry = store.save("x/y", stock_table().head(4), source="test", query="q1", freq="monthly")
    assert entry.name == "x_y" and len(store.load("x/y")) == 4
    with pytest.raises(
        StoreConflict, match="'x_y' already holds another pull \\(q1, from test\\).*replace it"
    ) as refused:
        store.save("x/y", stock_table().head(2), source="test", query="q2", freq="monthly")
    assert refused.value.option == "replace" and "--" not in str(refused.value)
    assert store.entry("x/y").query == "q1"
    store.save("x/y", stock_table().head(2), source="test", query="q2", replace=True, freq="monthly")
    assert [e.name for e in store.entries()] == ["x_y"]
    assert store.entry("x/y").query == "q2" and len(store.load("x/y")) == 2
    assert sorted(p.name for p in (store.root / "x_y").iterdir()) == ["data.parquet", "manifest.json"]


def test_interrupted_write_is_ignored() -> None:
    """Old layout: data without a manifest (a crash between the two writes) is not listed."""
    store = Store()
    stock_table().to_parquet(store.root / "half.parquet")
    assert store.entries() == [] and store.entry("half") is None
    with pytest.raises(InputError, match="not in the local store"):
        store.load("half")


def test_damaged_file_is_an_input_error() -> None:
    """A corrupted Parquet file asks the user to pull again instead of crashing."""
    store = Store()
    store.save("bad", stock_table(), source="test", query="q", freq="monthly")
    (store.root / "bad" / "data.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="bad: the stored copy is damaged \\(data.parquet is not a readable Parquet"):
        store.load("bad")


def test_dataset_shapes() -> None:
    """A stored stock table loads as wide returns (month-end dates) or as a long panel."""
    store = Store()
    frame = stock_table().assign(date=lambda f: f["date"] - pd.Timedelta(days=1))
    store.save("s", frame, source="test", query="q", freq="monthly", notes=["a note"])
    returns = store.dataset("s", "returns")
    assert list(returns.data.assets.columns) == ["A", "B"]
    assert returns.data.assets.index.is_month_end.all() and returns.notes == ("a note",)
    np.testing.assert_array_equal(returns.data.assets["A"].to_numpy(), [0.01, -0.02, 0.03])
    panel = store.dataset("s", "panel")
    assert panel.kind == "panel" and panel.data["date"].dt.is_month_end.all() and len(panel.data) == 6
    with pytest.raises(InputError, match="returns or panel"):
        store.dataset("s", "holdings")


def test_dataset_needs_a_stock_table() -> None:
    """A cached table without date/id/ret (e.g. a factor file) is not offered as stock data."""
    store = Store()
    store.save("ff", pd.DataFrame({"date": pd.to_datetime(["2020-01-31"]), "SMB": [0.01]}), source="x", query="q")
    with pytest.raises(InputError, match="not a stored stock table"):
        store.dataset("ff")
