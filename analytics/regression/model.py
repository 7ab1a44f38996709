"""Time-series factor regressions of fund returns: the chapter's section 13.5 as a model.

``FactorModel(returns, factors).fit()`` mirrors linearmodels' ``Model(data).fit()``: the
model checks and aligns its data once, ``fit`` takes keyword-only options and returns an
immutable :class:`~analytics.regression.results.FactorRegressionResults`. ``fit_job`` is the
same computation as a job that yields progress (the GUI's path).

One bad series never stops a batch: a fund that cannot be fitted (no dates in common with the
factors, too few observations, no variation, factors collinear over its dates) keeps its row
with the reason (``results.skipped``, the ``note`` column) and the others are fitted. Only when
no fund at all can be fitted is that an error. Problems of the factors themselves, which would
stop every fund, are refused once, naming the factor file.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from analytics import jobs
from analytics.errors import InputError
from analytics.frequency import PERIODS_PER_YEAR
from analytics.jobs import Job, Progress
from analytics.regression.covariance import make_estimator
from analytics.regression.design import LARGE_MEAN, LARGE_MEAN_NOTE, Design
from analytics.regression.models import choose_model, model_factors
from analytics.regression.ols import fit_many
from analytics.regression.results import FactorRegressionResults
from analytics.request import date_option

__all__ = ["FactorModel", "regression_job"]


class FactorModel:
    """Excess fund returns regressed on factor returns, one regression per fund.

    Parameters
    ----------
    returns : DataFrame
        Fund returns in decimals, dates × funds. Total returns unless ``excess``.
    factors : DataFrame
        Factor returns in decimals on the same frequency, with ``RF`` for total returns.
    freq : str
        ``daily``, ``weekly`` or ``monthly``; sets annualization.
    model : str, optional
        ``capm``, ``ff3``, ``ff5`` or ``ff6``; the largest available when omitted.
    excess : bool
        The returns are already in excess of RF.
    start, end : str, optional
        Date range (inclusive).
    periods_per_year : int, optional
        Override the annualization factor (the chapter's monthly × 252, to reproduce it).
    source : str
        Name used in messages.
    """

    def __init__(
        self,
        returns: pd.DataFrame,
        factors: pd.DataFrame,
        *,
        freq: str,
        model: str | None = None,
        excess: bool = False,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        periods_per_year: int | None = None,
        source: str = "factors",
    ) -> None:
        self.model, note = choose_model(model, [c for c in factors.columns if c != "RF"], source)
        self.notes: list[str] = [note] if note else []
        self.freq = freq
        if periods_per_year is not None and periods_per_year <= 0:
            raise InputError(
                f"periods per year must be a positive number, not {periods_per_year}.", option="periods_per_year"
            )
        self.periods_per_year = periods_per_year or PERIODS_PER_YEAR[freq]
        if periods_per_year and periods_per_year != PERIODS_PER_YEAR[freq]:
            self.notes.append(
                f"annualized with {periods_per_year} periods per year, not the {freq} data's {PERIODS_PER_YEAR[freq]}."
            )
        self.y, self.x = self._align(returns, factors, excess, start, end, source)
        self._returns, self._factor_dates = returns, factors.index
        self._check_factors(source)

    def _align(
        self,
        returns: pd.DataFrame,
        factors: pd.DataFrame,
        excess: bool,
        start: str | pd.Timestamp | None,
        end: str | pd.Timestamp | None,
        source: str,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        names = list(model_factors(self.model))
        if returns.shape[1] == 0:
            raise InputError("no fund return columns to regress; check the file or the funds chosen.", option="funds")
        dates = factors.index.intersection(returns.index)
        if start:
            dates = dates[dates >= date_option(start, "start")]
        if end:
            dates = dates[dates <= date_option(end, "end")]
        if (start or end) and dates.empty:
            raise InputError(
                f"no dates between {_day(start) or 'the first'} and {_day(end) or 'the last'} in both the returns "
                "and the factors; widen the range.",
                option="start" if start else "end",
            )
        y = returns if returns.index.equals(dates) else returns.reindex(dates)
        if not excess:
            if "RF" not in factors.columns:
                raise InputError(
                    f"{source}: no RF column, so total returns cannot be made excess; add RF, or say that the "
                    "returns already are excess returns.",
                    option="excess",
                )
            y = y.sub(factors["RF"].reindex(dates), axis=0)
        return y, factors[names].reindex(dates)

    def _check_factors(self, source: str) -> None:
        """Refuse factors that are collinear on all their dates (every fund would fail the same
        way), and note factors whose means dwarf their variation (levels, not returns?)."""
        complete = self.x.dropna().to_numpy(dtype=float)
        if len(complete) <= self.x.shape[1] + 1:  # shorter samples are reported as too few observations
            return
        design = Design.of(complete, list(self.x.columns), constant=True)
        if design.problem:
            raise InputError(f"{source}: {design.problem}")
        spread = design.scale / np.sqrt(len(complete) - 1)
        large = [name for name, mean, sd in zip(self.x.columns, design.mean, spread) if abs(mean) > LARGE_MEAN * sd]
        if large:
            self.notes.append(f"{source}: factor {', '.join(map(repr, large))}: {LARGE_MEAN_NOTE}")

    def _no_overlap(self, reasons: tuple[str, ...], nobs: np.ndarray) -> tuple[str, ...]:
        """The reasons, with those of funds without a single date where they and every factor
        exist saying why: every value missing, or dates outside the factors'."""
        out = list(reasons)
        for j in np.flatnonzero(nobs == 0):
            span = self._returns[self.y.columns[int(j)]].dropna()
            if span.empty:
                out[j] = "no returns: every value is missing."
            else:
                out[j] = (
                    f"no dates in common with the factors (its returns run {span.index[0].date()} to "
                    f"{span.index[-1].date()}, the factors {self._factor_dates[0].date()} to "
                    f"{self._factor_dates[-1].date()}); use factors covering its dates."
                )
        return tuple(out)

    def fit(self, *, cov_type: str = "nonrobust", **cov_config: int) -> FactorRegressionResults:
        """Estimate every fund's regression; see :meth:`fit_job`."""
        return jobs.run(self.fit_job(cov_type=cov_type, **cov_config))

    def fit_job(self, *, cov_type: str = "nonrobust", **cov_config: int) -> Job[FactorRegressionResults]:
        """OLS with a constant; ``cov_type='hac', maxlags=L`` for Newey-West errors."""
        estimator = make_estimator(cov_type, **cov_config)
        funds = list(self.y.columns)
        raw = yield from fit_many(
            self.y.to_numpy(dtype=float),
            self.x.to_numpy(dtype=float),
            estimator,
            names=list(self.x.columns),
            series=funds,
            min_obs=self.x.shape[1] + 2,
        )
        raw = replace(raw, reasons=self._no_overlap(raw.reasons, raw.nobs))
        skipped = [(f, why) for f, why in zip(funds, raw.reasons) if why]
        if len(skipped) == len(funds):
            fund, why = skipped[0]
            lead = f"none of the {len(funds)} funds could be fitted; " if len(funds) > 1 else ""
            raise InputError(f"{lead}fund {fund!r}: {why}")
        notes = list(self.notes)
        if skipped:
            notes.append(
                f"{len(skipped)} of {len(funds)} funds not fitted, each with its reason in the note column "
                f"(first: {skipped[0][0]!r}, {skipped[0][1]})"
            )
        return FactorRegressionResults.from_arrays(
            raw,
            estimator,
            model=self.model,
            funds=funds,
            x=self.x,
            y=self.y,
            freq=self.freq,
            periods_per_year=self.periods_per_year,
            notes=tuple(notes),
        )


def regression_job(
    returns: pd.DataFrame,
    factors: pd.DataFrame,
    *,
    freq: str,
    funds: list[str] | None = None,
    returns_source: str = "returns",
    cov_type: str = "nonrobust",
    cov_config: dict[str, int] | None = None,
    **model_options: Any,
) -> Job[FactorRegressionResults]:
    """Select the funds, build the model and fit it, all inside the job (off the GUI thread)."""
    yield Progress(0.0, "aligning returns and factors")
    if funds is not None:
        unknown = [f for f in funds if f not in returns.columns]
        if unknown:
            raise InputError(
                f"{returns_source}: no fund column {unknown[0]!r}; columns are {', '.join(map(str, returns.columns))}."
            )
        returns = returns[funds]
    model = FactorModel(returns, factors, freq=freq, **model_options)
    return (yield from model.fit_job(cov_type=cov_type, **(cov_config or {})))


def _day(value: str | pd.Timestamp | None) -> str | None:
    """A date bound as the user will recognise it (``2015-01-31``)."""
    stamp = date_option(value, "start")
    return None if stamp is None else str(stamp.date())
