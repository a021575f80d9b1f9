"""`sellerguard checksite URL [...]`: the /checksite lookup in a terminal or a script.

Exit codes:
  0  the lookup found a date for the product page or the store (and wrote the report, if asked);
  1  the lookup ran but could not conclude: no source gave a date (the site may be gone);
  2  invalid input, refused before any lookup (not a URL, a private address, a bad option);
  3  our own network failed: neither the site nor any of our services answered.
`--html FILE [--url ORIGINAL_URL]` reads a saved copy of the page offline instead (same exit codes).
The reason is on stderr; `--json` still prints the result on stdout.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from chatbot.cli.common import EXIT_INVALID, EXIT_OK, fail, open_app, settings
from chatbot.conversation import Lang
from chatbot.evidence import archive, present, report
from chatbot.evidence.amazon import MARKETPLACES
from chatbot.evidence.engine import EvidenceEngine, LookupRefused
from chatbot.evidence.fonts import FontMissing
from chatbot.evidence.options import OptionError, build
from chatbot.evidence.saved import SavedPageError, read_saved
from chatbot.i18n import normalize_lang, t
from chatbot.printable import printable, printable_json
from chatbot.render import Style, render_text

EXIT_INCONCLUSIVE, EXIT_NETWORK = 1, 3


def exit_code(result: dict[str, Any]) -> int:
    """0 found a date, 1 ran without concluding, 3 our own network was down (see module doc)."""
    if (result.get("network") or {}).get("state") == "offline":
        return EXIT_NETWORK
    if result.get("page_first_seen") or result.get("site_first_seen"):
        return EXIT_OK
    return EXIT_INCONCLUSIVE


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("checksite", help="find out when a storefront and its product page appeared")
    parser.add_argument("url", nargs="?", default=None,
                        help="the copycat's product page (or store) URL, or a Wayback snapshot link "
                             "(web.archive.org/web/<time>/<url>)")
    parser.add_argument("--html", metavar="FILE", help="read a saved copy of the page instead (offline; "
                        "the site may be gone)")
    parser.add_argument("--url", dest="original_url", metavar="ORIGINAL_URL",
                        help="with --html: the address the saved page had")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--since", metavar="YYYY-MM-DD", help="the date your own listing went live")
    when.add_argument("--asin", help="your ASIN: read its Date First Available from Amazon")
    parser.add_argument("--marketplace", choices=MARKETPLACES, default=None,
                        help="the Amazon site of --asin (default com)")
    parser.add_argument("--brand", metavar="WORD",
                        help="your brand word: where does it appear on their page?")
    parser.add_argument("--listing", metavar="URL",
                        help="your own product page on any shop: are their photos and text copies of it?")
    parser.add_argument("--images", metavar="FILE", nargs="+",
                        help="your own product photos: are their photos copies of them?")
    parser.add_argument("--report", metavar="FILE", help="write an evidence report: .html, .pdf or .json "
                        "(a .png timeline is written beside it)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument("--refresh", action="store_true", help="ignore a cached result and look again")
    parser.add_argument("--lang", choices=["en", "zh", "zh-Hant"], default=None,
                        help="language of the summary and the report")
    parser.set_defaults(run=run)


def _refused_json(args: argparse.Namespace, code: str, detail: str) -> None:
    """With --json, input refused before any lookup is still one JSON object on stdout."""
    if args.json:
        where = {"html": args.html} if args.html else {}
        print(printable_json({"url": args.url or args.original_url, **where,
                              "refused": {"code": code, "detail": detail}}))


def run(args: argparse.Namespace) -> int:
    config = settings()
    lang: Lang = normalize_lang(args.lang or config.default_lang) or "en"
    if args.report and Path(args.report).suffix.lower() not in report.FORMATS:
        _refused_json(args, "checksite.invalid.report_name", args.report)
        fail(t("checksite.invalid.report_name", lang), EXIT_INVALID)
    saved = None
    if args.html:
        if args.url or args.asin:
            fail(t("evidence.saved.options", lang), EXIT_INVALID)
        try:
            saved = read_saved(Path(args.html))
        except SavedPageError as exc:
            _refused_json(args, f"evidence.saved.{exc.code}", exc.detail)
            fail(t(f"evidence.saved.{exc.code}", lang, file=args.html), EXIT_INVALID)
    elif args.original_url:
        fail(t("evidence.saved.options", lang), EXIT_INVALID)
    app = open_app(config)
    try:
        try:
            request = build(args.original_url or "-" if saved else args.url, since=args.since, asin=args.asin,
                            marketplace=args.marketplace, brand=args.brand, today=app.ctx.clock().date(),
                            refresh=args.refresh, listing=args.listing, images=tuple(args.images or ()))
        except OptionError as exc:
            _refused_json(args, exc.key, str(exc.params.get("value", "")))
            fail(t(exc.key, lang, **exc.params), EXIT_INVALID)
        engine = app.ctx.service(EvidenceEngine)
        try:
            if saved is not None:
                result = engine.check_saved(saved, replace(request, url=args.original_url or ""))
            else:
                result = engine.check(request)
        except LookupRefused as exc:
            if args.json:
                print(printable_json({"url": args.url, "refused": {"code": exc.key, "detail": exc.detail},
                                      **({"partial": exc.partial} if exc.partial else {})}, default=str))
            fail(t("checksite.refused", lang, reason=present.refusal_reason(exc.key, lang)), EXIT_INVALID)
        code = exit_code(result)
        if code == EXIT_NETWORK:
            if args.json:
                print(report.to_json(result))
            fail(present.offline_text(result, lang), EXIT_NETWORK)
        written: list[Path] = []
        if args.report:
            try:
                written = report.write(result, lang, Path(args.report))
            except (OSError, FontMissing) as exc:
                fail(f"{t('checksite.report_failed', lang)} ({exc})", EXIT_INVALID)
        if args.json:
            print(printable_json(result, indent=2, default=str))  # what the page said, made inert
        else:
            from handlers.checksite import summary_reply

            print(render_text(summary_reply(result, lang, []), Style(sys.stdout.isatty())))
            for path in written:
                print(printable(f"📎 {path}"))
            package = (result.get("package") or {}).get("file")
            if package and (found := archive.locate(config, package)) is not None:
                print(printable(f"📦 {found}"))
        if code == EXIT_INCONCLUSIVE:
            print(f"sellerguard: {t('checksite.no_date', lang)}", file=sys.stderr)
        return code
    finally:
        app.close()
