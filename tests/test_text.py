"""Opening files safely: NUL bytes inside text, files that change while read, containers."""

from __future__ import annotations

import subprocess
import time
import zipfile

import pytest

from analytics.data import text as text_module
from analytics.data.readers import load_returns
from analytics.data.text import read_text, sniff
from analytics.errors import InputError

ROWS = "".join(f"2020-{m:02d}-28,0.0{m % 9},0.01\n" for m in range(1, 13))
CSV = "date,Fund,Mkt-RF\n" + ROWS


def test_nul_bytes_in_the_middle_are_refused_with_their_place(tmp_path) -> None:
    """A partly copied file (NULs where rows were) is an error naming the byte and line, not
    rows silently joined onto other dates (issue 17)."""
    data = bytearray(CSV.encode())
    hole = data.index(b"2020-05")
    data[hole : hole + 40] = b"\x00" * 40
    path = tmp_path / "partial.csv"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=rf"partial.csv: holds empty \(NUL\) bytes at byte {hole} \(line 6\)"):
        load_returns(path)


def test_a_big_file_with_a_hole_fails_before_it_is_read(tmp_path) -> None:
    """A 2 GB file whose middle is a hole of NULs (text at both ends) is refused by probing,
    without reading gigabytes (it took 73 s and 14.6 GB before)."""
    path = tmp_path / "big.csv"
    path.write_text(CSV)
    subprocess.run(["truncate", "-s", str(2 * 1024**3 - 1_000_000), str(path)], check=True)
    with path.open("a") as fh:
        fh.write(ROWS * 2000)
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"big.csv: holds empty \(NUL\) bytes near byte"):
        read_text(path)
    assert time.perf_counter() - started < 5


def test_a_file_that_changed_while_read_is_read_again_with_a_note(tmp_path, monkeypatch) -> None:
    """A writer finishing the file during the read: the second read gets the whole file."""
    path = tmp_path / "growing.csv"
    path.write_text(CSV[: CSV.index("2020-06")])
    real = text_module._read_checked
    calls = []

    def read_then_writer_appends(p, head):  # the writer adds the rest just after our read
        data = real(p, head)
        if not calls:
            p.write_text(CSV)
        calls.append(1)
        return data

    monkeypatch.setattr(text_module, "_read_checked", read_then_writer_appends)
    got = read_text(path)
    assert got.text == CSV and any("changed while it was being read" in n for n in got.notes)


def test_a_file_still_being_written_is_refused(tmp_path, monkeypatch) -> None:
    """When the file changes during both reads, it is still being written: say so."""
    path = tmp_path / "busy.csv"
    path.write_text(CSV)
    real = text_module._read_checked

    def read_then_writer_appends(p, head):
        data = real(p, head)
        with p.open("a") as fh:
            fh.write("2021-01-29,0.01,0.02\n")
        return data

    monkeypatch.setattr(text_module, "_read_checked", read_then_writer_appends)
    with pytest.raises(InputError, match="busy.csv: is still being written"):
        read_text(path)


def test_utf16_nul_inside_text_is_refused(tmp_path) -> None:
    """UTF-16 text holds NUL bytes by design; a NUL character inside it is still damage."""
    path = tmp_path / "u16.csv"
    path.write_bytes(("date,A\n2020-01-31,0.01\n\x00\x00\n2020-02-29,0.02\n").encode("utf-16"))
    with pytest.raises(InputError, match="u16.csv: holds empty"):
        read_text(path)


def test_sniff_tells_containers_apart(tmp_path) -> None:
    """A zip of CSVs is a zip (its members listed), an .xlsx is a workbook, text gives rows."""
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("x;y\n1;2\n")
    zipped = tmp_path / "a_CSV.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(csv_path, "a.CSV")
    assert sniff(zipped).container == "zip" and sniff(zipped).rows == (("a.CSV",),)
    got = sniff(csv_path)
    assert (got.container, got.separator, got.rows[:2]) == ("text", ";", (("x", "y"), ("1", "2")))
    assert sniff(tmp_path).container == "folder"
