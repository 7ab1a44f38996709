"""``python main.py holdings`` on every holdings file in ``../shared/data/real/holdings/``, as published.

Each file goes through the real command (a subprocess writing ``--out``); its weights must
equal the published ones to 1e-6. The published numbers are read here by a minimal parser
written for each layout (the csv module and the columns the publisher documents), never by
the app's own readers: ARK's ``weight (%)`` / ``weight(%)`` column, iShares' ``Weight (%)``
below its preamble, Invesco's ``Weight`` (percent without a sign). Cash lines are ARK's line
without a ticker and iShares' lines whose asset class is cash, money market, collateral or
futures.
"""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests.cli_process import run_main

ISHARES_CASH = {"Cash", "Money Market", "Cash Collateral and Margins", "Futures"}


def _ark(path: Path) -> dict[str, tuple[float, str]]:
    """id -> (weight, kind): rows of 8 cells dated M/D/YYYY; ``TREE UW`` is TREE."""
    out = {}
    for row in csv.reader(path.read_text(encoding="utf-8").splitlines()):
        if len(row) == 8 and row[0][:1].isdigit():
            ticker = row[3].strip().split(" ")[0]
            weight = float(row[7].strip().rstrip("%")) / 100
            out[ticker or row[2].strip().upper()] = (weight, "security" if ticker else "cash")
    return out


def _ishares(path: Path) -> dict[str, tuple[float, str]]:
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    start = next(i for i, r in enumerate(rows) if r[:2] == ["Ticker", "Name"]) + 1
    return {
        r[0]: (float(r[5]) / 100, "cash" if r[3] in ISHARES_CASH else "security") for r in rows[start:] if len(r) == 15
    }


def _invesco(path: Path) -> dict[str, tuple[float, str]]:
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))[1:]
    return {r[2].strip(): (float(r[5]) / 100, "security") for r in rows}


CASES = {
    "ARK_INNOVATION_ETF_ARKK_HOLDINGS_2024-06-04_raw.csv": (_ark, "2024-06-04"),
    "ishares_IVV_holdings_2023-04-06.csv": (_ishares, "2023-04-06"),
    "invesco_QQQ_holdings_2020-07-02.csv": (_invesco, "2020-07-02"),
    **{
        f"arkk_2020/ARK_INNOVATION_ETF_ARKK_HOLDINGS_2020-{d}.csv": (_ark, f"2020-{d}")
        for d in ("07-20", "08-31", "09-30", "10-30", "11-30")
    },
}


def holdings(*args: str | Path) -> subprocess.CompletedProcess:
    return run_main("holdings", *args, timeout=180)


@pytest.mark.parametrize("name", list(CASES))
def test_each_real_file_reads_with_its_published_weights(shared_data, tmp_path, name) -> None:
    """The command's weights, ids, kinds and date equal the file's own numbers (1e-6)."""
    path = shared_data / "real" / "holdings" / name
    parse, date = CASES[name]
    out = tmp_path / "out.csv"
    proc = holdings(path, "--out", out)
    assert proc.returncode == 0, proc.stderr
    got = pd.read_csv(out, keep_default_na=False)
    assert got.columns.tolist() == ["date", "id", "weight", "kind"]
    assert set(got["date"]) == {date}
    expected = parse(path)
    assert dict(zip(got["id"], got["kind"])) == {k: v[1] for k, v in expected.items()}
    weights = dict(zip(got["id"], got["weight"]))
    assert weights == pytest.approx({k: v[0] for k, v in expected.items()}, abs=1e-6)
    assert got["weight"].is_monotonic_decreasing
    assert f"note: {date}: {len(expected)} positions, weights sum to" in proc.stderr


def test_a_folder_of_exports_reads_as_one_holdings_history(shared_data) -> None:
    """The five 2020 ARKK files as a folder: five dates, stdout is ``date,id,weight,kind``,
    the notes say once (for all five files) what was skipped and assumed."""
    proc = holdings(shared_data / "real" / "holdings" / "arkk_2020")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "date,id,weight,kind"
    dates = sorted({line.split(",")[0] for line in lines[1:]})
    assert dates == ["2020-07-20", "2020-08-31", "2020-09-30", "2020-10-30", "2020-11-30"]
    assert "arkk_2020, 5 files (" in proc.stderr and "skipped 3 row(s) that are not positions: 2 blank" in proc.stderr
    assert "'TREE UW' → 'TREE'" in proc.stderr and "MORGAN STANLEY GOVT INSTL 8035" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("name", "reader"),
    [
        ("ARK_INNOVATION_ETF_ARKK_HOLDINGS_2024-06-04_raw.csv", "ark-holdings"),
        ("arkk_2020", "ark-holdings"),
        ("ishares_IVV_holdings_2023-04-06.csv", "ishares-holdings"),
        ("invesco_QQQ_holdings_2020-07-02.csv", "invesco-holdings"),
    ],
)
def test_each_layout_is_recognised_by_its_reader(shared_data, name, reader) -> None:
    """File › Open (no kind chosen) picks the publisher's reader from the first rows, and the
    data set remembers it (so a restored workspace reads the file the same way)."""
    from analytics.data.readers import find_reader, read_dataset

    path = shared_data / "real" / "holdings" / name
    assert find_reader(path).name == reader
    dataset = read_dataset(path)
    assert (dataset.kind, dataset.reader) == ("holdings", reader)


def test_other_exports_with_a_preamble_are_read_by_the_generic_reader(tmp_path) -> None:
    """An issuer FactorDesk has no reader for: the header is found past the preamble, the
    'as of' line dates it, and the footer is skipped."""
    from analytics.data.readers import find_reader, read_dataset

    path = tmp_path / "fund.csv"
    path.write_text(
        "Global X Robotics ETF\nHoldings as of June 4, 2024\n\nTicker,Name,% of Net Assets,Market Value\n"
        'NVDA,NVIDIA CORP,10.5%,"$105,000"\nISRG,INTUITIVE SURGICAL,89.5%,"$895,000"\n\n'
        "Holdings are subject to change.\n"
    )
    assert find_reader(path).name == "holdings-export"
    frame = read_dataset(path).data
    assert frame["date"].unique().tolist() == [pd.Timestamp("2024-06-04")]
    assert dict(zip(frame["id"], frame["weight"])) == pytest.approx({"ISRG": 0.895, "NVDA": 0.105})
