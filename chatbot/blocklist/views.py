"""Blocklist results as `Reply` objects, in the reader's language (chat and terminal share these)."""

from __future__ import annotations

from typing import Any

from chatbot.blocklist.errors import BlocklistError
from chatbot.conversation import Actions, Button, Checklist, Fields, Heading, Item, Lang, Notice, Reply
from chatbot.i18n import t

INTENT = "blocklist"


def say(key: str, lang: Lang, **params: Any) -> str:
    """`t()` for blocklist messages; a missing parameter shows as empty rather than failing."""
    full = f"blocklist.{key}"
    while True:
        try:
            return t(full, lang, **params)
        except KeyError as exc:
            name = exc.args[0] if exc.args else ""
            if not isinstance(name, str) or name in params or name.startswith("missing message"):
                raise
            params[name] = ""


def state_label(state: str, lang: Lang) -> str:
    return say(f"states.{state}", lang) if state else ""


def reasons_label(codes: list[str], lang: Lang) -> str:
    return ", ".join(say(f"categories.{code}", lang) for code in codes) or "—"


def _day(value: str | None) -> str:
    return (value or "")[:10] or "—"


def error_reply(exc: BlocklistError, lang: Lang) -> Reply:
    params = {k: v for k, v in exc.params.items()}
    if "state" in params:
        params["state"] = state_label(str(params["state"]), lang)
    text = say(f"error.{exc.code}", lang, **params)
    return Reply(INTENT, lang, text, ok=False, private=True,
                 data={"error": exc.code, "kind": exc.kind, **exc.params})


def usage_reply(key: str, lang: Lang, **params: Any) -> Reply:
    return Reply(INTENT, lang, say(key, lang, **params), ok=False, private=True,
                 data={"error": "usage", "kind": "invalid", "usage": key})


def check_reply(result: dict[str, Any], lang: Lang) -> Reply:
    site = result["unicode_unit"]
    state = result["state"]
    text = say(f"check.{state}", lang, site=site, id=result.get("id") or "",
               date=_day(result.get("listed_at")), reporters=result.get("reporters", 0))
    pairs: list[tuple[str, str]] = [(say("labels.site", lang), site)]
    if result["unit"] != site:
        pairs.append((say("labels.punycode", lang), result["unit"]))
    pairs.append((say("labels.state", lang), state_label(state, lang)))
    if result.get("id"):
        pairs += [
            (say("labels.entry", lang), f"#{result['id']}"),
            (say("labels.reasons", lang), reasons_label(result["reasons"], lang)),
            (say("labels.first_reported", lang), _day(result["first_reported"])),
            (say("labels.reporters", lang), str(result["reporters"])),
        ]
        if result.get("listed_at") and state in ("listed", "disputed"):
            pairs.append((say("labels.listed_at", lang), _day(result["listed_at"])))
    live = result.get("liveness")
    if live:
        if live["online"]:
            status = say("liveness.online", lang, checked=_day(live["last_checked"]))
        elif live.get("taken_down_at"):
            status = say("liveness.offline", lang, down=_day(live["taken_down_at"]),
                         checked=_day(live["last_checked"]))
        else:
            status = say("liveness.offline_unknown", lang, checked=_day(live["last_checked"]))
        pairs.append((say("labels.liveness", lang), status))
    parts: list[Any] = [Heading(say("check.title", lang, site=site)), Fields(tuple(pairs))]
    if result.get("related"):
        items = tuple(Item(say("check.related_item", lang, id=r["id"], site=r["unicode_unit"],
                               state=state_label(r["state"], lang), via=", ".join(r["via"])))
                      for r in result["related"])
        parts.append(Checklist(items, title=say("labels.related", lang)))
    if result.get("merged_from"):
        parts.append(Notice(say("check.merged", lang, id=result["id"])))
    if result.get("shared_platform"):
        parts.append(Notice(say("check.shared", lang, site=site, platform=result["shared_platform"])))
    if result.get("lookalike"):
        parts.append(Notice(say("check.lookalike", lang), level="warning"))
    if result.get("protected") and state == "not_found":
        parts.append(Notice(say("check.protected", lang, site=site, match=result["protected"])))
    return Reply(INTENT, lang, text, tuple(parts), data=result)


def receipt_reply(result: dict[str, Any], lang: Lang) -> Reply:
    site = result["unicode_unit"]
    state = state_label(result["state"], lang)
    key = "report.duplicate" if result["duplicate"] else "report.receipt"
    text = say(key, lang, id=result["id"], site=site, state=state, reporters=result["reporters"])
    parts: list[Any] = [Fields((
        (say("labels.entry", lang), f"#{result['id']}"),
        (say("labels.site", lang), site),
        (say("labels.state", lang), state),
        (say("labels.reasons", lang), reasons_label(result["reasons"], lang)),
        (say("labels.reporters", lang), str(result["reporters"])),
    )), Notice(say("report.next", lang, site=site))]
    if result.get("lookalike"):
        parts.append(Notice(say("report.flagged", lang), level="warning"))
    if result.get("shared_platform"):
        parts.append(Notice(say("check.shared", lang, site=site, platform=result["shared_platform"])))
    return Reply(INTENT, lang, text, tuple(parts), private=True, data=result)


def list_reply(title: str, empty: str, items: list[dict[str, Any]], lang: Lang, key: str) -> Reply:
    if not items:
        return Reply(INTENT, lang, empty, data={key: []})
    lines = tuple(Item(say("recent.item", lang, id=e["id"], site=e["unicode_unit"],
                           state=state_label(e["state"], lang), reasons=reasons_label(e["reasons"], lang),
                           reporters=e["reporters"])) for e in items)
    return Reply(INTENT, lang, title, (Checklist(lines),), data={key: items})


def _entry_parts(entry: dict[str, Any], lang: Lang, *, buttons: bool) -> list[Any]:
    site = entry["unicode_unit"]
    pairs = [
        (say("labels.state", lang), state_label(entry["state"], lang)),
        (say("labels.reasons", lang), reasons_label(entry["reasons"], lang)),
        (say("labels.reporters", lang), str(entry["reporters"])),
        (say("labels.first_reported", lang), _day(entry["first_reported"])),
    ]
    if entry["unit"] != site:
        pairs.insert(0, (say("labels.punycode", lang), entry["unit"]))
    if entry.get("shared_platform"):
        pairs.append((say("labels.platform", lang), entry["shared_platform"]))
    if entry.get("flags"):
        pairs.append((say("labels.flags", lang), ", ".join(entry["flags"])))
    if entry.get("note"):
        pairs.append((say("labels.note", lang), entry["note"]))
    parts: list[Any] = [Heading(say("entry.title", lang, id=entry["id"], site=site)), Fields(tuple(pairs))]
    reports = []
    for report in entry.get("reports", []):
        detail_bits = [report["complaint_id"], report["rights_owner"], report["rights_owner_email"],
                       " ".join(report["links"]), report["notes"]]
        detail = ""
        if any(detail_bits):
            detail = say("queue.evidence", lang, complaint=report["complaint_id"] or "—",
                         owner=report["rights_owner"] or "—", email=report["rights_owner_email"] or "—",
                         links=" ".join(report["links"]) or "—", notes=report["notes"] or "—")
        reports.append(Item(say("queue.report_line", lang, reporter=report["reporter"],
                                category=say(f"categories.{report['category']}", lang),
                                reason=report["reason"]), detail=detail))
    if reports:
        parts.append(Checklist(tuple(reports), title=say("labels.reports", lang)))
    appeal = entry.get("appeal")
    if appeal:
        parts.append(Notice(say("queue.appeal_line", lang, by=appeal["by"], evidence=appeal["evidence"]),
                            level="warning"))
    if buttons:
        value = str(entry["id"])
        parts.append(Actions((
            Button("bl.approve", say("buttons.approve", lang), value, "primary"),
            Button("bl.reject", say("buttons.reject", lang), value, "danger"),
        )))
    return parts


def queue_reply(items: list[dict[str, Any]], lang: Lang) -> Reply:
    if not items:
        return Reply(INTENT, lang, say("queue.empty", lang), private=True, data={"queue": []})
    title = say("queue.title", lang, count=len(items))
    parts: list[Any] = []
    for entry in items:
        parts += _entry_parts(entry, lang, buttons=True)
    return Reply(INTENT, lang, title, tuple(parts), private=True, data={"queue": items})


def entry_reply(entry: dict[str, Any], lang: Lang) -> Reply:
    open_entry = entry["state"] in ("reported", "disputed")
    parts = _entry_parts(entry, lang, buttons=open_entry)
    if entry["state"] == "listed":
        parts.append(Actions((Button("bl.delist", say("buttons.delist", lang), str(entry["id"]), "danger"),)))
    elif entry["state"] in ("rejected", "delisted"):
        parts.append(Actions((Button("bl.reopen", say("buttons.reopen", lang), str(entry["id"])),)))
    title = say("entry.title", lang, id=entry["id"], site=entry["unicode_unit"])
    return Reply(INTENT, lang, title, tuple(parts[1:]), private=True, data=entry)  # parts[0]: the title


def moderation_reply(action: str, entry: dict[str, Any], lang: Lang) -> Reply:
    text = say(f"moderation.{action}", lang, id=entry["id"], site=entry["unicode_unit"],
               reporters=entry["reporters"], reasons=reasons_label(entry["reasons"], lang))
    return Reply(INTENT, lang, text, data=entry)


def appeal_reply(entry: dict[str, Any], lang: Lang) -> Reply:
    text = say("appeal.done", lang, id=entry["id"], site=entry["unicode_unit"])
    return Reply(INTENT, lang, text, private=True, data=entry)


def audit_reply(entry_id: int | str | None, rows: list[dict[str, Any]], lang: Lang) -> Reply:
    if not rows:
        key = "audit.empty" if entry_id is not None else "audit.empty_all"
        return Reply(INTENT, lang, say(key, lang, id=entry_id), private=True, data={"audit": []})
    if entry_id is None:
        title = say("audit.title_all", lang)
    else:
        title = say("audit.title", lang, id=rows[0]["entry_id"])
    items = tuple(Item(say("audit.line", lang, at=r["at"], actor=r["actor"], action=r["action"],
                           before=r["before"] or "—", after=r["after"] or "—", id=r["entry_id"]),
                       detail=say("audit.reason", lang, reason=r["reason"]) if r["reason"] else "")
                  for r in rows)
    return Reply(INTENT, lang, title, (Checklist(items),), private=True, data={"audit": rows})
