"""From the notice to the complainant's store: the offer in the case conversation, nothing
fetched before the seller's yes, and what each button does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chatbot.app import SellerGuard
from chatbot.conversation import Action, Actions, Paragraph
from tests.conftest import Chat
from tests.fixtures.copying import site
from tests.fixtures.sites.server import Web, serve

NOTICES = Path(__file__).parent / "fixtures" / "notices"


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


@pytest.fixture
def bot(app: SellerGuard, web: Web, with_settings: Callable[..., SellerGuard]) -> SellerGuard:
    return site.bot_on(web, app, with_settings)


def _buttons(replies) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {b.id: b.value for r in replies for p in r.parts if isinstance(p, Actions) for b in p.buttons}


def _paragraphs(replies) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(p.text for r in replies for p in r.parts if isinstance(p, Paragraph))


def test_company_address_gets_an_offer_and_nothing_is_fetched(bot: SellerGuard, chat: Chat, web: Web) -> None:
    before = len(web.hits)
    replies = chat((NOTICES / "copyright_en.txt").read_text(encoding="utf-8"))
    buttons = _buttons(replies)
    assert buttons["owner.check"] == "verdanaliving-store.com"
    assert buttons["owner.blocklist"] == "verdanaliving-store.com"
    assert "copyright@verdanaliving-store.com" in _paragraphs(replies)
    assert len(web.hits) == before  # an offer only


@pytest.mark.parametrize("name", ["design_patent_en.txt", "forwarded_multi_asin.txt"])
def test_webmail_addresses_get_no_offer(bot: SellerGuard, chat: Chat, name: str) -> None:
    replies = chat((NOTICES / name).read_text(encoding="utf-8"))
    assert "owner.check" not in _buttons(replies)


def test_chinese_notice_offer_in_chinese(bot: SellerGuard, chat: Chat) -> None:
    replies = chat((NOTICES / "chinese_zh.txt").read_text(encoding="utf-8"))
    assert _buttons(replies)["owner.check"] == "szmoumou-tech.cn"
    assert "在您选择之前，我不会打开任何网址" in _paragraphs(replies)


def test_yes_runs_the_lookups(bot: SellerGuard, chat: Chat, web: Web) -> None:
    listed = chat.one("/blocklist check glowpeak-shop.com")
    assert listed.intent == "blocklist"
    reply = chat.one("", action=Action("owner.blocklist", "glowpeak-shop.com"))
    assert reply.intent == "blocklist" and reply.text == listed.text
    reply = chat.one("", action=Action("owner.check", "glowpeak-shop.com"))
    assert reply.intent == "checksite" and "glowpeak-shop.com" in str(reply.data)
    assert not chat.one("", action=Action("owner.check", "http://10.0.0.1/x y")).ok
