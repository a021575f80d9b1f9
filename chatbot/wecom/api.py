"""The WeCom and WeChat HTTP APIs SellerGuard calls, with access tokens shared by processes.

Endpoints (WeCom developer docs: gettoken 91039, message/send 90236, kf/sync_msg 94670,
kf/send_msg 94677, aibot response_url 101138, group robot webhook/send 91770; WeChat Official
Account: cgi-bin/token, message/custom/send). Access tokens live 7200 s; they are cached in the
database (`chatbot.wecom.store`) and fetched again `REFRESH_MARGIN_SECONDS` before expiry or when
the API says a token is invalid (errcode 40014, 42001). Every call has a timeout; an answer
that is not a JSON object, or carries a non-zero errcode, raises `ApiError`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from chatbot.db import Database
from chatbot.wecom import store

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
REFRESH_MARGIN_SECONDS = 300
MAX_ANSWER_BYTES = 2_000_000
TOKEN_ERRORS = frozenset({40014, 42001, 40001})
WINDOW_CLOSED = 45015  # WeChat: the 48 h customer-service window is over
KF_WINDOW_CLOSED = 95026  # WeCom 微信客服: no message from the customer within 48 h
RATE_LIMITED = frozenset({45009, 45033, 130101})


class ApiError(RuntimeError):
    """A call the platform refused or that failed on the way; `errcode` is the platform's code
    (-1 for transport failures and unreadable answers)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def window_closed(self) -> bool:
        return self.errcode in (WINDOW_CLOSED, KF_WINDOW_CLOSED)


def _answer(response: httpx.Response) -> dict[str, Any]:
    if len(response.content) > MAX_ANSWER_BYTES:
        raise ApiError(-1, "answer too large")
    try:
        data = response.json()
    except ValueError:
        raise ApiError(-1, f"HTTP {response.status_code}, not JSON") from None
    if not isinstance(data, dict):
        raise ApiError(-1, "answer is not a JSON object")
    code = data.get("errcode", 0)
    if code not in (0, None):
        raise ApiError(int(code) if isinstance(code, int) else -1, str(data.get("errmsg", ""))[:200])
    return data


def post_json(http: httpx.Client, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST `body` to a full URL (a response_url, the robot's webhook); ApiError on failure."""
    try:
        return _answer(http.post(url, json=body, timeout=TIMEOUT_SECONDS))
    except httpx.HTTPError as exc:
        raise ApiError(-1, type(exc).__name__) from None


def same_origin(url: str, base: str) -> bool:
    """True when `url` is on the scheme and host of `base` (a response_url must be on the WeCom
    API host: it arrives inside a callback, and we never POST to an address a message chose)."""
    a, b = urlsplit(url), urlsplit(base)
    return a.scheme == b.scheme and a.netloc.lower() == b.netloc.lower() and bool(a.netloc)


class Api:
    """One app's API: `token_path` and `token_params` get its access token."""

    def __init__(self, base_url: str, name: str, token_path: str, token_params: dict[str, str],
                 db: Database, clock: Callable[[], datetime], http: httpx.Client | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.name = name
        self.token_path = token_path
        self.token_params = token_params
        self.db = db
        self.clock = clock
        self.http = http or httpx.Client(timeout=TIMEOUT_SECONDS, trust_env=False)

    def _token_key(self) -> str:
        return f"token:{self.name}"

    def token(self, *, fresh: bool = False) -> str:
        """The cached access token, fetched when absent, near expiry or `fresh`."""
        now = self.clock()
        if not fresh:
            cached = store.get(self.db, self._token_key(), now)
            if cached and cached.get("token"):
                return str(cached["token"])
        try:
            data = _answer(self.http.get(self.base + self.token_path, params=self.token_params))
        except httpx.HTTPError as exc:
            raise ApiError(-1, type(exc).__name__) from None
        token = str(data.get("access_token", ""))
        if not token:
            raise ApiError(-1, "no access_token in the answer")
        lifetime = int(data.get("expires_in", 7200) or 7200)
        store.put(self.db, self._token_key(), {"token": token}, now,
                  ttl=max(60, lifetime - REFRESH_MARGIN_SECONDS))
        return token

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` to `path` with the access token; a rejected token is renewed once."""
        for attempt in range(2):
            token = self.token(fresh=attempt > 0)
            try:
                response = self.http.post(self.base + path, params={"access_token": token}, json=body)
            except httpx.HTTPError as exc:
                raise ApiError(-1, type(exc).__name__) from None
            try:
                return _answer(response)
            except ApiError as exc:
                if exc.errcode not in TOKEN_ERRORS or attempt:
                    raise
                log.info("%s token rejected (%s); fetching a new one", self.name, exc.errcode)
        raise AssertionError("unreachable")


def wecom_api(base_url: str, corp_id: str, secret: str, db: Database,
              clock: Callable[[], datetime], http: httpx.Client | None = None) -> Api:
    """The WeCom self-built app's API (also 微信客服, which is called with the app's secret)."""
    return Api(base_url, f"wecom:{corp_id}", "/cgi-bin/gettoken",
               {"corpid": corp_id, "corpsecret": secret}, db, clock, http)


def wechat_api(base_url: str, app_id: str, secret: str, db: Database,
               clock: Callable[[], datetime], http: httpx.Client | None = None) -> Api:
    """The Official Account's API."""
    return Api(base_url, f"wechat:{app_id}", "/cgi-bin/token",
               {"grant_type": "client_credential", "appid": app_id, "secret": secret}, db, clock, http)


def kf_sync(api: Api, token: str, open_kfid: str, cursor: str, limit: int = 1000) -> dict[str, Any]:
    """One page of 微信客服 messages after `cursor` (`token`: from the kf callback)."""
    body: dict[str, Any] = {"token": token, "limit": limit, "open_kfid": open_kfid}
    if cursor:
        body["cursor"] = cursor
    return api.call("/cgi-bin/kf/sync_msg", body)


def kf_send_text(api: Api, open_kfid: str, external_userid: str, text: str) -> None:
    api.call("/cgi-bin/kf/send_msg", {"touser": external_userid, "open_kfid": open_kfid,
                                       "msgtype": "text", "text": {"content": text}})


def app_send_text(api: Api, agent_id: str, userid: str, text: str) -> None:
    api.call("/cgi-bin/message/send", {"touser": userid, "agentid": int(agent_id or 0),
                                        "msgtype": "text", "text": {"content": text}})


def oa_send_text(api: Api, openid: str, text: str) -> None:
    api.call("/cgi-bin/message/custom/send", {"touser": openid, "msgtype": "text",
                                               "text": {"content": text}})
