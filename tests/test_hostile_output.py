"""Output carries no attacker's markup: nothing from a user or a page becomes a Slack mention or
a disguised link, and no control character from outside reaches a terminal."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.register_assert_rewrite("tests.slack_fake")

from chatbot.adapters import slack_blocks as kit  # noqa: E402
from chatbot.conversation import (  # noqa: E402
    Actions,
    Attachment,
    Button,
    Checklist,
    Code,
    Fields,
    Heading,
    Item,
    Notice,
    Paragraph,
    Reply,
)
from chatbot.printable import printable, printable_json  # noqa: E402
from chatbot.render import Style, render_text  # noqa: E402
from tests.fixtures.sites.server import ESCAPE_TITLE, Web, cli_env, serve  # noqa: E402
from tests.slack_fake import FakeSlack, SlackRig  # noqa: E402

pytest_plugins = ["tests.slack_fake"]

# What Slack sends for `/checksite <!channel><http://evil.example/login|https://sellercentral…>`.
DISGUISED = "&lt;!channel&gt;&lt;http://evil.example/login|https://sellercentral.amazon.com&gt;"
HOSTILE = "<!channel> <!here> <!everyone> <@U0BOSS> <http://evil.example/login|https://sellercentral.amazon.com>"
OUR_STYLES = re.compile(r"\x1b\[\d+m")


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


def mrkdwn_strings(value: Any) -> Iterator[str]:
    """Every string Slack reads as mrkdwn in a message or view payload (plain_text is literal,
    rich_text elements are literal, button values are data)."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for key, item in value.items():
            if key == "text" and isinstance(item, str) and value.get("type") is None:
                yield item  # a message's top-level text
            elif key not in {"value", "action_id", "block_id"} and not (
                    isinstance(item, str) and value.get("type") in {"plain_text", "text", "button"}):
                yield from mrkdwn_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_strings(item)


def assert_no_markup_from_content(calls: list[Any]) -> None:
    for call in calls:
        for text in mrkdwn_strings(call.params):
            for bad in ("<!channel", "<!here", "<!everyone", "<@U", "<http"):
                assert bad not in text, (call.method, text)


def hostile_reply() -> Reply:
    return Reply("x", "en", f"Noted: {HOSTILE}", (
        Heading(HOSTILE), Paragraph(HOSTILE), Checklist((Item(HOSTILE, detail=HOSTILE),), HOSTILE),
        Fields(((HOSTILE, HOSTILE),)), Actions((Button("b", HOSTILE, HOSTILE),)), Code(HOSTILE),
        Notice(HOSTILE, "warning"), Attachment("f.html", "text/html", title=HOSTILE)))


def test_the_renderer_escapes_block_text_and_the_fallback():
    reply = hostile_reply()
    payload = {"text": kit.fallback_text(reply), "blocks": kit.reply_blocks(reply)}
    strings = list(mrkdwn_strings(payload))
    assert strings and all("<" not in s for s in strings)
    assert "&lt;!channel&gt;" in payload["text"]


@given(st.text(alphabet="<>!|@&#Uhtp:/. ab*_~`\n", max_size=200))
def test_no_content_becomes_slack_markup(text):
    reply = Reply("x", "en", text, (Paragraph(text), Checklist((Item(text, detail=text),), text),
                                    Fields(((text, text),)), Notice(text, "info")))
    payload = {"text": kit.fallback_text(reply), "blocks": kit.reply_blocks(reply)}
    assert all("<" not in s for s in mrkdwn_strings(payload))


def _settled(fake: FakeSlack, methods: set[str], timeout: float = 30.0) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(c.method in methods for c in fake.calls):
            break
        time.sleep(0.02)
    time.sleep(0.3)  # anything still in flight for this request
    return list(fake.calls)


def test_checksite_with_a_disguised_link_posts_no_mention(start_slack: Callable[..., SlackRig]):
    """The issue's instance: the placeholder went out as `Checking <!channel><http://evil…|…>`."""
    rig = start_slack()
    assert rig.command("/checksite", DISGUISED).status_code == 200
    placeholder = rig.fake.wait_for("chat.postMessage", timeout=30)[0]
    assert "&lt;!channel&gt;" in placeholder.params["text"]
    calls = _settled(rig.fake, {"chat.update", "chat.postEphemeral", "webhook", "chat.delete"})
    assert_no_markup_from_content(calls)


def test_a_channel_message_with_mentions_is_echoed_inert(start_slack: Callable[..., SlackRig]):
    rig = start_slack()
    rig.event({"type": "message", "channel_type": "im", "user": "UALICE", "channel": "DALICE",
               "ts": "1700000900.000100", "text": "/blocklist check <!channel>"})
    calls = _settled(rig.fake, {"chat.postMessage", "chat.postEphemeral"})
    assert any(c.method.startswith("chat.") for c in calls)
    assert_no_markup_from_content(calls)


def test_terminal_output_escapes_control_characters():
    reply = Reply("x", "en", "ACME \x1b[2J\x1b]0;pwned\x07 \x9b31m \u202eevil", (
        Heading("t\x1b[1m"), Paragraph("a\rb\x7f"), Checklist((Item("i\x1b", detail="d\x1b"),), "c\x08"),
        Fields((("l\x1b", "v\x1b"),)), Code("code\x1b"), Notice("n\x1b", "error")))
    for style in (Style(), Style(color=True)):
        out = OUR_STYLES.sub("", render_text(reply, style))
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", out), out
        assert "\\x1b[2J" in out and "\\u202e" in out


def test_printable_json_stays_json():
    value = {"title": "a\x1b\x9b\u202e\u2066b", "n": [1, "\x7f"]}
    text = printable_json(value)
    assert json.loads(text) == value
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    assert printable("tab\tnew\nline") == "tab\tnew\nline"


def test_checksite_prints_a_hostile_title_inert(run_cli, web: Web):
    """The issue's instance: `sellerguard checksite URL --brand ACME` printed the ESC bytes."""
    url = f"{web.base}/hostile/escape-title"
    proc = run_cli("checksite", url, "--brand", "ACME", env=cli_env(web))
    assert proc.returncode == 1, proc.stderr  # the lookup ran; the page gives no date (exit 1)
    assert "ACME" in proc.stdout and "\\x1b[2J" in proc.stdout
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", proc.stdout)
    proc = run_cli("checksite", url, "--brand", "ACME", "--json", "--refresh", env=cli_env(web))
    assert proc.returncode == 1, proc.stderr
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", proc.stdout)
    result = json.loads(proc.stdout)
    assert any(ESCAPE_TITLE[:8] in hit["snippet"] for hit in result["brand_hits"])
