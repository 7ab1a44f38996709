"""The bad-input corpus (issue 7) fed to the loader and to ``regress``: nothing crashes.

Every case either reads correctly with a note saying what was assumed (UTF-16, European
CSV, missing codes, an empty column), or is refused with one :class:`InputError` line that
names the file, row or column. No file ever runs code (pickles), and huge or unreadable
files fail fast. Other commands' own corpora live with their tests.
"""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from analytics.data.readers import load_returns
from analytics.errors import InputError
from tests.bad_inputs.make_corpus import build_binary_cases, malicious_pickle, text_cases
from tests.test_cli_regress import ROOT, single_error_line

OK = None
#: case -> (loader: OK or error pattern, pattern of the note (OK) , regress: exit 0 or error pattern)
EXPECTED: dict[str, tuple[str | None, str | None, str | None]] = {
    "good.csv": (OK, "decimals", OK),
    "european.csv": (OK, r"European CSV \(';' separator, ',' decimal comma\)", OK),
    "european_excel_export.csv": (OK, "day.month.year", OK),
    "utf16.csv": (OK, "read as UTF-16", OK),
    "utf16le_no_bom.csv": (OK, "read as UTF-16", OK),
    "day_first_dates.csv": (OK, "day/month/year", OK),
    "missing_codes.csv": (
        (
            r"missing_codes.csv: returns column 'FUND', row dated 2019-03-31: -99.99 is out of "
            r"line.*declare it a missing code"
        ),
        None,
        None,
    ),
    "factors_disagree.csv": (OK, "decimals", OK),
    "prices_all_null.csv": (r"prices_all_null.csv: column 'Adj Close' has no prices \(all 30 cells", None, None),
    "no_csv_inside.zip": (r"no_csv_inside.zip: the zip holds no CSV file \(readme.txt, data.xls\)", None, None),
    "all_nan_column.csv": (OK, "EMPTY have no values and were left out", OK),
    "too_few_observations.csv": (OK, "decimals", "fund 'FUND': 4 observations for 4 parameters"),
    "collinear_factors.csv": (OK, "decimals", r"collinear_factors.csv: factor 'HML' is a linear combination"),
    "missing_rf.csv": (OK, "decimals", "missing_rf.csv: no RF column"),
    "empty.csv": ("empty.csv: file is empty", None, None),
    "header_only.csv": ("header_only.csv: has a header but no data rows", None, None),
    "binary_junk.csv": ("binary_junk.csv: binary data", None, None),
    "html_page.csv": ("html_page.csv: no date column", None, None),
    "bad_dates.csv": (r"bad_dates.csv: row 5, column 'date': '2019-04-31' is not a valid date", None, None),
    "unparseable_dates.csv": (r"row 5, column 'date': 'sometime' is not a date", None, None),
    "duplicate_dates.csv": (r"row 6 \(2019-05-31\) and row 7 \(2019-05-31\) fall on the same month", None, None),
    "mixed_frequencies.csv": ("mixed frequencies: 2020-12-31 and 2021-01-04", None, None),
    "non_numeric.csv": (r"row 9, column 'FUND': '12.3%' is not a number", None, None),
    "inf_value.csv": (r"row 11, column 'SMB': infinite value", None, None),
    "percent_ambiguous.csv": ("cannot tell whether returns are percent or decimals.*declare the units", None, None),
    "no_date_column.csv": ("no_date_column.csv: no date column", None, None),
    "duplicate_header.csv": ("column 'SMB' appears twice", None, None),
    "ragged_rows.csv": ("ragged_rows.csv: not a readable table.*line 4", None, None),
    "broken_quote.csv": ("broken_quote.csv: not a readable table", None, None),
    "pickle_renamed.csv": ("pickle_renamed.csv: this is a Python pickle; FactorDesk never opens pickles", None, None),
    "pickle.pkl": ("pickle.pkl: this is a Python pickle", None, None),
    "corrupt.xlsx": ("corrupt.xlsx: not a readable Excel file", None, None),
    "corrupt.parquet": ("corrupt.parquet: not a readable Parquet file", None, None),
    "old_excel.xls": ("old_excel.xls: old Excel .xls format", None, None),
    "text_then_nuls.csv": ("text_then_nuls.csv: ends in empty \\(NUL\\) bytes", None, None),
    "sparse_2gb.csv": ("sparse_2gb.csv: ends in empty \\(NUL\\) bytes", None, None),
    "sparse_3gb.csv": ("sparse_3gb.csv: 3.0 GB is over the 2 GB limit", None, None),
    "a_folder.csv": ("a_folder.csv: the folder holds no files", None, None),
    "does_not_exist.csv": ("does_not_exist.csv: file not found", None, None),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[dict[str, Path], Path]:
    """Every case's path, and the marker file a malicious pickle would create."""
    folder = tmp_path_factory.mktemp("corpus")
    marker = folder / "PWNED"
    return {**text_cases(), **build_binary_cases(folder, marker)}, marker


def test_corpus_and_expectations_match(corpus) -> None:
    """Every corpus file has an expected outcome and every expectation a file (none skipped)."""
    assert set(corpus[0]) == set(EXPECTED)


@pytest.mark.parametrize("case", list(EXPECTED))
def test_loader_reads_or_refuses_each_case(corpus, case) -> None:
    """load_returns either reads the case with the expected note or raises the expected InputError."""
    paths, marker = corpus
    error, note, _ = EXPECTED[case]
    if error is None:
        data = load_returns(paths[case])
        assert any(re.search(note, n) for n in data.notes), data.notes
        assert not data.assets.empty and "Mkt-RF" in data.factors
    else:
        with pytest.raises(InputError, match=error) as info:
            load_returns(paths[case])
        assert "\n" not in str(info.value)
    assert not marker.exists()


def test_readable_variants_give_the_same_numbers(corpus) -> None:
    """UTF-16 and European files read to exactly the numbers of the plain UTF-8 file."""
    paths, _ = corpus
    good = load_returns(paths["good.csv"])
    for case in ("european.csv", "european_excel_export.csv", "utf16.csv", "utf16le_no_bom.csv", "day_first_dates.csv"):
        other = load_returns(paths[case])
        assert other.assets.equals(good.assets) and other.factors.equals(good.factors), case


def test_missing_codes_become_gaps(corpus) -> None:
    """-99.99 declared a missing code, and NA cells, are gaps, not returns of -9999% (issue 11: undeclared,
    -99.99 is a number outside Ken French files, and this file is refused above)."""
    data = load_returns(corpus[0]["missing_codes.csv"], missing=(-99.99,))
    assert data.assets["FUND"].isna().sum() == 3 and data.assets["FUND"].min() > -1


def test_factor_files_that_disagree(corpus) -> None:
    """Two factor files giving one factor different values: exit 2, one line naming both files and the factor."""
    paths = corpus[0]
    proc = subprocess.run(
        [
            sys.executable,
            "main.py",
            "regress",
            str(paths["good.csv"]),
            "--factors",
            str(paths["good.csv"]),
            "--factors",
            str(paths["factors_disagree.csv"]),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 2
    assert re.search(
        r"factor 'HML' differs between good.csv \(0.3800%\) and factors_disagree.csv \(1.3800%\) "
        r"on 2019-05-31",
        single_error_line(proc),
    )


#: Runs ``cli.main`` on many argument lists in one interpreter (start-up costs seconds per
#: process); any exception escaping the CLI aborts the driver, so the test sees it.
_DRIVER = """
import contextlib, io, json, sys
sys.path.insert(0, sys.argv[1])
import cli
runs = {}
for case, argv in json.loads(sys.argv[2]).items():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    runs[case] = [code, out.getvalue(), err.getvalue()]
print(json.dumps(runs))
"""


@pytest.fixture(scope="module")
def cli_runs(corpus) -> dict[str, subprocess.CompletedProcess]:
    """``regress`` on every case, in one separate interpreter."""
    argvs = {case: ["regress", str(path)] for case, path in corpus[0].items()}
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(ROOT), json.dumps(argvs)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return {case: subprocess.CompletedProcess(argvs[case], *run) for case, run in json.loads(proc.stdout).items()}


@pytest.mark.parametrize("case", list(EXPECTED))
def test_regress_cli_on_each_case(cli_runs, corpus, case) -> None:
    """`regress` exits 0 on readable cases, else 2 with one error line and no traceback."""
    error, note, cli_error = EXPECTED[case]
    proc = cli_runs[case]
    expected = error or cli_error
    if expected is None:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[0].split()[0] == "fund" and re.search(note, proc.stderr)
    else:
        assert re.search(expected, single_error_line(proc))
    assert not corpus[1].exists()


@pytest.mark.parametrize("case", ["sparse_2gb.csv", "sparse_3gb.csv", "text_then_nuls.csv"])
def test_huge_or_sparse_files_fail_fast(corpus, case) -> None:
    """A 2 GB sparse file (and a 3 GB one) is refused in well under 2 s, without reading it."""
    start = time.perf_counter()
    with pytest.raises(InputError):
        load_returns(corpus[0][case])
    assert time.perf_counter() - start < 2.0


def test_pickle_payload_is_live_but_never_runs(corpus, tmp_path) -> None:
    """The corpus pickle really creates its marker when unpickled (control), yet loading never does."""
    control = tmp_path / "control_marker"
    pickle.loads(malicious_pickle(control))  # the control: this payload executes when unpickled
    assert control.exists()
    paths, marker = corpus
    for case in ("pickle_renamed.csv", "pickle.pkl"):
        with pytest.raises(InputError, match="pickle"):
            load_returns(paths[case])
    assert not marker.exists()


def test_no_code_path_loads_pickles() -> None:
    """No module of the app calls a pickle loader (pd.read_pickle, pickle.load, allow_pickle=True)."""
    pattern = re.compile(r"read_pickle|pickle\.loads?\(|allow_pickle\s*=\s*True|joblib\.load|dill\.load")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("analytics", "gui", "cli")
        for path in (ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text())
    ]
    assert not offenders


#: Runs as root, imports everything it needs (the interpreter lives in root's home), drops to
#: ``nobody`` with os.setuid, then reads the file through the loader and through the CLI.
_AS_NOBODY = """
import contextlib, io, os, sys
sys.path.insert(0, {root!r})
import cli
from analytics.data.readers import load_returns
from analytics.errors import InputError
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    assert cli.main(["regress", {good!r}]) == 0  # every lazy import done while still root
os.setgroups([]); os.setgid(65534); os.setuid(65534)
assert os.geteuid() == 65534
try:
    load_returns({path!r})
    print("LOADED")
except InputError as exc:
    print("INPUTERROR", exc)
err = io.StringIO()
with contextlib.redirect_stderr(err):
    code = cli.main(["regress", {path!r}])
print("EXIT", code, err.getvalue().strip())
"""


def test_unreadable_file_with_privileges_dropped() -> None:
    """A file without read permission, read as an unprivileged user: one clear error, exit 2.

    CI runs as root, which ignores permissions, so the reader drops to ``nobody`` first;
    the test fails (never silently passes) if it cannot drop privileges.
    """
    folder = Path(tempfile.mkdtemp(prefix="factordesk-perm-"))
    try:
        folder.chmod(0o755)
        secret = folder / "secret.csv"
        good = text_cases()["good.csv"]
        secret.write_text(good.read_text())
        secret.chmod(0o000)
        script = _AS_NOBODY.format(root=str(ROOT), path=str(secret), good=str(good))
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert lines[0] == f"INPUTERROR {secret}: permission denied; make the file readable or copy it."
        assert lines[1].startswith("EXIT 2 error: ") and "permission denied" in lines[1]
    finally:
        secret.chmod(0o600)
        secret.unlink()
        folder.rmdir()


#: Holdings files (issue 10), refused by ``holdings`` with one line: case -> error pattern.
HOLDINGS_EXPECTED = {
    "no_weight_value_or_shares.csv": r"no_weight_value_or_shares.csv: no weight, value or shares column; add one "
    r"\(columns are date, ticker, company, sector\)",
    "shares_without_price.csv": r"column 'shares' holds shares but there is no price column",
    "disclaimer_in_weight_column.csv": r"row 3, column 'weight \(%\)': 'Investors should carefully consider .{20,80}' "
    r"is not a number",
    "disclaimer_only.csv": r"disclaimer_only.csv: holds no table",
}


@pytest.fixture(scope="module")
def holdings_runs() -> dict[str, subprocess.CompletedProcess]:
    """``holdings FILE`` on every holdings case, in one separate interpreter."""
    folder = Path(__file__).resolve().parent / "bad_inputs" / "holdings"
    argvs = {case: ["holdings", str(folder / case)] for case in HOLDINGS_EXPECTED}
    assert {p.name for p in folder.glob("*.csv")} == set(argvs)
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(ROOT), json.dumps(argvs)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return {case: subprocess.CompletedProcess(argvs[case], *run) for case, run in json.loads(proc.stdout).items()}


@pytest.mark.parametrize("case", list(HOLDINGS_EXPECTED))
def test_bad_holdings_files_give_one_line(holdings_runs, case) -> None:
    """Each bad holdings file: exit 2, one error line naming the file (a cell quoted to at most 80 characters)."""
    line = single_error_line(holdings_runs[case])
    assert re.search(HOLDINGS_EXPECTED[case], line), line
    assert len(line) < 300
