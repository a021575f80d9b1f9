"""`compare` on its own: the copycat page against the seller's listing, without the date lookup.
The same fetcher (and so the same limits and SSRF rules) as /checksite."""

from __future__ import annotations

import asyncio
from typing import Any

from chatbot.evidence import copying, copying_store
from chatbot.evidence.client import EvidenceClient
from chatbot.evidence.engine import EvidenceEngine
from chatbot.evidence.model import FetchRecord


def check(engine: EvidenceEngine, request: copying.CopyingRequest) -> dict[str, Any]:
    """Blocking. Returns the copying result as JSON (`image_matches`, `text_similarity`, `verdict`,
    `reason`, counts, problems) plus `copycat_url`, the stored check's `id` and the `evidence` log. Raises
    `engine.LookupRefused` when the copycat URL (or --listing URL) is no public web address."""
    engine.normalize(request.copycat_url)
    if request.listing_url:
        engine.normalize(request.listing_url)

    async def work() -> tuple[copying.CopyingResult, list[FetchRecord]]:
        fetcher = engine.fetcher()
        log: list[FetchRecord] = []
        try:
            client = EvidenceClient(fetcher, log, memo={})
            result = await copying.run(client, request, amazon_url=engine.settings.amazon_url,
                                       budget=engine.settings.lookup_timeout)
            return result, log
        finally:
            await fetcher.aclose()

    result, log = asyncio.run(work())
    data = result.to_json()
    data["id"] = copying_store.save(engine.ctx, str(engine.normalize(request.copycat_url)), data)
    return {"copycat_url": request.copycat_url, **data, "evidence": [r.to_json() for r in log]}
