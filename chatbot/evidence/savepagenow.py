"""Ask the Wayback Machine to capture the checked page at check time (Save Page Now), with
`SELLERGUARD_SAVE_PAGE_NOW=1`.

`GET {wayback}/save/{url}` answers with the new capture's address in `Content-Location` or
`Location` (`/web/<14-digit time>/<url>`). The request goes through the safe fetcher like every
other; it runs beside the sources and the lookup waits at most GRACE seconds for it after they
finish, so a slow archive never holds the report back.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from chatbot.evidence.client import EvidenceClient
from chatbot.net.fetcher import FetchError

GRACE = 2.0  # seconds the lookup waits for the answer once its sources are done
TIMEOUT = 20.0  # seconds for the request itself
_CAPTURE = re.compile(r"^/web/(\d{14})/(\S+)$")


async def request(client: EvidenceClient, wayback_url: str, url: str) -> dict[str, Any]:
    """{"status": "saved", "url": archive link, "time": 14 digits} or {"status": "failed", "detail"}.
    Never raises for a network problem."""
    try:
        result, record = await client.get(f"{wayback_url.rstrip('/')}/save/{url}", source="save_page_now",
                                          timeout=TIMEOUT, follow_redirects=False)
    except FetchError as exc:
        return {"status": "failed", "detail": exc.code}
    for name in ("content-location", "location"):
        value = result.headers.get(name, "")
        path = httpx.URL(value).path if value.startswith("http") else value
        match = _CAPTURE.match(path)
        if match:
            link = f"{wayback_url.rstrip('/')}/web/{match.group(1)}/{match.group(2)}"
            record.extracted.append(f"archive copy: {link}")
            return {"status": "saved", "url": link, "time": match.group(1)}
    return {"status": "failed", "detail": f"HTTP {result.status}"}
