"""The Slack adapter: Bolt listeners that turn Slack payloads into `Incoming` and replies into
Block Kit.

Every listener acknowledges at once (`process_before_response=True`, so the ack never waits
behind slow work). Queued (`sellerguard serve`'s default) the payload is stored as a job of kind
"slack" in the database (chatbot/jobs.py) and a worker runs the listener (chatbot/worker.py,
in `sellerguard worker` or embedded in `serve`); unqueued, the work runs in a Bolt lazy listener
on a sized executor in this process. Answers go out through
`response_url`, `chat.postMessage`, `chat.update` and file uploads. Each delivery is handled
once: its key goes through `SellerGuard.first_delivery`, a unique row in the database, so a retry
or replay reaching any process is dropped.

The stages live in their own modules: slack_incoming (payload → what a user said),
slack_where (where answers go and who sees them), slack_delivery (the calls that put them
there), slack_blocks and slack_views (Block Kit), slack_answers (answers remembered for edits).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

import handlers
from chatbot import router
from chatbot.adapters import lookups, slack_answers, slack_files
from chatbot.adapters import slack_blocks as kit
from chatbot.adapters import slack_views as views
from chatbot.adapters.slack_delivery import Delivery, merged
from chatbot.adapters.slack_incoming import Said, plain_text, said
from chatbot.adapters.slack_where import Target, can_post, is_private
from chatbot.app import SellerGuard
from chatbot.conversation import Action, Incoming, Lang, Reply
from chatbot.i18n import t
from chatbot.jobs import JobQueue

log = logging.getLogger(__name__)

PLATFORM = "slack"
JOB_KIND = "slack"
GROUP_TTL_SECONDS = 60.0  # moderator user group members: asked at most once a minute
RATE_LIMIT_RETRIES = 3  # 429s waited out (Retry-After) before giving up
SLOW_COMMANDS = frozenset({"checksite"})  # they fetch: show "checking…" first, then replace it
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

__all__ = ["SlackAdapter", "Target", "is_private", "plain_text"]


class _TTLCache:
    def __init__(self, ttl: float, now: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.now = now  # seconds; tests move it
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get(self, key: str, load: Callable[[], Any]) -> Any:
        now = self.now()
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

    def forget(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


class SlackAdapter:
    def __init__(self, guard: SellerGuard, *, client: WebClient | None = None,
                 workers: int = DEFAULT_WORKERS, queued: bool = False,
                 wake: Callable[[], None] | None = None, token_verification: bool = True) -> None:
        settings = guard.settings
        self.guard = guard
        self.queued = queued
        self.wake = wake  # tells an embedded worker a job is waiting
        self.queue = JobQueue(guard.db)
        self._job = threading.local()  # set while a queued job runs on this thread
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-work")
        self.client = client or new_client(settings.slack_bot_token, settings.slack_api_url)
        self.locales = _TTLCache(LOCALE_TTL_SECONDS)
        self.delivery = Delivery(guard.db)
        self.dms = _TTLCache(LOCALE_TTL_SECONDS)  # user → the bot's DM channel with them
        self.groups = _TTLCache(GROUP_TTL_SECONDS)
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
            (app.event("app_uninstalled"), "on_workspace_gone"),
            (app.event("tokens_revoked"), "on_workspace_gone"),
            (app.action(re.compile(r".+")), "on_action"),
            (app.shortcut(views.REPORT_CALLBACK), "on_report_shortcut"),
        )
        for register, name in listeners:
            if not self.queued:
                register(ack=_ack, lazy=[getattr(self, name)])
            else:  # ack, then hand the payload to a worker process: nothing else happens here
                register(self._forwarder(name))
        # Any other event (one the manifest does not subscribe to, or a new kind): acknowledged,
        # so Slack does not retry it, and nothing else.
        app.event(re.compile(r".*"))(_ack)
        # Modal submissions are answered in the ack itself (field errors), so they stay here.
        app.view(views.REPORT_CALLBACK)(self.on_report_submission)
        app.view(views.REJECT_CALLBACK)(self.on_reject_submission)

    def _forwarder(self, name: str) -> Callable[..., None]:
        def forward(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            # Ack first: the HTTP response never waits for the database (on SQLite a worker may
            # hold the write lock). The job is stored right after, on a web-process thread.
            ack()
            self.executor.submit(self._store_job, name, body, context.bot_user_id)

        return forward

    def _store_job(self, name: str, body: dict[str, Any], bot_user_id: str | None) -> None:
        """One short transaction: the job row and the delivery's idempotency row together, so a
        retry reaching any web process makes no second job; then a worker is woken to claim it.
        If the database refuses the job, the user is told to try again (Slack was already acked,
        so it will not resend)."""
        try:
            job = self.queue.enqueue(JOB_KIND, {"listener": name, "body": body,
                                                "context": {"bot_user_id": bot_user_id}},
                                     delivery_key=listener_delivery_key(name, body))
        except Exception:
            log.exception("storing a Slack job for %s failed", name)
            self._tell_not_stored(body)
            return
        if job is not None and self.wake is not None:
            self.wake()

    def _tell_not_stored(self, body: Mapping[str, Any]) -> None:
        event = body.get("event") or {}
        user = str(body.get("user_id") or (body.get("user") or {}).get("id", "") or event.get("user", ""))
        channel = str(body.get("channel_id") or (body.get("channel") or {}).get("id", "")
                      or event.get("channel", ""))
        lang = _lang_of({"lang": self.guard.settings.default_lang.replace("zh", "zh-Hans")})
        text = t("slack.not_stored", lang)
        try:
            if body.get("response_url"):
                Respond(response_url=str(body["response_url"]))(
                    text=text, response_type="ephemeral", replace_original=False)
            elif channel and user:
                self.client.chat_postEphemeral(channel=channel, user=user, text=text)
        except Exception:
            log.exception("could not tell %s that their request was lost", user or "the user")

    def run_job(self, payload: Mapping[str, Any]) -> None:
        """Runs one queued Slack job (in a worker). Its delivery was recorded when it was queued,
        so the listener does not check it again: a job claimed again after its worker died still
        runs. Errors propagate, so the queue retries the job (Slack down) or fails it."""
        self._job.recorded = True
        try:
            self.run_listener(str(payload["listener"]), dict(payload["body"]),
                              dict(payload.get("context") or {}), raise_errors=True)
        finally:
            self._job.recorded = False

    def _first_delivery(self, key: str) -> bool:
        return bool(getattr(self._job, "recorded", False)) or self.guard.first_delivery(key)

    def run_listener(self, name: str, body: dict[str, Any], context: Mapping[str, Any], *,
                     raise_errors: bool = False) -> None:
        """A listener for a payload acked elsewhere (by the web process), called with what Bolt
        would have given it. An unknown listener name raises KeyError."""
        if name not in _LISTENER_KEYS and name != "on_action":
            raise KeyError(f"no Slack listener {name!r}")
        event = body.get("event") or {}
        respond = Respond(response_url=body.get("response_url"))
        arguments: dict[str, Any] = {"body": body, "client": self.client, "event": event,
                                     "respond": respond, "context": context}
        listener = getattr(self, name)
        wanted = listener.__code__.co_varnames[1:listener.__code__.co_argcount]
        try:
            listener(**{key: arguments[key] for key in wanted})
        except Exception:
            if raise_errors:
                raise
            log.exception("the %s listener failed", name)

    def on_command(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        if not self._first_delivery(_delivery_key("command", body, body.get("trigger_id"))):
            return
        user, channel = body.get("user_id", ""), body.get("channel_id", "")
        msg = Incoming(
            platform=PLATFORM, user=user, text=plain_text(body.get("text", "")),
            workspace=body.get("team_id", ""), channel=channel, command=body.get("command"),
            direct=True, message_id=body.get("trigger_id", ""),
            is_moderator=self.is_moderator(client, user), locale=self.locale(client, user),
        )
        target = Target(channel=channel, user=user, response_url=body.get("response_url", ""), slash=True,
                        is_dm=self.is_bot_dm(client, channel, user), team=body.get("team_id", ""),
                        postable=can_post(channel, str(body.get("channel_name") or "")))
        self.answer(client, msg, target, respond=respond)

    def on_message(self, body: dict[str, Any], event: dict[str, Any], client: WebClient,
                   context: Mapping[str, Any]) -> None:
        bot_user = str(context.get("bot_user_id") or "")
        message = said(event, bot_user=bot_user)
        if message is None or message.from_bot or not message.user:
            return
        if message.channel_type != "im" and message.mentions(bot_user):
            return  # a mention in a channel arrives as app_mention too; that listener answers it
        self._answer_said(body, message, client, bot_user, direct=message.channel_type == "im")

    def on_mention(self, body: dict[str, Any], event: dict[str, Any], client: WebClient,
                   context: Mapping[str, Any]) -> None:
        bot_user = str(context.get("bot_user_id") or "")
        message = said(event, bot_user=bot_user)
        if message is None or message.from_bot or not message.user:
            return
        self._answer_said(body, message, client, bot_user, direct=True)

    def _answer_said(self, body: Mapping[str, Any], message: Said, client: WebClient, bot_user: str,
                     *, direct: bool) -> None:
        """A user's message, new or edited, whichever event brought it. The same message (channel
        and ts) saying the same thing is answered once; said differently (an edit that changed
        it), its earlier answer is updated in place."""
        if not self._first_delivery(_delivery_key("event", body, body.get("event_id"))):
            return
        meaning = message.meaning(bot_user)
        said_once = f"{PLATFORM}:said:{message.channel}:{message.ts}:{meaning}"
        earlier = slack_answers.find(self.guard.db, message.channel, message.ts) if message.edited else None
        if earlier is not None:  # an edit of a message the bot answered
            if earlier.meaning == meaning:
                return  # it still says the same: spacing, a link preview, a reply counted
            self.guard.first_delivery(said_once)
        elif not self.guard.first_delivery(said_once):
            return  # a second event for the same words: message + app_mention, an unchanged edit
        user, team = message.user, str(body.get("team_id") or "")
        is_dm = message.channel_type == "im"
        msg = Incoming(
            platform=PLATFORM, user=user, text=plain_text(message.text, drop_user=bot_user),
            workspace=team, channel=message.channel, thread=message.thread_ts, direct=direct,
            message_id=str(body.get("event_id") or ""), files=message.files,
            locale=self.locale(client, user),
        )
        if (direct and not is_dm) or router.parse_command(msg) is not None:  # commands may need rights
            msg = msg.with_(is_moderator=self.is_moderator(client, user))
        target = Target(channel=message.channel, user=user, is_dm=is_dm, team=team,
                        thread_ts=message.thread_ts or ("" if is_dm else message.ts),
                        source_ts=message.ts)
        if earlier is not None:
            target.replace_ts, target.edit = earlier.answer_ts, True
        command = router.parse_command(msg) if msg.files else None
        if command is not None and command.name == "checksite":
            kinds = slack_files.PHOTOS  # the seller's own photos, for the copying check
        elif msg.files and direct and not msg.text.strip() and msg.files[0].kind == "html":
            kinds = slack_files.PAGES  # a saved copy of the copycat's page, read offline
        else:
            self.answer(client, msg, target, meaning=meaning)
            return
        with slack_files.downloaded(self.guard.ctx.settings, client.token or "", msg.files, kinds) as got:
            self.answer(client, msg.with_(files=got or msg.files), target, meaning=meaning)

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
        surface = body.get("view") or {}
        in_view = container.get("type") == "view"  # App Home, or a modal
        in_home = in_view and surface.get("type") != "modal"
        is_dm = not in_view and self.is_bot_dm(client, channel, user)
        # An ephemeral message has no `message` object: its thread is only in the container
        # (and nothing can be threaded under an ephemeral message itself). In the bot's DM a
        # conversation needs no thread.
        ephemeral = bool(container.get("is_ephemeral"))
        thread = (message.get("thread_ts") or container.get("thread_ts")
                  or ("" if is_dm or ephemeral else message.get("ts", "")))
        msg = Incoming(
            platform=PLATFORM, user=user, workspace=(body.get("team") or {}).get("id", ""),
            channel=channel, thread=thread, action=Action(action_id, value),
            direct=True, message_id=f"{body.get('trigger_id')}:{pressed.get('action_ts')}",
            is_moderator=self.is_moderator(client, user), locale=self.locale(client, user),
        )
        hint = msg.locale
        if action_id == REPORT_BUTTON:
            lang = self.guard.resolve_lang(msg, hint)
            origin = {"channel": channel, "thread": thread}
            client.views_open(trigger_id=body.get("trigger_id", ""),
                              view=views.report_modal(lang, url=value, origin=origin))
            return
        target = Target(channel=channel, user=user, thread_ts=thread,
                        replace_ts=container.get("message_ts", "") or message.get("ts", ""),
                        response_url=body.get("response_url", ""),
                        ephemeral_source=ephemeral, is_dm=is_dm, team=msg.workspace)
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
        if in_view:  # a button in a modal: the modal shows the result
            lang = replies[0].lang if replies else self.guard.resolve_lang(msg, hint)
            shown = views.result_modal(replies, lang, title_key="slack.modal_title",
                                       callback=str(surface.get("callback_id") or "sellerguard"))
            client.views_update(view_id=str(surface.get("id", "")), hash=surface.get("hash"), view=shown)
            return
        self.delivery.deliver(client, replies, target, respond=respond)

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
            self.delivery.deliver(client, replies, target, respond=respond)
        except Exception:
            log.exception("could not show a rejection to %s", user)

    def on_home_opened(self, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        if not self._first_delivery(_delivery_key("event", body, body.get("event_id"))):
            return
        user = event.get("user", "")
        self.publish_home(client, user, self.locale(client, user))

    def on_workspace_gone(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """The app was removed from a workspace, or its bot token revoked: forget what was kept
        for that workspace (and the cached facts about its people). A revoked user token alone
        (`tokens.oauth`) changes nothing: the bot does not use one."""
        if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return
        if not self._first_delivery(_delivery_key("event", body, body.get("event_id"))):
            return
        team = str(body.get("team_id") or "")
        removed = slack_answers.forget_workspace(self.guard.db, team)
        self.locales.clear()
        self.dms.clear()
        log.info("workspace %s is gone (%s): %d remembered answers dropped", team, event.get("type"),
                 removed)

    # -- answering ----------------------------------------------------------------------------
    def answer(self, client: WebClient, msg: Incoming, target: Target,
               respond: Respond | None = None, *, meaning: str = "") -> None:
        hint = msg.locale
        command = router.parse_command(msg)
        if command is not None and command.name in SLOW_COMMANDS and not target.edit:
            lang = self.guard.resolve_lang(msg, hint)
            self.delivery.post_placeholder(client, target, lang, command.args, respond, meaning)
        replies = self.guard.handle(msg, lang_hint=hint)
        lookups.remember(self.guard.ctx, PLATFORM, msg.user, replies)
        if target.edit and replies:
            replies = [merged(replies)]  # an edit updates the one earlier answer, never adds more
        self.delivery.deliver(client, replies, target, respond=respond, meaning=meaning)

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

    def is_bot_dm(self, client: WebClient, channel: str, user: str) -> bool:
        """Whether `channel` is the bot's own DM with `user`: only that one is private to the
        asker. A DM between two people also has a `D…` id (and `channel_name` `directmessage`),
        so the id is compared with the DM Slack opens between the bot and the user (cached)."""
        if not channel.startswith("D") or not user:
            return False

        def load() -> str | None:
            try:
                opened = client.conversations_open(users=user)
            except SlackApiError as exc:
                log.info("conversations.open for %s failed: %s", user, exc.response.get("error"))
                return None
            return str((opened.get("channel") or {}).get("id") or "") or None

        return self.dms.get(user, load) == channel

    def is_moderator(self, client: WebClient, user: str) -> bool:
        """Configured moderators, or members of the moderator user group. The group's members
        are cached for GROUP_TTL_SECONDS, so a removal takes effect within a minute; a failed
        lookup is not cached."""
        if not user:
            return False
        if self.guard.is_moderator(PLATFORM, user):
            return True
        group = self.guard.settings.slack_moderator_group
        if not group:
            return False

        def load() -> frozenset[str] | None:
            try:
                return frozenset(client.usergroups_users_list(usergroup=group).get("users") or [])
            except SlackApiError as exc:
                log.warning("usergroups.users.list for %s failed: %s", group, exc.response.get("error"))
                return None

        members = self.groups.get(group, load)
        if members is None:
            self.groups.forget(group)
            return False
        return user in members

    def _refusal(self, msg: Incoming, hint: str | None) -> Reply:
        lang = self.guard.resolve_lang(msg, hint)
        return Reply("error", lang, t("core.moderators_only", lang), ok=False, private=True)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=False)


def new_client(token: str, api_url: str) -> WebClient:
    """A Web API client that waits out rate limits (HTTP 429, honouring Retry-After) up to
    RATE_LIMIT_RETRIES times, as Slack asks of apps, instead of failing the call."""
    client = WebClient(token=token or None, base_url=api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return client


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
    "on_workspace_gone": ("event", ("event_id",)),
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
