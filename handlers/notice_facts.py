"""Free text the notice conversation understands outside a question: "amazon took down my
listing" (maybe IP, maybe not: one short question), "第一步做完了" / "step 2 done" (a step of the
open case), and a bare date, web address, ASIN or brand word from a seller with one open case
(offered as that case's fact, not answered with the help screen).

Each handler returns None when the message is not its business, so the router can answer.
"""

from __future__ import annotations

import re
from typing import Any

from chatbot import dialog
from chatbot.asin import AsinError, read_asin
from chatbot.context import Context
from chatbot.conversation import Incoming, Reply
from chatbot.i18n import t
from chatbot.notices import views
from chatbot.notices.checklists import TYPES, checklist
from chatbot.notices.models import Case
from chatbot.notices.parser import parse_date
from chatbot.notices.phrases import phrases, step_phrase
from handlers.notice_case import case_change, mark
from handlers.notice_common import (
    OFFER,
    answer_word,
    case_service,
    complaint_type_word,
    error_reply,
    in_case_lang,
    lang_of,
    owner_of,
)

REMOVED = "notice.removed"  # dialog: we asked whether a removed listing is an IP matter
FACT = "notice.fact"  # dialog: we offered a bare value as the open case's fact
MAX_FACT_CHARS = 120
_URL = re.compile(r"^(?:https?://)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/\S*)?$", re.IGNORECASE)
_BRAND = re.compile(r"^[A-Za-z][A-Za-z0-9&'\-]{1,29}$")


def _only_open_case(msg: Incoming, ctx: Context) -> Case | None:
    cases = case_service(ctx).list_for(owner_of(msg), include_closed=False, limit=2)
    return cases[0] if len(cases) == 1 else None


# -- "amazon took down my listing" ------------------------------------------------------------
def on_listing_removed(msg: Incoming, ctx: Context) -> list[Reply]:
    """One short question instead of the help screen: was it an IP complaint?"""
    lang = lang_of(msg)
    dialog.ask(ctx, msg.platform, msg.user, REMOVED, {"lang": lang})
    return [Reply(views.INTENT, lang, t("notice.removed.question", lang),
                  data={"question": "is_ip", "offer": "checklist"})]


def on_removed_answer(msg: Incoming, state: dict[str, Any], ctx: Context) -> list[Reply] | None:
    lang = lang_of(msg)
    kind = complaint_type_word(msg.text)
    answer = answer_word(msg.text)
    if kind is None and answer not in ("yes", "no"):
        return None  # a pasted e-mail or another story: the router reads it afresh
    dialog.done(ctx, msg.platform, msg.user)
    if answer == "no":
        return [Reply(views.INTENT, lang, t("notice.removed.not_ip", lang))]
    hint = kind if kind in TYPES else None
    dialog.ask(ctx, msg.platform, msg.user, OFFER, {"type": hint, "text": "", "lang": lang})
    return [views.intent_reply(checklist(hint or "other"), lang, hint)]


# -- "第一步做完了" ------------------------------------------------------------------------------
def on_step_phrase(msg: Incoming, ctx: Context) -> list[Reply] | None:
    phrase = step_phrase(msg.text)
    if phrase is None:
        return None
    case = case_service(ctx).latest(owner_of(msg))
    if case is None or case.status != "open":
        return None
    msg = in_case_lang(msg, case.lang, value_only=False)
    steps = checklist(case.complaint_type)
    if not 1 <= phrase.number <= len(steps.steps):
        return error_reply(msg, t("notice.unknown_step", lang_of(msg), id=case.id,
                                    value=str(phrase.number), count=len(steps.steps)))
    return mark(msg, ctx, case, steps.steps[phrase.number - 1].id, phrase.state, None)


# -- a bare date, address, ASIN or brand word -------------------------------------------------
def _fact(text: str, case: Case) -> tuple[str, str] | None:
    """(field, value) when `text` is nothing but one fact a case can hold."""
    value = text.strip()
    if not value or len(value) > MAX_FACT_CHARS or "\n" in value:
        return None
    day = parse_date(value)
    if day is not None and len(re.sub(r"[\d\s./\-年月日,]", "", value)) <= 12:
        return "listing_date", day.isoformat()
    try:
        asin = read_asin(value)
    except AsinError:
        asin = ""
    if asin.startswith("B0") or (asin and "/" in value):  # a bare 10-digit number: a complaint ID too
        return "asin", asin
    if _URL.match(value) and "." in value:
        return "storefront", value
    if not case.brand and _BRAND.match(value) and value.lower() not in phrases().not_brands \
            and (value[0].isupper() or value.isupper()):
        return "brand", value
    return None


def on_bare_fact(msg: Incoming, ctx: Context) -> list[Reply] | None:
    case = _only_open_case(msg, ctx)
    if case is None:
        return None
    found = _fact(msg.text, case)
    if found is None:
        return None
    msg = in_case_lang(msg, case.lang, value_only=True)
    lang = lang_of(msg)
    field, value = found
    dialog.ask(ctx, msg.platform, msg.user, FACT, {"case_id": case.id, "field": field, "value": value})
    return [Reply(views.INTENT, lang, t(f"notice.fact_offer.{field}", lang, value=value, id=case.id),
                  data={"offer": field, "value": value, "case_id": case.id})]


def on_fact_answer(msg: Incoming, state: dict[str, Any], ctx: Context) -> list[Reply] | None:
    answer = answer_word(msg.text)
    if answer not in ("yes", "no"):
        dialog.done(ctx, msg.platform, msg.user)
        return None
    dialog.done(ctx, msg.platform, msg.user)
    lang = lang_of(msg)
    if answer == "no":
        return [Reply(views.INTENT, lang, t("notice.fact_declined", lang))]
    field, value = str(state.get("field")), str(state.get("value"))
    sub = {"listing_date": "since", "storefront": "site", "asin": "asin", "brand": "brand"}.get(field)
    if sub is None:
        return None
    return case_change(msg, ctx, int(state["case_id"]), sub, [value])


def on_free_text(msg: Incoming, ctx: Context) -> list[Reply] | None:
    """Step phrases first, then a bare fact; None when neither applies or when the message was
    channel chatter not addressed to the bot."""
    if not msg.direct:
        return None
    return on_step_phrase(msg, ctx) or on_bare_fact(msg, ctx)


INTENTS = {"listing_removed": on_listing_removed}
CONTINUATIONS = {REMOVED: on_removed_answer, FACT: on_fact_answer}
FREE_TEXT = (on_free_text,)
