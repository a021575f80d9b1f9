"""Slack views: the report modal (build, read, validate), the reject-reason modal and the App Home
layout."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from chatbot.adapters.slack_blocks import VIEW_BLOCKS, Block, clip, escape, fit, reply_blocks, section
from chatbot.conversation import Lang, Reply
from chatbot.i18n import message, t

REPORT_CALLBACK = "report_site"  # the modal's callback_id and the global shortcut's callback_id
REPORT_ACTION = "bl.report"
REJECT_CALLBACK = "reject_reason"  # the modal a moderator fills in after pressing Reject
REJECT_ACTION = "bl.reject"
REASON_CHARS = 2000  # the blocklist's own limit for a moderation reason
CATEGORIES = ("fake-complaint", "copycat-store", "scam-email", "other")
# (field, multiline, required, max length)
REPORT_FIELDS: tuple[tuple[str, bool, bool, int], ...] = (
    ("url", False, True, 2000),
    ("reason", True, True, 2000),
    ("complaint_id", False, False, 100),
    ("rights_owner_email", False, False, 254),
    ("links", True, False, 3000),
    ("notes", True, False, 3000),
)
INPUT_ACTION = "value"
TITLE_CHARS = 24  # Slack's limit for a modal title and its buttons

_URLISH = re.compile(r"^(https?://)?[^\s/@]+\.[^\s/@]+(/\S*)?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$")


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _title(key: str, lang: Lang) -> dict[str, Any]:
    return _plain(clip(t(key, lang), TITLE_CHARS))


def _text_input(field: str, multiline: bool, required: bool, limit: int, lang: Lang,
                initial: str = "") -> Block:
    element: Block = {"type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": multiline,
                      "max_length": limit}
    placeholder_key = f"slack.report.{field}_placeholder"
    with contextlib.suppress(KeyError):  # not every field has an example to show
        element["placeholder"] = _plain(clip(t(placeholder_key, lang), 150))
    if initial:
        element["initial_value"] = initial[:limit]
    return {"type": "input", "block_id": field, "optional": not required,
            "label": _plain(clip(t(f"slack.report.{field}", lang), 2000)), "element": element}


def _category_input(lang: Lang) -> Block:
    names = message("slack.report.categories", lang)
    options = [{"text": _plain(clip(names[c], 75)), "value": c} for c in CATEGORIES]
    return {"type": "input", "block_id": "category", "optional": False,
            "label": _plain(t("slack.report.category", lang)),
            "element": {"type": "static_select", "action_id": INPUT_ACTION, "options": options,
                        "placeholder": _plain(t("slack.report.category_placeholder", lang))}}


def report_modal(lang: Lang, *, url: str = "", origin: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The report form; `origin` (channel, thread) travels in private_metadata."""
    blocks: list[Block] = [{"type": "context", "elements": [
        {"type": "mrkdwn", "text": t("slack.report.intro", lang)}]}]
    for field, multiline, required, limit in REPORT_FIELDS:
        blocks.append(_text_input(field, multiline, required, limit, lang, url if field == "url" else ""))
        if field == "url":
            blocks.append(_category_input(lang))
    return {
        "type": "modal",
        "callback_id": REPORT_CALLBACK,
        "title": _title("slack.report.title", lang),
        "submit": _title("slack.report.submit", lang),
        "close": _title("slack.report.close", lang),
        "private_metadata": json.dumps({"lang": lang, **(origin or {})})[:3000],
        "blocks": blocks,
    }


def read_report_form(view: Mapping[str, Any]) -> dict[str, str]:
    """The submitted values by field name (empty string for a field left blank)."""
    values = view.get("state", {}).get("values", {})
    form: dict[str, str] = {}
    for field in ("url", "category", *(f for f, *_ in REPORT_FIELDS[1:])):
        element = values.get(field, {}).get(INPUT_ACTION, {}) or {}
        if element.get("type") == "static_select":
            raw = (element.get("selected_option") or {}).get("value") or ""
        else:
            raw = element.get("value") or ""
        form[field] = str(raw).strip()
    return form


def validate_report_form(form: Mapping[str, str], lang: Lang) -> dict[str, str]:
    """Field → message for what is missing or malformed; empty when the form can be sent."""
    errors: dict[str, str] = {}
    for field, _multiline, required, _limit in REPORT_FIELDS:
        if required and not form.get(field):
            errors[field] = t("slack.report.required", lang)
    if form.get("url") and not _URLISH.match(form["url"]):
        errors["url"] = t("slack.report.bad_url", lang)
    if form.get("category") not in CATEGORIES:
        errors["category"] = t("slack.report.bad_category", lang)
    email = form.get("rights_owner_email")
    if email and not _EMAIL.match(email):
        errors["rights_owner_email"] = t("slack.report.bad_email", lang)
    return errors


def modal_errors(errors: Mapping[str, Any], fallback: str = "url") -> dict[str, str]:
    """Handler field errors mapped onto the modal's blocks (unknown fields land on `fallback`)."""
    known = {"category", *(f for f, *_ in REPORT_FIELDS)}
    mapped: dict[str, str] = {}
    for field, text in errors.items():
        target = field if field in known else fallback
        joined = f"{mapped[target]} {text}" if target in mapped else str(text)
        mapped[target] = clip(joined, 2000)
    return mapped


# The blocklist's codes about a reason.
REASON_ERRORS = frozenset({"empty_reason", "empty_decision_reason", "reason_too_long"})


def field_errors(replies: Iterable[Reply]) -> dict[str, str] | None:
    """Errors to show beside the modal's fields, from the first refusal that is about a field:
    the handler's `data["errors"]` ({field: message}); a refusal marked invalid without it goes
    on the address. Any other refusal is not about a field (it replaces the form instead)."""
    for reply in replies:
        if reply.ok:
            continue
        given = reply.data.get("errors")
        if isinstance(given, dict) and given:
            return modal_errors(given)
        if reply.data.get("kind") == "invalid":
            return {"url": clip(reply.text, 2000)}
    return None


def result_modal(replies: Iterable[Reply], lang: Lang, *, callback: str = REPORT_CALLBACK,
                 title_key: str = "slack.report.done_title") -> dict[str, Any]:
    """What the modal turns into after a submission the handler accepted (or refused outright)."""
    blocks: list[Block] = []
    for reply in replies:
        blocks += reply_blocks(reply, limit=VIEW_BLOCKS)
    return {"type": "modal", "callback_id": f"{callback}_done",
            "title": _title(title_key, lang), "close": _title("slack.report.close", lang),
            "blocks": fit(blocks or section("…"), VIEW_BLOCKS)}


def reject_modal(lang: Lang, entry_id: str, origin: Mapping[str, Any]) -> dict[str, Any]:
    """Asks the moderator why; `origin` (where the Reject button was) travels in private_metadata
    so the submission can update that message."""
    metadata = json.dumps({"lang": lang, "entry": entry_id, **origin})
    return {
        "type": "modal",
        "callback_id": REJECT_CALLBACK,
        "title": _title("slack.reject.title", lang),
        "submit": _title("slack.reject.submit", lang),
        "close": _title("slack.reject.close", lang),
        "private_metadata": metadata[:3000],
        "blocks": [
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": clip(t("slack.reject.intro", lang, id=escape(entry_id)), 2000)}]},
            {"type": "input", "block_id": "reason", "optional": False,
             "label": _plain(clip(t("slack.reject.reason", lang), 2000)),
             "element": {"type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": True,
                         "max_length": REASON_CHARS,
                         "placeholder": _plain(clip(t("slack.reject.reason_placeholder", lang), 150))}},
        ],
    }


def read_reason(view: Mapping[str, Any]) -> str:
    element = view.get("state", {}).get("values", {}).get("reason", {}).get(INPUT_ACTION, {}) or {}
    return str(element.get("value") or "").strip()


def reason_errors(replies: Iterable[Reply]) -> dict[str, str] | None:
    """The handler's refusal about the reason itself (empty, too long), for the reason field:
    `data["errors"]["reason"]` when the handler gives it, else its error code."""
    for reply in replies:
        if reply.ok:
            continue
        given = reply.data.get("errors")
        if isinstance(given, dict) and given.get("reason"):
            return {"reason": clip(str(given["reason"]), 2000)}
        if str(reply.data.get("error", "")) in REASON_ERRORS:
            return {"reason": clip(reply.text, 2000)}
    return None


def home_view(lang: Lang, sections: Iterable[tuple[str, list[Reply]]],
              last_action: list[Reply] | None = None) -> dict[str, Any]:
    """App Home: a title, the result of the last button pressed there, then each section."""
    blocks: list[Block] = [
        {"type": "header", "text": _plain(t("slack.home.title", lang))},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": t("slack.home.intro", lang)}]},
        {"type": "actions", "block_id": "home_actions", "elements": [{
            "type": "button", "action_id": "site.report", "value": "",
            "text": _plain(clip(t("slack.home.report_button", lang), 75))}]},
    ]
    if last_action:
        blocks += [{"type": "divider"}, *section(t("slack.home.last_action", lang))]
        for reply in last_action:
            blocks += reply_blocks(reply, limit=VIEW_BLOCKS)
    for title_key, replies in sections:
        blocks += [{"type": "divider"},
                   {"type": "section", "text": {"type": "mrkdwn", "text": f"*{t(title_key, lang)}*"}}]
        if not replies:
            blocks.append({"type": "context", "elements": [
                {"type": "mrkdwn", "text": t("slack.home.empty", lang)}]})
        for reply in replies:
            blocks += reply_blocks(reply, limit=VIEW_BLOCKS)
    return {"type": "home", "blocks": fit(blocks, VIEW_BLOCKS)}

