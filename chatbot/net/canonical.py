"""The forms one product page goes by, for every source that matches a URL against a record.

Links sellers paste carry shop and ad tracking (`?variant=…&utm_source=facebook`, `fbclid`,
`gclid`, `ref`…). Archives and sitemaps key a page by its URL *with* the query, so the link as
pasted is found nowhere while its canonical form (no tracking parameters) is. The same page is
also reached over http and https, with and without `www.`. This module names those forms; it
never decides whether a URL may be fetched (that is `urls.parse_user_url`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, unquote_plus

import httpx

MAX_QUERY_PAIRS = 50  # a pasted link's query; past this the rest is dropped, not read
# Parameters that choose a tracking campaign, a variant or a referrer, not a different page.
TRACKING_PARAMS = frozenset({
    "variant", "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
    "ttclid", "twclid", "li_fat_id", "mc_cid", "mc_eid", "ref", "ref_", "ref_src", "srsltid", "spm",
    "_pos", "_sid", "_ss", "_psq", "_fid", "sc_cid", "s_cid", "cmpid", "aff_id", "clickid", "irclickid",
    "epik", "_kx", "_gl", "_ga", "gad_source", "gad_campaignid", "_ab", "_fd", "_sc", "sca_ref", "rfsn",
    "_v", "cjevent", "irgwc", "sscid", "wickedid", "s_kwcid", "ef_id", "scm", "pvid", "share_id",
    "oly_enc_id", "oly_anon_id", "ck_subscriber_id", "ml_subscriber", "ml_subscriber_hash",
    "_branch_match_id", "tt_medium", "tt_content",
})
# Families: campaigns (utm_…), Shopify's recommended-product links (pr_prod_strat, pr_rec_id…),
# WooCommerce's chosen variation (attribute_pa_color: the same page, another option), AliExpress
# and Temu share links, Klaviyo, HubSpot (_hsenc, __hstc).
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "_hs", "__hs", "mkt_", "trk_", "pr_", "attribute_",
                     "aff_", "algo_", "_x_", "refer_page_")


@dataclass(frozen=True)
class PageForms:
    """`given`: host+path+query as pasted; `canonical`: without tracking parameters; `alternate`:
    the canonical form on the other of `www.`/bare host. Each is scheme-less (`shop.com/p?x=1`),
    the shape archive indexes take."""

    given: str
    canonical: str
    alternate: str

    def ordered(self) -> list[tuple[str, str]]:
        """[(form name, target)] without repeats: canonical first, then as given, then alternate."""
        out: list[tuple[str, str]] = []
        for name, target in (("canonical", self.canonical), ("as_given", self.given),
                             ("alternate_host", self.alternate)):
            if target not in {t for _, t in out}:
                out.append((name, target))
        return out


def is_tracking(name: str) -> bool:
    key = name.strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def clean_query(query: str) -> str:
    """The query without tracking parameters, the other pairs exactly as written and in their order
    (`q=a+b&utm_x=2&c=%e5` → `q=a+b&c=%e5`: an archive keys the page by what was written)."""
    pairs = [pair for pair in query.split("&") if pair][:MAX_QUERY_PAIRS]
    return "&".join(pair for pair in pairs if not is_tracking(unquote_plus(pair.split("=", 1)[0])))


def _netloc(url: httpx.URL) -> str:
    return url.netloc.decode("ascii")


def _toggle_www(netloc: str) -> str:
    return netloc[4:] if netloc.startswith("www.") else f"www.{netloc}"


def canonical_url(url: httpx.URL) -> httpx.URL:
    """`url` without tracking parameters (the fragment is already gone after parsing)."""
    query = clean_query(url.query.decode("ascii", "replace"))
    raw_path = url.raw_path.decode("ascii").split("?", 1)[0]
    return httpx.URL(f"{url.scheme}://{_netloc(url)}{raw_path}{'?' + query if query else ''}")


def page_forms(url: httpx.URL) -> PageForms:
    """The forms of a checked URL (from `parse_user_url`) that archives may know it by."""
    raw = url.raw_path.decode("ascii")
    canon = canonical_url(url)
    canon_raw = canon.raw_path.decode("ascii")
    return PageForms(given=f"{_netloc(url)}{raw}", canonical=f"{_netloc(url)}{canon_raw}",
                     alternate=f"{_toggle_www(_netloc(url))}{canon_raw}")


def comparable(url: str) -> str:
    """A key equal for the forms of one page: no scheme, no `www.`, no port, decoded path without
    a trailing slash, the query without tracking parameters (`HTTPS://www.Shop.com/p/?utm_x=1` and
    `http://shop.com/p` → `shop.com/p`). Not for fetching: only for matching."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError, TypeError):
        return url
    host = (parsed.host or "").lower().removeprefix("www.")
    path = unquote(parsed.raw_path.decode("ascii", "replace").split("?", 1)[0]).rstrip("/")
    query = clean_query(parsed.query.decode("ascii", "replace"))
    return f"{host}{path}{'?' + query if query else ''}"
