"""`/checksite <url>` (查站): when did a storefront and its product page appear, with evidence."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from chatbot.context import Context
from chatbot.conversation import Actions, Attachment, Button, Fields, Heading, Incoming, Lang, Notice, Reply
from chatbot.evidence import copying_present, present, report
from chatbot.evidence.engine import EvidenceEngine, LookupRefused
from chatbot.evidence.options import OptionError, build, parse_chat
from chatbot.evidence.saved import SavedPageError, read_saved
from chatbot.i18n import t

log = logging.getLogger(__name__)
CONTENT_TYPES = {"html": "text/html", "pdf": "application/pdf", "json": "application/json",
                 "png": "image/png"}


def _invalid(lang: Lang, error: OptionError) -> Reply:
    text = t(error.key, lang, **error.params)
    return Reply("checksite", lang, text, (Notice(t("checksite.usage", lang)),), ok=False,
                 data={"error": error.key.rsplit(".", 1)[-1]})


def _refused(lang: Lang, exc: LookupRefused) -> Reply:
    reason = present.refusal_reason(exc.key, lang)
    partial = exc.partial or {}
    data = {"error": exc.key, "detail": exc.detail, "refused": True}
    if any(s.get("ok") and s.get("dates") for s in partial.get("sources", [])):
        # Other sources (the archive, the registry) still found something: show it.
        text = t("checksite.refused_partial", lang, reason=reason)
        parts = (Fields(tuple(present.fields(partial, lang))),
                 Notice("\n".join(present.source_lines(partial, lang))))
        return Reply("checksite", lang, text, parts, ok=False, data=data | {"result": partial})
    return Reply("checksite", lang, t("checksite.refused", lang, reason=reason), ok=False, data=data)


def _report_files(result: dict[str, Any], lang: Lang, folder: Path, name: str | None) -> list[Attachment]:
    base = re.sub(r"[^\w.\-]", "_", f"checksite-{result.get('id') or 'x'}-{result.get('host', 'site')}")
    # The lookup id keeps two members' "evidence.pdf" apart in the shared folder.
    targets = [folder / f"{base}-{name}"] if name else [folder / f"{base}.html", folder / f"{base}.pdf"]
    written: list[Path] = []
    for target in targets:
        for path in report.write(result, lang, target):
            if path not in written:
                written.append(path)
    attachments = []
    for path in written:
        kind = {"htm": "html"}.get(path.suffix.lower().lstrip("."), path.suffix.lower().lstrip("."))
        content_type = CONTENT_TYPES.get(kind, "application/octet-stream")
        attachments.append(Attachment(filename=path.name, content_type=content_type, path=str(path),
                                      title=t(f"checksite.attachment.{kind}", lang)))
    return attachments


def offline_reply(result: dict[str, Any], lang: Lang) -> Reply:
    """Our own network is down: say so, and nothing about the site."""
    return Reply("checksite", lang, present.offline_text(result, lang), ok=False,
                 data=result | {"error": "offline"})


def summary_reply(result: dict[str, Any], lang: Lang, attachments: list[Attachment]) -> Reply:
    if (result.get("network") or {}).get("state") == "offline":
        return offline_reply(result, lang)
    host = result.get("host", "")
    text = t("checksite.summary", lang, host=host, platform=present.platform_name(result, lang),
             page=present.estimate_text(result.get("page_first_seen"), lang),
             site=present.estimate_text(result.get("site_first_seen"), lang))
    parts: list[Any] = [Heading(t("checksite.title", lang, host=host)),
                        Fields(tuple(present.fields(result, lang)))]
    warnings = []
    page = next((s for s in result.get("sources", []) if s["name"] == "page"), None)
    if page and page.get("info", {}).get("truncated"):
        warnings.append(t("checksite.warning.truncated", lang, limit=_megabytes(result)))
    skip: frozenset[str] = frozenset()
    if page and not page["ok"]:
        # The page's own failure leads, set apart; the list below holds the other sources.
        warnings.append(present.source_lines({"sources": [page]}, lang)[0])
        skip = frozenset({"page"})
    if result.get("cached"):
        warnings.append(t("checksite.warning.cached", lang, when=result.get("checked_at", "")))
    if saved := result.get("saved_page"):
        warnings.append(t("evidence.saved.note", lang, file=saved["file"], sha256=saved["sha256"]))
    parts += [Notice(w, "warning") for w in warnings]
    parts.append(Notice("\n".join(present.source_lines(result, lang, skip=skip))))
    if result.get("copying"):
        seller_date = (result.get("comparison") or {}).get("seller_date")
        parts += [Heading(t("copying.title", lang, host=host)),
                  Notice("\n".join(copying_present.lines(result["copying"], lang, seller_date=seller_date)))]
    parts.append(Actions((Button("site.report", t("checksite.button.report", lang),
                                 value=result.get("normalized_url", ""), style="danger"),)))
    parts += attachments
    state = (result.get("network") or {}).get("state")
    if state in {"site_gone", "site_unreachable"}:
        # The target did not answer but our services did: lead with that, not with "no date".
        text = t(f"evidence.{state}", lang, host=host)
        concluded = bool(result.get("page_first_seen") or result.get("site_first_seen"))
        return Reply("checksite", lang, text, tuple(parts), ok=concluded, data=result)
    return Reply("checksite", lang, text, tuple(parts), data=result)


def _megabytes(result: dict[str, Any]) -> str:
    sizes = [e.get("size", 0) for e in result.get("evidence", []) if e.get("source") == "page"]
    return f"{max(sizes, default=0) / 1_000_000:.0f}"


def handle(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    assert msg.lang is not None
    lang = msg.lang
    try:
        parsed = parse_chat(args, ctx.clock().date())
    except OptionError as exc:
        return [_invalid(lang, exc)]
    engine = ctx.service(EvidenceEngine)
    photos = tuple(f.path for f in msg.files if f.path)  # downloaded by the adapter
    request = replace(parsed.request, images=photos) if photos else parsed.request
    try:
        result = engine.check(request)
    except LookupRefused as exc:
        return [_refused(lang, exc)]
    if (result.get("network") or {}).get("state") == "offline":
        return [offline_reply(result, lang)]
    try:
        attachments = _report_files(result, lang, Path(ctx.settings.report_dir), parsed.report)
    except Exception:  # the findings stand without the files; say so rather than fail
        log.exception("writing the checksite report for %s failed", result.get("normalized_url"))
        reply = summary_reply(result, lang, [])
        return [Reply(reply.intent, lang, reply.text,
                      (*reply.parts, Notice(t("checksite.report_failed", lang), "warning")), data=result)]
    return [summary_reply(result, lang, attachments)]


def saved_page(msg: Incoming, ctx: Context, path: str, name: str) -> list[Reply]:
    """A saved copy of a copycat's page that the seller uploaded (the adapter downloaded it to
    `path`): read offline with every page-level source, like `sellerguard checksite --html`.
    The page's address comes from what the browser wrote into the file; nothing is fetched."""
    assert msg.lang is not None
    lang = msg.lang
    try:
        saved = read_saved(Path(path))
    except SavedPageError as exc:
        return [Reply("checksite", lang, t(f"evidence.saved.{exc.code}", lang, file=name), ok=False)]
    request = build("-", since=None, asin=None, marketplace=None, brand=None, today=ctx.clock().date())
    try:
        result = ctx.service(EvidenceEngine).check_saved(saved, replace(request, url=""))
    except LookupRefused as exc:
        return [_refused(lang, exc)]
    return [summary_reply(result, lang, [])]


def site_action(msg: Incoming, ctx: Context) -> list[Reply]:
    """The "Report this site" button where no form can open (console, WeChat): how to report."""
    assert msg.lang is not None and msg.action is not None
    url = msg.action.value
    return [Reply("checksite", msg.lang, t("checksite.report_hint", msg.lang, url=url), private=True)]


COMMANDS = {"checksite": handle}
ACTIONS = {"site": site_action}
