"""Help a portfolio manager reads: the guide, the shortcuts, tooltips everywhere, the units toggle."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel

OUTPUTS = (
    "alpha",
    "t(alpha)",
    "R²",
    "ivol",
    "Coverage",
    "Fama-MacBeth premium",
    "Pure-play weights",
    "adjusted = raw −",
)
#: Numbers of the chapter quoted in the guide (Berkshire's CAPM alpha, ARKK's R², the tech
#: portfolio's adjusted return).
CHAPTER_EXAMPLES = ("0.0054 *per month*", "0.838 for", "5.72%")


def _menu(window, title: str):
    return next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == title)


def test_guide_explains_every_output_with_the_chapters_examples(window):
    """Help › Guide opens an offline page naming every tab and output, with the chapter's numbers."""
    titles = [a.text() for a in _menu(window, "Help").actions()]
    assert titles[:2] == ["Guide", "Keyboard shortcuts"]
    guide = window.show_guide()
    text = guide.browser.toMarkdown()
    for tab in window.analysis_tabs:
        assert f"## {tab.title}" in text
    for term in (*OUTPUTS, *CHAPTER_EXAMPLES):
        assert term in text, term
    guide.close()


def test_shortcuts_page_lists_the_menus_keys(window):
    """Help › Keyboard shortcuts lists each menu shortcut (from the menus themselves) and the table keys."""
    page = window.show_shortcuts()
    text = page.browser.toPlainText()
    assert "File › Export results…" in text and "Ctrl+E" in text
    assert "View › Show returns in percent" in text and "Ctrl+Shift+P" in text
    assert "Copy the selected table cells" in text
    page.close()


def test_every_form_field_has_a_tooltip(window):
    """Every input of every tab explains itself when hovered."""
    for tab in window.analysis_tabs:
        for row in range(tab.form.rowCount()):
            item = tab.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if item is None or item.widget() is None or isinstance(item.widget(), QLabel):
                continue  # a note spanning the form, not an input
            assert item.widget().toolTip(), f"{tab.title}: row {row} ({type(item.widget()).__name__})"


def test_every_column_header_has_a_tooltip(window):
    """The results tables' headers say what each column is and its units."""
    tab = window.analysis_tabs[0]
    model = tab.summary_view.model()
    for column in range(model.columnCount()):
        name = str(tab.summary_view.frame().columns[column])
        tip = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        assert tip and tip != name, name


def test_view_menu_toggles_percent(window):
    """View › Show returns in percent switches the display everywhere (and back)."""
    from gui.units import display_units

    action = next(a for a in _menu(window, "View").actions() if a.text() == "Show returns in percent")
    try:
        action.setChecked(True)
        assert display_units().percent
        assert window.analysis_tabs[0].summary_view.header_labels()[1] == "alpha (ann., %)"
    finally:
        action.setChecked(False)
    assert not display_units().percent
