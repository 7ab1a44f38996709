"""The factor vocabulary and model registry (analytics.factors), model choice, and the layering rule
that loaders never import the models they feed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analytics.errors import InputError
from analytics.factors import MODELS, canonical_factor_name, model_factors, model_spec
from analytics.regression.models import choose_model
from tests.cli_process import run_main

ROOT = Path(__file__).resolve().parent.parent


def test_registry_holds_the_named_models() -> None:
    """capm, ff3, carhart, ff5, ff6 and q5 with their factors in table order (q5's market is Mkt-RF)."""
    assert MODELS == {
        "capm": ("Mkt-RF",),
        "ff3": ("Mkt-RF", "SMB", "HML"),
        "carhart": ("Mkt-RF", "SMB", "HML", "MOM"),
        "ff5": ("Mkt-RF", "SMB", "HML", "RMW", "CMA"),
        "ff6": ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"),
        "q5": ("Mkt-RF", "R_ME", "R_IA", "R_ROE", "R_EG"),
    }


@pytest.mark.parametrize(
    ("column", "name"),
    [
        ("R_MKT", "Mkt-RF"),
        ("r_f", "RF"),
        ("R_ROE", "R_ROE"),
        ("bab", "BAB"),
        ("QMJ", "QMJ"),
        ("HML Devil", "HML_DEVIL"),
        ("Mom   ", "MOM"),
        ("WML", "MOM"),
        ("ARKK", None),
        ("Close", None),
    ],
)
def test_every_sources_spelling_is_a_factor(column: str, name: str | None) -> None:
    """q-factor and AQR columns are factors (never funds) under canonical names."""
    assert canonical_factor_name(column) == name


@pytest.mark.parametrize(
    ("spec", "canonical", "factors"),
    [
        ("FF3", "ff3", ("Mkt-RF", "SMB", "HML")),
        ("mktrf, hml, bab", "Mkt-RF,HML,BAB", ("Mkt-RF", "HML", "BAB")),
        ("Mkt-RF,LIQ", "Mkt-RF,LIQ", ("Mkt-RF", "LIQ")),
        ("BAB", "BAB", ("BAB",)),
    ],
)
def test_custom_models_are_column_lists(spec: str, canonical: str, factors: tuple[str, ...]) -> None:
    assert model_spec(spec) == canonical and model_factors(spec) == factors


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("ff4", "unknown model 'ff4'; use one of capm, ff3, carhart, ff5, ff6, q5, or list factor columns"),
        ("Mkt-RF,RF", "RF is the risk-free rate, not a factor"),
        ("Mkt-RF,mktrf", "factor 'Mkt-RF' is listed twice"),
    ],
)
def test_bad_models_are_refused(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        model_spec(spec)
    assert info.value.option == "model"


@pytest.mark.parametrize(
    ("available", "model"),
    [
        (["Mkt-RF", "SMB", "HML", "MOM"], "carhart"),
        (["Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM", "R_ME"], "ff6"),
        (["Mkt-RF", "R_ME", "R_IA", "R_ROE", "R_EG", "SMB"], "q5"),
        (["Mkt-RF", "BAB"], "capm"),
    ],
)
def test_auto_choice_is_the_largest_model_present(available: list[str], model: str) -> None:
    name, note = choose_model(None, available, "f.csv")
    assert name == model and f"model {model}" in note


def test_custom_choice_needs_every_column() -> None:
    assert choose_model("mktrf,BAB", ["Mkt-RF", "BAB", "SMB"], "f.csv") == ("Mkt-RF,BAB", None)
    with pytest.raises(
        InputError,
        match=r"f.csv: factor column 'QMJ' needed by the model Mkt-RF,QMJ is missing "
        r"\(factor columns: BAB, Mkt-RF\); check the name",
    ):
        choose_model("Mkt-RF,QMJ", ["Mkt-RF", "BAB"], "f.csv")


def test_loaders_do_not_import_the_models() -> None:
    """analytics.data (every reader, the Ken French downloader, the sources) sits below analytics.regression."""
    code = (
        "import sys\n"
        "import analytics.data.famafrench, analytics.data.sources, analytics.data.returns\n"
        "from analytics.data.readers import readers\n"
        "readers()\n"
        "bad = sorted(m for m in sys.modules if m.startswith('analytics.regression'))\n"
        "print(bad)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=False, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_cli_lists_the_registry_and_refuses_unknown_models() -> None:
    helped = run_main("regress", "--help", timeout=120)
    text = " ".join(helped.stdout.split())
    for name in MODELS:
        assert f"{name} (" in text
    assert "COL,COL,..." in text and "kenfrench[:MODEL[:REGION]]" in text
    bad = run_main("regress", "x.csv", "--model", "ff4", timeout=120)
    assert bad.returncode == 2 and "unknown model 'ff4'" in bad.stderr


def test_model_pickers_list_the_registry(qtbot) -> None:
    """The model combo lists every registry model; the Ken French dialog offers the library's sets and
    refuses the ones it lacks (emerging markets daily)."""
    from PySide6.QtWidgets import QDialogButtonBox

    from gui.kenfrench_dialog import KenFrenchDialog
    from gui.widgets.inputs import ModelCombo

    combo = ModelCombo("test/model")
    qtbot.addWidget(combo)
    assert [combo.itemText(i) for i in range(combo.count())] == [combo.AUTO, *MODELS, combo.CUSTOM]
    dialog = KenFrenchDialog()
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert [dialog.model_combo.itemData(i) for i in range(dialog.model_combo.count())] == [
        "capm",
        "ff3",
        "carhart",
        "ff5",
        "ff6",
    ]
    assert dialog.choice() == ("ff6", "monthly", False) and ok.isEnabled()
    dialog.region_combo.setCurrentIndex(dialog.region_combo.findData("developed"))
    dialog.model_combo.setCurrentIndex(dialog.model_combo.findData("ff5"))
    assert dialog.choice() == ("ff5:developed", "monthly", False)
    dialog.region_combo.setCurrentIndex(dialog.region_combo.findData("emerging"))
    dialog.freq_combo.setCurrentText("daily")
    assert not ok.isEnabled() and "no ff5 daily factors for Emerging" in dialog.available_label.text()
