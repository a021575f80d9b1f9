"""Pages a browser opens on the web process: report pages at unguessable links (/r/<token>) and
the public blocklist page (/blocklist). Each response carries the headers in security.py."""

from __future__ import annotations

from starlette.routing import BaseRoute

from chatbot.context import Context


def routes(ctx: Context) -> list[BaseRoute]:
    """Every page route, for `web.create_app` to mount."""
    from chatbot.pages import blocklist_page, reports

    return [*reports.routes(ctx), *blocklist_page.routes(ctx)]
