# ruff: noqa: E402
"""The WeCom AI bot in webhook mode, end to end: encrypted callbacks to the real route, jobs run
from the real queue, the result read back through stream refreshes or a stand-in response_url."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

pytest.register_assert_rewrite("tests.wecom_fake")  # it is also loaded as a plugin below

from chatbot.app import SellerGuard
from chatbot.jobs import JobQueue
from chatbot.web import create_app
from chatbot.wecom import store, work
from chatbot.wecom.aibot import AiBot, stream_id
from chatbot.wecom.crypto import MsgCrypt
from chatbot.wecom.envelope import bot_message
from chatbot.wecom.routes import After, routes
from chatbot.wecom.verify import Gate, Signed
from chatbot.wecom.work import registered_runners
from tests.fixtures.sites.server import Web, serve
from tests.wecom_fake import AES_KEY, AIBOT, FakeWeCom, aibot_callback, open_aibot_reply, with_local_web

pytest_plugins = ["tests.wecom_fake"]

BOT_ID = "aib-test"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Rig:
    bot: SellerGuard
    client: TestClient
    clock: Clock
    fake: FakeWeCom
    web: Web
    after: After

    def post(self, body: dict[str, Any], **kwargs: Any) -> Any:
        query, raw = aibot_callback(body, int(self.clock().timestamp()), **kwargs)
        return self.send(f"/wecom/aibot?{query}", raw)

    def send(self, path: str, raw: bytes) -> Any:
        """POST as WeCom does; then wait for what the answer handed over (storing the job)."""
        response = self.client.post(path, content=raw)
        self.after.flush()
        return response

    def say(self, text: str, *, user: str = "zhang.wei", msgid: str = "m1",
            chat: str = "grp1") -> dict[str, Any]:
        response = self.post(message(text, user=user, msgid=msgid, chat=chat))
        assert response.status_code == 200, response.text
        return open_aibot_reply(response.json())

    def refresh(self, stream_id: str, msgid: str = "refresh") -> dict[str, Any]:
        response = self.post({"msgid": msgid, "aibotid": BOT_ID, "chattype": "group", "chatid": "grp1",
                              "from": {"userid": "zhang.wei"}, "msgtype": "stream",
                              "stream": {"id": stream_id}})
        assert response.status_code == 200
        return open_aibot_reply(response.json())

    def run_jobs(self) -> int:
        queue = JobQueue(self.bot.db, clock=self.clock)
        runners = registered_runners(self.bot, work.WEBHOOK_KINDS)
        count = 0
        while queue.run_next(runners, only=work.WEBHOOK_KINDS):
            count += 1
        return count


def message(text: str, *, user: str = "zhang.wei", msgid: str = "m1", chat: str = "grp1",
            msgtype: str = "text") -> dict[str, Any]:
    body: dict[str, Any] = {"msgid": msgid, "aibotid": BOT_ID, "chattype": "group" if chat else "single",
                            "from": {"userid": user}, "response_url": "", "msgtype": msgtype}
    if chat:
        body["chatid"] = chat
    if msgtype == "text":
        body["text"] = {"content": f"@SellerGuard {text}" if chat else text}
    return body


@pytest.fixture
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


@pytest.fixture
def rig(app: SellerGuard, web: Web, fake_wecom: FakeWeCom, with_settings: Callable[..., SellerGuard]) -> Rig:
    bot = with_local_web(app, web, with_settings, wecom_aibot_token=AIBOT.token, wecom_aibot_aes_key=AES_KEY,
                         wecom_api_url=fake_wecom.base, moderators=app.settings.moderators | {"wecom:mod.li"})
    clock = Clock()
    bot.ctx.clock = clock
    after = After()
    client = TestClient(create_app(bot.ctx, None, extra=routes(bot, clock=clock, after=after)))
    return Rig(bot, client, clock, fake_wecom, web, after)


def test_url_verification_echoes_the_decrypted_string(rig: Rig) -> None:
    echo = AIBOT.encrypt(b"7342891560012", prefix=b"0123456789abcdef")
    from tests.wecom_fake import signed_query

    query = signed_query(AIBOT, echo, int(rig.clock().timestamp()), extra={"echostr": echo})
    response = rig.client.get(f"/wecom/aibot?{query}")
    assert response.status_code == 200 and response.text == "7342891560012"


def test_checksite_in_a_group_streams_checking_then_the_result(rig: Rig) -> None:
    url = rig.web.shop("glowpeak-shop.com", "/products/aurora-lamp")
    first = rig.say(f"查站 {url}")
    stream = first["stream"]
    assert first["msgtype"] == "stream" and stream["finish"] is False
    assert stream["content"].startswith("正在查询")
    again = rig.say(f"查站 {url}")  # WeCom re-delivers the same msgid: same stream, no second job
    assert again["stream"]["id"] == stream["id"]
    assert rig.refresh(stream["id"])["stream"]["finish"] is False
    assert rig.run_jobs() == 1
    done = rig.refresh(stream["id"], msgid="refresh2")["stream"]
    assert done["finish"] is True and done["id"] == stream["id"]
    assert "Shopify" in done["content"] and "2023\\-04\\-12" in done["content"]
    assert "Slack" in done["content"]  # the evidence report is available elsewhere
    assert rig.fake.sent("/cgi-bin/aibot/response") == []


def test_a_notice_conversation_in_a_group(rig: Rig) -> None:
    first = rig.say("收到侵权投诉了，怎么办？", msgid="n1")
    assert first["stream"]["content"] == "…"
    rig.run_jobs()
    done = rig.refresh(first["stream"]["id"])["stream"]
    assert done["finish"] is True
    assert "1. " in done["content"]  # the checklist, numbered


def test_past_five_minutes_the_result_goes_through_response_url_once(rig: Rig) -> None:
    body = message(f"查站 {rig.web.shop('glowpeak-shop.com', '/products/aurora-lamp')}", msgid="slow")
    body["response_url"] = rig.fake.response_url()
    response = rig.post(body)
    stream = open_aibot_reply(response.json())["stream"]
    rig.clock.advance(301)
    closed = rig.refresh(stream["id"])["stream"]
    assert closed["finish"] is True and closed["content"].startswith("正在查询")
    rig.run_jobs()
    calls = rig.fake.sent("/cgi-bin/aibot/response")
    assert len(calls) == 1 and "Shopify" in calls[0].body["markdown"]["content"]
    assert rig.refresh(stream["id"], msgid="r3")["stream"]["finish"] is True
    assert len(rig.fake.sent("/cgi-bin/aibot/response")) == 1


def test_a_restart_mid_lookup_answers_exactly_once(rig: Rig) -> None:
    first = rig.say("blocklist check example-copycat.com", msgid="restart")
    dead = JobQueue(rig.bot.db, clock=rig.clock)
    assert dead.claim(work.WEBHOOK_KINDS) is not None  # a worker took it, then its process died
    assert rig.run_jobs() == 0  # its lease still holds
    rig.clock.advance(601)
    first_frame = rig.refresh(first["stream"]["id"])  # the stream is closed past 5 minutes
    assert first_frame["stream"]["finish"] is True
    assert rig.run_jobs() == 1
    assert rig.run_jobs() == 0


def test_a_duplicate_delivery_makes_one_job(rig: Rig) -> None:
    for _ in range(3):
        rig.say("help", msgid="dup")
    assert rig.run_jobs() == 1


def test_an_image_gets_a_short_text_only_answer(rig: Rig) -> None:
    body = message("", msgid="img", msgtype="image")
    body["image"] = {"url": "https://example.invalid/x"}
    reply = open_aibot_reply(rig.post(body).json())
    assert reply["stream"]["finish"] is True and "text" in reply["stream"]["content"]
    assert rig.post({**body}).status_code == 200  # again: nothing more
    assert rig.run_jobs() == 0


def test_moderator_approves_by_card_in_a_single_chat(rig: Rig) -> None:
    rig.say("/report https://copycat-lamps.shop fake complaint against my listing", user="seller.wu",
            msgid="rep", chat="")
    rig.run_jobs()
    body = message("/blocklist queue", user="mod.li", msgid="q", chat="")
    body["response_url"] = rig.fake.response_url("rc-q")
    rig.post(body)
    rig.run_jobs()
    cards = rig.fake.sent("/cgi-bin/aibot/response")
    assert len(cards) == 1 and cards[0].body["msgtype"] == "template_card"
    card = cards[0].body["template_card"]
    key = card["button_list"][0]["key"]
    assert key.startswith("bl.approve|")
    press = {"msgid": "press1", "aibotid": BOT_ID, "chattype": "single", "from": {"userid": "mod.li"},
             "msgtype": "event", "response_url": "",
             "event": {"eventtype": "template_card_event",
                       "template_card_event": {"card_type": "button_interaction", "event_key": key,
                                               "task_id": card["task_id"]}}}
    updated = open_aibot_reply(rig.post(press).json())
    assert updated["response_type"] == "update_template_card"
    assert updated["template_card"]["task_id"] == card["task_id"]
    entry = rig.bot.handle(rig_incoming("/blocklist check copycat-lamps.shop"))[0]
    assert "listed" in entry.text.lower() or "已列入" in entry.text
    assert rig.post({**press}).status_code == 200  # a re-delivered press does nothing more


def test_a_member_cannot_approve_by_card(rig: Rig) -> None:
    press = {"msgid": "press2", "aibotid": BOT_ID, "chattype": "single", "from": {"userid": "seller.wu"},
             "msgtype": "event",
             "event": {"eventtype": "template_card_event",
                       "template_card_event": {"event_key": "bl.approve|1", "task_id": "t1"}}}
    updated = open_aibot_reply(rig.post(press).json())
    assert "moderator" in json.dumps(updated, ensure_ascii=False).lower()


def rig_incoming(text: str) -> Any:
    from chatbot.conversation import Incoming

    return Incoming(platform="console", user="alice", text=text, lang="en", lang_forced=True)


@pytest.mark.parametrize("change", ["signature", "stale", "nonce"])
def test_tampered_stale_or_replayed_callbacks_are_refused(rig: Rig, change: str) -> None:
    body = message("help", msgid=f"bad-{change}")
    query, raw = aibot_callback(body, int(rig.clock().timestamp()), nonce="fixed-nonce")
    if change == "signature":
        query = query.replace("msg_signature=", "msg_signature=0")
    if change == "stale":
        rig.clock.advance(400)
    if change == "nonce":
        assert rig.send(f"/wecom/aibot?{query}", raw).status_code == 200
    assert rig.send(f"/wecom/aibot?{query}", raw).status_code == 403
    assert rig.run_jobs() == (1 if change == "nonce" else 0)


def test_a_replay_racing_the_first_delivery_is_answered_but_never_acted_on(rig: Rig) -> None:
    """Messages are answered before their nonce is written, so two copies of one callback can
    both pass the checks; the commit after the answer lets only the first store anything."""
    body = message("help", msgid="race")
    query, raw = aibot_callback(body, int(rig.clock().timestamp()), nonce="racing-nonce")
    signed = Signed.from_query(dict(parse_qsl(query)))
    gate = Gate(MsgCrypt(AIBOT.token, AES_KEY, ""), rig.bot.db, rig.clock, scope="aibot")
    encrypt = json.loads(raw)["encrypt"]
    first, second = (bot_message(gate.verify(signed, encrypt)) for _ in range(2))
    assert gate.unseen(signed) == gate.unseen(signed) == {}  # both pass: nothing is written yet
    bot = AiBot(rig.bot, clock=rig.clock)
    assert bot.first_frame(first, None) == bot.first_frame(second, None)
    bot.store_message(second, lambda conn: False)  # its nonce was taken meanwhile: nothing stored
    assert store.get(rig.bot.db, f"stream:{stream_id(first)}", rig.clock()) is None
    assert rig.run_jobs() == 0
    taken: list[bool] = []
    for copy in (first, second):
        bot.store_message(copy, lambda conn: taken.append(gate.record_on(conn, signed)) or taken[-1])
    assert taken == [True, False]
    assert rig.run_jobs() == 1
    # once stored, the same callback is refused outright, and a re-delivery gets its stream back
    assert rig.send(f"/wecom/aibot?{query}", raw).status_code == 403
    again = rig.say("help", msgid="race")
    assert again["stream"]["id"] == stream_id(first) and again["stream"]["finish"] is True


def test_a_message_the_database_refuses_is_answered_and_the_user_told(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(AiBot, "accept", refuse)
    body = message("查站 copycat-lamps.shop", msgid="lost")
    body["response_url"] = rig.fake.response_url("rc-lost")
    reply = open_aibot_reply(rig.post(body).json())
    assert reply["stream"]["content"].startswith("正在查询")  # answered before the write
    calls = rig.fake.sent("/cgi-bin/aibot/response")
    assert len(calls) == 1 and "再发一次" in calls[0].body["markdown"]["content"]
    assert calls[0].query["response_code"] == "rc-lost"
    # The stream's refreshes are told too, and the stream ends (it would spin for 6 minutes).
    refreshed = rig.refresh(reply["stream"]["id"])
    assert refreshed["stream"]["finish"] is True and "再发一次" in refreshed["stream"]["content"]
    monkeypatch.undo()
    assert rig.run_jobs() == 0  # nothing half-stored: the user sends it again


def test_a_message_without_a_msgid_is_refused(rig: Rig) -> None:
    # Every action and a message's stream are keyed on msgid: two messages without one would
    # share a stream, and one user could see another's answer.
    for text in ("/case list", "help"):
        body = message(text)
        del body["msgid"]
        assert rig.post(body).status_code == 400
    assert rig.run_jobs() == 0


def test_oversized_and_malformed_bodies_are_refused(rig: Rig) -> None:
    query, _ = aibot_callback(message("help"), int(rig.clock().timestamp()))
    assert rig.client.post(f"/wecom/aibot?{query}", content=b"x" * 600_000).status_code == 413
    assert rig.client.post(f"/wecom/aibot?{query}", content=b"{not json").status_code == 400
    assert rig.client.post(f"/wecom/aibot?{query}", content=b"[]").status_code == 400
    assert rig.client.post("/wecom/aibot", content=b"{}").status_code == 403
    encrypt = AIBOT.encrypt(b"not json at all")
    from tests.wecom_fake import signed_query

    bad = signed_query(AIBOT, encrypt, int(rig.clock().timestamp()))
    assert rig.client.post(f"/wecom/aibot?{bad}", content=json.dumps({"encrypt": encrypt})).status_code == 400


def test_moderators_act_by_text_in_a_group_and_members_cannot(rig: Rig) -> None:
    rig.say("举报 copycat-lamps.shop 冒充我的品牌发假投诉", user="seller.wu", msgid="t-rep")
    rig.run_jobs()
    entry = rig.bot.handle(rig_incoming("/blocklist check copycat-lamps.shop"))[0].data
    entry_id = (entry.get("entry") or entry).get("id")
    refused = rig.say(f"/blocklist approve {entry_id}", user="seller.wu", msgid="t-no")
    rig.run_jobs()
    text = rig.refresh(refused["stream"]["id"])["stream"]["content"]
    assert "moderator" in text.lower() or "管理员" in text
    approved = rig.say(f"黑名单 approve {entry_id}", user="mod.li", msgid="t-yes")
    rig.run_jobs()
    text = rig.refresh(approved["stream"]["id"], msgid="r-yes")["stream"]["content"]
    assert "copycat" in text and rig.bot.settings.is_moderator("wecom", "mod.li")


def test_entering_the_single_chat_gets_the_command_list_once(rig: Rig) -> None:
    enter = {"msgid": "enter-1", "aibotid": BOT_ID, "chattype": "single", "from": {"userid": "li.na"},
             "msgtype": "event", "event": {"eventtype": "enter_chat"}}
    welcome = open_aibot_reply(rig.post(enter).json())
    assert welcome["msgtype"] == "text" and "/checksite" in welcome["text"]["content"]
    assert rig.post({**enter}).content == b""
