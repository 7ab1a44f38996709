"""Yahoo Finance price histories exactly as published (``../shared/data/real/prices/``) become return series,
checked against returns computed here from the raw text (the ``csv`` module and Adj Close), never against
the app. A folder of them is a panel, one series per file; price columns are never regressed as funds.

Also the issue's command ``regress yahoo_ARKK_daily_... --factors F-F_Research_Data_5_Factors_2x3_daily.CSV
--model ff5``: one fund (ARKK, from its prices), equal to statsmodels on the hand-read tables to 1e-8.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics.data.readers import read_dataset
from analytics.errors import InputError
from tests.real.test_kenfrench_files import _as_decimals_on_dates, hand_table, run_regress

ARKK = "yahoo_ARKK_daily_2014-10-31_2021-12-16.csv"


@pytest.fixture(scope="module")
def prices(shared_data: Path) -> Path:
    folder = shared_data / "real" / "prices"
    if not folder.is_dir():
        pytest.skip(f"real price histories not found at {folder}")
    return folder


def hand_returns(path: Path) -> pd.Series:
    """Adj Close returns from the raw text: p_t / p_(t-1) - 1 on consecutive rows, ``null`` missing."""
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    dates = pd.to_datetime([r["Date"] for r in rows])
    price = np.array([np.nan if r["Adj Close"] == "null" else float(r["Adj Close"]) for r in rows])
    return pd.Series(price[1:] / price[:-1] - 1, index=dates[1:], name=path.stem)


def _all_files(prices: Path) -> list[Path]:
    return sorted(p for p in prices.rglob("*.csv"))


def test_every_price_file_reads_to_its_adj_close_returns(prices: Path) -> None:
    """Each of the 75 files: one series named after the file, equal to the hand-computed returns."""
    files = _all_files(prices)
    assert len(files) == 75
    for path in files:
        dataset = read_dataset(path)
        data = dataset.data
        assert dataset.reader == "price-history" and data.freq == "daily", path.name
        assert list(data.assets.columns) == [path.stem] and data.factors.empty
        expected = hand_returns(path)
        pd.testing.assert_series_equal(
            data.assets[path.stem], expected, check_names=False, check_freq=False, rtol=1e-12, obj=path.name
        )
        assert any(n == f"{path.name}: prices converted to returns (column 'Adj Close')." for n in data.notes)


def test_a_folder_of_price_histories_is_a_panel(prices: Path) -> None:
    """yahoo_2020/ (74 tickers): one column per file, joined on date, each equal to its own file's returns."""
    folder = prices / "yahoo_2020"
    dataset = read_dataset(folder, "returns")
    data = dataset.data
    files = sorted(folder.glob("*.csv"))
    assert dataset.reader == "series-folder" and list(data.assets.columns) == [p.stem for p in files]
    for path in files:
        expected = hand_returns(path)
        pd.testing.assert_series_equal(
            data.assets[path.stem].loc[expected.index], expected, check_names=False, check_freq=False, rtol=1e-12
        )
        assert data.assets[path.stem].drop(expected.index).isna().all()
    assert data.notes[0] == "yahoo_2020: a folder of 74 file(s), one series per file."
    merged = (
        "yahoo_2020, 74 files (AAPL.csv, ADBE.csv, ADSK.csv, ...): prices converted to returns (column 'Adj Close')."
    )
    assert merged in data.notes


def test_price_columns_are_never_funds(prices: Path, tmp_path: Path) -> None:
    """A Yahoo file beside return columns: Open ... Volume are left out with a note, never regressed."""
    raw = pd.read_csv(prices / ARKK).head(300)
    raw["MYFUND"] = np.random.default_rng(3).normal(0, 0.01, len(raw))
    raw["Mkt-RF"], raw["RF"] = np.random.default_rng(4).normal(0, 0.01, len(raw)), 0.0001
    path = tmp_path / "mixed.csv"
    raw.to_csv(path, index=False)
    data = read_dataset(path).data
    assert list(data.assets.columns) == ["MYFUND"]
    assert any(
        "Open, High, Low, Close, Adj Close, Volume are prices or volumes, not returns; left out" in n
        for n in data.notes
    )


def test_null_prices_leave_both_returns_missing(prices: Path, tmp_path: Path) -> None:
    """Yahoo's null is a missing price: the return into it and out of it are missing, never joined."""
    lines = (prices / ARKK).read_text().splitlines()
    cells = lines[10].split(",")
    cells[5] = "null"
    lines[10] = ",".join(cells)
    path = tmp_path / "ARKK.csv"
    path.write_text("\n".join(lines) + "\n")
    series = read_dataset(path).data.assets["ARKK"]
    expected = hand_returns(path)
    pd.testing.assert_series_equal(series, expected, check_names=False, check_freq=False, rtol=1e-12)
    assert series.iloc[8:10].isna().all() and series.notna().sum() == len(series) - 2


def test_all_null_adj_close_is_refused(prices: Path, tmp_path: Path) -> None:
    """A history whose Adj Close is all null cannot give returns: one sentence naming file and column."""
    raw = pd.read_csv(prices / ARKK).head(50).astype({"Adj Close": object})
    raw["Adj Close"] = "null"
    path = tmp_path / "broken.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"broken.csv: column 'Adj Close' has no prices \(all 50 cells"):
        read_dataset(path)


def test_close_only_and_px_last_layouts(tmp_path: Path) -> None:
    """``Date,Close`` and Bloomberg's ``Date,PX_LAST`` are price histories too."""
    dates = pd.bdate_range("2021-01-04", periods=40)
    price = np.round(100 * np.cumprod(1 + np.random.default_rng(5).normal(0, 0.01, 40)), 6)
    for column in ("Close", "PX_LAST"):
        path = tmp_path / f"SPY_{column}.csv"
        pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), column: price}).to_csv(path, index=False)
        series = read_dataset(path).data.assets[path.stem]
        np.testing.assert_allclose(series.to_numpy(), price[1:] / price[:-1] - 1, rtol=1e-12)


def test_arkk_from_prices_on_the_daily_five_factors_equals_statsmodels(
    prices: Path, shared_data: Path, tmp_path: Path
) -> None:
    """The issue's command: one fund, ARKK from its prices, FF5 daily from the library's CSV."""
    kf = shared_data / "real" / "kenfrench" / "F-F_Research_Data_5_Factors_2x3_daily.CSV"
    out = tmp_path / "arkk.csv"
    proc = run_regress(prices / ARKK, "--factors", kf, "--model", "ff5", "--out", out)
    assert proc.returncode == 0, proc.stderr
    factors = _as_decimals_on_dates(hand_table(kf.read_text()))
    frame = factors.join(hand_returns(prices / ARKK), how="inner").dropna()
    y = frame[Path(ARKK).stem] - frame["RF"]
    fit = sm.OLS(y, sm.add_constant(frame[["Mkt-RF", "SMB", "HML", "RMW", "CMA"]])).fit()
    table = pd.read_csv(out)
    assert len(table) == 1 and table.loc[0, "fund"] == Path(ARKK).stem and table.loc[0, "n_obs"] == fit.nobs
    np.testing.assert_allclose(table.loc[0, "alpha"], fit.params["const"] * 252, rtol=1e-8)
    for name in ("Mkt-RF", "SMB", "HML", "RMW", "CMA"):
        np.testing.assert_allclose(
            table.loc[0, [name, f"t_{name}"]].to_numpy(dtype=float), [fit.params[name], fit.tvalues[name]], rtol=1e-8
        )
    np.testing.assert_allclose(table.loc[0, "r2"], fit.rsquared, rtol=1e-8)
    assert f"note: {ARKK}: prices converted to returns (column 'Adj Close')." in proc.stderr


def test_regress_on_a_folder(prices: Path, shared_data: Path, tmp_path: Path) -> None:
    """``regress DIR``: every ticker of the folder is a fund."""
    kf = shared_data / "real" / "kenfrench" / "F-F_Research_Data_5_Factors_2x3_daily.CSV"
    out = tmp_path / "panel.csv"
    proc = run_regress(prices / "yahoo_2020", "--factors", kf, "--model", "ff5", "--out", out)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    assert len(table) == 74 and table["fund"].tolist() == sorted(p.stem for p in (prices / "yahoo_2020").glob("*.csv"))
