"""What a user types in the search box, turned into an FTS5 MATCH expression, and the filters beside it.

The query language (the user's text is never passed to FTS5 as it is, so no input is a syntax error
from SQLite):

- words are all required: ``Lâm Đồng du lịch`` finds articles with the four words, in any order;
- ``"quoted words"`` must appear together, in that order (a phrase);
- ``word*`` matches the words starting with ``word`` (at least ``MIN_PREFIX`` letters);
- ``a OR b`` either of two words or phrases;
- ``-word`` excludes the articles containing it.

Words are folded (newsarchive.search.fold): with or without diacritics they find the same articles.
A word that holds several (``TP.HCM``, ``covid-19``) is a phrase of its parts. When the query has
diacritics, the exact spellings also go into the expression, in a branch that cannot change which
articles match, so that bm25 ranks articles with the words spelt as typed (in their title or lead)
first: ``Lâm Đồng`` ranks "Lâm Đồng" above "lâm động" (a different word with the same letters);
so do the query's words found side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from newsarchive.search.fold import exact_form, fold, has_diacritics, tokens

MAX_QUERY_CHARS = 300
MAX_TERMS = 16
MIN_PREFIX = 2
FOLDED_COLUMNS = "{title lead body}"
BOOST_COLUMNS = "{title lead}"
EXACT_COLUMN = "{exact}"

_ITEM = re.compile(r'(-?)"([^"]*)("?)|(\S+)')


class QueryError(ValueError):
    """A query or filter the user must correct; the message says how (shown as it is, HTTP 400)."""


@dataclass
class Term:
    """One word or phrase of the query."""

    folded: list[str]            # its folded tokens (a phrase when more than one)
    exact: list[str]             # the same tokens as typed (lowercased, with diacritics)
    prefix: bool = False         # the last token is a prefix
    text: str = ""               # as typed

    def phrase(self, exact: bool = False) -> str:
        words = self.exact if exact else self.folded
        return '"' + " ".join(words) + '"' + ("*" if self.prefix else "")


@dataclass
class Query:
    text: str
    groups: list[list[Term]] = field(default_factory=list)   # AND of groups, each an OR of terms
    excluded: list[Term] = field(default_factory=list)

    @property
    def terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]

    def fts(self, boost: bool = True) -> str:
        """The FTS5 MATCH expression: the folded query over title, lead and body (what matches), and
        (`boost`) ranking boosts in a branch that cannot change what matches: the query's consecutive
        words side by side in the title or lead (a place name, "Lâm Đồng", above "lạm phát ... đồng"),
        and, when it was typed with diacritics, its words spelt as typed in the title or lead. (Boosts
        over the body too cost twice the time on a large archive for little change in the order.)"""
        folded = " AND ".join("(" + " OR ".join(t.phrase() for t in g) + ")" for g in self.groups)
        if self.excluded:
            folded += " NOT (" + " OR ".join(t.phrase() for t in self.excluded) + ")"
        expr = f"{FOLDED_COLUMNS} : ({folded})"
        if not boost:
            return expr
        boosts = []
        words = [t for g in self.groups if len(g) == 1 for t in g if not t.prefix]
        bigrams = sorted({(t1.folded[-1], t2.folded[0]) for t1, t2 in zip(words, words[1:])})
        boosts += [f'{BOOST_COLUMNS} : "{a} {b}"' for a, b in bigrams]
        if has_diacritics(self.text):
            exact = [t for t in self.terms if t.exact != t.folded]
            boosts += [f"{EXACT_COLUMN} : {t.phrase(exact=True)}" for t in exact]
        if boosts:
            # (F) OR (F AND B) matches exactly what F matches; bm25 adds B's phrases where they occur
            expr = f"({expr}) OR (({expr}) AND ({' OR '.join(boosts)}))"
        return expr

    def highlight_terms(self) -> list[tuple[tuple[str, ...], bool]]:
        """(folded tokens, last one is a prefix) of every word and phrase to highlight."""
        out: list[tuple[tuple[str, ...], bool]] = []
        for t in self.terms:
            item = (tuple(t.folded), t.prefix)
            if item not in out:
                out.append(item)
        return out


def _term(text: str, prefix: bool) -> Term | None:
    folded = tokens(fold(text))
    if not folded:
        return None
    exact = tokens(exact_form(text))
    if len(exact) != len(folded):   # e.g. a character that folds into two words: no exact branch
        exact = folded
    term = Term(folded, exact, prefix, text)
    if prefix and len(folded[-1]) < MIN_PREFIX:
        raise QueryError(f"{text + '*'!r}: a prefix search needs at least {MIN_PREFIX} letters before the *")
    return term


def parse_query(text: str) -> Query | None:
    """The parsed query, or None when it holds no word to search for (empty, or only punctuation)."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text)} characters long; at most {MAX_QUERY_CHARS} are allowed")
    q = Query(text)
    join_next = False
    for m in _ITEM.finditer(text):
        negated, phrase, _closed, word = m.group(1), m.group(2), m.group(3), m.group(4)
        prefix = False
        if word is not None:
            if word == "OR":
                join_next = bool(q.groups)
                continue
            if word.startswith("-") and len(word) > 1:
                negated, word = "-", word[1:]
            if word.endswith("*"):
                prefix, word = True, word.rstrip("*")
            term = _term(word, prefix)
        else:
            rest = text[m.end():]
            if rest.startswith("*"):
                prefix = True
            term = _term(phrase, prefix)
        if term is None:
            continue
        if negated:
            q.excluded.append(term)
            join_next = False
            continue
        if join_next and q.groups:
            q.groups[-1].append(term)
        else:
            q.groups.append([term])
        join_next = False
    if len(q.terms) + len(q.excluded) > MAX_TERMS:
        raise QueryError(f"the query has {len(q.terms) + len(q.excluded)} words or phrases; at most {MAX_TERMS}")
    if not q.groups:
        if q.excluded:
            raise QueryError("a query needs at least one word to find, not only words to exclude")
        return None
    return q


@dataclass
class Filters:
    """What narrows a search (or, without a query, lists articles): outlet, province, publication dates."""

    site: str | None = None
    province: str | None = None
    since: date | None = None       # published on or after (the day in the outlet's own time)
    until: date | None = None       # published on or before

    def active(self) -> bool:
        return any(v is not None for v in (self.site, self.province, self.since, self.until))


def parse_day(value: str | None, name: str) -> date | None:
    """A YYYY-MM-DD date parameter; a clear error otherwise."""
    if value is None or value.strip() == "":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise QueryError(f"{name}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-03-07") from None


def parse_filters(site: str | None = None, province: str | None = None, since: str | None = None,
                  until: str | None = None) -> Filters:
    f = Filters(site=(site or "").strip().lower() or None, province=(province or "").strip() or None,
                since=parse_day(since, "since"), until=parse_day(until, "until"))
    for name, value in (("site", f.site), ("province", f.province)):
        if value is not None and len(value) > 200:
            raise QueryError(f"{name}: at most 200 characters")
    if f.since and f.until and f.since > f.until:
        raise QueryError(f"since ({f.since}) is after until ({f.until})")
    return f
