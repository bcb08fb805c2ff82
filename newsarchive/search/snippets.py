"""Snippets and highlights: where the query's words are in an article's text, in its own spelling.

Matching is done on the folded text (newsarchive.search.fold), so "lam dong" highlights "Lâm Đồng";
the spans returned point into the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsarchive.search.fold import fold, fold_with_offsets

SNIPPET_CHARS = 240


@dataclass
class Marked:
    """A piece of text with highlighted spans ([start, end) character offsets into `text`)."""

    text: str
    spans: list[tuple[int, int]] = field(default_factory=list)
    cut_start: bool = False      # text was cut before the start
    cut_end: bool = False        # text was cut after the end

    def pieces(self) -> list[tuple[str, bool]]:
        """(text, highlighted) in order, covering the whole text."""
        out, pos = [], 0
        for s, e in self.spans:
            if s > pos:
                out.append((self.text[pos:s], False))
            out.append((self.text[s:e], True))
            pos = e
        if pos < len(self.text):
            out.append((self.text[pos:], False))
        return out

    def plain(self) -> str:
        return ("…" if self.cut_start else "") + self.text + ("…" if self.cut_end else "")


def term_pattern(terms: list[tuple[tuple[str, ...], bool]]) -> re.Pattern | None:
    """A regex finding the folded words and phrases (their words with anything but letters and digits
    between) as whole words; a prefix's last word may go on."""
    if not terms:
        return None
    alts = []
    for words, prefix in terms:
        alt = r"[\W_]+".join(re.escape(w) for w in words)
        alts.append(alt + (r"[^\W_]*" if prefix else ""))
    alts.sort(key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alts) + r")(?![^\W_])")


def _folded(text: str) -> tuple[str, list[int] | None]:
    """Folded text and its offset map; None for the map when folding kept every character in place
    (NFC Vietnamese text: each letter folds to one letter), the common case, done at C speed."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded, None
    return fold_with_offsets(text)


def find_spans(text: str, pattern: re.Pattern | None) -> list[tuple[int, int, str]]:
    """(start, end, folded word) in `text` of every match of `pattern`."""
    if pattern is None or not text:
        return []
    folded, where = _folded(text)
    out = []
    for m in pattern.finditer(folded):
        s, e = m.start(), m.end()
        if where is not None:
            s, e = where[s], where[e - 1] + 1
        out.append((s, e, m.group(0)))
    return out


def highlight(text: str | None, pattern: re.Pattern | None) -> Marked:
    """The whole text with the query's words marked (titles)."""
    text = text or ""
    return Marked(text, [(s, e) for s, e, _ in find_spans(text, pattern)])


def snippet(text: str | None, pattern: re.Pattern | None, width: int = SNIPPET_CHARS) -> Marked:
    """About `width` characters of `text` around the densest cluster of the query's words; the
    start of the text when none is found."""
    text = " ".join((text or "").split())
    spans = find_spans(text, pattern)
    if len(text) <= width:
        return Marked(text, [(s, e) for s, e, _ in spans])
    if not spans:
        end = _word_end(text, width)
        return Marked(text[:end], [], False, end < len(text))
    best, best_key = 0, (-1, -1)
    for i, (s, _e, _w) in enumerate(spans):
        inside = [w for (s2, e2, w) in spans[i:] if e2 <= s + width]
        key = (len(set(inside)), len(inside))
        if key > best_key:
            best, best_key = i, key
    start = spans[best][0]
    start = max(0, start - width // 6)                 # a little context before the first word
    start = _word_start(text, start)
    end = _word_end(text, min(len(text), start + width))
    if end - start < width and start > 0:               # near the end: show more before instead
        start = _word_start(text, max(0, end - width))
    chosen = [(s - start, e - start) for s, e, _ in spans if s >= start and e <= end]
    return Marked(text[start:end], chosen, start > 0, end < len(text))


def _word_start(text: str, pos: int) -> int:
    if pos <= 0:
        return 0
    space = text.rfind(" ", 0, pos)
    return space + 1 if space >= 0 and pos - space < 30 else pos


def _word_end(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    space = text.find(" ", pos)
    return space if 0 <= space - pos < 30 else pos
