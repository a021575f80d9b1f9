"""Offline is not "taken down": whose network failed decides the message and the exit code; our
own configured services are trusted on their own port."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from chatbot.config import Settings, load_settings
from chatbot.context import Context
from chatbot.db import Database
from chatbot.evidence.copying_present import problem_line
from chatbot.evidence.engine import EvidenceEngine, LookupRefused, LookupRequest
from chatbot.evidence.network import diagnose
from chatbot.evidence.present import comparison_text
from tests.fixtures.sites.server import (
    UNREACHABLE_SERVICES,
    Web,
    chat_on,
    cli_env,
    resolver,
    serve,
    settings_for,
)

UNREACHABLE = UNREACHABLE_SERVICES


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


def test_offline_is_our_network_exit_3(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("checksite", "http://copycat.invalid/products/lamp", "--asin", "B0SELLER01", "--json",
                   env=cli_env(web, **UNREACHABLE))
    assert proc.returncode == 3, proc.stderr
    assert "network connection or proxy" in proc.stderr
    assert "taken down" not in proc.stderr and "--asin" not in proc.stderr
    result = json.loads(proc.stdout)
    assert result["network"]["state"] == "offline"
    assert set(result["network"]["services_down"]) == {"wayback", "rdap", "amazon"}
    assert "(Wayback Machine, domain registry (RDAP), Amazon)" in proc.stderr


def test_offline_in_chat_in_chinese(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("checksite", "http://copycat.invalid/products/lamp", "--lang", "zh",
                   env=cli_env(web, **UNREACHABLE))
    assert proc.returncode == 3
    assert "网络连接或代理" in proc.stderr
    # No --asin: Amazon was not asked, so it is not named.
    assert "（Wayback Machine 网页存档、域名注册信息(RDAP)）" in proc.stderr


def test_site_gone_while_services_answer_exit_1(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("checksite", "http://no-such-shop.invalid/products/x", env=cli_env(web))
    assert proc.returncode == 1, proc.stderr
    assert "does not resolve" in proc.stdout and "taken down" in proc.stdout
    assert "network connection" not in proc.stdout + proc.stderr


def test_a_service_down_is_named(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(web, SELLERGUARD_RDAP_URL="http://rdap.invalid")
    proc = run_cli("checksite", f"{web.base}/products/aurora-lamp", env=env)
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if "registry" in x.lower() or "RDAP" in x)
    assert "could not be reached" in line and "taken down" not in line


def test_found_is_exit_0_and_bad_input_exit_2(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("checksite", f"{web.base}/products/aurora-lamp", env=cli_env(web)).returncode == 0
    assert run_cli("checksite", "not a url", env=cli_env(web)).returncode == 2


def test_diagnosis_table() -> None:
    def s(name: str, error: str | None = None) -> dict[str, object]:
        return {"name": name, "ok": error is None, "error": error}

    assert diagnose([s("page", "fetch.unresolvable"), s("wayback", "fetch.unresolvable"),
                     s("rdap", "fetch.connect")]).state == "offline"
    gone = diagnose([s("page", "fetch.unresolvable"), s("wayback"), s("rdap", "not_found")])
    assert gone.state == "site_gone"
    assert diagnose([s("page", "fetch.timeout"), s("wayback")]).state == "site_unreachable"
    one_down = diagnose([s("page"), s("wayback", "fetch.unresolvable"), s("rdap")])
    assert one_down.state == "ok" and one_down.services_down == ("wayback",)


def test_a_service_that_asked_nothing_is_no_sign_the_network_works() -> None:
    def s(name: str, error: str | None = None) -> dict[str, object]:
        return {"name": name, "ok": error is None, "error": error}

    # A store on a shared platform's domain: RDAP is not asked, so only the archive tells.
    offline = diagnose([s("page", "fetch.unresolvable"), s("wayback", "fetch.unresolvable"),
                        s("rdap", "shared_platform")])
    assert offline.state == "offline" and offline.services_down == ("wayback",)
    gone = diagnose([s("page", "fetch.unresolvable"), s("wayback"), s("rdap", "shared_platform")])
    assert gone.state == "site_gone"


def test_a_lookup_our_services_could_not_complete_is_not_served_again(web: Web, settings: Settings,
                                                                       db: Database) -> None:
    def check(**changes: str) -> dict[str, object]:
        engine = EvidenceEngine(Context(settings_for(web, settings, **changes), db), resolver=resolver)  # type: ignore[arg-type]
        return engine.check(LookupRequest(web.shop("glowpeak-shop.com", "/products/aurora-lamp")))

    first = check(rdap_url="http://rdap.invalid")
    assert first["network"] == {"state": "ok", "services_down": ["rdap"]}
    again = check()
    assert not again["cached"] and again["network"] == {"state": "ok", "services_down": []}
    assert check()["cached"]  # a complete lookup is served from the cache as before


def test_offline_with_a_store_on_a_shared_platform(web: Web, settings: Settings, db: Database) -> None:
    config = settings_for(web, settings, wayback_url="http://archive.invalid", rdap_url="http://rdap.invalid",
                          amazon_url="http://amazon.invalid/{marketplace}/dp/{asin}")
    engine = EvidenceEngine(Context(config, db), resolver=resolver)  # type: ignore[arg-type]
    result = engine.check(LookupRequest("https://cozy-copy.myshopify.com/products/lamp"))
    assert next(s for s in result["sources"] if s["name"] == "rdap")["error"] == "shared_platform"
    assert result["network"] == {"state": "offline", "services_down": ["wayback"]}


# -- configured services on their own port ------------------------------------------------------
def mirror_resolver(host: str) -> list[str]:
    if host in {"rdap-mirror", "archive-mirror"}:
        return ["127.0.0.1"]
    return resolver(host)


def test_services_on_other_ports_are_trusted_for_that_origin_only(web: Web, settings: Settings,
                                                                  db: Database) -> None:
    config = settings_for(web, settings, allow_private_networks=False, allowed_ports=frozenset({80, 443}),
                          rdap_url=f"http://rdap-mirror:{web.port}/rdap",
                          wayback_url=f"http://archive-mirror:{web.port}")
    engine = EvidenceEngine(Context(config, db), resolver=mirror_resolver)  # type: ignore[arg-type]
    result = engine.check(LookupRequest("https://glowpeak-shop.com/products/aurora-lamp",
                                        only=frozenset({"rdap", "wayback"})))
    rdap = next(s for s in result["sources"] if s["name"] == "rdap")
    wayback = next(s for s in result["sources"] if s["name"] == "wayback")
    assert rdap["ok"] and rdap["dates"], rdap
    assert wayback["ok"] and wayback["dates"], wayback
    # A user who types the service's address gets the user policy: refused.
    with pytest.raises(LookupRefused) as caught:
        engine.check(LookupRequest(f"http://rdap-mirror:{web.port}/rdap/domain/glowpeak-shop.com"))
    assert caught.value.key == "fetch.url.port"


@pytest.mark.parametrize("value", ["http://rdap-mirror:99999/", "rdap-mirror:8080", "http://u:pw@rdap.example/",
                                   "http://rdap-mirror:8080/?format=json", "http://rdap-mirror:8080/#top"])
def test_a_wrong_service_url_fails_at_start_up(run_cli, web: Web, value: str) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("checksite", "https://shop.example/", env=cli_env(web, SELLERGUARD_RDAP_URL=value))
    assert proc.returncode == 2
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "SELLERGUARD_RDAP_URL" in lines[0]


def test_offline_in_chat_in_english_and_traditional_chinese(app, web: Web, with_settings, chat) -> None:  # type: ignore[no-untyped-def]
    chat_on(web, app, with_settings, wayback_url="http://archive.invalid", rdap_url="http://rdap.invalid",
            amazon_url="http://amazon.invalid/{marketplace}/dp/{asin}")
    english = chat.one("/checksite http://copycat.invalid/products/lamp --asin B0SELLER01")
    assert not english.ok and "connection or proxy" in english.text
    assert "taken down" not in english.text and "--asin" not in english.text
    hant = chat.one("查站 http://copycat.invalid/products/lamp", lang="zh-Hant")
    assert not hant.ok and "網路連線或代理" in hant.text
    # A store on a shared platform: the registry is not asked, so only the archive is named.
    shared = chat.one("/checksite https://cozy-copy.myshopify.com/products/lamp")
    assert not shared.ok and "(Wayback Machine)" in shared.text and "Amazon" not in shared.text


@pytest.mark.parametrize(("lang", "said"), [("en", "Amazon could not be reached"),
                                           ("zh", "无法从这里连接亚马逊")])
def test_amazon_unreachable_is_said_as_our_service(lang: str, said: str) -> None:
    comparison = {"verdict": "inconclusive", "reason": "amazon_failed", "amazon_error": "fetch.unresolvable"}
    text = comparison_text(comparison, lang)  # type: ignore[arg-type]
    assert said in text and "--since" in text and "--asin" not in text
    assert "taken down" not in text and "spelling" not in text and "关闭" not in text
    line = problem_line({"code": "amazon_unreachable", "url": "http://amazon.invalid/com/dp/B0SELLER01"},
                        lang)  # type: ignore[arg-type]
    assert said in line and "taken down" not in line


def test_amazon_down_while_the_site_answers(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(web, SELLERGUARD_AMAZON_URL=UNREACHABLE["SELLERGUARD_AMAZON_URL"])
    proc = run_cli("checksite", f"{web.base}/products/aurora-lamp", "--asin", "B0SELLER01", "--refresh",
                   "--json", env=env)
    assert proc.returncode in {0, 1}, proc.stderr
    result = json.loads(proc.stdout)
    assert result["network"] == {"state": "ok", "services_down": ["amazon"]}
    assert result["comparison"]["amazon_error"] == "fetch.unresolvable"
    codes = {p["code"] for p in result["copying"]["problems"]
             if p.get("url", "").startswith("http://amazon.invalid")}
    assert codes == {"amazon_unreachable"}


@pytest.mark.parametrize("value", ["http://amazon-mirror:8080/{market}/dp/{asin}",
                                   "http://amazon-mirror:8080/dp/{asin}}", "http://amazon-mirror:8080/{0}/{asin}"])
def test_a_wrong_amazon_template_fails_at_start_up(run_cli, web: Web, value: str) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("checksite", "https://shop.example/", "--asin", "B0SELLER01",
                   env=cli_env(web, SELLERGUARD_AMAZON_URL=value))
    assert proc.returncode == 2
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "SELLERGUARD_AMAZON_URL" in lines[0] and "{marketplace}" in lines[0]


def test_service_urls_that_are_right_are_kept() -> None:
    settings = load_settings({"SELLERGUARD_RDAP_URL": "http://rdap-mirror:8080/",
                              "SELLERGUARD_AMAZON_URL": "http://amazon-mirror:8080/{marketplace}/dp/{asin}?th=1",
                              "WECOM_ROBOT_WEBHOOK": "https://webhook.example/send?key=made-up-key"})
    assert settings.rdap_url == "http://rdap-mirror:8080"
    assert settings.amazon_url.format(marketplace="de", asin="B0SELLER01") == \
        "http://amazon-mirror:8080/de/dp/B0SELLER01?th=1"
    assert settings.wecom_robot_webhook.endswith("?key=made-up-key")
