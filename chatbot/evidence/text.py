"""The visible text of markup, with the boundaries a reader sees.

lxml's `text_content()` glues neighbouring elements: `<h1>Sandy Throw Blanket</h1><p>LUMIVA
quality.</p>` reads "Sandy Throw BlanketLUMIVA quality.", so a brand word is not found and a
label runs into its value ("…Amazon.de seit15. Oktober 2018"). Here block elements, `<br>`,
table cells and list items separate words. Every reader of page text (the page source, Amazon's
detail rows, the platform's product text) goes through `visible_text`.
"""

from __future__ import annotations

import copy
import re
from itertools import islice

import lxml.html
from lxml import etree

MAX_TEXT_CHARS = 500_000  # text kept from one document; the brand scan and date scan read no more
MAX_NODES = 200_000  # elements walked in one document
MAX_FRAGMENT_BYTES = 2_000_000  # an HTML fragment from a platform answer (body_html, content)

# Elements after which a reader sees a break, not a continuation of the same word: those the
# HTML Living Standard's rendering section (§15.3, "Flow content", "Lists", "Tables", "Form
# controls", "The hr element") lays out as a box of their own — `display: block`, `list-item`,
# `table-*` or `inline-block` — including the obsolete ones browsers still render that way
# (`center`, `dir`, `listing`, `plaintext`, `xmp`, `marquee`), plus `br`, `img` and `option`.
# Inline elements (`b`, `span`, `a`, `wbr`, …) are not here: `LU<b>MIVA</b>` is one word.
BREAKING = frozenset({
    "address", "article", "aside", "blockquote", "br", "button", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "img", "input", "label", "legend", "li", "listing",
    "main", "marquee", "menu", "nav", "ol", "optgroup", "option", "p", "plaintext", "pre", "search",
    "section", "select", "summary", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "title",
    "tr", "ul", "xmp",
})
INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe", "object"})
_SPACES = re.compile(r"\s+")
_MARKS = (("\u200e", " "), ("\u200f", " "), ("\u200b", ""), ("\ufeff", ""), ("\u00a0", " "))


def visible_text(element: etree._Element, *, limit: int = MAX_TEXT_CHARS, in_place: bool = False) -> str:
    """The text a reader sees in `element`, one line, words kept apart at element boundaries.

    Skips scripts, styles and comments. Marks each breaking element with a space before and after
    (on a copy, unless `in_place`: the caller is done with the tree) and reads the text in one
    pass of lxml's own text reader, so the cost is one walk over at most MAX_NODES elements."""
    if not in_place:
        element = copy.deepcopy(element)
    # Collected first: emptying an invisible element while iterating would end the iteration.
    for node in list(islice(element.iter(*INVISIBLE, *BREAKING), MAX_NODES)):
        tag = node.tag.rsplit("}", 1)[-1].lower() if isinstance(node.tag, str) else ""
        if tag in INVISIBLE:
            node.text = None  # its words are not on the page; its tail is
            for child in list(node):
                node.remove(child)  # the tail of a removed child goes with it: it was inside
        else:
            try:
                node.text = " " + (node.text or "")
                node.tail = " " + (node.tail or "")
            except ValueError:  # text lxml parsed but will not set again (control characters)
                continue
    text = element.text_content() or ""
    if len(text) > limit * 2:
        text = text[: limit * 2]
    for mark, replacement in _MARKS:
        if mark in text:
            text = text.replace(mark, replacement)
    return _SPACES.sub(" ", text).strip()[:limit]


def fragment_text(markup: str) -> str:
    """The visible text of an HTML fragment (Shopify `body_html`, WordPress `content.rendered`)."""
    if not markup or not markup.strip():
        return ""
    data = markup.encode("utf-8", "replace")[:MAX_FRAGMENT_BYTES]
    try:
        root = lxml.html.fragment_fromstring(data, create_parent="div",
                                             parser=lxml.html.HTMLParser(encoding="utf-8", recover=True))
    except (etree.ParserError, ValueError):
        return ""
    return visible_text(root)
