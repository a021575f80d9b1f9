"""Settings are validated at start-up with one clear line per mistake."""

from __future__ import annotations

import pytest

from chatbot.config import ConfigError, load_settings


def test_defaults_are_the_embedded_setup():
    settings = load_settings({})
    assert settings.database_url == "sqlite:///sellerguard.db"
    assert settings.default_lang == "en"
    assert settings.moderators == frozenset()
    assert settings.allow_private_networks is False


def test_values_are_read_and_normalised():
    settings = load_settings({
        "DATABASE_URL": "postgres://u:p@db:5432/sg",
        "SELLERGUARD_MODERATORS": "slack:U1, console:alice",
        "SELLERGUARD_LANG": "zh-CN",
        "SELLERGUARD_ALLOW_PRIVATE_NETWORKS": "yes",
        "SELLERGUARD_WAYBACK_URL": "http://127.0.0.1:9000/",
    })
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/sg"
    assert settings.is_moderator("slack", "U1") and settings.is_moderator("console", "alice")
    assert settings.default_lang == "zh"
    assert settings.allow_private_networks is True
    assert settings.wayback_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"SELLERGUARD_MODERATORS": "alice"}, "SELLERGUARD_MODERATORS"),
        ({"SELLERGUARD_LANG": "fr"}, "SELLERGUARD_LANG"),
        ({"SELLERGUARD_ALLOW_PRIVATE_NETWORKS": "maybe"}, "SELLERGUARD_ALLOW_PRIVATE_NETWORKS"),
        ({"SELLERGUARD_FETCH_TIMEOUT": "soon"}, "SELLERGUARD_FETCH_TIMEOUT"),
        ({"SELLERGUARD_MAX_REDIRECTS": "99"}, "SELLERGUARD_MAX_REDIRECTS"),
        ({"SELLERGUARD_RDAP_URL": "ftp://rdap"}, "SELLERGUARD_RDAP_URL"),
        ({"SELLERGUARD_AMAZON_URL": "https://amazon.example/dp/"}, "SELLERGUARD_AMAZON_URL"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"PORT": "http"}, "PORT"),
    ],
)
def test_a_wrong_value_names_the_variable(env, named):
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert named in message and "\n" not in message


def test_dotenv_file_is_read_and_environment_wins(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("SELLERGUARD_LANG=zh\nSELLERGUARD_MAX_REDIRECTS=3\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SELLERGUARD_MAX_REDIRECTS", "2")
    monkeypatch.delenv("SELLERGUARD_LANG", raising=False)
    settings = load_settings()
    assert settings.default_lang == "zh" and settings.max_redirects == 2


def test_cli_reports_a_bad_setting_in_one_line(run_cli):
    result = run_cli("chat", input="/help\n", env={"SELLERGUARD_LANG": "klingon"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "sellerguard: SELLERGUARD_LANG='klingon' must be one of: en, zh."
    )
