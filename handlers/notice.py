"""The notice conversation: "I got an infringement notice", `/notice`, `/case`, `/letter`.

Free text that expresses the notice intent gets a calm summary, the first checklist steps and
an offer to open a case; a pasted notice opens the case at once, shows what was read and asks
only for what is missing (one question at a time, through chatbot.dialog). Buttons carry
`case.*` action ids; every button has a typed equivalent for platforms without buttons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from chatbot import dialog, knowledge
from chatbot.context import Context
from chatbot.conversation import Incoming, Lang, Paragraph, Part, Reply
from chatbot.i18n import is_cjk, t, to_simplified, to_traditional
from chatbot.intents import classify
from chatbot.notices import letters, views
from chatbot.notices.cases import CaseNotFound, CaseService, Owner
from chatbot.notices.checklists import TYPES, checklist
from chatbot.notices.models import Case
from chatbot.notices.parser import ASIN, EMAIL, ParsedNotice, parse_date, parse_notice

INTENT = views.INTENT
OFFER = "notice.offer"  # dialog: we offered to open a case
ASK = "case.ask"  # dialog: we asked for a missing case fact
OFFER_TEXT_CHARS = 4000
COMPLAINT_ID = re.compile(r"^\d{6,20}$")
LANGS = ("en", "zh-Hans", "zh-Hant")
# Sub-commands whose words say nothing about the writer's language ("/case 3 done 2").
VALUE_ONLY = {"since", "brand", "site", "id", "asin", "email", "done", "skip", "todo", "explain", "filed",
              "close", "reopen"}


# -- small helpers ------------------------------------------------------------------------------
def _lang(msg: Incoming) -> Lang:
    assert msg.lang is not None, "the app sets the language before routing"
    return msg.lang


def _owner(msg: Incoming) -> Owner:
    return Owner(msg.platform, msg.user)


def _service(ctx: Context) -> CaseService:
    return ctx.service(CaseService)


def _error(msg: Incoming, text: str) -> list[Reply]:
    return [Reply(INTENT, _lang(msg), text, ok=False)]


def _in_case_lang(msg: Incoming, lang: str, value_only: bool) -> Incoming:
    """Keep answering in the case's language when a message does not really tell another one:
    a button, "/case 3 done 2", a date, or Chinese without any Simplified-only character from a
    seller who writes Traditional."""
    if msg.lang_forced or lang not in LANGS:
        return msg
    if any(is_cjk(c) for c in msg.text):
        if msg.lang == "zh-Hans" and lang == "zh-Hant" and to_traditional(msg.text) == msg.text:
            return msg.with_(lang="zh-Hant")
        return msg
    return msg.with_(lang=lang) if value_only else msg


MAX_WORD_CHARS = 40  # longer than any command, answer or type word: not converted, never matches


def _norm(text: str) -> str:
    text = text.strip().lower()
    if len(text) > MAX_WORD_CHARS:
        return text
    return to_simplified(text).strip(" .!?,;。！？，；~")


@dataclass(frozen=True)
class _Words:
    commands: dict[str, str]  # typed word -> case sub-command
    answers: dict[str, frozenset[str]]  # yes / no / skip -> words
    types: dict[str, str]  # typed word -> complaint type


@lru_cache(maxsize=1)
def _words() -> _Words:
    table = knowledge.load_yaml("notices/words.yaml")
    commands = {_norm(str(w)): name for name, words in table["case_commands"].items() for w in words}
    answers = {name: frozenset(_norm(str(w)) for w in words) for name, words in table["answers"].items()}
    types = {_norm(str(w)): name for name, words in table["types"].items() for w in words}
    return _Words(commands, answers, types)


def _answer(text: str) -> str | None:
    """"yes", "no" or "skip" when the message is one of those answers."""
    word = _norm(text)
    for name, words in _words().answers.items():
        if word in words:
            return name
    return None


def _complaint_type(text: str) -> str | None:
    return _words().types.get(_norm(text))


def _case_id(word: str) -> int | None:
    word = word.strip().lstrip("#＃")
    return int(word) if word.isdigit() and len(word) <= 9 else None


def _has_facts(notice: ParsedNotice) -> bool:
    return bool(notice.is_notice or notice.complaint_ids or notice.asins or notice.rights_owner_email)


# -- opening cases and asking for what is missing --------------------------------------------------
def _questions(case: Case) -> list[str]:
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


def _ask_next(msg: Incoming, ctx: Context, case: Case, queue: list[str]) -> Reply | None:
    if not queue:
        dialog.done(ctx, msg.platform, msg.user)
        return None
    dialog.ask(ctx, msg.platform, msg.user, ASK, {"case_id": case.id, "queue": queue})
    lang = _lang(msg)
    return Reply(INTENT, lang, t(f"notice.ask.{queue[0]}", lang),
                 data={"question": queue[0], "case_id": case.id})


def _same_complaint(msg: Incoming, ctx: Context, notice: ParsedNotice) -> Case | None:
    if not notice.complaint_id:
        return None
    for case in _service(ctx).list_for(_owner(msg), include_closed=False):
        if case.complaint_id == notice.complaint_id:
            return case
    return None


def _open_case(msg: Incoming, ctx: Context, notice: ParsedNotice | None, text: str = "",
               complaint_type: str | None = None, *, pasted_args: bool = False) -> list[Reply]:
    lang = _lang(msg)
    service = _service(ctx)
    pasted = notice is not None and notice.is_notice
    existing = _same_complaint(msg, ctx, notice) if notice is not None else None
    if existing is not None and notice is not None:  # the same notice again: update, don't duplicate
        case = service.update(existing.id, _owner(msg), notice=notice, notice_text=text)
        intro = t("notice.updated_from_notice", lang, id=case.id)
    else:
        case = service.open(_owner(msg), lang, notice, notice_text=text if pasted else "",
                            complaint_type=complaint_type)
        intro = t("notice.opened_from_notice" if pasted else "notice.opened", lang, id=case.id)
    extra: list[Part] = views.notice_notes(notice, case, lang) if pasted and notice is not None else []
    if pasted_args and notice is not None and not _has_facts(notice) and notice.complaint_type is None:
        extra.append(Paragraph(t("notice.nothing_found", lang)))
    replies = [views.case_reply(case, lang, intro, extra=extra,
                                data={"notice": notice.to_dict() if notice is not None else None})]
    question = _ask_next(msg, ctx, case, _questions(case))
    if question is not None:
        replies.append(question)
    return replies


# -- free text ----------------------------------------------------------------------------------
def on_intent(msg: Incoming, ctx: Context) -> list[Reply]:
    notice = parse_notice(msg.text)
    if notice.is_notice:
        return _open_case(msg, ctx, notice, msg.text)
    hint = notice.complaint_type
    dialog.ask(ctx, msg.platform, msg.user, OFFER,
               {"type": hint, "text": msg.text[:OFFER_TEXT_CHARS], "lang": _lang(msg)})
    return [views.intent_reply(checklist(hint or "other"), _lang(msg), hint)]


def on_offer_answer(msg: Incoming, state: dict[str, Any], ctx: Context) -> list[Reply] | None:
    msg = _in_case_lang(msg, str(state.get("lang", "")), value_only=True)
    answer = _answer(msg.text)
    if answer == "yes":
        text = str(state.get("text") or "")
        notice = parse_notice(text) if text else None
        hint = state.get("type") if state.get("type") in TYPES else None
        return _open_case(msg, ctx, notice, text, complaint_type=hint)
    dialog.done(ctx, msg.platform, msg.user)
    if answer == "no":
        return [Reply(INTENT, _lang(msg), t("notice.declined", _lang(msg)))]
    return None  # something else: let the router treat it as a new message


def on_case_answer(msg: Incoming, state: dict[str, Any], ctx: Context) -> list[Reply] | None:
    queue = [q for q in state.get("queue", []) if isinstance(q, str)]
    try:
        case = _service(ctx).get(int(state["case_id"]), _owner(msg))
    except (CaseNotFound, KeyError, TypeError, ValueError):
        dialog.done(ctx, msg.platform, msg.user)
        return None
    msg = _in_case_lang(msg, case.lang, value_only=True)
    lang = _lang(msg)
    if not queue:
        dialog.done(ctx, msg.platform, msg.user)
        return None
    notice = parse_notice(msg.text) if len(msg.text) > 80 else None
    if notice is not None and notice.is_notice:
        case = _service(ctx).update(case.id, _owner(msg), notice=notice, notice_text=msg.text)
        replies = [views.case_reply(case, lang, t("notice.updated_from_notice", lang, id=case.id),
                                    extra=views.notice_notes(notice, case, lang))]
        question = _ask_next(msg, ctx, case, [q for q in queue if q in _questions(case)])
        return replies + ([question] if question else [])
    field = queue[0]
    if _answer(msg.text) == "skip":
        said = t("notice.skipped_question", lang)
    else:
        if classify(msg.text) is not None and _complaint_type(msg.text) is None:
            dialog.done(ctx, msg.platform, msg.user)
            return None  # a new notice story, not an answer
        changes, said_or_error, ok = _read_answer(field, msg.text, lang, ctx)
        if not ok:
            field, changes, said_or_error, ok = _other_answer(queue, msg.text, lang, ctx, field,
                                                              changes, said_or_error)
        if not ok and not msg.direct:
            return None  # channel chatter while we wait: not an answer, not worth an error
        if not ok:
            return [Reply(INTENT, lang, said_or_error + " " + t(f"notice.ask.{field}", lang), ok=False,
                          data={"question": field, "case_id": case.id})]
        case = _service(ctx).update(case.id, _owner(msg), **changes)
        said = said_or_error
    remaining = [q for q in queue if q != field and q in _questions(case)]
    question = _ask_next(msg, ctx, case, remaining)
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
            found, said, ok = _read_date(text, lang, ctx)
            return other, found, said, ok
        if other == "storefront" and looks_like_url and parse_date(text) is None:
            found, said, ok = _read_url(text, lang)
            if ok:
                return other, found, said, ok
    return field, changes, error, False


def _read_answer(field: str, text: str, lang: Lang, ctx: Context) -> tuple[dict[str, Any], str, bool]:
    """(changes, what to say, ok) for an answer to the question about `field`."""
    if field == "complaint_type":
        kind = _complaint_type(text)
        if kind is None:
            return {}, t("notice.invalid.complaint_type", lang, value=text[:60]), False
        return {"complaint_type": kind}, t("notice.saved.complaint_type", lang,
                                           value=views.type_name(kind, lang)), True
    if field == "listing_date":
        return _read_date(text, lang, ctx)
    if field == "brand":
        return _read_brand(text, lang)
    if field == "storefront":
        return _read_url(text, lang)
    return {}, "", False


def _read_date(text: str, lang: Lang, ctx: Context) -> tuple[dict[str, Any], str, bool]:
    day = parse_date(text)
    if day is None:
        return {}, t("notice.invalid.date", lang, value=text[:60]), False
    if day > ctx.clock().date():
        return {}, t("notice.invalid.future_date", lang, value=day.isoformat()), False
    return {"listing_date": day}, t("notice.saved.listing_date", lang, value=day.isoformat()), True


def _read_brand(text: str, lang: Lang) -> tuple[dict[str, Any], str, bool]:
    brand = text.strip()
    if not brand or len(brand) > 100 or "\n" in brand:
        return {}, t("notice.invalid.brand", lang), False
    return {"brand": brand}, t("notice.saved.brand", lang, value=brand), True


def _read_url(text: str, lang: Lang) -> tuple[dict[str, Any], str, bool]:
    raw = text.strip().split()[0] if text.strip() else ""
    candidate = raw if "://" in raw else f"https://{raw}"
    try:
        parts = urlsplit(candidate)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    valid = (parts is not None and parts.scheme in ("http", "https") and "." in host
             and len(candidate) <= 2000 and re.fullmatch(r"[a-z0-9.\-]+", host) is not None)
    if not valid:
        return {}, t("notice.invalid.url", lang, value=text.strip()[:100]), False
    return {"storefront": candidate}, t("notice.saved.storefront", lang, value=candidate), True


# -- /notice ------------------------------------------------------------------------------------
def cmd_notice(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    if not args:
        return _open_case(msg, ctx, None)
    kind = _complaint_type(args)
    if kind is not None:
        return _open_case(msg, ctx, None, complaint_type=kind)
    notice = parse_notice(args)
    typed_as_text = msg.command is None and not msg.text.lstrip().startswith("/")
    if typed_as_text and not _has_facts(notice) and classify(args) is None:
        # "投诉 快递太慢": the first word looks like our command, but this is not about IP.
        from chatbot.router import fallback

        return [fallback(msg)] if msg.direct else []
    return _open_case(msg, ctx, notice, args, pasted_args=True)


# -- /case --------------------------------------------------------------------------------------
def cmd_case(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    lang = _lang(msg)
    service = _service(ctx)
    words = args.split(maxsplit=2)
    commands = _words().commands
    if not words or commands.get(_norm(words[0])) == "list":
        return [views.list_reply(service.list_for(_owner(msg)), lang)]
    first = commands.get(_norm(words[0]))
    if first == "resume":
        case = service.latest(_owner(msg))
        if case is None:
            return _error(msg, t("notice.no_case", lang))
        return [views.case_reply(case, lang, t("notice.resumed", lang, id=case.id))]
    case_id = _case_id(words[0])
    if case_id is None:
        if first is not None:  # "/case since 2021-04-02": the latest open case
            latest = service.latest(_owner(msg))
            if latest is None:
                return _error(msg, t("notice.no_case", lang))
            msg = _in_case_lang(msg, latest.lang, value_only=first in VALUE_ONLY)
            return _case_change(msg, ctx, latest.id, first, args.split(maxsplit=1)[1:])
        return _error(msg, t("notice.bad_id", lang, value=words[0][:40]))
    try:
        case = service.get(case_id, _owner(msg))
    except CaseNotFound:
        return _error(msg, t("notice.case_not_found", lang, id=case_id))
    sub = commands.get(_norm(words[1])) if len(words) > 1 else None
    msg = _in_case_lang(msg, case.lang, value_only=len(words) == 1 or sub in VALUE_ONLY)
    lang = _lang(msg)
    if len(words) == 1:
        return [views.case_reply(case, lang, t("notice.resumed", lang, id=case.id))]
    if sub is None or sub in ("list", "resume"):
        return _error(msg, t("notice.unknown_case_command", lang, value=words[1][:40],
                             usage=t("notice.case_usage", lang)))
    return _case_change(msg, ctx, case.id, sub, words[2:])


def _case_change(msg: Incoming, ctx: Context, case_id: int, sub: str, rest: list[str]) -> list[Reply]:
    lang = _lang(msg)
    value = rest[0].strip() if rest else ""
    service = _service(ctx)
    owner = _owner(msg)
    try:
        if sub in ("done", "skip", "todo", "explain", "filed"):
            return _step_command(msg, ctx, case_id, sub, value)
        if sub in ("close", "reopen"):
            case = service.update(case_id, owner, status="closed" if sub == "close" else "open")
            key = "notice.closed" if sub == "close" else "notice.reopened"
            return [views.case_reply(case, lang, t(key, lang, id=case.id))]
        if sub == "notice" and value:
            notice = parse_notice(value)
            if not _has_facts(notice) and notice.complaint_type is None:
                return _error(msg, t("notice.nothing_found", lang))
            case = service.update(case_id, owner, notice=notice, notice_text=value)
            return [views.case_reply(case, lang, t("notice.updated_from_notice", lang, id=case.id),
                                     extra=views.notice_notes(notice, case, lang))]
        if not value:
            example = f"/case {case_id} {sub} …"
            return _error(msg, t("notice.invalid.empty", lang, example=example))
        changes, said, ok = _read_field(sub, value, lang, ctx)
        if not ok:
            return _error(msg, said)
        case = service.update(case_id, owner, **changes)
    except CaseNotFound:
        return _error(msg, t("notice.case_not_found", lang, id=case_id))
    return [views.case_reply(case, lang, said)]


def _read_field(sub: str, value: str, lang: Lang, ctx: Context) -> tuple[dict[str, Any], str, bool]:
    if sub == "since":
        return _read_date(value, lang, ctx)
    if sub == "brand":
        return _read_brand(value, lang)
    if sub == "site":
        return _read_url(value, lang)
    if sub == "type":
        return _read_answer("complaint_type", value, lang, ctx)
    if sub == "id":
        number = value.strip().lstrip("#")
        if not COMPLAINT_ID.match(number):
            return {}, t("notice.invalid.complaint_id", lang), False
        return {"complaint_id": number}, t("notice.saved.complaint_id", lang, value=number), True
    if sub == "asin":
        found = ASIN.findall(value.upper())
        if not found:
            return {}, t("notice.invalid.asin", lang, value=value[:60]), False
        return {"asins": found}, t("notice.saved.asins", lang, value=", ".join(found)), True
    if sub == "owner":
        if len(value) > 200 or "\n" in value:
            return {}, t("notice.invalid.owner", lang), False
        return {"rights_owner": value}, t("notice.saved.rights_owner", lang, value=value), True
    if sub == "email":
        match = EMAIL.fullmatch(value.strip())
        if not match:
            return {}, t("notice.invalid.email", lang, value=value[:100]), False
        email = match.group(0).lower()
        return {"rights_owner_email": email}, t("notice.saved.rights_owner_email", lang, value=email), True
    return {}, t("notice.case_usage", lang), False


def _step_command(msg: Incoming, ctx: Context, case_id: int, sub: str, value: str) -> list[Reply]:
    lang = _lang(msg)
    service = _service(ctx)
    case = service.get(case_id, _owner(msg))
    steps = checklist(case.complaint_type)
    if sub == "filed":
        step = steps.step("counter_notice")
        if step is None:
            return _error(msg, t("notice.filed_not_copyright", lang, id=case.id,
                                 type=views.type_name(case.complaint_type, lang)))
        on = parse_date(value) if value else ctx.clock().date()
        if on is None:
            return _error(msg, t("notice.invalid.date", lang, value=value[:60]))
        return _mark(msg, ctx, case, step.id, "done", on)
    step = steps.step(value.split()[0]) if value else None
    if step is None:
        return _error(msg, t("notice.unknown_step", lang, id=case.id, value=value[:40] or "?",
                             count=len(steps.steps)))
    if sub == "explain":
        return [views.explain_reply(case, step, lang)]
    state = {"done": "done", "skip": "skipped", "todo": "todo"}[sub]
    return _mark(msg, ctx, case, step.id, state, None)


def _mark(msg: Incoming, ctx: Context, case: Case, step_id: str, state: str, on: date | None) -> list[Reply]:
    lang = _lang(msg)
    case = _service(ctx).set_step(case.id, _owner(msg), step_id, state, on=on)
    steps = checklist(case.complaint_type)
    step = steps.step(step_id)
    assert step is not None
    number = steps.number(step_id)
    key = {"done": "notice.step_done", "skipped": "notice.step_skipped", "todo": "notice.step_todo"}[state]
    text = t(key, lang, n=number, title=step.title(lang))
    window = {d.kind: d for d in case.deadlines}
    if state == "done" and "counter_notice_restore_from" in window:
        start, end = window["counter_notice_restore_from"], window["counter_notice_restore_by"]
        text += " " + t("notice.counter_filed", lang, date=start.note.get("filed", ""),
                        start=start.due_at.date().isoformat(), end=end.due_at.date().isoformat())
    return [views.case_reply(case, lang, text)]


# -- /letter ------------------------------------------------------------------------------------
def cmd_letter(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    lang = _lang(msg)
    words = args.split()
    if not words:
        return _error(msg, t("notice.letter_usage", lang))
    letter_type = letters.resolve_type(words[0])
    if letter_type is None:
        return _error(msg, t("notice.letter_unknown", lang, value=words[0][:40]))
    case: Case | None
    if len(words) > 1:
        case_id = _case_id(words[1])
        if case_id is None:
            return _error(msg, t("notice.bad_id", lang, value=words[1][:40]))
        try:
            case = _service(ctx).get(case_id, _owner(msg))
        except CaseNotFound:
            return _error(msg, t("notice.case_not_found", lang, id=case_id))
    else:
        case = _service(ctx).latest(_owner(msg))
    if case is not None:
        msg = _in_case_lang(msg, case.lang, value_only=True)
    return letter_replies(msg, ctx, letter_type, case)


def letter_replies(msg: Incoming, ctx: Context, letter_type: str, case: Case | None) -> list[Reply]:
    lang = _lang(msg)
    try:
        letter = letters.render(letter_type, case, lang, ctx.clock().date())
    except letters.NotApplicable:
        assert case is not None
        return _error(msg, t("notice.letter_not_applicable", lang, id=case.id,
                             type=views.type_name(case.complaint_type, lang)))
    return [views.letter_reply(letter, case, lang)]


# -- buttons ------------------------------------------------------------------------------------
def on_action(msg: Incoming, ctx: Context) -> list[Reply]:
    lang = _lang(msg)
    assert msg.action is not None
    kind = msg.action.id.partition(".")[2]
    value = msg.action.value
    if kind == "open":
        waiting = dialog.waiting(ctx, msg.platform, msg.user)
        state = waiting.state if waiting is not None and waiting.handler == OFFER else {}
        text = str(state.get("text") or "")
        hint = value if value in TYPES else None
        return _open_case(msg, ctx, parse_notice(text) if text else None, text, complaint_type=hint)
    case_part, _, target = value.partition(":")
    case_id = _case_id(case_part)
    if kind not in ("done", "skip", "explain", "letter") or case_id is None or not target:
        return [Reply("error", lang, t("core.unknown_action", lang), ok=False)]
    try:
        case = _service(ctx).get(case_id, _owner(msg))
        msg = _in_case_lang(msg, case.lang, value_only=True)
        lang = _lang(msg)
        if kind == "letter":
            letter_type = letters.resolve_type(target)
            if letter_type is None:
                return [Reply("error", lang, t("core.unknown_action", lang), ok=False)]
            return letter_replies(msg, ctx, letter_type, case)
        step = checklist(case.complaint_type).step(target)
        if step is None:
            return _error(msg, t("notice.unknown_step", lang, id=case.id, value=target[:40],
                                 count=len(checklist(case.complaint_type).steps)))
        if kind == "explain":
            return [views.explain_reply(case, step, lang)]
        return _mark(msg, ctx, case, step.id, "done" if kind == "done" else "skipped", None)
    except CaseNotFound:
        return _error(msg, t("notice.case_not_found", lang, id=case_id))


COMMANDS = {"notice": cmd_notice, "case": cmd_case, "letter": cmd_letter}
INTENTS = {"notice": on_intent}
ACTIONS = {"case": on_action}
CONTINUATIONS = {OFFER: on_offer_answer, ASK: on_case_answer}
