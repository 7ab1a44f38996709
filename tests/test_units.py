"""Percent vs decimal returns: declared, detected with a note, or refused when ambiguous."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cli
from analytics.data.readers import load_returns
from analytics.data.units import out_of_line, units_scale
from analytics.errors import InputError


def _frame(scale: float, freq_std: float = 0.04, seed: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"A": np.random.default_rng(seed).normal(0, freq_std, 120) * scale})


@pytest.mark.parametrize(("freq", "std"), [("monthly", 0.04), ("daily", 0.01)])
def test_auto_detects_decimal_and_percent(freq, std) -> None:
    """Typical decimal returns scale by 1, the same in percent by 0.01, each with a note."""
    scale, note = units_scale(_frame(1, std), "auto", freq, what="returns", source="f.csv")
    assert scale == 1.0 and "decimals" in note
    scale, note = units_scale(_frame(100, std), "auto", freq, what="factors", source="f.csv")
    assert scale == 0.01 and "percent" in note and "f.csv" in note


def test_one_impossible_loss_is_an_error_not_percent() -> None:
    """One value below -1 among small decimals is a damaged cell naming its date, not a reason to
    read the whole column as percent (it was, before issue 17)."""
    frame = pd.DataFrame({"A": [0.01, 0.02, -1.5, 0.01]}, index=pd.date_range("2020-01-31", periods=4, freq="ME"))
    with pytest.raises(InputError, match=r"column 'A', row dated 2020-03-31: -1.5 is out of line.*loss of 150%"):
        units_scale(frame, "auto", "monthly", what="returns", source="f.csv")


def test_many_impossible_losses_with_ambiguous_size_mean_percent() -> None:
    """Data of ambiguous size with several losses beyond -100% are percent (as decimals they cannot be)."""
    values = np.tile([0.3, -0.3, 0.31, -0.29, -1.2, 0.28], 4)
    assert units_scale(pd.DataFrame({"A": values}), "auto", "monthly", what="returns", source="f.csv")[0] == 0.01


def test_declared_units_win_without_note() -> None:
    """--units percent/decimal are obeyed even when the data look otherwise."""
    assert units_scale(_frame(1), "percent", "monthly", what="returns", source="f.csv") == (0.01, None)
    assert units_scale(_frame(100), "decimal", "monthly", what="returns", source="f.csv") == (1.0, None)


@pytest.mark.parametrize(("what", "option"), [("returns", "units"), ("factors", "factor_units")])
def test_ambiguous_magnitude_is_refused(what, option) -> None:
    """A median |return| between the ranges raises InputError naming the option to set."""
    frame = pd.DataFrame({"A": [0.3, -0.3, 0.31, -0.29]})
    with pytest.raises(InputError, match="declare the units: percent or decimal") as info:
        units_scale(frame, "auto", "monthly", what=what, source="f.csv")
    assert info.value.option == option


def test_unknown_units_and_absurd_values() -> None:
    """An unknown unit name is an InputError; values near float max do not overflow."""
    with pytest.raises(InputError, match="unknown units"):
        units_scale(_frame(1), "basis", "monthly", what="returns", source="f.csv")
    huge = pd.DataFrame({"A": [1e308, 1e308, -1e308, 1.0]})
    assert units_scale(huge, "auto", "monthly", what="returns", source="f.csv")[0] == 0.01


def _cut_file(folder: Path, cut: bool) -> Path:
    """500 business days of decimals written the way numpy/pandas write small floats (1.2e-05),
    the fund being 1.0 x Mkt-RF plus noise; ``cut`` loses the last cell's exponent, as a file
    read while it was still being written does."""
    rng = np.random.default_rng(17)
    dates = pd.bdate_range("2019-01-01", periods=500).strftime("%Y-%m-%d")
    mkt = rng.normal(0, 0.01, 500)
    fund = mkt + rng.normal(0, 0.0005, 500)
    fund[-1] = -9.09283763e-05
    lines = ["date,Mkt-RF,RF,FUND"] + [f"{d},{m:.8e},1.0e-04,{f:.8e}" for d, m, f in zip(dates, mkt, fund)]
    if cut:
        lines[-1] = lines[-1].removesuffix("e-05")
        assert lines[-1].endswith(",-9.09283763")
    path = folder / ("cut.csv" if cut else "whole.csv")
    path.write_text("\n".join(lines))
    return path


def test_cut_last_cell_is_an_error_naming_its_row(tmp_path) -> None:
    """A returns file whose last cell lost its exponent is refused, naming the column and the last
    date; before issue 17 the column was read as percent (beta 0.011 instead of 1)."""
    with pytest.raises(
        InputError,
        match=r"cut.csv: returns column 'FUND', row dated 2020-11-30: -9.09283763 "
        r"is out of line with the rest of the column.*loss of 909%",
    ):
        load_returns(_cut_file(tmp_path, cut=True))
    whole = load_returns(_cut_file(tmp_path, cut=False))
    assert any("returns read as decimals" in n for n in whole.notes)
    assert whole.assets["FUND"].iloc[-1] == -9.09283763e-05


def test_cut_last_cell_cli_exits_2(tmp_path, capsys) -> None:
    """``regress`` on the cut file: exit 2 and one line naming the row; nothing printed as results."""
    assert cli.main(["regress", str(_cut_file(tmp_path, cut=True))]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("error: ") and "row dated 2020-11-30" in line


def test_keep_outliers_keeps_the_value_with_a_note(tmp_path) -> None:
    """Asked to keep outliers, the value stays as written (decimals, unscaled) and a note names it."""
    data = load_returns(_cut_file(tmp_path, cut=True), keep_outliers=True)
    assert data.assets["FUND"].iloc[-1] == -9.09283763 and data.assets["FUND"].iloc[0] < 0.1
    assert any("kept 1 returns value(s) out of line" in n and "2020-11-30" in n for n in data.notes)


def test_outlier_three_orders_up_is_found_whatever_its_sign() -> None:
    """A positive value 1000 times its column's typical size is out of line too; declared units
    are checked the same way (percent column, 5000% in a day)."""
    values = np.r_[np.random.default_rng(2).normal(0, 1.0, 300), 5000.0]
    frame = pd.DataFrame({"A": values}, index=pd.bdate_range("2020-01-01", periods=301))
    found = out_of_line(frame, 0.01)
    assert found["column"].tolist() == ["A"] and found["value"].tolist() == [5000.0]
    with pytest.raises(InputError, match=f"row dated {frame.index[-1].date()}: 5000 is out of line"):
        units_scale(frame, "percent", "daily", what="returns", source="f.csv")


def test_wild_columns_do_not_swing_the_units() -> None:
    """Penny stocks five times as volatile as the rest stay decimals; a column a hundred times
    larger than the others (percent among decimals) is refused, naming it."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.normal(0, 0.08, (24, 40)), columns=[f"S{i}" for i in range(40)])
    frame["PENNY"] = rng.normal(0, 0.4, 24)
    assert units_scale(frame, "auto", "monthly", what="returns", source="f.csv")[0] == 1.0
    frame["PCT"] = rng.normal(0, 8.0, 24)
    with pytest.raises(InputError, match="column 'PCT' is about .* times larger than the others"):
        units_scale(frame, "auto", "monthly", what="returns", source="f.csv")


@pytest.mark.parametrize(
    ("name", "scale"),
    [
        ("brk_arkk_ff6_monthly.csv", 1.0),
        ("brk_arkk_ff6_daily.csv", 1.0),
        ("crsp_monthly_2019_2020.csv", 1.0),
        ("crsp_vw_market_daily_1926_2020.csv", 1.0),
    ],
)
def test_course_files_keep_their_units(shared_data, name, scale) -> None:
    """The course's decimal files are still read as decimals (no cell flagged)."""
    data = load_returns(shared_data / name)
    assert any("read as decimals" in n for n in data.notes)


def test_course_percent_file_is_percent(shared_data) -> None:
    """The course's percent Fama-French file is still read as percent (SMB 1926-07 = -2.3% -> -0.023)."""
    data = load_returns(shared_data / "ff3_monthly_1926_2021_percent.csv")
    assert any("factors read as percent" in n for n in data.notes)
    assert abs(data.factors["SMB"].iloc[0] - (-0.023)) < 1e-12


@pytest.mark.parametrize(
    ("name", "freq"),
    [
        ("F-F_Research_Data_Factors.CSV", "monthly"),
        ("F-F_Momentum_Factor.CSV", "monthly"),
        ("F-F_Research_Data_5_Factors_2x3_daily.CSV", "daily"),
    ],
)
def test_ken_french_library_files_are_percent(shared_data, name, freq) -> None:
    """The library's own CSVs (read here by a minimal parser: the first table after the
    description lines) are percent, with no value flagged, 1987's crash included."""
    lines = (shared_data / "real" / "kenfrench" / name).read_text(errors="replace").splitlines()
    start = next(i for i, line in enumerate(lines) if "," in line and not line.split(",")[0].strip())
    rows = []
    for line in lines[start + 1 :]:
        if not line.split(",")[0].strip().isdigit():
            break
        rows.append([float(x) for x in line.split(",")[1:]])
    header = [c.strip() for c in lines[start].split(",")[1:]]
    frame = pd.DataFrame(rows, columns=header)
    frame = frame.mask(frame <= -99.99).drop(columns=["RF"], errors="ignore")
    scale, note = units_scale(frame, "auto", freq, what="factors", source=name)
    assert scale == 0.01 and "percent" in note
