"""`sellerguard letter TYPE [--case ID] [--user platform:id]`: print a letter draft.

The case is read as the person running the command: the OS user's console account (as
`sellerguard chat` uses it) or the account named by --user, and every account linked to it;
someone else's case number is refused like a case that does not exist.

The draft goes to stdout (ready to redirect into a file); what is still missing and the
"not legal advice" line go to stderr. Exit codes: 0 printed; 1 refused (no such case for that
user, or the letter does not fit the case); 2 invalid arguments.
"""

from __future__ import annotations

import argparse
import sys

from chatbot.cli.common import EXIT_INVALID, EXIT_OK, EXIT_REFUSED, default_user, fail, open_app, parse_actor
from chatbot.conversation import Incoming
from chatbot.evidence import copying_store
from chatbot.i18n import normalize_lang, t
from chatbot.notices import letters
from chatbot.notices.cases import CaseNotFound, CaseService, Owner
from chatbot.notices.models import Case
from chatbot.notices.views import letter_reply, type_name
from chatbot.printable import printable, printable_json


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "letter", help="print a letter draft (dispute, retraction, counter, takedown)",
        description="Print a letter draft filled from a case: dispute (appeal to Amazon), retraction "
                    "(request to the rights owner), counter (DMCA counter-notice), takedown "
                    "(notice to the copycat's platform or host).")
    parser.add_argument("type", help="dispute | retraction | counter | takedown")
    parser.add_argument("--case", dest="case_id", default=None, help="the case number to fill it from")
    parser.add_argument("--user", default=None,
                        help="act as this seller (platform:id; default: your OS user, as in "
                             "`sellerguard chat`); only their cases are used")
    parser.add_argument("--lang", choices=["en", "zh", "zh-Hant"], default=None,
                        help="language of the notes around the letter (the letter is English); "
                             "default: the seller's /lang choice, else their usual language")
    parser.add_argument("--json", action="store_true", help="print the reply as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    forced = normalize_lang(args.lang)
    letter_type = letters.resolve_type(args.type)
    if letter_type is None:
        fail(f"unknown letter type {args.type!r}; choose one of: dispute, retraction, counter, takedown.",
             EXIT_INVALID)
    case_id: int | None = None
    if args.case_id is not None:
        raw = str(args.case_id).lstrip("#")
        if not raw.isdigit() or len(raw) > 9:
            fail(f"--case {args.case_id!r} is not a case number (e.g. --case 3).", EXIT_INVALID)
        case_id = int(raw)
    owner = Owner(*parse_actor(args.user or default_user()))
    app = open_app()
    try:
        lang = forced or app.resolve_lang(Incoming(platform=owner.platform, user=owner.user))
        service = app.ctx.service(CaseService)
        case: Case | None = None
        if case_id is not None:
            try:
                case = service.get(case_id, owner)
            except CaseNotFound:
                fail(f"no case #{case_id} for {owner.platform}:{owner.user}. `sellerguard chat` then "
                     "/case list shows your cases.", EXIT_REFUSED)
        else:
            case = service.latest(owner)
        try:
            copied = copying_store.latest(app.ctx, list(case.storefront_urls)) if case else None
            letter = letters.render(letter_type, case, lang, app.ctx.clock().date(), copying=copied)
        except letters.NotApplicable:
            assert case is not None
            fail(t("notice.letter_not_applicable", lang, id=case.id,
                   type=type_name(case.complaint_type, lang)), EXIT_REFUSED)
        if args.json:
            print(printable_json(letter_reply(letter, case, lang).to_json(), indent=2))
            return EXIT_OK
        sys.stdout.write(printable(letter.body))
        if case is None:
            print(t("notice.letter_no_case", lang), file=sys.stderr)
        elif letter.missing:
            names = ", ".join(t(f"notice.placeholders.{name}", lang) for name in letter.missing)
            print(t("notice.letter_missing", lang, fields=names), file=sys.stderr)
        print(t("notice.legal", lang), file=sys.stderr)
        return EXIT_OK
    finally:
        app.close()
