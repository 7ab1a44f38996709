"""Ken French library files exactly as distributed (``../shared/data/real/kenfrench/``), and the ways
users re-save them, against a minimal parser written here and numbers copied from the files by hand.

Also the issue's end-to-end command: ``regress brk_arkk_ff6_monthly.csv --factors <FF3 CSV or _CSV.zip>
--factors <momentum CSV> --model carhart`` equals statsmodels on the hand-read tables to 1e-8. The returns
file has factor columns of its own; with ``--factors`` they are not funds and not used: factors come from
``--factors`` only (the file's BRK and ARKK are the funds).
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics.data.readers import load_returns, read_dataset
from tests.cli_process import run_main

KF = "kenfrench"
#: Per file: reader, frequency, rows of the first table, first and last row as printed (copied by hand).
FILES = {
    "F-F_Research_Data_Factors.CSV": (
        "kenfrench-csv",
        "monthly",
        1138,
        ("192607", 2.96, -2.30, -2.87, 0.22),
        ("202104", 4.94, -3.09, -0.75, 0.00),
    ),
    "F-F_Research_Data_Factors_CSV.zip": (
        "zip-csv",
        "monthly",
        1138,
        ("192607", 2.96, -2.30, -2.87, 0.22),
        ("202104", 4.94, -3.09, -0.75, 0.00),
    ),
    "F-F_Momentum_Factor.CSV": ("kenfrench-csv", "monthly", 1138, ("192701", 0.36), ("202110", 3.25)),
    "F-F_Research_Data_5_Factors_2x3_daily.CSV": (
        "kenfrench-csv",
        "daily",
        15397,
        ("19630701", -0.67, 0.02, -0.35, 0.03, 0.13, 0.012),
        ("20240830", 0.98, -0.56, 0.04, -0.20, -0.14, 0.022),
    ),
}
CANONICAL = {"Mkt-RF": "Mkt-RF", "SMB": "SMB", "HML": "HML", "RMW": "RMW", "CMA": "CMA", "RF": "RF", "Mom": "MOM"}


@pytest.fixture(scope="module")
def kf(shared_data: Path) -> Path:
    folder = shared_data / "real" / KF
    if not folder.is_dir():
        pytest.skip(f"real Ken French files not found at {folder}")
    return folder


def _raw_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            data = archive.read(archive.namelist()[0])
    return data.decode("ascii")


def hand_table(text: str) -> pd.DataFrame:
    """A minimal reader of the library's layout: the first line starting with ',' is the header, rows
    follow until the first blank line; values as printed (percent), dates as printed (strings)."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(","))
    header = [CANONICAL[c.strip()] for c in lines[start].split(",")[1:]]
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        cells = line.split(",")
        rows.append([cells[0].strip(), *map(float, cells[1:])])
    return pd.DataFrame(rows, columns=["date", *header]).set_index("date")


def _as_decimals_on_dates(table: pd.DataFrame) -> pd.DataFrame:
    """Percent to decimals; YYYYMM to the calendar month-end, YYYYMMDD to the day."""
    dates = pd.Index(table.index)
    if len(dates[0]) == 6:
        index = pd.to_datetime(dates, format="%Y%m") + pd.offsets.MonthEnd(0)
    else:
        index = pd.to_datetime(dates, format="%Y%m%d")
    return pd.DataFrame(table.to_numpy() / 100, index=index, columns=table.columns)


def test_every_file_in_the_folder_is_covered(kf: Path) -> None:
    """A new file dropped into real/kenfrench must get its hand-copied expectations here."""
    assert sorted(p.name for p in kf.iterdir()) == sorted(FILES)


@pytest.mark.parametrize("name", list(FILES))
def test_file_as_distributed_equals_the_hand_read_table(kf: Path, name: str) -> None:
    """The first table only (no annual rows, no copyright), every value /100, on our dates."""
    reader, freq, rows, first, last = FILES[name]
    dataset = read_dataset(kf / name)
    data = dataset.data
    assert dataset.reader == reader and data.freq == freq and data.assets.shape[1] == 0
    hand = hand_table(_raw_text(kf / name))
    assert len(hand) == rows and hand.index[0] == first[0] and hand.index[-1] == last[0]
    assert hand.iloc[0].tolist() == list(first[1:]) and hand.iloc[-1].tolist() == list(last[1:])
    expected = _as_decimals_on_dates(hand)
    assert list(data.factors.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(data.factors, expected, check_names=False, check_freq=False, rtol=1e-12)
    assert any("read as a Ken French library file" in note and "percent" in note for note in data.notes)


@pytest.mark.parametrize("name", list(FILES))
def test_load_returns_reads_it_too(kf: Path, name: str) -> None:
    """The one loader every tab uses picks the same reader (the zip is not taken for Excel)."""
    data = load_returns(kf / name)
    assert data.factors.notna().all().all() and len(data.factors) == FILES[name][2]


def _resave(text: str, how: str) -> str:
    """The FF3 file as a user re-saves it (one change at a time)."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(","))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].strip())
    head, body, tail = lines[: start + 1], lines[start + 1 : end], lines[end:]
    if how == "date header":
        head[-1] = "Date" + head[-1]
    elif how == "padded with commas":
        head = [line + ",,,," for line in head[:-1]] + [head[-1]]
        tail = [line + ",,,," if not line.startswith("  ") else line for line in tail]
    elif how == "day-first dates":

        def day_first(line: str) -> str:
            date, rest = line.split(",", 1)
            stamp = pd.Timestamp(f"{date.strip()[:4]}-{date.strip()[4:]}-01") + pd.offsets.MonthEnd(0)
            return f"{stamp:%d/%m/%Y},{rest}"

        body = [day_first(line) for line in body]
    elif how == "newest first":
        body = body[::-1]
    elif how == "annual line kept":
        tail = [line.strip() + "," if "Annual" in line else line for line in tail if line.strip()]
    return "\r\n".join(head + body + tail)


@pytest.mark.parametrize(
    "how", ["date header", "padded with commas", "day-first dates", "newest first", "annual line kept"]
)
def test_resaved_variants_read_to_the_same_table(kf: Path, tmp_path: Path, how: str) -> None:
    """Re-saved copies give the hand-read table of the original file."""
    text = _raw_text(kf / "F-F_Research_Data_Factors.CSV")
    path = tmp_path / "ff3_resaved.csv"
    path.write_text(_resave(text, how))
    data = read_dataset(path).data
    expected = _as_decimals_on_dates(hand_table(text))
    pd.testing.assert_frame_equal(data.factors, expected, check_names=False, check_freq=False, rtol=1e-12)


def test_missing_codes_inside_a_library_file_are_gaps(kf: Path, tmp_path: Path) -> None:
    """-99.99 and -999 in a library file are its missing codes (the file says so), counted in a note."""
    text = _raw_text(kf / "F-F_Momentum_Factor.CSV").replace("192702,  -2.14", "192702, -99.99")
    text = text.replace("192703,   3.61", "192703,   -999")
    path = tmp_path / "mom.csv"
    path.write_text(text)
    data = read_dataset(path).data
    assert data.factors["MOM"].loc["1927-02-28":"1927-03-31"].isna().all()
    assert data.factors["MOM"].notna().sum() == 1136
    assert any("2 cell(s) holding -99.99 or -999 read as missing" in note for note in data.notes)


def _fund_table(shared_data: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared_data / "brk_arkk_ff6_monthly.csv")
    raw.index = pd.to_datetime(raw["date"]).dt.to_period("M")
    return raw[["BRK", "ARKK"]]


def carhart_by_hand(shared_data: Path, ff3_text: str, mom_text: str) -> dict[str, object]:
    """statsmodels on the hand-read tables: excess fund returns on Mkt-RF, SMB, HML, MOM by calendar month."""
    ff3 = _as_decimals_on_dates(hand_table(ff3_text))
    mom = _as_decimals_on_dates(hand_table(mom_text))
    factors = ff3.join(mom, how="inner")
    factors.index = factors.index.to_period("M")
    funds = _fund_table(shared_data)
    fits = {}
    for fund in funds.columns:
        frame = factors.join(funds[fund], how="inner").dropna()
        y = frame[fund] - frame["RF"]
        fits[fund] = sm.OLS(y, sm.add_constant(frame[["Mkt-RF", "SMB", "HML", "MOM"]])).fit()
    return fits


def assert_matches_statsmodels(out: Path, fits: dict[str, object], periods: int = 12) -> None:
    """Every fund's annualized alpha, loadings, t-statistics, R² and n equal statsmodels' to 1e-8."""
    table = pd.read_csv(out).set_index("fund")
    for fund, fit in fits.items():
        row = table.loc[fund]
        assert row["n_obs"] == fit.nobs
        np.testing.assert_allclose(row["alpha"], fit.params["const"] * periods, rtol=1e-8)
        np.testing.assert_allclose(row["t_alpha"], fit.tvalues["const"], rtol=1e-8)
        for name in fit.params.index.drop("const"):
            np.testing.assert_allclose(row[name], fit.params[name], rtol=1e-8)
            np.testing.assert_allclose(row[f"t_{name}"], fit.tvalues[name], rtol=1e-8)
        np.testing.assert_allclose([row["r2"], row["adj_r2"]], [fit.rsquared, fit.rsquared_adj], rtol=1e-8)


def run_regress(*args: str | Path) -> subprocess.CompletedProcess:
    return run_main("regress", *args, timeout=300)


@pytest.mark.parametrize("ff3_file", ["F-F_Research_Data_Factors.CSV", "F-F_Research_Data_Factors_CSV.zip"])
def test_carhart_from_the_library_files_equals_statsmodels(
    kf: Path, shared_data: Path, tmp_path: Path, ff3_file: str
) -> None:
    """The issue's command, with the CSV and with the _CSV.zip: --factors given twice, joined on date."""
    out = tmp_path / "carhart.csv"
    proc = run_regress(
        shared_data / "brk_arkk_ff6_monthly.csv",
        "--factors",
        kf / ff3_file,
        "--factors",
        kf / "F-F_Momentum_Factor.CSV",
        "--model",
        "carhart",
        "--out",
        out,
    )
    assert proc.returncode == 0, proc.stderr
    fits = carhart_by_hand(shared_data, _raw_text(kf / ff3_file), _raw_text(kf / "F-F_Momentum_Factor.CSV"))
    assert_matches_statsmodels(out, fits)
    assert f"note: {ff3_file}: read as a Ken French library file" in proc.stderr
    assert "note: F-F_Momentum_Factor.CSV: read as a Ken French library file" in proc.stderr


def test_zips_hold_exactly_one_csv(tmp_path: Path) -> None:
    """A zip with several CSVs cannot be read unambiguously; one holding a plain table reads as that table."""
    from analytics.errors import InputError

    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", "date,A\n")
        archive.writestr("b.csv", "date,B\n")
    with pytest.raises(InputError, match=r"two.zip: the zip holds 2 CSV files \(a.csv, b.csv\); unzip it and open one"):
        read_dataset(two)
    plain = tmp_path / "plain.zip"
    rows = "".join(f"2020-{m:02d}-28,0.0{m},0.01,0.001\n" for m in range(1, 10))
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("funds.csv", "date,FUNDX,Mkt-RF,RF\n" + rows)
    data = read_dataset(plain).data
    assert data.assets["FUNDX"].tolist() == [m / 100 for m in range(1, 10)]
