"""The outlet spider: discovery and fetching only; pipelines turn article pages into records.

    scrapy crawl outlet -a target=lamdongtv.vn -a since=2024-06-01 -a until=2024-06-30

``target`` is a registry name or domain (``newsarchive sites``), a start URL, or several of them
separated by commas. For each outlet, discovery runs in this order, falling back to the next stage
when one yields no article URL inside the date window:

1. **sitemaps**: ``Sitemap:`` lines of robots.txt, the profile's sitemaps, else the usual paths;
   indexes are followed (children whose ``lastmod`` is before --since are skipped), gzip read, Google
   News ``news:publication_date`` and ``lastmod`` used so out-of-window URLs are never fetched;
2. **feeds**: the profile's feeds, those the home page advertises, else the usual paths;
3. **listings**: the profile's listing pages, else the home page's section links, walked page by page
   back in time until a page holds only articles older than --since (or only articles archived
   already, or ``NEWSARCHIVE_MAX_LISTING_PAGES`` pages). When a page prints no date beside some of
   its articles (and --since is given), its next page is held until those articles are fetched and
   their extracted dates known (``HeldNextPage``): the walk stops there if every date known is older.

The home page is always read (its newest articles, its feed links, its sections). Article URLs are
told apart from listings, tags, search and static pages by ``newsarchive.discovery.classify``, which
learns from the outlet's sitemaps and feeds. Only article pages are fetched as *page items* (see
``newsarchive.page``), with the outlet's name and what discovery knew (``discovery`` key).

Incremental: URLs archived already are skipped unless the revisit schedule says they are due
(``newsarchive.crawlstate``). Resume: JOBDIR (set by ``newsarchive crawl``) plus the archive itself.
"""

from __future__ import annotations

import itertools
import json
import logging
import secrets
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from protego import Protego
from scrapy.exceptions import DontCloseSpider
from scrapy.http import HtmlResponse, Response, TextResponse
from twisted.python.failure import Failure
from w3lib.url import canonicalize_url

from newsarchive.crawlstate import (CrawlState, RevisitSchedule, DEFAULT_REVISIT, archived_url_seen, claim_crawl,
                                    mark_running, mark_stopped)
from newsarchive.discovery.classify import NOT_ARTICLE_RULES, UrlClassifier
from newsarchive.discovery.feeds import COMMON_FEED_PATHS, feed_links, parse_feed
from newsarchive.discovery.listings import HeldNextPage, read_listing, request_url
from newsarchive.discovery.safexml import XmlError
from newsarchive.discovery.sitemaps import COMMON_SITEMAP_PATHS, parse_sitemap, sitemaps_from_robots
from newsarchive.discovery.window import DateWindow, date_from_url, parse_when
from newsarchive.page import page_item_from_response
from newsarchive.scrapy_ext.failures import describe_failure, refusal
from newsarchive.sites import OutletProfile, RegistryError, load_registry

STAGES = ("sitemaps", "feeds", "listings")
STAGE_OF_ROLE = {"sitemap": "sitemaps", "feed": "feeds", "listing": "listings"}

# Added to the project's settings for this spider (merged, not replacing the project's lists).
EXTRA_DOWNLOADER_MIDDLEWARES = {
    "newsarchive.scrapy_ext.middlewares.ScopeMiddleware": 50,           # before robots.txt (100)
    "newsarchive.scrapy_ext.middlewares.CrawlDelayMiddleware": 120,
    "newsarchive.scrapy_ext.middlewares.BackoffRetryMiddleware": 560,   # before RetryMiddleware (550)
}
EXTRA_ITEM_PIPELINES = {
    "newsarchive.scrapy_ext.pipelines.WindowPipeline": 150,             # after extract (100)
    "newsarchive.scrapy_ext.pipelines.CrawlStatePipeline": 900,         # after store (300)
}

MAX_FAILURES_LISTED = 1000
DISCOVERY_ROLES = ("sitemap", "feed", "listing", "home")   # a failed one leaves the run partial
GONE_STATUSES = (404, 410)                                   # an article answering these is gone


def _listed_url(request_or_response) -> str:
    """The URL discovery listed (before any redirect), as page items record it (``url``)."""
    return (request_or_response.meta.get("redirect_urls") or [request_or_response.url])[0]


class OutletRun:
    """What discovery knows about one outlet during a run."""

    def __init__(self, profile: OutletProfile):
        self.profile = profile
        self.classifier = UrlClassifier.for_profile(profile)
        self.stage = "sitemaps"
        # stage -> keys of this run's requests not answered yet (a request Scrapy drops is removed on
        # the request_dropped signal; requests of an earlier run, resumed from JOBDIR, are not counted)
        self.pending: dict[str, set[str]] = defaultdict(set)
        self.found: dict[str, int] = defaultdict(int)     # stage -> article URLs in window (or undated)
        # stage -> discovery requests Scrapy dropped as seen before: read by an earlier run of this
        # crawl (JOBDIR) or by another worker of a shared crawl, so the stage is not "empty" for them
        self.read_elsewhere: dict[str, int] = defaultdict(int)
        # canonical URLs of the sitemaps, feeds and listing pages requested in this run: a document
        # named twice (robots.txt and an index, an index listing a child twice, a guessed path) is
        # requested once, so no duplicate ever waits in `pending`
        self.requested: set[str] = set()
        self.home_done = False
        self.home_feeds: list[str] = []
        self.home_sections: list[str] = []
        self.listing_pages = 0
        # regular (not Google News) sitemaps read that listed articles: a whole-site listing, unlike a
        # feed or a news sitemap (recent items only); see `_advance` and archive.runs.partial_reasons
        self.regular_sitemaps = 0


class OutletSpider(scrapy.Spider):
    name = "outlet"

    def __init__(self, target: str | None = None, start_urls: list[str] | str | None = None,
                 since: str | None = None, until: str | None = None,
                 max_articles: int | str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        targets = start_urls or target
        if not targets:
            raise ValueError("give the outlet to crawl: -a target=lamdongtv.vn (or a start URL)")
        if isinstance(targets, str):
            targets = [t.strip() for t in targets.split(",") if t.strip()]
        self.targets = [str(t) for t in targets]   # as given (outlet names or URLs): recorded in the run's manifest
        registry = load_registry()
        self.outlets: dict[str, OutletRun] = {}
        for t in targets:
            try:
                profile = registry.resolve(t)
            except RegistryError as exc:
                raise ValueError(str(exc)) from None
            self.outlets.setdefault(profile.name, OutletRun(profile))
        self.window = DateWindow.from_strings(since, until)
        self.max_articles = int(max_articles) if max_articles not in (None, "", 0, "0") else None
        self.scheduled: set[str] = set()
        self.articles_scheduled = 0
        self.articles_archived = 0
        self.crawl_delays: dict[str, float] = {}
        self.failures: list[tuple[str, str, str]] = []
        self.inflight: dict[str, dict[str, Any]] = {}
        self.crawlstate = CrawlState()
        self._run_token = secrets.token_hex(4)       # tells this run's pending keys from a resumed run's
        self._keys = itertools.count()
        # undated listing pages (see HeldNextPage): article URL -> date its fetch told (None: it could
        # not), kept while --since is given; article URL -> held pages waiting for it; held page -> its
        # pending key (a held next page keeps the listings stage open)
        self.learned: dict[str, datetime | None] = {}
        self.held: dict[str, list[HeldNextPage]] = {}
        self.held_pages: dict[HeldNextPage, str] = {}

    # -- setup -----------------------------------------------------------------------------------
    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        for name, extra in (("DOWNLOADER_MIDDLEWARES", EXTRA_DOWNLOADER_MIDDLEWARES),
                            ("ITEM_PIPELINES", EXTRA_ITEM_PIPELINES)):
            merged = {**extra, **settings.getdict(name)}
            settings.set(name, merged, priority=max(settings.getpriority(name) or 0, 30))

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        spider.max_listing_pages = s.getint("NEWSARCHIVE_MAX_LISTING_PAGES", 50)
        spider.max_sections = s.getint("NEWSARCHIVE_MAX_SECTIONS", 30)
        spider.max_sitemap_bytes = s.getint("NEWSARCHIVE_MAX_SITEMAP_BYTES", 50 * 1024 * 1024)
        if spider.max_articles is None and s.getint("NEWSARCHIVE_MAX_ARTICLES", 0):
            spider.max_articles = s.getint("NEWSARCHIVE_MAX_ARTICLES")
        try:
            schedule = RevisitSchedule.parse(s.get("NEWSARCHIVE_REVISIT", DEFAULT_REVISIT))
        except ValueError as exc:
            raise ValueError(f"NEWSARCHIVE_REVISIT: {exc}") from None
        archive = s.get("ARCHIVE_DIR")
        # the archive's write lock before anything is read or touched: a refused crawl changes nothing
        spider.claim = claim_crawl(archive, s.get("JOBDIR"), crawler)
        with spider.claim.released_on_error():
            spider.crawlstate = CrawlState.load(archive, schedule, owns=spider.url_in_any_outlet)
            spider.jobdir = s.get("JOBDIR")
            spider.resumed_inflight: list[dict[str, Any]] = []
            if spider.jobdir:
                status = spider.claim.status
                inflight = Path(spider.jobdir) / "inflight.json"
                if status == "resume" and inflight.exists():
                    try:
                        spider.resumed_inflight = json.loads(inflight.read_text("utf-8"))
                    except ValueError:
                        spider.resumed_inflight = []
                spider.resume_status = status
                mark_running(spider.jobdir)
        crawler.signals.connect(spider._closed, signal=scrapy.signals.spider_closed)
        crawler.signals.connect(spider._dropped, signal=scrapy.signals.request_dropped)
        for signal in (scrapy.signals.item_scraped, scrapy.signals.item_dropped, scrapy.signals.item_error):
            crawler.signals.connect(spider._item_done, signal=signal)
        crawler.signals.connect(spider._idle, signal=scrapy.signals.spider_idle)
        return spider

    def _closed(self, spider, reason):
        stats = self.crawler.stats
        stats.set_value("newsarchive/failures_listed", len(self.failures))
        if self.jobdir:
            finished = reason == "finished"
            if not finished and (self.inflight or self.held_pages):
                # held next pages of undated listings are in no queue: resumed as in-flight listing pages
                held = [{"url": h.next_url, "role": "listing", "outlet": h.outlet, "hint": None}
                        for h in self.held_pages]
                Path(self.jobdir).mkdir(parents=True, exist_ok=True)
                (Path(self.jobdir) / "inflight.json").write_text(
                    json.dumps([*self.inflight.values(), *held], ensure_ascii=False), "utf-8")
            mark_stopped(self.jobdir, finished)

    # -- scope -----------------------------------------------------------------------------------
    def url_in_any_outlet(self, url: str) -> bool:
        return any(o.profile.owns_url(url) for o in self.outlets.values())

    def request_in_scope(self, request) -> bool:
        run = self.outlets.get(request.meta.get("outlet", ""))
        if run is None:
            return self.url_in_any_outlet(request.url)
        return run.profile.owns_url(request.url)

    def skip_at_download(self, request) -> bool:
        if request.meta.get("role") != "article" or request.meta.get("revisit"):
            return False
        if self.crawlstate.status(request.url) != "archived":
            return False
        self.crawler.signals.send_catch_log(signal=archived_url_seen, url=request.url, spider=self)
        return True

    def track_inflight(self, request, starting: bool) -> None:
        if request.meta.get("role") not in ("article", "listing", "sitemap", "feed"):
            return
        if starting:
            self.inflight[request.url] = {
                "url": request.url, "role": request.meta.get("role"), "outlet": request.meta.get("outlet"),
                "hint": request.meta.get("discovery"),
            }
        else:
            self.inflight.pop(request.url, None)

    # -- failures --------------------------------------------------------------------------------
    def note_failure(self, kind: str, url: str, reason: str) -> None:
        self.crawler.stats.inc_value(f"newsarchive/failures/{kind}")
        if len(self.failures) < MAX_FAILURES_LISTED:
            self.failures.append((kind, url, reason))

    def on_error(self, failure: Failure):
        request = failure.request
        exc = failure.value
        response = getattr(exc, "response", None)
        outlet = request.meta.get("outlet")
        role = request.meta.get("role", "page")
        run = self.outlets.get(outlet)
        if run is not None:
            self._settle(run, request.meta)
        if run is not None and role == "home":
            run.home_done = True
        if role == "article":
            url = _listed_url(request)
            known = self.crawlstate.known.get(url)       # (refused as archived meanwhile: its date is known)
            self._article_resolved(url, known.published if known else None)
        status = response.status if response is not None else None
        refused = refusal(exc)       # None: a failure (a redirect loop, a gzip bomb... are IgnoreRequests too)
        if refused is not None:
            # refusals (robots.txt, scope, private address, already archived) are counted where decided
            if refused == "robots_txt":
                self.crawler.stats.inc_value("newsarchive/refused/robots_txt")
                self.logger.info("Forbidden by robots.txt: %s", request.url)
        elif request.meta.get("probe"):
            # robots.txt and the usual sitemap/feed paths are guesses: missing ones are normal
            self.crawler.stats.inc_value("newsarchive/discovery/probe_failed")
            self.logger.info("Not found or unreachable (guessed URL): %s (%s)", request.url,
                             f"HTTP {response.status}" if response is not None else failure.getErrorMessage())
        else:
            kind, reason = describe_failure(exc, status, request.meta)
            self.crawler.stats.inc_value("newsarchive/fetch_errors")
            self.note_failure(kind, request.url, reason)
            self.logger.warning("Fetch failed (%s, %s): %s (%s)", kind, role, request.url, reason)
            if role in DISCOVERY_ROLES:
                # the articles listed only in it were not seen: the run is not a whole view of the site
                self.crawler.stats.inc_value("newsarchive/discovery/documents_failed")
            elif role == "article" and status not in GONE_STATUSES:
                self._still_listed(_listed_url(request))
        if run is not None:
            yield from self._advance(run)

    def _still_listed(self, url: str) -> None:
        """An article fetch failed (timeout, 5xx, DNS...) but not with 404/410: if the archive holds the
        article (a due revisit), it was listed by discovery and is most likely still on the site, so it
        is sighted like an archived URL discovery skipped, and a complete run does not drop it."""
        if self.crawlstate.known.get(url) is None:
            return
        self.crawler.stats.inc_value("newsarchive/revisits_failed_kept")
        self.crawler.signals.send_catch_log(signal=archived_url_seen, url=url, spider=self)

    # -- start -----------------------------------------------------------------------------------
    async def start(self):
        # completeness (archive.runs.partial_reasons): outlets whose discovery read a whole-site
        # listing are counted in newsarchive/discovery/whole_site_outlets as their discovery ends
        self.crawler.stats.set_value("newsarchive/discovery/outlets", len(self.outlets))
        for entry in self.resumed_inflight:
            run = self.outlets.get(entry.get("outlet") or "")
            if run is None or not entry.get("url"):
                continue
            if entry.get("role") == "article":
                req = self._article_request(run, entry["url"], None, (entry.get("hint") or {}).get("source", "resume"),
                                            force=True)
                if req is not None:
                    yield req
            else:
                role = entry.get("role")
                req = self._discovery_request(run, entry["url"], role, STAGE_OF_ROLE.get(role or ""), force=True)
                if req is not None:
                    yield req
        for run in self.outlets.values():
            self.logger.info("Crawling %s (%s) from %s; window: %s", run.profile.name,
                             run.profile.outlet_name or "not in the registry", run.profile.home,
                             self.window.describe())
            home = run.profile.home
            yield self._request(run, urljoin(home, "/robots.txt"), self.parse_robots, role="robots",
                                stage="sitemaps", dont_filter=True, priority=100,
                                meta={"dont_obey_robotstxt": True, "handle_httpstatus_all": True,
                                      "probe": True})
            yield self._request(run, home, self.parse_home, role="home", stage="sitemaps",
                                dont_filter=True, priority=90)

    def _request(self, run: OutletRun, url: str, callback, *, role: str, stage: str | None = None,
                 dont_filter: bool = False, priority: int = 0, meta: dict | None = None,
                 cb_kwargs: dict | None = None) -> scrapy.Request:
        m = {"outlet": run.profile.name, "role": role, **(meta or {})}
        if stage:
            key = f"{self._run_token}:{next(self._keys)}"
            run.pending[stage].add(key)
            m["stage"] = stage
            m["pending"] = key
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=m, priority=priority,
                              dont_filter=dont_filter, cb_kwargs=cb_kwargs or {})

    @staticmethod
    def _settle(run: OutletRun, meta: dict) -> None:
        """A request of `run` got its answer (response, error or drop): it is no longer pending."""
        stage = meta.get("stage")
        if stage:
            run.pending[stage].discard(meta.get("pending"))

    def _done(self, response: Response) -> OutletRun:
        run = self.outlets[response.meta["outlet"]]
        self._settle(run, response.meta)
        if response.meta.get("role") in STAGE_OF_ROLE:
            # (a discovery request queued by an earlier run (JOBDIR): read here, so not requested again)
            run.requested.add(canonicalize_url(response.meta.get("redirect_urls", [response.url])[0]))
        return run

    def _dropped(self, request, spider=None) -> None:
        """Scrapy's scheduler refused a request (its dupefilter had seen it): it will never be answered.

        Duplicates within a run are never requested (``OutletRun.requested``), so a dropped discovery
        request was read by an earlier run of this crawl (JOBDIR) or by another worker, unless it is a
        redirect to a page read already. The stage stops waiting for it, and may move on.
        """
        if request.meta.get("role") == "article":
            self._article_resolved(_listed_url(request), None)
            return
        run = self.outlets.get(request.meta.get("outlet") or "")
        stage = request.meta.get("stage")
        if run is None or not stage or request.meta.get("pending") not in run.pending[stage]:
            return
        self._settle(run, request.meta)
        self.crawler.stats.inc_value("newsarchive/discovery/dropped_as_seen")
        if not request.meta.get("redirect_urls"):
            run.read_elsewhere[stage] += 1
        self.logger.info("Not requested again (seen before): %s", request.url)
        for follow_up in self._advance(run):
            self.crawler.engine.crawl(follow_up)

    def _unreadable(self, response: Response, what: str, exc: XmlError) -> None:
        """A sitemap or feed (``what``) that is not readable XML: a listed parse failure when the outlet
        named it; when its URL was only guessed (``probe``), a missing document, counted and logged."""
        if response.meta.get("probe"):
            self.crawler.stats.inc_value("newsarchive/discovery/probe_missing")
            self.logger.info("No %s at the guessed URL %s: %s", what, response.url, exc)
        else:
            self.note_failure("parse", response.url, f"{what}: {exc}")
            self.crawler.stats.inc_value("newsarchive/discovery/documents_failed")
            self.logger.warning("Unreadable %s %s: %s", what, response.url, exc)

    # -- robots.txt and sitemaps -----------------------------------------------------------------
    def parse_robots(self, response: Response):
        run = self._done(response)
        declared: list[str] = []
        if response.status == 200 and isinstance(response, TextResponse):
            text = response.text
            declared = sitemaps_from_robots(text, response.url)
            try:
                delay = Protego.parse(text).crawl_delay(self.settings.get("USER_AGENT", "*"))
            except Exception:  # a robots.txt Protego cannot read: no delay, Scrapy still obeys what it can
                delay = None
            if delay:
                self.crawl_delays[urlsplit(response.url).netloc] = float(delay)
                self.crawler.stats.set_value(f"newsarchive/crawl_delay/{run.profile.name}", float(delay))
                self.logger.info("%s asks for Crawl-delay %s s", run.profile.name, delay)
        urls = [*run.profile.sitemaps, *declared]
        probe = not urls
        if probe:
            urls = [urljoin(run.profile.home, p) for p in COMMON_SITEMAP_PATHS]
        for url in urls:
            req = self._discovery_request(run, url, "sitemap", "sitemaps", probe=probe)
            if req is not None:
                yield req
        yield from self._advance(run)

    def _discovery_request(self, run: OutletRun, url: str, role: str | None, stage: str | None, *,
                           probe: bool = False, force: bool = False, priority: int = 50,
                           depth: int = 0) -> scrapy.Request | None:
        """A request for a sitemap, feed or listing page; None when this run requested it already.

        ``force``: requested even if an earlier run of this crawl did (a resumed JOBDIR's in-flight
        requests, which its dupefilter would drop).
        """
        key = canonicalize_url(url)
        if key in run.requested and not force:
            self.crawler.stats.inc_value("newsarchive/discovery/duplicates_skipped")
            return None
        run.requested.add(key)
        role = role or "listing"
        callback = {"sitemap": self.parse_sitemap, "feed": self.parse_feed}.get(role, self.parse_listing)
        return self._request(run, url, callback, role=role, stage=stage, priority=priority,
                             dont_filter=force, meta={"probe": probe},
                             cb_kwargs={"depth": depth} if role == "listing" else None)

    def parse_sitemap(self, response: Response):
        run = self._done(response)
        try:
            sitemap = parse_sitemap(response.body, response.url, run.profile.month_first, self.max_sitemap_bytes)
        except XmlError as exc:
            self._unreadable(response, "sitemap", exc)
            yield from self._advance(run)
            return
        self.crawler.stats.inc_value("newsarchive/discovery/sitemaps_read")
        for warning in sitemap.warnings[:20]:
            self.logger.info("Sitemap %s: %s", response.url, warning)
        if sitemap.kind == "index":
            for entry in sitemap.entries:
                if self.window.older_than_since(entry.lastmod):
                    self.crawler.stats.inc_value("newsarchive/discovery/sitemaps_skipped_old")
                    continue
                if run.profile.owns_url(entry.url):
                    req = self._discovery_request(run, entry.url, "sitemap", "sitemaps")
                    if req is not None:
                        yield req
        else:
            regular = False
            for entry in sitemap.entries:
                url = entry.url
                if not run.profile.owns_url(url):
                    continue
                verdict = run.classifier.classify(url)
                if not verdict.is_article and (verdict.rule != "no_article_shape" or self._is_section(url)):
                    continue   # sitemaps list sections and tags too
                run.classifier.learn(url)
                regular = regular or entry.published is None
                req = self._article_request(run, url, entry.best_date, "news_sitemap" if entry.published else "sitemap",
                                            raw=entry.published_raw or entry.lastmod_raw, stage="sitemaps")
                if req is not None:
                    yield req
            if regular:     # lists articles without a news:publication_date: not a news sitemap
                run.regular_sitemaps += 1
                self.crawler.stats.inc_value("newsarchive/discovery/regular_sitemaps_read")
        yield from self._advance(run)

    # -- home page and feeds ---------------------------------------------------------------------
    def parse_home(self, response: Response):
        run = self._done(response)
        run.home_done = True
        if isinstance(response, HtmlResponse):
            run.home_feeds = feed_links(response.body, response.url)
            listing = read_listing(response.body, response.url, run.profile.month_first,
                                   is_article=run.classifier.is_article)
            for link in listing.links:
                if not run.profile.owns_url(link.url):
                    continue
                if run.classifier.is_article(link.url):
                    req = self._article_request(run, link.url, link.date or date_from_url(link.url), "home",
                                                raw=link.date_raw)
                    if req is not None:
                        yield req
                elif self._is_section(link.url) and link.url not in run.home_sections:
                    run.home_sections.append(link.url)
        else:
            self.note_failure("parse", response.url, "home page is not HTML")
            self.crawler.stats.inc_value("newsarchive/discovery/documents_failed")
        yield from self._advance(run)

    def _is_section(self, url: str) -> bool:
        path = urlsplit(url).path.lower()
        if path in ("", "/") or urlsplit(url).query:
            return False
        if any(p.search(path) for _n, p in NOT_ARTICLE_RULES):
            return False
        return path.strip("/").count("/") <= 1

    def parse_feed(self, response: Response):
        run = self._done(response)
        try:
            entries = parse_feed(response.body, response.url, run.profile.month_first, self.max_sitemap_bytes)
        except XmlError as exc:
            self._unreadable(response, "feed", exc)
            yield from self._advance(run)
            return
        self.crawler.stats.inc_value("newsarchive/discovery/feeds_read")
        for entry in entries:
            if not run.profile.owns_url(entry.url):
                continue
            run.classifier.learn(entry.url)
            req = self._article_request(run, entry.url, entry.published, "feed", raw=entry.published_raw,
                                        stage="feeds")
            if req is not None:
                yield req
        yield from self._advance(run)

    # -- listings ----------------------------------------------------------------------------------
    def parse_listing(self, response: Response, depth: int = 0):
        run = self._done(response)
        if not isinstance(response, HtmlResponse):
            self.note_failure("parse", response.url, "listing page is not HTML")
            self.crawler.stats.inc_value("newsarchive/discovery/documents_failed")
            yield from self._advance(run)
            return
        run.listing_pages += 1
        self.crawler.stats.inc_value("newsarchive/discovery/listing_pages")
        page = read_listing(response.body, response.url, run.profile.month_first, is_article=run.classifier.is_article)
        dated = older = known = articles = 0
        requests: list[scrapy.Request] = []
        dates: dict[str, datetime | None] = {}          # the page's articles and their dates before fetching
        for link in page.links:
            if not run.profile.owns_url(link.url) or not run.classifier.is_article(link.url):
                continue
            articles += 1
            when = link.date or date_from_url(link.url)
            dates[link.url] = when
            if when is not None:
                dated += 1
                older += self.window.older_than_since(when)
            if self.crawlstate.status(link.url) == "archived":
                known += 1
            req = self._article_request(run, link.url, when, "listing", raw=link.date_raw, stage="listings")
            if req is not None:
                requests.append(req)
        stop = None
        if articles and dated == articles and older == articles:
            stop = "every article on it is older than --since"
        elif articles and known == articles:
            stop = "every article on it is archived already"
        elif run.listing_pages >= self.max_listing_pages:
            stop = f"NEWSARCHIVE_MAX_LISTING_PAGES ({self.max_listing_pages}) reached"
        elif self.article_budget_spent():
            stop = "--max-articles reached"
        next_url = next((u for u in page.next_pages[:1] if run.profile.owns_url(u)), None)
        if stop:
            self.logger.info("Listing walk stops at %s: %s", response.url, stop)
            if next_url:  # older pages unseen: the run is not a whole view of the site (archive.runs.is_complete)
                self.crawler.stats.inc_value("newsarchive/discovery/listing_walks_cut")
        elif next_url and self.window.since is not None and dated < articles:
            # (registered before any article request leaves this callback, so no answer is missed)
            held = self._hold(run, response.url, next_url, depth + 1, dates)
            if held is not None and held.ready:
                requests.extend(self._release(held))
        elif next_url:
            req = self._discovery_request(run, next_url, "listing", "listings", priority=-depth - 1,
                                          depth=depth + 1)
            if req is not None:
                requests.append(req)
        yield from requests
        yield from self._advance(run)

    def _hold(self, run: OutletRun, page_url: str, next_url: str, depth: int,
              dates: dict[str, datetime | None]) -> HeldNextPage | None:
        """Hold the next page of a listing page whose undated articles are being fetched."""
        if canonicalize_url(next_url) in run.requested:
            return None
        held = HeldNextPage(run.profile.name, page_url, next_url, depth)
        for url, when in dates.items():
            url = request_url(url)     # answers arrive under Request.url
            if when is None:
                learned, when = self._fetched_date(url)
                if not learned:
                    held.waiting.add(url)
                    self.held.setdefault(url, []).append(held)
                    continue
            held.dates[url] = when
        key = f"{self._run_token}:{next(self._keys)}"
        run.pending["listings"].add(key)
        self.held_pages[held] = key
        self.crawler.stats.inc_value("newsarchive/discovery/listing_pages_held")
        self.logger.debug("Next page %s held until %d article(s) of %s are fetched", next_url,
                          len(held.waiting), page_url)
        return held

    def _fetched_date(self, url: str) -> tuple[bool, datetime | None]:
        """(known, date) of an article that discovery could not date: what its fetch told, what the
        archive knows, or not known yet (requested, not answered); (True, None) if it will never be."""
        if url in self.learned:
            return True, self.learned[url]
        known = self.crawlstate.known.get(url)
        if known is not None:
            return True, known.published
        if url in self.scheduled:
            return False, None
        return True, None                  # not requested (--max-articles, out of scope)

    def _release(self, held: HeldNextPage) -> list[scrapy.Request]:
        """Decide a held next page: walk on unless every article date known is older than --since."""
        key = self.held_pages.pop(held, None)
        if key is None:
            return []
        run = self.outlets[held.outlet]
        run.pending["listings"].discard(key)
        out: list[scrapy.Request] = []
        stop = None
        if self.window.all_older_than_since(held.dates.values()):
            stop = "every article on it is older than --since (dates learned by fetching them)"
            self.crawler.stats.inc_value("newsarchive/discovery/listing_stops_after_fetch")
        elif run.listing_pages >= self.max_listing_pages:
            stop = f"NEWSARCHIVE_MAX_LISTING_PAGES ({self.max_listing_pages}) reached"
        elif self.article_budget_spent():
            stop = "--max-articles reached"
        if stop:
            self.logger.info("Listing walk stops at %s: %s", held.page_url, stop)
        else:
            req = self._discovery_request(run, held.next_url, "listing", "listings", priority=-held.depth,
                                          depth=held.depth)
            if req is not None:
                out.append(req)
        out.extend(self._advance(run))
        return out

    def _article_resolved(self, url: str | None, when: datetime | None) -> None:
        """An article request got its answer: its extracted date, or None (failed, dropped, no date)."""
        if not url or self.window.since is None:
            return
        self.learned[url] = when
        for held in self.held.pop(url, ()):
            if held not in self.held_pages:
                continue                   # released already (spider idle)
            held.learn(url, when)
            if held.ready:
                for req in self._release(held):
                    self.crawler.engine.crawl(req)

    def _item_done(self, item, response=None, **kwargs) -> None:
        """item_scraped / item_dropped / item_error: the article's extracted date reaches discovery."""
        if self.window.since is None or not isinstance(item, dict):
            return
        when = getattr(item.get("article"), "published_at", None)
        if when is not None and not isinstance(when, datetime):
            when = parse_when(str(when))
        self._article_resolved(item.get("url"), when)

    def _idle(self, spider=None) -> None:
        """No request left but held next pages (an article whose answer never came, e.g. its callback
        failed): decide them with the dates known, so no walk is left waiting."""
        if not self.held_pages:
            return
        scheduled = False
        for held in list(self.held_pages):
            self.logger.info("Listing %s: %d article(s) never told their date; deciding with the dates known",
                             held.page_url, len(held.waiting))
            for req in self._release(held):
                self.crawler.engine.crawl(req)
                scheduled = True
        if scheduled:
            raise DontCloseSpider

    # -- moving between stages ---------------------------------------------------------------------
    def _advance(self, run: OutletRun):
        """When the current stage has nothing in flight: stay if it found articles, else fall back."""
        while run.stage and not run.pending[run.stage] and run.home_done:
            if run.found[run.stage] > 0 or run.read_elsewhere[run.stage] > 0:
                self.logger.info("%s: %d article URL(s) from %s%s", run.profile.name, run.found[run.stage], run.stage,
                                 f" ({run.read_elsewhere[run.stage]} document(s) read by an earlier run or another "
                                 "worker)" if run.read_elsewhere[run.stage] else "")
                self._discovery_ended(run)
                run.stage = ""
                return
            nxt = STAGES.index(run.stage) + 1
            if nxt >= len(STAGES):
                self.logger.warning("%s: no article found by sitemaps, feeds or listings", run.profile.name)
                self.note_failure("no_articles", run.profile.home, "discovery found no article URL in the window")
                run.stage = ""
                return
            run.stage = STAGES[nxt]
            self.logger.info("%s: falling back to %s", run.profile.name, run.stage)
            yield from self._start_stage(run)

    def _discovery_ended(self, run: OutletRun) -> None:
        """The outlet's discovery ended in `run.stage`: did it read a listing of the whole site?

        Only a regular sitemap (not a news sitemap) or a listing walk is one; a feed or a Google News
        sitemap lists only recent items, and documents read by an earlier run or another worker are not
        known. A run in which an outlet did not read one is not complete (archive.runs.partial_reasons).
        """
        whole = ((run.stage == "sitemaps" and run.regular_sitemaps > 0)
                 or (run.stage == "listings" and run.listing_pages > 0))
        if whole:
            self.crawler.stats.inc_value("newsarchive/discovery/whole_site_outlets")
        else:
            self.logger.info("%s: discovery ended in %s without a whole-site listing (regular sitemap or "
                             "listing walk): this run will not report its missing articles as removed",
                             run.profile.name, run.stage)

    def _start_stage(self, run: OutletRun):
        if run.stage == "feeds":
            urls = [*run.profile.feeds, *run.home_feeds]
            probe = not urls
            if probe:
                urls = [urljoin(run.profile.home, p) for p in COMMON_FEED_PATHS]
            for url in urls:
                if run.profile.owns_url(url):
                    req = self._discovery_request(run, url, "feed", "feeds", probe=probe)
                    if req is not None:
                        yield req
        elif run.stage == "listings":
            urls = run.profile.listings or run.home_sections[: self.max_sections]
            if not run.profile.listings and len(run.home_sections) > self.max_sections:
                # sections never walked: their articles are not seen (archive.runs.partial_reasons)
                self.crawler.stats.inc_value("newsarchive/discovery/sections_cut",
                                             len(run.home_sections) - self.max_sections)
                self.logger.info("%s: %d home section(s) beyond NEWSARCHIVE_MAX_SECTIONS (%d) not walked",
                                 run.profile.name, len(run.home_sections) - self.max_sections, self.max_sections)
            for url in urls:
                req = self._discovery_request(run, url, "listing", "listings", priority=-1)
                if req is not None:
                    yield req

    # -- articles -----------------------------------------------------------------------------------
    def article_budget_spent(self) -> bool:
        """--max-articles (NEWSARCHIVE_MAX_ARTICLES) reached: no more articles are scheduled."""
        return self.max_articles is not None and self.articles_scheduled >= self.max_articles

    def _article_request(self, run: OutletRun, url: str, when: datetime | None, source: str, *,
                         raw: str | None = None, stage: str | None = None, force: bool = False):
        stats = self.crawler.stats
        if not run.profile.owns_url(url):
            return None
        url = request_url(url)     # the form answers come back in (and the archive keeps)
        if url in self.scheduled:
            return None
        inside = self.window.contains(when)
        if inside is False:
            stats.inc_value("newsarchive/discovery/out_of_window")
            return None
        if stage:
            run.found[stage] += 1
        status = self.crawlstate.status(url)
        if status == "archived":
            stats.inc_value("newsarchive/skipped/already_archived")
            self.crawler.signals.send_catch_log(signal=archived_url_seen, url=url, spider=self)
            self.scheduled.add(url)
            return None
        if self.article_budget_spent():
            stats.inc_value("newsarchive/skipped/max_articles")
            return None
        self.scheduled.add(url)
        self.articles_scheduled += 1
        if status == "due":
            stats.inc_value("newsarchive/revisits")
        hint = {"source": source, "published_raw": raw,
                "published_at": when.isoformat() if when else None}
        return self._request(run, url, self.parse_article, role="article", priority=10,
                             dont_filter=force or status == "due",
                             meta={"revisit": status == "due", "discovery": hint})

    def parse_article(self, response: Response):
        self._done(response)
        if not isinstance(response, HtmlResponse):
            ctype = response.headers.get("Content-Type", b"").decode("latin-1")
            self.crawler.stats.inc_value("newsarchive/pages_not_html")
            self.note_failure("not_html", response.url, f"Content-Type {ctype or '?'}")
            self.logger.warning("Not an HTML page, skipped: %s (%s)", response.url, ctype)
            self._article_resolved(_listed_url(response), None)
            return
        item = page_item_from_response(response)
        item["outlet"] = response.meta.get("outlet")
        item["discovery"] = response.meta.get("discovery")
        self.crawler.stats.inc_value("newsarchive/articles_fetched")
        yield item

    # -- called by CrawlStatePipeline ------------------------------------------------------------------
    def article_archived(self, url: str | None, final_url: str | None, published: Any) -> None:
        from datetime import timezone

        from newsarchive.discovery.window import parse_when

        when = published if isinstance(published, datetime) else parse_when(published) if published else None
        if url:
            self.crawlstate.remember(url, final_url, when, datetime.now(timezone.utc))
        self.articles_archived += 1


