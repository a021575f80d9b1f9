"""The router, the language rules and the console adapter, end to end."""

from __future__ import annotations

import json

from chatbot.conversation import Incoming


def test_help_lists_commands_in_english(chat):
    reply = chat.one("/help")
    assert reply.intent == "help" and reply.lang == "en"
    text = " ".join(item.text for part in reply.parts for item in getattr(part, "items", ()))
    for command in ("/checksite", "/report", "/blocklist", "/notice"):
        assert command in text


def test_help_in_simplified_and_traditional(chat):
    hans = chat.one("帮助")
    assert hans.intent == "help" and hans.lang == "zh-Hans"
    assert "命令" in hans.parts[0].text
    hant = chat.one("幫助")
    assert hant.lang == "zh-Hant"
    assert "網址" in str(hant.parts)


def test_unknown_slash_command_is_explained(chat):
    reply = chat.one("/frobnicate now")
    assert reply.intent == "error" and not reply.ok
    assert "/frobnicate" in reply.text and "/help" in reply.text


def test_unrelated_direct_message_gets_fallback_and_ambient_chatter_gets_nothing(chat):
    assert chat.one("what's the weather like?").intent == "fallback"
    assert chat("what's the weather like?", direct=False) == []


def test_empty_and_huge_messages(chat):
    greeting = chat.one("   ")  # nothing said (a bare @mention): hello and the commands
    assert greeting.intent == "help" and greeting.ok and "/checksite" in str(greeting.parts)
    huge = chat.one("x" * 100_000)
    assert huge.intent == "error" and "100,000" in huge.text


def test_language_preference_applies_to_language_neutral_messages(chat):
    chat("/lang zh")
    reply = chat.one("/sellerguard help")
    assert reply.lang == "zh-Hans"


def test_forced_language_wins(chat):
    assert chat.one("帮助", lang="en").lang == "en"


def test_moderators_come_from_settings(app):
    assert app.is_moderator("console", "mod")
    assert not app.is_moderator("console", "alice")


def test_a_failing_handler_becomes_a_friendly_error(app, monkeypatch):
    import handlers

    def boom(msg, args, ctx):
        raise RuntimeError("kaboom")

    monkeypatch.setitem(handlers.COMMANDS, "help", boom)
    [reply] = app.handle(Incoming(platform="console", user="bob", text="/help"))
    assert reply.intent == "error" and "kaboom" not in reply.text


def test_duplicate_delivery_is_seen_once(app):
    assert app.first_delivery("slack:Ev123")
    assert not app.first_delivery("slack:Ev123")


def test_console_pipe_json(run_cli):
    result = run_cli("chat", "--json", "--user", "carol", input="/help\n帮助\n\nhello bot\n")
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["intent"] for r in replies] == ["help", "help", "fallback"]
    assert [r["lang"] for r in replies] == ["en", "zh-Hans", "en"]
    assert all({"intent", "lang", "text", "parts"} <= r.keys() for r in replies)


def test_console_pipe_plain_text_and_invalid_utf8(run_cli):
    result = run_cli("chat", "--lang", "zh", input=b"/help\n\xff\xfe bad\n")
    assert result.returncode == 0, result.stderr
    assert "SellerGuard 命令" in result.stdout
    assert "UTF-8" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_bad_database_url_is_one_clear_line(run_cli):
    result = run_cli("chat", input="/help\n", env={"DATABASE_URL": "mysql://nope"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_unopenable_sqlite_path_is_one_clear_line(run_cli):
    result = run_cli("chat", input="/help\n",
                     env={"DATABASE_URL": "sqlite:////nonexistent/dir/x.db"})
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_console_multi_line_block_is_one_message(run_cli):
    script = '"""\nline one\nline two\n"""\n/help\n"""\nunterminated paste\n'
    result = run_cli("chat", "--json", input=script)
    intents = [json.loads(line)["intent"] for line in result.stdout.splitlines()]
    assert intents == ["fallback", "help", "fallback"]


def test_language_neutral_words_keep_the_users_script(chat):
    assert chat.one("收到侵權警告", direct=True).lang == "zh-Hant"
    assert chat.one("/lang").lang == "zh-Hant"  # "/lang" alone shows no language: keep 繁體
    assert chat.one("好").lang == "zh-Hant"  # shared characters: still Traditional
