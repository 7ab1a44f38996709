"""The factor models the chapter uses, and which one a data set can support."""

from __future__ import annotations

from analytics.errors import InputError

__all__ = ["MODELS", "LABELS", "model_factors", "choose_model"]

#: Model name -> regressors, in the order tables show them.
MODELS: dict[str, tuple[str, ...]] = {
    "capm": ("Mkt-RF",),
    "ff3": ("Mkt-RF", "SMB", "HML"),
    "ff5": ("Mkt-RF", "SMB", "HML", "RMW", "CMA"),
    "ff6": ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"),
}
LABELS = {"capm": "CAPM", "ff3": "Fama-French 3", "ff5": "Fama-French 5", "ff6": "FF5 + momentum"}


def model_factors(model: str) -> tuple[str, ...]:
    """Regressors of ``model``; an unknown name lists the valid ones."""
    try:
        return MODELS[model]
    except KeyError:
        raise InputError(f"unknown model {model!r}; use one of {', '.join(MODELS)}.") from None


def choose_model(model: str | None, available: tuple[str, ...] | list[str], source: str) -> tuple[str, str | None]:
    """The requested model (whose factors must all be present) or the largest one available.

    Returns the model name and a note when it was chosen automatically.
    """
    present = set(available)
    if model is not None:
        missing = [f for f in model_factors(model) if f not in present]
        if missing:
            raise InputError(
                f"{source}: factor column {missing[0]!r} needed by --model {model} is missing; add it "
                "or choose a smaller model."
            )
        return model, None
    for name in reversed(list(MODELS)):
        if all(f in present for f in MODELS[name]):
            return name, f"model {name} ({LABELS[name]}) chosen: the largest whose factors are all in {source}."
    raise InputError(f"{source}: no 'Mkt-RF' factor column; add the factors or pass --factors FILE.")
