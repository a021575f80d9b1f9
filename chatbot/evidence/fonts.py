"""The one font every report is set in: Latin, Simplified and Traditional Chinese in one face.

The font comes from a package dependency (`paperang-p2-fonts-cjk`, which ships WenQuanYi Micro
Hei), never from the machine that renders the report nor the one that reads it: the PDF embeds a
subset of it, the timeline picture is drawn with it. WenQuanYi Micro Hei has TrueType outlines,
which ReportLab can subset and embed (Noto Sans CJK ships CFF outlines, which it cannot), and
covers GB 2312, GBK, Big5 and Latin. `SELLERGUARD_REPORT_FONT` may name another TrueType font
file (.ttf, or .ttc whose first face is used).

Characters the font has no glyph for (Thai, emoji, ...) are never drawn as boxes: `printable`
spells each run of them as code points, and the report says that it did.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

FONT_ENV = "SELLERGUARD_REPORT_FONT"
FONT_NAME = "SellerGuardSans"  # the name ReportLab and the PDF know it by
MAX_SPELLED = 6  # code points spelled out per run of unprintable characters; the rest become "…"
# Characters we print although they have no glyph: line breaks and tabs are layout, not text.
_LAYOUT = frozenset("\n\t")


class FontMissing(RuntimeError):
    """No usable report font: the package is not installed or the configured file is unreadable."""


@dataclass(frozen=True)
class ReportFont:
    path: Path
    codepoints: frozenset[int]  # every code point the font has a glyph for
    chars: frozenset[str] = frozenset()  # the same as characters, plus layout ones (fast checks)

    def covers(self, char: str) -> bool:
        return char in self.chars


def font_path() -> Path:
    """The font file: `SELLERGUARD_REPORT_FONT`, else the one the font package ships.

    Raises FontMissing when neither exists."""
    configured = os.environ.get(FONT_ENV, "").strip()
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FontMissing(f"{FONT_ENV}={configured} is not a file")
        return path
    try:
        packaged = resources.files("paperang_p2_fonts_cjk").joinpath("fonts/wqy-microhei.ttc")
    except ModuleNotFoundError as exc:
        raise FontMissing("the report font package paperang-p2-fonts-cjk is not installed") from exc
    path = Path(str(packaged))
    if not path.is_file():
        raise FontMissing(f"the report font is missing from its package ({path})")
    return path


@lru_cache(maxsize=2)
def _load(path: Path) -> ReportFont:
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=0, lazy=True) if path.suffix.lower() in {".ttc", ".otc"} else TTFont(
        path, lazy=True)
    try:
        cmap = font.getBestCmap() or {}
        if "glyf" not in font:
            raise FontMissing(f"{path.name} has no TrueType outlines; the PDF cannot embed it")
        return ReportFont(path, frozenset(cmap), frozenset(map(chr, cmap)) | _LAYOUT)
    finally:
        font.close()


def report_font() -> ReportFont:
    """The report font and its coverage (loaded once per file). Raises FontMissing."""
    return _load(font_path())


def printable(text: str, font: ReportFont | None = None) -> tuple[str, bool]:
    """`text` with every run of characters the font cannot draw spelled as code points, e.g.
    "ร้าน" → "[U+0E23 U+0E49 U+0E32 U+0E19]"; and whether anything was replaced. Linear in
    len(text)."""
    font = font or report_font()
    if font.chars.issuperset(text):
        return text, False
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            spelled = " ".join(f"U+{ord(c):04X}" for c in run[:MAX_SPELLED])
            out.append(f"[{spelled}{' …' if len(run) > MAX_SPELLED else ''}]")
            run.clear()

    for char in text:
        if font.covers(char):
            flush()
            out.append(char)
        else:
            run.append(char)
    flush()
    return "".join(out), True


def register_reportlab() -> str:
    """Register the font with ReportLab (embedded as a subset in every PDF); returns its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        path = font_path()
        index = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), **index))
    return FONT_NAME


@lru_cache(maxsize=1)
def web_font() -> bytes:
    """The report font as one TrueType file (the first face of the collection), for pages to
    fall back on where the reader's device has no CJK font. About 4.6 MB; built once."""
    import io

    from fontTools.ttLib import TTFont

    path = font_path()
    font = TTFont(str(path), fontNumber=0) if path.suffix.lower() == ".ttc" else TTFont(str(path))
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


@lru_cache(maxsize=1)
def register_matplotlib() -> str:
    """Add the font to matplotlib's font list; returns the family name to draw with."""
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()
