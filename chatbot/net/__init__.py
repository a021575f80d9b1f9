"""Outbound HTTP for the whole bot: URL checks, address policy, and the one safe fetcher.

Every request to a URL a user typed (or that a page or an API answer pointed at) goes through
`SafeFetcher.fetch`.
"""

from chatbot.net.addresses import BLOCKED_HOSTNAMES, is_allowed_address, is_public_address
from chatbot.net.fetcher import FetchError, FetchResult, SafeFetcher, message_key
from chatbot.net.urls import InvalidURL, parse_user_url

__all__ = [
    "BLOCKED_HOSTNAMES",
    "FetchError",
    "FetchResult",
    "InvalidURL",
    "SafeFetcher",
    "is_allowed_address",
    "is_public_address",
    "message_key",
    "parse_user_url",
]
