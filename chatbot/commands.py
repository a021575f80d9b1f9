"""The one table of commands (knowledge/commands.yaml): how users type each command, and how a
reply names it on each platform.

Replies are written once, naming commands in their canonical slash form ("/case 3 done 2").
`for_platform` turns those names into what the platform really offers: on Slack the registered
slash commands as they are and "/sellerguard <command>" for the rest; on WeCom and WeChat (no
slash commands) the text word ("案件 3 done 2"); in the terminal the slash forms, which it reads.
The same table generates the Slack manifest (chatbot/adapters/slack_manifest.py), so a reply can
never name a command the platform does not have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, is_dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

from chatbot import knowledge
from chatbot.conversation import Reply
from chatbot.i18n import to_simplified

SLASH_PLATFORMS = frozenset({"console"})  # every slash form is typed as text and works
TEXT_PLATFORMS = frozenset({"wecom", "wechat"})  # no slash commands: the text word


@dataclass(frozen=True)
class CommandSpec:
    """One row of the table."""

    name: str
    slash: tuple[str, ...]  # first = the canonical form replies are written with
    text: tuple[str, ...]  # first = the word replies name on text-only platforms
    slack: dict[str, str] | None  # registered in the Slack app: description, usage_hint


@dataclass(frozen=True)
class Table:
    commands: tuple[CommandSpec, ...]
    umbrella: str

    # Built once per table: every message's first word is looked up here, and converting the
    # aliases to Simplified script costs far more than the lookup.
    @cached_property
    def _slash(self) -> dict[str, str]:
        return {form.lower(): spec.name for spec in self.commands for form in spec.slash}

    @cached_property
    def _text(self) -> dict[str, str]:
        return {to_simplified(form).lower(): spec.name for spec in self.commands for form in spec.text}

    def by_slash(self) -> dict[str, str]:
        """Every slash form (lower-case) → command name (one dict, shared: do not change it)."""
        return self._slash

    def by_text(self) -> dict[str, str]:
        """Every text word (Simplified, lower-case) → command name (shared: do not change it)."""
        return self._text

    def spec(self, name: str) -> CommandSpec:
        return next(spec for spec in self.commands if spec.name == name)

    def slack_registered(self) -> tuple[CommandSpec, ...]:
        return tuple(spec for spec in self.commands if spec.slack is not None)

    def slack_umbrella_only(self) -> tuple[CommandSpec, ...]:
        return tuple(spec for spec in self.commands if spec.slack is None)


@lru_cache(maxsize=1)
def table() -> Table:
    """The command table, read once."""
    raw = knowledge.load_yaml("commands.yaml")
    commands = tuple(
        CommandSpec(name=name, slash=tuple(forms.get("slash", [])), text=tuple(forms.get("text", [])),
                    slack=dict(forms["slack"]) if forms.get("slack") else None)
        for name, forms in raw.items() if isinstance(forms, dict)
    )
    return Table(commands, str(raw.get("umbrella", "/sellerguard")))


def mention(name: str, platform: str) -> str:
    """How a reply names command `name` on `platform`."""
    spec = table().spec(name)
    if platform == "slack":
        return spec.slash[0] if spec.slack is not None else f"{table().umbrella} {name}"
    if platform in TEXT_PLATFORMS and spec.text:
        return spec.text[0]
    return spec.slash[0]


@lru_cache(maxsize=1)
def _mention_pattern() -> re.Pattern[str]:
    # A slash form on its own, never part of a path or URL ("shop.example/report" is left alone).
    forms = sorted(table().by_slash(), key=len, reverse=True)
    alternatives = "|".join(re.escape(form) for form in forms)
    return re.compile(rf"(?<![\w/.:\-])({alternatives})(?![\w/\-])", re.IGNORECASE)


def rewrite(text: str, platform: str) -> str:
    """`text` with every canonical command name replaced by what `platform` offers."""
    if not text or platform in SLASH_PLATFORMS or "/" not in text:
        return text
    names = table().by_slash()
    return _mention_pattern().sub(lambda m: mention(names[m.group(1).lower()], platform), text)


def _rewrite_value(value: Any, platform: str) -> Any:
    if isinstance(value, str):
        return rewrite(value, platform)
    if isinstance(value, tuple):
        return tuple(_rewrite_value(item, platform) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _rewrite_value(getattr(value, f.name), platform) for f in fields(value)
                   if f.name not in ("id", "value", "kind", "data", "path", "filename", "content_type")}
        return replace(value, **changes)
    return value


def for_platform(reply: Reply, platform: str) -> Reply:
    """The reply with every command it names written the way `platform` offers it."""
    if platform in SLASH_PLATFORMS:
        return reply
    return replace(reply, text=rewrite(reply.text, platform),
                   parts=tuple(_rewrite_value(part, platform) for part in reply.parts))
