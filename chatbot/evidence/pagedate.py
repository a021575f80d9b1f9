"""The page's own publication date: the date in its permanent address, and htmldate where the
page's declarations leave the date open.

A page that declares when it was published (a date in its canonical URL path, an
`article:published_time`-style meta tag, JSON-LD `datePublished`) is dated by that declaration;
htmldate's search of the whole tree (a copy of the document, cleaned, every block element read)
is the fallback for pages that declare nothing, so most pages are read once, by our own readers.
"""

from __future__ import annotations

import re
from datetime import date

import lxml.html

from chatbot.evidence.dates import written_day
from chatbot.evidence.model import DateClaim

SOURCE = "page"
# A date in the page's permanent address is set when the page is published and stays when it is
# edited: it outranks the metadata fields (W_DECLARED 0.35) and htmldate's reading (0.4).
W_URL_PATH = 0.45
W_HTMLDATE = 0.4  # htmldate's reading of the page's own declarations outranks any single raw field
# A declaration this heavy, of a publication, settles the page date without htmldate's search.
SETTLING_KINDS = frozenset({"published", "created", "uploaded"})
SETTLING_WEIGHT = 0.35

# /2019/03/05/, /2019-3-5-slug, _2019_03_05: year, month, day in a path, the way CMSs write them.
_URL_DATE = re.compile(r"(?<!\d)((?:199|20[0-3])\d)[/_-](1[0-2]|0?[1-9])[/_-](3[01]|[12]\d|0?[1-9])(?!\d)")


def url_path_date(address: str) -> date | None:
    """The publication day written in a URL's path (`https://x.example/2019/03/05/slug` →
    2019-03-05), or None. The host and the query are not read: `?from=2019-03-05` is a filter."""
    path = address.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:
        path = path.split("://", 1)[1].partition("/")[2]
    match = _URL_DATE.search(path[:2000])
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def url_claims(addresses: list[str], url: str = "") -> list[DateClaim]:
    """The date in the page's own address: the addresses it names for itself (canonical link,
    og:url), else the URL it was fetched from (a redirect target or a tracking copy can lack the
    date the canonical has). At most one claim: the addresses name one page."""
    for address in [*addresses, url]:
        if address and (value := url_path_date(address)) is not None:
            return [DateClaim("published", value, SOURCE, "page", W_URL_PATH,
                              f"date in the page address: {address[:200]}", url=url)]
    return []


def settled(claims: list[DateClaim]) -> bool:
    """Whether the page already declares its publication (a URL path date, a published meta tag
    or JSON-LD date, a product photo's upload time): htmldate reads the same declarations first,
    so on such a page its search would mostly repeat them."""
    return any(c.scope == "page" and c.kind in SETTLING_KINDS and c.weight >= SETTLING_WEIGHT
               for c in claims)


def htmldate_claim(root: lxml.html.HtmlElement, url: str, today: date) -> list[DateClaim]:
    """htmldate's date for the parsed page (`root` is not modified: htmldate searches a copy),
    as one "declared" claim; [] when it finds none or fails."""
    from htmldate import find_date  # imported on first use: loading it costs a second

    # One extensive search, not fast then extensive: the extensive one reads the same declarations
    # first and only goes on to free text where they say nothing, and each call pays for its own
    # copy and cleaning of the tree, so two calls on a page where fast found nothing cost more than
    # one extensive call on every page (same F on htmldate's evaluation set, about a third faster).
    try:
        found = find_date(root, extensive_search=True, original_date=True, url=url or None,
                          max_date=today.isoformat())
    except Exception:  # htmldate is a heuristic; its failure must not lose the page's other dates
        found = None
    value = written_day(found)
    if value is None:
        return []
    return [DateClaim("declared", value, SOURCE, "page", W_HTMLDATE, f"htmldate: {found}", url=url)]
