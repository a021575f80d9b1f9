"""`sellerguard serve` in a subprocess for page tests, and headless Chromium to look at pages.

Chromium is Debian's (`/usr/bin/chromium`, or $SELLERGUARD_CHROMIUM), driven by Playwright's
Python package; `.ci/run` installs it. Where it is missing, browser tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import MODERATORS

DOCS = Path(__file__).resolve().parent.parent / "docs"
HTTP_TIMEOUT = 120.0  # seconds a test waits for a page; generous, so a busy machine never fails a test
PHONE = {"width": 390, "height": 844}  # a common phone in portrait, as WeChat's browser sees it
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(database_url: str, cwd: Path, **env: str) -> Iterator[str]:
    """Start `sellerguard serve` (no Slack credentials: pages, feeds, health); yields its base URL
    once /healthz answers; stops it afterwards."""
    port = free_port()
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SELLERGUARD_", "SLACK_"))}
    full.update({"DATABASE_URL": database_url, "PORT": str(port),
                 "SELLERGUARD_MODERATORS": ",".join(sorted(MODERATORS))}, **env)
    proc = subprocess.Popen([sys.executable, "-m", "chatbot", "serve", "--host", "127.0.0.1"], env=full,
                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # up to a minute on a busy machine; returns as soon as it answers
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def chromium_path() -> str | None:
    configured = os.environ.get("SELLERGUARD_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (Debian's package) under Playwright; skips when either is missing."""
    path = chromium_path()
    if path is None:
        pytest.skip("headless Chromium is not installed (Debian package `chromium`; .ci/run installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright Python package is not installed (pip install -e '.[test]')")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS,
                                          timeout=HTTP_TIMEOUT * 1000)
        try:
            yield launched
        finally:
            launched.close()


def overflows(page: Any) -> bool:
    """Whether the page is wider than the viewport (a phone reader would have to scroll sideways)."""
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"))


def save_doc_shot(png: bytes, name: str) -> None:
    """Keep the README's pictures in step with what the tests saw, when SELLERGUARD_UPDATE_DOCS=1."""
    if os.environ.get("SELLERGUARD_UPDATE_DOCS") == "1":
        DOCS.mkdir(exist_ok=True)
        (DOCS / name).write_bytes(png)
