"""A ``crsp`` schema shaped like WRDS's, legacy SIZ and CIZ, with known contents.

Monthly rows come from the course's CRSP extract (``crsp_monthly_2019_2020.csv``) when it is
present, from generated rows otherwise; daily rows are generated for a few permnos. On top,
three made-up securities exercise the hard cases:

- permno 99001 was ``OLDCO`` until 2019-12-31 and is ``NEWCO`` since (a name change);
- permno 99002 took over the ticker ``OLDCO`` on 2020-07-01 (a reused ticker);
- permno 99003 ``GONE`` delisted on 2020-06-15 with a delisting return of -50%: SIZ keeps
  it in ``msedelist``/``dsedelist``, CIZ has it inside ``mthret``/``dlyret`` already.

Column names and types follow WRDS (legacy numeric columns are double precision there).
Everything is owned by the login user, so a successful injection could really drop a table.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["DDL", "DELISTED", "DLRET", "DLSTDT", "KNOWN", "NAME_CHANGE", "REUSED", "build_tables", "seed"]

KNOWN = {
    14593: "AAPL",
    90319: "GOOG",
    10107: "MSFT",
    86580: "NVDA",
    84788: "AMZN",
    87055: "COST",
    55976: "WMT",
    49154: "TGT",
    16678: "KR",
}
NAME_CHANGE, REUSED, DELISTED = 99001, 99002, 99003
DLSTDT, DLRET = pd.Timestamp("2020-06-15"), -0.5
START, END = pd.Timestamp("2019-01-01"), pd.Timestamp("2020-12-31")

DDL = """
CREATE SCHEMA crsp;
CREATE TABLE crsp.stocknames (permno double precision, permco double precision, namedt date, nameenddt date,
    ticker varchar(8), comnam varchar(35), ncusip varchar(8), shrcd double precision, exchcd double precision);
CREATE TABLE crsp.msf (cusip varchar(8), permno double precision, permco double precision, date date,
    prc double precision, ret double precision, retx double precision, shrout double precision, vol double precision);
CREATE TABLE crsp.dsf (cusip varchar(8), permno double precision, permco double precision, date date,
    prc double precision, ret double precision, retx double precision, shrout double precision, vol double precision);
CREATE TABLE crsp.msedelist (permno double precision, dlstdt date, dlstcd double precision, dlret double precision);
CREATE TABLE crsp.dsedelist (permno double precision, dlstdt date, dlstcd double precision, dlret double precision);
CREATE TABLE crsp.stksecurityinfohist (permno integer, permco integer, secinfostartdt date, secinfoenddt date,
    ticker varchar(8), issuernm varchar(70), securitynm varchar(70), sharetype varchar(2),
    securitytype varchar(4), primaryexch varchar(1));
CREATE TABLE crsp.msf_v2 (permno integer, permco integer, mthcaldt date, mthret double precision,
    mthretx double precision, mthprc double precision, shrout double precision, mthcap double precision);
CREATE TABLE crsp.dsf_v2 (permno integer, permco integer, dlycaldt date, dlyret double precision,
    dlyretx double precision, dlyprc double precision, shrout double precision, dlycap double precision);
"""


def _generated_monthly(permnos: list[int], rng: np.random.Generator) -> pd.DataFrame:
    dates = pd.date_range(START, END, freq="BME")
    rows = [(p, d, rng.normal(0.01, 0.08), 1000 + p % 997, 20 + p % 300) for p in permnos for d in dates]
    return pd.DataFrame(rows, columns=["permno", "date", "ret", "shrout", "prc"])


def _special_monthly(rng: np.random.Generator) -> pd.DataFrame:
    out = _generated_monthly([NAME_CHANGE, REUSED, DELISTED], rng)
    keep = (
        (out["permno"] == NAME_CHANGE)
        | ((out["permno"] == REUSED) & (out["date"] >= "2020-07-01"))
        | ((out["permno"] == DELISTED) & (out["date"] <= "2020-06-30"))
    )
    out = out[keep].copy()
    out.loc[(out["permno"] == DELISTED) & (out["date"].dt.to_period("M") == DLSTDT.to_period("M")), "ret"] = 0.10
    out.loc[out["permno"] == DELISTED, "prc"] *= -1  # a bid/ask midpoint, as CRSP marks it
    return out


def _daily(permnos: list[int], rng: np.random.Generator) -> pd.DataFrame:
    dates = pd.bdate_range(START, END)
    frames = []
    for p in permnos:
        ret = rng.normal(0.0005, 0.02, len(dates))
        frames.append(
            pd.DataFrame(
                {"permno": p, "date": dates, "ret": ret, "prc": 50 * np.cumprod(1 + ret), "shrout": 5000.0 + p % 991}
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out = out[(out["permno"] != REUSED) | (out["date"] >= "2020-07-01")]
    out = out[(out["permno"] != DELISTED) | (out["date"] <= DLSTDT)].copy()
    out.loc[(out["permno"] == DELISTED) & (out["date"] == DLSTDT), "ret"] = 0.02
    return out


def _names(permnos: list[int]) -> pd.DataFrame:
    """One spell per permno, plus the made-up name change, reuse and delisting."""
    rows = [
        (p, "2000-01-01", "2024-12-31", KNOWN.get(p, f"T{p}"))
        for p in permnos
        if p not in (NAME_CHANGE, REUSED, DELISTED)
    ]
    rows += [
        (NAME_CHANGE, "2010-01-01", "2019-12-31", "OLDCO"),
        (NAME_CHANGE, "2020-01-01", "2024-12-31", "NEWCO"),
        (REUSED, "2020-07-01", "2024-12-31", "OLDCO"),
        (DELISTED, "2005-01-01", "2020-06-15", "GONE"),
    ]
    names = pd.DataFrame(rows, columns=["permno", "start", "end", "ticker"])
    names["start"], names["end"] = pd.to_datetime(names["start"]), pd.to_datetime(names["end"])
    return names


def build_tables(shared_csv: Path | None) -> dict[str, pd.DataFrame]:
    """Every table's rows, keyed by table name, with WRDS's column names."""
    rng = np.random.default_rng(6)
    if shared_csv is not None and shared_csv.exists():
        monthly = pd.read_csv(shared_csv, parse_dates=["date"])
    else:
        monthly = _generated_monthly(sorted(KNOWN) + list(range(20000, 20040)), rng)
    monthly = pd.concat([monthly, _special_monthly(rng)], ignore_index=True)
    daily_ids = [p for p in KNOWN if p in set(monthly["permno"])] + [NAME_CHANGE, REUSED, DELISTED]
    daily = _daily(daily_ids, rng)
    names = _names(sorted(set(monthly["permno"])))
    delist = pd.DataFrame({"permno": [DELISTED], "dlstdt": [DLSTDT], "dlstcd": [560.0], "dlret": [DLRET]})

    def with_delisting(frame: pd.DataFrame, same: pd.Series) -> pd.Series:
        return frame["ret"].where(~same, (1 + frame["ret"]) * (1 + DLRET) - 1)

    m_hit = (monthly["permno"] == DELISTED) & (monthly["date"].dt.to_period("M") == DLSTDT.to_period("M"))
    d_hit = (daily["permno"] == DELISTED) & (daily["date"] == DLSTDT)
    legacy = {
        "msf": monthly.assign(cusip="00000000", permco=monthly["permno"], retx=monthly["ret"], vol=1e5)[
            ["cusip", "permno", "permco", "date", "prc", "ret", "retx", "shrout", "vol"]
        ],
        "dsf": daily.assign(cusip="00000000", permco=daily["permno"], retx=daily["ret"], vol=1e4)[
            ["cusip", "permno", "permco", "date", "prc", "ret", "retx", "shrout", "vol"]
        ],
        "stocknames": names.assign(
            permco=names["permno"],
            namedt=names["start"],
            nameenddt=names["end"].clip(upper=pd.Timestamp("2024-12-31")),
            comnam=names["ticker"] + " INC",
            ncusip="00000000",
            shrcd=11.0,
            exchcd=3.0,
        )[["permno", "permco", "namedt", "nameenddt", "ticker", "comnam", "ncusip", "shrcd", "exchcd"]],
        "msedelist": delist,
        "dsedelist": delist,
    }
    # CIZ splits spells whenever any attribute changes: give AAPL two spells with one ticker.
    ciz_names = pd.concat(
        [
            names,
            pd.DataFrame(
                [(14593, pd.Timestamp("2000-01-01"), pd.Timestamp("2019-06-30"), "AAPL")], columns=names.columns
            ),
        ]
    )
    ciz_names.loc[(ciz_names["permno"] == 14593) & (ciz_names["end"] == "2024-12-31"), "start"] = "2019-07-01"
    ciz_names["end"] = ciz_names["end"].where(ciz_names["end"] != "2024-12-31", pd.Timestamp("2025-12-31"))
    ciz = {
        "msf_v2": pd.DataFrame(
            {
                "permno": monthly["permno"],
                "permco": monthly["permno"],
                "mthcaldt": monthly["date"],
                "mthret": with_delisting(monthly, m_hit),
                "mthretx": monthly["ret"],
                "mthprc": monthly["prc"].abs(),
                "shrout": monthly["shrout"],
                "mthcap": monthly["prc"].abs() * monthly["shrout"],
            }
        ),
        "dsf_v2": pd.DataFrame(
            {
                "permno": daily["permno"],
                "permco": daily["permno"],
                "dlycaldt": daily["date"],
                "dlyret": with_delisting(daily, d_hit),
                "dlyretx": daily["ret"],
                "dlyprc": daily["prc"].abs(),
                "shrout": daily["shrout"],
                "dlycap": daily["prc"].abs() * daily["shrout"],
            }
        ),
        "stksecurityinfohist": ciz_names.assign(
            permco=ciz_names["permno"],
            secinfostartdt=pd.to_datetime(ciz_names["start"]),
            secinfoenddt=ciz_names["end"],
            issuernm=ciz_names["ticker"] + " INC",
            securitynm="COM",
            sharetype="NS",
            securitytype="EQTY",
            primaryexch="Q",
        )[
            [
                "permno",
                "permco",
                "secinfostartdt",
                "secinfoenddt",
                "ticker",
                "issuernm",
                "securitynm",
                "sharetype",
                "securitytype",
                "primaryexch",
            ]
        ],
    }
    return {**legacy, **ciz}


def seed(connection, tables: dict[str, pd.DataFrame]) -> None:  # a psycopg2 connection
    """Create the schema and COPY every table in (fast even for the 87k-row extract)."""
    with connection.cursor() as cur:
        cur.execute(DDL)
        for name, frame in tables.items():
            buffer = io.StringIO()
            frame.to_csv(buffer, index=False, header=False, date_format="%Y-%m-%d")
            buffer.seek(0)
            cur.copy_expert(f"COPY crsp.{name} ({', '.join(frame.columns)}) FROM STDIN WITH CSV", buffer)
    connection.commit()
