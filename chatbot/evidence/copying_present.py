"""Words for a copying result (the `copying` key of a lookup, or `compare`'s result) in the
reader's language: shared by the chat summary, the terminal, the reports and the letters."""

from __future__ import annotations

import re
from typing import Any

from chatbot.conversation import Lang
from chatbot.i18n import t

MAX_LINES = 8  # matches and passages listed in chat; reports list them all


def _percent(value: float) -> int:
    return round(value * 100)


def seller_text(copying: dict[str, Any], lang: Lang) -> str:
    return t(f"copying.seller.{copying['seller_source']}", lang, ref=copying.get("seller_ref", ""),
             marketplace=copying.get("marketplace") or "com")


def summary(copying: dict[str, Any], lang: Lang) -> str:
    """One paragraph: how many photos match, text similarity, the verdict and why."""
    copies = [m for m in copying["image_matches"] if m["verdict"] != "different"]
    same = sum(1 for m in copies if m["verdict"] == "same_photo")
    verdict = t(f"copying.verdict.{copying['verdict']}", lang)
    reason = t(f"copying.reason.{copying['reason']}", lang)
    return t("copying.summary", lang, copies=len(copies), compared=copying["copycat_images_compared"],
             same=same, edited=len(copies) - same, text=_percent(copying["text_similarity"]),
             verdict=f"{verdict} ({reason})")


def counts(copying: dict[str, Any], lang: Lang) -> str:
    return t("copying.counts", lang, copycat_compared=copying["copycat_images_compared"],
             copycat_found=copying["copycat_images_found"], seller_compared=copying["seller_images_compared"],
             seller_found=copying["seller_images_found"], seller=seller_text(copying, lang))


def variant_text(variant: str, lang: Lang) -> str:
    """"mirrored, crop 85% at 0.5,0.5" → "mirrored and cropped to 85%" in the reader's language."""
    crop = re.search(r"crop (\d+)%", variant)
    mirrored = variant.startswith("mirrored")
    if crop:
        key = "mirrored_crop" if mirrored else "crop"
        return t(f"copying.variant_kind.{key}", lang, keep=crop.group(1))
    return t("copying.variant_kind.mirrored", lang) if mirrored else ""


def match_line(match: dict[str, Any], lang: Lang) -> str:
    kind = variant_text(match["variant"], lang)
    variant = t("copying.variant", lang, variant=kind) if kind else ""
    uploaded = t("copying.uploaded", lang, date=match["copycat_uploaded"]) if match.get("copycat_uploaded") \
        else ""
    return t("copying.match", lang, verdict=t(f"copying.image.{match['verdict']}", lang),
             copycat=match["copycat_image"], seller=match["seller_image"], distance=match["distance"],
             variant=variant, uploaded=uploaded)


def passage_line(passage: dict[str, Any], lang: Lang) -> str:
    return t("copying.passage", lang, where=t(f"copying.where.{passage['where']}", lang),
             seller=passage["seller_text"][:160], copycat=passage["copycat_text"][:160],
             score=_percent(passage["score"]))


def problem_line(problem: dict[str, Any], lang: Lang) -> str:
    code, url, detail = problem["code"], problem.get("url", ""), problem.get("detail", "")
    if code.startswith("fetch."):
        try:
            reason = t(code, lang)
        except KeyError:
            reason = code
        return t("copying.problem.fetch", lang, reason=reason, url=url)
    if code == "image_cap":  # detail "24/501": compared / found
        compared, _, found = detail.partition("/")
        return t("copying.problem.image_cap", lang, compared=compared, found=found)
    try:
        return t(f"copying.problem.{code}", lang, url=url, detail=detail)
    except KeyError:
        return f"{code} ({url})"


def dates_line(copying: dict[str, Any], seller_date: str | None, lang: Lang) -> str:
    unknown = t("copying.unknown_date", lang)
    return t("copying.dates", lang, seller=seller_date or copying.get("seller_first_available") or unknown,
             copycat=copying.get("copycat_first_upload") or unknown)


def lines(copying: dict[str, Any], lang: Lang, *, limit: int | None = MAX_LINES,
          seller_date: str | None = None) -> list[str]:
    """Summary, counts, dates, the matching photos and passages, then what could not be compared."""
    out = [summary(copying, lang), counts(copying, lang), dates_line(copying, seller_date, lang)]
    copies = [m for m in copying["image_matches"] if m["verdict"] != "different"]
    out += ["• " + match_line(m, lang) for m in copies[:limit]]
    out += ["• " + passage_line(p, lang) for p in copying["passages"][:limit]]
    if copying["problems"]:
        out.append(t("copying.problems", lang))
        out += ["• " + problem_line(p, lang) for p in copying["problems"][:limit]]
    return out


def letter_sentence(copying: dict[str, Any] | None, lang: Lang, seller_date: str | None = None) -> str:
    """"N of the M product images on the page are copies of the photos in our listing …" or ""."""
    if not copying:
        return ""
    copies = [m for m in copying.get("image_matches", []) if m["verdict"] != "different"]
    parts = []
    if copies:
        first_date = seller_date or copying.get("seller_first_available")
        first = t("copying.letter_first", lang, date=first_date) if first_date else ""
        parts.append(t("copying.letter", lang, copies=len(copies),
                       compared=copying["copycat_images_compared"], seller=seller_text(copying, lang),
                       first=first))
    if copying.get("text_similarity", 0) >= 0.3:
        parts.append(t("copying.letter_text", lang, text=_percent(copying["text_similarity"])))
    return " ".join(parts)
