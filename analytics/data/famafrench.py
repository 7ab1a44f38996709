"""Factor returns from the Ken French data library, downloaded once and kept on disk.

Each library file is downloaded as the library serves it (a ``_CSV.zip``) and read by the
same reader as a user's copy of the file (:mod:`analytics.data.readers.kenfrench`): its first
table (monthly or daily), description lines, annual section and copyright skipped, percent
values divided by 100, the missing codes ``-99.99`` and ``-999`` made NaN, monthly dates on
the calendar month-end like every other monthly series here. A file that arrives but cannot
be read is reported as such (the library's format may have changed), not as a network
problem. pandas-datareader supplies the library's address and its HTTP session.

Sets are keyed ``MODEL[:REGION]`` (``ff6``, ``ff5:developed``): the U.S. files, and the
library's international sets (``developed``, ``developed_ex_us``, ``europe``, ``japan``,
``asia_pacific_ex_japan``, ``north_america``, ``emerging``), each with its 3-factor, 5-factor
and momentum files where the library has them (emerging: 5 factors and momentum, monthly only).
A model takes ``Mkt-RF, SMB, HML, RMW, CMA, RF`` all from one file: ``capm``/``ff3``/``carhart``
from the 3-factor file, ``ff5``/``ff6`` from the 5-factor file (the U.S. one starts 1963-07);
``carhart`` and ``ff6`` add the momentum file. FF3's SMB and HML are not FF5's (FF5 builds them
from 2x3 sorts on three characteristics); the chapter's ``get_factors`` merges FF3's SMB/HML
with FF5's RMW/CMA; we deliberately do not, so our FF5/FF6 loadings are the library's own model.

Each downloaded table is saved whole and clean (decimals, NaN for missing codes, our dates) in
a :class:`~analytics.data.store.Store` (by default in the user's cache folder) with its download
date, under the library's file name, so CAPM and FF3 share one cached file. A cached copy
younger than ``max_age_days`` is used without the network; an older one is refreshed, and kept
as the fallback when the download fails or ``offline`` is set. The notes say where the data came
from and how old it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from analytics import jobs
from analytics.data.dataset import Dataset, describe_returns
from analytics.data.paths import cache_dir
from analytics.data.readers.kenfrench import read_kenfrench_text, zip_csv_text
from analytics.data.returns import ReadOptions, ReturnsData
from analytics.data.store import Store, StoreEntry
from analytics.errors import InputError
from analytics.factors import LABELS, MODELS
from analytics.jobs import Job, Progress

__all__ = [
    "FULL_HISTORY",
    "KENFRENCH_MODELS",
    "REGIONS",
    "SOURCE",
    "default_store",
    "famafrench_dataset_job",
    "famafrench_files",
    "famafrench_job",
    "famafrench_sets",
    "load_famafrench",
    "parse_set",
]

#: Kept for callers that trim by date: the whole history is always downloaded and cached.
FULL_HISTORY = "1900-01-01"
SOURCE = "Ken French data library"
_FREQS = ("daily", "monthly")
#: Region key -> label; ``us`` is the default (no ``:REGION`` in the key).
REGIONS = {
    "us": "U.S.",
    "developed": "Developed",
    "developed_ex_us": "Developed ex U.S.",
    "europe": "Europe",
    "japan": "Japan",
    "asia_pacific_ex_japan": "Asia Pacific ex Japan",
    "north_america": "North America",
    "emerging": "Emerging",
}
#: Models the library's files give, and the files each needs ("three" or "five", plus "mom").
KENFRENCH_MODELS = {
    "capm": ("three",),
    "ff3": ("three",),
    "carhart": ("three", "mom"),
    "ff5": ("five",),
    "ff6": ("five", "mom"),
}
_US = {"three": "F-F_Research_Data_Factors", "five": "F-F_Research_Data_5_Factors_2x3", "mom": "F-F_Momentum_Factor"}
_PREFIX = {
    "developed": "Developed",
    "developed_ex_us": "Developed_ex_US",
    "europe": "Europe",
    "japan": "Japan",
    "asia_pacific_ex_japan": "Asia_Pacific_ex_Japan",
    "north_america": "North_America",
    "emerging": "Emerging",
}
# The library spells these momentum files with capitals (get_available_datasets' names).
_MOM_CAPS = frozenset({"asia_pacific_ex_japan", "emerging"})
# Emerging markets: no 3-factor file, and monthly files only.
_MISSING_FILES = {("emerging", "three")}
_MONTHLY_ONLY = frozenset({"emerging"})
# What a failed download raises: network and HTTP errors (requests' exceptions are OSErrors).
_NETWORK_ERRORS = (OSError,)


def parse_set(key: str) -> tuple[str, str]:
    """``ff5:developed`` -> ``("ff5", "developed")``; ``ff6`` -> ``("ff6", "us")``."""
    model, _, region = key.strip().lower().partition(":")
    region = region or "us"
    if model not in KENFRENCH_MODELS:
        other = " (its factors come from global-q.org's files: pass one as a factor file)" if model in MODELS else ""
        raise InputError(
            f"unknown model {model!r} for the Ken French library{other}; use one of {', '.join(KENFRENCH_MODELS)}.",
            option="model",
        )
    if region not in REGIONS:
        raise InputError(f"unknown Ken French region {region!r}; use one of {', '.join(REGIONS)}.", option="factors")
    return model, region


def _file(kind: str, region: str, freq: str) -> str:
    if region == "us":
        return _US[kind] + ("_daily" if freq == "daily" else "")
    if (region, kind) in _MISSING_FILES or (region in _MONTHLY_ONLY and freq == "daily"):
        have = [m for m, kinds in KENFRENCH_MODELS.items() if all((region, k) not in _MISSING_FILES for k in kinds)]
        when = "monthly files only" if region in _MONTHLY_ONLY else "daily and monthly"
        raise InputError(
            f"the Ken French library has no {REGIONS[region]} {'3-factor' if kind == 'three' else freq} file; "
            f"for {REGIONS[region]} it has {', '.join(have)} ({when}).",
            option="model",
        )
    name = {"three": "3_Factors", "five": "5_Factors", "mom": "MOM_Factor" if region in _MOM_CAPS else "Mom_Factor"}
    return f"{_PREFIX[region]}_{name[kind]}" + ("_Daily" if freq == "daily" else "")


def famafrench_files(model: str, freq: str) -> tuple[str, ...]:
    """Library file names a set needs, e.g. ``F-F_Research_Data_Factors_daily``."""
    name, region = parse_set(model)
    _check_freq(freq)
    return tuple(_file(kind, region, freq) for kind in KENFRENCH_MODELS[name])


def famafrench_sets(freq: str = "monthly") -> dict[str, str]:
    """Every set the library has at ``freq``: key (``ff5:developed``) -> label."""
    sets = {}
    for region, place in REGIONS.items():
        for model in KENFRENCH_MODELS:
            key = model if region == "us" else f"{model}:{region}"
            try:
                famafrench_files(key, freq)
            except InputError:
                continue
            sets[key] = f"{LABELS[model]} — {place}"
    return sets


def default_store() -> Store:
    """The Ken French cache in the user's cache folder (files that can be fetched again)."""
    return Store(cache_dir() / "famafrench")


def load_famafrench(model: str, freq: str, **options: Any) -> ReturnsData:
    """A model's factors and RF in decimals (no assets); options as :func:`famafrench_job`."""
    return jobs.run(famafrench_job(model, freq, **options))


def famafrench_job(
    model: str,
    freq: str,
    *,
    store: Store | None = None,
    session: object | None = None,
    offline: bool = False,
    max_age_days: float = 7,
    start: str | pd.Timestamp = "1920-01-01",
) -> Job[ReturnsData]:
    """The factors of ``model`` at ``freq`` as a job: one progress step per library file, so
    cancel works. Cached copies younger than ``max_age_days`` are used without the network.

    ``session`` is a ``requests.Session`` for the downloads (tests pass one that ignores proxy
    settings); ``offline`` uses the cache only.
    """
    files = famafrench_files(model, freq)
    base, _ = parse_set(model)
    store = store if store is not None else default_store()
    first = _timestamp(start)
    tables, notes = [], []
    for i, name in enumerate(files):
        yield Progress(i / len(files), f"Ken French library: {name}")
        table, note = _table(name, freq, store, session, offline, max_age_days)
        tables.append(table)
        notes.append(note)
    factors = _model_factors(base, tables, files)
    factors = factors.loc[factors.index >= first]
    if factors.empty:
        raise InputError(f"{SOURCE}: no {model} factors from {first.date()} on; choose an earlier start.")
    if "five" in KENFRENCH_MODELS[base]:
        notes.append(
            f"{SOURCE}: {model} takes SMB and HML from the 5-factor file (they differ from FF3's); "
            f"it begins {factors.index[0].date()}."
        )
    yield Progress(1.0, "Ken French library: done")
    assets = pd.DataFrame(index=factors.index)
    return ReturnsData(assets, factors, freq, f"{SOURCE} {model} {freq}", tuple(notes))


def _check_freq(freq: str) -> None:
    if freq not in _FREQS:
        raise InputError(f"Ken French factors come {' or '.join(_FREQS)}, not {freq!r}; choose one of those.")


def _timestamp(start: str | pd.Timestamp) -> pd.Timestamp:
    try:
        return pd.Timestamp(start)
    except ValueError:
        raise InputError(f"start date {start!r} is not a date; use YYYY-MM-DD.") from None


def _model_factors(model: str, tables: list[pd.DataFrame], files: tuple[str, ...]) -> pd.DataFrame:
    """The model's columns (regressors, then RF); tables joined on the dates they share."""
    wanted = [*MODELS[model], "RF"]
    others: list[pd.DataFrame | pd.Series[Any]] = [*tables[1:]]
    joined = tables[0].join(others, how="inner") if others else tables[0]
    missing = [c for c in wanted if c not in joined.columns]
    if missing:
        raise InputError(
            f"{SOURCE}: column {missing[0]!r} not found in {' + '.join(files)}; the library's format may have "
            "changed: delete the cached copy and download again."
        )
    return joined[wanted]


def _table(
    name: str, freq: str, store: Store, session: object | None, offline: bool, max_age_days: float
) -> tuple[pd.DataFrame, str]:
    """One library table (dates × factors, decimals) from the fresh cache or the network."""
    entry = store.entry(name)
    if entry is not None and (offline or entry.age_days < max_age_days):
        why = "offline" if offline else f"younger than {max_age_days:g} days"
        return _cached(store, entry), f"{name}: from the local cache ({why}), {_age(entry)}."
    if offline:
        damaged = store.damaged(name)  # a damaged copy is no copy (entry() is None) but says how to fix it
        raise InputError(
            damaged.message
            if damaged
            else f"{name}: offline and no cached copy in {store.root}; connect to the internet and download it once."
        )
    try:
        raw = _download(name, session)
    except _NETWORK_ERRORS as exc:
        reason = _first_line(exc)
        if entry is None:
            raise InputError(
                f"{name}: download failed ({reason}) and no cached copy in {store.root}; check the internet "
                "connection and try again."
            ) from None
        return _cached(store, entry), f"{name}: download failed ({reason}); using the cached copy, {_age(entry)}."
    try:
        table = _parse(raw, name, freq)
    except InputError as exc:
        problem = f"{name}: downloaded from {_url(name)} but it is not a readable Ken French file ({exc})"
        if entry is None:
            raise InputError(
                f"{problem}; the library's format may have changed: report it, or use a copy of the file that reads."
            ) from None
        return _cached(store, entry), f"{problem}; using the cached copy, {_age(entry)}."
    entry = store.save(name, table.rename_axis("date").reset_index(), source=SOURCE, query=_url(name), freq=freq)
    return table, f"{name}: downloaded from {_url(name)} on {_day(entry)}; cached in {store.root}."


def _download(name: str, session: object | None) -> bytes:
    """The library's zip of ``name``, through pandas-datareader's session (imported here: it is
    slow to import)."""
    from pandas_datareader.famafrench import FamaFrenchReader

    reader = FamaFrenchReader(name, start=FULL_HISTORY, session=session)
    response = reader.session.get(_url(name), timeout=reader.timeout)
    response.raise_for_status()
    content: bytes = response.content  # a requests.Response (pandas-datareader is untyped)
    return content


def _parse(raw: bytes, name: str, freq: str) -> pd.DataFrame:
    """The zip's table (dates × columns, decimals), read as a user's copy of the file is."""
    text, notes = zip_csv_text(raw, f"{name}_CSV.zip")
    data = read_kenfrench_text(text, name, ReadOptions(), notes)
    if data.freq != freq:
        raise InputError(f"its first table is {data.freq}, not {freq}")
    return data.factors.join(data.assets).rename_axis(None)


def _cached(store: Store, entry: StoreEntry) -> pd.DataFrame:
    frame = store.load(entry.name)
    if "date" not in frame.columns:
        raise InputError(f"{store.root / entry.name}: cached copy has no date column; delete it and download again.")
    return frame.set_index(pd.DatetimeIndex(frame.pop("date").to_numpy()))


def _url(name: str) -> str:
    from pandas_datareader import famafrench

    return f"{famafrench._URL}{famafrench._URL_PREFIX}{name}{famafrench._URL_SUFFIX}"


def _day(entry: StoreEntry) -> str:
    return datetime.fromisoformat(entry.pulled_at).date().isoformat()


def _age(entry: StoreEntry) -> str:
    return f"downloaded {_day(entry)} ({entry.age_days:.1f} days old)"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def famafrench_dataset_job(model: str, freq: str, *, offline: bool = False) -> Job[Dataset]:
    """The library's factors for ``model`` (``ff5``, ``ff5:developed``...) as a data set, downloaded
    or from the cache."""
    data = yield from famafrench_job(model, freq, offline=offline)
    return Dataset(f"Ken French {model} ({freq})", "returns", data, describe_returns(data), None, data.notes)
