"""Article or not: is this URL an article page worth archiving, or a listing/tag/search/static page?

A named, ordered cascade; the first rule that decides wins:

1. the outlet profile's ``not_article_patterns`` and ``article_patterns`` (site knowledge as data);
2. what this outlet's own sitemaps and feeds taught: URLs they listed are articles;
3. ``NOT_ARTICLE_RULES``: generic shapes of paths that are never articles (tags, search, pagination,
   video indexes, static pages, files);
   then URLs of a *shape* learnt from this outlet (extension, trailing numeric id, slug length, path
   depth, query signature; from its sitemaps, feeds and pages that turned out to be articles), before
   the generic query rule (``?p=``, ``?page=``...) and the home page;
4. ``ARTICLE_RULES``: generic shapes of Vietnamese news article URLs (slug + numeric id,
   ``.html``/``.htm``/``.aspx``/``.vnp``/``.tpo``/``.chn``, dates in the path...);
5. otherwise: not an article (it may still be followed as a listing page).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

# Generic non-article shapes, matched against the lower-cased path (and query where noted).
NOT_ARTICLE_RULES: list[tuple[str, re.Pattern[str]]] = [
    # files that are not pages
    ("file", re.compile(r"\.(jpe?g|png|gif|webp|svg|pdf|docx?|xlsx?|pptx?|zip|rar|mp[34]|m3u8|css|js|xml|rss|gz|txt|json)$")),
    # tag and topic pages: /tag/x, /tags/x, /chu-de/x, /su-kien/x, /topic/x, /tu-khoa/x
    ("tag", re.compile(r"(^|/)(tag|tags|chu-de|tu-khoa|keyword|topic|topics|su-kien|dong-su-kien)(/|$|\.|-)")),
    # search pages
    ("search", re.compile(r"(^|/)(search|tim-kiem|timkiem|tim_kiem)(/|$|\.)")),
    # pagination of listings: /page/3, /trang-3, /p3
    ("pagination", re.compile(r"(^|/)(page[-/]\d+|trang[-/]?\d+|p\d+)(/|\.html?|$)")),
    # video, photo and podcast indexes (the index page itself, not an item below it)
    ("media_index", re.compile(r"^/(video|videos|clip|photo|anh|podcast|emagazine|infographic|multimedia|truyen-hinh|phat-thanh)/?$")),
    # static and service pages
    ("static", re.compile(r"(^|/)(lien-he|gioi-thieu|about|contact|dang-nhap|dang-ky|login|register|rss|sitemap|"
                          r"quang-cao|toa-soan|lich-phat-song|dieu-khoan|chinh-sach-bao-mat|privacy|terms|feed)(/|$|\.)")),
    # author pages
    ("author", re.compile(r"(^|/)(tac-gia|author|authors)(/|$)")),
]

# A query string that makes a page a listing or a search, whatever the path.
NOT_ARTICLE_QUERY = re.compile(r"(^|&)(page|p|paged|trang|pageindex|pagenumber|pagenum|pageno|page_no|currentpage|"
                               r"q|query|keyword|s|tag)=", re.I)

ARTICLE_EXTENSIONS = ("html", "htm", "shtml", "aspx", "php", "vnp", "tpo", "chn", "bbg", "ldo", "epi")

ARTICLE_RULES: list[tuple[str, re.Pattern[str]]] = [
    # slug ending in a numeric id, any extension or none: .../chinh-sach-moi-102260228093004191.htm,
    # -d538952.html, -c46a508182.html, -postid123.bbg, /tin-abc-2495349
    ("slug_with_id", re.compile(r"/[a-z0-9]+(?:-[a-z0-9]+){2,}-[a-z]{0,6}\d{5,}(?:[a-z]\d+)?(?:\.[a-z]{2,5})?/?$")),
    # numeric id as its own segment after a slug: /tin-tuc/12345/some-slug or /slug/12345.html
    ("id_segment", re.compile(r"/\d{5,}(?:\.[a-z]{2,5})?/?$|/\d{5,}/[a-z0-9]+(?:-[a-z0-9]+){2,}")),
    # a date in the path followed by a slug: /2024/06/07/some-title
    ("dated_path", re.compile(r"/20\d\d/[01]?\d/(?:[0-3]?\d/)?[a-z0-9]+(?:-[a-z0-9]+){2,}")),
    # a long slug (6+ words) with a page extension: /tap-huan-truyen-thong-quang-ba.html
    ("long_slug_page", re.compile(r"/[a-z0-9]+(?:-[a-z0-9]+){5,}\.(?:" + "|".join(ARTICLE_EXTENSIONS) + r")$")),
]


def url_shape(url: str) -> tuple:
    """(extension, ends-in-numeric-id, slug length class, path depth, query signature): what article
    URLs of one outlet share. The query signature is its parameter names with their values, numbers
    written ``#`` (``index.php?option=com_content&view=article&id=5`` and ``...&view=category&id=3``
    are not one shape, ``?p=123`` and ``?p=456`` are)."""
    parts = urlsplit(url)
    path = parts.path.lower().rstrip("/")
    last = path.rsplit("/", 1)[-1]
    stem, dot, ext = last.rpartition(".")
    if not dot or not ext.isalnum() or len(ext) > 5:
        stem, ext = last, ""
    has_id = bool(re.search(r"\d{5,}[a-z]?\d*$", stem))
    words = len([w for w in re.split(r"[-_]", stem) if w and not w.isdigit()])
    slug = "long" if words >= 3 else "short"
    depth = path.count("/")
    query = tuple(sorted((k.lower(), "#" if v.isdigit() else v.lower() if len(v) <= 24 else "*")
                         for k, v in parse_qsl(parts.query, keep_blank_values=True))) if parts.query else ()
    return (ext, has_id, slug, depth, query)


def shape_from_json(value) -> tuple:
    """A shape read back from JSON (lists for tuples), as ``url_shape`` makes it."""
    if not isinstance(value, (list, tuple)):
        return ()
    out = list(value[:4])
    query = value[4] if len(value) > 4 else ()
    out.append(tuple(tuple(pair) for pair in query))
    return tuple(out)


@dataclass
class Verdict:
    is_article: bool
    rule: str            # the rule that decided, e.g. "profile", "learned_shape", "tag", "slug_with_id"


@dataclass
class UrlClassifier:
    """Article-or-not for the URLs of one outlet."""

    article_patterns: list[str] = field(default_factory=list)
    not_article_patterns: list[str] = field(default_factory=list)
    known_articles: set[str] = field(default_factory=set)
    shapes: Counter = field(default_factory=Counter)
    max_known: int = 200_000        # memory bound for the exact-URL memory; shapes keep learning

    def __post_init__(self) -> None:
        self._yes = [re.compile(p) for p in self.article_patterns]
        self._no = [re.compile(p) for p in self.not_article_patterns]

    @classmethod
    def for_profile(cls, profile) -> "UrlClassifier":
        return cls(article_patterns=list(profile.article_patterns),
                   not_article_patterns=list(profile.not_article_patterns))

    def learn(self, url: str) -> None:
        """Remember an article URL an outlet's sitemap or feed listed (and its shape)."""
        if self._profile_says(url) is False:
            return
        if len(self.known_articles) < self.max_known:
            self.known_articles.add(url)
        self.shapes[url_shape(url)] += 1

    def _profile_says(self, url: str) -> bool | None:
        parts = urlsplit(url)
        target = parts.path + (("?" + parts.query) if parts.query else "")
        if any(p.search(target) for p in self._no):
            return False
        if any(p.search(target) for p in self._yes):
            return True
        return None

    def classify(self, url: str) -> Verdict:
        said = self._profile_says(url)
        if said is not None:
            return Verdict(said, "profile")
        if url in self.known_articles:
            return Verdict(True, "listed_by_sitemap_or_feed")
        parts = urlsplit(url)
        path = parts.path.lower() or "/"
        for name, pattern in NOT_ARTICLE_RULES:
            if pattern.search(path):
                return Verdict(False, name)
        # (before the query and home rules: a shape learnt with its query signature, e.g. WordPress's
        # /?p=123 once one such page was an article, is this outlet's own word against a generic rule)
        if self.shapes and (parts.query or path not in ("/", "")):
            shape = url_shape(url)
            if self.shapes.get(shape):
                return Verdict(True, "learned_shape")
        if parts.query and NOT_ARTICLE_QUERY.search(parts.query):
            return Verdict(False, "listing_query")
        if path in ("/", ""):
            return Verdict(False, "home")
        for name, pattern in ARTICLE_RULES:
            if pattern.search(path):
                return Verdict(True, name)
        return Verdict(False, "no_article_shape")

    def is_article(self, url: str) -> bool:
        return self.classify(url).is_article
