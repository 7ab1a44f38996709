"""Write a tearsheet to PDF (Qt's QPdfWriter and QTextDocument) or to one self-contained HTML file.

PDF: the report's HTML is laid out by a ``QTextDocument`` on A4 pages at 96 dpi (CSS pixels
and points mean what they mean in a browser), then painted page by page into a ``QPdfWriter``
with a header (report title; SIMULATED DATA in red when so) and a footer (the run line and
"page i of n"). Text stays text (searchable, extractable); fonts are embedded; pictures are
the charts exported at twice their printed size.

HTML: the same HTML with the pictures as ``data:image/png;base64`` URIs: it opens offline, in
any browser, and can be mailed as one file. No scripts, no links, nothing fetched.

Both writes are atomic (:func:`analytics.data.paths.atomic_write`): a failure leaves any
previous file untouched.
"""

from __future__ import annotations

import base64
import errno
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from analytics import jobs
from analytics.data.paths import atomic_write
from analytics.errors import InputError
from analytics.jobs import Job, Progress
from analytics.reports.tearsheet import Tearsheet
from gui.reports.charts import ChartRenderer, png_bytes
from gui.reports.html import STYLE, tearsheet_html

__all__ = ["REPORT_SUFFIXES", "export_report", "report_target", "write_job"]

REPORT_SUFFIXES = (".pdf", ".html", ".htm")
#: Page margins in millimetres (left/right, top/bottom), and the header/footer bands in pixels.
MARGINS_MM = (16.0, 14.0)
HEADER_PX, FOOTER_PX = 26, 22
DPI = 96
FONT = "DejaVu Sans"

#: Called with (done, total, what) while pictures are drawn (for a progress bar).
ProgressCallback = Callable[[int, int, str], None]


def export_report(sheet: Tearsheet, path: str | Path, progress: ProgressCallback | None = None) -> Path:
    """Write ``sheet`` as PDF or HTML, by ``path``'s suffix (the command line's way: all at once)."""
    path = report_target(path)
    return jobs.run(write_job(sheet, _images(sheet, progress), path))


def report_target(path: str | Path) -> Path:
    """``path`` when its suffix names a report format; else one sentence saying which do."""
    path = Path(path)
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise InputError(
            f"{path.name}: cannot write a report as {path.suffix or 'a file without extension'}; use .pdf or .html."
        )
    return path


def _images(sheet: Tearsheet, progress: ProgressCallback | None) -> list[QImage]:
    """Every figure drawn, in document order (on the GUI thread: pyqtgraph draws them)."""
    figures = sheet.figures
    renderer = ChartRenderer()
    images = []
    try:
        for i, figure in enumerate(figures):
            if progress:
                progress(i, len(figures), figure.title)
            images.append(renderer.render(figure))
    finally:
        renderer.close()
    return images


def write_job(sheet: Tearsheet, images: list[QImage], path: str | Path) -> Job[Path]:
    """Lay out and write the report with its drawn ``images``, as PDF or HTML by ``path``'s suffix.

    Why a job: laying out and painting the pages (or encoding the pictures as PNG) is the slow
    half of an export, and needs no widgets, only ``QImage``, ``QTextDocument`` and ``QPdfWriter``,
    which Qt lets a worker thread use; so the window runs it on the pool, cancellable between
    pages. The file is written at the end, at once and atomically: a cancelled or failed
    export leaves nothing, or the previous file as it was.
    """
    path = report_target(path)
    if path.suffix.lower() == ".pdf":
        data = yield from _pdf_bytes(sheet, images)
        return atomic_write(path, lambda tmp: tmp.write_bytes(data))
    sources = []
    for i, image in enumerate(images):
        yield Progress(i / max(len(images), 1), f"encoding picture {i + 1} of {len(images)}")
        sources.append("data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii"))
    text = tearsheet_html(sheet, sources)
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _pdf_bytes(sheet: Tearsheet, images: list[QImage]) -> Job[bytes]:
    """The PDF in memory, painted page by page (a progress report, and a chance to cancel, each)."""
    yield Progress(0.0, "laying out the pages")
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(DPI)
    writer.setTitle(sheet.title)
    writer.setCreator("FactorDesk")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(MARGINS_MM[0], MARGINS_MM[1], MARGINS_MM[0], MARGINS_MM[1]),
            QPageLayout.Unit.Millimeter,
        )
    )
    page = writer.pageLayout().paintRectPixels(DPI)
    body = QSizeF(page.width(), page.height() - HEADER_PX - FOOTER_PX)
    doc = _document(sheet, images, writer, int(body.width()))
    doc.setPageSize(body)
    _keep_headings_with_content(doc)
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(errno.EIO, "Qt could not start the PDF")
    try:
        pages = doc.pageCount()
        for number in range(pages):
            yield Progress(0.3 + 0.7 * number / pages, f"writing page {number + 1} of {pages}")
            if number:
                writer.newPage()
            _page_frame(painter, sheet, page.width(), page.height(), number + 1, pages)
            painter.save()
            painter.translate(0, HEADER_PX - number * body.height())
            doc.drawContents(painter, QRectF(0, number * body.height(), body.width(), body.height()))
            painter.restore()
    finally:
        painter.end()
        buffer.close()
    return bytes(data.data())


def _document(sheet: Tearsheet, images: list[QImage], device: QPdfWriter, width: int) -> QTextDocument:
    """The report laid out for ``device``: images as named resources, the shared style sheet."""
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    doc.setDocumentMargin(0)
    doc.setDefaultFont(_font(9))
    doc.setDefaultStyleSheet(STYLE)
    names = []
    for i, image in enumerate(images):
        name = f"figure-{i}.png"
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        names.append(name)
    doc.setHtml(tearsheet_html(sheet, names, page_width=width))
    return doc


def _keep_headings_with_content(doc: QTextDocument) -> None:
    """Move a figure's or table's title to the next page when its content starts there.

    Qt's rich text has no "keep with next": a title can end a page whose next line (the picture,
    the table's first row) did not fit. So after layout, each level-3 heading whose content ends
    on a later page gets a page break before it (before its table when it sits in a cell, as the
    side-by-side figures do), and the rest of the document is laid out again; headings already breaking are
    left alone. Blocks before a break do not move, so one pass in document order suffices.
    """
    layout, height = doc.documentLayout(), doc.pageSize().height()
    block = doc.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() == 3:
            top = layout.blockBoundingRect(block).top()
            bottom = layout.blockBoundingRect(_content_end(block)).bottom()
            if int(top // height) != int((bottom - 1) // height) and _break_before(block):
                # a format change alone leaves later pages laid out for the old breaks: redo them
                start = block.position()
                doc.markContentsDirty(start, doc.characterCount() - start)
        block = block.next()


def _content_end(heading: QTextBlock) -> QTextBlock:
    """The block that must share the heading's page: the picture, or the table's first data row."""
    block = heading
    for _ in range(3):
        following = block.next()
        if not following.isValid():
            return block
        table = QTextCursor(following).currentTable()
        if table is not None and table != QTextCursor(heading).currentTable():
            return table.cellAt(min(1, table.rows() - 1), 0).firstCursorPosition().block()
        block = following
        if any(f.fragment().charFormat().isImageFormat() for f in _fragments(block)):
            return block
    return block


def _fragments(block: QTextBlock) -> list:
    it = block.begin()
    out = []
    while not it.atEnd():
        out.append(it)
        it += 1
    return out


def _break_before(heading: QTextBlock) -> bool:
    """Start the heading (or the table holding it) on a new page; False when it already does."""
    flag = QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore
    cursor = QTextCursor(heading)
    table = cursor.currentTable()
    fmt = table.format() if table is not None else heading.blockFormat()
    if fmt.pageBreakPolicy() & flag:
        return False
    fmt.setPageBreakPolicy(flag)
    if table is not None:
        table.setFormat(fmt)
    else:
        cursor.setBlockFormat(fmt)
    return True


def _font(points: float) -> QFont:
    """The report's font without ligatures: text copied or extracted from the PDF must read
    "files" and "ff6", not the single glyphs "ﬁ" and "ﬀ" the font would otherwise draw."""
    font = QFont(FONT)
    font.setPointSizeF(points)
    for tag in ("liga", "clig", "dlig"):
        font.setFeature(QFont.Tag(tag), 0)
    return font


def _fitting_font(text: str, room: int) -> QFont:
    """The footer's font, made smaller (down to 5.5 pt) until ``text`` fits in ``room`` pixels:
    the run line says how the numbers were made, so it is shrunk before it is cut."""
    points = 7.0
    font = _font(points)
    while points > 5.5 and QFontMetricsF(font).horizontalAdvance(text) > room:
        points -= 0.25
        font = _font(points)
    return font


def _page_frame(painter: QPainter, sheet: Tearsheet, width: float, height: float, number: int, pages: int) -> None:
    """Header (title; SIMULATED DATA in red) and footer (run line; page i of n) with thin rules."""
    painter.save()
    small = _font(7)
    painter.setFont(small)
    painter.setPen(QColor("#555555"))
    top = QRectF(0, 0, width, HEADER_PX - 8)
    painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"FactorDesk · {sheet.title}")
    if sheet.run.simulated:
        bold = QFont(small)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor("#b22222"))
        painter.drawText(top, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "SIMULATED DATA")
        painter.setFont(small)
    painter.setPen(QPen(QColor("#1f3b57"), 0.8))
    painter.drawLine(0, HEADER_PX - 6, int(width), HEADER_PX - 6)
    painter.setPen(QPen(QColor("#bbbbbb"), 0.6))
    painter.drawLine(0, int(height - FOOTER_PX + 6), int(width), int(height - FOOTER_PX + 6))
    painter.setPen(QColor("#555555"))
    bottom = QRectF(0, height - FOOTER_PX + 8, width, FOOTER_PX - 8)
    page_text = f"page {number} of {pages}"
    painter.drawText(bottom, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, page_text)
    room = int(width - painter.fontMetrics().horizontalAdvance(page_text) - 16)
    painter.setFont(_fitting_font(sheet.run.line, room))
    run = painter.fontMetrics().elidedText(sheet.run.line, Qt.TextElideMode.ElideRight, room)
    painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, run)
    painter.restore()
