"""Languages: detect English / Simplified / Traditional Chinese, and look up reply strings.

Reply strings live in `knowledge/messages/<en|zh>/<namespace>.yaml`. Traditional Chinese is
produced from the Simplified text with OpenCC, with reviewed corrections in
`knowledge/messages/zh-Hant/` taking precedence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from opencc import OpenCC

from chatbot import knowledge
from chatbot.conversation import Lang

# Taiwan phrasing (軟體, 資訊, 智慧財產權): most Traditional-script sellers we serve write it.
_S2T = OpenCC("s2twp")
_T2S = OpenCC("tw2sp")
_DETECT_WINDOW = 2000  # characters; enough to tell, cheap on a 50 KB paste
# URLs, e-mail addresses, domains, ASINs and --options say nothing about the writer's language.
_ENGLISH_WORD = re.compile(r"\b[A-Za-z]{2,}\b")
_NOT_LANGUAGE = re.compile(r"\bB0[0-9A-Z]{8}\b|--?\w[\w-]*|/\w+")


def _is_address(token: str) -> bool:
    """A URL, an e-mail address or a domain (one whitespace-free token). Checked per token with
    `in`, not with a `\\S+://\\S+` pattern, which backtracks quadratically on a long token."""
    scheme = token.find("://", 1)
    return (0 < scheme < len(token) - 3) or "@" in token[1:-1] or "." in token[:-1]


def _language_words(text: str) -> str:
    """`text` without the tokens that say nothing about the writer's language; linear."""
    return " ".join(_NOT_LANGUAGE.sub(" ", token) for token in text.split() if not _is_address(token))


def is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


@lru_cache(maxsize=8192)
def _script_of(char: str) -> int:
    """+1 for a Traditional-only character, -1 for a Simplified-only one, 0 for shared."""
    if _T2S.convert(char) != char:
        return 1
    if _S2T.convert(char) != char:
        return -1
    return 0


def detect_lang(text: str, prefer: Lang | None = None) -> Lang | None:
    """The language a message is written in, or None when it does not tell (a bare URL, "/case 3",
    an emoji, one stray word).

    Mixed messages go by weight: English wins when it has at least as many words as the message
    has Han characters ("I got a 侵权 notice"), Chinese when Han characters are at least twice the
    English words ("收到一个IP complaint怎么办"); in between, `prefer` (the user's usual language)
    decides, else Chinese. Chinese made only of characters both scripts share ("好",
    "2021年4月2日") does not tell Simplified from Traditional: then `prefer` decides.
    """
    sample = _language_words(text[:_DETECT_WINDOW])
    if sum(1 for c in sample if "\u3040" <= c <= "\u30ff") >= 3:
        return None  # Japanese kana: neither of our languages, answer in the default
    han = [c for c in sample if is_cjk(c)]
    words = _ENGLISH_WORD.findall(sample)
    if not han:
        return "en" if len(words) >= 2 else None  # one stray word ("done", "ok") does not tell
    if words and len(words) >= len(han):
        return "en"
    if words and len(han) < 2 * len(words) and prefer == "en":
        return "en"
    score = sum(_script_of(c) for c in han)
    if score == 0 and prefer in ("zh-Hans", "zh-Hant"):
        return prefer
    return "zh-Hant" if score > 0 else "zh-Hans"


def to_simplified(text: str) -> str:
    """`text` in Simplified characters (OpenCC t2s); ASCII text is returned as it is, unread."""
    return text if text.isascii() else _T2S.convert(text)


def to_traditional(text: str) -> str:
    """`text` in Traditional characters (OpenCC s2t); ASCII text is returned as it is, unread."""
    return text if text.isascii() else _S2T.convert(text)


def normalize_lang(value: str | None) -> Lang | None:
    """Map user-facing language names (en, zh, zh-TW, zh_CN, 繁體...) to a `Lang`."""
    if not value:
        return None
    key = value.strip().replace("_", "-").lower()
    if key.startswith("en"):
        return "en"
    if key in {"zh-hant", "zh-tw", "zh-hk", "zh-mo", "tw", "hk", "繁体", "繁體"}:
        return "zh-Hant"
    if key.startswith("zh") or key in {"cn", "中文", "简体"}:
        return "zh-Hans"
    return None


def base_lang(lang: Lang) -> str:
    """The content language a `Lang` is written from: `en` or `zh`."""
    return "en" if lang == "en" else "zh"


def _messages(lang_dir: str, namespace: str) -> dict[str, Any]:
    try:
        return knowledge.load_yaml(f"messages/{lang_dir}/{namespace}.yaml") or {}
    except FileNotFoundError:
        return {}


def _lookup(tree: dict[str, Any], dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def localize(value: Any, lang: Lang) -> Any:
    """Convert Simplified content to Traditional for a zh-Hant reader (strings, lists, dicts)."""
    if lang != "zh-Hant":
        return value
    if isinstance(value, str):
        return _cached_traditional(value)
    if isinstance(value, list):
        return [localize(v, lang) for v in value]
    if isinstance(value, dict):
        return {k: localize(v, lang) for k, v in value.items()}
    return value


@lru_cache(maxsize=1)
def _hant_terms() -> tuple[tuple[str, str], ...]:
    """Words OpenCC's Taiwan phrases (s2twp) turn into a form our sellers do not use here
    (knowledge/notices/zh_hant_terms.yaml, reviewed by hand), longest first."""
    table = knowledge.load_yaml("notices/zh_hant_terms.yaml") or {}
    return tuple(sorted(((str(k), str(v)) for k, v in table.items()), key=lambda kv: -len(kv[0])))


@lru_cache(maxsize=4096)
def _cached_traditional(text: str) -> str:
    converted = _S2T.convert(text)
    for wrong, right in _hant_terms():
        converted = converted.replace(wrong, right)
    return hant_punctuation(converted)


_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"})
_ASCII_NEAR_HAN = re.compile(rf"(?<=[{_HAN}）」])[,;:?!]|[,;:?!](?=[{_HAN}（「])")
# A bracket pair is full-width when Han text touches either bracket, inside or out, so the two
# halves always match: "（RDAP）：", never "（RDAP):". Inner text is bounded; no nesting.
_PAIR = re.compile(r"([(（])([^()（）\n]{0,300})([)）])")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_QUOTES = str.maketrans({"“": "「", "”": "」", "‘": "『", "’": "』"})


def hant_punctuation(text: str) -> str:
    """One punctuation style for Traditional Chinese: full-width marks next to Han characters
    ("名單,請傳送:" → "名單，請傳送："), corner brackets for quotes (“…” → 「…」). ASCII
    punctuation inside URLs, commands and placeholders (not next to a Han character) is kept."""
    text = text.translate(_QUOTES)

    def pair(match: re.Match[str]) -> str:
        inner, start, end = match.group(2), match.start(), match.end()
        touching = match.group(1) == "（" or match.group(3) == "）" or (
            start > 0 and _HAN_CHAR.match(text[start - 1])) or (
            end < len(text) and _HAN_CHAR.match(text[end])) or (
            inner and (_HAN_CHAR.match(inner[0]) or _HAN_CHAR.match(inner[-1])))
        return f"（{inner}）" if touching else match.group(0)

    text = _PAIR.sub(pair, text)
    return _ASCII_NEAR_HAN.sub(lambda m: m.group(0).translate(_FULL_WIDTH), text)


def _punctuate(value: Any) -> Any:
    if isinstance(value, str):
        return hant_punctuation(value)
    if isinstance(value, list):
        return [_punctuate(v) for v in value]
    if isinstance(value, dict):
        return {k: _punctuate(v) for k, v in value.items()}
    return value


def message(key: str, lang: Lang) -> Any:
    """The raw message value (string, list or mapping) for `namespace.key` in `lang`."""
    namespace, _, rest = key.partition(".")
    if lang == "zh-Hant":
        override = _lookup(_messages("zh-Hant", namespace), rest)
        if override is not None:
            return _punctuate(override)
    value = _lookup(_messages(base_lang(lang), namespace), rest)
    if value is None:
        value = _lookup(_messages("en", namespace), rest)
    if value is None:
        raise KeyError(f"missing message {key!r}")
    return localize(value, lang)


def t(key: str, lang: Lang, **params: Any) -> str:
    """The reply string `namespace.key` in `lang`, with `{name}` placeholders filled.

    A message written as `{one: …, other: …}` is a plural: `one` when `count` is 1, else `other`
    ("You have 1 case." / "You have 3 cases."), never "case(s)". Raises KeyError for an unknown
    key, TypeError for a key that is not a string or a plural."""
    template = message(key, lang)
    if isinstance(template, dict) and "other" in template:
        template = template["one"] if params.get("count") == 1 and "one" in template else template["other"]
    if not isinstance(template, str):
        raise TypeError(f"message {key!r} is not a string")
    return template.format(**params) if params else template


def pick(lang: Lang, *, en: str, zh: str) -> str:
    """Choose between inline data values (e.g. a knowledge file's `en`/`zh` fields)."""
    return en if lang == "en" else localize(zh, lang)
