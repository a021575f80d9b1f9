"""`/blocklist`: the public page of the community blocklist, like URLhaus's.

Search a domain or URL; see the entry's neutral facts: the site, its public state, reason codes
(as category names), first-reported and listed dates, and whether it is still online or was taken
down. Never reporters, report counts, free-text reasons, notes or evidence: those stay with
members and moderators. Entries still under review, or rejected, are not public: the page says
"not on the list" for them. Plain HTML, no script, readable on a phone, in English and Chinese.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from chatbot import knowledge
from chatbot.blocklist.errors import BlocklistError
from chatbot.blocklist.service import BlocklistService
from chatbot.context import Context
from chatbot.conversation import Lang
from chatbot.i18n import message, t
from chatbot.pages import security

MAX_QUERY = 300  # characters of a search read; longer input is answered as invalid
RECENT = 20  # recently listed entries on the front page
PUBLIC_STATES = ("listed", "disputed", "delisted")  # what the public may see of an entry
CACHE = "public, max-age=60"
HTML_LANG = {"en": "en", "zh-Hans": "zh-CN", "zh-Hant": "zh-TW"}


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(knowledge.load_text("pages/blocklist.html.j2"))


def public_entry(entry: dict[str, Any], lang: Lang) -> dict[str, Any]:
    """The neutral facts of one entry, labelled in `lang` (no reporters, no free text)."""
    categories = message("blocklist.categories", lang)
    liveness = entry.get("liveness") or {}
    if liveness.get("taken_down_at"):
        status = t("pages.blocklist.down_since", lang, date=liveness["taken_down_at"][:10])
    elif liveness.get("online") is True:
        status = t("pages.blocklist.online", lang, date=(liveness.get("last_checked") or "")[:10])
    elif liveness.get("online") is False:
        status = t("pages.blocklist.offline", lang, date=(liveness.get("last_checked") or "")[:10])
    else:
        status = t("pages.blocklist.not_checked", lang)
    return {
        "site": entry.get("unicode_unit") or entry.get("unit"),
        "unit": entry.get("unit"),
        "state": entry["state"],
        "state_label": t(f"pages.blocklist.state.{entry['state']}", lang),
        "reasons": [categories.get(code, code) for code in entry.get("reasons", []) if code in categories],
        "first_reported": (entry.get("first_reported") or "")[:10],
        "listed_at": (entry.get("listed_at") or "")[:10],
        "status": status,
    }


def search(ctx: Context, query: str, lang: Lang) -> dict[str, Any]:
    """{"entry": public facts} when the site is publicly listed, {"missing": site} when not,
    {"invalid": True} when the text is no domain or URL."""
    if len(query) > MAX_QUERY:
        return {"invalid": True}
    try:
        found = ctx.service(BlocklistService).check(query)
    except BlocklistError:
        return {"invalid": True}
    if found.get("state") not in PUBLIC_STATES:
        return {"missing": found.get("unicode_unit") or found.get("unit") or query}
    return {"entry": public_entry(found, lang)}


def render(ctx: Context, query: str, lang: Lang) -> str:
    labels = dict(message("pages.blocklist", lang))
    outcome = search(ctx, query, lang) if query else {}
    recent = [public_entry(e, lang) for e in ctx.service(BlocklistService).recent(RECENT, listed_only=True)]
    return _template().render(html_lang=HTML_LANG[lang], lang=lang, font_face=security.FONT_FACE, L=labels,
                              query=query[:MAX_QUERY],
                              outcome=outcome, recent=recent,
                              langs=[("en", "English"), ("zh", "简体中文"), ("zh-Hant", "繁體中文")])


def routes(ctx: Context) -> list[Route]:
    async def page(request: Request) -> Response:
        lang = security.request_lang(request, ctx.settings.default_lang)
        query = request.query_params.get("q", "").strip()
        html = await run_in_threadpool(render, ctx, query, lang)
        return security.page(html, cache=CACHE)

    return [Route("/blocklist", page, methods=["GET"])]
