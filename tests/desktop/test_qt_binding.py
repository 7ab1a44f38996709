"""Guards on the Qt binding itself."""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    sigText = Signal(str)


def test_signal_emit_does_not_leak_references_to_true(qapp):
    """PySide6 6.12.0 dropped a reference to True on every emit, so a long session crashed at exit.

    Python 3.11's True is not immortal: each leaked reference brings its deallocation closer.
    """
    emitter = _Emitter()
    gc.collect()
    before = sys.getrefcount(True)
    for _ in range(1000):
        emitter.sigText.emit("x")
    gc.collect()
    assert sys.getrefcount(True) - before > -10
