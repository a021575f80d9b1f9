"""Report pages: `/r/<token>` (HTML), `/r/<token>/report.pdf`, `/r/<token>/timeline.png` and
`/r/<token>/evidence.wacz`, for links sent where a chat platform cannot take files.

A token is checked by shape before the database is asked (links.py); a file name is one of the
four above or a 404, so no path from a request reaches the file system. An expired link answers
410 and an unknown one 404, both with a page saying so in the link's language.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from chatbot import knowledge
from chatbot.context import Context
from chatbot.conversation import Lang
from chatbot.evidence import archive, fonts, links, report
from chatbot.i18n import t
from chatbot.pages import security

log = logging.getLogger(__name__)
HTML_LANG = {"en": "en", "zh-Hans": "zh-CN", "zh-Hant": "zh-TW"}
FILES = ("report.pdf", "timeline.png", "evidence.wacz")


@lru_cache(maxsize=1)
def _notice_template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(knowledge.load_text("pages/notice.html.j2"))


def notice(key: str, lang: Lang, status: int) -> Response:
    """A small page saying why there is nothing to show (`pages.<key>.title|text`)."""
    html = _notice_template().render(html_lang=HTML_LANG[lang], font_face=security.FONT_FACE,
                                     title=t(f"pages.{key}.title", lang),
                                     text=t(f"pages.{key}.text", lang))
    return security.page(html, status)


def routes(ctx: Context) -> list[Route]:
    async def resolved(request: Request) -> links.Resolved:
        return await run_in_threadpool(links.resolve, ctx, request.path_params["token"])

    def refused(found: links.Resolved, request: Request) -> Response:
        # No link language to go by for an unknown token: the browser's is the best guess.
        lang = security.request_lang(request, found.lang, browser=found.state == "unknown")
        if found.state == "expired":
            return notice("report_expired", lang, 410)
        return notice("report_unknown", lang, 404)

    async def page(request: Request) -> Response:
        found = await resolved(request)
        if found.state != "ok" or found.result is None:
            return refused(found, request)
        lang = security.request_lang(request, found.lang, browser=False)  # the link's language
        token = request.path_params["token"]
        result = found.result

        def render() -> str:
            png = report.render_timeline(result, lang)
            downloads = [(t("pages.download.pdf", lang), f"/r/{token}/report.pdf")]
            if png is not None:
                downloads.append((t("pages.download.png", lang), f"/r/{token}/timeline.png"))
            if (result.get("package") or {}).get("file"):
                downloads.append((t("pages.download.wacz", lang), f"/r/{token}/evidence.wacz"))
            return report.render_html(result, lang, timeline=png, downloads=downloads,
                                      font_face=security.FONT_FACE)

        try:
            return security.page(await run_in_threadpool(render))
        except Exception:  # a report that cannot be drawn gets a page saying so, never a bare 500
            log.exception("report page for lookup %s failed", result.get("id"))
            return notice("report_failed", lang, 503)

    async def file(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in FILES:
            return notice("report_unknown", security.request_lang(request, ctx.settings.default_lang), 404)
        found = await resolved(request)
        if found.state != "ok" or found.result is None:
            return refused(found, request)
        lang = security.request_lang(request, found.lang, browser=False)
        result = found.result
        host = str(result.get("host") or "site")
        base = f"sellerguard-{result.get('id') or 'report'}"
        if name == "evidence.wacz":
            package = (result.get("package") or {}).get("file")
            path = archive.locate(ctx.settings, str(package or ""))
            if path is None:
                return notice("package_missing", lang, 404)
            return FileResponse(path, media_type="application/wacz", filename=path.name,
                                headers=security.headers())
        if name == "timeline.png":
            png = await run_in_threadpool(report.render_timeline, result, lang)
            if png is None:
                return notice("no_timeline", lang, 404)
            return Response(png, media_type="image/png", headers=security.headers()
                            | {"Content-Disposition": f'inline; filename="{base}-timeline.png"'})

        def pdf() -> bytes:
            return report.render_pdf(result, lang, timeline=report.render_timeline(result, lang))

        try:
            data = await run_in_threadpool(pdf)
        except Exception:
            log.exception("PDF for lookup %s failed", result.get("id"))
            return notice("report_failed", lang, 503)
        safe_host = "".join(c if c.isalnum() or c in ".-" else "_" for c in host)[:80]
        return Response(data, media_type="application/pdf", headers=security.headers()
                        | {"Content-Disposition": f'attachment; filename="{base}-{safe_host}.pdf"'})

    async def font(request: Request) -> Response:
        data = await run_in_threadpool(fonts.web_font)
        return Response(data, media_type="font/ttf",
                        headers=security.headers("public, max-age=31536000, immutable"))

    return [Route("/r/{token}", page, methods=["GET"]), Route("/r/{token}/{name}", file, methods=["GET"]),
            Route(security.FONT_URL, font, methods=["GET"])]
