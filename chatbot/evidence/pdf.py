"""The PDF evidence report: the same sections as the HTML report, set in one embedded font.

Every glyph comes from the report font (fonts.py), embedded as a subset, so the PDF reads the
same on any machine whatever the report language and whatever script the copycat's page used.
Long URLs and hashes wrap at their separators (no invisible characters are added, so text copied
out of the PDF is the URL itself); tables repeat their header row on each page they span. Text
from a fetched page is clipped to MAX_CELL characters per cell, so a 2 MB title makes a normal
report.

The report is a list of sections (`SECTIONS`): each takes the shared context and returns its
flowables, so a new section is one function and one line.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from chatbot.evidence import copying_report
from chatbot.evidence.fonts import printable, register_reportlab

MAX_CELL = 1500  # characters of one table cell or paragraph taken from fetched data
MAX_URL = 2000  # characters of a URL shown (the JSON and the package keep it whole)
MAX_ROWS = 2000  # rows of one table
CHUNK_ROWS = 40  # rows laid out as one piece (see Builder.table)
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
# A URL breaks after one of these (a run of them stays together).
_URL_PIECE = re.compile(r"[^/?&=#.\-_:,;]+[/?&=#.\-_:,;]*|[/?&=#.\-_:,;]+")


@dataclass
class Styles:
    font: str
    lang: str
    body: Any = None
    small: Any = None
    h1: Any = None
    h2: Any = None
    unprintable: list[str] = field(default_factory=list)  # set when text had to be spelled out

    def __post_init__(self) -> None:
        from reportlab.lib.styles import ParagraphStyle

        self.body = ParagraphStyle("body", fontName=self.font, fontSize=9, leading=12, splitLongWords=True)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7, leading=9)
        self.h1 = ParagraphStyle("h1", parent=self.body, fontSize=16, leading=20, spaceAfter=6)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontSize=12, leading=16, spaceBefore=10,
                                 spaceAfter=4)
        self._cjk: dict[str, Any] = {}

    def for_text(self, style: Any, text: str) -> Any:
        """`style`, or its CJK-wrapping twin when `text` has CJK in it: Chinese has no spaces to
        break at, but CJK wrapping costs ten times more, so text without CJK does without it."""
        if not _CJK.search(text):
            return style
        if style.name not in self._cjk:
            from reportlab.lib.styles import ParagraphStyle

            self._cjk[style.name] = ParagraphStyle(f"{style.name}-cjk", parent=style, wordWrap="CJK")
        return self._cjk[style.name]


def clip(text: Any, limit: int = MAX_CELL) -> str:
    """`text` as a string of at most `limit` characters, marked with "…" when cut."""
    value = "" if text is None else str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def wrap_url(url: str, font: str, size: float, width: float) -> list[str]:
    """Lines of `url` no wider than `width` points, broken after separators (/ ? & = # . - _)
    and, for a piece wider than a line, between characters. Joined, the lines are `url`.
    Linear in len(url): each character's width is looked up once."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    widths: dict[str, float] = {}

    def w(char: str) -> float:
        if char not in widths:
            widths[char] = stringWidth(char, font, size)
        return widths[char]

    lines: list[str] = []
    line, line_width = "", 0.0
    for piece in _URL_PIECE.findall(url):
        piece_width = sum(w(c) for c in piece)
        if line and line_width + piece_width > width:
            lines.append(line)
            line, line_width = "", 0.0
        if piece_width <= width - line_width:
            line, line_width = line + piece, line_width + piece_width
            continue
        for char in piece:  # too wide even alone: break between characters
            if line and line_width + w(char) > width:
                lines.append(line)
                line, line_width = "", 0.0
            line, line_width = line + char, line_width + w(char)
    if line or not lines:
        lines.append(line)
    return lines


class Builder:
    """Paragraphs and tables in the report's font, escaping and clipping everything given."""

    def __init__(self, styles: Styles) -> None:
        self.s = styles

    def text(self, value: Any, limit: int = MAX_CELL) -> str:
        shown, replaced = printable(clip(value, limit))
        if replaced:
            self.s.unprintable.append(shown)
        return escape(shown)

    def p(self, value: Any, style: Any = None) -> Any:
        from reportlab.platypus import Paragraph

        text = self.text(value)
        return Paragraph(text, self.s.for_text(style or self.s.body, text))

    def url(self, value: Any, width: float, style: Any = None) -> Any:
        from reportlab.platypus import Paragraph

        style = style or self.s.small
        shown, replaced = printable(clip(value, MAX_URL))
        if replaced:
            self.s.unprintable.append(shown)
        # Leave room for the cell padding (6 pt each side).
        lines = wrap_url(shown, style.fontName, style.fontSize, width - 12)
        return Paragraph("<br/>".join(escape(line) for line in lines), style)

    def lines(self, value: Any, width: float) -> str:
        """`value` as plain cell text broken into lines no wider than `width` (small size), for
        tables: far cheaper to lay out than a paragraph, which matters for a 200-row log."""
        shown, replaced = printable(clip(value, MAX_URL))
        if replaced:
            self.s.unprintable.append(shown)
        return "\n".join(wrap_url(shown, self.s.font, self.s.small.fontSize, width - 12))

    def table(self, rows: list[list[Any]], widths: list[float], header: bool = True) -> list[Any]:
        """The rows as tables of at most CHUNK_ROWS rows, each starting with the header row: a
        long log breaks across pages with its header on every page, and laying it out stays
        linear (ReportLab re-measures every remaining row of a table each time it splits it)."""
        from reportlab.lib import colors
        from reportlab.platypus import Table, TableStyle

        head, body = (rows[:1], rows[1: MAX_ROWS + 1]) if header else ([], rows[:MAX_ROWS])
        style = [("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("FONTNAME", (0, 0), (-1, -1), self.s.font),  # cells never fall back to Helvetica
                 ("FONTSIZE", (0, 0), (-1, -1), self.s.small.fontSize),
                 ("LEADING", (0, 0), (-1, -1), self.s.small.leading)]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke))
        tables = []
        for start in range(0, max(len(body), 1), CHUNK_ROWS):
            built = Table(head + body[start: start + CHUNK_ROWS], colWidths=widths,
                          repeatRows=len(head), splitByRow=1)
            built.setStyle(TableStyle(style))
            tables.append(built)
        return tables


Section = Callable[[Builder, dict[str, Any]], list[Any]]


def _mm(value: float) -> float:
    from reportlab.lib.units import mm

    return float(value * mm)


def header(b: Builder, c: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import Spacer

    r, labels = c["r"], c["L"]
    rows = [[b.p(labels["checked_url"]), b.url(r.get("normalized_url", ""), _mm(130))]]
    rows += [[b.p(label), b.p(value)] for label, value in c["fields"]]
    return [b.p(labels["title"], b.s.h1), b.p(c["subtitle"]), b.p(c["generated"], b.s.small),
            Spacer(1, _mm(4)), b.p(labels["verdict"], b.s.h2), *b.table(rows, [_mm(45), _mm(130)], False)]


def timeline_section(b: Builder, c: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import Image

    items = [b.p(c["L"]["timeline"], b.s.h2)]
    png = c.get("timeline")
    if not png:
        return [*items, b.p(c["L"]["no_dated_sources"])]
    width = _mm(175)
    return [*items, Image(io.BytesIO(png), width=width, height=width * png_ratio(png))]


def brand_section(b: Builder, c: dict[str, Any]) -> list[Any]:
    if not c["brand_hits"]:
        return []
    rows = [[b.p(h.get("where"), b.s.small), b.p(h.get("snippet"), b.s.small)] for h in c["brand_hits"]]
    return [b.p(c["L"]["brand_hits"], b.s.h2), *b.table(rows, [_mm(30), _mm(145)], False)]


def copying_section(b: Builder, c: dict[str, Any]) -> list[Any]:
    """Each copycat photo beside the seller's (see copying_report)."""
    return copying_report.pdf_story(c.get("copying"), b.p, b.table, b.s.h2, b.s.small)


def dates_section(b: Builder, c: dict[str, Any]) -> list[Any]:
    labels, small = c["L"], b.s.small
    heads = ("col_source", "col_kind", "col_date", "col_weight", "col_detail")
    rows = [[b.p(labels[k], small) for k in heads]]
    rows += [[b.p(r["source"], small), b.p(r["kind"], small), b.p(r["value"], small),
              b.p(r["weight"], small), b.url(r["detail"], _mm(93))] for r in c["date_rows"]]
    out = [b.p(labels["dates"], b.s.h2), *b.table(rows, [_mm(25), _mm(25), _mm(20), _mm(12), _mm(93)])]
    out += [b.p(line, small) for line in c["source_problems"]]
    if c["set_aside"]:
        out.append(b.p(labels["set_aside"], b.s.h2))
        out.extend(b.table([[b.p(r["value"], small), b.p(r["source"], small), b.url(r["detail"], _mm(85)),
                             b.p(r["reason"], small)] for r in c["set_aside"]],
                           [_mm(20), _mm(25), _mm(85), _mm(45)], False))
    return out


def archive_section(b: Builder, c: dict[str, Any]) -> list[Any]:
    labels = c["L"]
    links = [b.url(link["url"], _mm(175)) for link in c["r"].get("archive_links") or []]
    return [b.p(labels["archive_links"], b.s.h2), *(links or [b.p(labels["no_archive"])])]


def contacts_section(b: Builder, c: dict[str, Any]) -> list[Any]:
    rows = [[b.p(k), b.p(v)] for k, v in c["contacts"]]
    return [b.p(c["L"]["abuse"], b.s.h2), *b.table(rows, [_mm(45), _mm(130)], False)]


def package_section(b: Builder, c: dict[str, Any]) -> list[Any]:
    rows = [[b.p(k, b.s.small), b.url(v, _mm(135))] for k, v in c["package_rows"]]
    out = [b.p(c["L"]["package"], b.s.h2)]
    if rows:
        out.extend(b.table(rows, [_mm(40), _mm(135)], False))
    return [*out, b.p(c["package_note"], b.s.small)]


def evidence_section(b: Builder, c: dict[str, Any]) -> list[Any]:
    labels, small = c["L"], b.s.small
    rows = [[b.p(labels[k], small) for k in ("col_time", "col_source", "col_url", "col_status", "col_sha256",
                                              "col_extracted")]]
    for e in c["r"].get("evidence", [])[:MAX_ROWS]:
        status = e["status"] if e.get("status") is not None else (e.get("error") or "")
        when = str(e.get("fetched_at") or "").replace("T", "\n", 1)
        rows.append([b.lines(when, _mm(22)), b.lines(e.get("source"), _mm(16)),
                     b.lines(e.get("url"), _mm(50)), b.lines(status, _mm(12)),
                     b.lines(e.get("sha256", ""), _mm(35)),
                     b.p("; ".join(e.get("extracted", [])), small)])
    return [b.p(labels["evidence_log"], b.s.h2),
            *b.table(rows, [_mm(22), _mm(16), _mm(50), _mm(12), _mm(35), _mm(40)])]


def closing(b: Builder, c: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import Spacer

    out = [Spacer(1, _mm(4)), b.p(c["L"]["how_to_verify"], b.s.small), b.p(c["L"]["disclaimer"], b.s.small)]
    if b.s.unprintable:
        out.append(b.p(c["L"]["unprintable"], b.s.small))
    return out


SECTIONS: list[Section] = [header, timeline_section, brand_section, copying_section, dates_section,
                           archive_section,
                           contacts_section, package_section, evidence_section, closing]


def render(context: dict[str, Any], lang: str) -> bytes:
    """The PDF (bytes) for a report context built by report.context(); `context["timeline"]` is the
    PNG or None. Raises fonts.FontMissing when the report font is unavailable."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    font = register_reportlab()
    builder = Builder(Styles(font, lang))
    story: list[Any] = []
    for section in SECTIONS:
        story += section(builder, context)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=_mm(15), rightMargin=_mm(15),
                                 topMargin=_mm(15), bottomMargin=_mm(15),
                                 title=printable(context["L"]["title"])[0], author="SellerGuard",
                                 # The canvas starts in our font: else an unembedded Helvetica is
                                 # declared on every page. Invariant: the same lookup, the same bytes.
                                 initialFontName=font, invariant=1)
    document.build(story)
    return buffer.getvalue()


def png_ratio(png: bytes) -> float:
    """Height / width of a PNG, read from its IHDR chunk (fixed offsets)."""
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    return height / width if width else 0.3
