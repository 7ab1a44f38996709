"""Our own reading of reports: numbers as they are printed, PDF text (poppler's pdftotext, a
reader independent of Qt) and the HTML's pictures and links (not the reports' code: tests must
not read the reports back with the code that wrote them)."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

FF6 = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"]
#: A number as a report prints it: typographic or ASCII minus, thousands commas, optional %.
NUMBER = re.compile(r"[-\u2212+]?\d[\d,]*(?:\.\d+)?%?")
PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (Debian's poppler-utils) is not installed")


def read_number(text: str) -> float:
    """``−8.15%`` -> -0.0815; ``2,610`` -> 2610.0; ``+0.52`` -> 0.52."""
    clean = text.replace("\u2212", "-").replace(",", "").lstrip("+")
    return float(clean[:-1]) / 100 if clean.endswith("%") else float(clean)


def printed(value: float, text: str) -> bool:
    """Whether ``text`` is ``value`` as printed: equal within half a unit of its last digit."""
    digits = text.rstrip("%").split(".")[1] if "." in text else ""
    unit = 10.0 ** -len(digits) * (0.01 if text.endswith("%") else 1)
    return abs(read_number(text) - value) <= unit / 2 + 1e-12


def numbers(text: str) -> list[str]:
    """Every number printed in ``text``, in order."""
    return NUMBER.findall(text)


def pdf_text(path: Path) -> str:
    return subprocess.run([PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def summary_row(text: str, fund: str) -> list[str]:
    """The numbers under the 'alpha (ann.) t(alpha) ...' header of ``fund``'s page."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == fund)
    header = next(i for i in range(start, len(lines)) if "alpha (ann.)" in lines[i] and "t(alpha)" in lines[i])
    return numbers(next(line for line in lines[header + 1 :] if line.strip()))


class _Links(HTMLParser):
    """Every attribute that could fetch or link something, and every tag name."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.links: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name == "src":
                self.sources.append(value or "")
            elif name in ("href", "srcset", "action", "data", "background"):
                self.links.append(value or "")


def assert_self_contained(path: Path, figures: int) -> str:
    """Pictures embedded as PNG data: URIs, nothing linked or fetched; returns the text."""
    text = path.read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(text)
    assert parser.links == [] and not parser.tags & {"script", "link", "iframe", "object", "embed"}
    assert "url(" not in text and "@import" not in text
    assert len(parser.sources) == figures
    for src in parser.sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    return text
