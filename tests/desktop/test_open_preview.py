"""The open preview in the window (issue 10, item 5; issue 12, item 5): File › Open and drops
look at each file first, load the certain ones at once and ask about the others; what the user
chooses is the data set's reader and options, saved with the workspace, so a restart reads the
file the same way without asking. Real windows, real jobs on the pool, real files; the expected
numbers are the files' own (read by the csv module here).
"""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from gui.app import show_and_restore
from gui.open_preview import HEADER_BRUSH, OpenPreviewDialog
from tests.desktop.test_workspace_restore import new_window, wait_idle

BAD = Path(__file__).resolve().parents[1] / "bad_inputs"


def column(path: Path, name: str) -> list[float]:
    """A column of a plain CSV, by the csv module."""
    with path.open(newline="") as fh:
        return [float(row[name]) for row in csv.DictReader(fh)]


def asked(qtbot, window) -> OpenPreviewDialog:
    """The open preview, once the window shows it."""
    qtbot.waitUntil(lambda: window.preview_dialog is not None, timeout=20_000)
    assert window.preview_dialog.isVisible() and window.preview_dialog.windowModality() == Qt.WindowModality.WindowModal
    return window.preview_dialog


def pick(dialog: OpenPreviewDialog, name: str, value: object) -> None:
    """Choose ``value`` in the combo of the choice ``name``, as a user would."""
    combo = dialog.control(name)
    index = combo.findData(value)
    assert index >= 0, f"{value!r} is not offered for {name}"
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def press(dialog: OpenPreviewDialog, button: QDialogButtonBox.StandardButton) -> None:
    dialog.buttons.button(button).click()


def saved_entry(path: Path) -> dict:
    """The saved workspace list's entry for ``path``."""
    return next(e for e in json.loads(QSettings().value("workspace/list")) if e.get("path") == str(path))


def test_a_clean_file_loads_at_once_and_ambiguous_units_ask(qtbot) -> None:
    """good.csv loads without a question; percent_ambiguous.csv (FUND 0.3, -0.31, ...) asks about
    its units, and Open waits for the answer. Answered percent, the data set holds 0.003 and keeps ``units: percent``; the saved
    list keeps it, and the next start reads the file the same way without looking or asking."""
    good, ambiguous = BAD / "good.csv", BAD / "percent_ambiguous.csv"
    window = new_window(qtbot, restore=False)
    window.open_files([str(good), str(ambiguous)], ask=True)
    dialog = asked(qtbot, window)
    qtbot.waitUntil(lambda: window.workspace.get("good.csv") is not None, timeout=20_000)
    assert window.workspace.get("good.csv").reader == "table-returns" and window.workspace.get("good.csv").options == {}
    assert dialog.preview.path == ambiguous and "percent or decimals" in dialog.remark("units")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "Returns units" in ok.toolTip()  # "automatic" would only fail
    pick(dialog, "units", "percent")
    assert not dialog.preview.uncertain and ok.isEnabled()
    press(dialog, QDialogButtonBox.StandardButton.Ok)
    qtbot.waitUntil(lambda: window.workspace.get("percent_ambiguous.csv") is not None, timeout=20_000)
    loaded = window.workspace.get("percent_ambiguous.csv")
    expected = [v / 100 for v in column(ambiguous, "FUND")]
    assert loaded.options == {"units": "percent"} and loaded.data.assets["FUND"].tolist() == pytest.approx(expected)
    window.close()
    assert saved_entry(ambiguous)["options"] == {"units": "percent"}
    assert saved_entry(ambiguous)["reader"] == "table-returns"
    second = new_window(qtbot, restore=False)
    looked: list[str] = []
    second.previewer.sigStarted.connect(looked.append)
    show_and_restore(second)
    qtbot.waitUntil(lambda: second.workspace.get("percent_ambiguous.csv") is not None, timeout=20_000)
    wait_idle(qtbot, second)
    again = second.workspace.get("percent_ambiguous.csv")
    assert looked == [] and second.preview_dialog is None
    assert again.options == {"units": "percent"} and again.data.assets["FUND"].tolist() == pytest.approx(expected)
    second.close()


def test_a_dropped_file_with_a_title_asks_for_the_header_row_and_can_be_read_again(qtbot, tmp_path) -> None:
    """A file with two title lines above ``date,Alpha,Beta`` (row 4), dropped on the window: the
    preview proposes row 4 and highlights it; the user tries row 1, then row 4 again, and opens
    it. The data panel's "Change how this file is read…" shows the saved choice; changing the
    units to percent reads the file again and replaces the data set."""
    path = tmp_path / "titled.csv"
    body = "".join(f"2020-{m:02d}-28,{m / 1000:.4f},{-m / 2000:.4f}\n" for m in range(1, 13))
    path.write_text("Monthly returns of my funds\nexported 2024-01-05\n\ndate,Alpha,Beta\n" + body)
    window = new_window(qtbot, restore=False)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop = QDropEvent(
        QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    window.dropEvent(drop)
    dialog = asked(qtbot, window)
    assert dialog.preview.choice("header_row").value == 4 and dialog.control("header_row").value() == 4
    assert dialog.table.item(3, 0).background().color() == HEADER_BRUSH.color()
    assert dialog.table.item(3, 1).text() == "Alpha"
    dialog.table.cellDoubleClicked.emit(0, 0)  # the title row: not the header after all
    assert dialog.preview.choice("header_row").value == 1 and dialog.preview.choice("header_row").chosen
    dialog.table.cellDoubleClicked.emit(3, 0)
    press(dialog, QDialogButtonBox.StandardButton.Ok)
    qtbot.waitUntil(lambda: window.workspace.get("titled.csv") is not None, timeout=20_000)
    alpha = [m / 1000 for m in range(1, 13)]
    loaded = window.workspace.get("titled.csv")
    assert loaded.options == {"header_row": 4} and loaded.data.assets["Alpha"].tolist() == pytest.approx(alpha)
    item = next(
        window.data_panel.tree.topLevelItem(i)
        for i in range(window.data_panel.tree.topLevelItemCount())
        if window.data_panel.tree.topLevelItem(i).text(0) == "titled.csv"
    )
    window.data_panel.tree.setCurrentItem(item)
    assert window.data_panel.read_again_action.isEnabled()
    window.data_panel.read_again_action.trigger()
    dialog = asked(qtbot, window)
    assert dialog.preview.choice("header_row").chosen and dialog.preview.choice("header_row").value == 4
    pick(dialog, "units", "percent")
    with qtbot.waitSignal(window.workspace.sigChanged, timeout=20_000):
        press(dialog, QDialogButtonBox.StandardButton.Ok)
    again = window.workspace.get("titled.csv")
    assert [d.name for d in window.workspace.datasets()] == ["titled.csv"]
    assert again.options == {"header_row": 4, "units": "percent"}
    assert again.data.assets["Alpha"].tolist() == pytest.approx([a / 100 for a in alpha])
    window.close()
    assert saved_entry(path)["options"] == {"header_row": 4, "units": "percent"}


def test_a_date_column_is_chosen_in_the_dialog(qtbot, tmp_path) -> None:
    """``fund,when,other``: dates sit in 'when'. The user first picks 'fund' (no dates: the
    dialog says so), then 'when', whose table column is marked as the dates; the file opens."""
    path = tmp_path / "when.csv"
    lines = [f"{0.001 * m:.3f},2021-{m:02d}-28,{-0.002 * m:.3f}" for m in range(1, 13)]
    path.write_text("fund,when,other\n" + "\n".join(lines) + "\n")
    window = new_window(qtbot, restore=False)
    window.open_files([str(path)], "returns", ask=True)
    dialog = asked(qtbot, window)
    assert "holds dates" in dialog.remark("date_col")
    pick(dialog, "date_col", "fund")
    assert dialog.preview.choice("date_col").value == "fund"
    pick(dialog, "date_col", "when")
    assert dialog.table.horizontalHeaderItem(1).text() == "B · dates"
    press(dialog, QDialogButtonBox.StandardButton.Ok)
    qtbot.waitUntil(lambda: window.workspace.get("when.csv") is not None, timeout=20_000)
    loaded = window.workspace.get("when.csv")
    assert loaded.options == {"date_col": "when"}
    assert loaded.data.assets["fund"].tolist() == pytest.approx(column(path, "fund"))
    window.close()


def test_skipping_a_file_goes_on_with_the_next(qtbot) -> None:
    """Skip this file: nothing of it is loaded and no error is shown; the next file loads."""
    window = new_window(qtbot, restore=False)
    window.open_files([str(BAD / "percent_ambiguous.csv"), str(BAD / "good.csv")], ask=True)
    press(asked(qtbot, window), QDialogButtonBox.StandardButton.Cancel)
    qtbot.waitUntil(lambda: window.workspace.get("good.csv") is not None, timeout=20_000)
    wait_idle(qtbot, window)
    assert window.workspace.get("percent_ambiguous.csv") is None and window.preview_dialog is None
    assert not [m for level, m in window.notifier.history if level != "info"]
    window.close()


def test_open_folder_reads_a_folder_of_price_histories(qtbot, shared_data, monkeypatch) -> None:
    """File › Open folder… on the Yahoo folder: one returns data set, a series per file named
    after it, read without a question."""
    folder = shared_data / "real" / "prices" / "yahoo_2020"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_args, **_kw: str(folder))
    window = new_window(qtbot, restore=False)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    next(a for a in menu.actions() if a.text() == "Open folder…").trigger()
    qtbot.waitUntil(lambda: window.workspace.get("yahoo_2020") is not None, timeout=60_000)
    loaded = window.workspace.get("yahoo_2020")
    assert window.preview_dialog is None and loaded.kind == "returns" and loaded.reader == "series-folder"
    assert sorted(loaded.data.assets.columns) == sorted(p.stem for p in folder.glob("*.csv"))
    window.close()


def wait_quiet(qtbot, window) -> None:
    """Until nothing is being looked at, asked about or loaded."""
    qtbot.waitUntil(
        lambda: not (window.previewer.busy or window._asking or window.loader.busy or window._pending),
        timeout=60_000,
    )


def test_choosing_the_reader_reads_the_file_that_way_and_a_restart_keeps_it(qtbot, shared_data) -> None:
    """``permno,date,ret,shrout,prc`` opened with no kind asks whether it is a stock panel or long
    returns; the user picks returns: the dialog then offers the id and return columns (permno,
    ret), the data set is returns with one series per permno (counted here by the csv module),
    and the next start reads it as returns again without asking (not as the panel it guesses)."""
    path = shared_data / "crsp_monthly_2019_2020.csv"
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    permnos = {r["permno"] for r in rows if r["ret"].strip()}  # a permno with no return is left out
    first = next(r for r in rows if r["permno"] == "10026" and r["date"] == "2019-01-31")
    window = new_window(qtbot, restore=False)
    window.open_files([str(path)], ask=True)
    dialog = asked(qtbot, window)
    assert dialog.preview.reader == "table-panel" and dialog.remark("reader").startswith("a long table")
    assert not dialog.control("ret_col").isVisible()
    pick(dialog, "reader", "table-returns")
    assert dialog.control("id_col").currentData() == "permno" and dialog.control("ret_col").currentData() == "ret"
    assert dialog.control("ret_col").isVisibleTo(dialog)
    press(dialog, QDialogButtonBox.StandardButton.Ok)
    qtbot.waitUntil(lambda: window.workspace.get(path.name) is not None, timeout=60_000)
    loaded = window.workspace.get(path.name)
    assert (loaded.kind, loaded.reader) == ("returns", "table-returns")
    assert set(loaded.data.assets.columns) == permnos
    assert loaded.data.assets.loc["2019-01-31", "10026"] == pytest.approx(float(first["ret"]), rel=1e-12)
    window.close()
    assert (saved_entry(path)["kind"], saved_entry(path)["reader"]) == ("returns", "table-returns")
    second = new_window(qtbot, restore=False)
    looked: list[str] = []
    second.previewer.sigStarted.connect(looked.append)
    show_and_restore(second)
    qtbot.waitUntil(lambda: second.workspace.get(path.name) is not None, timeout=60_000)
    wait_quiet(qtbot, second)
    assert looked == [] and second.preview_dialog is None
    again = second.workspace.get(path.name)
    assert (again.kind, again.reader) == ("returns", "table-returns")
    second.close()


def test_cancelling_a_change_keeps_the_data_set_as_it_was(qtbot) -> None:
    """Change how this file is read…, a choice changed, then Cancel: the data set is the one
    loaded before (same object, same options), nothing is read again, no message."""
    window = new_window(qtbot, restore=False)
    window.open_files([str(BAD / "good.csv")], ask=True)
    qtbot.waitUntil(lambda: window.workspace.get("good.csv") is not None, timeout=20_000)
    wait_quiet(qtbot, window)
    before = window.workspace.get("good.csv")
    loads: list[str] = []
    window.loader.sigStarted.connect(loads.append)
    window.change_how_read("good.csv")
    dialog = asked(qtbot, window)
    assert dialog.windowTitle() == "How to read good.csv"
    pick(dialog, "units", "percent")
    press(dialog, QDialogButtonBox.StandardButton.Cancel)
    qtbot.waitUntil(lambda: window.preview_dialog is None, timeout=5_000)
    wait_quiet(qtbot, window)
    assert window.workspace.get("good.csv") is before and before.options == {}
    assert loads == [] and window.notifier.history == []
    window.close()


def test_bad_files_give_one_clear_message_each(qtbot, tmp_path) -> None:
    """Opened with good files: a missing file, an HTML page saved as CSV and a zip with no CSV in
    it each give one warning naming the file (never a crash report, never a preview to answer);
    the good file loads and the workspace holds only it."""
    missing = tmp_path / "gone.csv"
    nocsv = tmp_path / "notes.zip"
    with zipfile.ZipFile(nocsv, "w") as archive:
        archive.writestr("readme.txt", "no table here")
    files = [missing, BAD / "html_page.csv", nocsv, BAD / "good.csv"]
    window = new_window(qtbot, restore=False)
    window.open_files([str(p) for p in files], ask=True)
    qtbot.waitUntil(lambda: window.workspace.get("good.csv") is not None, timeout=60_000)
    wait_quiet(qtbot, window)
    assert window.preview_dialog is None
    assert [level for level, _message in window.notifier.history] == ["warning"] * 3
    for (_level, message), bad in zip(window.notifier.history, files[:3], strict=True):
        assert bad.name in message and "\n" not in message and "Traceback" not in message
    assert [d.name for d in window.workspace.datasets()] == ["good.csv"]
    window.close()
