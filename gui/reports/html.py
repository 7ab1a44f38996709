"""A tearsheet as HTML: the page a browser opens, and the rich text Qt prints to PDF.

One writer serves both, so the PDF and the HTML file say the same thing in the same order:
the browser file gets its pictures as ``data:`` URIs (one self-contained file, nothing fetched,
no links) and fluid widths; the PDF gets resource names and pixel widths of the printed page,
within the subset of HTML and CSS that Qt's rich text understands (tables, ``align``
attributes, page breaks before sections).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from analytics.reports.tearsheet import Block, Bullets, Figure, Paragraph, Section, Table, Tearsheet
from gui.reports.charts import CHART_SIZE, series_colors

__all__ = ["STYLE", "tearsheet_html"]

#: Tables with more columns than this are set in smaller type (the peer table's loadings).
WIDE_TABLE = 10
#: Styles both targets understand (Qt's rich text reads these properties and class selectors).
STYLE = """
body { font-family: 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; font-size: 8.5pt; color: #222222; }
h1 { font-size: 17pt; font-weight: bold; color: #1f3b57; margin-top: 0px; margin-bottom: 2px; }
h2 { font-size: 14pt; font-weight: bold; color: #1f3b57; margin-top: 0px; margin-bottom: 2px; }
h3 { font-size: 9.5pt; font-weight: bold; color: #1f3b57; margin-top: 9px; margin-bottom: 3px; }
p { margin-top: 0px; margin-bottom: 4px; }
p.subtitle { color: #555555; font-size: 8.5pt; margin-bottom: 8px; }
p.note { color: #555555; font-size: 7.5pt; }
p.caption { color: #555555; font-size: 7.5pt; margin-bottom: 6px; }
p.legend { color: #333333; font-size: 7.5pt; margin-bottom: 2px; }
p.run { color: #666666; font-size: 7pt; margin-top: 8px; }
p.banner { color: #ffffff; background-color: #b22222; font-weight: bold; font-size: 8.5pt; margin-bottom: 8px; }
ul { margin-top: 0px; margin-bottom: 6px; }
li { margin-bottom: 2px; }
ul.caveat li { color: #8a4b00; }
table.data { border-collapse: collapse; margin-bottom: 2px; }
table.data th { font-weight: bold; color: #1f3b57; border-bottom: 1px solid #1f3b57; }
table.data td { border-bottom: 1px solid #dddddd; }
table.data td.num { white-space: nowrap; }
table.data th, table.data td { padding-left: 5px; padding-right: 0px; }
table.wide { font-size: 7.5pt; }
table.run td { color: #333333; }
"""
#: Extra styles for browsers only: a centred page, tabular digits, and print page breaks.
BROWSER_STYLE = """
body { max-width: 920px; margin: 24px auto; padding: 0 16px; line-height: 1.35; }
table.data { font-variant-numeric: tabular-nums; }
table.data th, table.data td { padding: 3px 7px; }
table.figures { width: 100%; }
table.figures td { vertical-align: top; }
img { width: 100%; height: auto; }
section { margin-bottom: 28px; }
@media print { section.newpage { page-break-before: always; } body { margin: 0; } }
"""


def tearsheet_html(sheet: Tearsheet, sources: Sequence[str], *, page_width: int | None = None) -> str:
    """The tearsheet's HTML; ``sources[i]`` is the ``src`` of figure ``i`` (document order).

    With ``page_width`` (pixels) the document is laid out for Qt's printer: images get pixel
    sizes and sections page breaks; without it, for a browser.
    """
    writer = _Writer(list(sources), page_width)
    body = [_header(sheet)] + [writer.section(s, first=(i == 0)) for i, s in enumerate(sheet.sections)]
    style = STYLE if page_width else STYLE + BROWSER_STYLE
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(sheet.title)}</title><style>{style}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _header(sheet: Tearsheet) -> str:
    return f'<h1>{escape(sheet.title)}</h1>\n<p class="subtitle">{escape(sheet.subtitle)}</p>'


class _Writer:
    """Writes blocks in order, handing out the figure sources as figures come."""

    def __init__(self, sources: list[str], page_width: int | None) -> None:
        self.sources = sources
        self.page_width = page_width
        self.next_figure = 0

    def section(self, section: Section, *, first: bool) -> str:
        breaking = section.new_page and not first
        attrs = ' style="page-break-before: always"' if breaking and self.page_width else ""
        parts = [f"<h2{attrs}>{escape(section.title)}</h2>"]
        if section.subtitle:
            parts.append(f'<p class="subtitle">{escape(section.subtitle)}</p>')
        blocks = list(section.blocks)
        i = 0
        while i < len(blocks):
            block = blocks[i]
            if (
                isinstance(block, Figure)
                and block.width == "half"
                and i + 1 < len(blocks)
                and isinstance(blocks[i + 1], Figure)
                and blocks[i + 1].width == "half"
            ):
                parts.append(self.figure_pair(block, blocks[i + 1]))
                i += 2
                continue
            parts.append(self.block(block))
            i += 1
        content = "\n".join(parts)
        if self.page_width:
            return content
        return f'<section class="{"newpage" if breaking else ""}">\n{content}\n</section>'

    def block(self, block: Block) -> str:
        if isinstance(block, Paragraph):
            text = escape(block.text)
            return f'<p class="{block.style}">{"&nbsp;" + text + "&nbsp;" if block.style == "banner" else text}</p>'
        if isinstance(block, Bullets):
            items = "".join(f"<li>{escape(item)}</li>" for item in block.items)
            return f'<ul class="{block.style}">{items}</ul>'
        if isinstance(block, Table):
            return self.table(block)
        return self.figure(block, self.page_width)

    def table(self, table: Table) -> str:
        """Numbers right-aligned and never wrapped; a wide table (the peer table) in smaller type."""
        run = not any(table.header())
        wide = len(table.columns) > WIDE_TABLE
        cells = [' class="num" align="right"' if c.numeric else ' align="left"' for c in table.columns]
        head = (
            ""
            if run
            else "<tr>"
            + "".join(  # labels may wrap between words, numbers never
                f'<th align="{"right" if c.numeric else "left"}">{escape(c.label)}</th>' for c in table.columns
            )
            + "</tr>"
        )
        rows = "".join(
            "<tr>" + "".join(f"<td{attrs}>{escape(cell)}</td>" for attrs, cell in zip(cells, row)) + "</tr>"
            for row in table.rows()
        )
        kind = "data run" if run else "data wide" if wide else "data"
        spacing = ""
        if self.page_width:
            spacing = ' cellpadding="1" cellspacing="0"' + ("" if run else ' width="100%"')
        title = f"<h3>{escape(table.title)}</h3>" if table.title else ""
        note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
        return f'{title}<table class="{kind}"{spacing}>{head}{rows}</table>{note}'

    def figure(self, figure: Figure, width: int | None) -> str:
        src = self.sources[self.next_figure]
        self.next_figure += 1
        size = ""
        if width:
            w, h = CHART_SIZE[figure.width]
            size = f' width="{width}" height="{round(width * h / w)}"'
        legend = "".join(
            f'<span style="color: {colour}">&#9632;</span>&nbsp;{escape(name)}&nbsp;&nbsp; '
            for name, colour in series_colors(figure)
        )
        parts = [f"<h3>{escape(figure.title)}</h3>"]
        if legend:
            parts.append(f'<p class="legend">{legend}</p>')
        parts.append(f'<p><img src="{src}" alt="{escape(figure.title)}"{size}></p>')
        if figure.caption:
            parts.append(f'<p class="caption">{escape(figure.caption)}</p>')
        return "".join(parts)

    def figure_pair(self, left: Figure, right: Figure) -> str:
        gap = 16
        half = (self.page_width - gap) // 2 if self.page_width else None
        cells = [self.figure(f, half) for f in (left, right)]
        widths = (half, gap) if half else ("49%", "2%")
        spacing = ' cellspacing="0" cellpadding="0"' if self.page_width else ""
        return (
            f'<table class="figures"{spacing}><tr><td width="{widths[0]}">{cells[0]}</td>'
            f'<td width="{widths[1]}"></td><td width="{widths[0]}">{cells[1]}</td></tr></table>'
        )
