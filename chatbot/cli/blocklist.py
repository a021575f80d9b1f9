"""`sellerguard blocklist report|check|recent|search|queue|show|approve|reject|merge|delist|reopen|
edit|appeal|audit|export|import`: the community blocklist from a terminal or a script.

Every command acts as `--user platform:id` (moderator rights from SELLERGUARD_MODERATORS), prints
the same text the chat shows (or `--json`), and exits 0 on success, 1 when refused (not allowed,
not found, rate-limited) and 2 on invalid input, with the reason on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from typing import Any, TextIO

from chatbot.app import SellerGuard
from chatbot.blocklist import views
from chatbot.blocklist.errors import BlocklistError, invalid
from chatbot.blocklist.export import FORMATS, detect_format, export, import_rows, parse_since, read_rows
from chatbot.blocklist.models import CATEGORIES
from chatbot.blocklist.service import Actor, BlocklistService, ReportInput
from chatbot.cli.common import EXIT_INVALID, EXIT_OK, EXIT_REFUSED, default_user, fail, open_app, parse_actor
from chatbot.conversation import Lang, Reply
from chatbot.i18n import normalize_lang
from chatbot.printable import printable_json
from chatbot.render import render_text

Command = Callable[[BlocklistService, Actor, argparse.Namespace, Lang], Reply]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", default=None, help="act as platform:id (default: console:<your OS user>)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--lang", choices=["en", "zh", "zh-Hant"], default=None, help="reply language")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("blocklist", help="the community blocklist: report, check, moderate, export")
    sub = parser.add_subparsers(dest="blocklist_command", metavar="ACTION")

    def add(name: str, run: Command, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text)
        _common(command)
        command.set_defaults(run=_runner(run))
        return command

    report = add("report", _report, "report a site behind a fake complaint")
    report.add_argument("url")
    report.add_argument("reason", nargs="*", help="what the site or its owner did")
    report.add_argument("--category", default="other", help=f"one of: {', '.join(CATEGORIES)}")
    report.add_argument("--complaint-id", default="", help="the Amazon complaint ID")
    report.add_argument("--rights-owner", default="", help="the rights owner named in the complaint")
    report.add_argument("--rights-owner-email", default="", help="the e-mail used in the complaint")
    report.add_argument("--link", action="append", default=[], help="a link to evidence (repeatable)")
    report.add_argument("--notes", default="")
    report.add_argument("--lookup-id", default="", help="an attached /checksite result id")

    add("check", _check, "check a domain or URL").add_argument("site")
    add("recent", _recent, "recently changed entries").add_argument("--limit", type=int, default=10)
    add("search", _search, "search domains and complainant e-mails").add_argument("text")
    add("queue", _queue, "entries waiting for moderators").add_argument("--limit", type=int, default=20)
    add("show", _show, "one entry with its reports (moderators)").add_argument("id")
    for name, help_text in (("approve", "list an entry (moderators)"),
                            ("reject", "reject a report, with a reason (moderators)"),
                            ("delist", "take an entry off the list (moderators)"),
                            ("reopen", "reopen a rejected or delisted entry (moderators)")):
        command = add(name, _moderation(name), help_text)
        command.add_argument("id")
        command.add_argument("reason", nargs="*")
        command.add_argument("--reason", dest="reason_option", default="")
    merge = add("merge", _merge, "fold a duplicate entry into another (moderators)")
    merge.add_argument("source")
    merge.add_argument("into")
    merge.add_argument("--reason", default="")
    edit = add("edit", _edit, "change reason codes or the moderators' note (moderators)")
    edit.add_argument("id")
    edit.add_argument("--reasons", default=None, help="comma-separated reason codes")
    edit.add_argument("--note", default=None)
    appeal = add("appeal", _appeal, "dispute an entry with evidence")
    appeal.add_argument("id")
    appeal.add_argument("evidence", nargs="*")
    add("audit", _audit, "an entry's audit log, or the latest changes (moderators)").add_argument(
        "id", nargs="?", default=None)

    exporter = sub.add_parser("export", help="write the listed entries (csv, json or txt)")
    exporter.add_argument("--format", choices=FORMATS, default="csv")
    exporter.add_argument("--since", default=None, help="only entries changed since (2026-11-01, 7d, 24h)")
    exporter.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")
    exporter.add_argument("--lang", choices=["en", "zh", "zh-Hant"], default=None)
    exporter.set_defaults(run=_export)

    stats = sub.add_parser("stats", help="listed sites online / offline / taken down, and the median "
                                         "time from listing to takedown")
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.set_defaults(run=_stats)

    importer = sub.add_parser("import", help="add listed entries from an export file (idempotent)")
    importer.add_argument("file", help="a .csv, .json or .txt file, or - for standard input")
    importer.add_argument("--format", choices=FORMATS, default=None)
    _common(importer)
    importer.set_defaults(run=_import)
    parser.set_defaults(run=lambda _args: parser.print_help() or EXIT_INVALID)


def _lang(args: argparse.Namespace, app: SellerGuard) -> Lang:
    return normalize_lang(args.lang) or normalize_lang(app.settings.default_lang) or "en"


def _actor(args: argparse.Namespace, app: SellerGuard) -> Actor:
    platform, user = parse_actor(args.user or default_user())
    # The terminal trusts --user as typed (whoever can run this command can claim anyone);
    # the audit log keeps the operating-system user beside the claimed identity.
    return Actor(f"{platform}:{user}", is_moderator=app.is_moderator(platform, user),
                 os_user=default_user()[:64])


def _emit(reply: Reply, as_json: bool, out: TextIO = sys.stdout) -> None:
    if as_json:
        out.write(printable_json(reply.data, indent=2) + "\n")
    else:
        out.write(render_text(reply) + "\n")


def _runner(command: Command) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        app = open_app()
        lang = _lang(args, app)
        try:
            reply = command(app.ctx.service(BlocklistService), _actor(args, app), args, lang)
        except BlocklistError as exc:
            _fail(exc, lang)
        finally:
            app.close()
        if not reply.ok:  # a usage problem found by the command itself
            fail(reply.text, EXIT_INVALID)
        _emit(reply, args.json)
        return EXIT_OK

    return run


def _fail(exc: BlocklistError, lang: Lang) -> None:
    fail(views.error_reply(exc, lang).text, EXIT_REFUSED if exc.kind == "refused" else EXIT_INVALID)


def _words(values: list[str]) -> str:
    return " ".join(values).strip()


def _report(service: BlocklistService, actor: Actor, args: argparse.Namespace, lang: Lang) -> Reply:
    data = ReportInput(url=args.url, reason=_words(args.reason), category=args.category,
                       complaint_id=args.complaint_id, rights_owner=args.rights_owner,
                       rights_owner_email=args.rights_owner_email, links=tuple(args.link),
                       notes=args.notes, lookup_id=args.lookup_id)
    return views.receipt_reply(service.report(actor, data), lang)


def _check(service: BlocklistService, actor: Actor, args: argparse.Namespace, lang: Lang) -> Reply:
    return views.check_reply(service.check(args.site), lang)


def _recent(service: BlocklistService, actor: Actor, args: argparse.Namespace, lang: Lang) -> Reply:
    if not 1 <= args.limit <= 100:
        raise invalid("bad_option_value", option="--limit", value=args.limit)
    return views.list_reply(views.say("recent.title", lang), views.say("recent.empty", lang),
                            service.recent(args.limit), lang, "recent")


def _search(service: BlocklistService, actor: Actor, args: argparse.Namespace, lang: Lang) -> Reply:
    return views.list_reply(views.say("search.title", lang, query=args.text),
                            views.say("search.empty", lang, query=args.text),
                            service.search(args.text), lang, "results")


def _queue(service: BlocklistService, actor: Actor, args: argparse.Namespace, lang: Lang) -> Reply:
    return views.queue_reply(service.queue(actor, args.limit), lang)


def _show(service: BlocklistService, actor: Actor, args: argparse.Namespace, lang: Lang) -> Reply:
    return views.entry_reply(service.entry(actor, args.id), lang)


def _moderation(name: str) -> Command:
    def run(service: BlocklistService, actor: Actor, args: argparse.Namespace, lang: Lang) -> Reply:
        reason = args.reason_option or _words(args.reason)
        return views.moderation_reply(name, getattr(service, name)(actor, args.id, reason), lang)

    return run


def _merge(service: BlocklistService, actor: Actor, args: argparse.Namespace, lang: Lang) -> Reply:
    return views.moderation_reply("merge", service.merge(actor, args.source, args.into, args.reason), lang)


def _edit(service: BlocklistService, actor: Actor, args: argparse.Namespace, lang: Lang) -> Reply:
    reasons = args.reasons.split(",") if args.reasons is not None else None
    return views.moderation_reply("edit", service.edit(actor, args.id, reasons=reasons, note=args.note), lang)


def _appeal(service: BlocklistService, actor: Actor, args: argparse.Namespace, lang: Lang) -> Reply:
    return views.appeal_reply(service.appeal(actor, args.id, _words(args.evidence)), lang)


def _audit(service: BlocklistService, actor: Actor, args: argparse.Namespace, lang: Lang) -> Reply:
    return views.audit_reply(args.id, service.audit(actor, args.id), lang)


def _open(name: str, mode: str, std: TextIO) -> Any:
    """A file to read or write, or standard input/output for "-"; `invalid` when it cannot be opened."""
    if name == "-":
        return contextlib.nullcontext(std)
    try:
        if mode == "w":
            return open(name, "w", encoding="utf-8", newline="")
        return open(name, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise invalid("import_missing", name=name, detail=exc.strerror or str(exc)) from None


def _export(args: argparse.Namespace) -> int:
    app = open_app()
    lang = _lang(args, app)
    try:
        since = parse_since(args.since, app.ctx.clock())
        with _open(args.output, "w", sys.stdout) as out:
            for chunk in export(app.db, args.format, since):
                out.write(chunk)
            out.flush()
    except BlocklistError as exc:
        _fail(exc, lang)
    finally:
        app.close()
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    app = open_app()
    lang = _lang(args, app)
    try:
        fmt = detect_format(args.file, args.format)
        with _open(args.file, "r", sys.stdin) as handle:
            result = import_rows(app.db, _actor(args, app), read_rows(handle, fmt), app.ctx.clock())
    except BlocklistError as exc:
        _fail(exc, lang)
    finally:
        app.close()
    summary = result.as_dict()
    text = views.say("import.done", lang, **summary)
    _emit(Reply(views.INTENT, lang, text, data=summary), args.json)
    return EXIT_OK


def _stats(args: argparse.Namespace) -> int:
    """Liveness figures from the daily re-checks (chatbot/schedule/liveness.py)."""
    from chatbot.schedule.liveness import stats

    app = open_app()
    try:
        figures = stats(app)
    finally:
        app.close()
    if args.json:
        print(printable_json(figures))
        return EXIT_OK
    median = figures["median_days_to_takedown"]
    print(f"listed and disputed sites: {figures['online']} online, {figures['offline']} offline, "
          f"{figures['taken_down']} taken down, {figures['unchecked']} not checked yet")
    print(f"takedowns: {figures['takedowns']}; median time from listing to takedown: "
          + (f"{median} days" if median is not None else "-"))
    return EXIT_OK
