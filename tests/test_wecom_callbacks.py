# ruff: noqa: E402
"""The XML entry points end to end: the self-built app and 微信客服 at /wecom/callback, the
Official Account at /wechat/callback; encrypted callbacks to the real routes, jobs from the real
queue, answers recorded by the API stand-in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

pytest.register_assert_rewrite("tests.wecom_fake")

from starlette.testclient import TestClient

from chatbot.app import SellerGuard
from chatbot.jobs import JobQueue
from chatbot.web import create_app
from chatbot.wecom import work
from chatbot.wecom.crypto import MsgCrypt
from chatbot.wecom.routes import routes
from chatbot.wecom.work import registered_runners
from tests.fixtures.sites.server import Web, serve
from tests.wecom_fake import (
    APP_ID,
    CORP_ID,
    WECHAT,
    WECOM,
    FakeWeCom,
    open_xml_reply,
    signed_query,
    text_xml,
    with_local_web,
    xml_callback,
)

pytest_plugins = ["tests.wecom_fake"]
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TS = int(NOW.timestamp())


@dataclass
class Rig:
    bot: SellerGuard
    client: TestClient
    fake: FakeWeCom
    web: Web

    def post(self, path: str, crypt: MsgCrypt, plain: str, **extra: str) -> Any:
        query, body = xml_callback(crypt, plain, TS, extra=extra or None)
        return self.client.post(f"{path}?{query}", content=body)

    def run_jobs(self) -> int:
        queue = JobQueue(self.bot.db, clock=lambda: NOW)
        runners = registered_runners(self.bot, work.WEBHOOK_KINDS)
        count = 0
        while queue.run_next(runners, only=work.WEBHOOK_KINDS):
            count += 1
        return count


@pytest.fixture
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


@pytest.fixture
def rig(app: SellerGuard, web: Web, fake_wecom: FakeWeCom, with_settings: Callable[..., SellerGuard]) -> Rig:
    bot = with_local_web(
        app, web, with_settings, wecom_corp_id=CORP_ID, wecom_token=WECOM.token,
        wecom_aes_key=WECOM.encoding_aes_key,
        wecom_secret="app-secret", wecom_agent_id="1000002", wecom_api_url=fake_wecom.base,
        wechat_app_id=APP_ID, wechat_app_secret="oa-secret", wechat_token=WECHAT.token,
        wechat_aes_key=WECHAT.encoding_aes_key, wechat_api_url=fake_wecom.base)
    bot.ctx.clock = lambda: NOW
    client = TestClient(create_app(bot.ctx, None, extra=routes(bot, clock=lambda: NOW)))
    return Rig(bot, client, fake_wecom, web)


def kf_event(token: str = "ENC-TOKEN-1") -> str:
    return (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><CreateTime>{TS}</CreateTime>"
            "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
            f"<Token><![CDATA[{token}]]></Token><OpenKfId><![CDATA[wk-kf-1]]></OpenKfId></xml>")


def kf_page(*texts: str, cursor: str = "c1") -> dict[str, Any]:
    items = [{"msgid": f"kfm-{n}-{cursor}", "open_kfid": "wk-kf-1", "external_userid": "wm-buyer-1",
              "send_time": TS, "origin": 3, "msgtype": "text", "text": {"content": text}}
             for n, text in enumerate(texts)]
    items.append({"msgid": f"svc-{cursor}", "open_kfid": "wk-kf-1", "external_userid": "wm-buyer-1",
                  "origin": 5, "msgtype": "text", "text": {"content": "a servicer wrote this"}})
    return {"next_cursor": cursor, "has_more": 0, "msg_list": items}


# -- the self-built app ---------------------------------------------------------------------------
def test_url_verification_for_the_app(rig: Rig) -> None:
    echo = WECOM.encrypt(b"5927431")
    query = signed_query(WECOM, echo, TS, extra={"echostr": echo})
    response = rig.client.get(f"/wecom/callback?{query}")
    assert response.status_code == 200 and response.text == "5927431"


def test_checksite_in_the_app_answers_checking_then_sends_the_result(rig: Rig) -> None:
    url = rig.web.shop("glowpeak-shop.com", "/products/aurora-lamp")
    plain = text_xml(CORP_ID, "zhang.wei", f"查站 {url}", "7001", TS)
    response = rig.post("/wecom/callback", WECOM, plain)
    assert response.status_code == 200
    passive = open_xml_reply(WECOM, response.content)
    assert "正在查询" in passive and "<ToUserName><![CDATA[zhang.wei]]>" in passive
    assert rig.post("/wecom/callback", WECOM, plain).content == b""  # a retry: nothing more
    assert rig.run_jobs() == 1
    sent = rig.fake.sent("/cgi-bin/message/send")
    assert sent and sent[0].body["touser"] == "zhang.wei" and sent[0].body["agentid"] == 1000002
    assert "Shopify" in "\n".join(rig.fake.texts("/cgi-bin/message/send"))
    assert all(len(t.encode()) <= 2048 for t in rig.fake.texts("/cgi-bin/message/send"))
    assert rig.fake.tokens_issued == 1


def test_an_image_gets_a_text_only_passive_reply(rig: Rig) -> None:
    plain = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[zhang.wei]]>"
             f"</FromUserName><CreateTime>{TS}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
             "<PicUrl><![CDATA[http://example.invalid/p.jpg]]></PicUrl><MsgId>7002</MsgId></xml>")
    passive = open_xml_reply(WECOM, rig.post("/wecom/callback", WECOM, plain).content)
    assert "text" in passive
    assert rig.run_jobs() == 0


# -- 微信客服 -------------------------------------------------------------------------------------
def test_a_kf_conversation_checksite_report_and_notice(rig: Rig) -> None:
    url = rig.web.shop("glowpeak-shop.com", "/products/aurora-lamp")
    rig.fake.kf_pages.append(kf_page(f"查站 {url}", "举报 copycat-lamps.shop 冒充我的品牌发假投诉",
                                     "收到侵权投诉了", cursor="c1"))
    response = rig.post("/wecom/callback", WECOM, kf_event())
    assert response.status_code == 200 and response.content == b""
    assert rig.post("/wecom/callback", WECOM, kf_event()).content == b""  # a retry of the event
    rig.run_jobs()
    texts = rig.fake.texts("/cgi-bin/kf/send_msg")
    assert texts[0].startswith("正在查询")
    assert any("Shopify" in t for t in texts)
    assert any("copycat-lamps.shop" in t for t in texts)  # the report's receipt
    assert any("1. " in t for t in texts)  # the notice checklist, numbered steps
    assert all(c.body["touser"] == "wm-buyer-1" and c.body["open_kfid"] == "wk-kf-1"
               for c in rig.fake.sent("/cgi-bin/kf/send_msg"))
    assert not any("servicer" in t for t in texts)
    # the next event reads on from the stored cursor, and old messages are not answered again
    rig.fake.kf_pages.append(kf_page(cursor="c2"))
    rig.post("/wecom/callback", WECOM, kf_event("ENC-TOKEN-2"))
    rig.run_jobs()
    assert rig.fake.sent("/cgi-bin/kf/sync_msg")[-1].body["cursor"] == "c1"
    assert len(rig.fake.texts("/cgi-bin/kf/send_msg")) == len(texts)


def test_kf_window_closed_is_logged_not_raised(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.fake.kf_pages.append(kf_page("help", cursor="w1"))
    rig.fake.errors["/cgi-bin/kf/send_msg"] = [95026]
    rig.post("/wecom/callback", WECOM, kf_event())
    rig.run_jobs()
    assert "48 h" in caplog.text


# -- the Official Account --------------------------------------------------------------------------
def test_official_account_url_check_uses_the_plain_signature(rig: Rig) -> None:
    from chatbot.wecom.crypto import signature

    sig = signature(WECHAT.token, str(TS), "n-oa", "")
    response = rig.client.get(f"/wechat/callback?signature={sig}&timestamp={TS}&nonce=n-oa&echostr=abc123")
    assert response.status_code == 200 and response.text == "abc123"
    bad = rig.client.get(f"/wechat/callback?signature={'0' * 40}&timestamp={TS}&nonce=n-2&echostr=abc")
    assert bad.status_code == 403


def test_an_official_account_conversation(rig: Rig) -> None:
    url = rig.web.shop("glowpeak-shop.com", "/products/aurora-lamp")
    said = (f"查站 {url}", "举报 copycat-lamps.shop 冒充我的品牌发假投诉", "收到侵權投訴了")
    for n, text in enumerate(said):
        plain = text_xml(APP_ID, "o-follower-1", text, f"88{n}", TS + n)
        response = rig.post("/wechat/callback", WECHAT, plain, encrypt_type="aes")
        assert response.status_code == 200
        if n == 0:
            assert "正在查询" in open_xml_reply(WECHAT, response.content)
    assert rig.run_jobs() == 3
    texts = rig.fake.texts("/cgi-bin/message/custom/send")
    assert any("Shopify" in t for t in texts)
    assert any("copycat-lamps.shop" in t for t in texts)
    assert any("1. " in t for t in texts)
    assert any("投訴" in t or "侵權" in t for t in texts)  # Traditional input, Traditional answer


def test_official_account_window_closed(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.fake.errors["/cgi-bin/message/custom/send"] = [45015]
    rig.post("/wechat/callback", WECHAT, text_xml(APP_ID, "o-f2", "help", "901", TS), encrypt_type="aes")
    assert rig.run_jobs() == 1
    assert "45015" in caplog.text
    assert len(rig.fake.sent("/cgi-bin/message/custom/send")) == 1  # no second try


def test_official_account_refuses_plain_mode(rig: Rig) -> None:
    response = rig.post("/wechat/callback", WECHAT, text_xml(APP_ID, "o-f3", "help", "902", TS))
    assert response.status_code == 403


# -- hostile input -----------------------------------------------------------------------------------
def test_an_xml_bomb_is_refused_without_expanding(rig: Rig) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
            ']><xml><Encrypt>&b;</Encrypt></xml>')
    query = signed_query(WECOM, "x", TS)
    assert rig.client.post(f"/wecom/callback?{query}", content=bomb.encode()).status_code == 400
    inner = ('<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><MsgType>text</MsgType><Content>&a;</Content></xml>')
    assert rig.post("/wecom/callback", WECOM, inner).status_code == 400


def test_a_wrong_receive_id_is_refused(rig: Rig) -> None:
    other = MsgCrypt(WECOM.token, WECOM.encoding_aes_key, "ww-another-corp")
    assert rig.post("/wecom/callback", other, text_xml(CORP_ID, "u", "help", "1", TS)).status_code == 403


def test_an_oversized_callback_is_refused_before_reading(rig: Rig) -> None:
    query = signed_query(WECOM, "x", TS)
    assert rig.client.post(f"/wecom/callback?{query}", content=b"<xml>" + b"a" * 70_000).status_code == 413
