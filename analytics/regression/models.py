"""Which factor model a regression uses: a named one, a custom list, or the largest available.

The vocabulary itself (factor names, the model registry) lives in :mod:`analytics.factors`,
below both the loaders and the models; this module decides what a data set can support.
"""

from __future__ import annotations

from analytics.errors import InputError
from analytics.factors import LABELS, MODELS, is_named_model, model_factors, model_spec

__all__ = ["LABELS", "MODELS", "choose_model", "model_factors"]


def choose_model(model: str | None, available: tuple[str, ...] | list[str], source: str) -> tuple[str, str | None]:
    """The requested model (a registry name or ``COL,COL,...``, whose factors must all be
    present) or, when none is given, the registry model with the most factors all present
    (the first listed on a tie).

    Returns the model in canonical form and a note when it was chosen automatically.
    """
    present = set(available)
    if model is not None:
        spec = model_spec(model)
        missing = [f for f in model_factors(spec) if f not in present]
        if missing:
            listed = ", ".join(sorted(present)) or "none"
            fix = "add it or choose a smaller model" if is_named_model(spec) else "check the name"
            raise InputError(
                f"{source}: factor column {missing[0]!r} needed by the model {spec} is missing (factor "
                f"columns: {listed}); {fix}.",
                option="model",
            )
        return spec, None
    fitting = [name for name, factors in MODELS.items() if all(f in present for f in factors)]
    if fitting:
        name = max(fitting, key=lambda n: len(MODELS[n]))
        return name, f"model {name} ({LABELS[name]}) chosen: the largest whose factors are all in {source}."
    raise InputError(
        f"{source}: no 'Mkt-RF' factor column; add the factor columns, or give a factor file.", option="factors"
    )
