"""Linking accounts across platforms: a one-time code joins them into one person."""

from __future__ import annotations

import json
from datetime import timedelta

from chatbot.identity import linked_accounts


def test_link_code_joins_accounts_and_cases_follow(chat, app):
    opened = chat("/notice", user="U1", platform="slack")
    case_id = opened[0].data["case"]["id"]
    code_reply = chat.one("/link", user="U1", platform="slack")
    assert code_reply.private and code_reply.ok
    code = code_reply.data["code"]
    assert code in code_reply.text

    linked = chat.one(f"/link {code.lower()}", user="chen", platform="console")
    assert linked.ok and linked.data["status"] == "linked" and "slack:U1" in linked.text
    assert linked_accounts(app.ctx, "console", "chen") == ["slack:U1"]

    cases = chat.one("/case list", user="chen", platform="console")
    assert case_id in [c["id"] for c in cases.data["cases"]]


def test_codes_are_single_use_and_expire(chat, app):
    code = chat.one("/link", user="a").data["code"]
    assert chat.one(f"/link {code}", user="a").data["status"] == "same_account"
    assert chat.one(f"/link {code}", user="b").data["status"] == "linked"
    reused = chat.one(f"/link {code}", user="c")
    assert not reused.ok and reused.data["status"] == "unknown_code"

    stale = chat.one("/link", user="a").data["code"]
    app.ctx.clock = lambda real=app.ctx.clock: real() + timedelta(minutes=11)
    expired = chat.one(f"/link {stale}", user="d")
    assert not expired.ok and expired.data["status"] == "expired"


def test_linking_merges_groups(chat, app):
    chat.one(f"/link {chat.one('/link', user='a').data['code']}", user="b")
    chat.one(f"/link {chat.one('/link', user='c').data['code']}", user="d")
    chat.one(f"/link {chat.one('/link', user='a').data['code']}", user="c")
    assert linked_accounts(app.ctx, "console", "d") == ["console:a", "console:b", "console:c"]


def test_link_replies_in_chinese(chat):
    reply = chat.one("绑定 ZZZZZZZZ", user="wang")
    assert not reply.ok and "绑定码" in reply.text


def test_console_user_may_name_a_platform(run_cli):
    result = run_cli("chat", "--json", "--user", "slack:U9", input="/link\n")
    reply = json.loads(result.stdout.splitlines()[0])
    assert reply["data"]["code"]


def test_first_messages_from_one_new_member_at_once(app, database_url):
    """Several processes or threads see a new member at the same moment: one row, no error."""
    from concurrent.futures import ThreadPoolExecutor

    from chatbot.conversation import Incoming
    from chatbot.db import Database
    from chatbot.db.models import Member

    def first_message(_: int) -> str:
        from chatbot.app import SellerGuard

        bot = SellerGuard(app.settings, db=Database(database_url))
        try:
            [reply] = bot.handle(Incoming(platform="slack", user="UNEW", text="/help"))
            return reply.intent
        finally:
            bot.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        intents = list(pool.map(first_message, range(6)))
    assert intents == ["help"] * 6
    with app.db.read() as session:
        assert session.query(Member).filter_by(platform="slack", external_id="UNEW").count() == 1
