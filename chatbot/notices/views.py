"""Replies of the notice conversation, built from cases, checklists and letters.

Structured for every adapter: a Heading, Fields for the facts, a Checklist with step states,
Actions with `case.*` buttons (value "<case_id>:<step_id>" or "<case_id>:<letter_type>"), and
a Notice with the "not legal advice" line.
"""

from __future__ import annotations

from typing import Any

from chatbot.conversation import (
    Actions,
    Button,
    Checklist,
    Code,
    Fields,
    Heading,
    Item,
    Lang,
    Notice,
    Paragraph,
    Part,
    Reply,
)
from chatbot.i18n import t
from chatbot.notices import letters
from chatbot.notices.cases import case_summary, step_state
from chatbot.notices.checklists import Checklist as StepList
from chatbot.notices.checklists import Step, checklist
from chatbot.notices.models import Case
from chatbot.notices.parser import ParsedNotice

INTENT = "notice"
FIRST_STEPS = 3


def legal(lang: Lang) -> Notice:
    return Notice(t("notice.legal", lang))


def type_name(kind: str, lang: Lang) -> str:
    try:
        return t(f"notice.types.{kind}", lang)
    except KeyError:
        return t("notice.types.other", lang)


def case_title(case: Case, lang: Lang) -> str:
    return t("notice.case_title", lang, id=case.id, title=checklist(case.complaint_type).title(lang))


def facts(case: Case, lang: Lang) -> Fields:
    """What the case knows, as label/value pairs (only the known values)."""
    numbers = case.ip_numbers or {}
    values: list[tuple[str, str]] = [
        ("complaint_type", type_name(case.complaint_type, lang)),
        ("complaint_id", case.complaint_id),
        ("asins", ", ".join(case.asins)),
        ("rights_owner", case.rights_owner),
        ("rights_owner_email", case.rights_owner_email),
        ("trademark_numbers", ", ".join(numbers.get("trademark", []))),
        ("patent_numbers", ", ".join(numbers.get("patent", []))),
        ("registration_numbers", ", ".join(numbers.get("registration", []))),
        ("marketplace", case.marketplace),
        ("notice_date", case.notice_date.isoformat() if case.notice_date else ""),
        ("listing_date", case.listing_date.isoformat() if case.listing_date else ""),
        ("brand", case.brand),
        ("storefront_urls", ", ".join(case.storefront_urls)),
        ("status", t(f"notice.status.{case.status}", lang)),
    ]
    return Fields(tuple((t(f"notice.fields.{key}", lang), value) for key, value in values if value))


def next_step(case: Case) -> Step | None:
    return next((s for s in checklist(case.complaint_type).steps if step_state(case, s.id) == "todo"), None)


def checklist_part(case: Case, lang: Lang) -> Checklist:
    steps = checklist(case.complaint_type)
    current = next_step(case)
    items = []
    for step in steps.steps:
        state = step_state(case, step.id)
        detail = step.do(lang) if current is not None and step.id == current.id else ""
        items.append(Item(step.title(lang), state=state, id=step.id, detail=detail))  # type: ignore[arg-type]
    return Checklist(tuple(items), title=t("notice.checklist_title", lang, progress=progress(case, lang)))


def progress(case: Case, lang: Lang) -> str:
    """"3 of 9 done" (skipped steps are not done), with ", 1 skipped" when any were skipped."""
    steps = checklist(case.complaint_type).steps
    states = [step_state(case, s.id) for s in steps]
    text = t("notice.progress", lang, done=states.count("done"), total=len(steps))
    skipped = states.count("skipped")
    return text + (t("notice.progress_skipped", lang, count=skipped) if skipped else "")


def step_reply(case: Case, step: Step, state: str, lang: Lang, text: str) -> Reply:
    """After a step changes: that step, the next one with its buttons, and the progress, not the
    whole case card (/case ID shows that)."""
    steps = checklist(case.complaint_type)
    current = next_step(case)
    # Only two steps are shown: each keeps its number in the whole checklist, the one to type.
    items = [Item(step.title(lang), state=state, id=step.id, number=steps.number(step.id))]  # type: ignore[arg-type]
    if current is not None and current.id != step.id:
        items.append(Item(current.title(lang), state="todo", id=current.id, detail=current.do(lang),
                          number=steps.number(current.id)))
    parts: list[Part] = [Checklist(tuple(items), title=t("notice.checklist_title", lang,
                                                         progress=progress(case, lang)))]
    if current is not None:
        number = steps.number(current.id)
        text += " " + t("notice.next_step", lang, n=number, title=current.title(lang))
        parts.append(step_buttons(case, current, lang))
        parts.append(Paragraph(t("notice.how_to", lang, id=case.id, n=number)))
    else:
        parts.append(Paragraph(t("notice.all_done", lang, id=case.id)))
    deadlines = deadlines_part(case, lang)
    if deadlines is not None and step.id == "counter_notice":
        parts.extend([Paragraph(t("notice.deadlines_title", lang)), deadlines])
    parts.append(legal(lang))
    data = {"case": case_summary(case),
            "step": {"number": steps.number(step.id), "state": state, "id": step.id},
            "next": current.id if current is not None else None}
    return Reply(INTENT, lang, text, tuple(parts), data=data)


def step_buttons(case: Case, step: Step, lang: Lang) -> Actions:
    value = f"{case.id}:{step.id}"
    buttons = [
        Button("case.done", t("notice.button.done", lang), value, "primary"),
        Button("case.skip", t("notice.button.skip", lang), value),
        Button("case.explain", t("notice.button.explain", lang), value),
    ]
    if step.letter and letters.applies(step.letter, case.complaint_type):
        buttons.append(Button("case.letter",
                              t("notice.button.letter", lang, title=letters.title(step.letter, lang)),
                              f"{case.id}:{step.letter}"))
    return Actions(tuple(buttons))


def deadlines_part(case: Case, lang: Lang) -> Fields | None:
    """The case's dates: its deadlines and its last nudge (a quiet spell marked with nothing left
    to do, note {"nudge": false}, sent none and is left out); None when there are none."""
    shown = [d for d in case.deadlines if (d.note or {}).get("nudge") is not False]
    if not shown:
        return None
    return Fields(tuple((t(f"notice.deadline.{d.kind}", lang), d.due_at.date().isoformat()) for d in shown))


def case_parts(case: Case, lang: Lang) -> list[Part]:
    parts: list[Part] = [Heading(case_title(case, lang)), facts(case, lang), checklist_part(case, lang)]
    current = next_step(case)
    deadlines = deadlines_part(case, lang)
    if deadlines is not None:
        parts.extend([Paragraph(t("notice.deadlines_title", lang)), deadlines])
    if current is not None:
        parts.append(step_buttons(case, current, lang))
        number = checklist(case.complaint_type).number(current.id)
        parts.append(Paragraph(t("notice.how_to", lang, id=case.id, n=number)))
    else:
        parts.append(Paragraph(t("notice.all_done", lang, id=case.id)))
    parts.append(legal(lang))
    return parts


def case_reply(case: Case, lang: Lang, text: str, *, extra: list[Part] | None = None,
               data: dict[str, Any] | None = None) -> Reply:
    parts = case_parts(case, lang)
    if extra:
        parts[2:2] = extra  # after the facts, before the checklist
    payload = {"case": case_summary(case), **(data or {})}
    return Reply(INTENT, lang, text, tuple(parts), data=payload)


def notice_notes(notice: ParsedNotice, case: Case, lang: Lang) -> list[Part]:
    """What was not found in a pasted notice, and how to add it."""
    notes: list[Part] = []
    if notice.language != "en" and notice.language != "zh":
        language = t(f"notice.languages.{notice.language}", lang)
        notes.append(Notice(t("notice.language_note", lang, language=language), "warning"))
    if notice.truncated:
        from chatbot.notices.parser import MAX_PARSE_CHARS

        notes.append(Notice(t("notice.truncated", lang, limit=MAX_PARSE_CHARS), "warning"))
    gaps = [t(f"notice.fields.{gap}", lang) for gap in notice.missing()]
    if gaps:
        notes.append(Paragraph(t("notice.not_found", lang, fields=", ".join(gaps)) + " "
                               + t("notice.how_to_add", lang, id=case.id)))
    near: dict[str, list[str]] = {}  # one line per snippet, naming every field it may hold
    for gap, snippet in notice.seen.items():
        near.setdefault(snippet, []).append(t(f"notice.fields.{gap}", lang))
    for snippet, names in near.items():
        notes.append(Paragraph(t("notice.seen_near", lang, fields=", ".join(names), text=snippet)))
    return notes


def intent_reply(steps: StepList, lang: Lang, type_hint: str | None) -> Reply:
    """The calm first answer to "I got an infringement notice", with an offer to open a case."""
    items = tuple(Item(s.title(lang), state="todo", id=s.id, detail=s.do(lang))
                  for s in steps.steps[:FIRST_STEPS])
    parts: tuple[Part, ...] = (
        Heading(t("notice.intent_title", lang)),
        Checklist(items),
        Paragraph(t("notice.offer", lang)),
        Actions((Button("case.open", t("notice.open_button", lang), type_hint or "", "primary"),)),
        legal(lang),
    )
    return Reply(INTENT, lang, steps.summary(lang), parts,
                 data={"offer": "case", "complaint_type": type_hint})


def explain_reply(case: Case, step: Step, lang: Lang) -> Reply:
    number = checklist(case.complaint_type).number(step.id)
    title = t("notice.explain_title", lang, n=number, title=step.title(lang))
    pairs = (
        (t("notice.explain.do", lang), step.do(lang)),
        (t("notice.explain.evidence", lang), step.evidence(lang)),
        (t("notice.explain.why", lang), step.why(lang)),
        (t("notice.explain.source", lang), step.source),
    )
    parts: list[Part] = [Heading(title), Fields(pairs)]
    if step_state(case, step.id) == "todo":
        parts.append(step_buttons(case, step, lang))
    parts.append(legal(lang))
    return Reply(INTENT, lang, case_title(case, lang), tuple(parts),
                 data={"case_id": case.id, "step": step.id, "source": step.source})


def list_reply(cases: list[Case], lang: Lang) -> Reply:
    if not cases:
        return Reply(INTENT, lang, t("notice.list_empty", lang), data={"cases": []})
    items = []
    for case in cases:
        steps = checklist(case.complaint_type).steps
        done = sum(1 for s in steps if step_state(case, s.id) != "todo")
        text = t("notice.list_item", lang, id=case.id, type=type_name(case.complaint_type, lang),
                 complaint=case.complaint_id or t("notice.no_complaint_id", lang), done=done,
                 total=len(steps), status=t(f"notice.status.{case.status}", lang))
        items.append(Item(text, state="done" if case.status == "closed" else None, id=str(case.id)))
    parts = (Heading(t("notice.list_title", lang)), Checklist(tuple(items)),
             Paragraph(t("notice.list_hint", lang)))
    return Reply(INTENT, lang, t("notice.list_count", lang, count=len(cases)), parts,
                 data={"cases": [case_summary(c) for c in cases]})


def letter_reply(letter: letters.Letter, case: Case | None, lang: Lang) -> Reply:
    if case is None:
        intro = t("notice.letter_intro_blank", lang, title=letter.title)
    else:
        intro = t("notice.letter_intro", lang, title=letter.title, id=case.id)
    parts: list[Part] = [Heading(letter.title), Paragraph(letter.how)]
    if case is None:
        parts.append(Notice(t("notice.letter_no_case", lang), "warning"))
    elif letter.missing:
        names = ", ".join(t(f"notice.placeholders.{name}", lang) for name in letter.missing)
        parts.append(Notice(t("notice.letter_missing", lang, fields=names), "warning"))
    parts.append(Code(letter.body))
    parts.append(Checklist(tuple(Item(p, state="info") for p in letter.parts),
                           title=t("notice.letter_parts_title", lang)))
    parts.append(legal(lang))
    return Reply(INTENT, lang, intro, tuple(parts),
                 data={"letter": letter.type, "case_id": case.id if case else None, "body": letter.body,
                       "missing": list(letter.missing)})
