"""Help › Guide and Help › Keyboard shortcuts: offline pages in a non-modal window.

The guide is Markdown shipped in ``resources/help/guide.md`` (found through
:func:`gui.resources.resource_path`, so the frozen app reads the same file). The shortcuts
page is made from the window's own menu actions, so it cannot drift from what the keys do.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenuBar, QTextBrowser, QVBoxLayout, QWidget

from gui.resources import resource_path

__all__ = ["OTHER_KEYS", "HelpWindow", "guide_text", "shortcuts_markdown"]

#: Keys that belong to widgets rather than menu actions.
OTHER_KEYS = (
    ("Ctrl+C", "Copy the selected table cells (every digit, with column names)"),
    ("Space", "Tick or untick the selected names in a list"),
    ("Mouse wheel / drag", "Zoom / pan a plot; right-click › Reset zoom"),
)


def guide_text() -> str:
    """The guide's Markdown."""
    return resource_path("help/guide.md").read_text(encoding="utf-8")


def shortcuts_markdown(menu_bar: QMenuBar) -> str:
    """A table of every menu action with a shortcut, then the widgets' own keys."""
    rows = []
    for menu_action in menu_bar.actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        for action in _actions(menu.actions()):
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if keys:
                path = f"{menu_action.text().replace('&', '')} › {action.text().replace('&', '')}"
                rows.append((keys, path))
    rows += OTHER_KEYS
    lines = ["# Keyboard shortcuts", "", "| Keys | What |", "| --- | --- |"]
    return "\n".join([*lines, *(f"| {keys} | {what} |" for keys, what in rows)])


def _actions(actions: list[QAction]) -> list[QAction]:
    """Actions of a menu and of its sub-menus."""
    out = []
    for action in actions:
        out += _actions(action.menu().actions()) if action.menu() is not None else [action]
    return out


class HelpWindow(QDialog):
    """A resizable, non-modal page of Markdown with working links."""

    def __init__(self, title: str, markdown: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown(markdown)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(720, 640)
