"""manifest.yml, generated: the Slack app's slash commands come from the command table
(knowledge/commands.yaml), the rest from knowledge/slack/manifest.yml.j2.

`python -m chatbot.adapters.slack_manifest > manifest.yml` writes it; a test checks that the
committed file matches, so a command a reply names on Slack is always one the app registers.
"""

from __future__ import annotations

import json

from jinja2 import StrictUndefined, Template

from chatbot import commands, knowledge

EVENTS_URL = "https://sellerguard.example.com/slack/events"


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def slash_commands() -> list[dict[str, str]]:
    """The registered commands, in table order, then the umbrella that runs all the others."""
    table = commands.table()
    entries = [{"command": spec.slash[0], "description": str((spec.slack or {})["description"]),
                "usage_hint": str((spec.slack or {}).get("usage_hint", ""))}
               for spec in table.slack_registered()]
    others = [spec.name for spec in table.slack_umbrella_only()]
    entries.append({"command": table.umbrella,
                    "description": f"Everything else ({', '.join(others)})",
                    "usage_hint": " | ".join(others)})
    return entries


def render() -> str:
    """The whole manifest.yml text."""
    lines: list[str] = []
    for entry in slash_commands():
        lines += [f"    - command: {entry['command']}",
                  f"      url: {EVENTS_URL}",
                  f"      description: {_quoted(entry['description'])}",
                  f"      usage_hint: {_quoted(entry['usage_hint'])}",
                  "      should_escape: false"]
    template = Template(knowledge.load_text("slack/manifest.yml.j2"), undefined=StrictUndefined,
                        keep_trailing_newline=True)
    return template.render(slash_commands="\n".join(lines))


if __name__ == "__main__":
    print(render(), end="")
