"""The Ken French loader against a loopback copy of the library, in the library's real format.

A stdlib HTTP server on 127.0.0.1 serves zips shaped like the real ones (description lines,
percent values, the monthly files' annual section, ``-99.99``/``-999`` missing codes, the
momentum file's ``Mom   `` header, the international momentum files' ``WML``, CRLF line
endings, tables over 800 characters), under the library's real file names (U.S. and the
international sets, copied by hand from the library's list of data sets), and the loader
downloads them through pandas-datareader's session, so the whole download path is exercised.
"""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import threading
import zipfile
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from analytics import jobs
from analytics.data.export import export_tables
from analytics.data.famafrench import (
    default_store,
    famafrench_files,
    famafrench_job,
    famafrench_sets,
    load_famafrench,
)
from analytics.data.store import Store
from analytics.errors import InputError
from analytics.factors import MODELS

#: The library's own models (q5 comes from global-q.org's files, not the library).
LIBRARY_MODELS = ("capm", "ff3", "carhart", "ff5", "ff6")

ROOT = Path(__file__).resolve().parent.parent
CRLF = "\r\n"
ANNUAL_SENTINEL = 77.77  # only in the annual sections: must never reach the result
FIRST = {
    "F-F_Research_Data_Factors": "1926-07",
    "F-F_Research_Data_5_Factors_2x3": "1963-07",
    "F-F_Momentum_Factor": "1927-01",
}
FIRST_DAY = {
    "F-F_Research_Data_Factors": "1926-07-01",
    "F-F_Research_Data_5_Factors_2x3": "1963-07-01",
    "F-F_Momentum_Factor": "1926-11-03",
}
COLUMNS = {
    "F-F_Research_Data_Factors": ["Mkt-RF", "SMB", "HML", "RF"],
    "F-F_Research_Data_5_Factors_2x3": ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"],
    "F-F_Momentum_Factor": ["Mom   "],
}
# The international sets as the library names them (its data set list, copied by hand): region ->
# (3-factor, 5-factor, momentum) monthly names; daily files add "_Daily"; Emerging has no 3-factor
# file and no daily files.
INTERNATIONAL = {
    "developed": ("Developed_3_Factors", "Developed_5_Factors", "Developed_Mom_Factor"),
    "developed_ex_us": ("Developed_ex_US_3_Factors", "Developed_ex_US_5_Factors", "Developed_ex_US_Mom_Factor"),
    "europe": ("Europe_3_Factors", "Europe_5_Factors", "Europe_Mom_Factor"),
    "japan": ("Japan_3_Factors", "Japan_5_Factors", "Japan_Mom_Factor"),
    "asia_pacific_ex_japan": (
        "Asia_Pacific_ex_Japan_3_Factors",
        "Asia_Pacific_ex_Japan_5_Factors",
        "Asia_Pacific_ex_Japan_MOM_Factor",
    ),
    "north_america": ("North_America_3_Factors", "North_America_5_Factors", "North_America_Mom_Factor"),
    "emerging": (None, "Emerging_5_Factors", "Emerging_MOM_Factor"),
}
for _three, _five, _mom in INTERNATIONAL.values():
    for _name, _cols in (
        (_three, COLUMNS["F-F_Research_Data_Factors"]),
        (_five, COLUMNS["F-F_Research_Data_5_Factors_2x3"]),
        (_mom, ["WML"]),
    ):
        if _name:
            COLUMNS[_name] = _cols
            FIRST[_name], FIRST_DAY[_name] = "1990-07", "2015-07-01"
# Missing codes planted in the files (percent), by file and frequency: (date, column, code).
MISSING = {
    ("F-F_Research_Data_Factors", "monthly"): [("1930-01", "SMB", -99.99)],
    ("F-F_Momentum_Factor", "monthly"): [("1990-01", "Mom   ", -99.99), ("1990-02", "Mom   ", -999)],
    ("F-F_Momentum_Factor", "daily"): [("1990-01-03", "Mom   ", -99.99), ("1990-01-04", "Mom   ", -999)],
}


def _percent(name: str, freq: str, seed: int) -> pd.DataFrame:
    """Plausible factor returns in percent, two decimals, with the planted missing codes."""
    if freq == "monthly":
        index = pd.period_range(FIRST[name], "2025-12", freq="M")
        scale = 4.0
    else:
        days = pd.date_range(FIRST_DAY[name], "2025-12-31", freq="D")
        index = days[days.dayofweek < 5].to_period("D")
        scale = 1.0
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.normal(0.3, scale, (len(index), len(COLUMNS[name]))).round(2), index=index, columns=COLUMNS[name]
    )
    if "RF" in frame:
        frame["RF"] = 0.3 if freq == "monthly" else 0.01
    for when, column, code in MISSING.get((name, freq), []):
        frame.loc[pd.Period(when, freq=index.freq), column] = code
    return frame


def _table_text(frame: pd.DataFrame, date_format: str) -> str:
    """``,Mkt-RF,SMB`` then ``192607,    2.96,   -2.56`` rows, CRLF-separated."""
    cells = [f"{v:8.2f}" for v in frame.to_numpy().ravel()]
    width = frame.shape[1]
    rows = [
        ",".join([date, *cells[i * width : (i + 1) * width]])
        for i, date in enumerate(frame.index.strftime(date_format))
    ]
    return CRLF.join(["," + ",".join(frame.columns), *rows])


def _csv(name: str, frame: pd.DataFrame, freq: str) -> str:
    """The library's layout: description, blank line, table, [annual section], copyright."""
    description = (
        f"This file was created by CMPT_ME_RETS using the 202512 CRSP database.{CRLF}"
        "Missing data are indicated by -99.99 or -999."
    )
    parts = [description, _table_text(frame, "%Y%m%d" if freq == "daily" else "%Y%m")]
    if freq == "monthly":
        years = pd.period_range("1927", "2025", freq="Y")
        annual = pd.DataFrame(ANNUAL_SENTINEL, index=years, columns=frame.columns)
        parts.append(" Annual Factors: January-December " + CRLF + _table_text(annual, "%Y"))
    parts.append(f"Copyright 2025 Eugene F. Fama and Kenneth R. French{CRLF}")
    return (2 * CRLF).join(parts)


class Library:
    """The fake library: percent tables by file name, their zips, and a request counter."""

    def __init__(self) -> None:
        self.frames: dict[str, pd.DataFrame] = {}
        self.zips: dict[str, bytes] = {}
        for seed, base in enumerate(COLUMNS):
            us = base.startswith("F-F_")
            daily = "_daily" if us else "_Daily"
            for freq, suffix in (("monthly", ""), ("daily", daily))[: 1 if base.startswith("Emerging") else 2]:
                frame = _percent(base, freq, seed * 2 + len(suffix))
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
                    zf.writestr(f"{base}{suffix}.CSV", _csv(base, frame, freq))
                self.frames[base + suffix] = frame
                self.zips[f"/ftp/{base}{suffix}_CSV.zip"] = buffer.getvalue()
        self.hits: list[str] = []

    def expected(self, name: str, column: str, freq: str) -> pd.Series:
        """What the loader must return for one column: decimals, NaN for codes, our dates."""
        series = self.frames[name][column]
        series = series.mask(series <= -99.99) / 100
        dates = series.index.to_timestamp()
        series.index = pd.DatetimeIndex((dates + pd.offsets.MonthEnd(0) if freq == "monthly" else dates).to_numpy())
        return series


@pytest.fixture(scope="module")
def library() -> Library:
    return Library()


@pytest.fixture(scope="module")
def server(library: Library):
    """The library on a random loopback port, served from a thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            library.hits.append(self.path)
            body = library.zips.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            """Quiet: the tests read the hit list instead."""

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def online(server: str, library: Library, monkeypatch: pytest.MonkeyPatch) -> Library:
    """The reader pointed at the loopback library, with a fresh request counter."""
    from pandas_datareader import famafrench

    monkeypatch.setattr(famafrench, "_URL", server)
    library.hits.clear()
    return library


def _take_server_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the reader at a loopback port nobody listens on (connection refused)."""
    from pandas_datareader import famafrench

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(famafrench, "_URL", f"http://127.0.0.1:{port}/")


@pytest.fixture
def server_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library unreachable."""
    _take_server_down(monkeypatch)


@pytest.fixture
def session():
    """A requests session that ignores proxy settings, so loopback is reached directly."""
    with requests.Session() as s:
        s.trust_env = False
        yield s


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache")


def _assert_same(actual: pd.Series, expected: pd.Series) -> None:
    """``actual`` equals ``expected`` on ``actual``'s dates (NaN where the file had a missing code)."""
    pd.testing.assert_series_equal(actual, expected.loc[actual.index], check_names=False, check_freq=False, rtol=1e-12)


def _age_entry(store: Store, name: str, days: float) -> None:
    """Pretend the cached copy of ``name`` was downloaded ``days`` ago."""
    manifest = store.root / name / "manifest.json"
    raw = json.loads(manifest.read_text(encoding="utf-8"))
    raw["pulled_at"] = (datetime.now(UTC) - timedelta(days=days)).isoformat()
    manifest.write_text(json.dumps(raw), encoding="utf-8")


def _library_files(key: str, freq: str) -> tuple[str, ...]:
    """The files a set needs, from the hand-copied names above: 3-factor models from the 3-factor
    file, 5-factor models from the 5-factor file, momentum added for carhart and ff6."""
    model, _, region = key.partition(":")
    if region:
        three, five, mom = INTERNATIONAL[region]
        suffix = "_Daily" if freq == "daily" else ""
    else:
        three, five, mom = "F-F_Research_Data_Factors", "F-F_Research_Data_5_Factors_2x3", "F-F_Momentum_Factor"
        suffix = "_daily" if freq == "daily" else ""
    files = [three if model in ("capm", "ff3", "carhart") else five] + ([mom] if model in ("carhart", "ff6") else [])
    return tuple(f + suffix for f in files)


def _available(region: str, model: str, freq: str) -> bool:
    return region != "emerging" or (freq == "monthly" and model in ("ff5", "ff6"))


SETS = [
    (f"{model}:{region}" if region else model, freq)
    for region in ("", *INTERNATIONAL)
    for model in LIBRARY_MODELS
    for freq in ("monthly", "daily")
    if _available(region, model, freq)
]


@pytest.mark.parametrize(("key", "freq"), SETS)
def test_every_model_region_and_frequency(online: Library, session, store: Store, key: str, freq: str) -> None:
    """Each set has its factors then RF, in decimals, on the dates all its files share, from the
    library's files of that name (U.S. and international; momentum is WML in the latter)."""
    data = load_famafrench(key, freq, store=store, session=session)
    files = _library_files(key, freq)
    model = key.partition(":")[0]
    assert famafrench_files(key, freq) == files
    assert list(data.factors.columns) == [*MODELS[model], "RF"]
    assert data.freq == freq and data.assets.shape[1] == 0
    main = data.factors.drop(columns="MOM", errors="ignore")
    for column in main.columns:
        _assert_same(main[column], online.expected(files[0], column, freq))
    if "MOM" in data.factors:
        momentum = "WML" if ":" in key else "Mom   "
        _assert_same(data.factors["MOM"], online.expected(files[1], momentum, freq))
        assert data.factors.index.equals(main.index)
    else:
        assert len(data.factors) == len(online.expected(files[0], "RF", freq))
    assert sorted(online.hits) == sorted(f"/ftp/{f}_CSV.zip" for f in files)


def test_sets_listed_for_the_dialog() -> None:
    """The registry lists exactly the sets the library has: 5 U.S. models, 5 per developed region,
    ff5 and ff6 for emerging markets (monthly only)."""
    monthly, daily = famafrench_sets("monthly"), famafrench_sets("daily")
    assert set(monthly) == {k for k, f in SETS if f == "monthly"} and len(monthly) == 5 + 6 * 5 + 2
    assert set(daily) == {k for k, f in SETS if f == "daily"} and not any("emerging" in k for k in daily)
    assert monthly["ff5:developed"] == "Fama-French 5 — Developed"


@pytest.mark.parametrize(
    ("key", "freq", "message"),
    [
        ("ff3:emerging", "monthly", "no Emerging 3-factor file; for Emerging it has ff5, ff6 \\(monthly files only\\)"),
        ("ff6:emerging", "daily", "no Emerging daily file"),
        ("q5", "monthly", "unknown model 'q5' for the Ken French library \\(its factors come from global-q.org"),
        ("ff5:mars", "monthly", "unknown Ken French region 'mars'; use one of us, developed"),
    ],
)
def test_sets_the_library_lacks_are_refused(store: Store, key: str, freq: str, message: str) -> None:
    """A set the library does not publish is one clear sentence, before any download."""
    with pytest.raises(InputError, match=message):
        load_famafrench(key, freq, store=store, offline=True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Service unavailable</html>", "not a readable zip file"),
        ("zip", "no Ken French table found"),
    ],
)
def test_a_file_that_arrives_but_cannot_be_read_is_a_parse_error(
    online: Library,
    session,
    store: Store,
    monkeypatch,
    body,
    message,
) -> None:
    """A reply that is not the library's zip, or a zip whose CSV is not a Ken French table, is reported
    as a file that cannot be read (naming the URL), never as a network problem."""
    if body == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr("F-F_Research_Data_Factors.CSV", "This file was created by CMPT_ME_BEME_RETS.\r\n\r\nno table")
        body = buffer.getvalue()
    monkeypatch.setitem(online.zips, "/ftp/F-F_Research_Data_Factors_CSV.zip", body)
    with pytest.raises(InputError) as info:
        load_famafrench("ff3", "monthly", store=store, session=session)
    text = str(info.value)
    assert "F-F_Research_Data_Factors: downloaded from http://127.0.0.1" in text
    assert "not a readable Ken French file" in text
    assert message in text and "download failed" not in text


def test_unreadable_download_falls_back_to_the_cache(online: Library, session, store: Store, monkeypatch) -> None:
    """With a cached copy, an unreadable new download keeps the cached copy and says why."""
    cached = load_famafrench("ff3", "monthly", store=store, session=session)
    monkeypatch.setitem(online.zips, "/ftp/F-F_Research_Data_Factors_CSV.zip", b"not a zip")
    data = load_famafrench("ff3", "monthly", store=store, session=session, max_age_days=0)
    pd.testing.assert_frame_equal(data.factors, cached.factors)
    assert any("not a readable Ken French file" in n and "using the cached copy" in n for n in data.notes)


def test_returns_are_decimals(online: Library, session, store: Store) -> None:
    """Percent values in the file become decimals: 2.50 in the file is 0.025."""
    data = load_famafrench("ff3", "monthly", store=store, session=session)
    file_value = online.frames["F-F_Research_Data_Factors"]["Mkt-RF"].iloc[5]
    assert data.factors["Mkt-RF"].iloc[5] == pytest.approx(file_value / 100, rel=1e-12)
    assert data.factors["RF"].iloc[0] == pytest.approx(0.003)
    assert data.factors.abs().max().max() < 0.5


@pytest.mark.parametrize(
    "freq, dates", [("monthly", ["1990-01-31", "1990-02-28"]), ("daily", ["1990-01-03", "1990-01-04"])]
)
def test_missing_codes_become_nan(online: Library, session, store: Store, freq: str, dates: list[str]) -> None:
    """-99.99 and -999 are the library's missing codes, not returns of -99.99% and -999%."""
    data = load_famafrench("ff6", freq, store=store, session=session)
    assert data.factors.loc[pd.DatetimeIndex(dates), "MOM"].isna().all()
    assert data.factors["MOM"].notna().sum() == len(data.factors) - 2
    assert (data.factors.min() > -0.9).all()
    ff3 = load_famafrench("ff3", "monthly", store=store, session=session)
    assert np.isnan(ff3.factors.loc["1930-01-31", "SMB"])


def test_monthly_dates_month_end_and_annual_section_ignored(online: Library, session, store: Store) -> None:
    """Monthly dates are calendar month-ends (not Periods); the annual table never appears."""
    data = load_famafrench("ff3", "monthly", store=store, session=session)
    index = data.factors.index
    assert isinstance(index, pd.DatetimeIndex) and index.is_month_end.all() and index.is_unique
    assert index[0] == pd.Timestamp("1926-07-31") and index[-1] == pd.Timestamp("2025-12-31")
    assert len(index) == len(online.frames["F-F_Research_Data_Factors"])
    assert not np.isclose(data.factors.to_numpy(), ANNUAL_SENTINEL / 100).any()


def test_ff5_factors_never_mixed_with_ff3(online: Library, session, store: Store) -> None:
    """FF5/FF6 take SMB and HML from the 5-factor file; FF3's differ and are not used."""
    ff3 = load_famafrench("ff3", "monthly", store=store, session=session).factors
    for model in ("ff5", "ff6"):
        factors = load_famafrench(model, "monthly", store=store, session=session).factors
        for column in ("Mkt-RF", "SMB", "HML", "RF"):
            _assert_same(factors[column], online.expected("F-F_Research_Data_5_Factors_2x3", column, "monthly"))
        assert not np.allclose(factors["SMB"], ff3["SMB"].loc[factors.index], equal_nan=True)


def test_early_start_honoured_and_trims_only_the_result(online: Library, session, store: Store) -> None:
    """The reader's default of five recent years is overridden; ``start`` trims our result only."""
    full = load_famafrench("ff3", "daily", store=store, session=session)
    assert full.factors.index[0] == pd.Timestamp("1926-07-01")
    late = load_famafrench("ff3", "monthly", store=store, session=session, start="1990-01-01")
    assert late.factors.index[0] == pd.Timestamp("1990-01-31")
    assert store.entry("F-F_Research_Data_Factors").rows == len(online.frames["F-F_Research_Data_Factors"])


def test_ff5_starts_1963_and_says_so(online: Library, session, store: Store) -> None:
    """The 5-factor file begins 1963-07 whatever start was asked for, and the notes say so."""
    data = load_famafrench("ff5", "monthly", store=store, session=session, start="1920-01-01")
    assert data.factors.index[0] == pd.Timestamp("1963-07-31")
    assert any("5-factor file" in note and "begins 1963-07-31" in note for note in data.notes)


def test_start_after_the_data_is_an_input_error(online: Library, session, store: Store) -> None:
    """A start after the last month leaves nothing: say so rather than return an empty table."""
    with pytest.raises(InputError, match="choose an earlier start"):
        load_famafrench("ff3", "monthly", store=store, session=session, start="2030-01-01")


def test_cache_written_with_download_date(online: Library, session, store: Store) -> None:
    """Each downloaded file is stored with its URL and today's date, and the notes say where from."""
    data = load_famafrench("ff6", "monthly", store=store, session=session)
    today = datetime.now(UTC).date().isoformat()
    for name in famafrench_files("ff6", "monthly"):
        entry = store.entry(name)
        assert entry is not None and entry.pulled_at.startswith(today)
        assert entry.query.endswith(f"ftp/{name}_CSV.zip") and entry.rows == len(online.frames[name])
    assert any(f"on {today}; cached in {store.root}" in note for note in data.notes)


def test_fresh_cache_is_reused_without_network(online: Library, session, store: Store) -> None:
    """A copy younger than max_age_days is used as is: no second request."""
    first = load_famafrench("ff6", "daily", store=store, session=session)
    online.hits.clear()
    again = load_famafrench("ff6", "daily", store=store, session=session)
    assert online.hits == []
    pd.testing.assert_frame_equal(again.factors, first.factors)
    assert all("from the local cache" in note for note in again.notes[:2])


def test_stale_cache_is_refreshed(online: Library, session, store: Store) -> None:
    """A copy older than max_age_days is downloaded again and re-dated."""
    load_famafrench("capm", "monthly", store=store, session=session)
    _age_entry(store, "F-F_Research_Data_Factors", days=10)
    online.hits.clear()
    load_famafrench("capm", "monthly", store=store, session=session, max_age_days=7)
    assert online.hits == ["/ftp/F-F_Research_Data_Factors_CSV.zip"]
    assert store.entry("F-F_Research_Data_Factors").age_days < 0.01


def test_offline_reads_the_cache_with_its_age(online: Library, session, store: Store) -> None:
    """Offline, the cached copy is used whatever its age (no request), and the notes give that age."""
    online_data = load_famafrench("ff3", "monthly", store=store, session=session)
    _age_entry(store, "F-F_Research_Data_Factors", days=10)
    online.hits.clear()
    offline = load_famafrench("ff3", "monthly", store=store, session=session, offline=True)
    assert online.hits == []
    pd.testing.assert_frame_equal(offline.factors, online_data.factors)
    assert any("offline" in note and "(10.0 days old)" in note for note in offline.notes)


def test_server_down_falls_back_to_cache(online: Library, session, store: Store, monkeypatch) -> None:
    """When the download fails, the cached copy is used and the notes say why and how old it is."""
    cached = load_famafrench("ff6", "daily", store=store, session=session)
    _take_server_down(monkeypatch)
    data = load_famafrench("ff6", "daily", store=store, session=session, max_age_days=0)
    pd.testing.assert_frame_equal(data.factors, cached.factors)
    assert all("download failed" in note and "days old" in note for note in data.notes[:2])


def test_server_down_without_cache_is_an_input_error(server_down: None, session, store: Store) -> None:
    """No network and no cache: one sentence naming the file and what to do."""
    with pytest.raises(InputError, match=r"F-F_Research_Data_Factors: download failed .* no cached copy"):
        load_famafrench("capm", "monthly", store=store, session=session)


def test_offline_without_cache_is_an_input_error(store: Store) -> None:
    """Offline with nothing cached: say so rather than try the network."""
    with pytest.raises(InputError, match="offline and no cached copy"):
        load_famafrench("ff5", "daily", store=store, offline=True)


def test_default_store_is_in_the_cache_folder(online: Library, session, factordesk_home: Path) -> None:
    """Without a store, downloads are cached in the user's cache folder."""
    load_famafrench("capm", "daily", session=session)
    assert default_store().root == factordesk_home / "cache" / "famafrench"
    assert default_store().entry("F-F_Research_Data_Factors_daily") is not None


def test_job_yields_progress_per_file(online: Library, session, store: Store) -> None:
    """The job reports each file before reading it, so the GUI can cancel between files."""
    steps = []
    data = jobs.run(famafrench_job("ff6", "monthly", store=store, session=session), steps.append)
    names = famafrench_files("ff6", "monthly")
    assert [s.message for s in steps[:2]] == [f"Ken French library: {n}" for n in names]
    assert [s.fraction for s in steps] == sorted(s.fraction for s in steps) and steps[-1].fraction == 1.0
    assert list(data.factors.columns) == [*MODELS["ff6"], "RF"]


@pytest.mark.parametrize(
    "model, freq, start, match",
    [
        ("ff4", "daily", "1920", "unknown model"),
        ("ff3", "weekly", "1920", "daily or monthly"),
        ("ff3", "monthly", "someday", "not a date"),
    ],
)
def test_bad_arguments_are_input_errors(store: Store, model: str, freq: str, start: str, match: str) -> None:
    """Unknown model, a frequency the library lacks, or an unparseable start: InputError."""
    with pytest.raises(InputError, match=match):
        load_famafrench(model, freq, store=store, offline=True, start=start)


def test_cli_regress_with_exported_factors(online: Library, session, store: Store, tmp_path: Path) -> None:
    """Factors loaded from the library, exported to CSV, drive ``main.py regress`` end to end."""
    factors = load_famafrench("ff6", "monthly", store=store, session=session, start="2000-01-01").factors
    factor_csv = export_tables(
        {"factors": factors.rename_axis("date").reset_index()}, tmp_path / "ff6.csv", main="factors"
    )
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 0.002, len(factors))
    fund = factors["RF"] + 0.001 + 1.2 * factors["Mkt-RF"] + 0.4 * factors["HML"] + noise
    fund_csv = tmp_path / "fund.csv"
    fund.rename("QMOM").rename_axis("date").reset_index().to_csv(fund_csv, index=False)
    out = tmp_path / "out.csv"
    done = subprocess.run(
        [
            sys.executable,
            "main.py",
            "regress",
            str(fund_csv),
            "--factors",
            str(factor_csv),
            "--model",
            "ff6",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    row = pd.read_csv(out).iloc[0]
    assert row["fund"] == "QMOM" and row["Mkt-RF"] == pytest.approx(1.2, abs=0.02)
    assert row["HML"] == pytest.approx(0.4, abs=0.02) and row["n_obs"] == len(factors)


def test_gui_fetches_factors_into_the_workspace(online: Library, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Data > Ken French factors downloads on the worker pool and lists the factors as a data set."""
    from gui.app import create_app
    from gui.main_window import MainWindow

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    create_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.workspace.sigChanged, timeout=30_000):
        window.load_kenfrench("ff3", "monthly")
    dataset = window.workspace.get("Ken French ff3 (monthly)")
    assert dataset is not None and dataset.data.factor_names == ("Mkt-RF", "SMB", "HML")
    assert any("F-F_Research_Data_Factors" in hit for hit in online.hits)
    assert "monthly" in dataset.summary and "3 factors + RF" in dataset.summary
