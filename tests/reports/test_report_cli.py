"""``python main.py report``: the PDF and HTML a portfolio manager sends, run as real subprocesses.

The PDF's text (extracted by poppler's pdftotext, a reader independent of Qt) must hold each fund's
name and the alpha, t and R² that ``regress`` writes for the same inputs; the HTML must open
offline (every picture a data: URI, no link, no script).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from analytics.data.demo import DEMO_FILES, ROTATION_DATE, make_demo, write_demo
from tests.cli_process import run_main
from tests.reports.helpers import assert_self_contained, needs_pdftotext, pdf_text, printed, summary_row


def main(*args: str | Path) -> subprocess.CompletedProcess:
    return run_main(*args, timeout=300)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, make_demo())
    return folder


@needs_pdftotext
def test_brk_arkk_pdf_holds_regress_numbers(shared_data, tmp_path) -> None:
    """Each fund's page shows the name, and the alpha, t and R² that regress writes."""
    returns = shared_data / "brk_arkk_ff6_monthly.csv"
    out, csv = tmp_path / "brk_arkk.pdf", tmp_path / "regress.csv"
    done = main("report", returns, "--model", "ff6", "--out", out)
    assert done.returncode == 0, done.stderr
    assert main("regress", returns, "--model", "ff6", "--out", csv).returncode == 0
    text = pdf_text(out)
    for _, row in pd.read_csv(csv).iterrows():
        alpha, t, _, _, r2, *_ = summary_row(text, row["fund"])
        assert printed(row["alpha"], alpha) and printed(row["t_alpha"], t) and printed(row["r2"], r2), row["fund"]
    assert "SIMULATED" not in text
    assert "Data files" in text and not any("\ufb00" <= ch <= "\ufb06" for ch in text)  # no ligature glyphs
    pages = subprocess.run(["pdftoppm", "-r", "30", "-png", str(out), str(tmp_path / "page")], check=False)
    if pages.returncode == 0:  # pdftoppm comes with pdftotext; each page renders to a picture
        assert len(list(tmp_path.glob("page-*.png"))) >= 5


def test_brk_arkk_html_is_self_contained(shared_data, tmp_path) -> None:
    """Two funds: four charts each, embedded; the profile and the fund names are in the text."""
    out = tmp_path / "brk_arkk.html"
    done = main("report", shared_data / "brk_arkk_ff6_monthly.csv", "--model", "ff6", "--out", out)
    assert done.returncode == 0, done.stderr
    text = assert_self_contained(out, figures=8)
    assert "ARKK behaves like 1.54× the market" in text and "<h2>BRK</h2>" in text


@needs_pdftotext
def test_demo_workspace_report_pdf_and_html(demo_dir, tmp_path) -> None:
    """The demo funds with the rotation fund's holdings: SIMULATED on every page, the peer table,
    the style shift on the rotation date; the HTML holds the same in one file."""
    args = [
        demo_dir / DEMO_FILES["funds"],
        "--factors",
        demo_dir / DEMO_FILES["factors"],
        "--model",
        "ff6",
        "--holdings",
        demo_dir / DEMO_FILES["holdings"],
        "--returns",
        demo_dir / DEMO_FILES["stocks"],
    ]
    pdf, html = tmp_path / "demo.pdf", tmp_path / "demo.html"
    for out in (pdf, html):
        done = main("report", *args, "--out", out)
        assert done.returncode == 0, done.stderr
    text = pdf_text(pdf)
    pages = text.split("\f")[:-1]
    assert all("SIMULATED DATA" in page for page in pages)
    for fund in make_demo().funds.columns:
        assert fund in text
    assert "Peer comparison" in text and "Style shifts between holdings dates" in text
    assert f"on 1 date(s): {ROTATION_DATE}" in " ".join(text.split())
    page = assert_self_contained(html, figures=5 * 4 + 1)
    assert "SIMULATED DATA" in page and ROTATION_DATE in page


def test_report_refuses_bad_requests_in_one_line(shared_data, tmp_path) -> None:
    """Exit 2 and one error line naming the option: wrong suffix, holdings without stock returns."""
    returns = shared_data / "brk_arkk_ff6_monthly.csv"
    cases = [
        (["--out", tmp_path / "r.txt"], "--out"),
        (["--holdings", returns, "--out", tmp_path / "r.pdf"], "--returns"),
        (["--drift", "0", "--out", tmp_path / "r.pdf"], "--drift"),
    ]
    for extra, option in cases:
        done = main("report", returns, *extra)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and option in errors[0], done.stderr
    assert not list(tmp_path.iterdir())


def test_regress_rolling_option_sets_the_rolling_window(demo_dir, tmp_path) -> None:
    """report takes regress's --rolling as its own --window: the rolling-loadings chart is drawn
    over the 60 days asked for, not the default 252."""
    out = tmp_path / "rolling.html"
    files = (demo_dir / DEMO_FILES["funds"], "--factors", demo_dir / DEMO_FILES["factors"])
    done = main("report", *files, "--model", "ff6", "--funds", "Momentum ETF", "--rolling", "60", "--out", out)
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "Rolling loadings (60-day window)" in page and "252-day window" not in page
