"""Typed loading (issue 15): the fast path reads exactly what the careful path reads.

``read_table(..., typed=True)`` reads clean CSV and Parquet columns straight to floats with
pyarrow and falls back to the careful text path wherever the result could differ. These
tests hold the two paths to the same outcome on every file we have (the bad-input corpus,
the course data, the real files, and edge cases made here): the same columns, rows, text
cells, notes and errors, and typed numbers equal to what ``to_numbers`` makes of the
careful path's text. The numbers are also checked against the csv module and Python's
``float``, read here independently of both paths.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.data import panel as panel_module
from analytics.data import typed as typed_module
from analytics.data.readers import read_dataset
from analytics.data.tables import Table, read_table, to_numbers
from analytics.errors import InputError
from tests.bad_inputs.make_corpus import build_binary_cases, text_cases

TEXT = "date,A,B\n2020-01-31,0.01,0.02\n2020-02-29,-0.03,\n2020-03-31,0.05,0.06\n"


def outcome(fn, *args, **kwargs) -> tuple[str, object]:
    """``("ok", result)`` or ``("error", message)`` of an InputError."""
    try:
        return "ok", fn(*args, **kwargs)
    except InputError as exc:
        return "error", str(exc)


def careful(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every typed read fall back to the careful path."""
    monkeypatch.setattr(typed_module, "read_typed", lambda path, container: None)


def same_numbers(a: object, b: object) -> bool:
    """Equal exactly, NaN where NaN, and zeros of the same sign."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    numbers = ~np.isnan(a)
    return (
        a.shape == b.shape
        and np.array_equal(a, b, equal_nan=True)
        and np.array_equal(np.signbit(a[numbers]), np.signbit(b[numbers]))
    )


def assert_same_table(path: Path) -> Table | None:
    """The typed table of ``path`` holds the careful table's cells, or both fail alike; and
    to_numbers agrees on every column. Returns the typed table."""
    fast, slow = outcome(read_table, path, typed=True), outcome(read_table, path)
    assert fast[0] == slow[0], (fast, slow)
    if fast[0] == "error":
        assert fast[1] == slow[1]
        return None
    fast, slow = fast[1], slow[1]
    assert (fast.source, fast.notes, fast.first_row) == (slow.source, slow.notes, slow.first_row)
    assert list(fast.frame.columns) == list(slow.frame.columns)
    assert fast.frame.index.equals(slow.frame.index)
    for col in fast.frame.columns:
        if fast.frame[col].dtype == np.float64:  # the careful numbers, or the careful error (inf)
            expected = outcome(to_numbers, slow, [col])
            if expected[0] == "ok":
                assert same_numbers(fast.frame[col], expected[1][col]), col
            else:
                assert outcome(to_numbers, fast, [col]) == expected
        else:
            assert fast.frame[col].tolist() == slow.frame[col].tolist(), col
    columns = list(fast.frame.columns[1:])
    a, b = outcome(to_numbers, fast, columns), outcome(to_numbers, slow, columns)
    assert a[0] == b[0] and (a[1] == b[1] if a[0] == "error" else same_numbers(a[1], b[1]))
    return fast


def assert_same_dataset(path: Path, monkeypatch: pytest.MonkeyPatch, kind: str | None = None) -> None:
    """What the readers make of ``path`` (data, notes, or the error) is the same on both paths.

    Panels are read from the file both times: stored, the second read would come from the
    local store's copy the first made (the store has its own tests, test_stored_panels.py)."""
    file_only = panel_module.panel_dataset
    monkeypatch.setattr(panel_module, "panel_dataset", lambda p, **kw: file_only(p, **{**kw, "stored": False}))
    fast = outcome(read_dataset, path, kind)
    with monkeypatch.context() as m:
        careful(m)
        slow = outcome(read_dataset, path, kind)
    assert fast[0] == slow[0], (fast, slow)
    if fast[0] == "error":
        assert fast[1] == slow[1]
        return
    a, b = fast[1], slow[1]
    assert (a.name, a.kind, a.notes) == (b.name, b.kind, b.notes)
    if a.kind == "returns":
        for part in ("assets", "factors"):
            x, y = getattr(a.data, part), getattr(b.data, part)
            assert x.columns.equals(y.columns) and x.index.equals(y.index)
            assert same_numbers(x.to_numpy(), y.to_numpy()), part
        assert (a.data.freq, a.data.notes) == (b.data.freq, b.data.notes)
    else:
        pd.testing.assert_frame_equal(pd.DataFrame(a.data), pd.DataFrame(b.data), check_exact=True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("corpus")
    cases = {**text_cases(), **build_binary_cases(folder, folder / "PWNED")}
    return {name: path for name, path in cases.items() if name not in ("sparse_3gb.csv",)}


def test_bad_input_corpus_reads_the_same_on_both_paths(corpus, monkeypatch) -> None:
    """Every corpus file: the same table or error, and the same returns, notes or error."""
    for path in corpus.values():
        if path.is_file():
            assert_same_table(path)
        assert_same_dataset(path, monkeypatch, "returns")


def test_the_clean_corpus_file_is_read_typed(corpus) -> None:
    """The fast path is taken where it can be: good.csv's factor columns come as floats (its
    'FUND' column is named like an id, so it stays text and is converted by to_numbers)."""
    table = read_table(corpus["good.csv"], typed=True)
    assert list(table.frame.columns[table.frame.dtypes == np.float64]) == ["Mkt-RF", "SMB", "HML", "RF"]


def _shared_tables(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in (".csv", ".parquet") and p.is_file())


def test_course_and_real_files_read_the_same_on_both_paths(shared_data, monkeypatch) -> None:
    """Every CSV of the course data and of real/ (Ken French, q-factors, prices, holdings...)."""
    files = _shared_tables(shared_data)
    assert len(files) > 20
    typed = 0
    for path in files:
        table = assert_same_table(path)
        typed += table is not None and bool((table.frame.dtypes == np.float64).any())
        assert_same_dataset(path, monkeypatch)
    assert typed > 10


def test_course_files_to_parquet_read_the_same(shared_data, tmp_path, monkeypatch) -> None:
    """The course CSVs saved as Parquet (dates as a datetime column or as the index)."""
    for name in ("brk_arkk_ff6_daily.csv", "brk_arkk_ff6_monthly.csv", "crsp_monthly_2019_2020.csv"):
        frame = pd.read_csv(shared_data / name)
        path = tmp_path / name.replace(".csv", ".parquet")
        frame.to_parquet(path, index=False)
        assert_same_table(path)
        assert_same_dataset(path, monkeypatch)


def test_typed_numbers_are_the_csv_modules_cells_through_float(shared_data) -> None:
    """Independent check: the daily course file's numbers are Python's float() of the cells
    the csv module reads (blank cells missing)."""
    path = shared_data / "brk_arkk_ff6_daily.csv"
    with path.open(newline="") as fh:
        rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
    table = read_table(path, typed=True)
    for j, name in enumerate(c.strip() for c in rows[0]):
        if j == 0:
            assert table.frame[name].tolist() == [r[0].strip() for r in rows[1:]]
            continue
        assert table.frame[name].dtype == np.float64, name
        expected = [float(r[j]) if r[j].strip() else math.nan for r in rows[1:]]
        assert same_numbers(table.frame[name], expected), name


def test_long_digits_are_correctly_rounded(tmp_path) -> None:
    """17-digit numbers are read as Python's float() reads them, on both paths (pandas' own
    parser is off by one unit in the last place for many of them)."""
    rng = np.random.default_rng(3)
    values = rng.normal(0, 0.02, (400, 3))
    path = tmp_path / "long.csv"
    lines = ["date,A,B,C"] + [
        f"2020-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}," + ",".join(repr(float(v)) for v in row)
        for i, row in enumerate(values[:336])
    ]
    path.write_text("\n".join(lines) + "\n")
    with path.open(newline="") as fh:
        cells = [r[1:] for r in csv.reader(fh)][1:]
    expected = np.array([[float(c) for c in row] for row in cells])
    for typed in (True, False):
        numbers = to_numbers(read_table(path, typed=typed), ["A", "B", "C"]).to_numpy()
        assert same_numbers(numbers, expected), typed


EDGE_CASES = {
    "blank_lines": "date,A\n2020-01-31,0.01\n\n2020-02-29,0.02\n\n\n",
    "separator_rows": "date,A,B\n2020-01-31,0.01,0.5\n,,\n2020-02-29,x,0.2\n",
    "nan_row_kept": "date,A\n2020-01-31,0.01\n,nan\n",
    "na_row_kept": "date,A,B\n2020-01-31,NA,0.1\n,NA,NA\n2020-02-29,0.5,0.2\n",
    "na_codes": "date,A,B\n2020-01-31,NA,0.1\n2020-02-29,N/A,#N/A\n2020-03-31,null,.\n2020-04-30,0.5, NA\n",
    "spaces_after_commas": "date, A, B\n2020-01-31, 0.01, 0.5\n2020-02-29, -0.02, 0.25\n",
    "quoted": '"date","A","B"\n"2020-01-31",0.01,"0.5"\n"2020-02-29",-0.02,0.25\n',
    "quote_after_space": 'date,A,name\n2020-01-31,0.01, "x"\n2020-02-29,-0.02,"y"\n',
    "quoted_newline": 'date,A,name\n2020-01-31,0.01,"x\ny"\n2020-02-29,-0.02,z\n',
    "infinite": "date,A\n2020-01-31,0.01\n2020-02-29,inf\n",
    "overflow": "date,A\n2020-01-31,0.01\n2020-02-29,1e400\n",
    "short_row": "date,A,B\n2020-01-31,0.01,0.5\n2020-02-29,0.02\n",
    "long_row": "date,A,B\n2020-01-31,0.01,0.5\n2020-02-29,0.02,0.1,9\n",
    "text_late": "date,A\n" + "".join(f"2020-01-{d:02d},0.01\n" for d in range(1, 29)) + "2020-02-28,oops\n",
    "integers_first": "date,A\n" + "".join(f"19{y:02d}-12-31,{y % 3}\n" for y in range(60)) + "2060-12-31,0.5\n",
    "crlf": "date,A\r\n2020-01-31,0.01\r\n2020-02-29,0.02\r\n",
    "cr": "date,A\r2020-01-31,0.01\r2020-02-29,0.02\r",
    "bom": "\ufeffdate,A\n2020-01-31,0.01\n2020-02-29,0.02\n",
    "duplicate_header": "date,A,A\n2020-01-31,0.01,0.02\n",
    "blank_header": "date,,A\n2020-01-31,,0.02\n2020-02-29,,0.03\n",
    "minus_zero": "date,A\n2020-01-31,-0\n2020-02-29,-0.0\n2020-03-31,0.01\n",
    "leading_blank_lines": "\n\ndate,A\n2020-01-31,0.01\n",
    "semicolons": "date;A;B\n2020-01-31;0.01;0.5\n2020-02-29;-0.02;0.25\n",
    "text_only": "date,name\n2020-01-31,x\n,\n2020-02-29,y\n",
    "long_ids": "date,permno,ret\n2020-01-31,00123,0.01\n2020-01-31,123.0,0.02\n2020-02-29,00123,0.03\n",
}


@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_edge_cases_read_the_same_on_both_paths(case, tmp_path, monkeypatch) -> None:
    """Files where pyarrow and the careful reader could disagree: same table, same returns or error."""
    path = tmp_path / f"{case}.csv"
    path.write_bytes(EDGE_CASES[case].encode("utf-8"))
    assert_same_table(path)
    assert_same_dataset(path, monkeypatch, "returns")


def test_nul_bytes_give_the_careful_error(tmp_path) -> None:
    """NUL bytes in a clean-looking file: the careful path's error naming their place."""
    path = tmp_path / "nul.csv"
    path.write_bytes(("date,A\n" + "2020-01-31,0.01\n" * 50).encode() + b"\x00" * 8 + b"\n2020-02-29,0.02\n")
    kind, message = outcome(read_table, path, typed=True)
    assert kind == "error" and "holds empty (NUL) bytes at byte" in message
    assert (kind, message) == outcome(read_table, path)


def test_a_file_changed_while_read_typed_is_read_carefully(tmp_path, monkeypatch) -> None:
    """Size and time compared around the typed read: a change sends the file to the careful path."""
    path = tmp_path / "f.csv"
    path.write_text(TEXT)
    stamps = iter([(1, 1), (2, 2)])
    monkeypatch.setattr(typed_module, "_stamp", lambda p: next(stamps))
    table = read_table(path, typed=True)
    assert (table.frame.dtypes == object).all()


def test_parquet_columns_of_every_kind(tmp_path, monkeypatch) -> None:
    """float64 typed; float32, ints, dates, text, 'nan' and 'None' text as the careful path's text."""
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2020-01-31", "2020-02-29", "2020-03-31"]),
            "A": [0.1, np.nan, -0.0],
            "B": np.array([0.1, 0.2, 0.3], dtype=np.float32),
            "n": [1, 2, 3],
            "name": ["nan", "None", "x"],
            "C": [0.5, np.inf, 1e-300],
        }
    )
    path = tmp_path / "kinds.parquet"
    frame.to_parquet(path)
    table = assert_same_table(path)
    assert [str(t) for t in table.frame.dtypes] == ["object", "float64", "object", "object", "object", "float64"]
    indexed = tmp_path / "indexed.parquet"
    frame.drop(columns=["C", "name"]).set_index("date").to_parquet(indexed)
    assert_same_table(indexed)
    assert_same_dataset(indexed, monkeypatch, "returns")


def test_wide_file_of_many_funds_reads_the_same(tmp_path, monkeypatch) -> None:
    """A generated wide daily file (300 funds, late starters, six factors and RF): same returns."""
    rng = np.random.default_rng(0)
    dates = pd.bdate_range("2015-01-01", periods=700)
    funds = pd.DataFrame(rng.normal(0, 0.01, (700, 300)), index=dates, columns=[f"F{i:03d}" for i in range(300)])
    funds.iloc[:300, :50] = np.nan
    factors = pd.DataFrame(
        rng.normal(0, 0.01, (700, 6)), index=dates, columns=["Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"]
    ).assign(RF=0.0001)
    path = tmp_path / "funds.csv"
    pd.concat([funds, factors], axis=1).rename_axis("date").to_csv(path, float_format="%.7f")
    table = assert_same_table(path)
    assert (table.frame.dtypes == np.float64).sum() == 307
    assert_same_dataset(path, monkeypatch, "returns")


def test_panel_reads_the_same_on_both_paths(tmp_path, monkeypatch) -> None:
    """A stock panel (date, permno, numbers): the same canonical panel frame."""
    rng = np.random.default_rng(1)
    months = pd.date_range("2015-01-31", periods=24, freq="ME")
    panel = pd.DataFrame(
        {
            "date": np.repeat(months, 50),
            "permno": np.tile(np.arange(10001, 10051), 24),
            "ret": rng.normal(0, 0.1, 1200).round(6),
            "bm": rng.normal(0, 1, 1200).round(6),
            "size": rng.normal(5, 2, 1200).round(6),
        }
    )
    panel.loc[rng.random(1200) < 0.05, "bm"] = np.nan
    path = tmp_path / "panel.csv"
    panel.to_csv(path, index=False)
    assert_same_dataset(path, monkeypatch, "panel")
    parquet = tmp_path / "panel.parquet"
    panel.to_parquet(parquet, index=False)
    assert_same_dataset(parquet, monkeypatch, "panel")
