"""Work per chat message is bounded: the typo matcher, language detection, command, option and
notice parsing never build or scan more than a small multiple of the input, whatever it holds.

Assertions count work done (variants built, characters scanned), never wall time.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot import i18n, intents
from chatbot.evidence.options import OptionError, parse_chat
from chatbot.notices.parser import parse_notice

pytest_plugins = ["tests.slack_fake"]

LONG_WORD = "".join(random.Random(9).choice(string.ascii_lowercase) for _ in range(2990))


@pytest.fixture
def variants() -> Iterator[list[int]]:
    """Counts every deletion variant the typo matcher builds while the test runs."""
    intents.classify("warm up the vocabulary")  # built once per process, not per message
    built: list[int] = []
    original = intents._deletions

    def counting(word: str, depth: int) -> set[str]:
        result = original(word, depth)
        built.append(len(result))
        return result

    intents._deletions = counting  # type: ignore[assignment]
    intents.canonical.cache_clear()
    yield built
    intents._deletions = original  # type: ignore[assignment]
    intents.canonical.cache_clear()


def test_a_2990_letter_word_builds_no_typo_variants(variants):
    assert intents.classify(LONG_WORD) is None
    assert sum(variants) == 0


def test_typo_variants_are_capped_per_word(variants):
    limit = intents.MAX_TYPO_WORD
    for size in range(1, 60):
        intents.canonical("q" * size)
    assert variants, "plausible words are still typo-matched"
    assert max(variants) <= limit * limit
    assert intents.canonical("infrigement") == "infringement"  # the matcher still works


def test_a_long_word_in_chat_is_answered_quickly(chat, variants):
    replies = chat(LONG_WORD, direct=True)
    assert replies and sum(variants) == 0


@given(st.lists(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=400), min_size=1,
                max_size=20))
def test_any_message_builds_a_bounded_number_of_variants(words):
    intents.classify("warm up the vocabulary")
    built: list[int] = []
    original = intents._deletions

    def counting(word: str, depth: int) -> set[str]:
        result = original(word, depth)
        built.append(len(result))
        return result

    intents._deletions = counting  # type: ignore[assignment]
    intents.canonical.cache_clear()
    try:
        intents.classify(" ".join(words))
    finally:
        intents._deletions = original  # type: ignore[assignment]
    tokens = len(" ".join(words)[:intents.SCAN_CHARS].split())
    assert sum(built) <= tokens * intents.MAX_TYPO_WORD ** 2


def test_language_detection_skips_addresses_per_token():
    assert i18n._language_words("see https://a.example/x and mail a@b.example now") == "see and mail now"
    assert i18n.detect_lang("ok.") is None
    assert i18n.detect_lang("We got a complaint.") == "en"
    # One 2,000-character token: a URL pattern that backtracks would scan it n² times.
    assert i18n.detect_lang("x" * 50_000) is None
    assert i18n.detect_lang("收到侵權投訴" * 400) == "zh-Hant"


@given(st.text(alphabet="a:/.@ -\u6536", max_size=3000))
def test_language_words_is_a_per_token_filter(text):
    assert len(i18n._language_words(text)) <= 2 * len(text)


@pytest.mark.parametrize("text", [
    "--brand " + "x" * 50_000,
    "https://a.example " + "--since " * 5_000,
    '"' * 20_000,
    "https://a.example " + "x " * 20_000,
])
def test_option_parsing_refuses_hostile_input_cleanly(text):
    with pytest.raises(OptionError):
        parse_chat(text, __import__("datetime").date(2026, 1, 1))


@pytest.mark.parametrize("text", [
    "Complaint ID: " + "1" * 100_000,
    ("Complaint" + " " * 5_000) * 40,  # `complaint\s*id?\s*:?\s*` backtracked cubically here
    ("Complaint ID" + "\n" * 5_000) * 40,
    ("Complaint" + " \t\n" * 3_000) * 20,
    "a@" * 30_000,
    "<div>" * 20_000,
    "ASIN: " + "B0" * 40_000,
])
def test_notice_parser_survives_hostile_pastes(text):
    parse_notice(text)  # must return; the parser caps what it reads (MAX_PARSE_CHARS)


@pytest.fixture
def converted() -> Iterator[list[int]]:
    """Counts characters handed to OpenCC (script conversion costs microseconds per character)."""
    counts: list[int] = []
    saved = [(conv, conv.convert) for conv in (i18n._T2S, i18n._S2T)]
    for conv, original in saved:
        def counting(text: str, original=original) -> str:  # type: ignore[no-untyped-def]
            counts.append(len(text))
            return original(text)
        conv.convert = counting  # type: ignore[method-assign]
    yield counts
    for conv, original in saved:
        conv.convert = original  # type: ignore[method-assign]


@pytest.mark.parametrize("text", [
    "a" * 59_000,
    "." * 59_000,
    "https://" + "a." * 29_000 + "com",
    "a@" * 29_000,
    "/report https://copy.example " + "x" * 50_000,
    "/blocklist check " + "y" * 50_000,
    "/checksite " + "z" * 50_000,
    "收到侵權投訴" * 9_000,
])
def test_a_huge_message_does_bounded_work(chat, converted, variants, text):
    chat("warm up", direct=True)
    converted.clear()
    replies = chat(text, direct=True)
    assert replies  # a clear answer (an error, a refusal, a help text), never a crash
    assert sum(converted) <= 4 * intents.SCAN_CHARS
    assert sum(variants) <= intents.SCAN_CHARS * intents.MAX_TYPO_WORD


def test_a_plain_slack_channel_message_of_2000_letters(start_slack, variants, monkeypatch):
    """The issue's instance: a 2,000-letter channel message took a worker to 3.8 GB."""
    judged: list[str] = []
    original = intents.classify

    def recording(text: str) -> intents.Intent | None:
        found = original(text)
        judged.append(text)
        return found

    monkeypatch.setattr(intents, "classify", recording)
    rig = start_slack()
    event = {"type": "message", "channel_type": "channel", "user": "UALICE", "channel": "C0GENERAL",
             "ts": "1700000700.000100", "text": LONG_WORD[:2000]}
    assert rig.event(event, event_id="Ev0LONGWORD").status_code == 200
    deadline = time.monotonic() + 15
    while LONG_WORD[:2000] not in judged and time.monotonic() < deadline:
        time.sleep(0.02)
    assert LONG_WORD[:2000] in judged, "the message was never judged"
    assert sum(variants) == 0  # the long word built no typo variants
    assert not [c for c in rig.fake.of("chat.postMessage") if c.params.get("channel") == "C0GENERAL"]
