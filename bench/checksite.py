"""/checksite speed: concurrent sources vs. the slowest one and vs. running them one by one; and
how fast our page-date extraction reads HTML beside htmldate on the same pages.

Run: .venv/bin/python -m bench checksite
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date

from chatbot.config import Settings
from chatbot.context import Context
from chatbot.db import Database
from chatbot.db.migrate import upgrade
from chatbot.evidence import page
from chatbot.evidence.engine import EvidenceEngine, LookupRequest
from tests.fixtures.sites.server import ROOT, Web, resolver, serve, settings_for

# Injected server-side delays (seconds), one per outside service, like a slow real web.
DELAYS = {
    "/products/": 0.40,  # the product page and the shop's own JSON endpoints
    "/sitemap": 0.35,
    "/cdx/": 1.00,  # the Wayback Machine is usually the slowest
    "/rdap/": 0.45,  # domain, then the host's network (after the page said where it lives)
    "/amazon/": 0.70,
}
RUNS = 5
PAGES = ["shopify/products/aurora-lamp.html", "woo/product/rose-planter/index.html", "generic/index.html",
         "hostile/malformed.html"]


SOURCES = ("page", "platform_api", "sitemap", "wayback", "rdap", "amazon")


def slow_web_engine(web: Web, folder: str) -> EvidenceEngine:
    """An engine on a new SQLite file in `folder` (evidence packages there too), asking the
    stand-in web; each stand-in service under its own name, as in real life (per-host limits)."""
    settings = settings_for(web, Settings(database_url=f"sqlite:///{folder}/bench.db",
                                          report_dir=f"{folder}/reports"),
                            fetch_timeout=10.0, lookup_timeout=25.0,
                            wayback_url=web.service("archive.stand-in.net"),
                            rdap_url=web.service("rdap.stand-in.net") + "/rdap",
                            amazon_url=web.service("amazon.stand-in.net") + "/amazon/{marketplace}/dp/{asin}")
    db = Database(settings.database_url)  # type: ignore[attr-defined]
    upgrade(db)
    return EvidenceEngine(Context(settings, db), resolver=resolver)  # type: ignore[arg-type]


def lookup_wall_time() -> None:
    with tempfile.TemporaryDirectory() as folder, serve(DELAYS) as web:
        engine = slow_web_engine(web, folder)
        url = web.shop("glowpeak-shop.com", "/products/aurora-lamp")

        def timed(only: frozenset[str] | None) -> float:
            started = time.perf_counter()
            engine.check(LookupRequest(url, asin="B0SELLER01", refresh=True, only=only))
            return time.perf_counter() - started

        timed(None)  # warm-up: imports, first connections
        walls, alone, serial = [], {name: [] for name in SOURCES}, []  # type: ignore[var-annotated]
        for _ in range(RUNS):
            walls.append(timed(None))
            one_by_one = 0.0
            for name in SOURCES:
                seconds = timed(frozenset({name}))
                alone[name].append(seconds)
                one_by_one += seconds
            serial.append(one_by_one)
        engine.ctx.db.dispose()
    wall, total = statistics.median(walls), statistics.median(serial)
    medians = {name: statistics.median(values) for name, values in alone.items()}
    slowest_name = max(medians, key=medians.__getitem__)
    slowest = medians[slowest_name]
    print(f"lookup of a Shopify product page with --asin; injected delays {DELAYS}; median of {RUNS} runs")
    for name, seconds in medians.items():
        print(f"  {name:<13} alone       {seconds:6.3f} s")
    print(f"  all sources at once       {wall:6.3f} s  (wall time)")
    print(f"  slowest single source     {slowest:6.3f} s  ({slowest_name})   "
          f"wall/slowest = {wall / slowest:.2f}  (aim <= 1.15)")
    print(f"  one after another (sum)   {total:6.3f} s                wall/sum     = {wall / total:.2f}")


def extraction_speed() -> None:
    bodies = [(ROOT / name).read_bytes() for name in PAGES]
    today = date.today()
    rounds = 60
    workload = bodies * rounds

    def rate(work: object) -> float:
        """Pages per second, best of three passes (other load on the machine only slows)."""
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            for body in workload:
                work(body)  # type: ignore[operator]
            best = min(best, time.perf_counter() - started)
        return len(workload) / best

    from htmldate import find_date

    ours = rate(lambda body: page.extract(body, {}, "https://shop.example/p", today, use_htmldate=False))
    fast = rate(lambda body: find_date(body, extensive_search=False, original_date=True))
    extensive = rate(lambda body: find_date(body, extensive_search=True, original_date=True))
    both = rate(lambda body: page.extract(body, {}, "https://shop.example/p", today))
    size = sum(len(b) for b in bodies) / len(bodies) / 1024
    print(f"HTML date extraction over {len(workload)} pages ({len(PAGES)} storefront fixtures, "
          f"{size:.1f} KiB average):")
    print(f"  ours (metadata, JSON-LD, asset URLs, text)   {ours:8.0f} pages/s")
    print(f"  htmldate fast (extensive_search=False)       {fast:8.0f} pages/s")
    print(f"  htmldate extensive                           {extensive:8.0f} pages/s")
    print(f"  page source as run (ours, htmldate if needed){both:8.0f} pages/s")


def main() -> None:
    lookup_wall_time()
    extraction_speed()


if __name__ == "__main__":
    main()
