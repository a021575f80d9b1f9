"""What every part of the notice conversation shares: who is asking, their cases, the words
they may type (knowledge/notices/words.yaml) and the language a case answer goes out in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from chatbot import knowledge
from chatbot.context import Context
from chatbot.conversation import Incoming, Lang, Reply
from chatbot.i18n import is_cjk, to_simplified, to_traditional
from chatbot.notices import views
from chatbot.notices.cases import CaseService, Owner
from chatbot.notices.parser import ParsedNotice

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
def lang_of(msg: Incoming) -> Lang:
    """The reply language the app resolved for `msg` (never None after routing)."""
    assert msg.lang is not None, "the app sets the language before routing"
    return msg.lang


def owner_of(msg: Incoming) -> Owner:
    """Whose cases `msg` may reach: its account, and through it the person (linked accounts)."""
    return Owner(msg.platform, msg.user)


def case_service(ctx: Context) -> CaseService:
    """The case store for this process."""
    return ctx.service(CaseService)


def error_reply(msg: Incoming, text: str) -> list[Reply]:
    """One failed notice reply carrying `text` (already in the user's language)."""
    return [Reply(INTENT, lang_of(msg), text, ok=False)]


def in_case_lang(msg: Incoming, lang: str, value_only: bool) -> Incoming:
    """Keep answering in the case's language when a message does not really tell another one:
    a button, "/case 3 done 2", a date, or Chinese without any Simplified-only character from a
    seller who writes Traditional. An explicit language choice always wins."""
    if msg.lang_forced or msg.lang_chosen or lang not in LANGS:
        return msg
    if any(is_cjk(c) for c in msg.text):
        if msg.lang == "zh-Hans" and lang == "zh-Hant" and to_traditional(msg.text) == msg.text:
            return msg.with_(lang="zh-Hant")
        return msg
    return msg.with_(lang=lang) if value_only else msg


MAX_WORD_CHARS = 40  # longer than any command, answer or type word: not converted, never matches


def norm(text: str) -> str:
    """A typed word for look-up: trimmed, lower-case, Simplified, without end punctuation. Text
    longer than MAX_WORD_CHARS is only trimmed and lower-cased (it cannot be a word we know)."""
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
def vocabulary() -> _Words:
    """The words of knowledge/notices/words.yaml, normalised once."""
    table = knowledge.load_yaml("notices/words.yaml")
    commands = {norm(str(w)): name for name, words in table["case_commands"].items() for w in words}
    answers = {name: frozenset(norm(str(w)) for w in words) for name, words in table["answers"].items()}
    types = {norm(str(w)): name for name, words in table["types"].items() for w in words}
    return _Words(commands, answers, types)


def answer_word(text: str) -> str | None:
    """"yes", "no" or "skip" when the message is one of those answers."""
    word = norm(text)
    for name, words in vocabulary().answers.items():
        if word in words:
            return name
    return None


def complaint_type_word(text: str) -> str | None:
    """The complaint type a seller's word names ("商标" → "trademark"), or None."""
    return vocabulary().types.get(norm(text))


def case_id_of(word: str) -> int | None:
    """"3" or "#3" → 3; None for anything else (at most 9 digits)."""
    word = word.strip().lstrip("#＃")
    return int(word) if word.isdigit() and len(word) <= 9 else None


def has_facts(notice: ParsedNotice) -> bool:
    """True when a pasted text held anything a case can use."""
    return bool(notice.is_notice or notice.complaint_ids or notice.asins or notice.rights_owner_email)


