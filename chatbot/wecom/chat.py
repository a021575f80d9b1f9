"""From a WeCom / WeChat text to the neutral `Incoming`, and the first answer for slow work.

Identities (the person behind them is joined by chatbot/identity.py): WeCom members, in the AI
bot and the self-built app, are `wecom:<userid>` (the corp's userid is the same in both); WeChat
users reached through 微信客服 are `wechat-kf:<external_userid>`; Official Account followers are
`wechat:<openid>` (an openid is per account).
"""

from __future__ import annotations

from chatbot import router
from chatbot.app import SellerGuard
from chatbot.conversation import Incoming, Lang, Reply
from chatbot.i18n import t

WECOM = "wecom"
KF = "wechat-kf"
OFFICIAL_ACCOUNT = "wechat"
SLOW_COMMANDS = frozenset({"checksite"})  # they fetch: a first "checking…" answer, then the result


def incoming(platform: str, user: str, text: str, *, workspace: str = "", channel: str = "",
             message_id: str = "") -> Incoming:
    """A message addressed to the bot (a mention in a group, or a one-to-one message)."""
    return Incoming(platform=platform, user=user, text=text, workspace=workspace,
                    channel=channel or user, direct=True, message_id=message_id)


def is_slow(msg: Incoming) -> bool:
    command = router.parse_command(msg)
    return command is not None and command.name in SLOW_COMMANDS


def first_answer(guard: SellerGuard, msg: Incoming) -> tuple[Lang, str]:
    """The language to answer in and the "checking…" text shown while slow work runs."""
    lang = guard.resolve_lang(msg)
    command = router.parse_command(msg)
    words = command.args.split() if command is not None else []
    if words:
        return lang, t("wecom.checking", lang, target=words[0][:200])
    return lang, t("wecom.checking_any", lang)


def text_only(guard: SellerGuard, msg: Incoming) -> Reply:
    """The answer to an image, voice, file or other message we cannot read."""
    lang = guard.resolve_lang(msg)
    return Reply("error", lang, t("wecom.text_only", lang), ok=False)
