"""`/case`: list, resume, change a fact, mark steps (done / skip / todo / explain / filed),
close and reopen. Typed equivalents of every button."""

from __future__ import annotations

from datetime import date
from typing import Any

from chatbot.asin import find_asins, is_short_link
from chatbot.context import Context
from chatbot.conversation import Incoming, Lang, Reply
from chatbot.i18n import t
from chatbot.notices import views
from chatbot.notices.cases import CaseNotFound
from chatbot.notices.checklists import checklist
from chatbot.notices.models import Case
from chatbot.notices.parser import EMAIL, parse_notice
from chatbot.printable import has_control
from chatbot.typed_date import TypedDateError, read_typed_date, typed_date_problem
from handlers.notice_common import (
    COMPLAINT_ID,
    VALUE_ONLY,
    case_id_of,
    case_service,
    error_reply,
    has_facts,
    in_case_lang,
    lang_of,
    norm,
    owner_of,
    vocabulary,
)
from handlers.notice_questions import read_answer, read_brand, read_date, read_url


# -- /case --------------------------------------------------------------------------------------
def cmd_case(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    lang = lang_of(msg)
    service = case_service(ctx)
    words = args.split(maxsplit=2)
    commands = vocabulary().commands
    if not words or commands.get(norm(words[0])) == "list":
        return [views.list_reply(service.list_for(owner_of(msg)), lang)]
    first = commands.get(norm(words[0]))
    if first == "resume":
        case = service.latest(owner_of(msg))
        if case is None:
            return error_reply(msg, t("notice.no_case", lang))
        return [views.case_reply(case, lang, t("notice.resumed", lang, id=case.id))]
    case_id = case_id_of(words[0])
    if case_id is None:
        if first is not None:  # "/case since 2021-04-02": the latest open case
            latest = service.latest(owner_of(msg))
            if latest is None:
                return error_reply(msg, t("notice.no_case", lang))
            msg = in_case_lang(msg, latest.lang, value_only=first in VALUE_ONLY)
            return case_change(msg, ctx, latest.id, first, args.split(maxsplit=1)[1:])
        return error_reply(msg, t("notice.bad_id", lang, value=words[0][:40]))
    try:
        case = service.get(case_id, owner_of(msg))
    except CaseNotFound:
        return error_reply(msg, t("notice.case_not_found", lang, id=case_id))
    sub = commands.get(norm(words[1])) if len(words) > 1 else None
    msg = in_case_lang(msg, case.lang, value_only=len(words) == 1 or sub in VALUE_ONLY)
    lang = lang_of(msg)
    if len(words) == 1:
        return [views.case_reply(case, lang, t("notice.resumed", lang, id=case.id))]
    if sub is None or sub in ("list", "resume"):
        return error_reply(msg, t("notice.unknown_case_command", lang, value=words[1][:40],
                             usage=t("notice.case_usage", lang)))
    return case_change(msg, ctx, case.id, sub, words[2:])


def case_change(msg: Incoming, ctx: Context, case_id: int, sub: str, rest: list[str]) -> list[Reply]:
    lang = lang_of(msg)
    value = rest[0].strip() if rest else ""
    service = case_service(ctx)
    owner = owner_of(msg)
    try:
        if sub in ("done", "skip", "todo", "explain", "filed"):
            return _step_command(msg, ctx, case_id, sub, value)
        if sub in ("close", "reopen"):
            case = service.update(case_id, owner, status="closed" if sub == "close" else "open")
            key = "notice.closed" if sub == "close" else "notice.reopened"
            return [views.case_reply(case, lang, t(key, lang, id=case.id))]
        if sub == "notice" and value:
            notice = parse_notice(value)
            if not has_facts(notice) and notice.complaint_type is None:
                return error_reply(msg, t("notice.nothing_found", lang))
            case = service.update(case_id, owner, notice=notice, notice_text=value)
            return [views.case_reply(case, lang, t("notice.updated_from_notice", lang, id=case.id),
                                     extra=views.notice_notes(notice, case, lang))]
        if not value:
            example = f"/case {case_id} {sub} …"
            return error_reply(msg, t("notice.invalid.empty", lang, example=example))
        changes, said, ok = _read_field(sub, value, lang, ctx)
        if not ok:
            return error_reply(msg, said)
        case = service.update(case_id, owner, **changes)
    except CaseNotFound:
        return error_reply(msg, t("notice.case_not_found", lang, id=case_id))
    return [views.case_reply(case, lang, said)]


def _read_field(sub: str, value: str, lang: Lang, ctx: Context) -> tuple[dict[str, Any], str, bool]:
    if sub == "since":
        return read_date(value, lang, ctx)
    if sub == "brand":
        return read_brand(value, lang)
    if sub == "site":
        return read_url(value, lang, ctx)
    if sub == "type":
        return read_answer("complaint_type", value, lang, ctx)
    if sub == "id":
        number = value.strip().lstrip("#")
        if not COMPLAINT_ID.match(number):
            return {}, t("notice.invalid.complaint_id", lang), False
        return {"complaint_id": number}, t("notice.saved.complaint_id", lang, value=number), True
    if sub == "asin":
        found = find_asins(value)
        if not found:
            key = "notice.invalid.asin_short_link" if is_short_link(value) else "notice.invalid.asin"
            return {}, t(key, lang, value=value.strip()[:60]), False
        return {"asins": found}, t("notice.saved.asins", lang, value=", ".join(found),
                                                  count=len(found)), True
    if sub == "owner":
        if len(value) > 200 or "\n" in value or has_control(value):
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
    lang = lang_of(msg)
    service = case_service(ctx)
    case = service.get(case_id, owner_of(msg))
    steps = checklist(case.complaint_type)
    if sub == "filed":
        step = steps.step("counter_notice")
        if step is None:
            return error_reply(msg, t("notice.filed_not_copyright", lang, id=case.id,
                                 type=views.type_name(case.complaint_type, lang)))
        try:
            on = read_typed_date(value, ctx.clock().date()) if value else ctx.clock().date()
        except TypedDateError as exc:
            return error_reply(msg, typed_date_problem(exc, lang))
        return mark(msg, ctx, case, step.id, "done", on)
    step = steps.step(value.split()[0]) if value else None
    if step is None:
        return error_reply(msg, t("notice.unknown_step", lang, id=case.id, value=value[:40] or "?",
                             count=len(steps.steps)))
    if sub == "explain":
        return [views.explain_reply(case, step, lang)]
    state = {"done": "done", "skip": "skipped", "todo": "todo"}[sub]
    return mark(msg, ctx, case, step.id, state, None)


def mark(msg: Incoming, ctx: Context, case: Case, step_id: str, state: str, on: date | None) -> list[Reply]:
    lang = lang_of(msg)
    case = case_service(ctx).set_step(case.id, owner_of(msg), step_id, state, on=on)
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
    return [views.step_reply(case, step, state, lang, text)]


