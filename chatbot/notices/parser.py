"""Read a pasted Amazon IP notice: complaint ID, ASINs, type, rights owner, numbers, dates.

Best effort by design: sellers paste partial notices, whole HTML e-mails, German or Japanese
marketplace notices, or their own Chinese translation. Every field may come back empty, and
`missing()` says which; parsing never raises on any input.

Labels and value words live in `knowledge/notices/labels.yaml` so moderators can add the wording
of a new notice variant without touching code.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from chatbot import knowledge
from chatbot.asin import find_asins
from chatbot.evidence.text import BREAKING
from chatbot.i18n import to_simplified, to_traditional
from chatbot.marketplace import marketplace_in, read_marketplace
from chatbot.months import MONTHS

log = logging.getLogger(__name__)

MAX_PARSE_CHARS = 200_000  # a 50 KB paste is common; beyond this nothing useful is left
COMPLAINT_TYPES = ("copyright", "trademark", "patent", "design_patent", "counterfeit", "other")

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,190}\.[A-Za-z]{2,24}")
DIGITS_ID = re.compile(r"\b(\d{6,20})\b")
TRADEMARK_NO = re.compile(
    r"(?<![\w-])((?:[A-Z]{2,3}\s?)?\d{1,3}(?:[,.\s]?\d{3}){1,3}|第\s?\d{6,8}\s?号)(?![\w-])"
)
PATENT_NO = re.compile(
    r"(?<![\w-])((?:US\s?)?D\s?\d{3}[,.]?\d{3}(?:\s?S\d?)?|"
    r"(?:US|CN|EP|DE|JP|WO|ES|FR|IT|GB)?\s?\d{1,2}[,.\s]?\d{3}[,.\s]?\d{3}(?:\s?[A-Z]\d?)?|"
    r"(?:US|CN|EP|JP)\s?\d{4}/?\d{6,7}(?:\s?[A-Z]\d?)?|ZL\s?\d{12}\.?\d?|"
    r"(?:特許|意匠)?第?\d{7}号)(?![\w-])"
)
BULLETS = r"[\s*•·\-–—]*"  # dash and bullet lines: "-- Mara Quill, mara@…", "— arnaud"
CONTACT_BLOCK_LINES = 6  # lines read after "contact the rights owner:"
MAX_SEEN_CHARS = 120  # a "seen near" snippet shown to the seller
MAX_VALUE_CHARS = 300
COPYRIGHT_REG = re.compile(r"\b((?:VA|VAu|TX|TXu|PA|SR)\s?\d[\d\-]{5,12})\b")

_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_PATTERNS = (
    (re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b"), ("y", "m", "d")),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), ("y", "m", "d")),
    (re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b"), ("d", "m", "y")),
    (re.compile(rf"\b({_MONTH_WORDS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE),
     ("M", "d", "y")),
    (re.compile(rf"\b(\d{{1,2}})\.?\s+({_MONTH_WORDS})\.?,?\s+(\d{{4}})\b", re.IGNORECASE), ("d", "M", "y")),
)


@dataclass
class ParsedNotice:
    complaint_ids: list[str] = field(default_factory=list)
    asins: list[str] = field(default_factory=list)
    complaint_type: str | None = None
    rights_owner: str | None = None
    rights_owner_email: str | None = None
    trademark_numbers: list[str] = field(default_factory=list)
    patent_numbers: list[str] = field(default_factory=list)
    registration_numbers: list[str] = field(default_factory=list)
    marketplace: str | None = None
    dates: list[str] = field(default_factory=list)  # ISO dates, in the order they appear
    language: str = "en"  # the notice's own language: en, de, fr, it, es, ja, zh
    # Per missing field, what stood where that field usually is (a contact line, an unknown label),
    # so a seller sees "not read; near it: ..." instead of a bare "missing".
    seen: dict[str, str] = field(default_factory=dict)
    truncated: bool = False
    score: int = 0  # how much of it looks like a notice (see `is_notice`)

    @property
    def is_notice(self) -> bool:
        """Enough labelled notice facts that this is a pasted notice, not a chat message."""
        return self.score >= 3

    @property
    def complaint_id(self) -> str | None:
        return self.complaint_ids[0] if self.complaint_ids else None

    @property
    def notice_date(self) -> str | None:
        return self.dates[0] if self.dates else None

    def missing(self) -> list[str]:
        """The facts a case needs that this notice did not show."""
        gaps = []
        if not self.complaint_ids:
            gaps.append("complaint_id")
        if not self.asins:
            gaps.append("asins")
        if self.complaint_type is None:
            gaps.append("complaint_type")
        if not self.rights_owner:
            gaps.append("rights_owner")
        if not self.rights_owner_email:
            gaps.append("rights_owner_email")
        if self.complaint_type == "trademark" and not self.trademark_numbers:
            gaps.append("trademark_numbers")
        if self.complaint_type in ("patent", "design_patent") and not self.patent_numbers:
            gaps.append("patent_numbers")
        return gaps

    def to_dict(self) -> dict[str, Any]:
        return {
            "complaint_ids": self.complaint_ids,
            "asins": self.asins,
            "complaint_type": self.complaint_type,
            "rights_owner": self.rights_owner,
            "rights_owner_email": self.rights_owner_email,
            "trademark_numbers": self.trademark_numbers,
            "patent_numbers": self.patent_numbers,
            "registration_numbers": self.registration_numbers,
            "marketplace": self.marketplace,
            "dates": self.dates,
            "language": self.language,
            "seen": self.seen,
            "truncated": self.truncated,
            "is_notice": self.is_notice,
            "missing": self.missing(),
        }


# -- configuration ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Labels:
    fields: dict[str, re.Pattern[str]]  # field -> "^label[:：]? value" per line
    types: tuple[tuple[str, re.Pattern[str]], ...]  # complaint type -> value words
    markers: re.Pattern[str]  # phrases only notices use
    languages: dict[str, re.Pattern[str]]
    inline: re.Pattern[str]  # any label followed by a colon, anywhere in a line
    prefix: re.Pattern[str]  # a label left at the start of a value ("名称:", "Name:")
    contact_intro: re.Pattern[str]  # "contact the rights owner:", the lead-in of a dash-line block


@lru_cache(maxsize=1)
def _labels() -> _Labels:
    table = knowledge.load_yaml("notices/labels.yaml")
    fields = {}
    per_field = {name: _both_scripts(labels) for name, labels in table["fields"].items()}
    every_label = sorted((label for labels in per_field.values() for label in labels), key=len, reverse=True)
    alternatives = "|".join(_label_regex(label) for label in every_label)
    inline = re.compile(rf"(?<![\w-])(?=(?:{alternatives})\s*[:：])", re.IGNORECASE)
    prefixes = sorted(_both_scripts(table["value_prefixes"]) + every_label, key=len, reverse=True)
    prefix = re.compile(rf"^\s*(?:{'|'.join(_label_regex(p) for p in prefixes)})\s*[:：]\s*", re.IGNORECASE)
    intros = "|".join(_word_regex(w) for w in _both_scripts(table["contact_intro"]))
    contact_intro = re.compile(rf"(?:{intros})[^\n]{{0,80}}[:：]?\s*$", re.IGNORECASE)
    for name, labels in per_field.items():
        alternatives = "|".join(_label_regex(label) for label in sorted(labels, key=len, reverse=True))
        # A label at the start of a line, then ":" / "：" / "-" / tab or only spaces, then the value.
        fields[name] = re.compile(rf"^{BULLETS}(?:{alternatives})(?![a-zà-ÿ])\s*(?:[:：#\t]|\s-\s)?\s*(.*)$",
                                  re.IGNORECASE)
    types = tuple(
        (kind, re.compile("|".join(_word_regex(w) for w in sorted(words, key=len, reverse=True)),
                          re.IGNORECASE))
        for kind, words in table["types"].items()
    )
    markers = re.compile("|".join(_word_regex(w) for w in table["markers"]), re.IGNORECASE)
    languages = {lang: re.compile("|".join(rf"{_word_regex(w)}(?![A-Za-z])" for w in words), re.IGNORECASE)
                 for lang, words in table["languages"].items()}
    return _Labels(fields, types, markers, languages, inline, prefix, contact_intro)


def _both_scripts(labels: list[Any]) -> list[str]:
    """Each label as written, plus its Simplified and Traditional forms (Chinese notices and a
    seller's own translation use either script)."""
    found: dict[str, None] = {}
    for label in labels:
        text = str(label)
        for variant in (text, to_simplified(text), to_traditional(text)):
            found.setdefault(variant, None)
    return list(found)


def _label_regex(label: str) -> str:
    return r"\s*".join(re.escape(part) for part in label.split())


def _word_regex(word: str) -> str:
    escaped = r"\s*".join(re.escape(part) for part in word.split())
    if word[:1].isascii() and word[:1].isalnum():
        return rf"(?<![A-Za-z]){escaped}"
    return escaped


# -- cleaning -----------------------------------------------------------------------------------
_BLANKS = re.compile(r"([^\S\n])[^\S\n]+")
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]?\n)+")
_HTML_HINT = re.compile(r"<\s*(html|body|div|p|br|table|tr|td|span|font|b|strong|a)\b", re.IGNORECASE)


def html_to_text(raw: str) -> str:
    """Text of a pasted HTML e-mail, a line per block (the elements `text.BREAKING` names, as the
    page reader splits words there), two-cell table rows kept as `label: value` lines, and inline
    markup read as part of its word (`LU<b>MIVA</b>` is "LUMIVA")."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "lxml")
    for junk in soup(["script", "style", "head", "title", "meta"]):
        junk.decompose()
    for block in soup.find_all(list(BREAKING)):
        block.insert_before("\n")
        block.insert_after("\n")
    for row in soup.find_all("tr"):
        cells = [" ".join(c.get_text().split()) for c in row.find_all(["td", "th"], recursive=False)]
        cells = [c for c in cells if c]
        if cells:
            row.replace_with(soup.new_string("\n" + ": ".join(cells) + "\n"))
    return soup.get_text()


def clean(text: str) -> str:
    """Plain, normalised text: HTML stripped, full-width forms folded, control characters gone."""
    if _HTML_HINT.search(text[:20_000]):
        try:
            text = html_to_text(text)
        except Exception:  # a broken paste is still worth reading as plain text
            log.warning("could not strip HTML from a pasted notice", exc_info=True)
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")
    # Label and value patterns chain `\s*`s ("complaint\s*id?\s*:?\s*"): on a long run of blanks
    # each chain backtracks polynomially. One blank per run (and one blank line between lines)
    # keeps every `\s*` to a few characters, so parsing stays linear in the paste.
    text = _BLANKS.sub(r"\1", text)
    return _BLANK_LINES.sub("\n\n", text)


# -- parsing ------------------------------------------------------------------------------------
def parse_notice(text: str) -> ParsedNotice:
    """Whatever can be read from `text`; an empty result rather than an error on bad input."""
    try:
        return _parse(text)
    except Exception:  # never crash in front of a seller; log so the pattern can be fixed
        log.exception("parsing a pasted notice failed")
        return ParsedNotice()


def _parse(text: str) -> ParsedNotice:
    result = ParsedNotice(truncated=len(text) > MAX_PARSE_CHARS)
    body = clean(text[:MAX_PARSE_CHARS])
    labels = _labels()
    if body.count("\n") < 3:  # a notice pasted into a one-line chat box: one label per line again
        body = labels.inline.sub("\n", body)
    lines = [line.strip() for line in body.split("\n")]
    labelled = _labelled_values(lines, labels)

    result.language = _language(body, labels)
    result.asins = find_asins(body, books=False)
    for value in labelled.get("asin", []):  # books and old listings use 10-digit ASINs
        result.asins += [a for a in find_asins(value) if a not in result.asins]

    result.complaint_ids = _unique(
        m.group(1) for value in labelled.get("complaint_id", []) for m in DIGITS_ID.finditer(value)
    ) or _inline_complaint_ids(body)
    result.complaint_type = _complaint_type(labelled.get("complaint_type", []), body, labels)
    contact = _contact_block(lines, labels)
    result.rights_owner = _first_name(labelled.get("rights_owner", []), labels) or \
        _first_name(contact.names, labels)
    result.rights_owner_email = _email(labelled.get("rights_owner_email", []) + contact.emails, body)
    result.trademark_numbers = _numbers(labelled.get("trademark_number", []), TRADEMARK_NO)
    result.patent_numbers = _numbers(labelled.get("patent_number", []), PATENT_NO)
    result.registration_numbers = _numbers(labelled.get("registration_number", []), COPYRIGHT_REG) or \
        _unique(m.group(1) for m in COPYRIGHT_REG.finditer(body))
    if not result.trademark_numbers and result.complaint_type == "trademark":
        result.trademark_numbers = _numbers(labelled.get("registration_number", []), TRADEMARK_NO)
    result.marketplace = _marketplace(labelled.get("marketplace", []), body)
    result.dates = _dates(labelled.get("date", []), body)
    result.score = _score(result, labelled, body, labels) + (1 if contact.emails else 0)
    result.seen = _seen(result, lines, contact, labels, labelled)
    return result


def _labelled_values(lines: list[str], labels: _Labels) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for index, line in enumerate(lines):
        if not line or len(line) > 400:
            continue
        for name, pattern in labels.fields.items():
            match = pattern.match(line)
            if not match:
                continue
            value = match.group(1).strip()
            if not value:  # "Complaint ID" on one line, the value on the next (tables, forms)
                following = next((n for n in lines[index + 1:index + 3] if n), "")
                if not any(p.match(following) for p in labels.fields.values()):
                    value = following
            if value:
                found.setdefault(name, []).append(_cut(value, labels)[:MAX_VALUE_CHARS])
            break
    return found


def _cut(value: str, labels: _Labels) -> str:
    """A value without a label left at its start ("名称:Guangzhou…") and without the next field
    when a form put two on one line ("Example Co. Email: x@y")."""
    for _ in range(3):  # "权利人: 名称: …" has two
        stripped = labels.prefix.sub("", value, count=1)
        if stripped == value or not stripped.strip():
            break
        value = stripped
    following = labels.inline.search(value, 1)
    return value[:following.start()].strip() if following else value.strip()


@dataclass(frozen=True)
class _Contact:
    names: list[str]  # unlabelled lines of the contact block, text beside an address
    emails: list[str]
    lines: list[str]  # the block as seen, for "seen near" notes


def _contact_block(lines: list[str], labels: _Labels) -> _Contact:
    """The rights owner's contact lines after a lead-in ("contact the rights owner:", "Vous
    trouverez ses coordonnées ci-dessous"): dash or bullet lines with a name and an address."""
    names: list[str] = []
    emails: list[str] = []
    seen: list[str] = []
    for index, line in enumerate(lines):
        if len(line) > 400 or not labels.contact_intro.search(line):
            continue
        for following in lines[index + 1:index + 1 + CONTACT_BLOCK_LINES]:
            if not following:
                if seen:
                    break
                continue
            if not re.match(r"^[*•·\-–—]", following) and seen:
                break
            seen.append(following)
            if any(p.match(following) for p in labels.fields.values()):
                continue  # "-- Patent number: …" is read by its label
            item = re.sub(rf"^{BULLETS}", "", following)
            address = EMAIL.search(item)
            if address:
                emails.append(address.group(0))
                item = item[:address.start()] + item[address.end():]
            item = item.strip(" \t,;:：<>()[]")
            if item and not DIGITS_ID.fullmatch(item):
                names.append(item)
        if seen:
            break
    return _Contact(names, emails, seen)


def _unique(values: Any) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


_INLINE_ID = re.compile(
    r"(?:complaint|reference|notice|beschwerde|申し立て|申立|投诉|投訴)\s*"
    r"(?:id|number|no\.?|nummer|番号|编号|編號|#)?\s*[:：#]?\s*(\d{8,20})",
    re.IGNORECASE,
)


def _inline_complaint_ids(body: str) -> list[str]:
    return _unique(m.group(1) for m in _INLINE_ID.finditer(body))


def _complaint_type(values: list[str], body: str, labels: _Labels) -> str | None:
    for value in values:
        for kind, pattern in labels.types:
            if pattern.search(value):
                return kind
    # No labelled type: count type words in the text; the most specific wins a tie.
    counts: Counter[str] = Counter()
    for kind, pattern in labels.types:
        if kind == "other":
            continue
        counts[kind] = len(pattern.findall(body[:50_000]))
    if counts.get("design_patent"):
        counts["patent"] = max(0, counts["patent"] - counts["design_patent"])
    best = [kind for kind, n in counts.most_common() if n > 0]
    return best[0] if best else None


_PAIRS = {"(": ")", "[": "]", "（": "）", "【": "】", "<": ">", "「": "」"}
_EDGE = " \t:：,，;；-–—\"'“”"


def _first_name(values: list[str], labels: _Labels) -> str | None:
    """The first value that is a name: label and address removed, brackets kept when they pair
    ("Example Co., Ltd. (ACMEBRAND)") and dropped when they are only left over ("(", "<>")."""
    for value in values:
        value = _balanced(_cut(EMAIL.sub("", value), labels).strip(_EDGE))
        if 1 < len(value) <= 200:
            return value
    return None


def _balanced(value: str) -> str:
    """`value` with brackets at either end removed only when they have no partner inside."""
    for _ in range(4):
        before = value
        if value[:1] in _PAIRS and _PAIRS[value[0]] not in value[1:]:
            value = value[1:]
        closing = {v: k for k, v in _PAIRS.items()}
        if value[-1:] in closing and closing[value[-1]] not in value[:-1]:
            value = value[:-1]
        if value and value[-1] in _PAIRS:  # "Example Co. (" with an empty bracket after it
            value = value[:-1]
        if value[-2:] in ("()", "[]", "<>", "（）"):
            value = value[:-2]
        if len(value) > 2 and value[0] in _PAIRS and value[-1] == _PAIRS[value[0]] \
                and value.count(value[0]) == 1:  # "[Example Labs]": the whole name in brackets
            value = value[1:-1]
        value = value.strip(_EDGE)
        if value == before:
            break
    return value


def _email(values: list[str], body: str) -> str | None:
    for value in values:
        match = EMAIL.search(value)
        if match:
            return match.group(0).lower()
    for match in EMAIL.finditer(body[:50_000]):  # an unlabelled address that is not Amazon's own
        address = match.group(0).lower()
        if not re.search(r"@(?:[\w-]+\.)*amazon\.", address):
            return address
    return None


_GAP_FIELDS = {"complaint_id": "complaint_id", "asins": "asin", "complaint_type": "complaint_type",
               "rights_owner": "rights_owner", "rights_owner_email": "rights_owner_email",
               "trademark_numbers": "trademark_number", "patent_numbers": "patent_number"}


def _seen(result: ParsedNotice, lines: list[str], contact: _Contact, labels: _Labels,
          labelled: dict[str, list[str]]) -> dict[str, str]:
    """For each missing field, what stood where it usually is: its own label's value when that
    could not be read ("Patent number: ES 2-812"), the contact block for the rights owner and
    address, otherwise a `Label: value` line whose label is not a known one."""
    gaps = result.missing()
    seen: dict[str, str] = {}
    for gap in gaps:
        own = labelled.get(_GAP_FIELDS.get(gap, ""), [])
        if own:
            seen[gap] = own[0][:MAX_SEEN_CHARS]
    gaps = [gap for gap in gaps if gap not in seen]
    if not gaps:
        return seen
    unknown = [line for line in lines[:2000] if _looks_labelled(line)
               and not any(p.match(line) for p in labels.fields.values())]
    for gap in gaps:
        if gap in ("rights_owner", "rights_owner_email"):
            near = contact.lines or [line for line in lines[:2000] if EMAIL.search(line)][:1]
            if near:
                seen[gap] = " / ".join(near)[:MAX_SEEN_CHARS]
                continue
        if unknown:
            seen[gap] = unknown[0][:MAX_SEEN_CHARS]
    return seen


_LOOKS_LABELLED = re.compile(r"^[^\W\d][^:：]{0,30}[:：]\s*\S")


def _looks_labelled(line: str) -> bool:
    return 0 < len(line) <= 300 and _LOOKS_LABELLED.match(line) is not None and "://" not in line[:40]


def _numbers(values: list[str], pattern: re.Pattern[str]) -> list[str]:
    return _unique(re.sub(r"\s+", " ", m.group(1)) for value in values for m in pattern.finditer(value))


def _marketplace(values: list[str], body: str) -> str | None:
    """`amazon.<key>` of the marketplace the notice names: a labelled value first (`Marketplace:
    Amazon.co.uk`, `站点：英国站`), else the Amazon host the text names most (`marketplace`)."""
    for value in values:
        if (key := read_marketplace(value)) is not None:
            return f"amazon.{key}"
    key = marketplace_in(body)
    return f"amazon.{key}" if key else None


def _to_date(parts: dict[str, str]) -> date | None:
    try:
        month = MONTHS[parts["M"].lower()] if "M" in parts else int(parts["m"])
        return date(int(parts["y"]), month, int(parts["d"]))
    except (KeyError, ValueError):
        return None


def _find_dates(text: str) -> list[tuple[int, str]]:
    found = []
    for pattern, order in DATE_PATTERNS:
        for match in pattern.finditer(text):
            value = _to_date(dict(zip(order, match.groups(), strict=True)))
            if value is not None and 1990 <= value.year <= 2100:
                found.append((match.start(), value.isoformat()))
    return sorted(found)


def _dates(values: list[str], body: str) -> list[str]:
    labelled = [iso for value in values for _, iso in _find_dates(value)]
    return _unique(labelled + [iso for _, iso in _find_dates(body[:50_000])])


def _language(body: str, labels: _Labels) -> str:
    sample = body[:20_000]
    if re.search(r"[\u3040-\u30ff]", sample):
        return "ja"
    scores = {lang: len(pattern.findall(sample)) for lang, pattern in labels.languages.items()}
    best = max(scores.items(), key=lambda item: item[1], default=("en", 0))
    if best[1] >= 2:
        return best[0]
    return "zh" if re.search(r"[\u4e00-\u9fff]", sample) else "en"


def _score(result: ParsedNotice, labelled: dict[str, list[str]], body: str, labels: _Labels) -> int:
    score = 0
    score += 2 if labelled.get("complaint_id") else (1 if result.complaint_ids else 0)
    score += 2 if labelled.get("complaint_type") else 0
    score += 1 if result.rights_owner else 0
    score += 1 if labelled.get("rights_owner_email") else 0
    score += 1 if result.asins else 0
    score += min(2, len(labels.markers.findall(body[:20_000])))
    return score


def parse_date(text: str) -> date | None:
    """One date as a seller types it (see chatbot.typed_date, the one reader), or None when it
    is no date, an ambiguous one, or before 1995. Not bounded by today: callers check that."""
    from chatbot.typed_date import TypedDateError, read_typed_date

    try:
        return read_typed_date(text, date.max - timedelta(days=2))
    except TypedDateError:
        return None
