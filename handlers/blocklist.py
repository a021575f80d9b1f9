"""The blocklist conversation."""

from __future__ import annotations

COMMANDS: dict = {}
