"""One settings object, read from the environment (and an optional `.env`), validated at start-up.

A wrong value raises `ConfigError` with one line that names the variable and what it expects;
the CLI prints that line and exits, so an operator never sees a traceback for a typo.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

LANGS = ("en", "zh")


class ConfigError(ValueError):
    """A setting has a value we cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///sellerguard.db"
    moderators: frozenset[str] = frozenset()
    default_lang: str = "en"
    # /checksite
    wayback_url: str = "https://web.archive.org"
    rdap_url: str = "https://rdap.org"
    amazon_url: str = "https://www.amazon.{marketplace}/dp/{asin}"
    allow_private_networks: bool = False
    allowed_ports: frozenset[int] = frozenset({80, 443})
    fetch_max_bytes: int = 5_000_000
    fetch_timeout: float = 10.0
    lookup_timeout: float = 25.0
    max_redirects: int = 5
    per_host_concurrency: int = 4
    cache_ttl_seconds: int = 6 * 3600
    report_dir: str = "reports"
    # Evidence packages, report pages and the trusted timestamp (see chatbot/evidence/wacz.py).
    package_max_bytes: int = 50_000_000  # response bodies kept in one lookup's package
    report_retention_days: int = 365  # packages older than this are pruned
    report_link_days: int = 30  # a report page link works this long
    public_url: str = ""  # where `sellerguard serve` is reached, for report links
    tsa_url: str = ""  # an RFC 3161 time-stamping authority; empty: no timestamp
    save_page_now: bool = False  # ask the Wayback Machine to capture the checked page
    # blocklist
    auto_list_reporters: int = 0
    report_rate_limit: int = 10
    report_rate_window_seconds: int = 3600
    appeal_cooldown_seconds: int = 7 * 86400  # after an appeal on an entry, before the next one
    appeal_person_cooldown_seconds: int = 3600  # after one person's appeal, before their next (any entry)
    # Slack
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = "https://slack.com/api/"
    slack_moderator_group: str = ""
    # WeCom / WeChat
    wecom_corp_id: str = ""
    wecom_token: str = ""
    wecom_aes_key: str = ""
    wecom_agent_id: str = ""
    wecom_secret: str = ""
    # worker and clock (chatbot/worker.py, chatbot/schedule/)
    timezone: str = "Asia/Shanghai"  # for the digest and reminder times
    digest_at: str = "09:00"  # local time of the moderators' digest
    reminder_at: str = "09:00"  # local time reminders go out
    reminder_lead_days: int = 2  # a deadline is announced this many days ahead (and is due then)
    nudge_days: int = 7  # an open case with steps to do, untouched this long, gets a nudge
    listing_ttl_days: int = 180  # a listed entry not re-confirmed this long goes back to review
    recheck_per_host_seconds: float = 5.0  # politeness: one re-check request per host this often
    slack_digest_channel: str = ""
    job_lease_seconds: float = 600.0
    clock_lease_seconds: float = 30.0
    job_max_attempts: int = 5
    job_retry_seconds: float = 30.0  # first retry's pause; doubles each time, at most an hour
    job_modules: tuple[str, ...] = ()  # more modules that register job kinds
    embedded_worker: bool = True  # `serve` runs queued jobs itself (no `sellerguard worker`)
    keep_jobs_days: int = 14
    keep_deliveries_days: int = 7
    keep_dialogs_days: int = 7
    keep_lookups_days: int = 30
    wecom_api_url: str = "https://qyapi.weixin.qq.com"
    wecom_aibot_id: str = ""
    wecom_aibot_secret: str = ""
    wecom_aibot_token: str = ""
    wecom_aibot_aes_key: str = ""
    wecom_ws_url: str = "wss://openws.work.weixin.qq.com"
    wecom_robot_webhook: str = ""
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_token: str = ""
    wechat_aes_key: str = ""
    wechat_api_url: str = "https://api.weixin.qq.com"
    # web process
    port: int = 8000
    extra: Mapping[str, str] = field(default_factory=dict)

    def is_moderator(self, platform: str, user_id: str) -> bool:
        return f"{platform}:{user_id}" in self.moderators


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a yes/no value; use 1 or 0.")


def _int(name: str, raw: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and {maximum}" if maximum is not None else ""
        raise ConfigError(f"{name}={raw!r} must be between {minimum}{upper}.")
    return value


def _float(name: str, raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds.") from None
    if not 0 < value <= 3600:
        raise ConfigError(f"{name}={raw!r} must be more than 0 and at most 3600 seconds.")
    return value


def _clock_time(name: str, raw: str) -> str:
    value = raw.strip()
    hour, sep, minute = value.partition(":")
    if not (sep and hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60
            and len(minute) == 2):
        raise ConfigError(f"{name}={raw!r} must be a local time like 09:00 (24-hour HH:MM).")
    return f"{int(hour):02d}:{minute}"


def _timezone(name: str, raw: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = raw.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name}={raw!r} is not a time zone name like Asia/Shanghai or "
                          "America/Los_Angeles.") from None
    return value


# Whole endpoints, used as given (a webhook carries its key in the query); every other service URL
# is a base that paths are appended to, so it may not carry a query or a fragment.
_WHOLE_URLS = frozenset({"tsa_url", "wecom_robot_webhook"})


def _http_url(name: str, raw: str, *, base: bool = False) -> str:
    """An operator-configured service URL: http(s), a host, a valid port, no user name or password;
    a `base` (paths are appended to it) without query or fragment.
    Its own port is trusted for requests to that service (chatbot/net/services.py)."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"{name}={raw!r} must be an http:// or https:// URL.")
    bad_port = f"{name}={raw!r} has an invalid port; use 1-65535, e.g. http://rdap-mirror:8080."
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(bad_port) from None
    if port == 0:
        raise ConfigError(bad_port)
    if parts.username or parts.password or "@" in parts.netloc:
        raise ConfigError(f"{name}={raw!r} must not carry a user name or password.")
    if any(ch.isspace() or ch == "\\" for ch in raw.strip()):
        raise ConfigError(f"{name}={raw!r} must not contain spaces or backslashes.")
    if base and ("?" in raw or "#" in raw):
        raise ConfigError(f"{name}={raw!r} is a base address that paths are added to: drop the "
                          "'?…' or '#…' part, e.g. http://rdap-mirror:8080/rdap.")
    return raw.strip().rstrip("/")


def _aes_key_ok(value: str) -> bool:
    """A WeCom / WeChat EncodingAESKey: 43 base64 characters that decode to a 32-byte key."""
    try:
        return len(value) == 43 and len(base64.b64decode(value + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def _database_url(raw: str) -> str:
    value = raw.strip()
    if value.startswith("postgres://"):  # Heroku's spelling
        value = "postgresql://" + value[len("postgres://"):]
    if value.startswith("postgresql://"):
        value = "postgresql+psycopg://" + value[len("postgresql://"):]
    if not (value.startswith("sqlite:") or value.startswith("postgresql+")):
        raise ConfigError(
            f"DATABASE_URL={raw!r} is not supported; use sqlite:///path/to/file.db "
            "or postgresql://user:password@host:5432/dbname."
        )
    return value


def _moderators(raw: str) -> frozenset[str]:
    entries = [part.strip() for part in raw.split(",") if part.strip()]
    for entry in entries:
        platform, _, user = entry.partition(":")
        if not platform or not user:
            raise ConfigError(
                f"SELLERGUARD_MODERATORS entry {entry!r} must look like platform:user_id "
                "(for example slack:U012ABC,console:alice)."
            )
    return frozenset(entries)


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: Path | None = None) -> Settings:
    """Build settings from `env` (default: the process environment plus `.env` if present)."""
    if env is None:
        env = dict(os.environ)
        dotenv_path = dotenv or Path.cwd() / ".env"
        if dotenv_path.is_file():
            from dotenv import dotenv_values

            for key, value in dotenv_values(dotenv_path).items():
                if value is not None:
                    env.setdefault(key, value)

    def get(name: str) -> str | None:
        value = env.get(name)
        return value if value not in (None, "") else None

    kwargs: dict[str, object] = {}
    if (raw := get("DATABASE_URL")) is not None:
        kwargs["database_url"] = _database_url(raw)
    if (raw := get("SELLERGUARD_MODERATORS")) is not None:
        kwargs["moderators"] = _moderators(raw)
    if (raw := get("SELLERGUARD_LANG")) is not None:
        lang = raw.strip().lower()
        lang = {"zh-cn": "zh", "zh-hans": "zh", "cn": "zh", "en-us": "en"}.get(lang, lang)
        if lang not in LANGS:
            raise ConfigError(f"SELLERGUARD_LANG={raw!r} must be one of: en, zh.")
        kwargs["default_lang"] = lang
    for name, key in (
        ("SELLERGUARD_WAYBACK_URL", "wayback_url"),
        ("SELLERGUARD_RDAP_URL", "rdap_url"),
        ("SLACK_API_URL", "slack_api_url"),
        ("SELLERGUARD_TSA_URL", "tsa_url"),
        ("SELLERGUARD_PUBLIC_URL", "public_url"),
        ("WECOM_API_URL", "wecom_api_url"),
        ("WECHAT_API_URL", "wechat_api_url"),
        ("WECOM_ROBOT_WEBHOOK", "wecom_robot_webhook"),
    ):
        if (raw := get(name)) is not None:
            value = _http_url(name, raw, base=key not in _WHOLE_URLS)
            kwargs[key] = value + ("/" if key == "slack_api_url" else "")
    if (raw := get("SELLERGUARD_SAVE_PAGE_NOW")) is not None:
        kwargs["save_page_now"] = _bool("SELLERGUARD_SAVE_PAGE_NOW", raw)
    if (raw := get("SELLERGUARD_AMAZON_URL")) is not None:
        if "{asin}" not in raw:
            raise ConfigError(f"SELLERGUARD_AMAZON_URL={raw!r} must contain {{asin}}.")
        try:  # filled in with str.format for every lookup: any other field or brace would fail then
            filled = raw.format(marketplace="com", asin="x")
        except (KeyError, IndexError, ValueError):
            raise ConfigError(f"SELLERGUARD_AMAZON_URL={raw!r} may use only {{marketplace}} and {{asin}} "
                              "between braces.") from None
        _http_url("SELLERGUARD_AMAZON_URL", filled)
        kwargs["amazon_url"] = raw.strip()
    if (raw := get("SELLERGUARD_ALLOW_PRIVATE_NETWORKS")) is not None:
        kwargs["allow_private_networks"] = _bool("SELLERGUARD_ALLOW_PRIVATE_NETWORKS", raw)
    if (raw := get("SELLERGUARD_ALLOWED_PORTS")) is not None:
        ports = [p for p in raw.split(",") if p.strip()]
        kwargs["allowed_ports"] = frozenset(
            _int("SELLERGUARD_ALLOWED_PORTS", p, minimum=1, maximum=65535) for p in ports
        )
    int_settings = (
        ("SELLERGUARD_FETCH_MAX_BYTES", "fetch_max_bytes", 1024, 200_000_000),
        ("SELLERGUARD_MAX_REDIRECTS", "max_redirects", 0, 20),
        ("SELLERGUARD_PER_HOST_CONCURRENCY", "per_host_concurrency", 1, 100),
        ("SELLERGUARD_CACHE_TTL", "cache_ttl_seconds", 0, 365 * 86400),
        ("SELLERGUARD_AUTO_LIST_REPORTERS", "auto_list_reporters", 0, 1000),
        ("SELLERGUARD_REPORT_RATE_LIMIT", "report_rate_limit", 1, 100_000),
        ("SELLERGUARD_REPORT_RATE_WINDOW", "report_rate_window_seconds", 1, 30 * 86400),
        ("SELLERGUARD_APPEAL_COOLDOWN", "appeal_cooldown_seconds", 0, 365 * 86400),
        ("SELLERGUARD_APPEAL_PERSON_COOLDOWN", "appeal_person_cooldown_seconds", 0, 365 * 86400),
        ("SELLERGUARD_PACKAGE_MAX_BYTES", "package_max_bytes", 0, 2_000_000_000),
        ("SELLERGUARD_REPORT_RETENTION_DAYS", "report_retention_days", 1, 36500),
        ("SELLERGUARD_REPORT_LINK_DAYS", "report_link_days", 1, 3650),
        ("PORT", "port", 1, 65535),
        ("SELLERGUARD_REMINDER_LEAD_DAYS", "reminder_lead_days", 0, 60),
        ("SELLERGUARD_NUDGE_DAYS", "nudge_days", 1, 365),
        ("SELLERGUARD_LISTING_TTL_DAYS", "listing_ttl_days", 1, 3650),
        ("SELLERGUARD_JOB_MAX_ATTEMPTS", "job_max_attempts", 1, 100),
        ("SELLERGUARD_KEEP_JOBS_DAYS", "keep_jobs_days", 1, 3650),
        ("SELLERGUARD_KEEP_DELIVERIES_DAYS", "keep_deliveries_days", 1, 3650),
        ("SELLERGUARD_KEEP_DIALOGS_DAYS", "keep_dialogs_days", 1, 3650),
        ("SELLERGUARD_KEEP_LOOKUPS_DAYS", "keep_lookups_days", 1, 3650),
    )
    for name, key, low, high in int_settings:
        if (raw := get(name)) is not None:
            kwargs[key] = _int(name, raw, minimum=low, maximum=high)
    for name, key in (
        ("SELLERGUARD_FETCH_TIMEOUT", "fetch_timeout"),
        ("SELLERGUARD_LOOKUP_TIMEOUT", "lookup_timeout"),
        ("SELLERGUARD_JOB_LEASE_SECONDS", "job_lease_seconds"),
        ("SELLERGUARD_CLOCK_LEASE_SECONDS", "clock_lease_seconds"),
        ("SELLERGUARD_JOB_RETRY_SECONDS", "job_retry_seconds"),
        ("SELLERGUARD_RECHECK_PER_HOST_SECONDS", "recheck_per_host_seconds"),
    ):
        if (raw := get(name)) is not None:
            kwargs[key] = _float(name, raw)
    for name, key in (
        ("SELLERGUARD_REPORT_DIR", "report_dir"),
        ("SLACK_BOT_TOKEN", "slack_bot_token"),
        ("SLACK_SIGNING_SECRET", "slack_signing_secret"),
        ("SLACK_APP_TOKEN", "slack_app_token"),
        ("SLACK_MODERATOR_GROUP", "slack_moderator_group"),
        ("SLACK_DIGEST_CHANNEL", "slack_digest_channel"),
        ("WECOM_CORP_ID", "wecom_corp_id"),
        ("WECOM_TOKEN", "wecom_token"),
        ("WECOM_AES_KEY", "wecom_aes_key"),
        ("WECOM_AGENT_ID", "wecom_agent_id"),
        ("WECOM_SECRET", "wecom_secret"),
        ("WECOM_AIBOT_ID", "wecom_aibot_id"),
        ("WECOM_AIBOT_SECRET", "wecom_aibot_secret"),
        ("WECOM_AIBOT_TOKEN", "wecom_aibot_token"),
        ("WECOM_AIBOT_AES_KEY", "wecom_aibot_aes_key"),
        ("WECHAT_APP_ID", "wechat_app_id"),
        ("WECHAT_APP_SECRET", "wechat_app_secret"),
        ("WECHAT_TOKEN", "wechat_token"),
        ("WECHAT_AES_KEY", "wechat_aes_key"),
    ):
        if (raw := get(name)) is not None:
            kwargs[key] = raw.strip()
    if (raw := get("SELLERGUARD_TIMEZONE")) is not None:
        kwargs["timezone"] = _timezone("SELLERGUARD_TIMEZONE", raw)
    for name, key in (("SELLERGUARD_DIGEST_AT", "digest_at"), ("SELLERGUARD_REMINDER_AT", "reminder_at")):
        if (raw := get(name)) is not None:
            kwargs[key] = _clock_time(name, raw)
    if (raw := get("SELLERGUARD_JOB_MODULES")) is not None:
        kwargs["job_modules"] = tuple(part.strip() for part in raw.split(",") if part.strip())
    if (raw := get("SELLERGUARD_EMBEDDED_WORKER")) is not None:
        kwargs["embedded_worker"] = _bool("SELLERGUARD_EMBEDDED_WORKER", raw)
    if (raw := get("WECOM_WS_URL")) is not None:
        if urlsplit(raw.strip()).scheme not in ("ws", "wss") or not urlsplit(raw.strip()).netloc:
            raise ConfigError(f"WECOM_WS_URL={raw!r} must be a ws:// or wss:// URL.")
        kwargs["wecom_ws_url"] = raw.strip()
    for name in ("WECOM_AES_KEY", "WECOM_AIBOT_AES_KEY", "WECHAT_AES_KEY"):
        key = kwargs.get(name.lower())
        if key is not None and not _aes_key_ok(str(key)):
            raise ConfigError(f"{name} must be the 43-character EncodingAESKey from the console.")
    if (token := kwargs.get("slack_app_token")) and not str(token).startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-.")
    if (token := kwargs.get("slack_bot_token")) and not str(token).startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-.")
    return Settings(**kwargs)  # type: ignore[arg-type]
