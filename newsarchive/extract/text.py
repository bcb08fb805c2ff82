"""Text normalisation shared by every extractor step: NFC, entities, invisible characters, white space.

Vietnamese pages mix precomposed (NFC) and decomposed (NFD, combining tone marks) letters, and
legacy charsets such as windows-1258 always decompose; everything the extractor returns goes
through :func:`clean` so that equal text compares equal.
"""

from __future__ import annotations

import html
import re
import unicodedata

from lxml import etree

# Characters that render as nothing or as a plain space: zero-width spaces/joiners, soft hyphen,
# BOM, no-break and other Unicode spaces.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")  # one regex pass: str.translate is slow on long text
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]{2,8});")


# An element's text with its descendants' text, in document order (what ``lxml.html``'s
# ``text_content()`` computes): pages are parsed into plain ``lxml.etree`` elements, which skips
# lxml.html's per-element Python class look-up.
text_of = etree.XPath("string()", smart_strings=False)


def fold(text: str) -> str:
    """Fold runs of white space (including no-break spaces) to one space and trim. (``str.split``
    splits on exactly the characters of ``_SPACES``: Unicode white space; it is several times faster.)"""
    return " ".join(text.split())


def clean(text: str | None) -> str:
    """NFC, entities left by double-escaping unescaped, invisible characters dropped, white space folded."""
    if not text:
        return ""
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    return fold(text)


def clean_or_none(text: str | None) -> str | None:
    value = clean(text)
    return value or None


def words(text: str) -> list[str]:
    """Word tokens as the scorer counts them (white-space separated)."""
    return text.split()


def similar(a: str, b: str) -> bool:
    """Loose equality for matching a headline or lead against metadata: case and punctuation ignored."""
    return _key(a) == _key(b)


_NONWORD = re.compile(r"[\W_]+", re.UNICODE)


def _key(text: str) -> str:
    return _NONWORD.sub("", clean(text).casefold())


def contains_loose(haystack: str, needle: str) -> bool:
    k = _key(needle)
    return bool(k) and k in _key(haystack)
