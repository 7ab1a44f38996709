"""``python main.py exposures``: the issue's command-line contract, run as a real subprocess."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from analytics.data.demo import make_demo, write_demo
from tests.cli_process import run_main

FF6 = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"]


def exposures(*args: str | Path) -> subprocess.CompletedProcess:
    return run_main("exposures", *args, timeout=180)


def single_error_line(proc: subprocess.CompletedProcess) -> str:
    """The one ``error:`` line of a run that must exit 2 without a traceback (notes aside)."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if not ln.startswith("note:")]
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> dict[str, Path]:
    """The demo workspace as CSV files (daily stocks, factors, rotation holdings)."""
    return write_demo(tmp_path_factory.mktemp("demo"), make_demo())


def test_crsp_rotation_outputs(shared_data, tmp_path) -> None:
    """On the CRSP extract (long file with extra columns): --out has date, factors, coverage from
    the first month after the first holdings date; --topdown-out has the full sample first."""
    holdings = tmp_path / "rotation.csv"
    rows = [("2018-12-31", p, 20) for p in ["14593", "90319", "10107", "86580", "84788"]]
    rows += [("2019-12-31", p, 25) for p in ["87055", "55976", "49154", "16678"]]
    pd.DataFrame(rows, columns=["date", "permno", "weight"]).to_csv(holdings, index=False)
    out, td = tmp_path / "exp.csv", tmp_path / "td.csv"
    proc = exposures(
        "--holdings",
        holdings,
        "--returns",
        shared_data / "crsp_monthly_2019_2020.csv",
        "--factors",
        shared_data / "brk_arkk_ff6_monthly.csv",
        "--model",
        "ff6",
        "--out",
        out,
        "--topdown-out",
        td,
    )
    assert proc.returncode == 0, proc.stderr
    assert "read as percent" in proc.stderr
    frame = pd.read_csv(out)
    assert frame.columns.tolist() == ["date", *FF6, "coverage"] and frame["date"].iloc[0] == "2019-01-31"
    top = pd.read_csv(td)
    assert top.columns.tolist() == ["window_start", "window_end", "const", *FF6, "r2", "n_obs"]
    assert len(top) == 3 and top["n_obs"].iloc[0] == top["n_obs"].iloc[1:].sum()


def test_rolling_window_on_demo(demo_files, tmp_path) -> None:
    """--window N gives rolling betas: no exposure until a window's worth of returns exists."""
    out = tmp_path / "roll.xlsx"
    proc = exposures(
        "--holdings",
        demo_files["holdings"],
        "--returns",
        demo_files["stocks"],
        "--factors",
        demo_files["factors"],
        "--window",
        "126",
        "--out",
        out,
    )
    assert proc.returncode == 0, proc.stderr
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"exposures", "topdown", "stock_betas", "windows"} <= set(sheets)
    frame = sheets["exposures"]
    assert frame["coverage"].iloc[0] == 0 and frame["coverage"].iloc[-1] == 1
    assert "weights do not sum to 1" in proc.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--window", "60", "--split"], "exclude each other"),
        (["--window", "3"], "--window: a window of 3 periods"),
        (["--min-obs", "2"], "below the 7 parameters"),
    ],
)
def test_bad_options(demo_files, args, words) -> None:
    """Contradictory or impossible options: exit 2 and one line saying what to do."""
    proc = exposures(
        "--holdings",
        demo_files["holdings"],
        "--returns",
        demo_files["stocks"],
        "--factors",
        demo_files["factors"],
        *args,
    )
    assert words in single_error_line(proc)


def test_bad_files(demo_files, tmp_path) -> None:
    """Missing files, holdings without ids, and holdings matching no stock are one-line errors;
    unknown ids among known ones are only a note."""
    base = ["--returns", demo_files["stocks"], "--factors", demo_files["factors"]]
    assert "file not found" in single_error_line(exposures("--holdings", tmp_path / "nope.csv", *base))
    no_id = tmp_path / "noid.csv"
    no_id.write_text("date,weight\n2015-01-02,1\n")
    assert "no id column" in single_error_line(exposures("--holdings", no_id, *base))
    strangers = tmp_path / "strangers.csv"
    strangers.write_text("date,id,weight\n2015-01-02,ZZZ,1\n")
    assert "none of the 1 held ids" in single_error_line(exposures("--holdings", strangers, *base))
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("date,id,weight\n2015-01-02,ZZZ,0.5\n2015-01-02,AAPX,0.5\n")
    proc = exposures("--holdings", mixed, *base)
    assert proc.returncode == 0 and "have no returns and no beta (lower coverage): ZZZ" in proc.stderr


def test_holdings_folder_and_separate_id_columns(demo_files, tmp_path) -> None:
    """``--holdings DIR`` reads every file of the folder (one per date, dated by its name);
    ``--id-col`` names the holdings' id column and ``--returns-id-col`` the long returns file's,
    so holdings keyed ``Holding Ticker`` match returns keyed ``code``. The result equals the run
    on the demo's own holdings file and wide returns."""
    demo = make_demo()
    folder = tmp_path / "holdings"
    folder.mkdir()
    for date, part in demo.holdings.groupby("date"):
        part.rename(columns={"id": "Holding Ticker"})[["Holding Ticker", "weight"]].to_csv(
            folder / f"fund_{pd.Timestamp(date):%Y%m%d}.csv", index=False
        )
    long = demo.stocks.rename_axis("date").reset_index().melt("date", var_name="code", value_name="ret")
    long.to_csv(tmp_path / "long.csv", index=False)
    out, reference = tmp_path / "exp.csv", tmp_path / "ref.csv"
    proc = exposures(
        "--holdings",
        folder,
        "--id-col",
        "Holding Ticker",
        "--returns",
        tmp_path / "long.csv",
        "--returns-id-col",
        "code",
        "--factors",
        demo_files["factors"],
        "--out",
        out,
    )
    assert proc.returncode == 0, proc.stderr
    assert "from the name" in proc.stderr
    proc = exposures(
        "--holdings",
        demo_files["holdings"],
        "--returns",
        demo_files["stocks"],
        "--factors",
        demo_files["factors"],
        "--out",
        reference,
    )
    assert proc.returncode == 0, proc.stderr
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(reference), rtol=1e-10)


def test_cash_counts_as_covered_and_missing_ids_lower_coverage(demo_files, tmp_path) -> None:
    """Coverage = (weight with a beta + cash) / all weight: a cash line keeps it at 1, an id with
    no returns lowers it by its weight (0.25 here, below 90%: a note lists the dates)."""
    held = tmp_path / "h.csv"
    held.write_text("date,ticker,weight\n2015-01-02,AAPX,0.5\n2015-01-02,-,0.25\n2015-01-02,NOPE,0.25\n")
    out = tmp_path / "exp.csv"
    proc = exposures(
        "--holdings", held, "--returns", demo_files["stocks"], "--factors", demo_files["factors"], "--out", out
    )
    assert proc.returncode == 0, proc.stderr
    assert (pd.read_csv(out)["coverage"] == 0.75).all()
    assert "coverage below 90% on" in proc.stderr and "NOPE" in proc.stderr and "1 cash line(s)" in proc.stderr
