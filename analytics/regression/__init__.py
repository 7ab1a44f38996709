"""Time-series factor regressions of fund returns (chapter sections 13.5-13.7)."""

from analytics.regression.model import FactorModel, regression_job
from analytics.regression.models import MODELS, choose_model, model_factors
from analytics.regression.results import FactorRegressionResults

__all__ = ["MODELS", "FactorModel", "FactorRegressionResults", "choose_model", "model_factors", "regression_job"]
