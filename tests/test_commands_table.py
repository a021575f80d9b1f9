"""One table of commands (knowledge/commands.yaml): it generates manifest.yml, and every command a
reply names exists on the platform the reply goes to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from chatbot import commands
from chatbot.adapters import slack_blocks as kit
from chatbot.adapters import slack_manifest
from chatbot.conversation import Reply
from handlers.help import overview

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
# Everything a reply's words come from: messages, checklist steps, letter descriptions.
REPLY_SOURCES = ("messages/*/*.yaml", "checklists/*.yaml", "letters/*.yaml")
# A "/word" on its own, as a user would type it (not a path or a URL).
SLACK_BUILT_IN = {"/invite"}  # Slack's own commands exist in every workspace
MENTIONED = re.compile(r"(?<![\w/.:\-])/([A-Za-z][\w-]*)(?![\w/\-])")


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def every_message() -> list[tuple[str, str]]:
    """(file, text) for every reply text in every language."""
    found = []
    for pattern in REPLY_SOURCES:
        for path in sorted(KNOWLEDGE.glob(pattern)):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            found += [(str(path.relative_to(KNOWLEDGE)), text) for text in _strings(data)]
    assert len(found) > 300
    return found


def _slack_commands() -> set[str]:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    return {entry["command"] for entry in manifest["features"]["slash_commands"]}


def test_committed_manifest_is_generated_from_the_table() -> None:
    assert (ROOT / "manifest.yml").read_text(encoding="utf-8") == slack_manifest.render(), (
        "regenerate: python -m chatbot.adapters.slack_manifest > manifest.yml")


def test_manifest_registers_the_tables_slack_commands_and_the_umbrella() -> None:
    table = commands.table()
    assert _slack_commands() == {spec.slash[0] for spec in table.slack_registered()} | {table.umbrella}
    umbrella = next(e for e in slack_manifest.slash_commands() if e["command"] == table.umbrella)
    for spec in table.slack_umbrella_only():
        assert spec.name in umbrella["usage_hint"]


def test_every_command_a_reply_names_exists_on_slack() -> None:
    registered = _slack_commands() | SLACK_BUILT_IN
    umbrella = commands.table().umbrella
    known = {spec.name for spec in commands.table().commands}
    for where, text in every_message():
        shown = commands.rewrite(text, "slack")
        for match in MENTIONED.finditer(shown):
            command = "/" + match.group(1)
            assert command in registered, f"{where}: {command} is not a Slack command in {shown!r}"
            if command == umbrella:
                following = re.match(r"\s+([a-z]+)", shown[match.end():])
                assert following and following.group(1) in known, f"{where}: {shown!r}"


@pytest.mark.parametrize("platform", ["wecom", "wechat"])
def test_text_platforms_are_told_text_commands(platform: str) -> None:
    slash_forms = set(commands.table().by_slash())
    for where, text in every_message():
        shown = commands.rewrite(text, platform)
        for match in MENTIONED.finditer(shown):
            assert "/" + match.group(1).lower() not in slash_forms, f"{where}: {shown!r}"


def test_help_per_platform() -> None:
    reply = overview("en")
    slack = commands.for_platform(reply, "slack")
    assert "/sellerguard case [list | ID]" in str(slack.parts)
    assert "/checksite <url>" in str(slack.parts)
    assert "/case [list | ID]" in str(commands.for_platform(reply, "console").parts)
    wecom = str(commands.for_platform(overview("zh-Hans"), "wecom").parts)
    assert "案件 [list | 编号]" in wecom and "/case" not in wecom


def test_paths_and_links_are_left_alone() -> None:
    text = "See https://shop.example/report and shop.example/case/1, or /report shop.example why"
    assert commands.rewrite(text, "slack") == text
    assert commands.rewrite("Type /case 3 done 2.", "slack") == "Type /sellerguard case 3 done 2."
    assert commands.rewrite("Type /help.", "wecom") == "Type 帮助."


def test_slack_renderer_names_slack_commands() -> None:
    reply = Reply("error", "en", "Type /lang zh to switch.", ok=False)
    assert kit.fallback_text(reply) == "Type /sellerguard lang zh to switch."
    assert "/sellerguard lang zh" in str(kit.reply_blocks(reply))
