"""Vietnamese-aware text folding for search: "Lâm Đồng", "LÂM ĐỒNG" and "lam dong" are one thing.

`fold` lowercases, removes every combining mark after canonical decomposition (tone marks and the
hat, breve and horn of â ă ê ô ơ ư) and maps đ/Đ, which Unicode does not decompose, to d. It is
applied to the indexed text and to the query alike, so that a search with or without diacritics
finds the same articles; ranking then prefers exact-diacritic matches (newsarchive.search.query).

`tokens` splits folded text into words as SQLite's FTS5 ``unicode61`` tokenizer does (letters and
digits; every other character separates), so a plain scan of the records (`matches`) finds exactly
what the index finds. `fold_with_offsets` keeps, for each folded character, where it came from in
the original text, so that snippets highlight the original words, diacritics and all.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Characters that canonical decomposition does not split, folded by hand. Đ/đ is the one that
# matters for Vietnamese; the others are the Latin letters with a stroke that unicode61 also leaves.
EXTRA = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "ħ": "h", "Ħ": "h"}

_COMBINING = re.compile("[" + "".join(
    re.escape(chr(c)) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c))) + "]")
# A word: letters and digits (no underscore), as FTS5's unicode61 tokenizer reads them.
WORD = re.compile(r"[^\W_]+")


def fold(text: str | None) -> str:
    """Lowercased, without diacritics, đ -> d: the form both the index and the queries use."""
    if not text:
        return ""
    text = _COMBINING.sub("", unicodedata.normalize("NFD", text))
    for char, plain in EXTRA.items():   # str.replace: C speed (str.translate with a dict is 10x slower)
        if char in text:
            text = text.replace(char, plain)
    return text.lower()


def has_diacritics(text: str) -> bool:
    """True when folding changes more than case (the query was typed with diacritics or đ)."""
    return fold(text) != unicodedata.normalize("NFC", text).lower()


def tokens(folded: str) -> list[str]:
    """The words of folded text."""
    return WORD.findall(folded)


def exact_form(text: str | None) -> str:
    """Lowercased NFC text with its diacritics: the index's exact column (for ranking only)."""
    return unicodedata.normalize("NFC", text or "").lower()


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    return fold(c)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """(folded text, for each folded character the index of the original character it came from).

    Folding one character may give none (a lone combining mark) or several; the map follows."""
    out: list[str] = []
    where: list[int] = []
    for i, c in enumerate(text):
        if c < "\x80":
            out.append(c.lower())
            where.append(i)
            continue
        f = _fold_char(c)
        out.append(f)
        where.extend([i] * len(f))
    return "".join(out), where
