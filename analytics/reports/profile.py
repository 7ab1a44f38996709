"""A fund's profile in plain language: the chapter's "what is this fund really giving you?".

Every sentence is a template filled with numbers read from the result objects (no free text
generation), so the same results always give the same words and every number can be checked
against its source: the share of variance the factors explain and the dominant factor; the
loadings as tilts (``behaves like 1.54× the market with a strong growth tilt (HML −0.95,
t −4.67)``); whether alpha is distinguishable from zero (annualized, with t and 95% interval);
where the average return came from; how the loadings moved (rolling and split windows); with
holdings, the style shifts and whether bottom-up and top-down agree; and caveats when they
apply (short sample, low R², autocorrelated returns as stale prices leave them, simulated data).

"Distinguishable from zero" means the 95% interval of the results' own standard errors (classic
or Newey-West) excludes zero, so the words agree with the intervals printed beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from analytics.frequency import PERIODS_PER_YEAR
from analytics.regression.report import FundReport
from analytics.regression.results import FactorRegressionResults
from analytics.reports.drift import StyleDrift
from analytics.reports.formats import num, pct, r2
from analytics.reports.wording import MARKET, model_label, period_word, tilt

__all__ = [
    "AUTOCORR",
    "LOW_R2",
    "MIN_WINDOW_DF",
    "SHORT_NOBS",
    "SHORT_YEARS",
    "FundProfile",
    "Sentence",
    "drift_sentences",
    "fund_profile",
]

#: Samples shorter than this many years, or with fewer observations, get a short-sample caveat.
#: Why: three years is the shortest record fund ratings use, and below 60 observations a
#: six-factor model's loadings carry errors of several tenths (the chapter's ARKK has 59).
SHORT_YEARS = 3.0
SHORT_NOBS = 60
#: R² below which the loadings describe too little of the fund to summarize it by them.
LOW_R2 = 0.3
#: Residual degrees of freedom a split window needs before its loadings are compared in words
#: (a window with a handful of observations fits anything; its loadings are noise).
MIN_WINDOW_DF = 20
#: Lag-1 autocorrelation above which returns look stale or smoothed (and above 2/√n, the
#: rough 95% band of a white-noise autocorrelation, so long samples are not flagged for noise).
AUTOCORR = 0.1


@dataclass(frozen=True)
class Sentence:
    """One sentence of a profile and what it is about (``fit``, ``loadings``, ``alpha``,
    ``attribution``, ``movement``, ``holdings`` or ``caveat``)."""

    topic: str
    text: str


@dataclass(frozen=True)
class FundProfile:
    """The profile of one fund: its sentences in reading order, caveats last."""

    fund: str
    sentences: tuple[Sentence, ...]

    @property
    def body(self) -> list[str]:
        """The descriptive sentences (everything but the caveats)."""
        return [s.text for s in self.sentences if s.topic != "caveat"]

    @property
    def caveats(self) -> list[str]:
        """The caveats that apply."""
        return [s.text for s in self.sentences if s.topic == "caveat"]

    def about(self, topic: str) -> list[str]:
        """The sentences on ``topic``."""
        return [s.text for s in self.sentences if s.topic == topic]

    @property
    def text(self) -> str:
        """The whole profile as one paragraph, caveats last."""
        return " ".join(s.text for s in self.sentences)


def fund_profile(
    report: FundReport | FactorRegressionResults,
    fund: str,
    *,
    drift: StyleDrift | None = None,
    simulated: bool = False,
) -> FundProfile:
    """The profile of ``fund`` from its regression (and rolling/split loadings, when ``report``
    is a :class:`FundReport`), with the holdings' style drift when given."""
    results = report.results if isinstance(report, FundReport) else report
    if fund not in results.funds:
        reason = results.skipped.get(fund, "it is not among the regressed funds")
        return FundProfile(fund, (Sentence("fit", f"No regression for {fund}: {reason}"),))
    parts: list[Sentence | None] = [
        _fit(results, fund),
        _loadings(results, fund),
        _alpha(results, fund),
        _attribution(results, fund),
    ]
    if isinstance(report, FundReport):
        parts += [_rolling(report, fund), *_splits(report, fund)]
    sentences = [s for s in parts if s is not None]
    if drift is not None:
        sentences += drift_sentences(drift)
    sentences += _caveats(results, fund, simulated)
    return FundProfile(fund, tuple(sentences))


def _fit(results: FactorRegressionResults, fund: str) -> Sentence:
    """Share of variance explained and the factor with the largest share."""
    rsq = results.rsquared[fund]
    risk = results.risk_decomposition
    shares = risk[(risk["fund"] == fund) & (risk["part"] == "share")].iloc[0][results.factors].astype(float)
    top = shares.idxmax()
    who = "the market (Mkt-RF)" if top == MARKET else top
    return Sentence(
        "fit",
        (
            f"The {model_label(results.model)} factors explain {pct(rsq, 1)} of the variance of {fund}'s "
            f"{results.freq} excess returns (R² {r2(rsq)}); {who} accounts for the largest share, "
            f"{pct(shares[top], 1)}."
        ),
    )


def _significant(lower: float, upper: float) -> bool:
    """Whether a 95% interval excludes zero."""
    return lower > 0 or upper < 0


def _loadings(results: FactorRegressionResults, fund: str) -> Sentence:
    """The market multiple and the significant tilts in words; the others named as indistinct."""
    # The funds are the frames' unique index, so a fund's ``.loc`` is its row (a Series).
    lower, upper = (cast("pd.Series[float]", frame.loc[fund]) for frame in results.conf_int())
    beta = cast("pd.Series[float]", results.params.loc[fund])
    t = cast("pd.Series[float]", results.tvalues.loc[fund])
    styles = [f for f in results.factors if f != MARKET]
    tilts = [f for f in styles if _significant(lower[f], upper[f])]
    tilts.sort(key=lambda f: -abs(beta[f]))
    described = [f"a {tilt(f, beta[f])} ({f} {num(beta[f])}, t {num(t[f])})" for f in tilts]
    if MARKET in results.factors:
        if _significant(lower[MARKET], upper[MARKET]):
            opening = f"{fund} behaves like {num(beta[MARKET])}× the market (t {num(t[MARKET])})"
        else:
            opening = (
                f"{fund} has no market exposure distinguishable from zero "
                f"(Mkt-RF {num(beta[MARKET])}, t {num(t[MARKET])})"
            )
        text = opening + (" with " + _join(described) if described else "")
    else:
        text = f"{fund} shows " + (_join(described) if described else "no loading distinguishable from zero")
    flat = [f for f in styles if f not in tilts]
    if flat and described:
        text += f"; its {_join(flat)} loading{'s are' if len(flat) > 1 else ' is'} not distinguishable from zero"
    elif flat and MARKET in results.factors:
        text += f"; none of its {_join(flat)} loadings is distinguishable from zero"
    return Sentence("loadings", text + ".")


def _alpha(results: FactorRegressionResults, fund: str) -> Sentence:
    """Annualized alpha, its t and 95% interval, and whether it is distinguishable from zero."""
    lower, upper = (frame.at[fund, "const"] * results.periods_per_year for frame in results.conf_int())
    alpha, t = results.alpha[fund], results.tvalues.at[fund, "const"]
    if _significant(lower, upper):
        verdict = (
            f"distinguishable from zero: {fund} earned {'more' if alpha > 0 else 'less'} than its "
            "factor exposures explain"
        )
    else:
        verdict = "not distinguishable from zero"
    return Sentence(
        "alpha", (f"Alpha is {pct(alpha)} a year (t {num(t)}; 95% interval {pct(lower)} to {pct(upper)}), {verdict}.")
    )


def _attribution(results: FactorRegressionResults, fund: str) -> Sentence:
    """How much of the average excess return came from each factor and from alpha (a year)."""
    mean = results.attribution(fund).mean() * results.periods_per_year
    order = sorted(results.factors, key=lambda f: -abs(mean[f]))
    parts = [f"{f} {pct(mean[f])}" for f in order] + [f"alpha {pct(mean['alpha'])}"]
    parts[0] = f"{order[0]} contributed {pct(mean[order[0]])}"
    return Sentence("attribution", (f"Of its average excess return of {pct(mean['total'])} a year, {_join(parts)}."))


def _rolling(report: FundReport, fund: str) -> Sentence | None:
    """The range of the rolling market loading and of the style loading that moved most, over
    full windows only (the first estimates, from half a window, are too noisy to quote); None
    when no rolling loadings were asked for."""
    if report.window is None:
        return None
    full = report.results.resid[fund].notna().rolling(report.window, min_periods=1).sum() >= report.window
    rolling = report.rolling_for(fund)[full].dropna(how="all")
    window = f"{report.window}-{period_word(report.results.freq)}"
    if rolling.empty:
        return Sentence("movement", f"The sample is too short for full rolling {window} windows.")
    low, high = rolling.min(), rolling.max()
    pieces = []
    if MARKET in rolling.columns:
        pieces.append(f"the market loading ranged from {num(low[MARKET])} to {num(high[MARKET])}")
    styles = [f for f in rolling.columns if f != MARKET]
    if styles:
        mover = (high[styles] - low[styles]).idxmax()
        pieces.append(
            f"{mover} moved the most{' among the others' if pieces else ''}, "
            f"from {num(low[mover])} to {num(high[mover])}"
        )
    return Sentence("movement", f"Over full rolling {window} windows, {_join(pieces)}.")


def _splits(report: FundReport, fund: str) -> list[Sentence]:
    """The largest loading change between consecutive split windows."""
    if report.splits.empty:
        return []
    rows = report.splits[report.splits["fund"] == fund]
    k = len(report.results.factors) + 1
    rows = rows[rows["n_obs"] - k >= MIN_WINDOW_DF].reset_index(drop=True)
    if len(rows) < 2:
        return []
    factors = report.results.factors
    changes = rows[factors].diff().iloc[1:].abs()
    step, factor = cast(tuple[int, str], changes.stack().idxmax())  # (row, factor): the stacked labels
    before, after = cast("pd.Series[Any]", rows.loc[step - 1]), cast("pd.Series[Any]", rows.loc[step])
    return [
        Sentence(
            "movement",
            (
                f"Between split windows, {factor} changed the most: {num(before[factor])} "
                f"({before['window_start']} to {before['window_end']}), then {num(after[factor])} "
                f"({after['window_start']} to {after['window_end']})."
            ),
        )
    ]


def drift_sentences(drift: StyleDrift) -> list[Sentence]:
    """The holdings' story: style shifts between holdings dates, bottom-up vs top-down."""
    out = [Sentence("holdings", _shift_text(drift))]
    full = drift.full_sample.dropna(subset=["top_down"])
    if not full.empty:
        agree = full[~full["disagree"]]["factor"].tolist()
        text = (
            f"Over the full sample, the holdings' average (bottom-up) exposures lie within the 95% interval "
            f"of the returns-based (top-down) loadings for {len(agree)} of {len(full)} factors"
        )
        worst = full[full["disagree"]]
        if not worst.empty:
            row = cast("pd.Series[Any]", worst.loc[(worst["bottom_up"] - worst["top_down"]).abs().idxmax()])
            text += (
                f"; they differ most on {row['factor']}: bottom-up {num(row['bottom_up'])}, top-down "
                f"{num(row['top_down'])} ({num(row['lower'])} to {num(row['upper'])})"
            )
        out.append(Sentence("holdings", text + "."))
    compared = drift.windows.dropna(subset=["top_down"])
    if not compared.empty:
        outside = int(compared["disagree"].sum())
        out.append(
            Sentence(
                "holdings",
                (
                    f"Window by window, bottom-up falls outside the top-down 95% interval in {outside} of "
                    f"{len(compared)} window-factor comparisons ({pct(outside / len(compared), 1)}; about 5% are "
                    "expected by chance alone)."
                ),
            )
        )
    return out


def _shift_text(drift: StyleDrift) -> str:
    """The dates where bottom-up exposures jumped, with the largest moves on each."""
    limit = num(drift.threshold)
    if drift.shifts.empty:
        return f"Between holdings dates, no bottom-up exposure moved by more than {limit}."
    dates = drift.shift_dates
    described = []
    for date in dates[:3]:
        rows = drift.shifts[drift.shifts["holdings_date"] == date]
        rows = rows.reindex(rows["change"].abs().sort_values(ascending=False).index)
        moves = [
            f"{r.factor} {num(cast(float, r.before))} to {num(cast(float, r.after))}" for r in rows.head(3).itertuples()
        ]
        described.append(f"{pd.Timestamp(date).date()} ({', '.join(moves)})")
    more = f", and on {len(dates) - 3} more date(s)" if len(dates) > 3 else ""
    return (
        f"Bottom-up exposures moved by more than {limit} between holdings dates on {len(dates)} date(s): "
        f"{'; '.join(described)}{more}."
    )


def _caveats(results: FactorRegressionResults, fund: str, simulated: bool) -> list[Sentence]:
    """Caveats that apply: simulated data, short sample, low R², autocorrelation, annualization."""
    out = []
    if simulated:
        out.append("SIMULATED data: generated by FactorDesk from a fixed seed, not market returns.")
    n, years = int(results.nobs[fund]), results.years[fund]
    if years < SHORT_YEARS or n < SHORT_NOBS:
        out.append(
            f"Short sample: {n} {results.freq} observations ({num(years, 1)} years); the loadings and "
            "alpha are imprecise."
        )
    if results.rsquared[fund] < LOW_R2:
        out.append(
            f"Low R² ({r2(results.rsquared[fund])}): the factors explain little of this fund, so the "
            "profile describes a small part of its returns."
        )
    out += _autocorrelation(results, fund)
    standard = PERIODS_PER_YEAR.get(results.freq)
    if standard and results.periods_per_year != standard:
        out.append(
            f"Annualized with {results.periods_per_year} periods a year, not the {results.freq} data's {standard}."
        )
    return [Sentence("caveat", text) for text in out]


def _autocorrelation(results: FactorRegressionResults, fund: str) -> list[str]:
    """Stale or smoothed prices: lag-1 autocorrelation of the residuals or of the fund return."""
    resid = results.resid[fund].dropna()
    series = {"residuals": resid, "returns": results.y[fund].loc[resid.index]}
    rho = {name: float(s.autocorr(1)) for name, s in series.items()}
    which = max(rho, key=lambda k: rho[k])
    if not rho[which] > max(AUTOCORR, 2 / np.sqrt(len(resid))):
        return []
    cause = (
        "stale prices (thinly traded holdings, or a NAV struck before the close)"
        if results.freq == "daily"
        else "smoothed or stale prices"
    )
    return [
        (
            f"Autocorrelated {which} (lag-1 {num(rho[which])}): {cause} delay the fund's response to the "
            "factors, biasing the loadings toward zero; consider Newey-West errors, lagged factors or "
            "lower-frequency data."
        )
    ]


def _join(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
