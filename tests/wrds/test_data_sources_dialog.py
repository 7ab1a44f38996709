"""The Data sources dialog driven like a user would, against the test PostgreSQL (offscreen)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.data.store import Store
from analytics.data.wrds_source import WrdsSettings


@pytest.fixture
def dialog(qtbot, pg_settings: WrdsSettings):
    from gui.data_sources_dialog import DataSourcesDialog
    from gui.notifier import Notifier
    from gui.workspace import WorkspaceModel

    workspace = WorkspaceModel()
    dlg = DataSourcesDialog(workspace, Notifier(), Store())
    qtbot.addWidget(dlg)
    dlg.host_edit.setText(pg_settings.host)
    dlg.port_spin.setValue(pg_settings.port)
    dlg.user_edit.setText(pg_settings.user)
    yield dlg
    dlg.reject()
    qtbot.waitUntil(lambda: not dlg.runner.busy, timeout=10_000)


def run(qtbot, dlg, button, signal: str = "sigFinished"):
    """Click ``button`` once the previous job is fully done, and wait for the job's outcome."""
    qtbot.waitUntil(lambda: not dlg.runner.busy, timeout=10_000)
    with qtbot.waitSignal(getattr(dlg.runner, signal), timeout=30_000) as blocker:
        button.click()
    return blocker.args


def test_connect_preview_pull_and_use(qtbot, dialog, pgpass: Path) -> None:
    """Connect (pgpass), preview the mapping, pull into the store: listed and in the workspace."""
    run(qtbot, dialog, dialog.connect_button)
    assert dialog.connection_label.text().startswith("Connected to 127.0.0.1")
    dialog.ids_edit.setText("aapl, NEWCO")
    run(qtbot, dialog, dialog.preview_button)
    assert dict(zip(dialog.preview_view.frame()["ticker"], dialog.preview_view.frame()["permno"])) == {
        "AAPL": 14593,
        "NEWCO": 99001,
    }
    (pull,) = run(qtbot, dialog, dialog.job_bar.run_button)
    assert dialog.store_view.frame()["name"].tolist() == [pull.entry.name]
    names = [d.name for d in dialog.workspace.datasets()]
    assert names == [pull.entry.name, f"{pull.entry.name} (panel)"]
    returns = dialog.workspace.get(pull.entry.name).data
    assert list(returns.assets.columns) == ["AAPL", "NEWCO"] and len(returns.assets) == 24
    dialog.workspace.remove(pull.entry.name)
    qtbot.waitUntil(lambda: dialog.use_button.isEnabled(), timeout=10_000)
    dialog.store_view.selectRow(0)
    dialog.use_button.click()
    assert dialog.workspace.get(pull.entry.name) is not None


def test_cancel_stops_a_pull_and_saves_nothing(qtbot, dialog, pgpass: Path, sql) -> None:
    """Cancel during a chunked pull: the job stops between chunks and the store stays empty."""
    permnos = [str(p) for (p,) in sql("SELECT DISTINCT permno FROM crsp.msf_v2 ORDER BY 1 LIMIT 40")]
    dialog.id_kind.setCurrentText("Permnos")
    dialog.ids_edit.setText(",".join(permnos))
    dialog.chunk_size = 1
    progressed: list[str] = []
    dialog.runner.sigProgress.connect(lambda _f, message: progressed.append(message))
    with qtbot.waitSignal(dialog.runner.sigCancelled, timeout=30_000):
        dialog.job_bar.run_button.click()
        qtbot.waitUntil(lambda: any("chunk 2 of" in m for m in progressed), timeout=20_000)
        dialog.job_bar.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.runner.busy, timeout=10_000)
    assert not any("chunk 40 of" in m for m in progressed)
    assert dialog.store.entries() == [] and dialog.store_view.frame().empty


def test_wrong_password_is_reported(qtbot, dialog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A wrong typed password gives the one-sentence warning; the box is cleared, never kept."""
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    dialog.password_edit.setText("not-it")
    run(qtbot, dialog, dialog.connect_button, "sigFailed")
    level, message = dialog.runner.notifier.history[-1]
    assert level == "warning" and "refused the password" in message
    assert dialog.password_edit.text() == "" and dialog.connection_label.text() == "Not connected"


def test_damaged_entry_does_not_hide_the_store(qtbot) -> None:
    """A damaged manifest: the dialog opens, lists the good entry and the damaged one with the
    reason; adding the damaged one is one message with the fix (before: no dialog at all)."""
    import pandas as pd

    from gui.data_sources_dialog import DataSourcesDialog
    from gui.notifier import Notifier
    from gui.workspace import WorkspaceModel

    store = Store()
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2020-01-31", "2020-02-29", "2020-03-31"] * 2),
            "id": ["A"] * 3 + ["B"] * 3,
            "ret": [0.01, 0.02, -0.01, 0.0, 0.03, 0.01],
        }
    )
    for name in ("good", "bad"):
        store.save(name, frame, source="test", query=name, freq="monthly")
    (store.root / "bad" / "manifest.json").unlink()
    (store.root / "bad" / "manifest.json").mkdir()
    notifier = Notifier()
    dlg = DataSourcesDialog(WorkspaceModel(), notifier, store)
    qtbot.addWidget(dlg)
    listed = dlg.store_view.frame().set_index("name")["status"].to_dict()
    assert listed == {"good": "ok", "bad": "damaged: manifest.json is not a file"}
    dlg.store_view.selectRow(list(dlg.store_view.frame()["name"]).index("bad"))
    dlg.use_selected()
    assert (
        notifier.history[-1][0] in ("warning", "error") and "bad: the stored copy is damaged" in notifier.history[-1][1]
    )
    assert dlg.workspace.datasets() == []
