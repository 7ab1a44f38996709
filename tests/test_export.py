"""Exports are atomic: the new file appears whole or not at all, the old one survives failures."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import cli
from analytics.data.export import export_tables
from analytics.errors import InputError

TABLES = {
    "summary": pd.DataFrame({"fund": ["A", "B"], "alpha": [0.01, -0.02], "start": pd.to_datetime(["2020-01-31"] * 2)}),
    "a_very_long_table_name_beyond_excel_limits": pd.DataFrame({"x": [1, 2, 3]}),
}


def test_csv_holds_the_main_table(tmp_path) -> None:
    """A CSV export is the main table, dates as YYYY-MM-DD, no index column."""
    path = export_tables(TABLES, tmp_path / "out.csv", main="summary")
    assert path.read_text().splitlines() == ["fund,alpha,start", "A,0.01,2020-01-31", "B,-0.02,2020-01-31"]


def test_xlsx_holds_every_table_main_first(tmp_path) -> None:
    """An .xlsx export has one sheet per table, the main one first, names cut to Excel's 31 characters."""
    export_tables(TABLES, tmp_path / "out.xlsx", main="summary")
    sheets = pd.read_excel(tmp_path / "out.xlsx", sheet_name=None)
    assert list(sheets) == ["summary", "a_very_long_table_name_beyond_e"]
    assert sheets["summary"]["fund"].tolist() == ["A", "B"]


def test_write_goes_to_a_temporary_file_then_renames(tmp_path, monkeypatch) -> None:
    """While writing, the old file is untouched and the data go to a temp file in the same folder."""
    target = tmp_path / "out.csv"
    target.write_text("old")
    seen = {}
    original = pd.DataFrame.to_csv

    def spy(frame, path, *args, **kwargs):
        seen["tmp"], seen["old_during_write"] = Path(path), target.read_text()
        return original(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", spy)
    export_tables(TABLES, target, main="summary")
    assert seen["old_during_write"] == "old"
    assert seen["tmp"].parent == tmp_path and seen["tmp"] != target
    assert target.read_text().startswith("fund,alpha") and sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_full_disk_keeps_the_old_file(tmp_path, monkeypatch) -> None:
    """A write that fails with ENOSPC raises InputError, leaves the old file and no temp file."""
    target = tmp_path / "out.csv"
    target.write_bytes(b"old results")

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    with pytest.raises(InputError, match="No space left on device.*previous file is unchanged"):
        export_tables(TABLES, target, main="summary")
    assert target.read_bytes() == b"old results" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder nobody can write to, root included (chattr +i); refused loudly if impossible."""
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "out.csv").write_text("old results\n")
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    locked = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True, check=False)
    if locked.returncode != 0:
        pytest.skip(f"running as root and chattr +i is not permitted here: {locked.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_read_only_folder_reports_and_keeps_old_file(read_only_dir) -> None:
    """Exporting into a read-only folder raises InputError naming it; the old file stays."""
    with pytest.raises(InputError, match="cannot write there"):
        export_tables(TABLES, read_only_dir / "out.csv", main="summary")
    assert (read_only_dir / "out.csv").read_text() == "old results\n"
    assert [p.name for p in read_only_dir.iterdir()] == ["out.csv"]


def test_cli_out_to_read_only_folder_exits_2(read_only_dir, capsys) -> None:
    """regress --out into a read-only folder: exit 2, one error line, old file intact."""
    good = Path(__file__).parent / "bad_inputs" / "good.csv"
    assert cli.main(["regress", str(good), "--out", str(read_only_dir / "out.csv")]) == 2
    errors = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "locked" in errors[0]
    assert (read_only_dir / "out.csv").read_text() == "old results\n"


@pytest.mark.parametrize(
    ("name", "message"), [("out.txt", "use .csv or .xlsx"), ("missing/out.csv", "folder does not exist")]
)
def test_bad_export_targets(tmp_path, name, message) -> None:
    """An unknown extension or a folder that does not exist is an InputError."""
    with pytest.raises(InputError, match=message):
        export_tables(TABLES, tmp_path / name, main="summary")


def test_sheet_names_are_valid_and_unique(tmp_path) -> None:
    """Names Excel forbids (``/``, ``:``) are cleaned and names equal after the 31-character cut
    stay apart, so every table gets its own sheet."""
    long = "coefficients_of_the_rolling_regression_"
    tables = {
        f"{long}1": pd.DataFrame({"x": [1]}),
        f"{long}2": pd.DataFrame({"x": [2]}),
        "a/b:c": pd.DataFrame({"x": [3]}),
    }
    export_tables(tables, tmp_path / "out.xlsx", main=f"{long}1")
    sheets = pd.read_excel(tmp_path / "out.xlsx", sheet_name=None)
    assert list(sheets) == [long[:31], f"{long[:29]}~2", "a_b_c"]
    assert [s["x"].iloc[0] for s in sheets.values()] == [1, 2, 3]


def test_text_stays_text_in_excel(tmp_path) -> None:
    """A fund called ``=1+1`` or a URL is written as text, not as a formula or a link."""
    export_tables({"s": pd.DataFrame({"fund": ["=1+1", "https://example.org"]})}, tmp_path / "t.xlsx", main="s")
    import openpyxl

    cells = [
        row[0] for row in openpyxl.load_workbook(tmp_path / "t.xlsx").active.iter_rows(min_row=2, values_only=True)
    ]
    assert cells == ["=1+1", "https://example.org"]
