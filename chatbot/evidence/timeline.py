"""The timeline picture: every dated claim on one time axis, one row per source, with the seller's
own date and the verdicts marked, in the report's language.

Drawn with the report font (see fonts.py), so Chinese labels render on a machine with no CJK font
installed. A lookup with no dated source has no picture: `render` returns None and the report says
so in a sentence instead of drawing an empty axis.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from chatbot.conversation import Lang
from chatbot.evidence import present
from chatbot.evidence.fonts import printable, register_matplotlib
from chatbot.i18n import t

MAX_ROWS = 12  # sources drawn; more rows would make the picture unreadable
MAX_POINTS = 400  # dated claims drawn in all
MAX_LABEL = 60  # characters of a row label or the title's host
DPI = 110


@dataclass(frozen=True)
class Mark:
    when: date
    label: str
    colour: str


def _as_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value if len(value) == 10 else value + "-01")
    except (TypeError, ValueError):
        return None


def points(result: dict[str, Any], lang: Lang) -> dict[str, list[tuple[date, float]]]:
    """Dated claims by source label, at most MAX_ROWS rows and MAX_POINTS points ("fetched"
    dates, the time of the lookup itself, are not evidence of age and are left out)."""
    rows: dict[str, list[tuple[date, float]]] = {}
    count = 0
    for source in result.get("sources", []):
        for claim in source.get("dates", []):
            when = _as_date(str(claim.get("value", "")))
            if claim.get("kind") == "fetched" or when is None or count >= MAX_POINTS:
                continue
            name = present.source_name(source["name"], lang)[:MAX_LABEL]
            if name not in rows and len(rows) >= MAX_ROWS:
                continue
            rows.setdefault(name, []).append((when, float(claim.get("weight", 0.5))))
            count += 1
    return rows


def marks(result: dict[str, Any], lang: Lang) -> list[Mark]:
    """The seller's own date and the two verdict dates, where known."""
    found = []
    seller = _as_date(str((result.get("comparison") or {}).get("seller_date") or ""))
    if seller:
        found.append(Mark(seller, t("checksite.report.timeline_seller", lang), "#1a7f37"))
    for key, label, colour in (("page_first_seen", "timeline_page", "#cf222e"),
                               ("site_first_seen", "timeline_site", "#bc4c00")):
        when = _as_date(str((result.get(key) or {}).get("date") or ""))
        if when:
            found.append(Mark(when, t(f"checksite.report.{label}", lang), colour))
    return found


def render(result: dict[str, Any], lang: Lang) -> bytes | None:
    """A PNG (bytes), or None when no source gave a date. Raises fonts.FontMissing."""
    rows = points(result, lang)
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    family = register_matplotlib()
    found = marks(result, lang)
    with plt.rc_context({"font.family": "sans-serif", "font.sans-serif": [family],
                         "axes.unicode_minus": False}):
        figure, axes = plt.subplots(figsize=(10, 1.8 + 0.45 * len(rows)), dpi=DPI)
        try:
            names = list(rows)
            for y, name in enumerate(names):
                axes.scatter([p[0] for p in rows[name]], [y] * len(rows[name]),
                             s=[30 + 90 * w for _, w in rows[name]], alpha=0.7, color="#0969da", zorder=3)
            for mark in found:
                axes.axvline(mark.when, color=mark.colour, linewidth=2, linestyle="--", zorder=2,
                             label=f"{mark.label}: {mark.when.isoformat()}")
            axes.set_yticks(range(len(names)), [printable(n)[0] for n in names])
            axes.set_ylim(-0.6, len(names) - 0.4)
            if found:
                # A legend, not labels on the lines: verdict dates are often days apart and would collide.
                axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=len(found), fontsize=8,
                            frameon=False)
            # Numeric dates read the same in every language; days when everything is close together.
            every = [p[0] for row in rows.values() for p in row] + [m.when for m in found]
            short = (max(every) - min(every)).days < 120
            axes.xaxis.set_major_locator(mdates.AutoDateLocator())
            axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d" if short else "%Y-%m"))
            axes.grid(axis="x", alpha=0.3)
            host = printable(str(result.get("host", ""))[:MAX_LABEL])[0]
            axes.set_title(f"{t('checksite.report.timeline', lang)} — {host}", fontsize=10)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            return buffer.getvalue()
        finally:
            plt.close(figure)
