"""Render ``resources/factordesk.svg`` to the 256 px ``resources/factordesk.png``.

The SVG is the source of the icon; the PNG exists for places that want a bitmap (the Linux
``.desktop`` entry, PyInstaller's executable icon). Run after editing the SVG and commit both:
``QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icon.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SIZE = 256


def render(svg: Path, png: Path, size: int = SIZE) -> Path:
    """Draw ``svg`` on a transparent ``size`` × ``size`` image and save it as ``png``."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"error: {svg} is not a valid SVG; fix it and run again.")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    if not image.save(str(png)):
        raise SystemExit(f"error: could not write {png}; check the folder is writable.")
    return png


if __name__ == "__main__":
    app = QGuiApplication(sys.argv[:1])
    print(render(RESOURCES / "factordesk.svg", RESOURCES / "factordesk.png"))
