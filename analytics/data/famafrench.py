"""Factor returns from the Ken French data library, downloaded once and kept on disk.

The library is read with pandas-datareader, whose reader has traps that this module
handles, each for a reason:

- Without an explicit ``start`` it returns only the last five years, so every file is fetched
  from :data:`FULL_HISTORY` and cached whole; ``start`` only trims the result.
- Missing months are coded ``-99.99`` or ``-999`` and are left as numbers; they become NaN.
- Monthly tables come back with a ``PeriodIndex`` (daily ones too, with daily periods);
  dates become timestamps, monthly ones on the calendar month-end like every other monthly
  series here, so they align with fund returns by calendar month.
- A monthly file holds a second, annual table; we take the table of the requested frequency.
- Momentum sits in its own file (``F-F_Momentum_Factor[_daily]``, header ``Mom   ``).
- FF3's SMB and HML are not FF5's (FF5 builds them from 2x3 sorts on three characteristics).
  A model takes ``Mkt-RF, SMB, HML, RMW, CMA, RF`` all from one file: ``capm``/``ff3`` from
  the 3-factor file, ``ff5``/``ff6`` from the 5-factor file (which starts 1963-07), ``ff6``
  adding momentum. The chapter's ``get_factors`` merges FF3's SMB/HML with FF5's RMW/CMA;
  we deliberately do not, so our FF5/FF6 loadings are the library's own model.

Each downloaded table is saved whole and clean (decimals, NaN for missing codes, our dates) in
a :class:`~analytics.data.store.Store` (by default in the user's cache folder) with its download
date, under the library's file name, so CAPM and FF3 share one cached file. A cached copy younger than ``max_age_days`` is
used without the network; an older one is refreshed, and kept as the fallback when the
download fails or ``offline`` is set. The notes say where the data came from and how old it is.
"""

from __future__ import annotations

import zipfile
from datetime import datetime

import pandas as pd

from analytics import jobs
from analytics.data.paths import cache_dir
from analytics.data.returns import ReturnsData, canonical_factor_name
from analytics.data.store import Store, StoreEntry
from analytics.errors import InputError
from analytics.frequency import normalize_dates
from analytics.jobs import Job, Progress
from analytics.regression.models import MODELS, model_factors

__all__ = ["FULL_HISTORY", "SOURCE", "default_store", "famafrench_files", "famafrench_job", "load_famafrench"]

#: Passed to the reader as ``start`` so that it returns the whole history, not five years.
FULL_HISTORY = "1900-01-01"
SOURCE = "Ken French data library"
_FREQS = {"daily": "D", "monthly": "M"}  # our frequency -> the reader's period frequency
_THREE_FACTOR = "F-F_Research_Data_Factors"
_FIVE_FACTOR = "F-F_Research_Data_5_Factors_2x3"
_MOMENTUM = "F-F_Momentum_Factor"
_MAIN_FILE = {"capm": _THREE_FACTOR, "ff3": _THREE_FACTOR, "ff5": _FIVE_FACTOR, "ff6": _FIVE_FACTOR}
_MISSING_BELOW = -99.99  # the library's missing codes are -99.99 and -999 (percent)
# What a failed download raises: network and HTTP errors (requests' and the reader's
# RemoteDataError are OSErrors), a reply that is not a zip, a CSV the reader cannot parse.
_DOWNLOAD_ERRORS = (OSError, zipfile.BadZipFile, ValueError)


def famafrench_files(model: str, freq: str) -> tuple[str, ...]:
    """Library file names a model needs, e.g. ``F-F_Research_Data_Factors_daily``."""
    _check(model, freq)
    suffix = "_daily" if freq == "daily" else ""
    names = [_MAIN_FILE[model]] + ([_MOMENTUM] if "MOM" in MODELS[model] else [])
    return tuple(name + suffix for name in names)


def default_store() -> Store:
    """The Ken French cache in the user's cache folder (files that can be fetched again)."""
    return Store(cache_dir() / "famafrench")


def load_famafrench(model: str, freq: str, **options: object) -> ReturnsData:
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
    store = store if store is not None else default_store()
    first = _timestamp(start)
    tables, notes = [], []
    for i, name in enumerate(files):
        yield Progress(i / len(files), f"Ken French library: {name}")
        table, note = _table(name, freq, store, session, offline, max_age_days)
        tables.append(table)
        notes.append(note)
    factors = _model_factors(model, tables, files)
    factors = factors.loc[factors.index >= first]
    if factors.empty:
        raise InputError(f"{SOURCE}: no {model} factors from {first.date()} on; choose an earlier start.")
    if _MAIN_FILE[model] == _FIVE_FACTOR:
        notes.append(
            f"{SOURCE}: {model} takes SMB and HML from the 5-factor file (they differ from FF3's); "
            f"it begins {factors.index[0].date()}."
        )
    yield Progress(1.0, "Ken French library: done")
    assets = pd.DataFrame(index=factors.index)
    return ReturnsData(assets, factors, freq, f"{SOURCE} {model} {freq}", tuple(notes))


def _check(model: str, freq: str) -> None:
    model_factors(model)
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
    joined = tables[0].join(tables[1:], how="inner") if len(tables) > 1 else tables[0]
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
        raise InputError(
            f"{name}: offline and no cached copy in {store.root}; connect to the internet and download it once."
        )
    try:
        table = _download(name, freq, session)
    except _DOWNLOAD_ERRORS as exc:
        reason = _first_line(exc)
        if entry is None:
            raise InputError(
                f"{name}: download failed ({reason}) and no cached copy in {store.root}; check the internet "
                "connection and try again."
            ) from None
        return _cached(store, entry), f"{name}: download failed ({reason}); using the cached copy, {_age(entry)}."
    entry = store.save(name, table.rename_axis("date").reset_index(), source=SOURCE, query=_url(name), freq=freq)
    return table, f"{name}: downloaded from {_url(name)} on {_day(entry)}; cached in {store.root}."


def _download(name: str, freq: str, session: object | None) -> pd.DataFrame:
    """Read the file with pandas-datareader (imported here: it is slow to import) and clean it."""
    from pandas_datareader.famafrench import FamaFrenchReader

    tables = FamaFrenchReader(name, start=FULL_HISTORY, session=session).read()
    period = _FREQS[freq]
    raw = next(
        (t for k, t in tables.items() if k != "DESCR" and getattr(t.index, "freqstr", None) == period), None
    )
    if raw is None:
        raise ValueError(f"no {freq} table in the file")
    frame = raw.apply(pd.to_numeric, errors="coerce")
    frame = frame.mask(frame <= _MISSING_BELOW) / 100
    frame.columns = [canonical_factor_name(str(c)) or str(c).strip() for c in frame.columns]
    frame.index = pd.DatetimeIndex(normalize_dates(raw.index.to_timestamp(), freq).to_numpy())
    return frame


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
