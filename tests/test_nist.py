"""NIST StRD linear regressions: every certified coefficient, standard error and R² (issue 11).

The datasets and their certified values are NIST's own files, read here by a parser of our
own: Norris, Longley, Wampler1 and Wampler3 from the course data (``../shared/data/nist``),
the rest of the suite from ``tests/reference/nist`` (see its README). Each certified value
must be reached to a log relative error (LRE, the number of correct digits) of 7, or, where
statsmodels' own QR solution gets fewer, to no more than one digit below it. They run through
the regression core (every dataset, with and without a constant), through ``FactorModel`` and
through ``python main.py regress`` (the datasets whose predictors fit a named model, written
as factor columns). Filip's degree-10 polynomial (x^8 alone has R² = 1 - 5e-12 on the lower
powers) is refused as ill-conditioned, as the issue allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics import jobs
from analytics.regression import FactorModel
from analytics.regression.covariance import make_estimator
from analytics.regression.ols import fit_many
from tests.cli_process import run_main

REFERENCE = Path(__file__).resolve().parent / "reference" / "nist"
SHARED = ("Norris", "Longley", "Wampler1", "Wampler3")
SOLVABLE = (
    "Norris",
    "Pontius",
    "NoInt1",
    "NoInt2",
    "Longley",
    "Wampler1",
    "Wampler2",
    "Wampler3",
    "Wampler4",
    "Wampler5",
)
#: Datasets whose predictors fit a named model (as its factor columns, in order).
AS_MODEL = {
    "Norris": "capm",
    "Longley": "ff6",
    "Wampler1": "ff5",
    "Wampler2": "ff5",
    "Wampler3": "ff5",
    "Wampler4": "ff5",
    "Wampler5": "ff5",
}
FACTORS = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"]
DIGITS = 7.0


@dataclass(frozen=True)
class Certified:
    """One NIST dataset: response, predictors as regressed, and its certified values."""

    name: str
    y: np.ndarray
    x: np.ndarray  # n×p predictors (powers of x for the polynomial datasets), no constant
    constant: bool
    params: np.ndarray  # B0 (the constant, when there is one), B1, ...
    bse: np.ndarray
    rsquared: float


def read_nist(path: Path) -> Certified:
    """Parse a StRD ``.dat`` file: the header says which lines hold the data; certified rows
    read ``Bj  estimate  standard-deviation``. A model with one parameter more than predictors
    has a constant, as many as predictors has none, more is a polynomial in the one predictor."""
    lines = path.read_text().splitlines()
    first, last = map(int, re.search(r"Data\s+\(lines (\d+) to (\d+)\)", "\n".join(lines)).groups())
    data = np.array([[float(v) for v in line.split()] for line in lines[first - 1 : last]])
    certified = [re.match(r"\s+B\d+\s+(\S+)\s+(\S+)", line) for line in lines[:first]]
    values = np.array([[float(m[1]), float(m[2])] for m in certified if m])
    r2 = float(next(re.search(r"R-Squared\s+(\S+)", line)[1] for line in lines if "R-Squared" in line))
    y, predictors = data[:, 0], data[:, 1:]
    n_params = len(values)
    if predictors.shape[1] == n_params - 1 or predictors.shape[1] == n_params:
        x, constant = predictors, predictors.shape[1] == n_params - 1
    else:
        x, constant = predictors[:, :1] ** np.arange(1, n_params), True
    return Certified(path.stem, y, x, constant, values[:, 0], values[:, 1], r2)


def lre(value: np.ndarray | float, certified: np.ndarray | float) -> np.ndarray:
    """Log relative error: correct digits, -log10 |x - c| / |c| (absolute where c = 0), at most 15."""
    value, certified = np.atleast_1d(value).astype(float), np.atleast_1d(certified).astype(float)
    err = np.abs(value - certified) / np.where(certified == 0, 1.0, np.abs(certified))
    with np.errstate(divide="ignore"):
        return np.clip(-np.log10(err), 0.0, 15.0)


def _read(request: pytest.FixtureRequest) -> Certified:
    folder = request.getfixturevalue("shared_data") / "nist" if request.param in SHARED else REFERENCE
    return read_nist(folder / f"{request.param}.dat")


@pytest.fixture(params=SOLVABLE)
def dataset(request: pytest.FixtureRequest) -> Certified:
    """Every dataset the app solves."""
    return _read(request)


@pytest.fixture(params=list(AS_MODEL))
def model_dataset(request: pytest.FixtureRequest) -> Certified:
    """The datasets whose predictors can be named as a model's factors."""
    return _read(request)


def _statsmodels_digits(data: Certified) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Digits statsmodels' QR solution reaches on each certified value."""
    x = sm.add_constant(data.x, has_constant="add") if data.constant else data.x
    fit = sm.OLS(data.y, x).fit(method="qr")
    return lre(fit.params, data.params), lre(fit.bse, data.bse), lre(fit.rsquared, data.rsquared)


def assert_digits(data: Certified, params: np.ndarray, bse: np.ndarray, rsquared: float) -> None:
    """Each value to 7 digits, or to one digit less than statsmodels' QR where it gets fewer."""
    sm_params, sm_bse, sm_r2 = _statsmodels_digits(data)
    for what, ours, theirs in (
        ("coefficient", lre(params, data.params), sm_params),
        ("standard error", lre(bse, data.bse), sm_bse),
        ("R²", lre(rsquared, data.rsquared), sm_r2),
    ):
        need = np.minimum(DIGITS, theirs - 1)
        assert (ours >= need).all(), f"{data.name} {what}: {ours.round(1)} digits, need {need.round(1)}"


def _core(data: Certified, names: list[str]):
    return jobs.run(
        fit_many(
            data.y[:, None],
            data.x,
            make_estimator(),
            names=names,
            series=[data.name],
            min_obs=data.x.shape[1] + data.constant + 1,
            constant=data.constant,
        )
    )


def test_core_reaches_the_certified_digits(dataset: Certified) -> None:
    """fit_many (with a constant or, for NoInt1/2, without) reaches every certified value."""
    raw = _core(dataset, [f"x{j}" for j in range(1, dataset.x.shape[1] + 1)])
    assert raw.reasons == ("",)
    r2 = 1 - raw.ssr[0] / raw.tss[0]
    assert_digits(dataset, raw.params[0], np.sqrt(np.diag(raw.cov[0])), r2)


def _as_factors(data: Certified) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The response as a fund and the predictors as the model's factor columns, on month-ends."""
    dates = pd.date_range("1990-01-31", periods=len(data.y), freq="ME")
    factors = pd.DataFrame(data.x, index=dates, columns=FACTORS[: data.x.shape[1]])
    return pd.DataFrame({"NIST": data.y}, index=dates), factors


def test_factor_model_reaches_the_certified_digits(model_dataset: Certified) -> None:
    """FactorModel, with the predictors as factors and the response as excess returns, too."""
    dataset = model_dataset
    fund, factors = _as_factors(dataset)
    res = FactorModel(fund, factors, freq="monthly", model=AS_MODEL[dataset.name], excess=True).fit()
    assert_digits(
        dataset, res.params.loc["NIST"].to_numpy(), res.bse.loc["NIST"].to_numpy(), float(res.rsquared["NIST"])
    )


def test_command_line_reaches_the_certified_digits(model_dataset: Certified, tmp_path: Path) -> None:
    """``regress FILE --excess --units decimal --factor-units decimal --periods-per-year 1``:
    alpha is the constant, a standard error is a coefficient over its t."""
    dataset = model_dataset
    fund, factors = _as_factors(dataset)
    path, out = tmp_path / f"{dataset.name}.csv", tmp_path / "out.csv"
    factors.join(fund).rename_axis("date").reset_index().to_csv(
        path, index=False, float_format="%.17g", date_format="%Y-%m-%d"
    )
    proc = run_main(
        "regress",
        path,
        "--excess",
        "--units",
        "decimal",
        "--factor-units",
        "decimal",
        "--periods-per-year",
        "1",
        "--model",
        AS_MODEL[dataset.name],
        "--out",
        out,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    row = pd.read_csv(out).set_index("fund").loc["NIST"]
    params = row[["alpha", *factors.columns]].to_numpy(dtype=float)
    t = row[["t_alpha", *(f"t_{f}" for f in factors.columns)]].to_numpy(dtype=float)
    assert_digits(dataset, params, params / t, float(row["r2"]))


def test_filip_is_refused_as_ill_conditioned() -> None:
    """Filip's degree-10 polynomial is refused, naming the power that the lower ones explain."""
    data = read_nist(REFERENCE / "Filip.dat")
    raw = _core(data, [f"x^{j}" for j in range(1, 11)])
    assert np.isnan(raw.params).all()
    assert re.match(
        r"factor 'x\^\d+' is nearly collinear with 'const', 'x\^1'.*\(R² = 1 - \d\.\de-1\d on them\): "
        r"the regression is too ill-conditioned",
        raw.reasons[0],
    )


def test_reference_files_are_nist_bytes() -> None:
    """The stored files are NIST's, CRLF line ends included (see the README for their source)."""
    for name in ("Filip", "NoInt1", "NoInt2", "Pontius", "Wampler2", "Wampler4", "Wampler5"):
        raw = (REFERENCE / f"{name}.dat").read_bytes()
        assert raw.startswith(b"NIST/ITL StRD\r\n") and f"Dataset Name:  {name}".encode() in raw
