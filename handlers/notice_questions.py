"""The questions a case asks for what it is missing (type, listing date, brand, the
complainant's site), one at a time through chatbot.dialog, and how an answer is read.

An Amazon product address is the seller's own listing, whichever question it answers and
wherever a storefront is accepted (`read_url`, so `/case N site` too): it is stored as the case's
ASIN, said so, and the question it did not answer stays open."""

from __future__ import annotations

import re
from typing import Any

from chatbot import dialog
from chatbot.asin import amazon_product_asin, is_short_link
from chatbot.context import Context
from chatbot.conversation import Incoming, Lang, Reply
from chatbot.evidence.present import refusal_reason
from chatbot.i18n import t
from chatbot.intents import is_notice
from chatbot.net.fetcher import message_key
from chatbot.net.urls import InvalidURL, user_url
from chatbot.notices import views
from chatbot.notices.cases import CaseNotFound
from chatbot.notices.models import Case
from chatbot.notices.parser import parse_date, parse_notice
from chatbot.notices.phrases import step_phrase
from chatbot.printable import has_control
from chatbot.typed_date import TypedDateError, read_typed_date, typed_date_problem
from handlers.notice_common import (
    ASK,
    INTENT,
    answer_word,
    case_service,
    complaint_type_word,
    in_case_lang,
    lang_of,
    owner_of,
)


# -- opening cases and asking for what is missing --------------------------------------------------
def questions(case: Case) -> list[str]:
    """The facts the seller should still tell us, most useful first."""
    queue = []
    if case.complaint_type == "unknown":
        queue.append("complaint_type")
    if case.listing_date is None:
        queue.append("listing_date")
    if not case.brand:
        queue.append("brand")
    if not case.storefront_urls:
        queue.append("storefront")
    return queue


def ask_next(msg: Incoming, ctx: Context, case: Case, queue: list[str]) -> Reply | None:
    if not queue:
        dialog.done(ctx, msg.platform, msg.user)
        return None
    dialog.ask(ctx, msg.platform, msg.user, ASK, {"case_id": case.id, "queue": queue})
    lang = lang_of(msg)
    return Reply(INTENT, lang, t(f"notice.ask.{queue[0]}", lang),
                 data={"question": queue[0], "case_id": case.id})

def on_case_answer(msg: Incoming, state: dict[str, Any], ctx: Context) -> list[Reply] | None:
    queue = [q for q in state.get("queue", []) if isinstance(q, str)]
    try:
        case = case_service(ctx).get(int(state["case_id"]), owner_of(msg))
    except (CaseNotFound, KeyError, TypeError, ValueError):
        dialog.done(ctx, msg.platform, msg.user)
        return None
    msg = in_case_lang(msg, case.lang, value_only=True)
    lang = lang_of(msg)
    if not queue:
        dialog.done(ctx, msg.platform, msg.user)
        return None
    notice = parse_notice(msg.text) if len(msg.text) > 80 else None
    if notice is not None and notice.is_notice:
        case = case_service(ctx).update(case.id, owner_of(msg), notice=notice, notice_text=msg.text)
        replies = [views.case_reply(case, lang, t("notice.updated_from_notice", lang, id=case.id),
                                    extra=views.notice_notes(notice, case, lang))]
        question = ask_next(msg, ctx, case, [q for q in queue if q in questions(case)])
        return replies + ([question] if question else [])
    field = queue[0]
    if step_phrase(msg.text) is not None:
        return None  # "第一步做完了": a step of the case, not an answer; the question stays open
    if answer_word(msg.text) == "skip":
        said = t("notice.skipped_question", lang)
    else:
        if is_notice(msg.text) and complaint_type_word(msg.text) is None:
            dialog.done(ctx, msg.platform, msg.user)
            return None  # a new notice story, not an answer
        changes, said_or_error, ok = (read_amazon_listing(msg.text, lang)
                                      or read_answer(field, msg.text, lang, ctx))
        if not ok:
            field, changes, said_or_error, ok = _other_answer(queue, msg.text, lang, ctx, field,
                                                              changes, said_or_error)
        if not ok and not msg.direct:
            return None  # channel chatter while we wait: not an answer, not worth an error
        if not ok:
            return [Reply(INTENT, lang, said_or_error + " " + t(f"notice.ask.{field}", lang), ok=False,
                          data={"question": field, "case_id": case.id})]
        case = case_service(ctx).update(case.id, owner_of(msg), **changes)
        said = said_or_error
        if field not in changes:  # an Amazon listing's ASIN: the question asked is still open
            field = ""
    remaining = [q for q in queue if q != field and q in questions(case)]
    question = ask_next(msg, ctx, case, remaining)
    if question is not None:
        return [Reply(INTENT, lang, f"{said} {question.text}", data=question.data)]
    return [views.case_reply(case, lang, f"{said} {t('notice.all_set', lang)}")]


def _other_answer(queue: list[str], text: str, lang: Lang, ctx: Context, field: str,
                  changes: dict[str, Any], error: str) -> tuple[str, dict[str, Any], str, bool]:
    """An answer that does not fit the question asked may still plainly answer another one
    (a date, a web address): take it rather than make the seller repeat it."""
    looks_like_url = "://" in text or re.match(r"^\s*(www\.)?[\w-]+(\.[\w-]+)+(/\S*)?\s*$", text)
    for other in queue:
        if other == field:
            continue
        if other == "listing_date" and parse_date(text) is not None:
            found, said, ok = read_date(text, lang, ctx)
            return other, found, said, ok
        if other == "storefront" and looks_like_url and parse_date(text) is None:
            found, said, ok = read_url(text, lang, ctx)
            if ok:
                return other, found, said, ok
    return field, changes, error, False


def read_answer(field: str, text: str, lang: Lang, ctx: Context) -> tuple[dict[str, Any], str, bool]:
    """(changes, what to say, ok) for an answer to the question about `field`."""
    if field == "complaint_type":
        kind = complaint_type_word(text)
        if kind is None:
            return {}, t("notice.invalid.complaint_type", lang, value=text[:60]), False
        return {"complaint_type": kind}, t("notice.saved.complaint_type", lang,
                                           value=views.type_name(kind, lang)), True
    if field == "listing_date":
        return read_date(text, lang, ctx)
    if field == "brand":
        return read_brand(text, lang)
    if field == "storefront":
        return read_url(text, lang, ctx)
    return {}, "", False


def read_date(text: str, lang: Lang, ctx: Context) -> tuple[dict[str, Any], str, bool]:
    try:
        day = read_typed_date(text, ctx.clock().date())
    except TypedDateError as exc:
        return {}, typed_date_problem(exc, lang), False
    if day > ctx.clock().date():
        return {}, t("notice.invalid.future_date", lang, value=day.isoformat()), False
    return {"listing_date": day}, t("notice.saved.listing_date", lang, value=day.isoformat()), True


def read_brand(text: str, lang: Lang) -> tuple[dict[str, Any], str, bool]:
    brand = text.strip()
    if not brand or len(brand) > 100 or "\n" in brand or has_control(brand):
        return {}, t("notice.invalid.brand", lang), False
    return {"brand": brand}, t("notice.saved.brand", lang, value=brand), True


def read_amazon_listing(text: str, lang: Lang) -> tuple[dict[str, Any], str, bool] | None:
    """({"asins": [ASIN]}, what to say, True) when `text` starts with an Amazon product address
    (the word `read_url` would read; see chatbot.asin.amazon_product_asin): the seller's own
    listing, never the complainant's site. None for anything else."""
    raw = text.strip().split()[0] if text.strip() else ""
    asin = amazon_product_asin(raw)
    if asin is None:
        return None
    return {"asins": [asin]}, t("notice.saved.amazon_listing", lang, value=raw[:100], asin=asin), True


def read_url(text: str, lang: Lang, ctx: Context) -> tuple[dict[str, Any], str, bool]:
    """(changes, what to say, ok) for a storefront address: `{"storefront": URL}` once the
    fetcher's own check accepts it; an Amazon product address gives `{"asins": [ASIN]}` instead
    (`read_amazon_listing`); a refused link gives ({}, the reason /checksite gives, False)."""
    if (listing := read_amazon_listing(text, lang)) is not None:
        return listing
    raw = text.strip().split()[0] if text.strip() else ""
    if is_short_link(raw):  # an Amazon page that names nothing until opened: not their storefront
        return {}, t("notice.invalid.asin_short_link", lang, value=raw[:100]), False
    try:
        url = str(user_url(raw, ctx.settings))  # the fetcher's own check: what it refuses is not stored
    except InvalidURL as exc:
        # The reason /checksite gives for the same link: one reading, one explanation.
        reason = refusal_reason(message_key(exc), lang)
        return {}, t("notice.invalid.url", lang, value=text.strip()[:100], reason=reason), False
    return {"storefront": url}, t("notice.saved.storefront", lang, value=url), True


