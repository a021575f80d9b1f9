"""Real `sellerguard worker` / `sellerguard clock` processes for tests, on the test database.

`start_process("worker", settings=…)` starts the command with the settings turned into the
environment variables an operator would set; every process still running is killed after the
test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chatbot.config import Settings

# Settings field -> environment variable, for the fields tests change.
_ENV = {
    "database_url": "DATABASE_URL",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "slack_digest_channel": "SLACK_DIGEST_CHANNEL",
    "allow_private_networks": "SELLERGUARD_ALLOW_PRIVATE_NETWORKS",
    "allowed_ports": "SELLERGUARD_ALLOWED_PORTS",
    "wayback_url": "SELLERGUARD_WAYBACK_URL",
    "rdap_url": "SELLERGUARD_RDAP_URL",
    "lookup_timeout": "SELLERGUARD_LOOKUP_TIMEOUT",
    "report_dir": "SELLERGUARD_REPORT_DIR",
    "moderators": "SELLERGUARD_MODERATORS",
    "timezone": "SELLERGUARD_TIMEZONE",
    "digest_at": "SELLERGUARD_DIGEST_AT",
    "reminder_at": "SELLERGUARD_REMINDER_AT",
    "job_lease_seconds": "SELLERGUARD_JOB_LEASE_SECONDS",
    "clock_lease_seconds": "SELLERGUARD_CLOCK_LEASE_SECONDS",
    "job_retry_seconds": "SELLERGUARD_JOB_RETRY_SECONDS",
    "job_modules": "SELLERGUARD_JOB_MODULES",
}


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that `load_settings` turns back into (the tested fields of) `settings`."""
    env: dict[str, str] = {}
    defaults = Settings()
    for field, name in _ENV.items():
        value = getattr(settings, field)
        if value == getattr(defaults, field):
            continue
        if isinstance(value, bool):
            env[name] = "1" if value else "0"
        elif isinstance(value, frozenset | tuple):
            env[name] = ",".join(str(v) for v in sorted(value))
        else:
            env[name] = str(value)
    env["DATABASE_URL"] = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    return env


@pytest.fixture
def start_process(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, settings: Settings, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        full = {k: v for k, v in os.environ.items() if not k.startswith(("SELLERGUARD_", "SLACK_"))}
        full.update(settings_env(settings))
        full.update({"PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(Path(__file__).parent.parent)})
        full.update(env or {})
        log = (tmp_path / f"{args[0]}-{len(started)}.log").open("w")
        process = subprocess.Popen([sys.executable, "-m", "chatbot", *args], env=full, text=True,
                                   stdout=log, stderr=subprocess.STDOUT, cwd=str(tmp_path))
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)


def stop(process: subprocess.Popen[Any], *, timeout: float = 60) -> int:
    """SIGTERM, then wait for the process to finish the jobs in hand and exit."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=timeout)
