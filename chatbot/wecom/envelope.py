"""Typed callback bodies: the AI bot's JSON (decrypted), the XML of the self-built app, 微信客服
and the Official Account, and 微信客服 messages from `kf/sync_msg`.

Shapes (WeCom developer docs, paths 100719 receive, 101027 events, 94670 kf/sync_msg; WeChat
Official Account "接收普通消息"). XML is read with defusedxml and DTDs forbidden, so an entity
bomb or an external entity is refused, never expanded. Every string is capped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_TEXT_CHARS = 60_000  # the app's own cap on a message (chatbot.app.MAX_MESSAGE_CHARS)
MAX_FIELD_CHARS = 1024
MAX_MIXED_ITEMS = 20
_MENTION = re.compile(r"^\s*@\S+\s+")


class EnvelopeError(ValueError):
    """A decrypted body we cannot read (not JSON / XML, wrong shape)."""


def _s(value: Any, limit: int = MAX_FIELD_CHARS) -> str:
    return value[:limit] if isinstance(value, str) else str(value)[:limit] if isinstance(value, int) else ""


def strip_mention(text: str) -> str:
    """"@SellerGuard 查站 x" → "查站 x": a group message begins with the bot's @-name."""
    return _MENTION.sub("", text, count=1).strip()


@dataclass(frozen=True)
class BotMessage:
    """One AI bot callback. `kind`: "text" (text, mixed, voice as ASR text), "stream" (a refresh
    of `stream_id`), "card" (a template-card button: `event_key`, `task_id`), "enter" (enter_chat),
    "other" (media, feedback, unknown: `msgtype` says which)."""

    kind: str
    msgid: str
    aibotid: str
    chattype: str  # "single" | "group"
    chatid: str
    userid: str
    response_url: str
    msgtype: str
    text: str = ""
    stream_id: str = ""
    event_key: str = ""
    task_id: str = ""

    @property
    def delivery_key(self) -> str:
        """One action per bot and message id (the platform re-delivers)."""
        return f"wecom:aibot:{self.aibotid}:{self.msgid}"

    @property
    def conversation(self) -> str:
        """The group's chat id, or the user for a single chat."""
        return self.chatid or self.userid


def bot_message(raw: bytes | dict[str, Any]) -> BotMessage:
    """Read a decrypted AI bot body (JSON bytes, or the `body` of a long-connection frame).
    Raises EnvelopeError, also for a message without a `msgid` (WeCom always sends one; every
    action, and a message's stream, is keyed on it)."""
    found = _bot_message(raw)
    if found.kind != "stream" and not found.msgid:
        raise EnvelopeError("msgid")
    return found


def _bot_message(raw: bytes | dict[str, Any]) -> BotMessage:
    if isinstance(raw, dict):
        data = raw
    else:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise EnvelopeError("json") from None
    if not isinstance(data, dict):
        raise EnvelopeError("shape")
    sender = data.get("from") if isinstance(data.get("from"), dict) else {}
    msgtype = _s(data.get("msgtype"))
    common = dict(msgid=_s(data.get("msgid")), aibotid=_s(data.get("aibotid")),
                  chattype=_s(data.get("chattype")) or "single", chatid=_s(data.get("chatid")),
                  userid=_s(sender.get("userid")), response_url=_s(data.get("response_url"), 2048),
                  msgtype=msgtype)
    body = data.get(msgtype) if isinstance(data.get(msgtype), dict) else {}
    if msgtype == "text":
        return BotMessage("text", text=strip_mention(_s(body.get("content"), MAX_TEXT_CHARS)), **common)
    if msgtype == "voice":
        return BotMessage("text", text=strip_mention(_s(body.get("content"), MAX_TEXT_CHARS)), **common)
    if msgtype == "mixed":
        items = body.get("msg_item") if isinstance(body.get("msg_item"), list) else []
        texts = [_s((item.get("text") or {}).get("content"), MAX_TEXT_CHARS)
                 for item in items[:MAX_MIXED_ITEMS]
                 if isinstance(item, dict) and item.get("msgtype") == "text"
                 and isinstance(item.get("text"), dict)]
        text = strip_mention("\n".join(t for t in texts if t))
        return BotMessage("text" if text else "other", text=text[:MAX_TEXT_CHARS], **common)
    if msgtype == "stream":
        return BotMessage("stream", stream_id=_s(body.get("id")), **common)
    if msgtype == "event":
        event_type = _s(body.get("eventtype"))
        if event_type == "template_card_event":
            card = body.get("template_card_event")
            card = card if isinstance(card, dict) else {}
            return BotMessage("card", event_key=_s(card.get("event_key")), task_id=_s(card.get("task_id")),
                              **common)
        if event_type == "enter_chat":
            return BotMessage("enter", **common)
        return BotMessage("other", **{**common, "msgtype": f"event:{event_type}"})
    return BotMessage("other", **common)


def _xml(raw: bytes | str) -> Element:
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, SyntaxError, ValueError):
        raise EnvelopeError("xml") from None
    if root.tag != "xml":
        raise EnvelopeError("shape")
    return root


def _fields(root: Element) -> dict[str, str]:
    return {child.tag: (child.text or "")[:MAX_TEXT_CHARS if child.tag == "Content" else MAX_FIELD_CHARS]
            for child in list(root)[:64]}


def outer_encrypt(raw: bytes) -> str:
    """The `Encrypt` field of an encrypted XML callback body. Raises EnvelopeError."""
    encrypt = _fields(_xml(raw)).get("Encrypt", "")
    if not encrypt:
        raise EnvelopeError("shape")
    return encrypt.strip()


@dataclass(frozen=True)
class XmlMessage:
    """A decrypted XML callback: a message (`msg_type` text/image/…) or an event (`event`)."""

    to_user: str
    from_user: str
    create_time: str
    msg_type: str
    content: str = ""
    msg_id: str = ""
    event: str = ""
    agent_id: str = ""
    kf_token: str = ""  # kf_msg_or_event: the token for kf/sync_msg
    open_kfid: str = ""

    @property
    def delivery_key(self) -> str:
        """`MsgId`, else `FromUserName+CreateTime` (events have no MsgId; a 微信客服 event has no
        sender, so its token tells two events apart)."""
        unique = self.msg_id or f"{self.from_user}:{self.create_time}:{self.event}:{self.kf_token}"
        return f"{self.to_user}:{unique}"


def xml_message(raw: bytes) -> XmlMessage:
    """Read a decrypted XML callback. Raises EnvelopeError."""
    fields = _fields(_xml(raw))
    if not fields.get("MsgType"):
        raise EnvelopeError("shape")
    return XmlMessage(
        to_user=fields.get("ToUserName", ""), from_user=fields.get("FromUserName", ""),
        create_time=fields.get("CreateTime", ""), msg_type=fields.get("MsgType", ""),
        content=fields.get("Content", ""), msg_id=fields.get("MsgId", ""),
        event=fields.get("Event", ""), agent_id=fields.get("AgentID", ""),
        kf_token=fields.get("Token", ""), open_kfid=fields.get("OpenKfId", ""))


@dataclass(frozen=True)
class KfMessage:
    """One message from `kf/sync_msg`; only `origin` 3 (sent by the WeChat user) is answered."""

    msgid: str
    open_kfid: str
    external_userid: str
    origin: int
    msgtype: str
    text: str


def kf_messages(data: dict[str, Any], *, limit: int = 1000) -> list[KfMessage]:
    """The `msg_list` of a `kf/sync_msg` answer (at most `limit` items)."""
    items = data.get("msg_list") if isinstance(data.get("msg_list"), list) else []
    result = []
    for item in items[:limit]:
        if not isinstance(item, dict):
            continue
        text = item.get("text") if isinstance(item.get("text"), dict) else {}
        origin = item.get("origin")
        result.append(KfMessage(msgid=_s(item.get("msgid")), open_kfid=_s(item.get("open_kfid")),
                                external_userid=_s(item.get("external_userid")),
                                origin=origin if isinstance(origin, int) else 0,
                                msgtype=_s(item.get("msgtype")),
                                text=_s(text.get("content"), MAX_TEXT_CHARS)))
    return result
