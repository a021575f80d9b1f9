"""The copying section of the evidence report (HTML and PDF): each matching photo beside the
seller's, the distance and verdict, the matching passages, and what could not be compared."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

from chatbot.conversation import Lang
from chatbot.evidence import copying_present
from chatbot.evidence.imagematch import EDITED_COPY_MAX, SAME_PHOTO_MAX
from chatbot.i18n import message, t


def context(result: dict[str, Any], lang: Lang) -> dict[str, Any] | None:
    """What the template's copying section needs, or None when the lookup did not compare."""
    copying = result.get("copying")
    if not copying:
        return None
    seller_date = (result.get("comparison") or {}).get("seller_date")
    matches = [m | {"verdict_text": t(f"copying.image.{m['verdict']}", lang),
                    "variant_text": copying_present.variant_text(m["variant"], lang)}
               for m in copying["image_matches"] if m["verdict"] != "different"]
    return {
        "L": dict(message("copying.report", lang)) | {
            "explain": t("copying.report.explain", lang, same=SAME_PHOTO_MAX, edited=EDITED_COPY_MAX)},
        "summary": copying_present.summary(copying, lang),
        "counts": copying_present.counts(copying, lang),
        "dates": copying_present.dates_line(copying, seller_date, lang),
        "matches": matches,
        "passages": [p | {"where_text": t(f"copying.where.{p['where']}", lang),
                          "percent": round(p["score"] * 100)} for p in copying["passages"]],
        "problems": [copying_present.problem_line(p, lang) for p in copying["problems"]],
    }


def _thumb(data_uri: str) -> bytes | None:
    if not data_uri.startswith("data:image/jpeg;base64,"):
        return None
    try:
        return base64.b64decode(data_uri.split(",", 1)[1], validate=True)
    except ValueError:
        return None


def pdf_story(section: dict[str, Any] | None, p: Callable[..., Any], table: Callable[..., Any],
              heading: Any, small: Any) -> list[Any]:
    """ReportLab flowables for the section; `p` makes an escaped paragraph, `table(rows, widths)`
    a list of table flowables (pdf.Builder)."""
    if not section:
        return []
    from reportlab.lib.units import mm
    from reportlab.platypus import Image

    labels = section["L"]

    def picture(uri: str) -> Any:
        data = _thumb(uri)
        return Image(io.BytesIO(data), width=24 * mm, height=24 * mm, kind="proportional") if data else ""

    story = [p(labels["heading"], heading), p(section["summary"]), p(section["counts"], small),
             p(section["dates"], small)]
    if section["matches"]:
        rows = [[p(labels[k], small) for k in ("theirs", "yours", "distance", "verdict", "uploaded")]]
        rows += [[[picture(m["copycat_thumb"]), p(m["copycat_image"], small)],
                  [picture(m["seller_thumb"]), p(m["seller_image"], small)],
                  p(m["distance"], small), p(f"{m['verdict_text']} {m['variant_text']}", small),
                  p(m.get("copycat_uploaded") or "", small)] for m in section["matches"]]
        story.extend(table(rows, [50 * mm, 50 * mm, 20 * mm, 30 * mm, 25 * mm]))
    if section["passages"]:
        story.append(p(labels["passages"], small))
        rows = [[p(labels[k], small) for k in ("your_text", "their_text", "score")]]
        rows += [[p(f"{x['where_text']}: {x['seller_text']}", small), p(x["copycat_text"], small),
                  p(f"{x['percent']}%", small)] for x in section["passages"]]
        story.extend(table(rows, [80 * mm, 80 * mm, 15 * mm]))
    story += [p(line, small) for line in section["problems"]]
    story.append(p(labels["explain"], small))
    return story
