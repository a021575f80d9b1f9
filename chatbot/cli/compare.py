"""`sellerguard compare COPYCAT_URL (--asin ASIN [--marketplace M] | --listing URL | --images FILE...)
[--text FILE] [--json]`: is the copycat's page a copy of the seller's listing?

Exit codes: 0 when a result was produced (whatever the verdict, problems included); 2 when the
input is invalid or refused (not a URL, a private address), with the reason on stderr.
"""

from __future__ import annotations

import argparse
import json

from chatbot.cli.common import EXIT_INVALID, EXIT_OK, fail, open_app, settings
from chatbot.conversation import Lang
from chatbot.evidence import copying_present, present
from chatbot.evidence.compare import check
from chatbot.evidence.copying import MAX_TEXT_FILE_BYTES, CopyingRequest
from chatbot.evidence.engine import EvidenceEngine, LookupRefused
from chatbot.evidence.options import OptionError, check_asin, check_marketplace
from chatbot.i18n import normalize_lang, t
from chatbot.net.typed_url import typed_host


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("compare", help="match a copycat page's photos and text to your own listing")
    parser.add_argument("url", help="the copycat's product page URL")
    seller = parser.add_mutually_exclusive_group(required=True)
    seller.add_argument("--asin", help="your ASIN: your photos and text are read from its Amazon page")
    seller.add_argument("--listing", metavar="URL", help="your own product page on any shop")
    seller.add_argument("--images", metavar="FILE", nargs="+", help="your own product photos")
    parser.add_argument("--marketplace", default=None,
                        help="the Amazon site of --asin: com, co.uk, de … or its country (uk; default com)")
    parser.add_argument("--text", metavar="FILE", help="your title (first line), bullets and description")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument("--lang", choices=["en", "zh", "zh-Hant"], default=None,
                        help="language of the summary")
    parser.set_defaults(run=run)


def _read_text(path: str, lang: Lang) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_TEXT_FILE_BYTES).decode("utf-8", "replace")
    except OSError as exc:
        fail(f"--text {path}: {exc.strerror}", EXIT_INVALID)


def run(args: argparse.Namespace) -> int:
    config = settings()
    lang: Lang = normalize_lang(args.lang or config.default_lang) or "en"
    if args.marketplace and not args.asin:
        fail(t("checksite.invalid.marketplace_without_asin", lang), EXIT_INVALID)
    try:
        asin = check_asin(args.asin) if args.asin else None
        marketplace = check_marketplace(args.marketplace) if args.marketplace else "com"
    except OptionError as exc:
        fail(t(exc.key, lang, **exc.params), EXIT_INVALID)
    request = CopyingRequest(args.url, asin=asin, marketplace=marketplace,
                             listing_url=args.listing, image_files=tuple(args.images or ()),
                             text=_read_text(args.text, lang) if args.text else None)
    app = open_app(config)
    try:
        try:
            result = check(app.ctx.service(EvidenceEngine), request)
        except LookupRefused as exc:
            if args.json:
                print(json.dumps({"url": args.url, "refused": {"code": exc.key, "detail": exc.detail}}))
            fail(t("checksite.refused", lang, reason=present.refusal_reason(exc.key, lang)), EXIT_INVALID)
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        else:
            print(t("copying.title", lang, host=typed_host(args.url, args.url)))
            print("\n".join(copying_present.lines(result, lang, limit=None)))
        return EXIT_OK
    finally:
        app.close()
