"""`/checksite` options in chat: every option the parser takes is named where an unknown one is
answered, and a brand word with control characters is refused with a reason."""

from __future__ import annotations

from datetime import date

import pytest

from chatbot.evidence import options
from chatbot.evidence.options import OptionError, parse_chat
from chatbot.i18n import t

TODAY = date(2026, 1, 1)


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
def test_the_unknown_option_answer_names_every_option_there_is(lang):
    with pytest.raises(OptionError) as caught:
        parse_chat("https://shop.example/p --bogus", TODAY)
    text = t(caught.value.key, lang, **caught.value.params)
    assert "--bogus" in text
    missing = [name for name in options._VALUED | options._FLAGS if name not in text]
    assert missing == []


@pytest.mark.parametrize("brand", ["\x1b[31mACME", "ACME\u202e", "AC\x07ME", "AC\u2066ME"])
def test_a_brand_word_with_control_characters_is_refused(brand):
    with pytest.raises(OptionError) as caught:
        parse_chat(f"https://shop.example/p --brand '{brand}'", TODAY)
    assert caught.value.key == "checksite.invalid.brand_length"
    assert "control characters" in t(caught.value.key, "en")
    assert "控制字符" in t(caught.value.key, "zh")


def test_a_plain_brand_word_is_kept():
    assert parse_chat("https://shop.example/p --brand LumiNest", TODAY).request.brand == "LumiNest"
    assert options.check_brand("  台灯 Home ") == "台灯 Home"
