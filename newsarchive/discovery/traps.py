"""Crawler traps: links that would keep a crawl busy for ever without bringing a new article.

``TrapGuard`` looks at every non-article URL discovery wants to follow (listing pages, sections,
pagination) and says whether to follow it. Its rules, in the order they are tried (the first that
objects decides, and the URL is counted under its name and never requested):

1. ``path_loop``: a path that repeats a segment three times or more, or is absurdly deep or long
   (``/a/b/a/b/a/b``, relative links resolved against the wrong base);
2. ``view_variant``: a query parameter that only changes how a page is shown (``?sort=``, ``?view=``,
   ``?order=``, ``?layout=``...) on a page that is read without it (``strip_view_params``; the
   frontier says which pages it reads, ``known=``). Where the plain page is not read, the variant is:
   some sites need the parameter (Joomla's ``view=article``), and ``query_variants`` bounds them;
3. ``calendar``: a date-archive or calendar page (``/2024/06/07/``, ``?date=2024-06-07``,
   ``/lich-phat-song/...``): there is one for every day of every year; at most
   ``max_calendar_pages`` of them are followed per outlet, the rest are cut;
4. ``query_variants``: one path reached with more than ``max_query_variants`` different query strings
   (filters, ids of widgets, cache busters);
5. ``page_budget``: more than ``max_pages`` listing pages for the outlet in this run.

Endless pagination (a page N+1 that repeats page N, or keeps numbering past the last article) is
caught where the listing is read (``newsarchive.discovery.frontier``), and counted under
``endless_pagination``. Session ids and tracking parameters are not traps: ``newsarchive.discovery.urls``
strips them from every URL before it is requested.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

# Query parameters that only change the presentation of a page (compared lower-cased).
VIEW_PARAMS: tuple[str, ...] = (
    "sort", "sortby", "sort_by", "order", "orderby", "order_by", "dir", "direction", "view", "viewmode",
    "layout", "display", "mode", "style", "theme", "template", "limit", "per_page", "perpage", "pagesize",
    "page_size", "print", "format", "device", "amp",
)

# Date archives and calendars, in the path or the query.
CALENDAR_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # /2024/06/07/ or /2024/06/ as the whole path (a date archive, not /2024/06/07/slug)
    ("date_path", re.compile(r"^/(?:[a-z-]+/)*(?:19|20)\d\d/(?:0?[1-9]|1[0-2])(?:/(?:0?[1-9]|[12]\d|3[01]))?/?$")),
    # ?date=2024-06-07, ?ngay=07/06/2024, ?day=..., ?month=..&year=..
    ("date_query", re.compile(r"(?:^|&)[a-z_]*(?:date|ngay|day)[a-z_]*=(?:\d{1,4}[-/.%]\d{1,2}|\d{8})", re.I)),
    # TV schedules and event calendars
    ("calendar_path", re.compile(r"/(?:lich|calendar|lich-phat-song|lich-chieu|schedule|events?)(?:/|$|[-.])", re.I)),
]

MAX_SEGMENT_REPEATS = 3
MAX_DEPTH = 12
MAX_URL_LENGTH = 400


@dataclass
class TrapGuard:
    """Per outlet: which non-article URLs to follow; what was cut, by rule, with a few examples."""

    max_pages: int = 5000
    max_calendar_pages: int = 30
    max_query_variants: int = 20
    cut: Counter = field(default_factory=Counter)                  # rule -> URLs cut
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    pages: int = 0
    calendar_pages: int = 0
    _variants: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def check(self, url: str, known: Callable[[str], bool] | None = None) -> str | None:
        """The trap rule ``url`` falls under (it is then counted as cut), or None to follow it.
        ``known(url)``: is this page read anyway (for ``view_variant``)."""
        rule = self._rule(url, known)
        if rule is not None:
            self.record(rule, url)
        return rule

    def record(self, rule: str, url: str) -> None:
        """Count a URL cut under ``rule`` (also for rules decided elsewhere, e.g. endless pagination)."""
        self.cut[rule] += 1
        if len(self.examples[rule]) < 5:
            self.examples[rule].append(url)

    def _rule(self, url: str, known: Callable[[str], bool] | None) -> str | None:
        parts = urlsplit(url)
        path = parts.path
        if path_loops(path) or len(url) > MAX_URL_LENGTH:
            return "path_loop"
        if parts.query and view_variant(parts.query) and known is not None and known(strip_view_params(url)):
            return "view_variant"
        if is_calendar(path, parts.query):
            if self.calendar_pages >= self.max_calendar_pages:
                return "calendar"
            self.calendar_pages += 1
        if parts.query:
            variants = self._variants[path]
            if parts.query not in variants:
                if len(variants) >= self.max_query_variants:
                    return "query_variants"
                variants.add(parts.query)
        if self.pages >= self.max_pages:
            return "page_budget"
        self.pages += 1
        return None

    def to_dict(self) -> dict:
        return {"cut": dict(sorted(self.cut.items())), "examples": {k: list(v) for k, v in sorted(self.examples.items())}}


def path_loops(path: str) -> bool:
    segs = [s for s in path.split("/") if s]
    if len(segs) > MAX_DEPTH:
        return True
    counts = Counter(segs)
    return bool(counts) and max(counts.values()) >= MAX_SEGMENT_REPEATS


def view_variant(query: str) -> bool:
    return any(k.lower() in VIEW_PARAMS for k, _ in parse_qsl(query, keep_blank_values=True))


def strip_view_params(url: str) -> str:
    """``url`` without its presentation parameters (see ``VIEW_PARAMS``)."""
    from urllib.parse import urlencode, urlunsplit

    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in VIEW_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))


def is_calendar(path: str, query: str = "") -> bool:
    for name, pattern in CALENDAR_PATTERNS:
        target = query if name == "date_query" else path.lower()
        if target and pattern.search(target):
            return True
    return False
