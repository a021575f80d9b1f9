"""`sellerguard checksite URL [...]`: the /checksite lookup in a terminal or a script.

Exit codes: 0 when a result (and the report, if asked) was produced; 2 when the input is invalid
or refused (not a URL, a private address, a host that does not resolve), with the reason on
stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chatbot.cli.common import EXIT_INVALID, EXIT_OK, fail, open_app, settings
from chatbot.conversation import Lang
from chatbot.evidence import archive, report
from chatbot.evidence.amazon import MARKETPLACES
from chatbot.evidence.engine import EvidenceEngine, LookupRefused
from chatbot.evidence.fonts import FontMissing
from chatbot.evidence.options import OptionError, build
from chatbot.i18n import normalize_lang, t
from chatbot.render import Style, render_text


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("checksite", help="find out when a storefront and its product page appeared")
    parser.add_argument("url", help="the copycat's product page (or store) URL")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--since", metavar="YYYY-MM-DD", help="the date your own listing went live")
    when.add_argument("--asin", help="your ASIN: read its Date First Available from Amazon")
    parser.add_argument("--marketplace", choices=MARKETPLACES, default=None,
                        help="the Amazon site of --asin (default com)")
    parser.add_argument("--brand", metavar="WORD",
                        help="your brand word: where does it appear on their page?")
    parser.add_argument("--report", metavar="FILE", help="write an evidence report: .html, .pdf or .json "
                        "(a .png timeline is written beside it)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument("--refresh", action="store_true", help="ignore a cached result and look again")
    parser.add_argument("--lang", choices=["en", "zh", "zh-Hant"], default=None,
                        help="language of the summary and the report")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = settings()
    lang: Lang = normalize_lang(args.lang or config.default_lang) or "en"
    if args.report and Path(args.report).suffix.lower() not in report.FORMATS:
        fail(t("checksite.invalid.report_name", lang), EXIT_INVALID)
    app = open_app(config)
    try:
        try:
            request = build(args.url, since=args.since, asin=args.asin, marketplace=args.marketplace,
                            brand=args.brand, today=app.ctx.clock().date(), refresh=args.refresh)
        except OptionError as exc:
            fail(t(exc.key, lang, **exc.params), EXIT_INVALID)
        engine = app.ctx.service(EvidenceEngine)
        try:
            result = engine.check(request)
        except LookupRefused as exc:
            if args.json:
                print(json.dumps({"url": args.url, "refused": {"code": exc.key, "detail": exc.detail},
                                  **({"partial": exc.partial} if exc.partial else {})},
                                 ensure_ascii=False, default=str))
            try:
                reason = t(exc.key, lang)
            except KeyError:
                reason = t("fetch.invalid_url", lang)
            fail(t("checksite.refused", lang, reason=reason), EXIT_INVALID)
        written: list[Path] = []
        if args.report:
            try:
                written = report.write(result, lang, Path(args.report))
            except (OSError, FontMissing) as exc:
                fail(f"{t('checksite.report_failed', lang)} ({exc})", EXIT_INVALID)
        if args.json:
            print(report.to_json(result))
        else:
            from handlers.checksite import summary_reply

            print(render_text(summary_reply(result, lang, []), Style(sys.stdout.isatty())))
            for path in written:
                print(f"📎 {path}")
            package = (result.get("package") or {}).get("file")
            if package and (found := archive.locate(config, package)) is not None:
                print(f"📦 {found}")
        return EXIT_OK
    finally:
        app.close()
