"""Positions out of one holdings sheet, however its publisher laid it out.

One set of rules reads every layout, because publishers differ in names, not in kind:

- **Header rows** are found by their names, past any preamble: a row naming an id (ticker,
  symbol, ... or a SEDOL, CUSIP or ISIN) and a weight, market value or shares column. A
  later header row starts a new section with its own columns (Vanguard's equity, fixed
  income and short-term reserves); the title line above it names the section.
- **Rows that are not positions** are skipped and counted in a note: the preamble, blank
  rows, text rows (titles, disclaimers, footnotes: fewer than two cells), total rows, and
  rows with no weight, value or shares at all (SPDR's ``DUMMY`` line).
- **Numbers** as publishers print them: ``"1,234"``, ``$1,234.56``, ``11.75%``, ``(1,234)``,
  ``-`` for none, ``<0.01%`` for a tiny weight (then sized from its market value).
- **Ids** trimmed and upper-cased, Bloomberg exchange suffixes dropped (``TREE UW``, ``AAPL
  US Equity``); a line without a ticker is identified by a valid SEDOL, CUSIP or ISIN.
- **Cash**: lines with no id, a cash id (``CASH_USD``, ``Cash & Cash Investments``), an
  asset class, security type or sector of cash, money market, currency, futures or
  derivatives, or in a short-term reserves section, keep their weight with kind ``cash``:
  they are part of the fund but have no stock beta. Names are not read for this: "Cash
  America" is a stock, a "Cash Management Bill" a Treasury bill.
- **The as-of date** comes from a date column, else an "as of" line above the header, else
  a date written in the file or sheet name, else the date the caller gives.
- **Weights** from a weight column (percent detected: a ``%`` in its name or cells, or sums
  near 100), else each line's share of market value, else of shares × price.

Every assumption is a note; every refusal names the file, row and column and quotes at most
80 characters of a cell.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from analytics.data.dates import parse_dates
from analytics.data.holdings_sheets import Sheet
from analytics.data.tables import Table
from analytics.errors import InputError

__all__ = ["SheetPositions", "canonical_name", "clip", "header_roles", "is_holdings_header", "sheet_positions"]

#: Column roles, each a list of name patterns in order of preference (names are compared
#: lower-cased, ``*`` and ``:`` removed, runs of spaces and underscores as one space).
ROLES: dict[str, tuple[str, ...]] = {
    "id": (
        "ticker",
        "holding ticker",
        "symbol",
        "ticker symbol",
        "bloomberg ticker",
        "id",
        "permno",
        "stock",
        "asset",
        "security id",
    ),
    "alt_id": ("isin", "cusip", "sedol", "figi", "bbg figi", "security identifier", "identifier"),
    "weight": (
        r"weights?( ?\(%\)| %)?",
        r"% ?weight",
        "portfolio weight",
        "weighting",
        "wgt",
        "w",
        r"(% ?|percent(age)? )of (net assets|funds?|account|portfolio|assets|total|nav|market value)",
        "percentageoffund",
        r"% ?(net )?assets",
    ),
    "value": (
        r"market ?value( ?\(.*\))?",
        r"mkt ?val( \(market value\))?",
        "base market value",
        "current value",
        "position value",
        "value",
        "mv",
        "mktval",
    ),
    "shares": (
        "shares",
        "shrs",
        "quantity",
        r"qty( \(quantity\))?",
        "shares held",
        r"shares/par( value)?",
        "par value",
        "nominal",
        "units",
    ),
    "price": (r"(last |current |closing |market )?price( ?\(.*\))?", "prc", "close"),
    "name": (
        "name",
        "description",
        "company",
        "security name",
        "security description",
        "holdings?",
        "holding name",
        "security",
        "issuer",
        "issuer name",
    ),
    "class": (
        "asset class",
        "security type",
        "asset type",
        "type",
        "class of shares",
        "sector",
        "instrument type",
        "security class",
    ),
    "date": (
        "date",
        "dates",
        "as ?of date",
        "as-of-date",
        "as of",
        r"position ?date",
        "holdings? date",
        "portfolio date",
        "report date",
        "datadate",
        "caldt",
    ),
}
_PATTERNS = {role: tuple(re.compile(p) for p in pats) for role, pats in ROLES.items()}
# One pattern per role, to tell at a glance whether a row can be a header at all.
_ANY = {role: re.compile("|".join(f"(?:{p})" for p in pats)) for role, pats in ROLES.items()}
_MISSING = frozenset({"", "-", "--", "---", "\u2014", "n/a", "na", "nan", "null", "none", "#n/a"})
_SUFFIX = re.compile(r"^([A-Z0-9][A-Z0-9./\-]*)\s+(?:[A-Z]{2}(?:\s+EQUITY)?|EQUITY)$")
_TOTAL = re.compile(r"^(grand |account |positions? |portfolio |sub-?)?totals?\b", re.IGNORECASE)
_CASH_CLASS = re.compile(
    r"(?<![a-z])(?:cash|money market|futures?|currency|currencies|forwards?|fx|derivatives?)(?![a-z])"
)
_CASH_SECTION = re.compile(r"short[- ]term reserves|(?<![a-z])cash(?![a-z])|money market")
_CASH_ID = re.compile(r"(?<![A-Z])CASH(?![A-Z])")
_NO_AMOUNT = "without a weight, value or shares"
_AS_OF = re.compile(r"\bas[ -]of(?: date)?\b\W*(.*)", re.IGNORECASE)
_NAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)")


@dataclass(frozen=True)
class Columns:
    """Where one header row puts each role (cell positions), and the title of its section."""

    header: tuple[str, ...]
    roles: dict[str, tuple[int, ...]] = field(default_factory=dict)
    section: str = ""

    def first(self, role: str) -> int | None:
        """The preferred column of ``role``, or None."""
        found = self.roles.get(role, ())
        return found[0] if found else None

    @property
    def amounts(self) -> tuple[int, ...]:
        return tuple(j for role in ("weight", "value", "shares") if (j := self.first(role)) is not None)

    def name_of(self, role: str) -> str:
        return self.header[self.roles[role][0]]


@dataclass(frozen=True)
class SheetPositions:
    """One sheet's positions (``date, id, weight, kind``, one row per line) and its notes."""

    frame: pd.DataFrame
    notes: tuple[str, ...]


def clip(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters for a message (a cell may be a 2,000-character disclaimer)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def canonical_name(cell: str) -> str:
    """A column name as compared with the role patterns."""
    text = cell.replace("\xa0", " ").replace("*", "").strip().lower().rstrip(":").strip()
    return re.sub(r"[\s_]+", " ", text)


def is_holdings_header(cells: tuple[str, ...] | list[str], id_col: str | None = None) -> bool:
    """Whether a row names an id and a weight, value or shares column (a reader's cheap test)."""
    return _header(list(cells), id_col) is not None


def header_roles(
    cells: tuple[str, ...] | list[str], *, id_col: str | None = None, weight_col: str | None = None
) -> dict[str, str] | None:
    """The column each role takes in a header row (``id``, ``alt_id``, ``weight``, ``value``,
    ``shares``, ``price``, ``date``...: the preferred column's name), or None when the row is
    not a holdings header: what a preview shows the user before the file is read."""
    columns = _header(list(cells), id_col, weight_col=weight_col)
    return None if columns is None else {role: columns.name_of(role) for role in columns.roles}


def sheet_positions(
    sheet: Sheet, *, id_col: str | None = None, date: str | None = None, weight_col: str | None = None
) -> SheetPositions:
    """Read the positions of ``sheet``; ``date`` is the as-of date when the sheet says none;
    ``weight_col`` names the one column weights come from (see :func:`_chosen_amount`)."""
    scan = _Scan(sheet, id_col, weight_col)
    lines = scan.positions()
    notes: list[str] = []
    ids, kinds = _identify(lines, sheet.source, notes)
    dates = _dates(lines, scan.lead_text, sheet, date, notes)
    weights = _weights(lines, dates, scan.blocks, sheet, notes)
    notes[:0] = [*sheet.notes, *scan.notes()]
    frame = pd.DataFrame({"date": dates, "id": ids, "weight": weights, "kind": kinds})
    return SheetPositions(frame, tuple(notes))


def _role_columns(names: list[str], role: str) -> tuple[int, ...]:
    """Columns whose name matches ``role``, the preferred pattern's first."""
    found: list[int] = []
    for pattern in _PATTERNS[role]:
        found += [j for j, name in enumerate(names) if pattern.fullmatch(name) and j not in found]
    return tuple(found)


@lru_cache(maxsize=4096)
def _cell_roles(cell: str) -> frozenset[str]:
    """The roles a cell's text could name (cached: header names repeat, and most cells are data)."""
    name = canonical_name(cell) if len(cell) < 60 else ""
    return frozenset(role for role, pattern in _ANY.items() if name and pattern.fullmatch(name))


def _header(cells: list[str], id_col: str | None, section: str = "", weight_col: str | None = None) -> Columns | None:
    found = set().union(*map(_cell_roles, cells))
    if (weight_col is None and not found & {"weight", "value", "shares"}) or (
        id_col is None and not found & {"id", "alt_id"}
    ):
        return None
    names = [canonical_name(c) for c in cells]
    roles = {role: _role_columns(names, role) for role in ROLES}
    if id_col is not None:
        wanted = canonical_name(id_col)
        roles["id"] = tuple(j for j, name in enumerate(names) if name == wanted)
        roles["alt_id"] = tuple(j for j in roles["alt_id"] if j not in roles["id"])
    if weight_col is not None:
        roles.update(_chosen_amount(names, roles, canonical_name(weight_col)))
    if not (roles["id"] or roles["alt_id"]) or not (roles["weight"] or roles["value"] or roles["shares"]):
        return None
    return Columns(tuple(c.strip() for c in cells), {r: c for r, c in roles.items() if c}, section)


def _chosen_amount(names: list[str], roles: dict[str, tuple[int, ...]], wanted: str) -> dict[str, tuple[int, ...]]:
    """The roles of a header whose weights come from the column the user named: read as
    weights, market values or shares as its name says (weights when it says none), and the
    roles preferred to it dropped; none at all when no column has that name."""
    chosen = [j for j, name in enumerate(names) if name == wanted][:1]
    ranked = ("weight", "value", "shares")
    if not chosen:
        return dict.fromkeys(ranked, ())
    role = next((r for r in ranked if chosen[0] in roles[r]), "weight")
    return {**dict.fromkeys(ranked[: ranked.index(role)], ()), role: tuple(chosen)}


class _Scan:
    """One pass over a sheet: header rows, position rows by section, and what was skipped."""

    def __init__(self, sheet: Sheet, id_col: str | None, weight_col: str | None = None) -> None:
        self.sheet, self.id_col = sheet, id_col
        self.blocks: list[tuple[Columns, list[int]]] = []
        self.skipped: Counter[str] = Counter()
        self.no_amount: list[str] = []
        self.lead_text: list[str] = []  # preamble and section-title lines: where "as of" is written
        lead: list[list[str]] = []
        for i, row in enumerate(sheet.rows):
            cells = [c.strip() for c in row]
            filled = [c for c in cells if c]
            columns = _header(cells, id_col, _section_title(lead), weight_col) if len(filled) >= 2 else None
            if columns is not None:
                self.blocks.append((columns, []))
                self.lead_text += [" ".join(c for c in r if c) for r in lead]
                lead = []
            elif not self.blocks:
                self.skipped["before the header (title, fund facts)"] += 1
                lead.append(filled)
            else:
                reason = self._skip_reason(cells, filled)
                if reason is None:
                    self.blocks[-1][1].append(i)
                    lead = []
                else:
                    self.skipped[reason] += 1
                    lead.append(filled)
        if not self.blocks:
            raise _no_header(sheet, id_col, weight_col)

    def _skip_reason(self, cells: list[str], filled: list[str]) -> str | None:
        if not filled:
            return "blank"
        if len(filled) < 2:
            return "text (titles, disclaimers, footnotes)"
        if _TOTAL.match(filled[0]) or (len(filled) > 1 and _TOTAL.match(filled[1])):
            return "totals"
        columns = self.blocks[-1][0]
        if all(_cell(cells, j).lower() in _MISSING for j in columns.amounts):
            label = next(
                (
                    _cell(cells, j)
                    for j in (*columns.roles.get("id", ()), *columns.roles.get("name", ()))
                    if _cell(cells, j)
                ),
                filled[0],
            )
            self.no_amount.append(clip(label, 30))
            return _NO_AMOUNT
        return None

    def positions(self) -> pd.DataFrame:
        """Each position row's cells by role (text), its file row and its section."""
        parts: list[pd.DataFrame] = []
        for columns, rows in self.blocks:
            cells = [[c.strip() for c in self.sheet.rows[i]] for i in rows]
            part: dict[str, object] = {"line": [self.sheet.lines[i] for i in rows], "section": columns.section}
            for role in ("id", "weight", "value", "shares", "price", "date"):
                j = columns.first(role)
                part[role] = [_cell(c, j) for c in cells] if j is not None else [""] * len(rows)
            for role in ("alt_id", "name", "class"):
                part[role] = [tuple(_cell(c, j) for j in columns.roles.get(role, ())) for c in cells]
            part["block"] = len(parts)
            parts.append(pd.DataFrame(part))
        frame = pd.concat(parts, ignore_index=True)
        if frame.empty:
            raise InputError(f"{self.sheet.source}: has a header row but no positions under it.")
        return frame

    def notes(self) -> list[str]:
        if not self.skipped:
            return []
        listed = f" ({', '.join(self.no_amount[:5])}{', ...' if len(self.no_amount) > 5 else ''})"
        parts = [f"{n} {reason}" + (listed if reason == _NO_AMOUNT else "") for reason, n in self.skipped.items()]
        total = sum(self.skipped.values())
        return [f"{self.sheet.source}: skipped {total} row(s) that are not positions: {', '.join(parts)}."]


def _cell(cells: list[str], j: int | None) -> str:
    return cells[j] if j is not None and j < len(cells) else ""


def _section_title(lead: list[list[str]]) -> str:
    """The title of the section a header row starts: the line above it, when it reads like
    ``Fixed income`` or ``Short-term reserves,as of 09/30/2020`` (not a fund fact)."""
    for filled in reversed(lead):
        if filled:
            if len(filled) == 1 or (len(filled) == 2 and _AS_OF.search(filled[1])):
                return filled[0]
            return ""
    return ""


def _no_header(sheet: Sheet, id_col: str | None, weight_col: str | None = None) -> InputError:
    """The clearest complaint about a sheet with no holdings header row."""
    first = next((r for r in sheet.rows if sum(bool(c.strip()) for c in r) >= 2), None)
    if first is None:
        return InputError(f"{sheet.source}: holds no table (no row with two or more cells).")
    columns = ", ".join(clip(c, 40) for c in first if c.strip())
    names = [canonical_name(c) for c in first]
    if id_col is not None and canonical_name(id_col) not in names:
        return InputError(
            f"{sheet.source}: no column named {id_col!r} (columns are {columns}).", option="id_col", file=sheet.source
        )
    if weight_col is not None and canonical_name(weight_col) not in names:
        return InputError(
            f"{sheet.source}: no column named {weight_col!r} (columns are {columns}).",
            option="weight_col",
            file=sheet.source,
        )
    if id_col is None and not (_role_columns(names, "id") or _role_columns(names, "alt_id")):
        return InputError(
            f"{sheet.source}: no id column; name it id, permno or ticker, or name the id column "
            f"(columns are {columns}).",
            option="id_col",
            file=sheet.source,
        )
    return InputError(
        f"{sheet.source}: no weight, value or shares column; add one (columns are {columns}).", file=sheet.source
    )


# --- ids and cash ---------------------------------------------------------------------
def _identify(lines: pd.DataFrame, source: str, notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each line's id (ticker, else a valid SEDOL/CUSIP/ISIN) and kind (security or cash)."""
    raw = lines["id"].str.upper().str.rstrip("*").str.strip()
    raw = raw.where(~raw.str.lower().isin(_MISSING), "")
    suffixed = raw.str.extract(_SUFFIX.pattern)[0]
    ids = suffixed.fillna(raw)
    alt = lines["alt_id"].map(_valid_alt_id)
    by_alt = (ids == "") & (alt != "")
    ids = ids.where(~by_alt, alt)
    classes = lines["class"].map(lambda cells: " ".join(cells).lower())
    cash = (
        (ids == "")
        | lines["section"].str.lower().str.contains(_CASH_SECTION)
        | classes.str.contains(_CASH_CLASS)
        | (raw.str.contains(_CASH_ID) & raw.str.contains(r"[\s_&/]"))
    )
    label = lines["name"].map(lambda cells: " ".join(c for c in cells if c).upper())
    ids = ids.where(ids != "", label.where(label != "", "CASH"))
    kinds = np.where(cash, "cash", "security")
    _identify_notes(source, raw, suffixed, ids, by_alt, cash, notes)
    return ids.to_numpy(dtype=object), kinds


def _identify_notes(
    source: str,
    raw: pd.Series[str],
    suffixed: pd.Series[str],
    ids: pd.Series[str],
    by_alt: pd.Series[bool],
    cash: pd.Series[bool],
    notes: list[str],
) -> None:
    dropped = dict(zip(raw[suffixed.notna()], suffixed[suffixed.notna()]))
    if dropped:
        shown = ", ".join(f"{a!r} → {b!r}" for a, b in list(dropped.items())[:5])
        notes.append(
            f"{source}: exchange suffixes dropped from {len(dropped)} id(s): {shown}"
            f"{' and more' if len(dropped) > 5 else ''}."
        )
    if by_alt.any():
        shown = ", ".join(dict.fromkeys(ids[by_alt]))
        notes.append(
            f"{source}: {int(by_alt.sum())} line(s) without a ticker identified by SEDOL, CUSIP or ISIN: "
            f"{clip(shown, 120)}."
        )
    if cash.any():
        shown = ", ".join(clip(i, 40) for i in dict.fromkeys(ids[cash]))
        notes.append(
            f"{source}: {int(cash.sum())} cash line(s) (no ticker, or cash, money market, currency or "
            f"futures) kept with their weight and no exposure: {clip(shown, 160)}."
        )


def _valid_alt_id(cells: tuple[str, ...]) -> str:
    """The first cell that is a valid ISIN, CUSIP, SEDOL or FIGI (check digits verified)."""
    for cell in cells:
        text = cell.strip().upper()
        if _is_isin(text) or _is_cusip(text) or _is_sedol(text) or re.fullmatch(r"BBG[0-9A-Z]{9}", text):
            return text
    return ""


def _char_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - 55


def _is_cusip(text: str) -> bool:
    """A 9-character CUSIP with its check digit, or the 8-character form SPDR prints."""
    if re.fullmatch(r"[0-9A-Z]{6}[0-9A-Z]{2}", text):
        return any(ch.isdigit() for ch in text)
    if not re.fullmatch(r"[0-9A-Z]{8}[0-9]", text):
        return False
    total = 0
    for i, ch in enumerate(text[:8]):
        v = _char_value(ch) * (2 if i % 2 else 1)
        total += v // 10 + v % 10
    return (10 - total % 10) % 10 == int(text[8])


def _is_sedol(text: str) -> bool:
    if not re.fullmatch(r"[0-9BCDFGHJKLMNPQRSTVWXYZ]{6}[0-9]", text):
        return False
    total = sum(_char_value(ch) * w for ch, w in zip(text[:6], (1, 3, 1, 7, 3, 9)))
    return (10 - total % 10) % 10 == int(text[6])


def _is_isin(text: str) -> bool:
    if not re.fullmatch(r"[A-Z]{2}[0-9A-Z]{9}[0-9]", text):
        return False
    digits = "".join(str(_char_value(ch)) for ch in text)
    total = 0
    for i, d in enumerate(reversed(digits)):
        v = int(d) * (2 if i % 2 else 1)
        total += v // 10 + v % 10
    return total % 10 == 0


# --- dates ----------------------------------------------------------------------------
def _dates(
    lines: pd.DataFrame, lead_text: list[str], sheet: Sheet, date: str | None, notes: list[str]
) -> pd.DatetimeIndex:
    """Each line's as-of date: its date cell, else the sheet's own date (see :func:`_sheet_date`)."""
    has_cell = lines["date"] != ""
    out = pd.Series(pd.NaT, index=lines.index, dtype="datetime64[ns]")
    if has_cell.any():
        frame = pd.DataFrame(
            {"date": lines.loc[has_cell, "date"].to_numpy()}, index=lines.loc[has_cell, "line"].to_numpy() - 1
        )
        parsed = parse_dates(Table(frame, sheet.source, first_row=1), "date")
        out[has_cell] = parsed.values
        if parsed.note:
            notes.append(parsed.note)
    if not has_cell.all():
        out[~has_cell] = _sheet_date(lead_text, sheet, date, notes)
    return pd.DatetimeIndex(out)


def _sheet_date(lead_text: list[str], sheet: Sheet, date: str | None, notes: list[str]) -> pd.Timestamp:
    """The date an "as of" line above the header gives, else the file or sheet name, else ``date``."""
    for text in lead_text:
        found = _AS_OF.search(text)
        when = _find_date(found.group(1)) if found else None
        if when is not None:
            notes.append(f"{sheet.source}: positions dated {when.date()} from the line {clip(text, 60)!r}.")
            return when
    found = _NAME_DATE.search(sheet.label)
    if found is not None:
        when = pd.Timestamp("-".join(found.groups()))
        notes.append(f"{sheet.source}: no date column; positions dated {when.date()} from the name {sheet.label!r}.")
        return when
    if date is not None:
        try:
            when = pd.Timestamp(date).normalize()
        except (ValueError, TypeError):
            raise InputError(f"{date!r} is not a date; use YYYY-MM-DD.", option="date") from None
        notes.append(f"{sheet.source}: no date in the file; positions dated {when.date()} as given.")
        return when
    raise InputError(
        f"{sheet.source}: no as-of date (no date column, no 'as of' line, no date in the name); "
        "give the date the holdings are as of (YYYY-MM-DD).",
        option="date",
        file=sheet.source,
    )


_DATE_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"), "{0}-{1}-{2}|%Y-%m-%d"),
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"), "{0}/{1}/{2}|%m/%d/%Y"),
    (re.compile(r"(\d{1,2})[- ]([A-Za-z]{3,9})[- ,]+(\d{4})"), "{0} {1} {2}|%d %b %Y"),
    (re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})"), "{0} {1} {2}|%b %d %Y"),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), "{0}.{1}.{2}|%d.%m.%Y"),
)


def _find_date(text: str) -> pd.Timestamp | None:
    """The first date written in ``text`` (``2023/06/14``, ``06/14/2023``, ``04-Jun-2024``,
    ``Apr 06, 2023``, ``June 30, 2024``, ``30.06.2024``)."""
    for pattern, form in _DATE_FORMS:
        found = pattern.search(text)
        if found is None:
            continue
        template, fmt = form.split("|")
        value = template.format(*(g[:3] if g.isalpha() else g for g in found.groups()))
        when = pd.to_datetime(value, format=fmt, errors="coerce")
        if pd.notna(when):
            return pd.Timestamp(when)
    return None


# --- numbers and weights --------------------------------------------------------------
def _numbers(
    lines: pd.DataFrame, role: str, sheet: Sheet, header: pd.Series[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A role's cells as floats (NaN: none), which were printed ``<x``, and which ended in ``%``."""
    text = lines[role].str.replace("\u2212", "-", regex=False)
    missing = text.str.lower().isin(_MISSING)
    below = text.str.startswith("<").to_numpy()
    percent = text.str.endswith("%").to_numpy()
    negative = (text.str.startswith("(") & text.str.endswith(")")).to_numpy()
    core = text.str.replace(r"^[<>]|[()$€£%*\s]", "", regex=True)
    if sheet.decimal == ",":
        core = core.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        core = core.str.replace(",", "", regex=False)
    values = pd.to_numeric(core.where(~missing), errors="coerce").to_numpy(dtype=float)
    bad = (np.isnan(values) & ~missing.to_numpy()) | np.isinf(values)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        row, column = int(lines["line"].iloc[pos]), clip(header.iloc[pos], 40)
        raise InputError(
            f"{sheet.source}: row {row}, column {column!r}: {clip(lines[role].iloc[pos])!r} is not a "
            "number; fix the cell or leave it blank.",
            file=sheet.source,
            row=row,
            column=column,
        )
    return np.where(negative, -values, values), below, percent


def _weights(
    lines: pd.DataFrame,
    dates: pd.DatetimeIndex,
    blocks: list[tuple[Columns, list[int]]],
    sheet: Sheet,
    notes: list[str],
) -> np.ndarray:
    """Weights from the weight column, else market values, else shares × price (decimals)."""
    columns = [blocks[b][0] for b in lines["block"]]

    def header(role: str) -> pd.Series[str]:
        return pd.Series([c.name_of(role) if c.first(role) is not None else role for c in columns])

    if any(c.first("weight") is not None for c, _ in blocks):
        weight, below, percent_cells = _numbers(lines, "weight", sheet, header("weight"))
        weight = _as_decimals(weight, percent_cells, dates, blocks, sheet, notes)
        value = _numbers(lines, "value", sheet, header("value"))[0]
        return _fill_from_value(weight, below, value, dates, lines, sheet, notes)
    if any(c.first("value") is not None for c, _ in blocks):
        value = _numbers(lines, "value", sheet, header("value"))[0]
        return _shares_of_total(value, dates, lines, sheet, header("value"))
    shares = _numbers(lines, "shares", sheet, header("shares"))[0]
    if not any(c.first("price") is not None for c, _ in blocks):
        raise InputError(
            f"{sheet.source}: column {header('shares').iloc[0]!r} holds shares but there is no price "
            "column to value them; add a 'price' or 'value' column."
        )
    price = _numbers(lines, "price", sheet, header("price"))[0]
    return _shares_of_total(shares * np.abs(price), dates, lines, sheet, header("shares"))


def _as_decimals(
    weight: np.ndarray,
    percent_cells: np.ndarray,
    dates: pd.DatetimeIndex,
    blocks: list[tuple[Columns, list[int]]],
    sheet: Sheet,
    notes: list[str],
) -> np.ndarray:
    """Percent weights divided by 100: declared by the column name or the cells, or summing to ~100."""
    declared = next(
        (
            c.name_of("weight")
            for c, _ in blocks
            if c.first("weight") is not None and re.search(r"%|percent|pct", c.name_of("weight").lower())
        ),
        None,
    )
    if declared is not None:
        reason = f"column {declared!r}"
    elif percent_cells.any():
        reason = "cells end in %"
    else:
        sums = pd.Series(np.nan_to_num(weight)).groupby(np.asarray(dates)).sum()
        if sums.median() <= 50:
            return weight
        reason = f"they sum to about {sums.median():.0f}"
    notes.append(f"{sheet.source}: weights read as percent ({reason}); divided by 100.")
    return weight / 100.0


def _fill_from_value(
    weight: np.ndarray,
    below: np.ndarray,
    value: np.ndarray,
    dates: pd.DatetimeIndex,
    lines: pd.DataFrame,
    sheet: Sheet,
    notes: list[str],
) -> np.ndarray:
    """Weights printed ``<0.01%`` (or missing) sized from market value: value / the fund's total,
    estimated from the lines that print both (Σ value / Σ weight); without a value they are 0."""
    loose = below | np.isnan(weight)
    if not loose.any():
        return weight
    exact = ~loose & np.isfinite(value)
    key = np.asarray(dates)
    both = pd.DataFrame(
        {"v": np.where(exact, value, 0.0), "w": np.where(exact, weight, 0.0), "all": np.nan_to_num(value)}
    )
    sums = both.groupby(key).transform("sum")
    total = np.where(sums["w"] > 0, sums["v"] / sums["w"].where(sums["w"] > 0, 1.0), sums["all"])
    sized = loose & np.isfinite(value) & (total != 0)
    out = np.where(sized, np.nan_to_num(value) / np.where(total != 0, total, 1.0), weight)
    out = np.where(loose & ~sized, 0.0, out)
    if sized.any():
        notes.append(
            f"{sheet.source}: {int(sized.sum())} weight(s) printed as '<…' or missing taken from market "
            "value (value / the fund's total, estimated from the lines that print both)."
        )
    if (loose & ~sized).any():
        shown = ", ".join(clip(i, 20) for i in lines.loc[loose & ~sized, "id"].head(5))
        notes.append(
            f"{sheet.source}: {int((loose & ~sized).sum())} line(s) with a weight printed as '<…' or missing "
            f"and no market value counted as 0: {shown}."
        )
    return out


def _shares_of_total(
    amount: np.ndarray, dates: pd.DatetimeIndex, lines: pd.DataFrame, sheet: Sheet, header: pd.Series[str]
) -> np.ndarray:
    """Each line's share of its date's total (market value, or shares × price)."""
    if np.isnan(amount).any():
        pos = int(np.flatnonzero(np.isnan(amount))[0])
        row, column = int(lines["line"].iloc[pos]), clip(header.iloc[pos], 40)
        raise InputError(
            f"{sheet.source}: row {row}, column {column!r}: blank; fill it in or drop the row.",
            file=sheet.source,
            row=row,
            column=column,
        )
    totals = pd.Series(amount).groupby(np.asarray(dates)).transform("sum").to_numpy()
    if (totals == 0).any():
        pos = int(np.flatnonzero(totals == 0)[0])
        raise InputError(f"{sheet.source}: positions on {dates[pos].date()} are worth 0 in total; check the values.")
    shares: np.ndarray = amount / totals
    return shares
