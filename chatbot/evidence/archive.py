"""Where evidence packages live: `<SELLERGUARD_REPORT_DIR>/packages/`, one WACZ per lookup,
written once and never rewritten, pruned after `SELLERGUARD_REPORT_RETENTION_DAYS`.

`keep` is what a lookup calls with its captures; `locate` is the only way a package is found by
name (report pages, the CLI), so a name from outside can never reach another path.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chatbot.evidence import tsa, wacz
from chatbot.evidence.client import Capture

log = logging.getLogger(__name__)

SUBFOLDER = "packages"
NAME = re.compile(r"lookup-\d{8}T\d{6}Z-[A-Za-z0-9.\-_]{1,80}-[0-9a-f]{12}\.wacz")


def folder(settings: Any) -> Path:
    return Path(settings.report_dir) / SUBFOLDER


def keep(settings: Any, captures: Sequence[Capture], *, host: str, key: str, main_url: str,
         title: str) -> dict[str, Any]:
    """Write the lookup's package; returns its description for the lookup result ({"file",
    "bytes", "sha256", "timestamp"}) or {"error": code} when it could not be written. Blocking:
    call it on a worker thread. Never raises."""
    stamper = None
    if settings.tsa_url:
        def stamper(digest: bytes) -> dict[str, Any]:
            return tsa.request(settings.tsa_url, digest)
    budget = max(0, int(settings.package_max_bytes))
    created = datetime.now(UTC)
    try:
        data, stamp = wacz.build(_within(captures, budget), main_url=main_url, title=title,
                                 created=created, stamper=stamper)
        path = wacz.write_once(folder(settings), wacz.file_name(host, created, key), data)
    except FileExistsError:
        return {"error": "exists"}
    except OSError as exc:
        log.warning("evidence package not written: %s", exc)
        return {"error": "not_written"}
    return wacz.Package(path, len(data), hashlib.sha256(data).hexdigest(), stamp).to_json()


def _within(captures: Sequence[Capture], budget: int) -> list[Capture]:
    """Captures in order while their bodies fit the budget; later bodies are cut to nothing (the
    record stays, marked truncated). Bounded by wacz.MAX_CAPTURES."""
    import dataclasses

    kept = []
    for capture in captures[: wacz.MAX_CAPTURES]:
        size = len(capture.result.body)
        if size > budget:
            capture = dataclasses.replace(capture, result=dataclasses.replace(
                capture.result, body=b"", truncated=True))
        else:
            budget -= size
        kept.append(capture)
    return kept


def locate(settings: Any, name: str) -> Path | None:
    """The package called `name` if it exists; None for anything else (other names, paths)."""
    if not NAME.fullmatch(name):
        return None
    path = folder(settings) / name
    return path if path.is_file() else None


def prune(settings: Any, *, now: float | None = None) -> int:
    """Delete packages older than the retention setting; returns how many were deleted."""
    cutoff = (now or time.time()) - settings.report_retention_days * 86400
    removed = 0
    base = folder(settings)
    if not base.is_dir():
        return 0
    for path in base.iterdir():
        if NAME.fullmatch(path.name) and path.stat().st_mtime < cutoff:
            path.chmod(0o644)
            path.unlink(missing_ok=True)
            removed += 1
    return removed
