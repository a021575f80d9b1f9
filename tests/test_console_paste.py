"""A paste into the console chat is one message: bracketed-paste markers (in a terminal and in a
pipe), lines that arrive within a few milliseconds (an injected clock, no sleeping), and no
need for a wrapper the bot never mentions."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

from chatbot.adapters.console import ConsoleChat
from chatbot.adapters.paste import MAX_MESSAGE_LINES, PASTE_END, PASTE_START, LineJoiner

NOTICE_LINES = [
    "Hello,",
    "We removed some of your listings because we received a report from a rights owner.",
    "",
    "ASIN: B0EXAMPLE1",
    "Title: Folding step stool",
    "Infringement type: Copyright",
    "Complaint ID: 5566778899",
    "",
    "If you want to resolve this dispute, contact the rights owner:",
    "-- Mara Quill, mara.quill@quill-ip-example.com",
    "",
    "We can only accept retractions if the rights owner clearly states that they made an error.",
    "If you do not provide the information within 90 days, you will receive a removal request.",
    "Sincerely,",
    "Seller Performance",
]


def replies(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_bracketed_paste_through_the_real_command_is_one_message_and_one_case(run_cli):
    pasted = PASTE_START + "\n".join(NOTICE_LINES) + PASTE_END + "\n"
    out = replies(run_cli("chat", "--json", "--user", "paster", input=pasted).stdout)
    assert [r["intent"] for r in out].count("fallback") == 0
    cases = [r for r in out if (r.get("data") or {}).get("case")]
    assert cases and cases[0]["data"]["case"]["rights_owner"] == "Mara Quill"
    assert len({r["data"]["case"]["id"] for r in cases}) == 1


class Terminal:
    """Replays typed and pasted lines with their arrival times (seconds)."""

    def __init__(self, timed_lines: list[tuple[float, str]]) -> None:
        self.lines = list(timed_lines)
        self.now = 0.0

    def read(self, prompt: str) -> str:
        if not self.lines:
            raise EOFError
        self.now, line = self.lines.pop(0)
        return line

    def waiting(self, seconds: float) -> bool:
        return bool(self.lines) and self.lines[0][0] - self.now <= seconds

    def clock(self) -> float:
        return self.now


def run_terminal(app, lines: list[tuple[float, str]]) -> list[dict]:
    out = io.StringIO()
    chat = ConsoleChat(app, "typist", as_json=True, out=out)
    terminal = Terminal(lines)
    chat.run_interactive(read=terminal.read, waiting=terminal.waiting, clock=terminal.clock)
    return replies(out.getvalue())[1:]  # after the /help banner


def test_lines_a_millisecond_apart_are_one_message_in_the_terminal(app):
    pasted = [(10.0 + i * 0.001, line) for i, line in enumerate(NOTICE_LINES)]
    out = run_terminal(app, pasted)
    assert [r["intent"] for r in out].count("fallback") == 0
    assert out[0]["data"]["case"]["complaint_id"] == "5566778899"
    assert len({r["data"]["case"]["id"] for r in out if (r.get("data") or {}).get("case")}) == 1


def test_typed_lines_seconds_apart_stay_separate_messages(app):
    out = run_terminal(app, [(1.0, "/help"), (4.0, "/case list")])
    assert [r["intent"] for r in out] == ["help", "notice"]


def test_bracketed_paste_in_the_terminal_waits_for_the_end_marker_across_a_pause(app):
    lines = [(1.0, PASTE_START + NOTICE_LINES[0])]
    lines += [(2.0 + i, line) for i, line in enumerate(NOTICE_LINES[1:])]
    lines[-1] = (lines[-1][0], lines[-1][1] + PASTE_END)
    out = run_terminal(app, lines)
    assert len(out) >= 1 and out[0]["data"]["case"]["complaint_id"] == "5566778899"


def test_joiner_rules():
    joiner = LineJoiner()
    assert joiner.feed("a", 0.0) == []
    assert joiner.feed("b", 0.001) == []
    assert joiner.feed("c", 1.0) == ["a\nb"]
    assert joiner.flush() == ["c"]
    piped = LineJoiner(timed=False)
    assert piped.feed("one") == ["one"] and piped.feed("two") == ["two"]
    assert piped.feed(PASTE_START + "x") == [] and piped.feed("y" + PASTE_END) == ["x\ny"]
    assert piped.feed('"""') == [] and piped.feed("z") == [] and piped.feed('"""') == ["z"]


def test_a_runaway_paste_is_cut_into_bounded_messages():
    joiner = LineJoiner(timed=False)
    done: list[str] = []
    lines: Iterator[str] = (f"line {i}" for i in range(MAX_MESSAGE_LINES + 10))
    done += joiner.feed(PASTE_START + next(lines))
    for line in lines:
        done += joiner.feed(line)
    done += joiner.feed(PASTE_END)
    assert [m.count("\n") + 1 for m in done] == [MAX_MESSAGE_LINES, 10]


def test_help_and_prompts_do_not_mention_a_wrapper(chat):
    assert '"""' not in json.dumps(chat.one("/help").to_json(), ensure_ascii=False)
