"""A fund regression as the user asked for it, and the one function that runs it.

The Fund regression tab and ``regress`` (and ``report``) build the same
:class:`RegressionRequest` and call :func:`run_regression`, so both offer the same options
(classic, HC0 or Newey-West standard errors, an annualization override, rolling and
split-window betas) and give the same numbers for the same request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from analytics.data.dataset import Dataset
from analytics.data.factor_join import join_factors
from analytics.data.returns import ReturnsData
from analytics.data.sources import with_model_columns
from analytics.errors import InputError
from analytics.factors import model_spec
from analytics.jobs import Job, Progress
from analytics.regression.covariance import COVARIANCE_ESTIMATORS
from analytics.regression.report import FundReport, fund_report_job
from analytics.request import check_at_least, date_option, dates_option

__all__ = ["COV_TYPES", "RegressionRequest", "run_regression"]

#: Standard errors a request may ask for: classic OLS, White's HC0, Newey-West (HAC).
COV_TYPES = tuple(COVARIANCE_ESTIMATORS)


@dataclass(frozen=True, eq=False)
class RegressionRequest:
    """Regress each fund's excess return on a factor model.

    Parameters
    ----------
    returns : Dataset
        Fund returns (kind ``returns``); its factor columns serve when ``factors`` is empty.
    factors : tuple of Dataset
        Factor sources, joined on date (a factor in two sources must agree).
    funds : tuple of str, optional
        The funds to regress (default: every fund of ``returns``).
    model : str, optional
        A named model (``capm``, ``ff3``, ``carhart``, ``ff5``, ``ff6``, ``q5``) or factor columns
        ``COL,COL,...``; the largest available when None.
    excess : bool
        The returns are already in excess of RF.
    start, end : date or str, optional
        The sample's first and last dates (inclusive), as typed.
    cov_type : str
        ``nonrobust`` (classic), ``hc0`` (heteroskedasticity-robust) or ``hac`` (Newey-West).
    hac_lags : int
        Newey-West lags (``cov_type='hac'``).
    periods_per_year : int, optional
        Annualization override (default: 12 monthly, 52 weekly, 252 daily).
    rolling : int, optional
        Rolling-window length in periods; 0 for the frequency's default; None for none.
    splits : tuple of dates or str
        Dates ending each split window but the last (the chapter's before/after comparison).
    """

    returns: Dataset
    factors: tuple[Dataset, ...] = ()
    funds: tuple[str, ...] | None = None
    model: str | None = None
    excess: bool = False
    start: pd.Timestamp | str | None = None
    end: pd.Timestamp | str | None = None
    cov_type: str = "nonrobust"
    hac_lags: int = 0
    periods_per_year: int | None = None
    rolling: int | None = None
    splits: tuple[pd.Timestamp, ...] | str = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "factors", tuple(self.factors))
        set_(self, "start", date_option(self.start, "start"))
        set_(self, "end", date_option(self.end, "end"))
        set_(self, "splits", dates_option(self.splits, "splits"))
        if self.funds is not None:
            set_(self, "funds", tuple(str(f) for f in self.funds))
        if self.model is not None:
            set_(self, "model", model_spec(self.model))
        self._check()

    def _check(self) -> None:
        if self.cov_type not in COV_TYPES:
            raise InputError(
                f"unknown standard errors {self.cov_type!r}; use one of {', '.join(COV_TYPES)}.", option="cov_type"
            )
        check_at_least(self.hac_lags, 0, "hac_lags", "Newey-West lags")
        check_at_least(self.periods_per_year, 1, "periods_per_year", "periods per year")
        check_at_least(self.rolling, 0, "rolling", "the rolling window")
        start, end = self.start, self.end  # Timestamps once __post_init__ has checked them
        if isinstance(start, pd.Timestamp) and isinstance(end, pd.Timestamp) and start > end:
            raise InputError(f"the start {start.date()} is after the end {end.date()}.", option="end")
        for dataset, option in ((self.returns, "returns"), *((f, "factors") for f in self.factors)):
            if dataset.kind != "returns":
                raise InputError(f"{dataset.name} holds {dataset.kind}, not returns.", option=option)
        freq = self.returns.data.freq
        for source in self.factors:
            if source.data.freq != freq:
                raise InputError(
                    f"{self.returns.name} is {freq} but {source.name} is {source.data.freq}; use factors of the "
                    "same frequency.",
                    option="factors",
                )
        assets = self.returns.data.assets.columns
        unknown = [f for f in self.funds or () if f not in assets]
        if unknown:
            raise InputError(
                f"{self.returns.name}: no fund {unknown[0]!r}; its funds are {', '.join(map(str, assets[:20]))}.",
                option="funds",
            )
        if self.funds is not None and not self.funds:
            raise InputError("no funds chosen; choose at least one fund.", option="funds")

    @property
    def cov_config(self) -> dict[str, int]:
        """The covariance estimator's options (Newey-West's lags)."""
        return {"maxlags": self.hac_lags} if self.cov_type == "hac" else {}


def _inputs(request: RegressionRequest) -> tuple[ReturnsData, ReturnsData]:
    """The returns, and the factors: the sources joined on date, or the returns' own columns.

    A custom model's columns are factors wherever they are found (``LIQ`` beside the funds)."""
    data = with_model_columns(request.returns.data, request.model)
    if not request.factors:
        return data, data
    return data, join_factors([with_model_columns(d.data, request.model) for d in request.factors])


def run_regression(request: RegressionRequest) -> Job[FundReport]:
    """Fit the request's funds, their rolling and split-window betas; the report keeps the request
    and every note (the inputs' first)."""
    yield Progress(0.0, "joining returns and factors")
    data, factors = _inputs(request)
    report = yield from fund_report_job(
        data.assets,
        factors.factors,
        freq=data.freq,
        rolling=request.rolling,
        splits=request.splits,
        funds=list(request.funds) if request.funds is not None else None,
        returns_source=request.returns.name,
        model=request.model,
        excess=request.excess,
        start=request.start,
        end=request.end,
        periods_per_year=request.periods_per_year,
        source=factors.source,
        cov_type=request.cov_type,
        cov_config=request.cov_config,
    )
    notes = (*data.notes, *(factors.notes if factors is not data else ()))
    return replace(report, request=request, input_notes=tuple(dict.fromkeys(notes)))
