"""Evidence reports a seller can attach to an appeal: JSON, HTML, PDF, and a PNG timeline.

Every report carries the evidence log: each URL fetched, when (UTC), the HTTP status, the SHA-256
of the body and what was taken from it, plus the archive links.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from chatbot import knowledge
from chatbot.conversation import Lang
from chatbot.evidence import copying_report, present
from chatbot.i18n import message, t

FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf", ".json": "json"}
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei",
             "Microsoft YaHei", "PingFang SC")


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2, default=str)


def _labels(lang: Lang) -> dict[str, str]:
    return dict(message("checksite.report", lang))


def _date_rows(result: dict[str, Any], lang: Lang) -> list[dict[str, Any]]:
    rows = []
    for source in result.get("sources", []):
        for claim in source.get("dates", []):
            if claim["kind"] == "fetched":
                continue
            rows.append({"source": present.source_name(source["name"], lang),
                         "kind": present.kind_name(claim["kind"], lang), "value": claim["value"],
                         "weight": claim["weight"], "detail": claim["detail"]})
    return sorted(rows, key=lambda r: r["value"])


def _set_aside(result: dict[str, Any], lang: Lang) -> list[dict[str, Any]]:
    rows, seen = [], set()
    for key in ("page_first_seen", "site_first_seen"):
        for claim in (result.get(key) or {}).get("set_aside", []):
            marker = (claim["value"], claim["detail"])
            if marker in seen:
                continue
            seen.add(marker)
            rows.append({"value": claim["value"], "source": present.source_name(claim["source"], lang),
                         "detail": claim["detail"], "reason": t(f"checksite.reason.{claim['reason']}", lang)})
    return rows


def _contacts(result: dict[str, Any], lang: Lang) -> list[tuple[str, str]]:
    abuse = result.get("abuse") or {}
    pairs = []
    for key, label in (("registrar", "registrar"), ("registrar_abuse_email", "registrar_abuse"),
                       ("host_abuse_email", "host_abuse")):
        if abuse.get(key):
            pairs.append((t(f"checksite.field.{label}", lang), str(abuse[key])))
    pairs.append((t("checksite.field.takedown", lang), present.takedown_text(result, lang)))
    return pairs


def _context(result: dict[str, Any], lang: Lang) -> dict[str, Any]:
    labels = _labels(lang)
    problems = [line for line, source in zip(present.source_lines(result, lang), result.get("sources", []),
                                             strict=False) if not source["ok"]]
    return {
        "r": result,
        "L": labels,
        "html_lang": {"en": "en", "zh-Hans": "zh-CN", "zh-Hant": "zh-TW"}[lang],
        "subtitle": t("checksite.report.subtitle", lang, host=result.get("host", "")),
        "generated": t("checksite.report.generated", lang, when=result.get("checked_at", ""),
                       id=result.get("id") or "-"),
        "fields": present.fields(result, lang),
        "brand_hits": result.get("brand_hits") or [],
        "date_rows": _date_rows(result, lang),
        "set_aside": _set_aside(result, lang),
        "source_problems": problems,
        "contacts": _contacts(result, lang),
        "copying": copying_report.context(result, lang),
    }


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(knowledge.load_text("reports/checksite.html.j2"))


def render_html(result: dict[str, Any], lang: Lang, *, timeline: bytes | None = None) -> str:
    context = _context(result, lang)
    context["timeline_png"] = base64.b64encode(timeline).decode("ascii") if timeline else ""
    return _template().render(**context)


# -- timeline picture -----------------------------------------------------------------------
def _cjk_font() -> str | None:
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in names), None)


def render_timeline(result: dict[str, Any], lang: Lang) -> bytes:
    """A PNG: every dated claim on one time axis, one row per source, with the verdicts marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    font = _cjk_font()
    # Without a CJK font on the machine the picture speaks English rather than show empty boxes.
    label_lang: Lang = lang if lang == "en" or font else "en"
    rows: dict[str, list[tuple[date, float]]] = {}
    for source in result.get("sources", []):
        for claim in source.get("dates", []):
            if claim["kind"] == "fetched":
                continue
            raw = claim["value"] if len(claim["value"]) == 10 else claim["value"] + "-01"
            name = present.source_name(source["name"], label_lang)
            rows.setdefault(name, []).append((date.fromisoformat(raw), claim["weight"]))
    marks = []
    comparison = result.get("comparison") or {}
    if comparison.get("seller_date"):
        marks.append((date.fromisoformat(comparison["seller_date"]),
                      t("checksite.report.timeline_seller", label_lang), "#1a7f37"))
    for key, label, colour in (("page_first_seen", "timeline_page", "#cf222e"),
                               ("site_first_seen", "timeline_site", "#bc4c00")):
        if result.get(key):
            marks.append((date.fromisoformat(result[key]["date"]),
                          t(f"checksite.report.{label}", label_lang), colour))
    figure, axes = plt.subplots(figsize=(10, 1.6 + 0.45 * max(len(rows), 1)), dpi=110)
    try:
        if font:
            plt.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
        names = list(rows)
        for y, name in enumerate(names):
            points = rows[name]
            axes.scatter([p[0] for p in points], [y] * len(points), s=[30 + 90 * w for _, w in points],
                         alpha=0.7, color="#0969da", zorder=3)
        for value, label, colour in marks:
            axes.axvline(value, color=colour, linewidth=2, linestyle="--", zorder=2,
                         label=f"{label}: {value.isoformat()}")
        axes.set_yticks(range(len(names)), names)
        axes.set_ylim(-0.6, max(len(names), 1) - 0.4)
        if marks:
            # A legend, not labels on the lines: verdict dates are often days apart and would collide.
            axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=len(marks), fontsize=8,
                        frameon=False)
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        axes.grid(axis="x", alpha=0.3)
        title = t("checksite.report.timeline", label_lang) + f" — {result.get('host', '')}"
        axes.set_title(title, fontsize=10)
        figure.autofmt_xdate()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)


# -- PDF --------------------------------------------------------------------------------------
def render_pdf(result: dict[str, Any], lang: Lang, *, timeline: bytes | None = None) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if lang == "en":
        font = "Helvetica"
    else:
        # A CID font every PDF reader supplies for Chinese: nothing to embed or download.
        font = "STSong-Light"
        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(font))
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12,
                          wordWrap="CJK" if lang != "en" else None)
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9, splitLongWords=True)
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=20, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4)
    context = _context(result, lang)
    labels = context["L"]

    def p(text: Any, style: ParagraphStyle = body) -> Paragraph:
        # Break long URLs and hashes: a zero-width space after separators lets lines wrap.
        safe = escape(str(text))
        for mark in ("/", "&amp;", "?", "=", "_"):
            safe = safe.replace(mark, mark + "\u200b")
        return Paragraph(safe, style)

    def table(rows: list[list[Any]], widths: list[float], header: bool = True) -> Table:
        built = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
        style = [("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke))
        built.setStyle(TableStyle(style))
        return built

    story: list[Any] = [p(labels["title"], h1), p(context["subtitle"]), p(context["generated"], small),
                        Spacer(1, 4 * mm), p(labels["verdict"], h2)]
    verdict_rows = [[p(labels["checked_url"]), p(result.get("normalized_url", ""), small)]]
    verdict_rows += [[p(label), p(value)] for label, value in context["fields"]]
    story.append(table(verdict_rows, [45 * mm, 130 * mm], header=False))
    if timeline:
        story += [p(labels["timeline"], h2), Image(io.BytesIO(timeline), width=175 * mm,
                                                   height=175 * mm * _png_ratio(timeline))]
    if context["brand_hits"]:
        story.append(p(labels["brand_hits"], h2))
        story.append(table([[p(h["where"], small), p(h["snippet"], small)] for h in context["brand_hits"]],
                           [30 * mm, 145 * mm], header=False))
    story += copying_report.pdf_story(context["copying"], p, table, h2, small)
    story.append(p(labels["dates"], h2))
    rows = [[p(labels[k], small) for k in ("col_source", "col_kind", "col_date", "col_weight", "col_detail")]]
    rows += [[p(r["source"], small), p(r["kind"], small), p(r["value"], small), p(r["weight"], small),
              p(r["detail"], small)] for r in context["date_rows"]]
    story.append(table(rows, [25 * mm, 25 * mm, 20 * mm, 12 * mm, 93 * mm]))
    story += [p(line, small) for line in context["source_problems"]]
    if context["set_aside"]:
        story.append(p(labels["set_aside"], h2))
        story.append(table([[p(r["value"], small), p(r["source"], small), p(r["detail"], small),
                             p(r["reason"], small)] for r in context["set_aside"]],
                           [20 * mm, 25 * mm, 85 * mm, 45 * mm], header=False))
    story.append(p(labels["archive_links"], h2))
    links = result.get("archive_links") or []
    story += [p(link["url"], small) for link in links] or [p(labels["no_archive"])]
    story.append(p(labels["abuse"], h2))
    story.append(table([[p(a), p(b)] for a, b in context["contacts"]], [45 * mm, 130 * mm], header=False))
    story.append(p(labels["evidence_log"], h2))
    rows = [[p(labels[k], small) for k in ("col_time", "col_source", "col_url", "col_status", "col_sha256",
                                            "col_extracted")]]
    for e in result.get("evidence", []):
        status = e["status"] if e.get("status") is not None else (e.get("error") or "")
        rows.append([p(e["fetched_at"], small), p(e["source"], small), p(e["url"], small), p(status, small),
                     p(e.get("sha256", ""), small), p("; ".join(e.get("extracted", []))[:600], small)])
    story.append(table(rows, [22 * mm, 16 * mm, 50 * mm, 12 * mm, 35 * mm, 40 * mm]))
    story += [Spacer(1, 4 * mm), p(labels["how_to_verify"], small), p(labels["disclaimer"], small)]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=15 * mm, bottomMargin=15 * mm, title=labels["title"],
                                 author="SellerGuard")
    document.build(story)
    return buffer.getvalue()


def _png_ratio(png: bytes) -> float:
    # Width and height sit at fixed offsets of the IHDR chunk.
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    return height / width if width else 0.3


def write(result: dict[str, Any], lang: Lang, target: Path) -> list[Path]:
    """Write the report named by `target`'s suffix, plus the timeline PNG beside it."""
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise ValueError(f"unsupported report type {target.suffix!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    timeline = render_timeline(result, lang)
    picture = target.with_suffix(".png")
    written = []
    if fmt == "json":
        _atomic_write(target, to_json(result).encode("utf-8"))
    elif fmt == "html":
        _atomic_write(target, render_html(result, lang, timeline=timeline).encode("utf-8"))
    else:
        _atomic_write(target, render_pdf(result, lang, timeline=timeline))
    written.append(target)
    _atomic_write(picture, timeline)
    written.append(picture)
    return written


def _atomic_write(path: Path, data: bytes) -> None:
    """Never leave a half-written report: write beside it, then rename over."""
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_bytes(data)
    temporary.replace(path)
