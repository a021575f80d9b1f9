"""Evidence reports a seller can attach to an appeal: JSON, HTML, PDF, and a PNG timeline.

Every report carries the evidence log: each URL fetched, when (UTC), the HTTP status, the SHA-256
of the body and what was taken from it, plus the archive links.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from chatbot import knowledge
from chatbot.conversation import Lang
from chatbot.evidence import copying_report, pdf, present
from chatbot.evidence import timeline as timeline_picture
from chatbot.evidence.rdap import every_value
from chatbot.i18n import message, t

FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf", ".json": "json"}


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
        if values := every_value(abuse, key):
            pairs.append((t(f"checksite.field.{label}", lang), ", ".join(values)))
    pairs.append((t("checksite.field.takedown", lang), present.takedown_text(result, lang)))
    return pairs


def _package_rows(result: dict[str, Any], lang: Lang) -> tuple[list[tuple[str, str]], str]:
    """The evidence package lines of the report, and the sentence under them."""
    package = result.get("package") or {}
    if not package.get("file"):
        return [], t("checksite.report.package_none", lang)
    rows = [(t("checksite.report.package_file", lang), str(package["file"])),
            (t("checksite.report.package_sha256", lang), str(package.get("sha256", "")))]
    stamp = package.get("timestamp") or {}
    if stamp.get("status") == "timestamped":
        rows.append((t("checksite.report.timestamp", lang),
                     t("checksite.report.timestamped", lang, time=stamp.get("time", ""),
                       tsa=stamp.get("tsa", ""))))
    elif stamp.get("status") == "failed":
        rows.append((t("checksite.report.timestamp", lang), t("checksite.report.not_timestamped", lang)))
    saved = result.get("save_page_now") or {}
    if saved.get("url"):
        rows.append((t("checksite.report.saved_copy", lang), str(saved["url"])))
    elif saved.get("status"):
        rows.append((t("checksite.report.saved_copy", lang), t("checksite.report.not_saved", lang)))
    return rows, t("checksite.report.package_how", lang, file=package["file"])


def context(result: dict[str, Any], lang: Lang) -> dict[str, Any]:
    """What every report format shows, computed once: labels, rows and sentences, in `lang`."""
    labels = _labels(lang)
    package_rows, package_note = _package_rows(result, lang)
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
        "brand_hits": [hit | {"where": present.where_label(str(hit.get("where", "")), lang)}
                       for hit in result.get("brand_hits") or []],
        "date_rows": _date_rows(result, lang),
        "set_aside": _set_aside(result, lang),
        "source_problems": problems,
        "contacts": _contacts(result, lang),
        "copying": copying_report.context(result, lang),
        "package_rows": package_rows,
        "package_note": package_note,
    }


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["clip"] = pdf.clip  # a 2 MB title makes a normal page, not a 2 MB cell
    return env.from_string(knowledge.load_text("reports/checksite.html.j2"))


def render_html(result: dict[str, Any], lang: Lang, *, timeline: bytes | None = None,
                downloads: list[tuple[str, str]] | None = None, font_face: str = "") -> str:
    """The HTML report; `downloads` are (label, link) pairs shown at the top and `font_face` a
    CSS @font-face rule for the fallback font (both for report pages on the web process)."""
    shown = context(result, lang)
    shown["downloads"] = downloads or []
    shown["font_face"] = font_face
    shown["timeline_png"] = base64.b64encode(timeline).decode("ascii") if timeline else ""
    return _template().render(**shown)


# -- timeline picture and PDF: their own modules -----------------------------------------------
def render_timeline(result: dict[str, Any], lang: Lang) -> bytes | None:
    """The timeline PNG, or None when no source gave a date (see timeline.py)."""
    return timeline_picture.render(result, lang)


def render_pdf(result: dict[str, Any], lang: Lang, *, timeline: bytes | None = None) -> bytes:
    """The PDF report (see pdf.py); `timeline` is the PNG from render_timeline, or None."""
    return pdf.render(context(result, lang) | {"timeline": timeline}, lang)


def write(result: dict[str, Any], lang: Lang, target: Path) -> list[Path]:
    """Write the report named by `target`'s suffix, plus the timeline PNG beside it."""
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise ValueError(f"unsupported report type {target.suffix!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    timeline = render_timeline(result, lang)
    picture = target.with_suffix(".png")
    written: list[Path] = []
    if fmt == "json":
        _atomic_write(target, to_json(result).encode("utf-8"))
    elif fmt == "html":
        _atomic_write(target, render_html(result, lang, timeline=timeline).encode("utf-8"))
    else:
        _atomic_write(target, render_pdf(result, lang, timeline=timeline))
    written.append(target)
    if timeline is not None:  # no dated source, no picture: the report says so in a sentence
        _atomic_write(picture, timeline)
        written.append(picture)
    return written


def _atomic_write(path: Path, data: bytes) -> None:
    """Never leave a half-written report: write beside it, then rename over."""
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_bytes(data)
    temporary.replace(path)
