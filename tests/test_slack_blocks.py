"""Rendering replies as Block Kit, Slack markup back to text, and the report form's checks."""

from __future__ import annotations

import json

from chatbot.adapters import slack_blocks as kit
from chatbot.adapters import slack_views as views
from chatbot.adapters.slack import is_private, plain_text
from chatbot.conversation import (
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


def _reply(*parts: object, text: str = "Summary") -> Reply:
    return Reply("notice", "en", text, tuple(parts))  # type: ignore[arg-type]


def test_each_part_kind_has_its_block() -> None:
    reply = _reply(
        Heading("Case 12"),
        Paragraph("Stay calm."),
        Checklist((Item("Check Account Health", "done", id="s1", detail="Do not delete the listing"),
                   Item("Gather invoices", "todo", id="s2"),
                   Item("Optional", "skipped")), title="Steps"),
        Fields((("Complaint ID", "1234567890"), ("ASIN", "B0ABCDEFGH"))),
        Actions((Button("case.done", "Done", "12:s2", "primary"),
                 Button("case.explain", "Explain", "12:s2"))),
        Code("Dear rights owner,\n..."),
        Notice("Not legal advice", "warning"),
        Attachment("report.html", "text/html", data=b"<html></html>"),
    )
    blocks = kit.reply_blocks(reply)
    types = [b["type"] for b in blocks]
    assert types == ["header", "section", "section", "section", "section", "section", "section",
                     "section", "actions", "rich_text", "context"]
    assert blocks[0]["text"]["text"] == "Case 12"
    assert blocks[1]["text"]["text"] == "Summary"  # the summary follows the heading
    done, todo, skipped = blocks[4], blocks[5], blocks[6]
    assert done["text"]["text"].startswith(":white_check_mark: Check Account Health")
    assert "> Do not delete the listing" in done["text"]["text"]
    assert todo["text"]["text"].startswith(":white_large_square:")
    assert skipped["text"]["text"].startswith(":fast_forward:")
    assert done["block_id"] == "item:s1"
    assert blocks[7]["fields"][0]["text"] == "*Complaint ID*\n1234567890"
    buttons = blocks[8]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("case.done", "12:s2"), ("case.explain", "12:s2")]
    assert buttons[0]["style"] == "primary" and "style" not in buttons[1]
    assert blocks[9]["elements"][0]["type"] == "rich_text_preformatted"
    assert blocks[10]["elements"][0]["text"].startswith(":warning: ")
    assert [a.filename for a in kit.attachments(reply)] == ["report.html"]


def test_text_is_escaped_for_mrkdwn() -> None:
    blocks = kit.reply_blocks(_reply(text="<script> & <@U123> <!channel>"))
    assert blocks[0]["text"]["text"] == "&lt;script&gt; &amp; &lt;@U123&gt; &lt;!channel&gt;"


def test_repeated_button_ids_are_made_unique_and_read_back() -> None:
    reply = _reply(Actions(tuple(Button("bl.approve", f"Approve {n}", str(n)) for n in range(3))))
    ids = [e["action_id"] for e in kit.reply_blocks(reply)[1]["elements"]]
    assert ids == ["bl.approve", "bl.approve#1", "bl.approve#2"]
    assert {kit.action_id_of(i) for i in ids} == {"bl.approve"}


def test_limits_are_respected() -> None:
    long_text = "word " * 2000  # 10,000 characters
    many_items = Checklist(tuple(Item(f"step {n}", "todo", id=f"s{n}") for n in range(80)))
    many_buttons = Actions(tuple(Button(f"x.{n}", "L" * 100, "v" * 3000) for n in range(30)))
    many_fields = Fields(tuple((f"k{n}", "v") for n in range(23)))
    blocks = kit.reply_blocks(_reply(Heading("H" * 400), Paragraph(long_text), many_items, many_buttons,
                                     many_fields, text=long_text))
    assert len(blocks) <= kit.MESSAGE_BLOCKS
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= kit.HEADER_CHARS
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= kit.SECTION_CHARS
        if block["type"] == "section" and "fields" in block:
            assert len(block["fields"]) <= kit.FIELDS_PER_SECTION
        if block["type"] == "actions":
            assert len(block["elements"]) <= kit.BUTTONS_PER_BLOCK
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= kit.BUTTON_LABEL_CHARS
                assert len(element["value"]) <= kit.BUTTON_VALUE_CHARS
    # all 80 steps are still there, merged into fewer sections
    joined = json.dumps(blocks)
    assert "step 0" in joined and "step 79" in joined


def test_fit_cuts_with_a_marker_when_merging_is_not_enough() -> None:
    blocks = [{"type": "divider"} for _ in range(120)]
    fitted = kit.fit(blocks, 50)
    assert len(fitted) == 50
    assert fitted[-1]["type"] == "context" and "71 more" in fitted[-1]["elements"][0]["text"]


def test_chunks_split_at_lines_and_hard_when_needed() -> None:
    assert kit.chunks("a\nb\nc", 3) == ["a\nb", "c"]
    assert kit.chunks("x" * 7, 3) == ["xxx", "xxx", "x"]
    assert "".join(kit.chunks("é" * 10_000, 3000)) == "é" * 10_000


def test_duplicate_block_ids_are_dropped() -> None:
    reply = _reply(Checklist((Item("a", id="s1"),)), Checklist((Item("b", id="s1"),)))
    ids = [b.get("block_id") for b in kit.reply_blocks(reply)]
    assert ids.count("item:s1") == 1


def test_plain_text_unwraps_slack_markup() -> None:
    assert plain_text("<@UBOT> /checksite <https://a.example/p?x=1&amp;y=2|a.example/p>",
                      drop_user="UBOT") == "/checksite https://a.example/p?x=1&y=2"
    assert plain_text("mail <mailto:ip@brand.example|ip@brand.example>") == "mail ip@brand.example"
    assert plain_text("hi <@U123|bob> in <#C1|general> <!here>") == "hi @bob in #general"
    assert plain_text("5 &lt; 6 &amp; 7 &gt; 3") == "5 < 6 & 7 > 3"


def test_privacy_rules() -> None:
    help_reply = Reply("help", "en", "x")
    assert is_private(help_reply, slash=True) and not is_private(help_reply)
    assert is_private(Reply("checksite", "en", "bad url", ok=False))
    assert not is_private(Reply("checksite", "en", "result"), slash=True)
    assert is_private(Reply("blocklist", "en", "queue", private=True))


def test_report_form_read_and_validated() -> None:
    view = views.report_modal("en", url="https://copycat.example")
    assert [b.get("block_id") for b in view["blocks"] if b["type"] == "input"] == [
        "url", "category", "reason", "complaint_id", "rights_owner_email", "links", "notes"]
    assert all(len(view[k]["text"]) <= views.TITLE_CHARS for k in ("title", "submit", "close"))
    state = {"values": {
        "url": {"value": {"type": "plain_text_input", "value": " copycat.example "}},
        "category": {"value": {"type": "static_select", "selected_option": {"value": "scam-email"}}},
        "reason": {"value": {"type": "plain_text_input", "value": "Extortion e-mail"}},
        "links": {"value": {"type": "plain_text_input", "value": None}},
    }}
    form = views.read_report_form({"state": state})
    assert form == {"url": "copycat.example", "category": "scam-email", "reason": "Extortion e-mail",
                    "complaint_id": "", "rights_owner_email": "", "links": "", "notes": ""}
    assert views.validate_report_form(form, "en") == {}
    bad = {**form, "url": "javascript alert", "category": "spam", "rights_owner_email": "x@"}
    assert set(views.validate_report_form(bad, "en")) == {"url", "category", "rights_owner_email"}


def test_handler_errors_map_onto_modal_fields() -> None:
    mapped = views.modal_errors({"reason": "Too long", "lookup_id": "Unknown lookup", "site": "Bad"})
    assert mapped == {"reason": "Too long", "url": "Unknown lookup Bad"}


def test_traditional_chinese_modal() -> None:
    view = views.report_modal("zh-Hant")
    assert view["title"]["text"] == "舉報網站"


def test_home_view_stays_within_limits() -> None:
    replies = [_reply(Checklist(tuple(Item(f"case {n}", "todo", id=f"c{n}") for n in range(150))))]
    view = views.home_view("en", [("slack.home.cases", replies), ("slack.home.queue", [])])
    assert view["type"] == "home"
    assert len(view["blocks"]) <= kit.VIEW_BLOCKS
    assert "Nothing here yet." in json.dumps(view)
