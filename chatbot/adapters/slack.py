"""The Slack adapter: Bolt listeners that turn Slack payloads into `Incoming` and replies into
Block Kit.

Every listener acknowledges at once (`process_before_response=True`, so the ack never waits
behind slow work). With worker processes (`sellerguard serve`'s default) the payload is stored
as a job in the database (chatbot/jobs.py) and a worker runs the listener
(chatbot/adapters/workers.py); without, the work runs in a Bolt lazy listener on a sized executor
in this process. Answers go out through
`response_url`, `chat.postMessage`, `chat.update` and file uploads. Each delivery is handled
once: its key goes through `SellerGuard.first_delivery`, a unique row in the database, so a retry
or replay reaching any process is dropped.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

import handlers
from chatbot import router
from chatbot.adapters import lookups
from chatbot.adapters import slack_blocks as kit
from chatbot.adapters import slack_views as views
from chatbot.adapters.workers import JOB_KIND, WorkerPool
from chatbot.app import SellerGuard
from chatbot.conversation import Action, Incoming, Lang, Reply
from chatbot.i18n import t
from chatbot.jobs import JobQueue

log = logging.getLogger(__name__)

PLATFORM = "slack"
SLOW_COMMANDS = frozenset({"checksite"})  # they fetch: show "checking…" first, then replace it
EPHEMERAL_INTENTS = frozenset({"help", "fallback", "error", "preferences"})
MODERATOR_ACTIONS = frozenset({"bl.approve", "bl.reject", "bl.delist", "bl.merge"})
REPORT_BUTTON = "site.report"
LOCALE_TTL_SECONDS = 3600.0
DEFAULT_WORKERS = 16
# Home sections drawn from commands: (title key, command, its arguments, moderators only);
# the member's recent lookups go second.
HOME_SECTIONS: tuple[tuple[str, str, str, bool], ...] = (
    ("slack.home.cases", "case", "list", False),
    ("slack.home.queue", "blocklist", "queue", True),
    ("slack.home.audit", "blocklist", "audit", True),
)

_ENTITY = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def plain_text(text: str, *, drop_user: str = "") -> str:
    """Slack's message markup back to what the user typed: links, e-mails, mentions, escapes."""

    def replace(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "" if target[1:] == drop_user else f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            return label or ""
        if target.startswith("mailto:"):
            return target[len("mailto:"):]
        return target

    return html.unescape(_ENTITY.sub(replace, text)).strip()


def is_private(reply: Reply, *, slash: bool = False) -> bool:
    """Only the asker should see it: marked private, a refusal or an error; for a slash command
    (which nobody else saw being typed) also help and settings, which concern the asker alone."""
    return reply.private or not reply.ok or (slash and reply.intent in EPHEMERAL_INTENTS)


@dataclass
class Target:
    """Where the replies to one request go."""

    channel: str
    user: str
    thread_ts: str = ""  # reply in this thread
    replace_ts: str = ""  # the first reply replaces this message (chat.update)
    response_url: str = ""  # the request's webhook, when there is one
    ephemeral_source: bool = False  # the pressed button sat in an ephemeral message
    is_dm: bool = False
    placeholder: bool = False  # replace_ts is our own "checking…" message
    replace_via_webhook: bool = False  # the placeholder went out through response_url
    slash: bool = False  # answering a slash command


class _TTLCache:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load: Callable[[], str | None]) -> str | None:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        value = load()
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[key] = (now + self.ttl, value)
        return value


class SlackAdapter:
    def __init__(self, guard: SellerGuard, *, client: WebClient | None = None,
                 workers: int = DEFAULT_WORKERS, processes: int = 0,
                 token_verification: bool = True) -> None:
        settings = guard.settings
        self.guard = guard
        self.workers = WorkerPool(settings, processes, workers) if processes > 0 else None
        self.queue = JobQueue(guard.db)
        self._job = threading.local()  # set while a queued job runs on this thread
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-work")
        self.client = client or WebClient(token=settings.slack_bot_token or None,
                                          base_url=settings.slack_api_url)
        self.locales = _TTLCache(LOCALE_TTL_SECONDS)
        self.bolt = App(
            client=self.client,
            signing_secret=settings.slack_signing_secret,
            process_before_response=True,
            listener_executor=self.executor,
            token_verification_enabled=token_verification,
            raise_error_for_unhandled_request=False,
        )
        self._register()

    # -- listeners ----------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.bolt
        listeners = (
            (app.command(re.compile(r"^/.+")), "on_command"),
            (app.event("message"), "on_message"),
            (app.event("app_mention"), "on_mention"),
            (app.event("app_home_opened"), "on_home_opened"),
            (app.action(re.compile(r".+")), "on_action"),
            (app.shortcut(views.REPORT_CALLBACK), "on_report_shortcut"),
        )
        for register, name in listeners:
            if self.workers is None:
                register(ack=_ack, lazy=[getattr(self, name)])
            else:  # ack, then hand the payload to a worker process: nothing else happens here
                register(self._forwarder(name))
        # Modal submissions are answered in the ack itself (field errors), so they stay here.
        app.view(views.REPORT_CALLBACK)(self.on_report_submission)
        app.view(views.REJECT_CALLBACK)(self.on_reject_submission)

    def _forwarder(self, name: str) -> Callable[..., None]:
        workers = self.workers
        assert workers is not None

        def forward(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            # Ack first: the HTTP response never waits for the database (on SQLite a worker may
            # hold the write lock). The job is stored right after, on a web-process thread.
            ack()
            self.executor.submit(self._store_job, name, body, context.bot_user_id)

        return forward

    def _store_job(self, name: str, body: dict[str, Any], bot_user_id: str | None) -> None:
        """One short transaction: the job row and the delivery's idempotency row together, so a
        retry reaching any web process makes no second job; then a worker is woken to claim it."""
        assert self.workers is not None
        try:
            job = self.queue.enqueue(JOB_KIND, {"listener": name, "body": body,
                                                "context": {"bot_user_id": bot_user_id}},
                                     delivery_key=listener_delivery_key(name, body))
        except Exception:
            log.exception("storing a Slack job for %s failed", name)
            return
        if job is not None:
            self.workers.wake()

    def run_job(self, payload: Mapping[str, Any]) -> None:
        """Runs one queued Slack job (in a worker). Its delivery was recorded when it was queued,
        so the listener does not check it again: a job claimed again after its worker died still
        runs."""
        self._job.recorded = True
        try:
            self.run_listener(str(payload["listener"]), dict(payload["body"]),
                              dict(payload.get("context") or {}))
        finally:
            self._job.recorded = False

    def _first_delivery(self, key: str) -> bool:
        return bool(getattr(self._job, "recorded", False)) or self.guard.first_delivery(key)

    def run_listener(self, name: str, body: dict[str, Any], context: Mapping[str, Any]) -> None:
        """A listener for a payload acked elsewhere (by the web process), called with what Bolt
        would have given it."""
        event = body.get("event") or {}
        respond = Respond(response_url=body.get("response_url"))
        arguments: dict[str, Any] = {"body": body, "client": self.client, "event": event,
                                     "respond": respond, "context": context}
        listener = getattr(self, name)
        wanted = listener.__code__.co_varnames[1:listener.__code__.co_argcount]
        try:
            listener(**{key: arguments[key] for key in wanted})
        except Exception:
            log.exception("the %s listener failed", name)

    def on_command(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        if not self._first_delivery(_delivery_key("command", body, body.get("trigger_id"))):
            return
        user, channel = body.get("user_id", ""), body.get("channel_id", "")
        msg = Incoming(
            platform=PLATFORM, user=user, text=plain_text(body.get("text", "")),
            workspace=body.get("team_id", ""), channel=channel, command=body.get("command"),
            direct=True, message_id=body.get("trigger_id", ""),
            is_moderator=self.is_moderator(client, user),
        )
        target = Target(channel=channel, user=user, response_url=body.get("response_url", ""), slash=True,
                        is_dm=str(body.get("channel_name")) == "directmessage" or channel.startswith("D"))
        self.answer(client, msg, target, respond=respond)

    def on_message(self, body: dict[str, Any], event: dict[str, Any], client: WebClient,
                   context: Mapping[str, Any]) -> None:
        if event.get("subtype") not in (None, "file_share", "thread_broadcast") or event.get("bot_id"):
            return
        user, raw = event.get("user", ""), event.get("text", "") or ""
        bot_user = str(context.get("bot_user_id") or "")
        is_dm = event.get("channel_type") == "im"
        if not user or (not is_dm and bot_user and f"<@{bot_user}" in raw):
            return  # a mention in a channel arrives as app_mention too; that listener answers it
        if not self._first_delivery(_delivery_key("event", body, body.get("event_id"))):
            return
        msg = Incoming(
            platform=PLATFORM, user=user, text=plain_text(raw, drop_user=bot_user),
            workspace=body.get("team_id", ""), channel=event.get("channel", ""),
            thread=event.get("thread_ts", ""), direct=is_dm, message_id=body.get("event_id", ""),
        )
        if router.parse_command(msg) is not None:  # a typed command (黑名单 queue) may need rights
            msg = msg.with_(is_moderator=self.is_moderator(client, user))
        thread = event.get("thread_ts") or ("" if is_dm else event.get("ts", ""))
        target = Target(channel=msg.channel, user=user, thread_ts=thread, is_dm=is_dm)
        self.answer(client, msg, target)

    def on_mention(self, body: dict[str, Any], event: dict[str, Any], client: WebClient,
                   context: Mapping[str, Any]) -> None:
        user = event.get("user", "")
        if not user or event.get("bot_id"):
            return
        if not self._first_delivery(_delivery_key("event", body, body.get("event_id"))):
            return
        bot_user = str(context.get("bot_user_id") or "")
        msg = Incoming(
            platform=PLATFORM, user=user, text=plain_text(event.get("text", ""), drop_user=bot_user),
            workspace=body.get("team_id", ""), channel=event.get("channel", ""),
            thread=event.get("thread_ts", ""), direct=True, message_id=body.get("event_id", ""),
            is_moderator=self.is_moderator(client, user),
        )
        target = Target(channel=msg.channel, user=user,
                        thread_ts=event.get("thread_ts") or event.get("ts", ""))
        self.answer(client, msg, target)

    def on_action(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        pressed = (body.get("actions") or [{}])[0]
        if not self._first_delivery(_delivery_key(
                "action", body, f"{body.get('trigger_id')}:{pressed.get('action_ts')}")):
            return
        user = (body.get("user") or {}).get("id", "")
        action_id = kit.action_id_of(str(pressed.get("action_id", "")))
        value = str(pressed.get("value") or (pressed.get("selected_option") or {}).get("value") or "")
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id", "") or container.get("channel_id", "")
        msg = Incoming(
            platform=PLATFORM, user=user, workspace=(body.get("team") or {}).get("id", ""),
            channel=channel, thread=message.get("thread_ts", ""), action=Action(action_id, value),
            direct=True, message_id=f"{body.get('trigger_id')}:{pressed.get('action_ts')}",
            is_moderator=self.is_moderator(client, user),
        )
        hint = self.locale(client, user)
        if action_id == REPORT_BUTTON:
            lang = self.guard.resolve_lang(msg, hint)
            origin = {"channel": channel, "thread": message.get("thread_ts") or message.get("ts", "")}
            client.views_open(trigger_id=body.get("trigger_id", ""),
                              view=views.report_modal(lang, url=value, origin=origin))
            return
        in_home = container.get("type") == "view"
        target = Target(channel=channel, user=user,
                        thread_ts=message.get("thread_ts") or message.get("ts", ""),
                        replace_ts=container.get("message_ts", "") or message.get("ts", ""),
                        response_url=body.get("response_url", ""),
                        ephemeral_source=bool(container.get("is_ephemeral")),
                        is_dm=channel.startswith("D"))
        if action_id in MODERATOR_ACTIONS and not msg.is_moderator:
            replies = [self._refusal(msg, hint)]
        elif action_id == views.REJECT_ACTION:  # a rejection needs a reason: ask for it first
            origin = {"home": in_home, **({} if in_home else asdict(target))}
            client.views_open(trigger_id=body.get("trigger_id", ""),
                              view=views.reject_modal(self.guard.resolve_lang(msg, hint), value, origin))
            return
        else:
            replies = self.guard.handle(msg, lang_hint=hint)
        if in_home:  # a button in App Home: redraw it with the result
            self.publish_home(client, user, hint, last_action=replies)
            return
        self.deliver(client, replies, target, respond=respond)

    def on_report_shortcut(self, body: dict[str, Any], client: WebClient) -> None:
        user = (body.get("user") or {}).get("id", "")
        lang = self.guard.resolve_lang(Incoming(platform=PLATFORM, user=user), self.locale(client, user))
        client.views_open(trigger_id=body.get("trigger_id", ""), view=views.report_modal(lang))

    def on_report_submission(self, ack: Ack, body: dict[str, Any], view: dict[str, Any],
                             client: WebClient) -> None:
        """Runs inside the ack: Slack shows field errors only from the ack's response."""
        user = (body.get("user") or {}).get("id", "")
        metadata = _json_object(view.get("private_metadata", ""))
        lang = _lang_of(metadata)
        form = views.read_report_form(view)
        errors = views.validate_report_form(form, lang)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        if not self._first_delivery(_delivery_key("view", body, body.get("trigger_id"))):
            ack()
            return
        msg = self._submission(body, user, metadata, lang, client,
                               Action(views.REPORT_ACTION, form.get("url", ""), form))
        replies = self.guard.handle(msg)
        errors = views.field_errors(replies)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack(response_action="update", view=views.result_modal(replies, lang))

    def _submission(self, body: dict[str, Any], user: str, origin: Mapping[str, Any], lang: Lang,
                    client: WebClient, action: Action) -> Incoming:
        """The `Incoming` for a modal submission; `origin` is the modal's private metadata."""
        return Incoming(
            platform=PLATFORM, user=user, workspace=(body.get("team") or {}).get("id", ""),
            channel=str(origin.get("channel", "")), thread=str(origin.get("thread", "")),
            lang=lang, lang_forced=True, direct=True, message_id=str(body.get("trigger_id", "")),
            action=action, is_moderator=self.is_moderator(client, user),
        )

    def on_reject_submission(self, ack: Ack, body: dict[str, Any], view: dict[str, Any],
                             client: WebClient) -> None:
        """The reason a moderator gave for Reject. Runs inside the ack (a problem with the reason
        is shown beside the field); the message that held the button is updated after it."""
        user = (body.get("user") or {}).get("id", "")
        origin = _json_object(view.get("private_metadata", ""))
        lang = _lang_of(origin)
        reason = views.read_reason(view)
        if not reason:
            ack(response_action="errors", errors={"reason": t("slack.report.required", lang)})
            return
        if not self._first_delivery(_delivery_key("view", body, body.get("trigger_id"))):
            ack()
            return
        msg = self._submission(body, user, origin, lang, client,
                               Action(views.REJECT_ACTION, str(origin.get("entry", "")), {"reason": reason}))
        # Rights are checked again: membership may have changed while the modal was open.
        replies = self.guard.handle(msg) if msg.is_moderator else [self._refusal(msg, None)]
        errors = views.reason_errors(replies)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        if not all(reply.ok for reply in replies):
            ack(response_action="update", view=views.result_modal(
                replies, lang, callback=views.REJECT_CALLBACK, title_key="slack.reject.refused_title"))
            return
        ack()  # closes the modal
        self.executor.submit(self._show_rejection, client, user, origin, replies)

    def _show_rejection(self, client: WebClient, user: str, origin: Mapping[str, Any],
                        replies: list[Reply]) -> None:
        try:
            if origin.get("home"):
                self.publish_home(client, user, self.locale(client, user), last_action=replies)
                return
            fields = {name: origin[name] for name in Target.__dataclass_fields__ if name in origin}
            target = Target(**{"channel": "", "user": user, **fields})
            respond = Respond(response_url=target.response_url) if target.response_url else None
            self.deliver(client, replies, target, respond=respond)
        except Exception:
            log.exception("could not show a rejection to %s", user)

    def on_home_opened(self, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        if not self._first_delivery(_delivery_key("event", body, body.get("event_id"))):
            return
        user = event.get("user", "")
        self.publish_home(client, user, self.locale(client, user))

    # -- answering ----------------------------------------------------------------------------
    def answer(self, client: WebClient, msg: Incoming, target: Target,
               respond: Respond | None = None) -> None:
        hint = self.locale(client, msg.user)
        command = router.parse_command(msg)
        if command is not None and command.name in SLOW_COMMANDS:
            lang = self.guard.resolve_lang(msg, hint)
            self._post_placeholder(client, target, lang, command.args, respond)
        replies = self.guard.handle(msg, lang_hint=hint)
        lookups.remember(self.guard.ctx, PLATFORM, msg.user, replies)
        self.deliver(client, replies, target, respond=respond)

    def _post_placeholder(self, client: WebClient, target: Target, lang: Lang, args: str,
                          respond: Respond | None) -> None:
        first_word = args.split()[0] if args.split() else ""
        text = kit.message_text(t("slack.checking", lang, target=first_word) if first_word
                                else t("slack.checking_any", lang))
        try:
            posted = client.chat_postMessage(channel=target.channel, text=text,
                                             thread_ts=target.thread_ts or None)
            target.replace_ts, target.placeholder = str(posted.get("ts", "")), True
            if not target.thread_ts and not target.is_dm:
                target.thread_ts = target.replace_ts  # files and follow-ups go under the result
        except SlackApiError as exc:
            # A slash command in a channel the bot is not in: the webhook still reaches it.
            log.info("placeholder post failed (%s); answering through response_url",
                     exc.response.get("error"))
            if respond is not None and target.response_url:
                respond(text=text, response_type="in_channel")
                target.replace_via_webhook = target.placeholder = True

    def deliver(self, client: WebClient, replies: Iterable[Reply], target: Target,
                respond: Respond | None = None) -> None:
        for index, reply in enumerate(replies):
            try:
                self._deliver_one(client, reply, target, respond, first=index == 0)
            except SlackApiError as exc:
                log.warning("could not deliver a %s reply to %s: %s", reply.intent, target.channel,
                            exc.response.get("error"))

    def _deliver_one(self, client: WebClient, reply: Reply, target: Target, respond: Respond | None,
                     *, first: bool) -> None:
        blocks = kit.reply_blocks(reply)
        text = kit.fallback_text(reply)
        hidden = is_private(reply, slash=target.slash) and not target.is_dm  # only the asker may see it
        has_source = bool(target.replace_ts or target.replace_via_webhook)
        # The first reply takes the place of the pressed message or of "checking…"; a refusal
        # never wipes a checklist, and a private answer never replaces a public message.
        replace = first and has_source and (reply.ok or target.placeholder) and not hidden
        if replace and target.replace_via_webhook and respond is not None:
            respond(text=text, blocks=blocks, replace_original=True, response_type="in_channel")
        elif replace and target.ephemeral_source and respond is not None:
            respond(text=text, blocks=blocks, replace_original=True)  # stays visible to the presser only
        elif replace:
            client.chat_update(channel=target.channel, ts=target.replace_ts, text=text, blocks=blocks)
        else:
            if first and target.placeholder:
                self._drop_placeholder(client, target, respond)
            if hidden:
                self._ephemeral(client, target, text, blocks, respond)
            elif target.response_url and respond is not None and not target.thread_ts:
                respond(text=text, blocks=blocks, response_type="in_channel", replace_original=False)
            else:
                client.chat_postMessage(channel=target.channel, text=text, blocks=blocks,
                                        thread_ts=target.thread_ts or None)
        for attachment in kit.attachments(reply):
            self.upload(client, attachment, target, reply.lang, private=hidden)

    def _ephemeral(self, client: WebClient, target: Target, text: str, blocks: list[kit.Block],
                   respond: Respond | None) -> None:
        if target.response_url and respond is not None:
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
            return
        client.chat_postEphemeral(channel=target.channel, user=target.user, text=text, blocks=blocks,
                                  thread_ts=target.thread_ts or None)

    def _drop_placeholder(self, client: WebClient, target: Target, respond: Respond | None) -> None:
        """A "checking…" message whose answer turned out private (a typo in the URL) goes away."""
        try:
            if target.replace_via_webhook and respond is not None:
                respond(delete_original=True)
            elif target.replace_ts:
                client.chat_delete(channel=target.channel, ts=target.replace_ts)
        except SlackApiError as exc:
            log.info("could not remove the placeholder: %s", exc.response.get("error"))
        if target.thread_ts == target.replace_ts:
            target.thread_ts = ""
        target.replace_ts, target.replace_via_webhook, target.placeholder = "", False, False

    def upload(self, client: WebClient, attachment: Any, target: Target, lang: Lang,
               *, private: bool) -> None:
        """An evidence file into the reply's thread; into the asker's DM when the reply is private
        or the channel refuses it (the bot is not a member); failing both, say so."""
        if not attachment.path and not attachment.data:
            return
        content: dict[str, Any] = (
            {"file": attachment.path} if attachment.path else {"content": attachment.data}
        )
        title = attachment.title or attachment.filename
        error = ""
        places = [] if private else [(target.channel, target.thread_ts)]
        if not target.is_dm:
            places.append(("", ""))  # "" = the asker's DM, opened on demand
        for channel, thread in places:
            try:
                if not channel:
                    opened = client.conversations_open(users=target.user)
                    channel = str((opened.get("channel") or {}).get("id", ""))
                client.files_upload_v2(channel=channel, thread_ts=thread or None,
                                       filename=attachment.filename, title=title, **content)
                return
            except SlackApiError as exc:
                error = str(exc.response.get("error"))
            except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
                error = type(exc).__name__  # the report file is unreadable: no other place helps
                break
            except Exception as exc:  # the upload URL or the network failed: try the next place
                error = type(exc).__name__
            log.info("upload of %s to %s failed: %s", attachment.filename, channel or "DM", error)
        log.warning("upload of %s failed everywhere: %s", attachment.filename, error)
        note = kit.message_text(t("slack.upload_failed", lang, filename=attachment.filename, error=error))
        try:
            client.chat_postEphemeral(channel=target.channel, user=target.user, text=note,
                                      thread_ts=target.thread_ts or None)
        except SlackApiError:
            log.warning("could not tell %s about the failed upload", target.user)

    # -- App Home -----------------------------------------------------------------------------
    def publish_home(self, client: WebClient, user: str, hint: str | None,
                     last_action: list[Reply] | None = None) -> None:
        base = Incoming(platform=PLATFORM, user=user, direct=True)
        lang = self.guard.resolve_lang(base, hint)
        moderator = self.is_moderator(client, user)
        msg = base.with_(lang=lang, lang_forced=True, is_moderator=moderator)
        sections = [(title, self.command_replies(name, args, msg))
                    for title, name, args, moderators_only in HOME_SECTIONS
                    if moderator or not moderators_only]
        recent = lookups.recent_reply(self.guard.ctx, PLATFORM, user, lang)
        sections.insert(1, ("slack.home.lookups", [recent] if recent else []))
        client.views_publish(user_id=user, view=views.home_view(lang, sections, last_action))

    def command_replies(self, name: str, args: str, msg: Incoming) -> list[Reply]:
        """A command's successful replies for a Home section. Called directly rather than
        through the router, which would cancel a question the bot is waiting on."""
        handler = handlers.COMMANDS.get(name)
        if handler is None:
            return []
        try:
            return [reply for reply in handler(msg, args, self.guard.ctx) if reply.ok]
        except Exception:
            log.exception("the %s section of App Home failed", name)
            return []

    # -- who is asking ------------------------------------------------------------------------
    def locale(self, client: WebClient, user: str) -> str | None:
        """The user's Slack locale ("zh-CN", "en-US"), cached; None when Slack will not say."""
        if not user:
            return None

        def load() -> str | None:
            try:
                info = client.users_info(user=user, include_locale=True)
            except SlackApiError as exc:
                log.info("users.info for %s failed: %s", user, exc.response.get("error"))
                return None
            return (info.get("user") or {}).get("locale")

        return self.locales.get(user, load)

    def is_moderator(self, client: WebClient, user: str) -> bool:
        """Configured moderators, or members of the moderator user group (asked every time, so
        a removal takes effect at once)."""
        if not user:
            return False
        if self.guard.is_moderator(PLATFORM, user):
            return True
        group = self.guard.settings.slack_moderator_group
        if not group:
            return False
        try:
            members = client.usergroups_users_list(usergroup=group).get("users") or []
        except SlackApiError as exc:
            log.warning("usergroups.users.list for %s failed: %s", group, exc.response.get("error"))
            return False
        return user in members

    def _refusal(self, msg: Incoming, hint: str | None) -> Reply:
        lang = self.guard.resolve_lang(msg, hint)
        return Reply("error", lang, t("core.moderators_only", lang), ok=False, private=True)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=False)
        if self.workers is not None:
            self.workers.close()


def _ack(ack: Ack) -> None:
    ack()


def _delivery_key(kind: str, body: Mapping[str, Any], unique: object) -> str:
    """`slack:<kind>:<id>`; without an id, the payload's own hash (a replay is byte-identical)."""
    if unique and str(unique) not in ("None", "None:None"):
        return f"{PLATFORM}:{kind}:{unique}"
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    return f"{PLATFORM}:{kind}:sha256:{digest}"


# What each listener's delivery is keyed on (see _delivery_key): (kind, body fields joined by ":")
_LISTENER_KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "on_command": ("command", ("trigger_id",)),
    "on_message": ("event", ("event_id",)),
    "on_mention": ("event", ("event_id",)),
    "on_home_opened": ("event", ("event_id",)),
    "on_report_shortcut": ("shortcut", ("trigger_id",)),
}


def listener_delivery_key(name: str, body: Mapping[str, Any]) -> str:
    """The key the listener `name` records for this delivery, worked out before it runs."""
    if name == "on_action":
        pressed = (body.get("actions") or [{}])[0]
        return _delivery_key("action", body, f"{body.get('trigger_id')}:{pressed.get('action_ts')}")
    kind, fields = _LISTENER_KEYS[name]
    return _delivery_key(kind, body, ":".join(str(body.get(field)) for field in fields))


def _lang_of(metadata: Mapping[str, Any]) -> Lang:
    lang = metadata.get("lang")
    return lang if lang in ("en", "zh-Hans", "zh-Hant") else "en"  # type: ignore[return-value]


def _json_object(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
