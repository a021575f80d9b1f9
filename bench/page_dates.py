"""Page-date accuracy on pages that are not storefronts: htmldate's own evaluation set.

Custom-built shops look like ordinary web pages, so our page evidence, combined to one page date,
is measured the way htmldate measures itself (tests/evaluation.py and comparison.py in
adbar/htmldate): each page's HTML alone, `original_date=True`, day granularity; a wrong date is a
false positive, no date a false negative; F = 2tp / (2tp + fp + fn). htmldate fast, htmldate
extensive and ours run on the same pages in one run, page by page in turn, with pages per second
of CPU time.

Run:
    .venv/bin/python -m bench.page_dates --htmldate-repo /path/to/htmldate [--limit N] [--misses]
    HTMLDATE_REPO=/path/to/htmldate .venv/bin/python -m bench page_dates

The evaluation pages are not part of this repository: fetch a checkout of
https://github.com/adbar/htmldate (it holds tests/eval_default.json, tests/eval/, tests/cache/).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from chatbot.evidence import combiner, page
from chatbot.evidence.dates import plausible

EVAL_FILE = "tests/eval_default.json"
PAGE_DIRS = ("tests/test_set", "tests/cache", "tests/eval")
HOW_TO_GET = ("The htmldate evaluation set is not here. Get a checkout of https://github.com/adbar/htmldate\n"
              "(git clone https://github.com/adbar/htmldate /path/to/htmldate) and run\n"
              "  .venv/bin/python -m bench.page_dates --htmldate-repo /path/to/htmldate")


@dataclass
class Score:
    name: str
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    seconds: float = 0.0
    misses: list[tuple[str, str | None, str]] = field(default_factory=list)

    def add(self, found: str | None, gold: str | None, name: str) -> None:
        if found is None:
            self.fn += 1
            self.tn += gold is None
            self.misses.append((name, None, gold or ""))
        elif found == gold:
            self.tp += 1
        else:
            self.fp += 1
            self.misses.append((name, found, gold or ""))

    def row(self, pages: int) -> str:
        precision = self.tp / max(1, self.tp + self.fp)
        recall = self.tp / max(1, self.tp + self.fn)
        f = 2 * self.tp / max(1, 2 * self.tp + self.fp + self.fn)
        return (f"{self.name:<20} {precision:6.3f} {recall:6.3f} {f:6.3f} "
                f"{pages / max(self.seconds, 1e-9):9.1f} {self.seconds:8.1f}")


def load_pages(repo: Path, limit: int | None) -> list[tuple[str, str, str | None]]:
    """(name, html, gold date) for each page of the evaluation set, in its order."""
    entries = json.loads((repo / EVAL_FILE).read_text(encoding="utf-8"))
    pages = []
    for url, data in entries.items():
        for folder in PAGE_DIRS:
            path = repo / folder / data["file"]
            if path.is_file():
                raw = path.read_bytes()
                try:
                    html = raw.decode("utf-8")
                except UnicodeDecodeError:
                    html = raw.decode("latin-1")
                pages.append((url, html, data.get("date")))
                break
        if limit and len(pages) >= limit:
            break
    return pages


def htmldate_fast(html: str) -> str | None:
    from htmldate import find_date

    return find_date(html, original_date=True, extensive_search=False)  # type: ignore[no-any-return]


def htmldate_extensive(html: str) -> str | None:
    from htmldate import find_date

    return find_date(html, original_date=True, extensive_search=True)  # type: ignore[no-any-return]


def ours(html: str) -> str | None:
    """Our page date for this page, as /checksite dates a page from the page alone.

    Timed: parsing, `page.page_dates` (address, JSON-LD, meta, asset URLs, `<time>`, htmldate where
    those leave the publication open) and the combiner. The word pass (`page.page_words`: image
    alts, visible text and the dates written in it), which /checksite runs on every page for the
    brand check, is timed only on pages where page_dates finds no date: a text date weighs least
    of the page's claims, so the combined page date is the same with or without it elsewhere.
    """
    today = date.today()
    root = page.parse_html(html)
    doc = page.PageDoc()
    claims = [c for found in page.page_dates(root, html, "", today, doc) for c in found]
    claims = [c for c in claims if plausible(c.value, today)]
    found = combiner.combine(claims).page
    if found is None and root is not None:
        claims += [c for c in page.page_words(root, doc) if plausible(c.value, today)]
        found = combiner.combine(claims).page
    return found.value.isoformat() if found else None


METHODS: dict[str, Callable[[str], str | None]] = {
    "htmldate fast": htmldate_fast, "htmldate extensive": htmldate_extensive, "ours": ours,
}


def run(repo: Path, limit: int | None = None, show_misses: bool = False) -> dict[str, Score]:
    pages = load_pages(repo, limit)
    scores = {name: Score(name) for name in METHODS}
    # Page by page, every method in turn, on the process's CPU clock: on a shared machine the load
    # changes within a run, and timing each method over the whole set in one block let a busy
    # minute land on one method only (its pages/s varied by a factor of two between runs).
    for url, html, gold in pages:
        for name, method in METHODS.items():
            started = time.process_time()
            try:
                found = method(html)
            except Exception:  # a crash on one page is a miss, as in htmldate's own evaluation
                found = None
            scores[name].seconds += time.process_time() - started
            scores[name].add(found, gold, url)
    import htmldate

    print(f"{len(pages)} pages from {repo / EVAL_FILE} (htmldate {htmldate.__version__} installed)")
    print(f"{'method':<20} {'prec.':>6} {'recall':>6} {'F':>6} {'pages/s':>9} {'seconds':>8}")
    for score in scores.values():
        print(score.row(len(pages)))
    if show_misses:
        for url, found, gold in scores["ours"].misses:
            print(f"  ours {found or '-':<10} gold {gold or '-':<10} {url}")
    return scores


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.page_dates", description=__doc__.split("\n\n")[0])
    parser.add_argument("--htmldate-repo", default=os.environ.get("HTMLDATE_REPO"),
                        help="a local checkout of adbar/htmldate (default $HTMLDATE_REPO)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--misses", action="store_true", help="list the pages ours got wrong")
    args = parser.parse_args(argv if argv is not None else [])
    repo = Path(args.htmldate_repo) if args.htmldate_repo else None
    if repo is None or not (repo / EVAL_FILE).is_file():
        print(HOW_TO_GET)
        return
    run(repo, args.limit, args.misses)


if __name__ == "__main__":
    main(sys.argv[1:])
