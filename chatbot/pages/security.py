"""Headers every page response carries, and the page language a request asks for.

- Content-Security-Policy: nothing loads from anywhere but this site; no script at all (not even
  inline: `script-src` is unset under `default-src 'none'`); the one inline style block of a page
  is allowed by its SHA-256, so a `<style>` smuggled into a page would not apply; no framing.
- X-Content-Type-Options: nosniff; Referrer-Policy: no-referrer (a report link never leaks to
  the sites it links to); X-Frame-Options for old browsers; Cache-Control given by each route.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from chatbot.conversation import Lang
from chatbot.i18n import normalize_lang

_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
PRIVATE = "private, no-store"


def csp(html: str = "") -> str:
    """The policy for a page whose inline <style> blocks are those of `html`."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()}'"
                      for block in _STYLE.findall(html))
    return ("default-src 'none'; img-src 'self' data:; font-src 'self'; style-src " + (hashes or "'none'")
            + "; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def headers(cache: str = PRIVATE, policy: str | None = None) -> dict[str, str]:
    return BASE_HEADERS | {"Cache-Control": cache, "Content-Security-Policy": policy or csp()}


def page(html: str, status: int = 200, cache: str = PRIVATE) -> Response:
    """An HTML response with the security headers and a policy allowing exactly its own styles."""
    return HTMLResponse(html, status_code=status, headers=headers(cache, csp(html)))


FONT_URL = "/fonts/report.ttf"
# Declared first in a page's styles; listed last in its font families, so a device with its own
# CJK font never downloads it.
FONT_FACE = ("@font-face { font-family: 'SellerGuard Sans'; src: url('" + FONT_URL
             + "') format('truetype'); font-display: swap; }")


def request_lang(request: Request, default: str = "en", *, browser: bool = True) -> Lang:
    """?lang= first, then (with `browser`) the browser's Accept-Language (zh-TW/zh-HK →
    Traditional), then `default`."""
    asked = normalize_lang(request.query_params.get("lang", "")[:16])
    if asked:
        return asked
    for part in request.headers.get("accept-language", "")[:200].split(",") if browser else ():
        found = normalize_lang(part.split(";", 1)[0])
        if found:
            return found
    return normalize_lang(default) or "en"
