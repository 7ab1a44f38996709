"""load_returns: wide and long, CSV and Excel, aliases, units, frequency and month alignment."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analytics.data.readers import load_returns
from analytics.data.returns import canonical_factor_name
from analytics.errors import InputError
from analytics.regression import FactorModel
from tests.cli_process import run_main

MONTHS = pd.date_range("2019-01-31", periods=24, freq="ME")


def _wide(columns: dict[str, np.ndarray], dates=MONTHS, date_format: str | None = "%Y-%m-%d") -> pd.DataFrame:
    labels = dates.strftime(date_format) if date_format else dates
    return pd.DataFrame({"date": labels, **columns})


def _returns(n: int = 24, seed: int = 0, scale: float = 0.04) -> np.ndarray:
    return np.round(np.random.default_rng(seed).normal(0.005, scale, n), 6)


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("Mkt-RF", "Mkt-RF"),
        ("MKT-RF", "Mkt-RF"),
        ("mktrf", "Mkt-RF"),
        ("Mom   ", "MOM"),
        ("UMD", "MOM"),
        ("WML", "MOM"),
        ("RF", "RF"),
        ("rf", "RF"),
        ("smb", "SMB"),
        ("Fund", None),
    ],
)
def test_factor_aliases(header, canonical) -> None:
    """Every usual spelling of a factor maps to its canonical name; fund names do not."""
    assert canonical_factor_name(header) == canonical


def test_wide_file_splits_factors_from_funds_under_canonical_names(tmp_path) -> None:
    """A wide file with aliased factor headers yields canonical factors and the fund columns."""
    path = tmp_path / "w.csv"
    _wide({"mktrf": _returns(), "Mom   ": _returns(seed=1), "rf": np.full(24, 0.001), "FUND": _returns(seed=2)}).to_csv(
        path, index=False
    )
    data = load_returns(path)
    assert list(data.assets.columns) == ["FUND"]
    assert set(data.factors.columns) == {"Mkt-RF", "MOM", "RF"}
    assert data.factor_names == ("Mkt-RF", "MOM")
    assert data.freq == "monthly"
    np.testing.assert_allclose(data.assets["FUND"].to_numpy(), _returns(seed=2))


def test_mkt_total_return_with_rf_gives_mkt_rf(tmp_path) -> None:
    """A MKT column (total market return) becomes Mkt-RF = MKT - RF, with a note."""
    path = tmp_path / "m.csv"
    mkt = _returns()
    _wide({"RF": np.full(24, 0.002), "MKT": mkt}).to_csv(path, index=False)
    data = load_returns(path)
    np.testing.assert_allclose(data.factors["Mkt-RF"].to_numpy(), mkt - 0.002)
    assert "MKT" not in data.factors.columns
    assert any("MKT - RF" in n for n in data.notes)


def test_long_file_pivots_by_id(tmp_path) -> None:
    """date, permno, ret (plus ignored extras) pivots to one column per id."""
    path = tmp_path / "long.csv"
    rows = [(d.strftime("%Y-%m-%d"), pid, r, 100) for pid in (10107, 14593) for d, r in zip(MONTHS, _returns(seed=pid))]
    pd.DataFrame(rows, columns=["date", "permno", "ret", "shrout"]).to_csv(path, index=False)
    data = load_returns(path)
    assert list(data.assets.columns) == ["10107", "14593"]
    np.testing.assert_allclose(data.assets["14593"].to_numpy(), _returns(seed=14593))


@pytest.mark.parametrize("fmt", ["%Y-%m-%d", "%m/%d/%Y", "%Y%m", "%Y%m%d", "%Y-%m"])
def test_each_date_format_gives_the_same_month_ends(tmp_path, fmt) -> None:
    """ISO, US, YYYYMM, YYYYMMDD and YYYY-MM monthly dates all land on calendar month-ends."""
    path = tmp_path / "d.csv"
    _wide({"A": _returns()}, date_format=fmt).to_csv(path, index=False)
    assert list(load_returns(path).assets.index) == list(MONTHS)


def test_day_first_file_is_noted(tmp_path) -> None:
    """A day-first file (31/1/2019) is read correctly and the note says so."""
    path = tmp_path / "d.csv"
    _wide({"A": _returns()}, date_format="%d/%m/%Y").to_csv(path, index=False)
    data = load_returns(path)
    assert list(data.assets.index) == list(MONTHS) and any("day/month/year" in n for n in data.notes)


def test_excel_serial_dates(tmp_path) -> None:
    """Excel serial day numbers in a CSV are read as dates with a note."""
    path = tmp_path / "s.csv"
    serial = (MONTHS - pd.Timestamp("1899-12-30")).days
    pd.DataFrame({"date": serial, "A": _returns()}).to_csv(path, index=False)
    data = load_returns(path)
    assert list(data.assets.index) == list(MONTHS) and any("Excel serial" in n for n in data.notes)


def test_xlsx_with_date_cells_equals_csv(tmp_path) -> None:
    """The same data as .xlsx (openpyxl date cells) and as CSV load identically."""
    frame = _wide({"Mkt-RF": _returns(), "RF": np.full(24, 0.001), "A": _returns(seed=3)})
    csv_path, xlsx_path = tmp_path / "a.csv", tmp_path / "a.xlsx"
    frame.to_csv(csv_path, index=False)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([pd.Timestamp(row[0]).to_pydatetime(), *row[1:]])
    wb.save(xlsx_path)
    a, b = load_returns(csv_path), load_returns(xlsx_path)
    pd.testing.assert_frame_equal(a.assets, b.assets)
    pd.testing.assert_frame_equal(a.factors, b.factors)


def test_percent_detected_and_declared(tmp_path) -> None:
    """Percent data are divided by 100 when detected (noted) or declared; decimals declared stay."""
    path = tmp_path / "p.csv"
    _wide({"Mkt-RF": _returns() * 100, "RF": np.full(24, 0.1), "A": _returns(seed=5) * 100}).to_csv(path, index=False)
    auto = load_returns(path)
    np.testing.assert_allclose(auto.assets["A"].to_numpy(), _returns(seed=5))
    np.testing.assert_allclose(auto.factors["RF"].to_numpy(), 0.001)
    assert any("percent" in n for n in auto.notes)
    declared = load_returns(path, units="decimal", factor_units="percent")
    np.testing.assert_allclose(declared.assets["A"].to_numpy(), _returns(seed=5) * 100)
    np.testing.assert_allclose(declared.factors["Mkt-RF"].to_numpy(), _returns())


def test_ambiguous_units_refused(tmp_path) -> None:
    """Returns whose scale fits neither unit are refused, asking for the units (option ``units``)."""
    path = tmp_path / "a.csv"
    _wide({"A": np.tile([0.3, -0.3], 12)}).to_csv(path, index=False)
    with pytest.raises(InputError, match="declare the units") as info:
        load_returns(path)
    assert info.value.option == "units"


def test_daily_detected_and_freq_override(tmp_path) -> None:
    """Business-day dates are daily; --freq monthly on daily data is refused as duplicates per month."""
    path = tmp_path / "d.csv"
    days = pd.bdate_range("2020-01-01", periods=60)
    _wide({"A": _returns(60, scale=0.01)}, dates=days).to_csv(path, index=False)
    assert load_returns(path).freq == "daily"
    with pytest.raises(InputError, match="same month"):
        load_returns(path, freq="monthly")


def test_freq_override_for_short_files(tmp_path) -> None:
    """Two dates are too few to detect; --freq monthly reads them."""
    path = tmp_path / "s.csv"
    _wide({"A": [0.01, 0.02]}, dates=MONTHS[:2]).to_csv(path, index=False)
    with pytest.raises(InputError, match="too few dates to tell the frequency") as info:
        load_returns(path)
    assert info.value.option == "freq"
    assert load_returns(path, freq="monthly").freq == "monthly"


def test_monthly_dates_on_different_days_align_by_calendar_month(tmp_path) -> None:
    """Funds dated on the last trading day align with factors dated on the calendar month-end."""
    last_trading = pd.DatetimeIndex(
        [d - pd.offsets.BDay(0) if d.dayofweek < 5 else d - pd.offsets.BDay(1) for d in MONTHS]
    )
    funds, factors = tmp_path / "f.csv", tmp_path / "x.csv"
    _wide({"A": _returns()}, dates=last_trading).to_csv(funds, index=False)
    _wide({"Mkt-RF": _returns(seed=9), "RF": np.full(24, 0.001)}).to_csv(factors, index=False)
    a, f = load_returns(funds), load_returns(factors)
    assert (last_trading != MONTHS).any()
    assert a.assets.index.equals(f.factors.index)
    assert FactorModel(a.assets, f.factors, freq="monthly", model="capm").fit().nobs["A"] == 24


def test_empty_column_is_dropped_with_note(tmp_path) -> None:
    """An all-blank fund column is left out, and the note names it."""
    path = tmp_path / "e.csv"
    _wide({"A": _returns(), "EMPTY": [""] * 24}).to_csv(path, index=False)
    data = load_returns(path)
    assert list(data.assets.columns) == ["A"] and any("EMPTY" in n for n in data.notes)


def test_shared_files_load(shared_data) -> None:
    """The course files: BRK/ARKK monthly and daily, the FF3 percent file, the CRSP long extract."""
    monthly = load_returns(shared_data / "brk_arkk_ff6_monthly.csv")
    assert monthly.freq == "monthly" and monthly.factor_names == ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM")
    assert monthly.assets["ARKK"].first_valid_index().year == 2014  # empty before its inception
    daily = load_returns(shared_data / "brk_arkk_ff6_daily.csv")
    assert daily.freq == "daily" and len(daily.assets) == 8338
    ff3 = load_returns(shared_data / "ff3_monthly_1926_2021_percent.csv")
    assert ff3.factors.index[0] == pd.Timestamp("1926-07-31")
    assert ff3.factors.loc["1926-07-31", "Mkt-RF"] == pytest.approx(0.0318 - 0.0022)
    assert ff3.factors.loc["1926-07-31", "RF"] == pytest.approx(0.0022)
    crsp = load_returns(shared_data / "crsp_monthly_2019_2020.csv")
    assert crsp.freq == "monthly" and "14593" in crsp.assets.columns and len(crsp.assets) == 24


def test_fund_named_like_an_id_stays_wide_and_long_needs_a_return_column(tmp_path) -> None:
    """A wide fund column called 'Fund' is a fund; a long file whose ids never share a date is long;
    a long file without a return column asks for one."""
    wide = tmp_path / "w.csv"
    _wide({"Fund": _returns(), "Other": _returns(seed=4)}).to_csv(wide, index=False)
    assert list(load_returns(wide).assets.columns) == ["Fund", "Other"]
    alternating = tmp_path / "alt.csv"
    pd.DataFrame({"date": MONTHS.strftime("%Y-%m-%d"), "ticker": ["X", "Y"] * 12, "ret": _returns()}).to_csv(
        alternating, index=False
    )
    assert list(load_returns(alternating).assets.columns) == ["X", "Y"]
    no_ret = tmp_path / "noret.csv"
    pd.DataFrame(
        {
            "date": list(MONTHS.strftime("%Y-%m-%d")) * 2,
            "permno": [1] * 24 + [2] * 24,
            "excess": np.r_[_returns(), _returns(seed=1)],
        }
    ).to_csv(no_ret, index=False)
    with pytest.raises(InputError, match="without a return column; name it 'ret'"):
        load_returns(no_ret)


def test_duplicate_errors_pair_the_right_rows(tmp_path) -> None:
    """The two rows named in a duplicate error really share the date (and id, in a long file)."""
    wide = tmp_path / "w.csv"
    frame = _wide({"A": _returns()})
    frame.loc[20, "date"] = frame.loc[2, "date"][:8] + "15"  # row 22 falls in row 4's month
    frame.to_csv(wide, index=False)
    with pytest.raises(InputError, match=r"row 4 \(2019-03-31\) and row 22 \(2019-03-15\) fall on the same month"):
        load_returns(wide, freq="monthly")
    long = tmp_path / "l.csv"
    rows = [
        ("2019-01-31", "X", 0.1),
        ("2019-01-31", "Y", 0.2),
        ("2019-02-28", "Y", 0.1),
        ("2019-03-31", "Y", 0.1),
        ("2019-01-31", "Y", 0.3),
    ]
    pd.DataFrame(rows, columns=["date", "id", "ret"]).to_csv(long, index=False)
    with pytest.raises(InputError, match=r"row 3 and row 6 both give id 'Y' on 2019-01-31"):
        load_returns(long)


def test_minus_99_99_is_a_number_outside_ken_french_files(tmp_path) -> None:
    """In a user's percent file a -99.99 is a real wipe-out, kept (issue 11); declared, it is missing."""
    path = tmp_path / "pct.csv"
    fund = np.round(np.random.default_rng(8).normal(0.5, 4, 24), 2)
    fund[5] = -99.99
    _wide({"FUNDX": fund}).to_csv(path, index=False)
    kept = load_returns(path, units="percent")
    assert kept.assets["FUNDX"].iloc[5] == pytest.approx(-0.9999)
    declared = load_returns(path, units="percent", missing=(-99.99,))
    assert np.isnan(declared.assets["FUNDX"].iloc[5]) and declared.assets["FUNDX"].notna().sum() == 23
    assert any("1 cell(s) holding -99.99 read as missing" in note for note in declared.notes)


def test_missing_option_on_the_command_line(tmp_path) -> None:
    """``--missing`` repeats or takes a comma list; undeclared codes in a decimal file are refused with a hint."""
    import subprocess

    path = tmp_path / "codes.csv"
    frame = _wide({"Mkt-RF": _returns(seed=1), "RF": np.full(24, 0.001), "FUNDX": _returns(seed=2)})
    frame.loc[3, "FUNDX"], frame.loc[7, "FUNDX"] = -99.99, -999
    frame.to_csv(path, index=False)

    def regress(*extra: str) -> subprocess.CompletedProcess:
        return run_main("regress", path, "--model", "capm", "--out", tmp_path / "o.csv", *extra, timeout=120)

    refused = regress()
    assert refused.returncode == 2 and "declare it a missing code" in refused.stderr
    for extra in (["--missing", "-99.99", "--missing", "-999"], ["--missing=-99.99,-999"]):
        proc = regress(*extra)
        assert proc.returncode == 0, proc.stderr
        assert pd.read_csv(tmp_path / "o.csv")["n_obs"].iloc[0] == 22
        assert "2 cell(s) holding -99.99 or -999 read as missing" in proc.stderr


def test_a_custom_models_columns_become_factors(tmp_path) -> None:
    """with_factors moves named asset columns (a factor the vocabulary does not know) to the factors."""
    path = tmp_path / "w.csv"
    _wide({"Mkt-RF": _returns(seed=1), "LIQ": _returns(seed=3), "FUNDX": _returns(seed=2)}).to_csv(path, index=False)
    data = load_returns(path).with_factors(["LIQ", "NOPE"])
    assert list(data.assets.columns) == ["FUNDX"] and data.factor_names == ("Mkt-RF", "LIQ")
    np.testing.assert_allclose(data.factors["LIQ"].to_numpy(), _returns(seed=3))


def test_load_returns_reads_every_layout_through_the_readers(tmp_path) -> None:
    """The one loader picks the file's reader: a Ken French layout is percent, a plain table is not."""
    path = tmp_path / "kf.csv"
    rows = "".join(f"{d:%Y%m},{v:.2f},0.10\n" for d, v in zip(MONTHS, _returns(seed=5) * 100))
    path.write_text("This file was created by CMPT_ME_BEME_RETS using the CRSP database.\n\n,Mkt-RF,RF\n" + rows)
    data = load_returns(path)
    np.testing.assert_allclose(data.factors["Mkt-RF"].to_numpy(), np.round(_returns(seed=5) * 100, 2) / 100, rtol=1e-12)
    assert data.factors["RF"].iloc[0] == pytest.approx(0.001)
