"""What the numbers on screen are: column labels, tooltips, units and the percent toggle.

Analytics tables use short machine names (``alpha``, ``t_alpha``, ``ivol``) and decimals,
some annualized and some per period. This module is the one place that says, for a column
name, what it is ("alpha (ann.)", "premium (per month)") and how to show its values, so
tables, plots and help agree. The percent/decimal choice is a :class:`DisplayUnits` object
owned by the application (View › Show returns in percent); copies and exports always keep
the full-precision decimals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PySide6.QtCore import QCoreApplication, QObject, QSettings, Signal

from analytics.errors import InputError
from analytics.frequency import PERIODS_PER_YEAR, detect_frequency

__all__ = [
    "FACTOR_HELP",
    "PERCENT_KINDS",
    "Column",
    "DisplayUnits",
    "column_label",
    "column_tooltip",
    "describe",
    "display_units",
    "format_value",
    "period_label",
    "periods_per_year_of",
]

#: Kinds whose values are returns or shares, shown as percent when the toggle is on.
PERCENT_KINDS = ("ann_return", "return", "share")

#: What each factor of the chapter buys and sells (column tooltips and the guide).
FACTOR_HELP = {
    "Mkt-RF": "the market's return over the risk-free rate",
    "SMB": "small minus big: buy small caps, sell large caps",
    "HML": "high minus low: buy value (high book-to-market), sell growth",
    "RMW": "robust minus weak: buy profitable firms, sell unprofitable ones",
    "CMA": "conservative minus aggressive: buy low-investment firms, sell high-investment ones",
    "MOM": "momentum: buy recent winners, sell recent losers",
}


@dataclass(frozen=True)
class Column:
    """A column's display label, its kind (how values are shown) and a sentence for the tooltip.

    Kinds: ``ann_return`` (annualized return or volatility), ``return`` (per period),
    ``share`` (a fraction of a whole), ``beta`` (a loading, unitless), ``t`` (a t-statistic
    or p-value), ``ratio`` (R²), ``count``, ``plain`` (anything else).
    """

    label: str
    kind: str
    tip: str


_COLUMNS = {
    "alpha": Column(
        "alpha",
        "ann_return",
        "Alpha: the average return the factors do not explain, annualized "
        "(the per-period constant × periods per year).",
    ),
    "t_alpha": Column(
        "t(alpha)", "t", "t-statistic of alpha: beyond about ±2, alpha is unlikely to be zero by chance."
    ),
    "const": Column("alpha", "return", "Alpha per period: the regression constant, not annualized."),
    "r2": Column("R²", "ratio", "Share of the return's variance the factors explain."),
    "adj_r2": Column("adj. R²", "ratio", "R² adjusted for the number of factors."),
    "ivol": Column(
        "ivol",
        "ann_return",
        "Idiosyncratic volatility: the residuals' standard deviation, annualized "
        "(× √periods per year): what you would bear after hedging every factor.",
    ),
    "n_obs": Column("obs", "count", "Number of periods in the regression."),
    "years": Column("years", "plain", "Sample length in years (observations / periods per year)."),
    "coef": Column("coef", "plain", "Estimate: alpha (const) per period, loadings unitless."),
    "std_err": Column("std. err.", "plain", "Standard error of the estimate."),
    "t": Column("t", "t", "t-statistic: the estimate over its standard error."),
    "t_nw": Column("t (Newey-West)", "t", "t-statistic with Newey-West errors (robust to autocorrelation)."),
    "p_value": Column("p", "t", "p-value: the chance of an estimate this far from zero if the truth were zero."),
    "ci_lower": Column("95% low", "plain", "Lower end of the 95% confidence interval."),
    "ci_upper": Column("95% high", "plain", "Upper end of the 95% confidence interval."),
    "lower": Column("95% low", "return", "Lower end of the 95% confidence interval."),
    "upper": Column("95% high", "return", "Upper end of the 95% confidence interval."),
    "premium": Column(
        "premium",
        "return",
        "Fama-MacBeth premium: the average of the per-date coefficients, the "
        "return of a pure-play portfolio with one standard deviation of the characteristic.",
    ),
    "raw": Column("raw", "return", "The portfolio's return: Σ weight × stock return."),
    "implied": Column(
        "implied",
        "return",
        "The return its characteristics imply: portfolio z-scores × that date's characteristic returns.",
    ),
    "adjusted": Column(
        "adjusted",
        "return",
        "Characteristic-adjusted return: raw minus implied, the part its characteristics do not explain.",
    ),
    "coverage": Column(
        "coverage",
        "share",
        "Share of the portfolio's weight that could be used (stocks with a beta, or in that date's cross-section).",
    ),
    "weight": Column("weight", "share", "Portfolio weight."),
    "weight_sum": Column("weight sum", "share", "Sum of the holdings' weights (1 for a fully invested fund)."),
    "positions": Column("positions", "count", "Number of holdings."),
    "n": Column("stocks", "count", "Number of stocks in the date's regression."),
    "fund": Column("fund", "plain", "The fund (or series) regressed."),
    "series": Column("series", "plain", "The fund (or series) regressed."),
    "id": Column("id", "plain", "Stock identifier."),
    "term": Column("term", "plain", "const is alpha (per period); the others are factor loadings."),
    "start": Column("start", "plain", "First date of the sample used."),
    "end": Column("end", "plain", "Last date of the sample used."),
    "date": Column("date", "plain", "The period's date."),
    "window_start": Column("window start", "plain", "First return date of the window."),
    "window_end": Column("window end", "plain", "Last return date of the window."),
    "holdings_date": Column("holdings date", "plain", "Date of the holdings in force over the window."),
    "characteristic": Column("characteristic", "plain", "The characteristic (z-scored across stocks at each date)."),
    "portfolio": Column("portfolio", "plain", "The portfolio."),
    "kind": Column("kind", "plain", "What the position is."),
    "note": Column(
        "note",
        "plain",
        "Why a statistic is missing or should be read with care (e.g. too few observations); empty when all is well.",
    ),
    # peer table and style drift (analytics.reports)
    "rank": Column("rank", "count", "The fund's place in the peer table, 1 = best by the chosen ranking."),
    "ir": Column(
        "IR",
        "t",
        "Information ratio: annualized alpha / annualized idiosyncratic volatility (residual standard deviation, "
        "ddof = 1, × √periods per year): alpha per unit of the risk taken to earn it; unlike t, it does not grow "
        "with the length of the record.",
    ),
    "factor": Column("factor", "plain", "The factor."),
    "effective_date": Column("first return", "plain", "First return date the new holdings apply to."),
    "before": Column("before", "beta", "Bottom-up exposure on the last return date of the previous holdings."),
    "after": Column("after", "beta", "Bottom-up exposure on the first return date of the new holdings."),
    "change": Column("change", "beta", "After minus before: how far the exposure moved with the new holdings."),
    "bottom_up": Column("bottom-up", "beta", "Average bottom-up exposure (Σ weight × stock beta) over the window."),
    "top_down": Column("top-down", "beta", "Loading from regressing the fund's return on the factors in the window."),
}
_PREFIXES = {
    "t_": ("t({})", "t", "t-statistic of the {} loading."),
    "beta_": ("β {}", "beta", "The stock's {} loading."),
    "contrib_": ("w×β {}", "beta", "Weight × beta: the holding's contribution to the fund's {} exposure."),
}


def describe(name: str, kind: str | None = None) -> Column:
    """What column ``name`` is; ``kind`` overrides the kind (a tab knows a column's units)."""
    column = _COLUMNS.get(name)
    if column is None:
        column = _prefixed(name) or _factor(name) or Column(name, "plain", "")
    return Column(column.label, kind or column.kind, column.tip) if kind else column


def _prefixed(name: str) -> Column | None:
    for prefix, (label, kind, tip) in _PREFIXES.items():
        rest = name[len(prefix) :]
        if name.startswith(prefix) and rest:
            return Column(label.format(rest), kind, tip.format(rest))
    return None


def _factor(name: str) -> Column | None:
    help_text = FACTOR_HELP.get(name)
    if help_text is None:
        return None
    return Column(name, "beta", f"Loading on {name} ({help_text}): the return's sensitivity to the factor.")


def period_label(periods_per_year: float | None) -> str:
    """``per month`` for 12, ``per day`` for 252, ``per week`` for 52; ``per period`` otherwise."""
    names = {12: "per month", 252: "per day", 52: "per week", 4: "per quarter", 1: "per year"}
    return names.get(int(periods_per_year), "per period") if periods_per_year else "per period"


def column_label(
    name: str, kind: str | None = None, *, periods_per_year: float | None = None, percent: bool = False
) -> str:
    """The header: ``alpha (ann.)``, ``premium (per month, %)``, ``coverage (%)``, ``t(alpha)``."""
    column = describe(name, kind)
    parts = {"ann_return": ["ann."], "return": [period_label(periods_per_year)]}.get(column.kind, [])
    if percent and column.kind in PERCENT_KINDS:
        parts.append("%")
    return f"{column.label} ({', '.join(parts)})" if parts else column.label


def column_tooltip(name: str, kind: str | None = None, *, periods_per_year: float | None = None) -> str:
    """The header's tooltip: what the column is and its units."""
    column = describe(name, kind)
    units = {
        "ann_return": "Annualized; decimals (0.05 = 5% a year).",
        "return": f"A return {period_label(periods_per_year)}, not annualized; decimals (0.01 = 1%).",
        "share": "A share; decimals (0.5 = 50%).",
    }.get(column.kind, "")
    return " ".join(part for part in (column.tip, units) if part) or name


def format_value(value: object, kind: str = "plain", *, percent: bool = False) -> str:
    """A cell's text: rounded for reading (full precision lives in copies, exports, tooltips)."""
    if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)) and kind not in PERCENT_KINDS:
        return f"{value:,}"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _format_number(float(value), kind, percent)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _format_number(value: float, kind: str, percent: bool) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if percent and kind in PERCENT_KINDS:
        scaled = value * 100
        return f"{scaled:.2f}%" if abs(scaled) >= 1 or scaled == 0 else f"{scaled:.3f}%"
    if kind == "t":
        return f"{value:.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:.2g}"
    if kind == "count":
        return f"{value:,.0f}"
    if abs(value) >= 1e5:
        return f"{value:,.0f}"
    if kind == "return" and 0 < abs(value) < 1e-3:  # a daily alpha or premium keeps 3 digits
        return f"{value:.6f}"
    return f"{value:.4f}"


def periods_per_year_of(result: object) -> float | None:
    """Periods per year of an analysis result (fund report, exposures, cross-sections), if known."""
    inner = getattr(result, "results", result)
    ppy = getattr(inner, "periods_per_year", None)
    if ppy:
        return float(ppy)
    freq = getattr(result, "freq", None)
    if freq in PERIODS_PER_YEAR:
        return float(PERIODS_PER_YEAR[freq])
    dates = getattr(inner, "dates", None)  # a cross-section's estimated dates
    if isinstance(dates, pd.DatetimeIndex):
        try:
            return float(PERIODS_PER_YEAR[detect_frequency(dates, "the panel")])
        except InputError:
            return None
    return None


class DisplayUnits(QObject):
    """Whether returns and shares show as percent (remembered across sessions)."""

    sigChanged = Signal(bool)  # percent

    KEY = "view/percent"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._percent = str(QSettings().value(self.KEY, "false")).lower() == "true"

    @property
    def percent(self) -> bool:
        """True: returns and shares as percent; False: decimals."""
        return self._percent

    def set_percent(self, percent: bool) -> None:
        """Switch the display (every table and plot follows)."""
        if percent != self._percent:
            self._percent = percent
            QSettings().setValue(self.KEY, "true" if percent else "false")
            self.sigChanged.emit(percent)


def display_units() -> DisplayUnits:
    """The application's one :class:`DisplayUnits` (a child of the QApplication)."""
    app = QCoreApplication.instance()
    units = app.findChild(DisplayUnits, "display_units")
    if units is None:
        units = DisplayUnits(app)
        units.setObjectName("display_units")
    return units
