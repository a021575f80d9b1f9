"""The platform-neutral message model.

Adapters turn Slack events, WeCom callbacks or terminal lines into an `Incoming`, and render the
`Reply` objects that handlers return. Handlers never see a platform payload.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

Lang = Literal["en", "zh-Hans", "zh-Hant"]
StepState = Literal["todo", "done", "skipped", "info", "warning"]


@dataclass(frozen=True)
class Action:
    """A button press or form submission: `id` names what to do, `value` carries its argument."""

    id: str
    value: str = ""
    form: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FileRef:
    """A file the user sent with (or instead of) text: what it is, not its bytes."""

    name: str
    mimetype: str = ""
    id: str = ""  # the platform's file id
    url: str = ""  # where the platform serves it (may need the bot's token)
    path: str = ""  # a local copy, once the adapter has downloaded it

    @property
    def kind(self) -> Literal["html", "image", "other"]:
        """What the bot may do with it: a saved web page, a picture, or nothing yet."""
        lowered = self.name.lower()
        if self.mimetype in ("text/html", "application/xhtml+xml") or lowered.endswith(
                (".html", ".htm", ".mhtml", ".mht", ".xhtml")):
            return "html"
        if self.mimetype.startswith("image/"):
            return "image"
        return "other"


@dataclass(frozen=True)
class Incoming:
    platform: str  # "console", "slack", "wecom", ...
    user: str  # the platform's user id
    text: str = ""
    workspace: str = ""
    channel: str = ""
    thread: str = ""
    lang: Lang | None = None  # filled by the app (see SellerGuard.resolve_lang)
    lang_forced: bool = False  # the adapter fixed the language (`sellerguard chat --lang`)
    lang_chosen: bool = False  # filled by the app: the language is the user's explicit choice
    locale: str | None = None  # the platform's locale for this user ("zh-CN"), when it tells one
    is_moderator: bool = False
    command: str | None = None  # "/checksite" when the platform delivered a slash command
    action: Action | None = None
    direct: bool = True  # a DM or an explicit mention; False for ambient channel chatter
    message_id: str = ""  # the platform's delivery id, for idempotency
    files: tuple[FileRef, ...] = ()  # files sent with the message

    @property
    def actor(self) -> str:
        """`platform:user`, the identity moderators and audit rows use."""
        return f"{self.platform}:{self.user}"

    def with_(self, **changes: Any) -> Incoming:
        return replace(self, **changes)


@dataclass(frozen=True)
class Heading:
    text: str
    kind: Literal["heading"] = "heading"


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: Literal["paragraph"] = "paragraph"


@dataclass(frozen=True)
class Item:
    text: str
    state: StepState | None = None
    id: str = ""
    detail: str = ""
    number: int | None = None  # its number in the whole list, when only some items are shown


@dataclass(frozen=True)
class Checklist:
    items: tuple[Item, ...]
    title: str = ""
    kind: Literal["checklist"] = "checklist"


@dataclass(frozen=True)
class Fields:
    """Label/value pairs, e.g. what was read from a notice."""

    pairs: tuple[tuple[str, str], ...]
    kind: Literal["fields"] = "fields"


@dataclass(frozen=True)
class Button:
    id: str
    label: str
    value: str = ""
    style: Literal["primary", "danger", ""] = ""


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]
    kind: Literal["actions"] = "actions"


@dataclass(frozen=True)
class Code:
    """Preformatted text: a letter draft, an export snippet."""

    text: str
    kind: Literal["code"] = "code"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    path: str = ""  # a file on disk
    data: bytes = b""  # or the bytes themselves
    title: str = ""
    kind: Literal["attachment"] = "attachment"


@dataclass(frozen=True)
class Notice:
    """A short line set apart: the "not legal advice" footer, a warning."""

    text: str
    level: Literal["info", "warning", "error"] = "info"
    kind: Literal["notice"] = "notice"


Part = Heading | Paragraph | Checklist | Fields | Actions | Code | Attachment | Notice


@dataclass(frozen=True)
class Reply:
    intent: str  # which handler answered: help, notice, checksite, blocklist, fallback, error...
    lang: Lang
    text: str  # the plain-text summary every platform can show
    parts: tuple[Part, ...] = ()
    private: bool = False  # only the asker should see it (Slack ephemeral)
    ok: bool = True  # False for refusals and errors, so scripts can tell
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable extras for --json

    def to_json(self) -> dict[str, Any]:
        parts = []
        for part in self.parts:
            item = asdict(part)
            if isinstance(part, Attachment):
                item.pop("data", None)
            parts.append(item)
        return {
            "intent": self.intent,
            "lang": self.lang,
            "text": self.text,
            "parts": parts,
            "private": self.private,
            "ok": self.ok,
            "data": self.data,
        }
