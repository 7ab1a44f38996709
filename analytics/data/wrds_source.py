"""CRSP stock data from WRDS (or any PostgreSQL shaped like it), saved into the local store.

The chapter maps tickers to permnos through ``crsp.stocknames`` and reads ``crsp.dsf`` /
``crsp.msf``. CRSP has since moved to the CIZ format (``dsf_v2``, ``msf_v2``,
``stksecurityinfohist``; the legacy SIZ tables are frozen at 2024-12-31). Both are supported,
CIZ by default. The two differ in one way that matters for returns: CIZ returns already
include delisting returns, SIZ keeps them apart (``dsedelist`` / ``msedelist``). So delisting
returns are compounded in for SIZ pulls only, and never for CIZ; the manifest says which
tables were read and how delisting was handled.

CIZ column names follow WRDS's CIZ documentation and the tidyfinance WRDS code (``msf_v2``:
``mthcaldt, mthret, mthprc, shrout``; ``dsf_v2``: ``dlycaldt, dlyret, dlyprc, shrout``;
``stksecurityinfohist``: ``permno, ticker, secinfostartdt, secinfoenddt``).

Safety rules kept here: user input reaches SQL only as bound parameters (table and column
names come from the constants below, never from the user); id lists are queried in chunks;
the password is handed to ``wrds`` in memory (or read by libpq from ``~/.pgpass``) and is never
written anywhere by us. ``wrds`` is imported on first connection because it is slow to import.

A pull streams: each chunk of ids is labelled and handed to the store's dataset writer as it
arrives (:meth:`~analytics.data.store.Store.panel_writer`, staged, then one file per date), so
memory holds one chunk, never the pull; a cancelled or failed pull stores nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analytics.data.partitioned import PartitionedPanel
from analytics.data.store import Store, StoreEntry
from analytics.errors import InputError
from analytics.jobs import Job, Progress

if TYPE_CHECKING:
    import wrds

__all__ = [
    "FORMATS",
    "CrspFormat",
    "Pull",
    "PullRequest",
    "WrdsSettings",
    "WrdsSource",
    "parse_permnos",
]

WRDS_HOST = "wrds-pgdata.wharton.upenn.edu"
WRDS_PORT = 9737
#: Columns of every pull, in this order (``mcap`` = |prc| x shrout, CRSP's $ thousands).
PULL_COLUMNS = ("date", "id", "permno", "ret", "prc", "shrout", "mcap")


@dataclass(frozen=True)
class PriceTable:
    """A CRSP stock file: its table and the names of its date, return and price columns."""

    table: str
    date: str
    ret: str
    prc: str
    delisting: str | None = None


@dataclass(frozen=True)
class CrspFormat:
    """One CRSP layout: the ticker-history table and the daily and monthly stock files."""

    key: str
    names: str
    name_start: str
    name_end: str
    daily: PriceTable
    monthly: PriceTable

    def prices(self, freq: str) -> PriceTable:
        """The stock file of ``freq`` (daily or monthly)."""
        return self.daily if freq == "daily" else self.monthly


FORMATS = {
    "ciz": CrspFormat(
        "ciz",
        "crsp.stksecurityinfohist",
        "secinfostartdt",
        "secinfoenddt",
        daily=PriceTable("crsp.dsf_v2", "dlycaldt", "dlyret", "dlyprc"),
        monthly=PriceTable("crsp.msf_v2", "mthcaldt", "mthret", "mthprc"),
    ),
    "siz": CrspFormat(
        "siz",
        "crsp.stocknames",
        "namedt",
        "nameenddt",
        daily=PriceTable("crsp.dsf", "date", "ret", "prc", delisting="crsp.dsedelist"),
        monthly=PriceTable("crsp.msf", "date", "ret", "prc", delisting="crsp.msedelist"),
    ),
}


@dataclass(frozen=True)
class WrdsSettings:
    """Where to connect. No password field on purpose: see the module docstring."""

    host: str = WRDS_HOST
    port: int = WRDS_PORT
    user: str = ""
    dbname: str = "wrds"
    timeout: int = 15

    @property
    def server(self) -> str:
        """``host:port/dbname`` for messages and manifests."""
        return f"{self.host}:{self.port}/{self.dbname}"


@dataclass(frozen=True)
class PullRequest:
    """What to pull: tickers or permnos, a date range, a frequency and a CRSP format.

    Tickers are resolved to the permnos that carried them on ``as_of`` (default: ``end``),
    as the chapter does with the latest names, and each permno's whole history in the range
    is pulled, so a renamed company keeps its earlier returns.
    """

    start: date
    end: date
    tickers: tuple[str, ...] = ()
    permnos: tuple[int, ...] = ()
    freq: str = "monthly"
    fmt: str = "ciz"
    as_of: date | None = None
    chunk_size: int = 500

    @classmethod
    def build(
        cls,
        start: Any,
        end: Any,
        *,
        tickers: Sequence[str] = (),
        permnos: Sequence[Any] = (),
        freq: str = "monthly",
        legacy: bool = False,
        as_of: Any = None,
        chunk_size: int | None = None,
    ) -> PullRequest:
        """Validate user input (dates, ids, frequency) into a request.

        Ids are queried ``chunk_size`` at a time (default 500 monthly, 100 daily): a cancel
        takes effect between chunks, so a chunk should be a few seconds of WRDS work at most.
        """
        first, last = _parse_date(start, "start"), _parse_date(end, "end")
        if first > last:
            raise InputError(f"start date {first} is after end date {last}; swap them.")
        names = tuple(dict.fromkeys(t.strip().upper() for t in tickers if t.strip()))
        ids = parse_permnos(permnos)
        if bool(names) == bool(ids):
            raise InputError("give either tickers or permnos (one of them, not both).")
        if freq not in ("daily", "monthly"):
            raise InputError(f"unknown frequency {freq!r}; WRDS pulls are daily or monthly.")
        chunk_size = (100 if freq == "daily" else 500) if chunk_size is None else chunk_size
        if chunk_size < 1:
            raise InputError(f"chunk size {chunk_size} must be at least 1.")
        when = None if as_of is None else _parse_date(as_of, "as-of")
        return cls(first, last, names, ids, freq, "siz" if legacy else "ciz", when, chunk_size)

    @property
    def crsp(self) -> CrspFormat:
        """The CRSP layout this request reads."""
        return FORMATS[self.fmt]

    @property
    def default_name(self) -> str:
        """A store name that says what was pulled, ending in a short hash of the whole request
        (every id, the as-of date), so two different pulls never share a name."""
        ids = self.tickers or tuple(map(str, self.permnos))
        shown = "-".join(ids[:4]) + (f"-and-{len(ids) - 4}-more" if len(ids) > 4 else "")
        digest = hashlib.sha256(_describe(self).encode()).hexdigest()[:8]
        return f"wrds_{self.fmt}_{self.freq}_{shown}_{self.start}_{self.end}_{digest}"


@dataclass(frozen=True)
class Pull:
    """A finished pull: the stored dataset (read by dates, or whole with ``read_dates()``), its
    manifest and the ticker mapping used."""

    panel: PartitionedPanel
    entry: StoreEntry
    mapping: pd.DataFrame
    notes: tuple[str, ...] = field(default=())


def parse_permnos(values: Sequence[Any]) -> tuple[int, ...]:
    """Positive integer permnos, in the given order, without repeats."""
    out = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        if not text.isdigit() or int(text) == 0:
            raise InputError(f"permno {text!r} is not a positive whole number; permnos look like 14593.")
        out.append(int(text))
    return tuple(dict.fromkeys(out))


def _parse_date(value: Any, what: str) -> date:
    try:
        stamp: pd.Timestamp | None = pd.Timestamp(value)
    except (ValueError, TypeError):
        stamp = None
    if stamp is None or pd.isna(stamp):
        raise InputError(f"{what} date {value!r} is not a date; use YYYY-MM-DD.")
    return stamp.date()


class WrdsSource:
    """A ``wrds.Connection`` to ``settings`` (opened on first use) and the CRSP queries we run."""

    def __init__(self, settings: WrdsSettings, password: str | None = None) -> None:
        self.settings = settings
        self._password = password

    @cached_property
    def connection(self) -> wrds.Connection:
        """The open connection; connection failures become one-sentence :class:`InputError`."""
        import sqlalchemy
        import wrds

        s = self.settings
        conn = wrds.Connection(
            autoconnect=False,
            wrds_hostname=s.host,
            wrds_port=s.port,
            wrds_dbname=s.dbname,
            wrds_username=s.user,
            wrds_password=self._password or "",
            wrds_connect_args={
                "sslmode": "require",
                "connect_timeout": s.timeout,
                "application_name": "FactorDesk (wrds)",
            },
        )
        self._password = None  # wrds holds it in memory for reconnects; we keep no copy
        try:
            # wrds.Connection.connect() falls back to the public WRDS host and to input()
            # prompts on failure, which would hang a GUI and leak test traffic; make the one
            # attempt ourselves with the same engine factory and report failures plainly.
            conn._Connection__make_sa_engine_conn(raise_err=True)
        except sqlalchemy.exc.OperationalError as exc:
            raise _connection_error(s, str(exc.orig)) from None
        with contextlib.redirect_stdout(io.StringIO()):  # wrds prints progress chatter
            conn.load_library_list()
        return conn

    def close(self) -> None:
        """Close the connection if it was opened."""
        conn = self.__dict__.pop("connection", None)
        if conn is not None:
            conn.close()

    def query(self, sql: str, params: dict[str, Any], what: str) -> pd.DataFrame:
        """Run one parameterized query; a missing table or column is the user's to fix."""
        import sqlalchemy

        try:
            frame: pd.DataFrame = self.connection.raw_sql(sql, params=params, chunksize=None)  # wrds is untyped
            return frame
        except sqlalchemy.exc.ProgrammingError as exc:
            first = str(exc.orig).strip().splitlines()[0]
            raise InputError(
                f"{self.settings.server}: cannot read {what} ({first}); check your subscription, "
                "or pull with the other CRSP format (the legacy SIZ tables, or the current CIZ ones).",
                option="legacy",
            ) from None

    def resolve_tickers(
        self, tickers: Sequence[str], start: date, end: date | None = None, *, fmt: str = "ciz"
    ) -> pd.DataFrame:
        """Permnos that carried each ticker on ``start`` (``end`` None) or during [start, end].

        Returns ``ticker, permno, start, end`` (the name spell, merged per ticker and permno),
        sorted; a ticker can map to several permnos over a range. Unknown tickers are absent.
        """
        crsp = FORMATS[fmt]
        sql = (
            f"SELECT ticker, permno, {crsp.name_start} AS start, {crsp.name_end} AS end "
            f"FROM {crsp.names} WHERE ticker = ANY(%(tickers)s) "
            f"AND {crsp.name_start} <= %(last)s AND {crsp.name_end} >= %(first)s"
        )
        params = {"tickers": [t.strip().upper() for t in tickers], "first": start, "last": end or start}
        spells = self.query(sql, params, crsp.names)
        if spells.empty:
            return pd.DataFrame(columns=["ticker", "permno", "start", "end"])
        spells = spells.astype({"ticker": str, "permno": "int64"})
        merged = spells.groupby(["ticker", "permno"], as_index=False).agg(start=("start", "min"), end=("end", "max"))
        merged["start"] = pd.to_datetime(merged["start"]).dt.date
        merged["end"] = pd.to_datetime(merged["end"]).dt.date
        return merged.sort_values(["ticker", "start", "permno"]).reset_index(drop=True)

    def prices(
        self, request: PullRequest, permnos: Sequence[int], labels: dict[int, str], add: Callable[[pd.DataFrame], None]
    ) -> Job[int]:
        """Returns, prices and shares for ``permnos``, one chunk of ids per step, each chunk handed
        to ``add`` as ``PULL_COLUMNS`` with ids from ``labels`` (a job returning the row count)."""
        table = request.crsp.prices(request.freq)
        sql = (
            f"SELECT permno, {table.date} AS date, {table.ret} AS ret, {table.prc} AS prc, shrout "
            f"FROM {table.table} WHERE permno = ANY(%(permnos)s) "
            f"AND {table.date} BETWEEN %(first)s AND %(last)s ORDER BY permno, {table.date}"
        )
        chunks = [list(permnos[i : i + request.chunk_size]) for i in range(0, len(permnos), request.chunk_size)]
        rows = 0
        for number, chunk in enumerate(chunks, 1):
            yield Progress((number - 1) / len(chunks), f"{table.table}: ids chunk {number} of {len(chunks)}")
            params = {"permnos": chunk, "first": request.start, "last": request.end}
            found = self.query(sql, params, table.table)
            if found.empty:
                continue
            frame = _numeric(found)
            if table.delisting is not None:
                delisted = self._delistings(table.delisting, params)
                frame = _with_delisting(frame, delisted, request.freq) if not delisted.empty else frame
            add(_labelled(frame, labels))
            rows += len(frame)
        return rows

    def _delistings(self, table: str, params: dict[str, Any]) -> pd.DataFrame:
        """SIZ delisting returns of one chunk of ids."""
        sql = (
            f"SELECT permno, dlstdt, dlret FROM {table} WHERE permno = ANY(%(permnos)s) "
            "AND dlret IS NOT NULL AND dlstdt BETWEEN %(first)s AND %(last)s"
        )
        found = self.query(sql, params, table)
        return found.assign(
            permno=found["permno"].astype("int64"),
            dlstdt=pd.to_datetime(found["dlstdt"]),
            dlret=found["dlret"].astype(float),
        )

    def pull(self, request: PullRequest, store: Store, name: str | None = None, *, replace: bool = False) -> Job[Pull]:
        """Resolve ids, read the stock file in chunks and stream them into ``store`` (a dataset
        entry, one file per date; see the module docstring).

        An entry of that name holding another request is refused before anything is pulled,
        unless ``replace``; the same request refreshes it. The entry's lock is held while the
        chunks arrive, so a second pull of the same entry waits for this one.
        """
        name = name or request.default_name
        source = f"WRDS {self.settings.server}"
        store.check_free(name, source=source, query=_describe(request), replace=replace)
        yield Progress(0.0, f"connecting to {self.settings.server}")
        self.connection  # noqa: B018 -- connect now, so a bad password fails before any work
        notes: list[str] = []
        if request.tickers:
            yield Progress(0.05, f"{request.crsp.names}: resolving tickers")
            mapping = self.resolve_tickers(request.tickers, request.as_of or request.end, fmt=request.fmt)
            missing = [t for t in request.tickers if t not in set(mapping["ticker"])]
            if len(missing) == len(request.tickers):
                raise InputError(
                    f"{request.crsp.names}: no permno carried ticker(s) {', '.join(missing)} on "
                    f"{request.as_of or request.end}; check the spelling, match them at another date, "
                    "or give permnos instead.",
                    option="as_of",
                )
            if missing:
                notes.append(f"no permno for ticker(s) {', '.join(missing)}; they were left out.")
            permnos = tuple(dict.fromkeys(mapping["permno"].tolist()))
        else:
            mapping = pd.DataFrame(columns=["ticker", "permno", "start", "end"])
            permnos = request.permnos
        table = request.crsp.prices(request.freq)
        extra = {
            "freq": request.freq,
            "format": request.fmt,
            "tables": [t for t in (request.crsp.names if request.tickers else None, table.table, table.delisting) if t],
            "delisting": (
                f"compounded from {table.delisting}"
                if table.delisting
                else f"already in {table.ret} (CIZ); not added again"
            ),
            "mapping": mapping.astype(str).to_dict("records"),
            "notes": notes,
        }
        with store.panel_writer(name, source=source, query=_describe(request), replace=replace, staged=True) as writer:
            rows = yield from _scaled(
                self.prices(request, permnos, _labels(mapping, request.permnos), writer.add), 0.1, 0.9
            )
            if not rows:
                raise InputError(
                    f"{table.table}: no rows for these ids from {request.start} to {request.end}; check the ids and "
                    "dates (the legacy SIZ tables end at 2024-12-31)."
                )
            yield Progress(0.9, "saving into the local store (one file per date)")
            entry, panel = writer.commit(**extra)
        yield Progress(1.0, f"saved {entry.rows} rows as {entry.name}")
        return Pull(panel, entry, mapping, tuple(notes))


def _scaled(job: Job[Any], lo: float, hi: float) -> Job[Any]:
    """Re-yield a sub-job's progress inside [lo, hi] of the caller's."""
    while True:
        try:
            step = next(job)
        except StopIteration as stop:
            return stop.value
        yield Progress(lo + (hi - lo) * step.fraction, step.message)


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain numpy dtypes (wrds returns nullable ones); |prc| x shrout as market cap."""
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(frame["date"]),
            "permno": frame["permno"].astype("int64"),
            **{c: frame[c].to_numpy(dtype=float, na_value=np.nan) for c in ("ret", "prc", "shrout")},
        }
    )
    out["mcap"] = out["prc"].abs() * out["shrout"]
    return out


def _with_delisting(frame: pd.DataFrame, delist: pd.DataFrame, freq: str) -> pd.DataFrame:
    """SIZ only: compound each delisting return into the return of its day or month."""

    def period(dates: pd.Series[pd.Timestamp]) -> pd.Series[Any]:
        return dates.dt.to_period("M") if freq == "monthly" else dates.dt.normalize()

    keys = ["permno", "_key"]
    events = delist.assign(_key=period(delist["dlstdt"])).drop_duplicates(keys)[[*keys, "dlret"]]
    dlret = frame.assign(_key=period(frame["date"])).merge(events, on=keys, how="left")["dlret"].to_numpy(float)
    hit = ~np.isnan(dlret)
    ret = frame["ret"].to_numpy(copy=True)
    ret[hit] = (1 + np.nan_to_num(ret[hit])) * (1 + dlret[hit]) - 1
    return frame.assign(ret=ret)


def _labels(mapping: pd.DataFrame, permnos: tuple[int, ...]) -> dict[int, str]:
    """Each permno's ``id``: the ticker asked for (``TICKER.permno`` when it had several), else the permno."""
    if permnos:
        return {p: str(p) for p in permnos}
    counts = mapping["ticker"].value_counts()
    return {
        permno: ticker if counts[ticker] == 1 else f"{ticker}.{permno}"
        for permno, ticker in zip(mapping["permno"].tolist(), mapping["ticker"].tolist())
    }


def _labelled(frame: pd.DataFrame, labels: dict[int, str]) -> pd.DataFrame:
    """``PULL_COLUMNS``, with ``id`` from ``labels``, sorted by id and date."""
    out = frame.assign(id=frame["permno"].map(labels))
    return out[list(PULL_COLUMNS)].sort_values(["id", "date"]).reset_index(drop=True)


def _describe(request: PullRequest) -> str:
    ids = (
        f"tickers {','.join(request.tickers)} as of {request.as_of or request.end}"
        if request.tickers
        else f"permnos {','.join(map(str, request.permnos))}"
    )
    return f"{request.freq} CRSP ({request.fmt.upper()}) {ids}, {request.start} to {request.end}"


_REFUSED = re.compile(
    r"connection refused|could not connect|could not translate host|timeout expired|"
    r"no route to host|network is unreachable|name or service not known",
    re.IGNORECASE,
)
_BAD_PASSWORD = re.compile(r"password authentication failed|authentication failed", re.IGNORECASE)
_NO_PASSWORD = re.compile(r"no password supplied|password is required", re.IGNORECASE)


def _connection_error(settings: WrdsSettings, reason: str) -> InputError:
    """One sentence for a failed connection; the driver's text never carries the password."""
    user = settings.user or "your user name"
    if _BAD_PASSWORD.search(reason):
        return InputError(
            f"{settings.server} refused the password for {user}; check the user name and password "
            "(or the ~/.pgpass entry) and connect again."
        )
    if _NO_PASSWORD.search(reason):
        return InputError(
            f"{settings.server} needs a password for {user}; type it in or add it to ~/.pgpass.",
            option="ask_password",
        )
    if _REFUSED.search(reason):
        return InputError(
            f"cannot reach {settings.server} (connection refused or timed out); check the host, the port "
            "and your network, then connect again."
        )
    first = reason.strip().splitlines()[0] if reason.strip() else "unknown error"
    return InputError(f"cannot connect to {settings.server} ({first}); check the connection settings.")
