"""One language rule on every platform: an explicit /lang choice wins everywhere (cases
included) until changed; otherwise each message's own language; a guess never outranks the
platform's locale and is never saved as a choice."""

from __future__ import annotations

from sqlalchemy import select

from chatbot.conversation import Incoming
from chatbot.db.models import Member

NOTICE_ZH = ("投诉编号：5566778899\n侵权类型：版权\nASIN：B0EXAMPLE5\n权利人：示例灯具有限公司\n"
             "权利人邮箱：ip@example-lamp.example\n")


def member(app, user, platform="console") -> Member:
    with app.db.session() as session:
        row = session.scalars(select(Member).where(Member.platform == platform,
                                                   Member.external_id == user)).one()
        session.expunge(row)
        return row


def test_lang_choice_wins_over_the_case_language(chat):
    case_id = chat(NOTICE_ZH, user="mei")[0].data["case"]["id"]
    assert chat.one("/lang en", user="mei").lang == "en"
    assert chat.one(f"/case {case_id}", user="mei").lang == "en"
    assert chat.one(f"/case {case_id} done 1", user="mei").lang == "en"
    assert chat.one(f"/letter dispute {case_id}", user="mei").lang == "en"
    assert chat.one("收到侵权投诉了怎么办", user="mei").lang == "en"  # until changed


def test_lang_auto_follows_each_message_again(chat):
    chat.one("/lang zh", user="ana")
    assert chat.one("/lang auto", user="ana").ok
    assert chat.one("I got an infringement notice", user="ana").lang == "en"


def test_one_chinese_word_or_an_emoji_does_not_flip_an_english_writer(chat):
    assert chat.one("I got an infringement notice", user="sam").lang == "en"
    assert chat.one("I got a 侵权 notice from amazon", user="sam").lang == "en"
    assert chat(" 👍", user="sam")[0].lang == "en"
    assert chat.one("收到侵权投诉了怎么办", user="sam").lang == "zh-Hans"  # a Chinese message is Chinese


def test_a_detected_language_is_saved_as_a_guess_not_a_choice(app, chat):
    chat.one("收到侵权投诉了怎么办", user="lin")
    row = member(app, "lin")
    assert row.lang is None and row.lang_guess == "zh-Hans"


def test_a_guess_never_outranks_the_platform_locale(app):
    app.handle(Incoming(platform="slack", user="U7", text="I got an infringement notice", locale="en-US"))
    # A message that does not tell its language: the locale decides, not the old guess.
    replies = app.handle(Incoming(platform="slack", user="U7", text="/case list", locale="zh-CN"))
    assert replies[0].lang == "zh-Hans"
    replies = app.handle(Incoming(platform="slack", user="U7", text="/case list"), lang_hint="zh-TW")
    assert replies[0].lang == "zh-Hant"


def test_a_choice_outranks_the_platform_locale(app):
    app.handle(Incoming(platform="slack", user="U8", text="/lang en", locale="zh-CN"))
    replies = app.handle(Incoming(platform="slack", user="U8", text="收到侵权投诉了怎么办", locale="zh-CN"))
    assert replies[0].lang == "en"


def test_a_choice_follows_the_person_to_a_linked_account(chat):
    code = chat.one("/link", user="U9", platform="slack").data["code"]
    chat.one(f"/link {code}", user="zhao", platform="console")
    chat.one("/lang zh-Hant", user="U9", platform="slack")
    assert chat.one("I got an infringement notice", user="zhao", platform="console").lang == "zh-Hant"
