"""A holdings exposure analysis as the user asked for it, and the one function that runs it.

The Holdings exposures tab, ``exposures`` and ``report --holdings`` build the same
:class:`ExposuresRequest` and call :func:`run_exposures`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from analytics.data.dataset import Dataset
from analytics.data.factor_join import join_factors
from analytics.data.sources import with_model_columns
from analytics.errors import InputError
from analytics.exposures.model import METHODS, exposures_job
from analytics.exposures.results import ExposureResults
from analytics.factors import model_spec
from analytics.jobs import Job, Progress
from analytics.request import check_at_least

__all__ = ["ExposuresRequest", "run_exposures"]


@dataclass(frozen=True, eq=False)
class ExposuresRequest:
    """A fund's factor exposures from its holdings (bottom-up) against its returns (top-down).

    Parameters
    ----------
    holdings : Dataset
        The fund's holdings (kind ``holdings``).
    returns : Dataset
        The held stocks' returns (kind ``returns``); its factor columns serve when ``factors`` is empty.
    factors : tuple of Dataset
        Factor sources, joined on date.
    model : str, optional
        Named model or factor columns ``COL,COL,...``; the largest available when None.
    method : str
        Stock betas over the ``full`` sample, a ``rolling`` window, or ``split`` at holdings dates.
    window : int, optional
        Rolling window in periods (``method='rolling'``).
    min_obs : int, optional
        Fewest returns for a stock beta (default: parameters + 1; rolling: half the window).
    excess : bool
        The returns are already in excess of RF.
    benchmark : Dataset, optional
        Benchmark holdings, for active exposures.
    fund_returns : Dataset, optional
        The fund's own returns for the top-down regressions (default: implied by the holdings).
    fund_column : str, optional
        Which series of ``fund_returns`` is the fund (needed when it holds several).
    """

    holdings: Dataset
    returns: Dataset
    factors: tuple[Dataset, ...] = ()
    model: str | None = None
    method: str = "full"
    window: int | None = None
    min_obs: int | None = None
    excess: bool = False
    benchmark: Dataset | None = None
    fund_returns: Dataset | None = None
    fund_column: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "factors", tuple(self.factors))
        if self.model is not None:
            object.__setattr__(self, "model", model_spec(self.model))
        if self.method not in METHODS:
            raise InputError(f"unknown beta method {self.method!r}; use one of {', '.join(METHODS)}.", option="method")
        if self.method == "rolling" and self.window is None:
            raise InputError("rolling betas need a window: give its length in periods.", option="window")
        check_at_least(self.window, 2, "window", "the rolling window")
        check_at_least(self.min_obs, 1, "min_obs", "the minimum number of observations")
        self._check_kinds()
        self.fund_series()

    def _check_kinds(self) -> None:
        expected = [(self.holdings, "holdings", "holdings"), (self.returns, "returns", "returns")]
        expected += [(f, "factors", "returns") for f in self.factors]
        expected += [(d, o, k) for d, o, k in ((self.benchmark, "benchmark", "holdings"),) if d is not None]
        expected += [(d, o, k) for d, o, k in ((self.fund_returns, "fund_returns", "returns"),) if d is not None]
        for dataset, option, kind in expected:
            if dataset.kind != kind:
                raise InputError(f"{dataset.name} holds {dataset.kind}, not {kind}.", option=option)
        freq = self.returns.data.freq
        for other, option in [*((f, "factors") for f in self.factors), (self.fund_returns, "fund_returns")]:
            if other is not None and other.data.freq != freq:
                raise InputError(
                    f"{self.returns.name} is {freq} but {other.name} is {other.data.freq}; use data of the "
                    "same frequency.",
                    option=option,
                )

    def fund_series(self) -> pd.Series[float] | None:
        """The fund's own return series, when given: the chosen column, or the only one."""
        if self.fund_returns is None:
            return None
        assets: pd.DataFrame = self.fund_returns.data.assets
        if self.fund_column is not None:
            if self.fund_column not in assets.columns:
                raise InputError(
                    f"{self.fund_returns.name}: no series {self.fund_column!r}; it holds "
                    f"{', '.join(map(str, assets.columns[:10]))}.",
                    option="fund_column",
                )
            return assets[self.fund_column]
        if assets.shape[1] != 1:
            raise InputError(
                f"{self.fund_returns.name} holds {assets.shape[1]} series "
                f"({', '.join(map(str, assets.columns[:5]))}); choose the fund's.",
                option="fund_column",
            )
        return assets.iloc[:, 0]


def run_exposures(request: ExposuresRequest) -> Job[ExposureResults]:
    """Stock betas, bottom-up exposures with coverage, top-down regressions and the active view;
    the results keep the request and every note (the inputs' first)."""
    yield Progress(0.0, "joining returns and factors")
    stocks = with_model_columns(request.returns.data, request.model)
    factors = (
        join_factors([with_model_columns(d.data, request.model) for d in request.factors])
        if request.factors
        else stocks
    )
    results = yield from exposures_job(
        request.holdings.data,
        stocks.assets,
        factors.factors,
        freq=stocks.freq,
        method=request.method,
        window=request.window,
        min_obs=request.min_obs,
        model=request.model,
        excess=request.excess,
        source=factors.source,
        benchmark=None if request.benchmark is None else request.benchmark.data,
        fund_returns=request.fund_series(),
    )
    datasets = [request.holdings, request.returns, *request.factors, request.benchmark, request.fund_returns]
    notes = [n for d in datasets if d is not None for n in d.notes]
    notes += [n for n in factors.notes if factors is not stocks]
    return replace(results, request=request, input_notes=tuple(dict.fromkeys(notes)))
