"""The visible text of markup, with the boundaries a reader sees.

lxml's `text_content()` glues neighbouring elements: `<h1>Sandy Throw Blanket</h1><p>LUMIVA
quality.</p>` reads "Sandy Throw BlanketLUMIVA quality.", so a brand word is not found and a
label runs into its value ("…Amazon.de seit15. Oktober 2018"). Here block elements, `<br>`,
table cells and list items separate words. Every reader of page text (the page source, Amazon's
detail rows, the platform's product text) goes through `visible_text`.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

MAX_TEXT_CHARS = 500_000  # text kept from one document; the brand scan and date scan read no more
MAX_NODES = 200_000  # elements walked in one document
MAX_FRAGMENT_BYTES = 2_000_000  # an HTML fragment from a platform answer (body_html, content)

# Elements after which a reader sees a break, not a continuation of the same word.
BREAKING = frozenset({
    "address", "article", "aside", "blockquote", "br", "button", "caption", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hgroup", "hr", "img", "input", "label", "legend", "li", "main", "nav", "ol", "option",
    "p", "pre", "section", "select", "summary", "table", "tbody", "td", "textarea", "tfoot", "th",
    "thead", "title", "tr", "ul",
})
INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe", "object"})
_SPACES = re.compile(r"\s+")
_MARKS = str.maketrans({"\u200e": " ", "\u200f": " ", "\u200b": "", "\ufeff": "", "\u00a0": " "})


def visible_text(element: etree._Element, *, limit: int = MAX_TEXT_CHARS) -> str:
    """The text a reader sees in `element`, one line, words kept apart at element boundaries.

    Skips scripts, styles and comments; walks at most MAX_NODES elements and keeps at most
    `limit` characters (a linear walk with an explicit stack: no recursion on deep markup)."""
    parts: list[str] = []
    size = 0
    # Stack of (node, closing): closing entries add the break and the node's tail after its children.
    stack: list[tuple[etree._Element, bool]] = [(element, False)]
    walked = 0
    while stack and size < limit and walked < MAX_NODES:
        node, closing = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""
        name = tag.rsplit("}", 1)[-1].lower()
        if closing:
            if name in BREAKING:
                parts.append(" ")
            if node is not element and node.tail:
                parts.append(node.tail)
                size += len(node.tail)
            continue
        walked += 1
        if not tag or name in INVISIBLE:  # comments, processing instructions, scripts
            if node is not element and node.tail:
                parts.append(node.tail)
                size += len(node.tail)
            continue
        if name in BREAKING:
            parts.append(" ")
        if node.text:
            parts.append(node.text)
            size += len(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    text = "".join(parts).translate(_MARKS)
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
