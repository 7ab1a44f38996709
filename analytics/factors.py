"""The factor vocabulary: canonical factor names, their spellings, and the named models.

This module sits below both the loaders (:mod:`analytics.data`) and the regressions
(:mod:`analytics.regression`), so that a loader knows which columns are factors without
importing the models they feed, and the models name their factors without knowing files.

- **Canonical names** (:data:`FACTOR_NAMES`): the Fama-French factors, momentum, the
  Hou-Xue-Zhang q-factors and AQR's factors. A column under any of these names (or their
  spellings) is a factor, never a fund, in any file.
- **Spellings**: each source keeps its own (:data:`KENFRENCH_ALIASES`, :data:`QFACTOR_ALIASES`,
  :data:`AQR_ALIASES`); a user's own table may use any of them (:data:`ALIASES`). The
  q-factor file's ``R_MKT`` is the market's *excess* return, so it is ``Mkt-RF``; a plain
  ``MKT`` is the *total* market return, turned into ``Mkt-RF`` with ``RF`` by the loader.
- **Models** (:data:`MODELS`): named factor sets, in the order tables show them; a custom
  model is a comma list of factor columns (``Mkt-RF,HML,BAB``).
"""

from __future__ import annotations

from collections.abc import Mapping

from analytics.errors import InputError

__all__ = [
    "ALIASES",
    "AQR_ALIASES",
    "FACTOR_NAMES",
    "KENFRENCH_ALIASES",
    "LABELS",
    "MODELS",
    "QFACTOR_ALIASES",
    "RF",
    "canonical_factor_name",
    "is_named_model",
    "model_factors",
    "model_spec",
    "ordered_factors",
]

#: The risk-free rate: kept beside the factors (to make total returns excess), never a regressor.
RF = "RF"

#: Tradable factors in the order tables show them: Fama-French and momentum, the q-factors
#: (market shared with Fama-French), AQR's.
FACTOR_NAMES = (
    "Mkt-RF",
    "SMB",
    "HML",
    "RMW",
    "CMA",
    "MOM",
    "R_ME",
    "R_IA",
    "R_ROE",
    "R_EG",
    "BAB",
    "QMJ",
    "HML_DEVIL",
)

#: The Ken French library's spellings (``Mom   `` with trailing spaces; ``WML`` in the
#: international momentum files), and the usual spellings users give them.
KENFRENCH_ALIASES = {
    "mkt-rf": "Mkt-RF",
    "mkt_rf": "Mkt-RF",
    "mktrf": "Mkt-RF",
    "mkt rf": "Mkt-RF",
    "smb": "SMB",
    "hml": "HML",
    "rmw": "RMW",
    "cma": "CMA",
    "mom": "MOM",
    "umd": "MOM",
    "wml": "MOM",
    "momentum": "MOM",
    "rf": RF,
    "risk-free": RF,
    "riskfree": RF,
    "mkt": "MKT",  # a total market return: the loader makes Mkt-RF = MKT - RF
}
#: global-q.org's q-factor files: ``R_F`` is the risk-free rate, ``R_MKT`` the market's excess return.
QFACTOR_ALIASES = {
    "r_f": RF,
    "r_mkt": "Mkt-RF",
    "r_me": "R_ME",
    "r_ia": "R_IA",
    "r_roe": "R_ROE",
    "r_eg": "R_EG",
}
#: AQR's factor workbooks, named by their first sheet (``BAB Factors``, ``QMJ Factors``, ``HML Devil``).
AQR_ALIASES = {"bab": "BAB", "qmj": "QMJ", "hml_devil": "HML_DEVIL", "hml devil": "HML_DEVIL"}
#: Every spelling a user's own table may use.
ALIASES = {**KENFRENCH_ALIASES, **QFACTOR_ALIASES, **AQR_ALIASES}

#: Model name -> regressors, in the order tables show them.
MODELS: dict[str, tuple[str, ...]] = {
    "capm": ("Mkt-RF",),
    "ff3": ("Mkt-RF", "SMB", "HML"),
    "carhart": ("Mkt-RF", "SMB", "HML", "MOM"),
    "ff5": ("Mkt-RF", "SMB", "HML", "RMW", "CMA"),
    "ff6": ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"),
    "q5": ("Mkt-RF", "R_ME", "R_IA", "R_ROE", "R_EG"),
}
LABELS = {
    "capm": "CAPM",
    "ff3": "Fama-French 3",
    "carhart": "Carhart: FF3 + momentum",
    "ff5": "Fama-French 5",
    "ff6": "FF5 + momentum",
    "q5": "Hou-Xue-Zhang q5",
}


def canonical_factor_name(column: str, aliases: Mapping[str, str] = ALIASES) -> str | None:
    """``Mkt-RF`` for ``mktrf``, ``MOM`` for ``Mom   `` or ``UMD``; None for non-factors."""
    key = column.strip().lower()
    if key in aliases:
        return aliases[key]
    return next((name for name in FACTOR_NAMES if name.lower() == key), None)


def is_named_model(spec: str) -> bool:
    """Whether ``spec`` names a registry model (rather than listing factor columns)."""
    return spec.strip().lower() in MODELS


def model_spec(spec: str) -> str:
    """``spec`` in its canonical form: a registry name, or the listed columns joined by commas
    (known factors under their canonical names, duplicates refused)."""
    text = spec.strip()
    if is_named_model(text):
        return text.lower()
    columns = [c.strip() for c in text.split(",") if c.strip()]
    if not columns or ("," not in text and canonical_factor_name(text) is None):
        raise InputError(
            f"unknown model {spec!r}; use one of {', '.join(MODELS)}, or list factor columns such as "
            "Mkt-RF,SMB,HML,BAB.",
            option="model",
        )
    names = [canonical_factor_name(c) or c for c in columns]
    if RF in names:
        raise InputError("RF is the risk-free rate, not a factor; leave it out of the model.", option="model")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f"factor {repeated[0]!r} is listed twice in the model {spec!r}.", option="model")
    return ",".join(names)


def model_factors(spec: str) -> tuple[str, ...]:
    """Regressors of a registry model or of a custom ``COL,COL,...`` model; an unknown name
    lists the valid ones."""
    canonical = model_spec(spec)
    return MODELS.get(canonical) or tuple(canonical.split(","))


def ordered_factors(columns: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Factor columns (``RF`` excluded) in table order: canonical names first, then the rest
    in the order given."""
    present = [c for c in columns if c != RF]
    known = [f for f in FACTOR_NAMES if f in present]
    return (*known, *[c for c in present if c not in FACTOR_NAMES])
