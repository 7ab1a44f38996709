"""Built characteristics against a hand computation with explicit calendar months, and no look-ahead."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.crosssection.characteristics import build_characteristics
from analytics.errors import InputError


def _panel() -> pd.DataFrame:
    """Three stocks over 20 months; S2 misses 2016-05, and no stock has a row in 2016-09."""
    rng = np.random.default_rng(42)
    rows = []
    for month in pd.date_range("2016-01-31", periods=20, freq="ME"):
        if month == pd.Timestamp("2016-09-30"):
            continue
        for stock in ("S1", "S2", "S3"):
            if stock == "S2" and month == pd.Timestamp("2016-05-31"):
                continue
            rows.append((month, stock, rng.normal(0.01, 0.1), math.exp(rng.normal(20, 1))))
    return pd.DataFrame(rows, columns=["date", "id", "ret", "mcap"]).sample(frac=1, random_state=1)


def _by_hand(panel: pd.DataFrame) -> pd.DataFrame:
    """Per row: look up the same stock's values k calendar months earlier in a dictionary."""
    ret = {(r.id, r.date.year * 12 + r.date.month): r.ret for r in panel.itertuples()}
    cap = {(r.id, r.date.year * 12 + r.date.month): r.mcap for r in panel.itertuples()}
    out = []
    for r in panel.itertuples():
        month = r.date.year * 12 + r.date.month
        past = [ret.get((r.id, month - k)) for k in range(2, 13)]
        mom = math.prod(1 + p for p in past) - 1 if all(p is not None for p in past) else math.nan
        last = ret.get((r.id, month - 1), math.nan)
        size = math.log(cap[(r.id, month - 1)]) if (r.id, month - 1) in cap else math.nan
        out.append((size, mom, last))
    return pd.DataFrame(out, index=panel.index, columns=["log_mcap_lag", "mom_12_2", "ret_lag1"])


def test_matches_a_hand_computation():
    """size = log cap at t-1, momentum = Π(1+r) over t-12..t-2 minus 1, reversal = r at t-1, by stock."""
    panel = _panel()
    built = build_characteristics(panel, ret_col="ret", cap_col="mcap")
    expected = _by_hand(panel)
    assert built.columns == ("log_mcap_lag", "mom_12_2", "ret_lag1")
    pd.testing.assert_frame_equal(built.panel[list(built.columns)], expected, rtol=1e-12, atol=0)
    assert built.panel[["date", "id", "ret", "mcap"]].equals(panel)  # the user's columns untouched
    # the month without rows still counts: October's reversal has no September return
    october = built.panel[built.panel["date"] == "2016-10-31"]
    assert october["ret_lag1"].isna().all()
    # momentum needs 11 returns: none before month 13, and none for S2 while May 2016 is in its window
    assert built.panel.loc[built.panel["date"] < "2017-01-31", "mom_12_2"].isna().all()
    assert any(
        n.startswith("built characteristics, each from data up to the previous period only") for n in built.notes
    )


def test_nothing_looks_ahead():
    """Changing returns and caps from a date on leaves every characteristic up to that date unchanged."""
    panel = _panel()
    cut = pd.Timestamp("2017-03-31")
    changed = panel.copy()
    later = changed["date"] >= cut
    changed.loc[later, "ret"] = 0.5
    changed.loc[later, "mcap"] = 1.0
    a = build_characteristics(panel, ret_col="ret", cap_col="mcap").panel
    b = build_characteristics(changed, ret_col="ret", cap_col="mcap").panel
    upto = a["date"] <= cut
    cols = ["log_mcap_lag", "mom_12_2", "ret_lag1"]
    pd.testing.assert_frame_equal(a.loc[upto, cols], b.loc[upto, cols])
    assert not a.loc[a["date"] > cut, cols].equals(b.loc[b["date"] > cut, cols])


def test_without_a_market_cap_size_is_not_built():
    """No market-cap column: momentum and reversal only."""
    built = build_characteristics(_panel().drop(columns="mcap"), ret_col="ret", cap_col=None)
    assert built.columns == ("mom_12_2", "ret_lag1")


def test_bad_inputs_are_one_clear_message():
    """Built columns already present, a missing column, or an id twice at a date: one message each."""
    panel = _panel()
    once = build_characteristics(panel, ret_col="ret", cap_col="mcap").panel
    with pytest.raises(InputError, match="already has a column 'log_mcap_lag'"):
        build_characteristics(once, ret_col="ret", cap_col="mcap")
    with pytest.raises(InputError, match="no market cap column 'cap'"):
        build_characteristics(panel, ret_col="ret", cap_col="cap")
    with pytest.raises(InputError, match="an id appears twice at one date"):
        build_characteristics(pd.concat([panel, panel.head(1)]), ret_col="ret", cap_col="mcap")


def test_nonpositive_caps_are_left_out_with_a_note():
    """A zero market cap gives no size next period, and a note counts it."""
    panel = _panel()
    panel.loc[panel.index[0], "mcap"] = 0.0
    built = build_characteristics(panel, ret_col="ret", cap_col="mcap")
    assert any("1 market cap(s) of zero or less" in n for n in built.notes)
