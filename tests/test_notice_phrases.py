"""Common ways sellers say it, and answers given out of context: each named instance of the
notice-help revision as a conversation through the app."""

from __future__ import annotations

import pytest

from chatbot.intents import is_notice

NOTICE = ("Complaint ID: 5566778899\nInfringement type: Copyright\nASIN: B0EXAMPLE1\n"
          "Rights owner: Example Lamp Co.\nRights owner email: legal@lamp.example\n")


def open_case(chat, user="alice") -> int:
    return chat(NOTICE, user=user)[0].data["case"]["id"]


@pytest.mark.parametrize("text", ["amazon took down my listing", "亚马逊把我的链接下架了",
                                  "亞馬遜把我的鏈接下架了", "my listing is inactive, amazon deactivated it"])
def test_a_removed_listing_gets_one_short_question_not_the_help_screen(chat, text):
    reply = chat.one(text)
    assert reply.intent == "notice" and reply.data["question"] == "is_ip"
    assert len(reply.text) < 300 and not reply.parts


def test_yes_to_the_removed_question_gives_the_first_steps_and_the_offer(chat):
    chat.one("amazon took down my listing")
    reply = chat.one("yes")
    assert reply.data["offer"] == "case"


def test_a_type_word_answers_the_removed_question_with_that_checklist(chat):
    chat.one("亚马逊把我的链接下架了", user="li")
    reply = chat.one("商标", user="li")
    assert reply.data["complaint_type"] == "trademark" and reply.lang == "zh-Hans"


def test_no_to_the_removed_question_says_where_the_reason_is(chat):
    chat.one("amazon took down my listing")
    reply = chat.one("no")
    assert "Account Health" in reply.text and reply.intent == "notice"


def test_listing_removed_for_ip_is_the_notice_intent():
    assert is_notice("my listing got removed for IP")


def test_the_seller_removing_their_own_listing_is_not_a_removal_story(chat):
    assert chat.one("I removed my listing yesterday").intent == "fallback"


@pytest.mark.parametrize(("text", "step"), [("第一步做完了", 1), ("step 2 done", 2), ("第2步完成", 2),
                                            ("done with step 3", 3), ("第三步搞定", 3)])
def test_step_phrases_mark_the_open_case_step(chat, text, step):
    case_id = open_case(chat, user="wang")
    reply = chat.one(text, user="wang")
    assert reply.ok and reply.data["case"]["id"] == case_id
    assert reply.data["step"]["number"] == step and reply.data["step"]["state"] == "done"


def test_skip_step_phrase(chat):
    open_case(chat)
    reply = chat.one("跳过第二步")
    assert reply.data["step"] == {"number": 2, "state": "skipped", "id": reply.data["step"]["id"]}


def test_step_phrase_without_a_case_is_not_claimed(chat):
    assert chat.one("第一步做完了", user="nobody").intent == "fallback"


@pytest.mark.parametrize(("text", "field", "value"), [
    ("2021-04-02", "listing_date", "2021-04-02"),
    ("2021年4月2日", "listing_date", "2021-04-02"),
    ("https://example-copycat.example/products/lamp", "storefront",
     "https://example-copycat.example/products/lamp"),
    ("B0EXAMPLE2", "asin", "B0EXAMPLE2"),
    ("Lumora", "brand", "Lumora"),
])
def test_a_bare_fact_from_a_seller_with_one_open_case_is_offered_as_its_fact(app, chat, text, field, value):
    case_id = open_case(chat, user="bo")
    from chatbot import dialog

    dialog.done(app.ctx, "console", "bo")  # a new session: the bot's own question has lapsed
    offer = chat.one(text, user="bo")
    assert offer.data == {"offer": field, "value": value, "case_id": case_id}
    saved = chat.one("yes", user="bo")
    assert saved.ok and saved.intent == "notice"
    summary = saved.data["case"]
    stored = {"listing_date": summary.get("listing_date"),
              "storefront": (summary.get("storefront_urls") or [""])[-1],
              "asin": value if value in (summary.get("asins") or []) else None,
              "brand": summary.get("brand")}
    assert stored[field] == value


def test_a_bare_fact_declined_is_not_saved(app, chat):
    open_case(chat)
    from chatbot import dialog

    dialog.done(app.ctx, "console", "alice")
    chat.one("2021-04-02")
    assert chat.one("no").text == "OK, I did not save it."


def test_chatter_is_not_taken_for_a_brand(app, chat):
    open_case(chat)
    from chatbot import dialog

    dialog.done(app.ctx, "console", "alice")
    assert chat.one("Hello").intent == "fallback"
    assert chat.one("thanks").intent == "fallback"


def test_a_bare_date_without_any_case_gets_the_help_screen(chat):
    assert chat.one("2021-04-02", user="newcomer").intent == "fallback"


def test_channel_chatter_is_never_taken_for_a_case_fact_or_step(app, chat):
    open_case(chat, user="U5")
    from chatbot import dialog

    dialog.done(app.ctx, "console", "U5")
    assert chat("2021-04-02", user="U5", direct=False) == []
    assert chat("step 1 done", user="U5", direct=False) == []


def test_the_seen_near_note_reaches_the_seller(chat):
    reply = chat("Complaint ID: 5566778899\nInfringement type: Copyright\nASIN: B0EXAMPLE9\n"
                 "Titular: Ejemplo Hogar SL\nWe are here to help.\n", user="sol")[0]
    texts = " ".join(getattr(p, "text", "") for p in reply.parts)
    assert "I saw: “Titular: Ejemplo Hogar SL”" in texts


def test_a_step_change_shows_each_step_under_its_own_number(chat):
    """Only the changed step and the next one are shown: each keeps its number in the checklist,
    the number the seller types (`/case N done 5` shows 5., not 1.)."""
    from chatbot.render import Style, render_text

    case_id = open_case(chat)
    reply = chat.one(f"/case {case_id} done 5")
    assert reply.data["step"]["number"] == 5
    shown = render_text(reply, Style(False))
    numbers = [item.number for part in reply.parts if hasattr(part, "items") for item in part.items]
    assert numbers == [5, 1]  # step 5 as marked, then the first step still to do
    assert "5. " in shown and "1. " in shown and "2. " not in shown
