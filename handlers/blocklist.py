"""The community blocklist in chat: `/report` (举报), `/blocklist` (黑名单) and the `bl.*` buttons.

Platform-neutral: the words people type are parsed here, every rule lives in BlocklistService,
and replies come from chatbot.blocklist.views. Moderator rights come from `msg.is_moderator`,
which the app sets on every message, and the service checks them on every action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from chatbot import knowledge
from chatbot.blocklist import views
from chatbot.blocklist.errors import BlocklistError
from chatbot.blocklist.service import Actor, BlocklistService, ReportInput
from chatbot.context import Context
from chatbot.conversation import Incoming, Lang, Reply
from chatbot.i18n import t, to_simplified

# Options that take exactly one word; the others take words up to the next option.
_ONE_WORD = {"category", "complaint", "email", "link", "reasons"}
_OPTION_NAMES = {"category", "complaint", "email", "owner", "link", "notes", "reasons", "note"}


@lru_cache(maxsize=1)
def _words() -> tuple[dict[str, str], dict[str, str]]:
    """Typed word → subcommand, and typed word → category code, in English and Chinese."""
    commands: dict[str, str] = {}
    categories: dict[str, str] = {}
    for lang_dir in ("en", "zh"):
        table = knowledge.load_yaml(f"messages/{lang_dir}/blocklist.yaml")
        for name, words in table["words"].items():
            for word in str(words).split(","):
                commands[to_simplified(word.strip()).lower()] = name
        for code, words in table["category_words"].items():
            for word in str(words).split(","):
                categories[to_simplified(word.strip()).lower()] = code
    return commands, categories


MAX_WORD_CHARS = 40  # longer than any sub-command or category word: looked up as it is


def _word(token: str) -> str:
    token = token.strip()
    if len(token) > MAX_WORD_CHARS:  # not converted script by script: it cannot match anyway
        return token.lower().lstrip("/")
    return to_simplified(token).lower().lstrip("/")


@dataclass
class Parsed:
    words: list[str] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)
    bad_option: str = ""


def parse_args(text: str) -> Parsed:
    """Split `text` into free words and `--name value` options (—name and –name work too)."""
    parsed = Parsed()
    current: str | None = None
    for token in text.split():
        if token.startswith(("—", "–")):
            token = "--" + token[1:]
        if token.startswith("--") and len(token) > 2:
            name = token[2:].lower()
            if name not in _OPTION_NAMES:
                parsed.bad_option = parsed.bad_option or token
                current = None
                continue
            current = name
            parsed.options.setdefault(name, [])
            continue
        if current is not None:
            parsed.options[current].append(token)
            if current in _ONE_WORD:
                current = None
            continue
        parsed.words.append(token)
    return parsed


def _option(parsed: Parsed, name: str) -> str:
    return " ".join(parsed.options.get(name, [])).strip()


def _actor(msg: Incoming) -> Actor:
    return Actor(msg.actor, is_moderator=msg.is_moderator)


def _lang(msg: Incoming) -> Lang:
    return msg.lang or "en"


def _service(ctx: Context) -> BlocklistService:
    return ctx.service(BlocklistService)


def _guard(lang: Lang, work: Callable[[], Reply]) -> list[Reply]:
    try:
        return [work()]
    except BlocklistError as exc:
        return [views.error_reply(exc, lang)]


# -- /report --------------------------------------------------------------------------------------
def report_input(args: str, lang: Lang) -> ReportInput | Reply:
    parsed = parse_args(args)
    if parsed.bad_option:
        return views.usage_reply("error.bad_option", lang, option=parsed.bad_option,
                                 usage=views.say("report.usage", lang))
    if not parsed.words:
        return views.usage_reply("report.usage", lang)
    url, rest = parsed.words[0], parsed.words[1:]
    category = _option(parsed, "category")
    if not category and rest:
        known = _words()[1].get(_word(rest[0]))
        if known is not None:
            category = known
            rest = rest[1:] or rest  # a lone category word is the reason too
    elif category:
        category = _words()[1].get(_word(category), category)
    links = tuple(parsed.options.get("link", []))
    return ReportInput(url=url, reason=" ".join(rest), category=category or "other",
                       complaint_id=_option(parsed, "complaint"), rights_owner=_option(parsed, "owner"),
                       rights_owner_email=_option(parsed, "email"), links=links,
                       notes=_option(parsed, "notes"))


def report(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    lang = _lang(msg)
    data = report_input(args, lang)
    if isinstance(data, Reply):
        return [data]
    return _guard(lang, lambda: views.receipt_reply(_service(ctx).report(_actor(msg), data), lang))


# -- /blocklist -----------------------------------------------------------------------------------
def blocklist(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    lang = _lang(msg)
    words = args.split(maxsplit=1)
    if not words:
        return [views.usage_reply("usage.blocklist", lang)]
    command = _words()[0].get(_word(words[0]))
    rest = words[1] if len(words) > 1 else ""
    if command is None:
        # `黑名单 <域名>` and `/blocklist fake-brand.com` are checks.
        command, rest = "check", args
    handler = SUBCOMMANDS.get(command)
    if handler is None:
        return [views.usage_reply("usage.blocklist", lang)]
    return handler(msg, rest.strip(), ctx, lang)


def _check(msg: Incoming, rest: str, ctx: Context, lang: Lang) -> list[Reply]:
    if not rest:
        return [views.usage_reply("check.usage", lang)]
    target = rest.split()[0]
    return _guard(lang, lambda: views.check_reply(_service(ctx).check(target), lang))


def _recent(msg: Incoming, rest: str, ctx: Context, lang: Lang) -> list[Reply]:
    limit = int(rest) if rest.isdigit() else 10
    items = _service(ctx).recent(limit)
    return [views.list_reply(views.say("recent.title", lang), views.say("recent.empty", lang), items, lang,
                             "recent")]


def _search(msg: Incoming, rest: str, ctx: Context, lang: Lang) -> list[Reply]:
    if not rest:
        return [views.usage_reply("search.usage", lang)]

    def work() -> Reply:
        items = _service(ctx).search(rest)
        return views.list_reply(views.say("search.title", lang, query=rest),
                                views.say("search.empty", lang, query=rest), items, lang, "results")

    return _guard(lang, work)


def _queue(msg: Incoming, rest: str, ctx: Context, lang: Lang) -> list[Reply]:
    return _guard(lang, lambda: views.queue_reply(_service(ctx).queue(_actor(msg)), lang))


def _id_and_rest(rest: str) -> tuple[str, str]:
    parts = rest.split(maxsplit=1)
    return (parts[0], parts[1] if len(parts) > 1 else "") if parts else ("", "")


def _show(msg: Incoming, rest: str, ctx: Context, lang: Lang) -> list[Reply]:
    ref, _ = _id_and_rest(rest)
    if not ref:
        return [views.usage_reply("usage.id", lang, command="show")]
    return _guard(lang, lambda: views.entry_reply(_service(ctx).entry(_actor(msg), ref), lang))


def _moderate(action: str) -> Callable[[Incoming, str, Context, Lang], list[Reply]]:
    def run(msg: Incoming, rest: str, ctx: Context, lang: Lang) -> list[Reply]:
        if not msg.is_moderator:  # before parsing, so non-moderators learn nothing else
            return [views.error_reply(BlocklistError("moderators_only"), lang)]
        ref, reason = _id_and_rest(rest)
        if not ref:
            return [views.usage_reply("usage.id", lang, command=action)]
        if action == "reject" and not reason:
            return [views.usage_reply("usage.reject", lang)]
        method = getattr(_service(ctx), action)
        return _guard(lang, lambda: views.moderation_reply(action, method(_actor(msg), ref, reason), lang))

    return run


def _merge(msg: Incoming, rest: str, ctx: Context, lang: Lang) -> list[Reply]:
    if not msg.is_moderator:
        return [views.error_reply(BlocklistError("moderators_only"), lang)]
    parts = rest.split(maxsplit=2)
    if len(parts) < 2:
        return [views.usage_reply("usage.merge", lang)]
    source, into = parts[0], parts[1]
    reason = parts[2] if len(parts) > 2 else ""
    return _guard(lang, lambda: views.moderation_reply(
        "merge", _service(ctx).merge(_actor(msg), source, into, reason), lang))


def _edit(msg: Incoming, rest: str, ctx: Context, lang: Lang) -> list[Reply]:
    if not msg.is_moderator:
        return [views.error_reply(BlocklistError("moderators_only"), lang)]
    parsed = parse_args(rest)
    if parsed.bad_option or not parsed.words:
        return [views.usage_reply("usage.edit", lang)]
    codes = None
    if "reasons" in parsed.options:
        table = _words()[1]
        codes = [table.get(_word(c), c) for c in _option(parsed, "reasons").split(",")]
    note = _option(parsed, "note") if "note" in parsed.options else None
    return _guard(lang, lambda: views.moderation_reply(
        "edit", _service(ctx).edit(_actor(msg), parsed.words[0], reasons=codes, note=note), lang))


def _appeal(msg: Incoming, rest: str, ctx: Context, lang: Lang) -> list[Reply]:
    ref, evidence = _id_and_rest(rest)
    if not ref:
        return [views.usage_reply("appeal.usage", lang)]
    return _guard(lang, lambda: views.appeal_reply(_service(ctx).appeal(_actor(msg), ref, evidence), lang))


def _audit(msg: Incoming, rest: str, ctx: Context, lang: Lang) -> list[Reply]:
    ref, _ = _id_and_rest(rest)  # no id: the latest changes across the list
    return _guard(lang, lambda: views.audit_reply(ref or None, _service(ctx).audit(_actor(msg), ref or None),
                                                  lang))


def _help(msg: Incoming, rest: str, ctx: Context, lang: Lang) -> list[Reply]:
    return [Reply(views.INTENT, lang, views.say("usage.blocklist", lang))]


SUBCOMMANDS: dict[str, Callable[[Incoming, str, Context, Lang], list[Reply]]] = {
    "check": _check,
    "recent": _recent,
    "search": _search,
    "queue": _queue,
    "show": _show,
    "approve": _moderate("approve"),
    "reject": _moderate("reject"),
    "delist": _moderate("delist"),
    "reopen": _moderate("reopen"),
    "merge": _merge,
    "edit": _edit,
    "appeal": _appeal,
    "audit": _audit,
    "help": _help,
}


# -- buttons and forms ----------------------------------------------------------------------------
def action(msg: Incoming, ctx: Context) -> list[Reply]:
    """`bl.report` (a form), `bl.approve|reject|delist|reopen` (value: entry id), `bl.merge`
    (value: "<from_id>:<into_id>"). Rights are checked again here, on every press."""
    lang = _lang(msg)
    assert msg.action is not None
    name = msg.action.id.split(".", 1)[1] if "." in msg.action.id else ""
    form = msg.action.form
    if name == "report":
        links = tuple((form.get("links") or "").split())
        data = ReportInput(url=form.get("url", ""), reason=form.get("reason", ""),
                           category=_words()[1].get(_word(form.get("category") or "other"),
                                                    form.get("category") or "other"),
                           complaint_id=form.get("complaint_id", ""),
                           rights_owner=form.get("rights_owner", ""),
                           rights_owner_email=form.get("rights_owner_email", ""), links=links,
                           notes=form.get("notes", ""), lookup_id=form.get("lookup_id", ""))
        replies = _guard(lang, lambda: views.receipt_reply(_service(ctx).report(_actor(msg), data), lang))
        return [_with_field_error(reply, data.url) for reply in replies]
    value = msg.action.value.strip()
    if name in ("approve", "reject", "delist", "reopen"):
        method = getattr(_service(ctx), name)
        reason = form.get("reason", "")
        return _guard(lang, lambda: views.moderation_reply(name, method(_actor(msg), value, reason), lang))
    if name == "merge":
        source, _, into = value.partition(":")
        if not source.strip() or not into.strip():
            return [views.usage_reply("usage.merge", lang)]
        return _guard(lang, lambda: views.moderation_reply(
            "merge", _service(ctx).merge(_actor(msg), source, into, form.get("reason", "")), lang))
    return [Reply("error", lang, t("core.unknown_action", lang), ok=False)]


# Which form field a refusal is about, so a form (the Slack modal) can show it beside that field.
_FIELD_OF = {"empty_reason": "reason", "empty_decision_reason": "reason", "reason_too_long": "reason",
             "unknown_category": "category",
             "bad_complaint_id": "complaint_id", "bad_email": "rights_owner_email",
             "too_many_links": "links", "notes_too_long": "notes", "bad_lookup_id": "lookup_id",
             "protected": "url"}


def _with_field_error(reply: Reply, url: str) -> Reply:
    code = str(reply.data.get("error", ""))
    field = _FIELD_OF.get(code)
    if field is None and code.startswith("site_"):
        field = "url" if reply.data.get("site") == url.strip()[:200] else "links"
    if reply.ok or field is None:
        return reply
    return replace(reply, data={**reply.data, "errors": {field: reply.text}})


COMMANDS = {"report": report, "blocklist": blocklist}
ACTIONS = {"bl": action}
