"""The notice conversation: "I got an infringement notice", `/notice`, `/case`, `/letter`.

Free text that expresses the notice intent gets a calm summary, the first checklist steps and
an offer to open a case; a pasted notice opens the case at once, shows what was read and asks
only for what is missing (one question at a time, through chatbot.dialog). Buttons carry
`case.*` action ids; every button has a typed equivalent for platforms without buttons.
"""

from __future__ import annotations

from typing import Any

from chatbot import dialog
from chatbot.context import Context
from chatbot.conversation import Incoming, Paragraph, Part, Reply
from chatbot.i18n import t
from chatbot.intents import is_notice
from chatbot.notices import letters, views
from chatbot.notices.cases import CaseNotFound
from chatbot.notices.checklists import TYPES, checklist
from chatbot.notices.models import Case
from chatbot.notices.parser import ParsedNotice, parse_notice
from handlers import complainant
from handlers.notice_case import cmd_case, mark
from handlers.notice_common import (
    ASK,
    INTENT,
    OFFER,
    OFFER_TEXT_CHARS,
    answer_word,
    case_id_of,
    case_service,
    complaint_type_word,
    error_reply,
    has_facts,
    in_case_lang,
    lang_of,
    owner_of,
)
from handlers.notice_letter import cmd_letter, letter_replies
from handlers.notice_questions import ask_next, on_case_answer, questions


def _same_complaint(msg: Incoming, ctx: Context, notice: ParsedNotice) -> Case | None:
    if not notice.complaint_id:
        return None
    for case in case_service(ctx).list_for(owner_of(msg), include_closed=False):
        if case.complaint_id == notice.complaint_id:
            return case
    return None


def open_case(msg: Incoming, ctx: Context, notice: ParsedNotice | None, text: str = "",
               complaint_type: str | None = None, *, pasted_args: bool = False) -> list[Reply]:
    lang = lang_of(msg)
    service = case_service(ctx)
    pasted = notice is not None and notice.is_notice
    existing = _same_complaint(msg, ctx, notice) if notice is not None else None
    if existing is not None and notice is not None:  # the same notice again: update, don't duplicate
        case = service.update(existing.id, owner_of(msg), notice=notice, notice_text=text)
        intro = t("notice.updated_from_notice", lang, id=case.id)
    else:
        case = service.open(owner_of(msg), lang, notice, notice_text=text if pasted else "",
                            complaint_type=complaint_type)
        intro = t("notice.opened_from_notice" if pasted else "notice.opened", lang, id=case.id)
    extra: list[Part] = views.notice_notes(notice, case, lang) if pasted and notice is not None else []
    if pasted:
        extra += complainant.offer_parts(notice, lang)  # an offer only: nothing fetched until a yes
    if pasted_args and notice is not None and not has_facts(notice) and notice.complaint_type is None:
        extra.append(Paragraph(t("notice.nothing_found", lang)))
    replies = [views.case_reply(case, lang, intro, extra=extra,
                                data={"notice": notice.to_dict() if notice is not None else None})]
    question = ask_next(msg, ctx, case, questions(case))
    if question is not None:
        replies.append(question)
    return replies


# -- free text ----------------------------------------------------------------------------------
def on_intent(msg: Incoming, ctx: Context) -> list[Reply]:
    notice = parse_notice(msg.text)
    if notice.is_notice:
        return open_case(msg, ctx, notice, msg.text)
    hint = notice.complaint_type
    dialog.ask(ctx, msg.platform, msg.user, OFFER,
               {"type": hint, "text": msg.text[:OFFER_TEXT_CHARS], "lang": lang_of(msg)})
    return [views.intent_reply(checklist(hint or "other"), lang_of(msg), hint)]


def on_offer_answer(msg: Incoming, state: dict[str, Any], ctx: Context) -> list[Reply] | None:
    msg = in_case_lang(msg, str(state.get("lang", "")), value_only=True)
    answer = answer_word(msg.text)
    if answer == "yes":
        text = str(state.get("text") or "")
        notice = parse_notice(text) if text else None
        hint = state.get("type") if state.get("type") in TYPES else None
        return open_case(msg, ctx, notice, text, complaint_type=hint)
    dialog.done(ctx, msg.platform, msg.user)
    if answer == "no":
        return [Reply(INTENT, lang_of(msg), t("notice.declined", lang_of(msg)))]
    return None  # something else: let the router treat it as a new message


# -- /notice ------------------------------------------------------------------------------------
def cmd_notice(msg: Incoming, args: str, ctx: Context) -> list[Reply] | None:
    if not args:
        return open_case(msg, ctx, None)
    kind = complaint_type_word(args)
    if kind is not None:
        return open_case(msg, ctx, None, complaint_type=kind)
    notice = parse_notice(args)
    typed_as_text = msg.command is None and not msg.text.lstrip().startswith("/")
    if typed_as_text and not has_facts(notice) and not is_notice(args):
        return None  # "投诉 快递太慢": looks like our command, is not about IP; the router answers
    return open_case(msg, ctx, notice, args, pasted_args=True)


# -- buttons ------------------------------------------------------------------------------------
def on_action(msg: Incoming, ctx: Context) -> list[Reply]:
    lang = lang_of(msg)
    assert msg.action is not None
    kind = msg.action.id.partition(".")[2]
    value = msg.action.value
    if kind == "open":
        waiting = dialog.waiting(ctx, msg.platform, msg.user)
        state = waiting.state if waiting is not None and waiting.handler == OFFER else {}
        text = str(state.get("text") or "")
        hint = value if value in TYPES else None
        return open_case(msg, ctx, parse_notice(text) if text else None, text, complaint_type=hint)
    case_part, _, target = value.partition(":")
    case_id = case_id_of(case_part)
    if kind not in ("done", "skip", "explain", "letter") or case_id is None or not target:
        return [Reply("error", lang, t("core.unknown_action", lang), ok=False)]
    try:
        case = case_service(ctx).get(case_id, owner_of(msg))
        msg = in_case_lang(msg, case.lang, value_only=True)
        lang = lang_of(msg)
        if kind == "letter":
            letter_type = letters.resolve_type(target)
            if letter_type is None:
                return [Reply("error", lang, t("core.unknown_action", lang), ok=False)]
            return letter_replies(msg, ctx, letter_type, case)
        step = checklist(case.complaint_type).step(target)
        if step is None:
            return error_reply(msg, t("notice.unknown_step", lang, id=case.id, value=target[:40],
                                 count=len(checklist(case.complaint_type).steps)))
        if kind == "explain":
            return [views.explain_reply(case, step, lang)]
        return mark(msg, ctx, case, step.id, "done" if kind == "done" else "skipped", None)
    except CaseNotFound:
        return error_reply(msg, t("notice.case_not_found", lang, id=case_id))


COMMANDS = {"notice": cmd_notice, "case": cmd_case, "letter": cmd_letter}
INTENTS = {"notice": on_intent}
ACTIONS = {"case": on_action}
CONTINUATIONS = {OFFER: on_offer_answer, ASK: on_case_answer}
