"""The frontier of one outlet: every source of article URLs at once, what to fetch next, and why.

Discovery is a union, not a fallback: real outlets' sitemaps list part of the site, news sitemaps
and feeds only the last days, so a source that yields articles never makes the others unnecessary.
``OutletFrontier`` is plain code (no Scrapy): each method takes what a fetch brought and returns the
``Fetch`` es to make next; ``spiders/outlet.py`` turns them into requests and hands the answers back.

Sources, all read in every run:

- **robots.txt**: its ``Sitemap:`` lines and ``Crawl-delay``;
- **sitemaps**: those robots.txt and the outlet's profile name, and the usual paths (guessed:
  missing ones are normal); every child of every index (children whose ``lastmod`` predates --since
  are skipped, and in an incremental run children unchanged since the last read); url sets, news
  sitemaps (``news:publication_date``);
- **feeds**: the profile's, those pages advertise (``<link rel="alternate">``), the usual paths;
- **the home page** and every **hub** (section, sub-section, video index, category of any URL shape:
  ``newsarchive.discovery.hubs``) met on the home page, on listing pages, in sitemaps and on
  articles; each hub is a listing whose pages are walked back in time (``rel=next``, "Trang sau" /
  "Xem thêm", ``?page=N``, ``/page/N/``, ``/trang-N``, ``/pN``, ``-pN.html``);
- **links on articles** ("Tin liên quan", "Đọc thêm", categories, menus): every in-site link of a
  fetched article page (with a date window: of an article inside the window, once its date is known);
- **retries**: articles an earlier run discovered and could not archive (``memory.unfinished``).

Everything is scoped to the outlet, deduplicated by ``urls.url_key`` (tracking parameters, session
ids, ``www.``, fragments), and bounded: ``traps.TrapGuard`` cuts calendars, presentation variants,
looping paths and query explosions; walks end at a page that repeats earlier ones (endless
pagination) or lists no article; ``FrontierLimits`` caps hubs and pages per walk. Every cut is counted.

**A listing walk stops** at its last page; at a page whose articles (those not already on earlier
pages of the walk) are all older than --since; in an incremental run (not ``full``) at a page whose
articles were all archived by earlier runs; at ``max_listing_pages`` (the place is remembered and the
next run carries on from there). An undated listing under --since holds its next page until its
articles are fetched and their dates known (``HeldNextPage``).

**Whole site.** An outlet was seen whole in a run (so a snapshot may report what it did not see as
removed) only if the run read at least one whole-site listing to its end (a regular sitemap with all
its children, or a listing walk to its last page), no discovery document failed, no walk was cut
short, no hub was left unread, and nothing was skipped as unchanged (``partial_reasons``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable
from urllib.parse import urljoin, urlsplit

from newsarchive.discovery.classify import UrlClassifier, shape_from_json, url_shape
from newsarchive.discovery.coverage import Coverage
from newsarchive.discovery.feeds import COMMON_FEED_PATHS, FeedEntry
from newsarchive.discovery.hubs import hub_for
from newsarchive.discovery.listings import (HeldNextPage, ListingPage, listing_root, next_page, page_number,
                                            request_url)
from newsarchive.discovery.memory import MAX_ATTEMPTS, DocumentMemory, OutletMemory, _dt
from newsarchive.discovery.sitemaps import COMMON_SITEMAP_PATHS, Sitemap
from newsarchive.discovery.traps import TrapGuard
from newsarchive.scrapy_ext.scope import port_refusal
from newsarchive.discovery.urls import clean_url, url_key
from newsarchive.discovery.window import DateWindow, date_from_url

DOCUMENT_KINDS = ("robots", "sitemap", "feed", "home", "listing")

# Request priorities (higher first): discovery documents before the articles they list, shallow
# listing pages before deep ones, so the frontier widens before it deepens.
PRIORITY = {"robots": 100, "home": 90, "sitemap": 60, "feed": 60, "listing": 40, "article": 10}

# Links of article pages remembered as handled, per outlet (menus and boxes repeat on every page).
MAX_LINKS_REMEMBERED = 200_000
# Article URLs remembered per listing (beyond: the walk is read to its end every time, never trusted)
MAX_WALK_ARTICLES = 100_000
MAX_DEFERRED = 50_000       # links put aside as pages of a listing, looked at again when a shape is learnt
# A whole view must not see far fewer articles than the last run of the same window did (see partial_reasons)
SEEN_DROP = 0.8
SEEN_SLACK = 5
MAX_SHAPES = 50             # article URL shapes learnt (from sitemaps, feeds, archived pages) kept for the next run


@dataclass
class FrontierLimits:
    max_listing_pages: int = 200        # pages per listing walk in one run (then cut, resumed next run)
    max_hubs: int = 500                 # hubs read per outlet in one run
    max_pages: int = 20_000             # listing pages per outlet in one run (traps.page_budget)
    max_calendar_pages: int = 30
    max_query_variants: int = 20


@dataclass
class Fetch:
    """One document or article to request, with what discovery knew when it asked."""

    url: str
    kind: str                            # robots | sitemap | feed | home | listing | article
    source: str = ""                     # what led here: robots, profile, probe, index, home, hub, ...
    priority: int = 0
    probe: bool = False                  # a guessed URL: missing is normal, not a failure
    depth: int = 0                       # page number in a listing walk (0: its first page read)
    root: str | None = None              # listing key of a walk page
    hint: dict[str, Any] | None = None   # article: source, published_raw, published_at
    revisit: bool = False
    force: bool = False                  # request even if Scrapy saw it (resumed in-flight, revisit)
    headers: dict[str, str] = field(default_factory=dict)    # conditional request validators
    lastmod: str | None = None           # sitemap child: what its index said

    def to_meta(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", 0, False, {}) or k in ("url", "kind")}

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> "Fetch":
        return cls(**{k: v for k, v in meta.items() if k in cls.__dataclass_fields__})


@dataclass
class ListingOutcome:
    fetches: list[Fetch]
    as_page: bool = False                # the page lists (almost) nothing: hand it to extraction


class ArticleBudget:
    """--max-articles for the whole crawl (all outlets): None means no limit."""

    def __init__(self, limit: int | None):
        self.limit = limit
        self.used = 0

    def spent(self) -> bool:
        return self.limit is not None and self.used >= self.limit

    def take(self) -> bool:
        if self.spent():
            return False
        self.used += 1
        return True


def _noop(*_a, **_k) -> None:
    return None


class OutletFrontier:
    """Discovery state and decisions for one outlet during one run (see the module docstring)."""

    def __init__(self, profile, *, window: DateWindow | None = None, state=None,
                 budget: ArticleBudget | None = None, limits: FrontierLimits | None = None,
                 memory: OutletMemory | None = None, full: bool = False, now: datetime | None = None,
                 count: Callable[[str, int], None] | None = None,
                 sighted: Callable[[str], None] | None = None):
        self.profile = profile
        self.name = profile.name
        self.home = profile.home
        self.window = window or DateWindow()
        self.state = state                          # newsarchive.crawlstate.CrawlState (or None)
        self.budget = budget or ArticleBudget(None)
        self.limits = limits or FrontierLimits()
        self.full = full
        self.now = now or datetime.now(timezone.utc)
        self._count = count or _noop
        self._sighted = sighted or _noop
        self.classifier = UrlClassifier.for_profile(profile)
        self.traps = TrapGuard(max_pages=self.limits.max_pages, max_calendar_pages=self.limits.max_calendar_pages,
                               max_query_variants=self.limits.max_query_variants)
        self.coverage = Coverage(profile.name)
        # what the newest earlier run left (retries, walks to read again) and, when it may be trusted
        # for this run's window, for taking documents as unchanged (conditional requests, skips)
        self.loaded_memory = memory
        old = memory if memory is not None and memory.trusted_for(self.window.since, self.window.until) else None
        self.old_memory = old
        self.memory = OutletMemory(profile.name, window=(_iso(self.window.since), _iso(self.window.until)))
        if memory is not None:        # what is not re-learnt this run is carried over
            for shape in memory.shapes:
                self.classifier.shapes[shape_from_json(shape)] += 1
            self.memory.missing = dict(memory.missing)
            self.memory.walks = dict(memory.walks)
            self.memory.documents = dict(memory.documents) if old is not None else {}
        # netlocs the outlet moved to (its home page redirected there for good), this run or before
        self.adopted: set[str] = set(memory.adopted) if memory is not None else set()
        if memory is not None and memory.adopted and memory.home:
            self.home = memory.home                 # where it moved: read from there at once
        self._owned: dict[str, bool] = {}           # netloc -> in scope (see owns)
        self.requested: set[str] = set()            # keys of documents requested in this run
        self.articles: dict[str, str] = {}          # key -> "scheduled" | "known" | "out" | "budget"
        self.article_urls: dict[str, str] = {}      # key -> URL requested (for the unfinished memory)
        self.hubs: set[str] = set()                 # listing keys read or queued in this run
        self.hub_count = 0
        self.walk_seen: dict[str, set[str]] = defaultdict(set)   # listing key -> article keys on its pages
        # listing key -> article URLs it listed (this run's pages, and, in an incremental run, what earlier
        # runs remembered): what a walk stopped in known territory counts as still listed
        self.walk_articles: dict[str, dict[str, None]] = {}
        self.learned: dict[str, datetime | None] = {}            # article key -> date its fetch told
        self.held: dict[str, list[HeldNextPage]] = {}            # article key -> held pages waiting on it
        self.held_pages: dict[HeldNextPage, Fetch] = {}          # held page -> the fetch it will make
        self.links_waiting: dict[str, list[str]] = {}            # article key -> its links (windowed runs)
        self.links_seen: set[str] = set()                        # article-page links handled already
        # hub key -> (page URL, listing key or None for the home page) of the pages that linked it
        self.hub_parents: dict[str, list[tuple[str, str | None]]] = {}
        self.deferred: dict[str, tuple[str, str]] = {}          # key -> (URL, source) put aside (see hub)
        self.unchanged_unknown = 0                               # unchanged documents with nothing remembered
        self.regular_sitemaps = 0
        self.skipped_fetches: list[Fetch] = []
        self.hubs_cut = 0
        self.walks_cut = 0
        self.walks_whole: set[str] = set()          # listing keys read to their end (or known to be)

    # -- scope ------------------------------------------------------------------------------------
    def owns(self, url: str) -> bool:
        """In the outlet's scope: on its hosts and its port (``scrapy_ext.scope``), or on a host it
        moved to."""
        netloc = url.split("/", 3)[2] if url.startswith(("http://", "https://")) and url.count("/") >= 2 else None
        if netloc is not None and netloc in self._owned:
            return self._owned[netloc]
        owned = (self.profile.owns_url(url) and port_refusal(url, [self.profile.home]) is None) or \
            (bool(self.adopted) and urlsplit(url).netloc.lower() in self.adopted)
        if netloc is not None and len(self._owned) < 10_000:
            self._owned[netloc] = owned
        return owned

    @property
    def homes(self) -> list[str]:
        """The outlet's start URL, and where it moved (their ports are the outlet's)."""
        return [self.profile.home] + ([self.home] if self.home != self.profile.home else [])

    def adopt(self, url: str) -> list[Fetch]:
        """The outlet's home page redirected permanently to ``url``: the outlet moved there. Its new
        host is in scope from now on, and its robots.txt (sitemaps) and usual paths are read too."""
        parts = urlsplit(url)
        self.adopted.add(parts.netloc.lower())
        self._owned.clear()
        self.home = f"{parts.scheme}://{parts.netloc}/"
        self._count("discovery/moved_outlets", 1)
        return [Fetch(urljoin(self.home, "/robots.txt"), "robots", "moved", PRIORITY["robots"], probe=True)]

    # -- start ------------------------------------------------------------------------------------
    def start(self) -> list[Fetch]:
        home = self.home
        out = [Fetch(urljoin(home, "/robots.txt"), "robots", "start", PRIORITY["robots"], probe=True),
               self._document(home, "home", "start", force=True)]
        out = [f for f in out if f is not None]
        old = self.loaded_memory
        if old is not None:
            # (whatever window they were found under: the window decides again here)
            # articles earlier runs found and could not archive
            for url, entry in sorted(old.unfinished.items()):
                attempts = int(entry.get("attempts") or 0)
                if attempts >= MAX_ATTEMPTS:
                    self._count("discovery/unfinished_given_up", 1)
                    continue
                f = self.article(url, _dt(entry.get("published")), "retry", attempts=attempts)
                if f is not None:
                    out.append(f)
            # listings earlier runs walked: their first pages (sub-sections may be linked only from
            # articles, which an unchanged re-run does not fetch), and where a cut walk stopped
            for key, walk in sorted(self.memory.walks.items()):
                if walk.get("first"):
                    f = self.hub(walk["first"], "memory")
                    if f is not None:
                        out.append(f)
                if walk.get("resume") and not walk.get("complete"):
                    f = self._walk_page(walk["resume"], key, int(walk.get("depth") or 1), "resume")
                    if f is not None:
                        out.append(f)
        return out

    def resumed(self, meta: dict[str, Any]) -> Fetch | None:
        """A request that was in flight when an earlier run of this crawl stopped (JOBDIR)."""
        f = Fetch.from_meta(meta)
        f.force = True
        if f.kind == "article":
            return self.article(f.url, None, "resume", force=True)
        key = url_key(f.url)
        self.requested.add(key)
        return f

    # -- documents --------------------------------------------------------------------------------
    def _document(self, url: str, kind: str, source: str, *, probe: bool = False, force: bool = False,
                  depth: int = 0, root: str | None = None, lastmod: str | None = None) -> Fetch | None:
        url = clean_url(url)
        key = url_key(url)
        if key in self.requested and not force:
            self._count("discovery/duplicates_skipped", 1)
            return None
        if probe and self.old_memory is not None and self.old_memory.missing_recently(url, self.now):
            self._count("discovery/probes_skipped_missing", 1)
            return None
        self.requested.add(key)
        self.coverage.documents[f"{kind}_requested"] += 1
        headers = {}
        remembered = self.memory.documents.get(key) if not self.full and self.old_memory is not None else None
        if remembered is not None and not self._conditional(remembered, kind, depth, root):
            remembered = None
        if remembered is not None:
            if remembered.etag:
                headers["If-None-Match"] = remembered.etag
            if remembered.last_modified:
                headers["If-Modified-Since"] = remembered.last_modified
        prio = PRIORITY[kind] - (min(depth, 30) if kind == "listing" else 0)
        return Fetch(url, kind, source, prio, probe=probe, depth=depth, root=root, headers=headers,
                     lastmod=lastmod, force=force)

    def _conditional(self, remembered: DocumentMemory, kind: str, depth: int, root: str | None) -> bool:
        """Ask for a document only if changed when, unchanged, what it listed is known: a sitemap url
        set, feed or home page with its links remembered; the first page of a listing whose walk has
        been complete (a deeper page, an index, an incomplete walk are read whatever)."""
        if remembered.index:
            return False
        if kind == "listing":
            walk = self.memory.walks.get(root or "") or {}
            return depth == 0 and bool(walk.get("complete")) and not walk.get("truncated")
        return remembered.links is not None

    def remember(self, fetch: Fetch, etag: str | None, last_modified: str | None, links: list[str] | None = None,
                 index: bool = False) -> None:
        """A document was read: keep its validators for the next run's conditional request, and the
        article URLs it listed (``links``; for listing pages the walk keeps them)."""
        if fetch.probe and fetch.kind in ("sitemap", "feed"):
            self.memory.missing.pop(fetch.url, None)
        self.memory.documents[url_key(fetch.url)] = DocumentMemory(
            url=fetch.url, kind=fetch.kind, etag=etag, last_modified=last_modified, lastmod=fetch.lastmod,
            read_at=self.now.isoformat(timespec="seconds"), articles=len(links or ()), index=index,
            links=None if fetch.kind == "listing" or index else list(links or ()))

    def not_modified(self, fetch: Fetch) -> list[Fetch]:
        """304 Not Modified: the document is as the last run read it, so what it listed then is listed
        still (and sighted as such); the articles it listed that could not be archived are retried from
        ``memory.unfinished``. A listing's first page unchanged ends its walk in known territory."""
        self._count("discovery/documents_unchanged", 1)
        self.coverage.documents[f"{fetch.kind}_unchanged"] += 1
        remembered = self.memory.documents.get(url_key(fetch.url))
        if fetch.kind == "listing" and fetch.root:
            walk = self.memory.walks.get(fetch.root) or {}
            if walk.get("complete") and not walk.get("truncated"):
                out = self._sight_remembered(list(self._walk_set(fetch.root)))
                self._walk_ended(fetch.root, "stopped_unchanged", fetch.url, cut=False, known=True)
                return out
            self.unchanged_unknown += 1
            self._walk_ended(fetch.root, "stopped_unchanged", fetch.url, cut=True)
            return []
        if remembered is None or remembered.links is None:
            self.unchanged_unknown += 1
            return []
        if fetch.kind == "sitemap" and remembered.links:
            self.regular_sitemaps += 1
        return self._sight_remembered(remembered.links)

    def _sight_remembered(self, urls: Iterable[str]) -> list[Fetch]:
        """Articles an unchanged document (or a walk stopped in known territory) listed when last read:
        the archived ones are still listed (sighted; revisited if due); the others are not fetched from
        here (those that failed are retried from ``memory.unfinished``)."""
        out = []
        for url in urls:
            if self.articles.get(url_key(url)) is not None:
                continue
            req_url = request_url(url)
            if self.state is not None and self.state.status(req_url) != "new":
                known = self.state.known.get(req_url)
                f = self.article(url, known.published if known else None, "memory")
                if f is not None:
                    out.append(f)
        return out

    def document_dropped(self, fetch: Fetch) -> None:
        """A document request was not made: Scrapy had seen its URL (a redirect to a page read already,
        or a page an earlier run of a resumed crawl read: such a run is not whole anyway). A walk page
        that redirects to a page read already (page 99 of 12 sent back to the first) ends its walk."""
        if fetch.kind == "listing" and fetch.root and fetch.depth > 0:
            self._walk_ended(fetch.root, "ended_redirected", fetch.url, cut=False, complete=True)

    def document_failed(self, fetch: Fetch, kind: str, reason: str, status: int | None = None) -> None:
        """A sitemap, feed, home or listing page failed (HTTP error after retries, timeout, unreadable)."""
        if fetch.probe:
            if fetch.kind in ("sitemap", "feed"):
                self.memory.missing[fetch.url] = self.now.isoformat(timespec="seconds")
            # (an answer that is no sitemap or feed: missing; an HTTP error or no answer: failed)
            self._count("discovery/probe_missing" if kind == "parse" else "discovery/probe_failed", 1)
            return
        if fetch.kind == "listing" and fetch.depth == 0 and fetch.source != "profile" and status in (404, 410):
            # a hub candidate that does not exist (a dead menu link): it hid no article
            self._count("discovery/hubs_missing", 1)
            return
        self._count("discovery/documents_failed", 1)
        self.coverage.document_failed(fetch.kind, fetch.url, reason)
        if fetch.kind == "listing" and fetch.root:
            self._walk_ended(fetch.root, "failed", fetch.url, cut=True)

    # -- robots.txt, sitemaps, feeds -----------------------------------------------------------------
    def robots_read(self, declared_sitemaps: Iterable[str]) -> list[Fetch]:
        out: list[Fetch] = []
        declared = [*self.profile.sitemaps, *declared_sitemaps]
        for url in declared:
            if self.owns(url):
                out.append(self._document(url, "sitemap", "robots"))
        for path in COMMON_SITEMAP_PATHS:
            out.append(self._document(urljoin(self.home, path), "sitemap", "probe", probe=True))
        for url in self.profile.feeds:
            out.append(self._document(url, "feed", "profile"))
        for path in COMMON_FEED_PATHS:
            out.append(self._document(urljoin(self.home, path), "feed", "probe", probe=True))
        for url in self.profile.listings:
            out.append(self.hub(url, "profile"))
        return [f for f in out if f is not None]

    def sitemap_read(self, fetch: Fetch, sitemap: Sitemap, etag: str | None = None,
                     last_modified: str | None = None) -> list[Fetch]:
        self.coverage.documents["sitemap_read"] += 1
        self._count("discovery/sitemaps_read", 1)
        out: list[Fetch] = []
        if sitemap.kind == "index":
            for entry in sitemap.entries:
                if not self.owns(entry.url):
                    continue
                if self.window.older_than_since(entry.lastmod):
                    self._count("discovery/sitemaps_skipped_old", 1)
                    continue
                if self._unchanged_child(entry.url, entry.lastmod_raw, entry.lastmod):
                    out.extend(self.skipped_fetches)
                    self.skipped_fetches.clear()
                    continue
                f = self._document(entry.url, "sitemap", "index", lastmod=entry.lastmod_raw)
                if f is not None:
                    out.append(f)
            self.remember(fetch, etag, last_modified, index=True)
            return out
        regular = False
        listed: list[str] = []
        for entry in sitemap.entries:
            url = entry.url
            if not self.owns(url):
                continue
            verdict = self.classifier.classify(url)
            if not verdict.is_article:
                # sitemaps list sections and static pages too: sections are hubs, the rest ignored;
                # an URL of no known shape that is no hub is taken for an article (the sitemap says so)
                hub = hub_for(url, self.classifier) if verdict.rule == "no_article_shape" else None
                if hub is not None and _section_like(url):
                    f = self.hub(hub, "sitemap")
                    if f is not None:
                        out.append(f)
                    continue
                if verdict.rule != "no_article_shape":
                    continue
            self.classifier.learn(url)
            regular = regular or entry.published is None
            listed.append(url)
            f = self.article(url, entry.best_date, "news_sitemap" if entry.published else "sitemap",
                             raw=entry.published_raw or entry.lastmod_raw)
            if f is not None:
                out.append(f)
        if regular:
            self.regular_sitemaps += 1
            self._count("discovery/regular_sitemaps_read", 1)
        self.remember(fetch, etag, last_modified, listed)
        return out

    def _unchanged_child(self, url: str, lastmod_raw: str | None, lastmod: datetime | None) -> bool:
        """An incremental run skips a sitemap child whose ``lastmod`` is the one it had when an earlier
        run read it (that run handled its articles; those it could not archive are retried)."""
        if self.full or self.old_memory is None or not lastmod_raw:
            return False
        remembered = self.old_memory.documents.get(url_key(url))
        if remembered is None or remembered.lastmod != lastmod_raw or remembered.links is None:
            return False
        read = _dt(remembered.read_at)
        if read is None or (lastmod is not None and lastmod > read):
            return False
        self.requested.add(url_key(url))
        self._count("discovery/sitemaps_skipped_unchanged", 1)
        self.coverage.documents["sitemap_unchanged"] += 1
        self.memory.documents[url_key(url)] = remembered
        if remembered.links:
            self.regular_sitemaps += 1
        self.skipped_fetches.extend(self._sight_remembered(remembered.links))
        return True

    def feed_read(self, fetch: Fetch, entries: list[FeedEntry], etag: str | None = None,
                  last_modified: str | None = None) -> list[Fetch]:
        self.coverage.documents["feed_read"] += 1
        self._count("discovery/feeds_read", 1)
        out = []
        listed = []
        for entry in entries:
            if not self.owns(entry.url):
                continue
            self.classifier.learn(entry.url)
            listed.append(entry.url)
            f = self.article(entry.url, entry.published, "feed", raw=entry.published_raw)
            if f is not None:
                out.append(f)
        self.remember(fetch, etag, last_modified, listed)
        return out

    def feeds_advertised(self, urls: Iterable[str]) -> list[Fetch]:
        out = []
        for url in urls:
            if self.owns(url):
                f = self._document(url, "feed", "advertised")
                if f is not None:
                    out.append(f)
        return out

    # -- hubs and listing walks ----------------------------------------------------------------------
    def hub(self, url: str, source: str) -> Fetch | None:
        """A page that may list articles: read its first page (once per listing per run)."""
        if not self.owns(url):
            return None
        url = clean_url(url)
        rule = self.traps.check(url, known=lambda plain: url_key(plain) in self.requested)
        if rule is not None:
            self._count(f"discovery/traps/{rule}", 1)
            return None
        root = url_key(listing_root(url))
        key = url_key(url)
        if key in self.requested or key in self.articles:
            return None
        if self.state is not None and self.state.status(request_url(url)) != "new":
            return self.article(url, None, source)    # an article archived at this URL: it is still listed
        if page_number(url) is not None and key != root and root in self.hubs:
            # a page of a listing read already (its walk reaches it); kept, in case it turns out to be an
            # article of a shape learnt later (WordPress's /?p=123 reads as page 123 of the home page)
            if len(self.deferred) < MAX_DEFERRED:
                self.deferred[key] = (url, source)
            return None
        if self.hub_count >= self.limits.max_hubs:
            self.hubs_cut += 1
            self._count("discovery/hubs_cut", 1)
            self.coverage.not_reached("hub", url, f"beyond NEWSARCHIVE_MAX_HUBS ({self.limits.max_hubs})")
            return None
        self.hubs.add(root)
        self.hub_count += 1
        self.coverage.walks["started"] += 1
        return self._document(url, "listing", source, root=root)

    def _walk_page(self, url: str, root: str, depth: int, source: str) -> Fetch | None:
        if not self.owns(url):
            return None
        url = clean_url(url)
        rule = self.traps.check(url)
        if rule is not None:
            self._count(f"discovery/traps/{rule}", 1)
            self._walk_ended(root, f"cut_{rule}", url, cut=rule == "page_budget")
            return None
        if source == "resume":
            self.hubs.add(root)
        return self._document(url, "listing", source, depth=depth, root=root)

    def listing_read(self, fetch: Fetch, page: ListingPage, etag: str | None = None,
                     last_modified: str | None = None) -> ListingOutcome:
        """The home page or a listing page was read: its articles, its hubs, its next page."""
        kind = fetch.kind
        self.coverage.documents[f"{kind}_read"] += 1
        if kind == "listing":
            self._count("discovery/listing_pages", 1)
        root = fetch.root or url_key(listing_root(fetch.url))
        source = "home" if kind == "home" else "links" if (fetch.depth == 0 and page.article_like) else "listing"
        out: list[Fetch] = []
        seen_before = self.walk_seen[root]
        articles: list[tuple[str, datetime | None]] = []
        hubs: list[str] = []
        for link in page.links:
            if not self.owns(link.url):
                continue
            if self.classifier.is_article(link.url):
                articles.append((link.url, link.date or date_from_url(link.url), link.date_raw))
            else:
                hub = hub_for(link.url, self.classifier)
                if hub is not None:
                    hubs.append(hub)
        keys = [url_key(u) for u, _w, _r in articles]
        fresh = [(a, k) for a, k in zip(articles, keys) if k not in seen_before]
        seen_before.update(keys)
        dates: dict[str, datetime | None] = {}
        known = older = dated = 0
        for (url, when, raw), key in fresh:
            dates[key] = when
            if when is not None:
                dated += 1
                older += self.window.older_than_since(when)
            if self._archived_before(url):
                known += 1
            f = self.article(url, when, source, raw=raw)
            if f is not None:
                out.append(f)
        # links of no known kind this page brought to the frontier (read, or put aside): they may be its
        # items, of a shape not learnt yet, so a page whose items all are such links is no empty page
        new_links = 0
        for hub in hubs:
            # (a hub that turns out to be an article is added to what this page lists: article_done)
            parents = self.hub_parents.setdefault(url_key(hub), [])
            if len(parents) < 8 and (fetch.url, root) not in parents:
                parents.append((fetch.url, None if kind == "home" else root))
            deferred = len(self.deferred)
            f = self.hub(hub, "home" if kind == "home" else "hub")
            if f is not None:
                out.append(f)
            if ((f is not None and f.kind == "listing") or len(self.deferred) > deferred) \
                    and url_key(listing_root(hub)) != root:          # (not this listing's own pages)
                new_links += 1
        self.remember(fetch, etag, last_modified, [u for u, _w, _r in articles])
        if kind == "home":
            return ListingOutcome(out)
        walk = self.memory.walks.setdefault(root, {})
        remembered = self._walk_set(root)
        for url, _w, _r in articles:
            remembered[url] = None
        if fetch.depth == 0:
            walk["first"] = fetch.url
            walk["listed"] = len(articles)
            walk["read_at"] = self.now.isoformat(timespec="seconds")
        # a page read as a hub that reads as an article (an URL shape the classifier did not know):
        # extraction decides whether it is one; it is still walked if it has a next page
        as_page = fetch.depth == 0 and page.article_like
        if as_page:
            self.coverage.walks["article_like"] += 1
        nxt, _rule = next_page(page, fetch.url)
        if nxt is not None and not self.owns(nxt):
            nxt = None
        # -- does the walk go on?
        stop = cut = None
        if not articles and fetch.depth and new_links and nxt is not None:
            pass                             # items of a shape not learnt yet: walk on (below)
        elif not articles:
            stop = "ended_empty" if fetch.depth else None
            if fetch.depth == 0 and not as_page:
                self.coverage.walks["not_listings"] += 1
            nxt = None if nxt is None or fetch.depth else nxt
            if nxt is None:
                self._walk_ended(root, stop or "not_listing", fetch.url, cut=False, complete=True)
                return ListingOutcome(out, as_page)
        elif not fresh and not new_links and fetch.depth > 0:
            # everything on it was on earlier pages: the site repeats its last page (endless pagination)
            if nxt is not None:
                self.traps.record("endless_pagination", nxt)
                self._count("discovery/traps/endless_pagination", 1)
            self._walk_ended(root, "ended_repeating", fetch.url, cut=False, complete=True)
            return ListingOutcome(out, as_page)
        if nxt is None and (page.next_by_script or (page.more_by_script and fetch.depth == 0)):
            # its older pages are behind a script this crawl does not run: not a walk to the end
            self._walk_ended(root, "cut_script_pager", fetch.url, cut=True)
            self.coverage.not_reached("listing_page", fetch.url, "its next page is behind a script "
                                      "(__doPostBack, \"load more\"), not followed")
            return ListingOutcome(out, as_page)
        if nxt is None:
            self._walk_ended(root, "ended", fetch.url, cut=False, complete=True)
            return ListingOutcome(out, as_page)
        if fresh and dated == len(fresh) and older == len(fresh):
            stop = "stopped_older"        # a window stop: the rest is outside the window, not unseen
        elif fresh and known == len(fresh) and not self.full and walk.get("complete") and not walk.get("truncated"):
            # known territory of a listing read to its end before: what it listed then is listed still
            out.extend(self._sight_remembered(list(remembered)))
            stop = "stopped_known"
        elif fetch.depth + 1 >= self.limits.max_listing_pages:
            stop, cut = "cut_budget", True
            walk["resume"], walk["depth"] = nxt, fetch.depth + 1
        elif self.budget.spent():
            stop, cut = "stopped_budget", True
        if stop:
            self._walk_ended(root, stop, fetch.url, cut=bool(cut), next_url=nxt, known=stop == "stopped_known")
            return ListingOutcome(out, as_page)
        if self.window.since is not None and dated < len(fresh):
            held = self._hold(fetch, nxt, root, dates)
            if held is not None and held.ready:
                out.extend(self._release(held))
            return ListingOutcome(out, as_page)
        f = self._walk_page(nxt, root, fetch.depth + 1, "walk")
        if f is not None:
            out.append(f)
        return ListingOutcome(out, as_page)

    def _walk_set(self, root: str) -> dict[str, None]:
        """The article URLs a listing lists, as far as known: this run's pages, and (incremental runs)
        what earlier runs remembered of it."""
        urls = self.walk_articles.get(root)
        if urls is None:
            walk = self.memory.walks.get(root) or {}
            urls = self.walk_articles[root] = dict.fromkeys(() if self.full else walk.get("articles") or ())
        return urls

    def _walk_ended(self, root: str, how: str, url: str, *, cut: bool, complete: bool = False,
                    next_url: str | None = None, known: bool = False) -> None:
        """A listing walk ends: ``complete`` (its last page read), ``known`` (stopped in the known
        territory of a walk complete before), ``cut`` (older pages left unread: the run is partial)."""
        self.coverage.walks[how] += 1
        walk = self.memory.walks.setdefault(root, {})
        if complete:
            walk["complete"] = True
            walk.pop("resume", None)
            walk.pop("depth", None)
        if complete or known:
            self.walks_whole.add(root)     # a whole-site listing if it lists articles (partial_reasons)
        if cut:
            self.walks_cut += 1
            self._count("discovery/listing_walks_cut", 1)
            if next_url:
                self.coverage.not_reached("listing_page", next_url, how.replace("_", " "), after=url)

    def _archived_before(self, url: str) -> bool:
        if self.state is None:
            return False
        known = self.state.known.get(request_url(clean_url(url)))
        return known is not None and (known.fetched is None or known.fetched < self.state.now)

    # -- undated listings under --since ----------------------------------------------------------------
    def _hold(self, fetch: Fetch, next_url: str, root: str, dates: dict[str, datetime | None]) -> HeldNextPage | None:
        if url_key(next_url) in self.requested:
            return None
        held = HeldNextPage(self.name, fetch.url, next_url, fetch.depth + 1)
        for key, when in dates.items():
            if when is None:
                learned, when = self._fetched_date(key)
                if not learned:
                    held.waiting.add(key)
                    self.held.setdefault(key, []).append(held)
                    continue
            held.dates[key] = when
        self.held_pages[held] = Fetch(next_url, "listing", "walk", depth=fetch.depth + 1, root=root)
        self._count("discovery/listing_pages_held", 1)
        return held

    def _fetched_date(self, key: str) -> tuple[bool, datetime | None]:
        if key in self.learned:
            return True, self.learned[key]
        if self.articles.get(key) == "scheduled":
            return False, None
        return True, None

    def _release(self, held: HeldNextPage) -> list[Fetch]:
        pending = self.held_pages.pop(held, None)
        if pending is None:
            return []
        if self.window.all_older_than_since(held.dates.values()):
            self._count("discovery/listing_stops_after_fetch", 1)
            self._walk_ended(pending.root or "", "stopped_older", held.page_url, cut=False)
            return []
        if held.depth >= self.limits.max_listing_pages:
            self._walk_ended(pending.root or "", "cut_budget", held.page_url, cut=True, next_url=held.next_url)
            return []
        f = self._walk_page(held.next_url, pending.root or "", held.depth, "walk")
        return [f] if f is not None else []

    def idle(self) -> list[Fetch]:
        """Nothing left to fetch but held pages (an article whose answer never came): decide them
        with the dates known, so no walk waits for ever."""
        out: list[Fetch] = []
        for held in list(self.held_pages):
            out.extend(self._release(held))
        return out

    @property
    def holding(self) -> int:
        return len(self.held_pages)

    # -- articles -----------------------------------------------------------------------------------
    def article(self, url: str, when: datetime | None, source: str, *, raw: str | None = None,
                force: bool = False, attempts: int = 0) -> Fetch | None:
        """An article URL a source listed: the Fetch to make, or None (seen, archived, outside the
        window, over the budget; each counted)."""
        if not self.owns(url):
            return None
        url = clean_url(url)
        key = url_key(url)
        self.coverage.found_by(key, url, source)
        decided = self.articles.get(key)
        if decided is not None and not (force and decided == "scheduled"):
            return None
        if key in self.requested and not force:
            return None             # being read as a hub: extraction sees it there (ListingOutcome.as_page)
        req_url = request_url(url)
        if self.window.contains(when) is False:
            self.articles[key] = "out"
            self._count("discovery/out_of_window", 1)
            self.coverage.articles["out_of_window"] += 1
            return None
        status = self.state.status(req_url) if self.state is not None else "new"
        if status == "archived" and not force:
            self.articles[key] = "known"
            self._count("skipped/already_archived", 1)
            self.coverage.articles["archived_before"] += 1
            self._sighted(req_url)
            return None
        if not self.budget.take():
            self.articles[key] = "budget"
            self._count("skipped/max_articles", 1)
            self.memory.unfinished[url] = {"source": source, "attempts": attempts, "reason": "max_articles"}
            return None
        self.articles[key] = "scheduled"
        self.article_urls[key] = url
        self.coverage.articles["requested"] += 1
        if status == "due":
            self._count("revisits", 1)
            self.coverage.articles["revisits"] += 1
        self.memory.unfinished[url] = {"source": source, "attempts": attempts + 1,
                                       **({"published": when.isoformat()} if when else {})}
        hint = {"source": source, "published_raw": raw, "published_at": when.isoformat() if when else None}
        return Fetch(req_url, "article", source, PRIORITY["article"], hint=hint, revisit=status == "due",
                     force=force or status == "due")

    def article_fetched(self, url: str) -> None:
        self.coverage.articles["fetched"] += 1

    def article_links(self, url: str, links: Iterable[str]) -> list[Fetch]:
        """The in-site links of a fetched article page. Under a date window they wait until the
        article's date is known (``article_done``): only an article inside the window leads on."""
        key = url_key(url)
        seen = self.links_seen
        if len(seen) > MAX_LINKS_REMEMBERED:
            seen.clear()
        new = [u for u in links if u not in seen]
        seen.update(new)
        links = [u for u in new if self.owns(u)]
        if not self.window.open:
            self.links_waiting[key] = links
            return []
        return self._follow_links(links)

    def _follow_links(self, links: Iterable[str]) -> list[Fetch]:
        out = []
        for link in links:
            if self.classifier.is_article(link):
                f = self.article(link, date_from_url(link), "links")
            else:
                hub = hub_for(link, self.classifier)
                f = self.hub(hub, "links") if hub is not None else None
            if f is not None:
                out.append(f)
        return out

    # what became of an article request (``article_done``): archived; answered but not archived
    # (not an article, outside the window, kept apart as invalid, not HTML); failed (retried next run);
    # gone (404/410); refused (robots.txt, scope, archived meanwhile)
    OUTCOMES = ("archived", "not_archived", "failed", "gone", "refused")

    def article_done(self, url: str | None, published: datetime | None, outcome: str) -> list[Fetch]:
        """An article request got its answer (one of ``OUTCOMES``). Returns what that unblocks: the
        article's links (windowed runs), held listing pages waiting for its date."""
        if not url:
            return []
        key = url_key(url)
        out: list[Fetch] = []
        archived = outcome == "archived"
        self.coverage.articles[outcome] += 1
        if archived and key not in self.articles:
            self._hub_was_article(key, url)
            out.extend(self.skipped_fetches)
            self.skipped_fetches.clear()
        if archived:
            self._listed_by_parents(key, url)
        if outcome != "failed":
            self.memory.unfinished.pop(self.article_urls.get(key, url), None)
            self.memory.unfinished.pop(url, None)
        links = self.links_waiting.pop(key, None)
        if links and archived and self.window.contains(published) is not False:
            out.extend(self._follow_links(links))
        if self.window.since is not None:
            self.learned[key] = published
            for held in self.held.pop(key, ()):
                if held not in self.held_pages:
                    continue
                held.learn(key, published)
                if held.ready:
                    out.extend(self._release(held))
        return out

    def _hub_was_article(self, key: str, url: str) -> None:
        """A page read as a hub was archived as an article: its URL shape is learnt (and remembered), and
        the links put aside that have its shape are articles too."""
        learnt = url_shape(url)
        self.classifier.learn(url)
        self.coverage.found_by(key, url, "hub")
        self.articles[key] = "known"
        # links put aside as pages of a listing that are of this shape: articles after all
        for other, (link, source) in list(self.deferred.items()):
            if url_shape(link) == learnt:
                del self.deferred[other]
                f = self.article(link, None, source)
                if f is not None:
                    self.skipped_fetches.append(f)
        self.memory.walks.pop(url_key(listing_root(url)), None)

    def _listed_by_parents(self, key: str, url: str) -> None:
        """An archived article first met as a link of no known kind: the pages that linked it list it
        (so that, unchanged later, they still count it as listed)."""
        for page_url, root in self.hub_parents.pop(key, ()):
            if root is not None:
                self.walk_articles.setdefault(root, {})[url] = None
            else:
                doc = self.memory.documents.get(url_key(page_url))
                if doc is not None and doc.links is not None and url not in doc.links:
                    doc.links.append(url)

    # -- the account --------------------------------------------------------------------------------
    def partial_reasons(self) -> list[str]:
        reasons = []
        if self.coverage.failed_count:
            reasons.append(f"{self.coverage.failed_count} discovery document(s) failed or were unreadable")
        if self.walks_cut:
            reasons.append(f"{self.walks_cut} listing walk(s) stopped before their last page")
        if self.hubs_cut:
            reasons.append(f"{self.hubs_cut} section/listing page(s) found and not read (NEWSARCHIVE_MAX_HUBS)")
        if self.unchanged_unknown:
            reasons.append(f"{self.unchanged_unknown} document(s) unchanged since the last run with no memory of "
                           "what they listed")
        if self.held_pages:
            reasons.append(f"{len(self.held_pages)} listing page(s) held and never read")
        seen, before = self.seen_count(), self._seen_before()
        if before and seen < before * SEEN_DROP - SEEN_SLACK:
            # far fewer articles than the last run saw: more likely a discovery failure (a layout change, a
            # site that moved, pages that error) than that many removals: no removal report this time
            reasons.append(f"saw {seen} articles against {before} in the last run: too sharp a drop to report "
                           "the rest removed")
        traps = self.traps.cut.get("page_budget")
        if traps:
            reasons.append(f"{traps} listing page(s) beyond the page budget")
        if self.regular_sitemaps and not self.coverage.failed_count:
            self.coverage.whole_site_sources.add("sitemap")
        if any(self.walk_articles.get(root) for root in self.walks_whole):
            self.coverage.whole_site_sources.add("listing_walk")
        if not self.coverage.whole_site_sources:
            reasons.append("no whole-site listing read to its end (a regular sitemap, or a listing walk to its "
                           "last page): feeds, news sitemaps and the home page list recent items only")
        return reasons

    def seen_count(self) -> int:
        """Articles this run saw on the site: fetched, or archived and listed."""
        return sum(1 for v in self.articles.values() if v in ("scheduled", "known"))

    def _seen_before(self) -> int:
        old = self.old_memory
        if old is None or tuple(old.window) != tuple(self.memory.window):
            return 0
        return int(old.seen or 0)

    def report(self) -> dict[str, Any]:
        return self.coverage.report(self.partial_reasons(), self.traps.to_dict())

    def memory_out(self, run_id: str | None) -> OutletMemory:
        self.memory.run_id = run_id
        self.memory.seen = self.seen_count()
        self.memory.adopted = sorted(self.adopted)
        self.memory.home = self.home if self.adopted else None
        self.memory.shapes = [[*shape[:4], [list(pair) for pair in shape[4]]]
                              for shape, _n in self.classifier.shapes.most_common(MAX_SHAPES)]
        for root, urls in self.walk_articles.items():
            walk = self.memory.walks.setdefault(root, {})
            walk["articles"] = list(urls)[:MAX_WALK_ARTICLES]
            walk["truncated"] = len(urls) > MAX_WALK_ARTICLES
        return self.memory


def _section_like(url: str) -> bool:
    """A sitemap entry that reads as a section (a shallow path without an article's slug)."""
    path = urlsplit(url).path.strip("/")
    return path.count("/") <= 1 and len(path.split("/")[-1].split("-")) <= 4


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None
