"""Replies drawn for WeCom and WeChat: markdown escaped, steps numbered, byte limits kept without
cutting a step, buttons turned into commands that really work."""

from __future__ import annotations

from pathlib import Path

from chatbot.adapters import wecom_render as render
from chatbot.conversation import Actions, Attachment, Button, Checklist, Item, Reply
from tests.conftest import Chat


def test_markdown_shows_outside_text_literally() -> None:
    reply = Reply("checksite", "en", "Page *title* <a href=x>[click](http://evil)</a> `code`")
    text = render.markdown([reply])[0]
    assert "\\*title\\*" in text and "\\[click\\]\\(http://evil\\)" in text and "\\<a" in text
    assert "\\`code\\`" in text


def test_steps_are_numbered_and_never_cut() -> None:
    steps = tuple(Item(f"Step {n}: " + "收集证据" * 60, state="todo", detail="细节" * 30) for n in range(40))
    reply = Reply("notice", "zh-Hans", "清单", (Checklist(steps, title="步骤"),))
    pieces = render.plain([reply])
    assert len(pieces) > 1 and all(len(p.encode()) <= render.TEXT_BYTES for p in pieces)
    joined = "\n\n".join(pieces)
    for n in range(40):
        assert joined.count(f"{n + 1}. ☐ Step {n}:") == 1
        assert sum(f"Step {n}:" in p for p in pieces) == 1  # each step whole in one message
    markdown = render.markdown([reply], limit=4096)
    assert all(len(p.encode()) <= 4096 for p in markdown)


def test_one_huge_line_is_cut_at_character_boundaries() -> None:
    pieces = render.pack(["侵" * 5000], 2048)
    assert all(len(p.encode()) <= 2048 for p in pieces) and "".join(pieces) == "侵" * 5000


def test_attachments_say_where_the_report_is() -> None:
    reply = Reply("checksite", "zh-Hans", "结果", (Attachment("report.pdf", "application/pdf", data=b"x"),))
    assert "Slack" in render.plain([reply])[0] and "report.pdf" in render.plain([reply])[0]


def test_moderator_card_and_its_key() -> None:
    reply = Reply("blocklist", "en", "Queue", (Actions((Button("bl.approve", "Approve", "12", "primary"),
                                                         Button("bl.reject", "Reject", "12", "danger"))),))
    card = render.moderator_card(reply, "task-1")
    assert card is not None and card["task_id"] == "task-1"
    assert [b["key"] for b in card["button_list"]] == ["bl.approve|12"]  # reject needs a reason: typed
    assert render.card_action("bl.approve|12") == ("bl.approve", "12")
    assert render.card_action("case.done|1:2") is None and render.card_action("nonsense") is None
    assert "/blocklist reject 12 <reason>" in render.plain([reply])[0]


def test_typed_commands_do_what_the_buttons_do(chat: Chat) -> None:
    notice = (Path(__file__).parent / "fixtures" / "notices" / "trademark_en.txt").read_text(encoding="utf-8")
    opened = chat(notice, user="typist")[0]
    case_id = opened.data["case"]["id"]
    step = next(item.id for r in chat(f"/case {case_id}", user="typist") for p in r.parts
                if isinstance(p, Checklist) for item in p.items if item.id)
    typed = render.typed_action(Button("case.done", "Done", f"{case_id}:{step}"))
    assert typed == f"/case {case_id} done {step}"
    after = chat(typed, user="typist")
    assert after[0].ok, after[0].text
