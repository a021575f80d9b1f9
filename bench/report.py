"""Report rendering speed: HTML, PDF, timeline PNG and the WACZ package for a lookup with 200
evidence records, beside the wall time of the /checksite lookup itself measured in this run (the
checksite benchmark's slow-web setup). Aim: all formats together ≤ 0.5x the lookup, PDF < 1 MB.

Run: .venv/bin/python -m bench report
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.checksite import DELAYS, slow_web_engine
from chatbot.evidence import report, wacz
from chatbot.evidence.client import Capture
from chatbot.evidence.engine import LookupRequest
from tests.fixtures.lookups import fetch_result, lookup
from tests.fixtures.sites.server import serve

RECORDS = 200
BODY_BYTES = 40_000  # a typical storefront page or JSON answer
RUNS = 3


def lookup_wall() -> float:
    """Median wall time (s) of a full lookup against the slow local web."""
    with tempfile.TemporaryDirectory() as folder, serve(DELAYS) as web:
        engine = slow_web_engine(web, folder)
        url = web.shop("glowpeak-shop.com", "/products/aurora-lamp")
        engine.check(LookupRequest(url, refresh=True))  # warm-up
        walls = []
        for _ in range(RUNS):
            started = time.perf_counter()
            engine.check(LookupRequest(url, asin="B0SELLER01", refresh=True))
            walls.append(time.perf_counter() - started)
        engine.ctx.db.dispose()
        return statistics.median(walls)


def timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of `work` over RUNS runs, and its last output. Rendering is
    CPU-bound: on a shared machine its CPU time is the steadier figure."""
    out, walls, cpus = None, [], []
    for _ in range(RUNS):
        started, cpu = time.perf_counter(), time.process_time()
        out = work()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), out


def main() -> None:
    wall = lookup_wall()
    result = lookup(RECORDS)
    captures = [Capture("page", {"user-agent": "bench"},
                        fetch_result(e["url"], (f"<p>{n}</p>" * (BODY_BYTES // 10)).encode()[:BODY_BYTES]))
                for n, e in enumerate(result["evidence"])]
    report.render_pdf(result, "zh-Hans", timeline=report.render_timeline(result, "zh-Hans"))  # warm-up: fonts
    png_wall, png_cpu, png = timed(lambda: report.render_timeline(result, "zh-Hans"))
    html = timed(lambda: report.render_html(result, "zh-Hans", timeline=png))
    pdf = timed(lambda: report.render_pdf(result, "zh-Hans", timeline=png))
    package = timed(lambda: wacz.build(captures, main_url=result["normalized_url"], title="bench",
                                       created=datetime.now(UTC)))
    rows = [("HTML", html[0], html[1]), ("PDF", pdf[0], pdf[1]), ("PNG timeline", png_wall, png_cpu),
            ("WACZ", package[0], package[1])]
    rows.append(("all formats", sum(r[1] for r in rows), sum(r[2] for r in rows)))
    print(f"lookup wall time (median of {RUNS}, slow local web): {wall * 1000:.0f} ms")
    print(f"report with {RECORDS} evidence records, Chinese, median of {RUNS} (wall / CPU):")
    for name, seconds, cpu in rows:
        print(f"  {name:<13} {seconds * 1000:7.0f} ms {cpu * 1000:7.0f} ms CPU   "
              f"{seconds / wall:5.2f}x / {cpu / wall:5.2f}x the lookup")
    print("  aim: all formats ≤ 0.50x the lookup")
    pdf, package = pdf[2], package[2]
    print(f"PDF size with the font subset: {len(pdf) / 1024:.0f} KB (aim < 1024 KB); "
          f"WACZ: {len(package[0]) / 1024:.0f} KB for {RECORDS} responses of {BODY_BYTES // 1000} KB")


if __name__ == "__main__":
    main()
