"""Listing pages (home, categories): their links, the dates shown beside them, and their next page.

``read_listing`` turns one listing page into ``ListingPage``: every in-page link with the date printed
next to it (if any), and the candidate URLs of the next (older) page, found by these rules in order:

1. ``NEXT_REL``: ``<link rel="next">`` / ``<a rel="next">``;
2. ``NEXT_TEXTS``: anchors whose text says "next"/"more" ("Xem thêm", "Trang sau", "Tiếp", "»", ...);
3. ``PAGE_NUMBER_PATTERNS``: an anchor to the same listing with page number N+1
   (``?page=N``, ``?p=N``, ``/trang-N``, ``/page/N``, ``/pN``).

The date of a listed link is looked for in the link and up to ``DATE_SEARCH_ANCESTORS`` elements above
it, stopping below the first one that also holds a link to *another* article (the list, or a box of
several items): a date found there may be a sibling's. An item that prints no date gets none (the
crawl then learns its date by fetching it) rather than its neighbour's.

``HeldNextPage``: when a listing page's items print no date, the walk back in time cannot tell from the
page whether it has left the --since window; the crawl holds the next page until the page's articles
are fetched and their dates known, and walks on only if one of them is inside the window.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html

from newsarchive.discovery.classify import UrlClassifier
from newsarchive.discovery.window import parse_when

# Texts of "next page" / "more" anchors, compared lower-cased, NFC, white space folded.
NEXT_TEXTS: tuple[str, ...] = (
    "xem thêm", "trang sau", "trang tiếp", "trang kế", "kế tiếp", "tiếp", "tiếp theo", "xem tiếp", "sau",
    "next", "next page", "more", "load more", "older", "older posts", "cũ hơn", "tin cũ hơn", "bài cũ hơn",
    "»", "›", ">", ">>", "→", "tiếp »", "sau »", "next »",
)

# Page-number shapes in listing URLs: (name, regex with a `n` group).
PAGE_NUMBER_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("query_page", re.compile(r"[?&](?:page|p|paged|trang|pageindex|pagenumber|pagenum|pageno|page_no|currentpage|pg)"
                              r"=(?P<n>\d+)", re.I)),
    ("path_trang", re.compile(r"/trang[-/]?(?P<n>\d+)(?:\.html?)?/?$", re.I)),
    ("path_page", re.compile(r"/page[-/]?(?P<n>\d+)(?:\.html?)?/?$", re.I)),
    # DNN's news modules: /Tin-tuc/Thoi-su/currentpage/2
    ("path_currentpage", re.compile(r"/currentpage/(?P<n>\d+)/?$", re.I)),
    ("path_p", re.compile(r"/p(?P<n>\d+)(?:\.html?)?/?$", re.I)),
    # suffixes on the category slug: /kinh-doanh-p2, /kinh-doanh-page1
    ("suffix_p", re.compile(r"-(?:p|page|trang)-?(?P<n>\d+)(?:\.html?)?/?$", re.I)),
]

# Query parameters that number the pages of a listing.
PAGE_PARAMS = ("page", "p", "paged", "trang", "pageindex", "pagenumber", "pagenum", "pageno", "page_no", "currentpage",
               "pg")

# Date and time strings printed beside listed items: "07/06/2024", "07/06/2024 06:55", "2024-06-07".
DATE_TEXT = re.compile(
    r"(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}(?:\s*[-,|]?\s*\d{1,2}[:h]\d{2})?|\d{1,2}[:h]\d{2}\s*[-,|]?\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:[+-]\d{2}:?\d{2}|Z)?)?)"
)

# How far up from a link to look for the date of its item (the link itself, its parent, ...).
DATE_SEARCH_ANCESTORS = 3

_MANY = object()   # an element holding links to two or more different articles


@dataclass
class ListedLink:
    url: str
    text: str = ""
    date: datetime | None = None
    date_raw: str | None = None


@dataclass(eq=False)
class HeldNextPage:
    """The next page of a listing page whose articles' dates are learned by fetching them."""

    outlet: str
    page_url: str                                   # the listing page read
    next_url: str                                   # its next (older) page, not requested yet
    depth: int                                      # the next page's depth in the walk
    dates: dict[str, datetime | None] = field(default_factory=dict)   # article URL -> date (None: unknown)
    waiting: set[str] = field(default_factory=set)  # article URLs whose fetch has not told their date yet

    def learn(self, url: str, when: datetime | None) -> None:
        """The fetch of ``url`` told its date (None: it could not, the fetch failed or found none)."""
        if url in self.waiting:
            self.waiting.discard(url)
            self.dates[url] = when

    @property
    def ready(self) -> bool:
        return not self.waiting


@dataclass
class ListingPage:
    links: list[ListedLink] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
    # next page candidate -> the rule that found it: "rel_next", "text_next", "page_number"
    next_rules: dict[str, str] = field(default_factory=dict)
    article_like: bool = False          # the page reads as one article (see ARTICLE_SIGNS)
    next_by_script: bool = False        # a next page behind __doPostBack (or another script link): not followed
    more_by_script: bool = False        # a "load more" button or onclick link (a widget, or the listing's pager)


def _norm_text(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip().lower()


def clean_url(url: str) -> str:
    """Absolute URL without its #fragment, tracking parameters and session ids (``urls.clean_url``)."""
    from newsarchive.discovery.urls import clean_url as without_tracking

    return without_tracking(url)


def request_url(url: str) -> str:
    """``url`` as Scrapy will request it and report it back (``Request.url``, ``response.url``): non-ASCII
    paths and queries percent-encoded, unsafe characters escaped. Discovery keys what it waits for by
    this form, so that the answer (an item, a failure) finds the URL it was waiting on."""
    from w3lib.url import safe_url_string

    return safe_url_string(url, "utf-8")


def page_number(url: str) -> tuple[str, int] | None:
    for name, pattern in PAGE_NUMBER_PATTERNS:
        m = pattern.search(url)
        if m:
            return name, int(m.group("n"))
    return None


def listing_root(url: str) -> str:
    """The listing's key: its URL without page-number parts and page extension (``/kinh-doanh.html``,
    ``/kinh-doanh-p2.html`` and ``/kinh-doanh/trang-3`` are one listing). A key, not always a URL to
    request."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query)
                       if k.lower() not in PAGE_PARAMS])
    path = parts.path
    for name, pattern in PAGE_NUMBER_PATTERNS[1:]:
        m = pattern.search(path)
        if m:
            path = path[: m.start()] or "/"
            break
    # /kinh-doanh.html and its page /kinh-doanh-p2.html are one listing
    path = re.sub(r"\.(?:html?|aspx?|php)$", "", path, flags=re.I)
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/") or "/", query, ""))


def _article_holders(anchors: list[tuple[object, str, str]], is_article: Callable[[str], bool]) -> dict:
    """Element -> the one article URL linked inside it, or ``_MANY`` when it holds links to several."""
    holders: dict = {}
    for el, url, _text in anchors:
        if not is_article(url):
            continue
        node = el
        while node is not None:
            held = holders.get(node)
            if held is _MANY:
                break                      # so are all its ancestors
            if held is None:
                holders[node] = url
            elif held != url:
                holders[node] = _MANY
            node = node.getparent()
    return holders


def _item_date(a, url: str, month_first: bool, holders: dict) -> tuple[datetime | None, str | None]:
    node = a
    for _ in range(DATE_SEARCH_ANCESTORS + 1):
        if node is None:
            break
        held = holders.get(node)
        if held is not None and held != url:
            break                          # holds another article's link: its dates may be that item's
        for t in node.iter("time"):
            raw = t.get("datetime") or t.text_content()
            when = parse_when(raw, month_first)
            if when:
                return when, raw.strip()
        m = DATE_TEXT.search(node.text_content() or "")
        if m:
            when = parse_when(m.group(1), month_first)
            if when:
                return when, m.group(1)
        node = node.getparent()
    return None, None


# What makes a page read as an article rather than a listing, tried in order (any one suffices):
# - ``jsonld_article``: JSON-LD that says it is an Article / NewsArticle / BlogPosting / Report...;
# - ``paragraph_run``: one element holding PARAGRAPH_RUN or more paragraphs of PARAGRAPH_CHARS+
#   characters of text outside links (a body; a listing's teasers sit one per item).
ARTICLE_TYPES = re.compile(rb'"@type"\s*:\s*\[?\s*"(?:News|Reportage|Analysis|Opinion|Review|Background)?'
                           rb'(?:Article|BlogPosting|Report)"')
PARAGRAPH_RUN = 4
PARAGRAPH_CHARS = 80


def _script_pager(el, href: str, current: int) -> str | None:
    """A "next" or page N+1 control that only a script follows: ``"postback"`` for a script link
    (``javascript:__doPostBack(...)``) saying next or N+1, ``"more"`` for an ``onclick`` link or a
    ``<button>`` saying "Xem thêm" / "Tải thêm" (the listing's own pager, or a box's), else None."""
    if el.tag == "a" and not href.startswith("javascript:") and not el.get("onclick"):
        return None
    text = _norm_text(el.text_content()) or _norm_text(el.get("title") or "")
    if not (text in NEXT_TEXTS or text in SCRIPT_MORE_TEXTS or text == str(current + 1)):
        return None
    return "postback" if href.startswith("javascript:") and "void" not in href else "more"


# Texts of "load more" controls (buttons, script links) besides NEXT_TEXTS
SCRIPT_MORE_TEXTS: tuple[str, ...] = ("tải thêm", "xem thêm tin", "xem tiếp", "load more", "show more")


def article_like(doc, html: bytes | str) -> bool:
    raw = html if isinstance(html, bytes) else html.encode("utf-8", "replace")
    if ARTICLE_TYPES.search(raw):
        return True
    runs: dict = {}
    for p in doc.iter("p"):
        text = (p.text or "") + "".join((c.tail or "") + ("" if c.tag == "a" else (c.text or "")) for c in p)
        if len(text.strip()) >= PARAGRAPH_CHARS:
            parent = p.getparent()
            runs[parent] = runs.get(parent, 0) + 1
            if runs[parent] >= PARAGRAPH_RUN:
                return True
    return False


def read_listing(html: bytes | str, base_url: str, month_first: bool = False,
                 want_dates: bool = True, is_article: Callable[[str], bool] | None = None) -> ListingPage:
    """Links (with dates beside them) and next-page candidates of one listing page.

    ``is_article`` tells which links are articles (the outlet's classifier; the generic rules of
    ``UrlClassifier`` if not given): an element holding links to two different articles bounds the
    search for a link's date.
    """
    page = ListingPage()
    try:
        doc = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return page
    page.article_like = article_like(doc, html)
    base = doc.find(".//base")
    if base is not None and base.get("href"):
        base_url = urljoin(base_url, base.get("href"))
    rel_next: list[str] = []
    text_next: list[str] = []
    anchors: list[tuple[object, str, str]] = []
    here_n = page_number(base_url)
    for el in doc.iter("a", "link", "button"):
        href = (el.get("href") or "").strip()
        if el.tag == "button" or not href or href.startswith(("javascript:", "#")):
            # a pager the crawl cannot follow: __doPostBack, a "load more" run by a script
            kind = _script_pager(el, href, here_n[1] if here_n else 1) if el.tag != "link" else None
            if kind == "postback":
                page.next_by_script = True
            elif kind == "more":
                page.more_by_script = True
            continue
        if href.startswith(("mailto:", "tel:")):
            continue
        url = clean_url(urljoin(base_url, href))
        if not url.startswith(("http://", "https://")):
            continue
        rel = (el.get("rel") or "").lower().split()
        if "next" in rel:
            rel_next.append(url)
        if el.tag == "link":
            continue
        text = _norm_text(el.text_content())
        if text in NEXT_TEXTS or _norm_text(el.get("title") or "") in NEXT_TEXTS:
            text_next.append(url)
        anchors.append((el, url, text))
    holders = _article_holders(anchors, is_article or UrlClassifier().is_article) if want_dates else {}
    seen: set[str] = set()
    for el, url, text in anchors:
        if url in seen:
            continue
        seen.add(url)
        date, raw = _item_date(el, url, month_first, holders) if want_dates else (None, None)
        page.links.append(ListedLink(url=url, text=text, date=date, date_raw=raw))
    numbered = []
    here = page_number(base_url)
    current = here[1] if here else 1
    root = listing_root(base_url)
    for link in page.links:
        pn = page_number(link.url)
        # an unnumbered first page may be followed by page 2, or by page 1 on sites that count from 0
        # (page 2 first when both are linked: "1" is then this very page)
        wanted = {current + 1} if here else {1, 2}
        if pn and pn[1] in wanted and listing_root(link.url) == root:
            numbered.append((-pn[1], link.url))
    numbered = [url for _n, url in sorted(numbered, key=lambda x: x[0])]
    for rule, urls in (("rel_next", rel_next), ("text_next", text_next), ("page_number", numbered)):
        for url in urls:
            if url != clean_url(base_url) and url not in page.next_pages:
                page.next_pages.append(url)
                page.next_rules[url] = rule
    return page


def next_page(page: ListingPage, url: str) -> tuple[str | None, str | None]:
    """The next (older) page of the listing page ``url`` read as ``page``, and the rule that found it.

    ``rel=next`` is taken as the site says; a "next"/"more" link only when it stays in the same
    listing (same ``listing_root``: a "Xem thêm" under a box of the home page leads to a section, a
    hub, not this listing's next page); a numbered link N+1 of the same listing otherwise."""
    root = listing_root(url)
    for candidate in page.next_pages:
        rule = page.next_rules.get(candidate, "")
        if rule == "rel_next" or rule == "page_number":
            return candidate, rule
        if rule == "text_next" and listing_root(candidate) == root:
            return candidate, rule
    return None, None
