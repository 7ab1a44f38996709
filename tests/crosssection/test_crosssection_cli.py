"""``crosssection`` and ``charadj`` on the command line: the issue's output contracts and bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from cli import main
from tests.cli_process import run_main


def test_crosssection_writes_per_date_and_fama_macbeth_tables(crsp_panel_csv, tmp_path, capsys):
    """--out: date, <char>..., n, r2 sorted by date; --fm-out: characteristic, premium, std_err, t, t_nw."""
    out, fm_out = tmp_path / "cs.csv", tmp_path / "fm.csv"
    code = main(
        [
            "crosssection",
            "--panel",
            str(crsp_panel_csv),
            "--chars",
            "size,price,strev,mom",
            "--out",
            str(out),
            "--fm-out",
            str(fm_out),
            "--nw-lags",
            "3",
        ]
    )
    assert code == 0
    per_date, fm = pd.read_csv(out), pd.read_csv(fm_out)
    assert list(per_date.columns) == ["date", "size", "price", "strev", "mom", "n", "r2"]
    assert per_date["date"].is_monotonic_increasing and len(per_date) == 22
    assert list(fm.columns) == ["characteristic", "premium", "std_err", "t", "t_nw"]
    err = capsys.readouterr().err
    assert "2 date(s) skipped: 2019-01-31" in err and "lag them yourself" in err


def test_crosssection_default_chars_and_wls(crsp_panel_csv, capsys):
    """Without --chars every numeric non-return, non-weight column is used and the note says so."""
    assert main(["crosssection", "--panel", str(crsp_panel_csv), "--weight-col", "mcap", "--top-pct", "50"]) == 0
    captured = capsys.readouterr()
    assert "(size, price, strev, mom)" in captured.err and "WLS (weights mcap), top 50% by mcap" in captured.err
    assert "t_nw" in captured.out


def test_charadj_writes_the_contract_table(crsp_panel_csv, tmp_path):
    """charadj --date: one row per portfolio for that month, columns date, portfolio, raw, implied,
    adjusted, coverage."""
    ports = tmp_path / "ports.csv"
    ports.write_text("port,permno,weight\n1,14593,0.5\n1,10107,0.5\n2,55976,0.5\n2,87055,0.5\n")
    out = tmp_path / "adj.csv"
    assert (
        main(
            [
                "charadj",
                "--panel",
                str(crsp_panel_csv),
                "--portfolios",
                str(ports),
                "--date",
                "2020-06",
                "--chars",
                "size,price,strev,mom",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    table = pd.read_csv(out)
    assert list(table.columns) == ["date", "portfolio", "raw", "implied", "adjusted", "coverage"]
    assert list(table["date"]) == ["2020-06-30"] * 2 and list(table["coverage"]) == [1.0, 1.0]
    assert (table["adjusted"] - (table["raw"] - table["implied"])).abs().max() < 1e-12


@pytest.mark.parametrize(
    "args, message",
    [
        (["--chars", "size,bogus"], "no characteristic column 'bogus'"),
        (["--ret-col", "ret"], "no return column 'ret'"),
        (["--weights-out", "w.csv"], "--weights-out needs --date"),
    ],
)
def test_bad_options_exit_2_with_one_line(crsp_panel_csv, capsys, args, message):
    """Unknown columns and incomplete options: exit 2, one line naming the column, no traceback."""
    assert main(["crosssection", "--panel", str(crsp_panel_csv), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_no_usable_date_exits_2_without_traceback(tmp_path):
    """A panel whose dates do not parse: the real process exits 2 with one line naming the row."""
    path = tmp_path / "panel.csv"
    path.write_text("date,id,re,size\n2020-01-31,A,0.1,1\nlast week,A,0.2,2\n")
    proc = run_main("crosssection", "--panel", path, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "row 3" in proc.stderr and "Traceback" not in proc.stderr


def test_charadj_month_without_rows(crsp_panel_csv, tmp_path, capsys):
    """--date outside the panel says which months it covers."""
    ports = tmp_path / "ports.csv"
    ports.write_text("portfolio,id,weight\nA,14593,1\n")
    assert (
        main(
            [
                "charadj",
                "--panel",
                str(crsp_panel_csv),
                "--portfolios",
                str(ports),
                "--date",
                "2015-01",
                "--out",
                str(tmp_path / "x.csv"),
            ]
        )
        == 2
    )
    assert "no rows in 2015-01" in capsys.readouterr().err
