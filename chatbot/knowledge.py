"""Read content files from the `knowledge/` package (YAML, text, templates), cached."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml


def knowledge_dir() -> Path:
    return Path(str(files("knowledge")))


def path(relative: str) -> Path:
    return knowledge_dir() / relative


@lru_cache(maxsize=256)
def load_yaml(relative: str) -> Any:
    """Parse `knowledge/<relative>` once; callers must not mutate what they get."""
    with path(relative).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=64)
def load_text(relative: str) -> str:
    return path(relative).read_text(encoding="utf-8")


def load_lines(relative: str) -> list[str]:
    """A list file: one entry a line, `#` comments and blank lines ignored."""
    lines = []
    for line in load_text(relative).splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            lines.append(entry)
    return lines
