"""The outlet spider: turns the discovery frontier's decisions into requests, and hands answers back.

    scrapy crawl outlet -a target=lamdongtv.vn -a since=2024-06-01 -a until=2024-06-30

``target`` is a registry name or domain (``newsarchive sites``), a start URL, or several of them
separated by commas. ``-a full=1`` reads every document again instead of stopping where an earlier
run left off (see below).

What to fetch and why is decided by ``newsarchive.discovery.frontier.OutletFrontier``, one per
outlet: every source at once (robots.txt, sitemaps and their indexes, news sitemaps, feeds, the home
page, sections and their pagination, links between articles, retries of what earlier runs could not
archive), scoped, deduplicated, with traps cut and every cut counted. This module only maps its
``Fetch`` es onto Scrapy requests (callbacks per kind, conditional headers, one download slot per
outlet so that several outlets crawl in parallel, each at its own polite pace) and reports answers
back: documents read, failed or unchanged (304), articles fetched, archived or dropped.

Only article pages (and pages read as hubs that read as articles) are yielded as *page items* (see
``newsarchive.page``), with the outlet's name and what discovery knew (``discovery`` key).

Incremental: URLs archived already are skipped unless the revisit schedule says they are due
(``newsarchive.crawlstate``); documents read by the last run are asked for conditionally, and walks
stop in known territory (``newsarchive.discovery.memory``). Resume: JOBDIR (set by ``newsarchive
crawl``) plus the archive itself.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from protego import Protego
from scrapy.exceptions import DontCloseSpider
from scrapy.http import HtmlResponse, Response, TextResponse
from twisted.python.failure import Failure

from newsarchive.crawlstate import (CrawlState, RevisitSchedule, DEFAULT_REVISIT, archived_url_seen, claim_crawl,
                                    mark_running, mark_stopped, write_atomic)
from newsarchive.discovery import memory as discovery_memory
from newsarchive.discovery.feeds import feed_links, parse_feed
from newsarchive.discovery.frontier import ArticleBudget, Fetch, FrontierLimits, OutletFrontier
from newsarchive.discovery.listings import read_listing
from newsarchive.discovery.safexml import XmlError
from newsarchive.discovery.sitemaps import parse_sitemap, sitemaps_from_robots
from newsarchive.discovery.window import DateWindow, parse_when
from newsarchive.page import page_item_from_response
from newsarchive.scrapy_ext.failures import describe_failure, refusal
from newsarchive.sites import OutletProfile, RegistryError, load_registry

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
GONE_STATUSES = (404, 410)                                   # an article answering these is gone
PERMANENT_REDIRECTS = (301, 308)
CALLBACKS = {"robots": "parse_robots", "sitemap": "parse_sitemap", "feed": "parse_feed",
             "home": "parse_listing", "listing": "parse_listing", "article": "parse_article"}


def _listed_url(request_or_response) -> str:
    """The URL discovery listed (before any redirect), as page items record it (``url``)."""
    return (request_or_response.meta.get("redirect_urls") or [request_or_response.url])[0]


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on") if value not in (None, "") else False


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class OutletSpider(scrapy.Spider):
    name = "outlet"

    def __init__(self, target: str | None = None, start_urls: list[str] | str | None = None,
                 since: str | None = None, until: str | None = None,
                 max_articles: int | str | None = None, full: str | bool | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        targets = start_urls or target
        if not targets:
            raise ValueError("give the outlet to crawl: -a target=lamdongtv.vn (or a start URL)")
        if isinstance(targets, str):
            targets = [t.strip() for t in targets.split(",") if t.strip()]
        self.targets = [str(t) for t in targets]   # as given (outlet names or URLs): recorded in the run's manifest
        registry = load_registry()
        self.profiles: dict[str, OutletProfile] = {}
        for t in targets:
            try:
                profile = registry.resolve(t)
            except RegistryError as exc:
                raise ValueError(str(exc)) from None
            self.profiles.setdefault(profile.name, profile)
        self.window = DateWindow.from_strings(since, until)
        self.max_articles = int(max_articles) if max_articles not in (None, "", 0, "0") else None
        self.full = _truthy(full)
        self.budget = ArticleBudget(self.max_articles)
        self.crawl_delays: dict[str, float] = {}
        self.failures: list[tuple[str, str, str]] = []
        self.inflight: dict[str, dict[str, Any]] = {}
        self.crawlstate = CrawlState()
        self.articles_archived = 0
        self.coverage_report: dict[str, dict[str, Any]] | None = None
        self.outlets: dict[str, OutletFrontier] = {n: self._frontier(p) for n, p in self.profiles.items()}

    def _frontier(self, profile: OutletProfile, memory=None, limits: FrontierLimits | None = None) -> OutletFrontier:
        return OutletFrontier(profile, window=self.window, state=self.crawlstate, budget=self.budget,
                              limits=limits, memory=memory, full=self.full,
                              count=self._count, sighted=self._sighted)

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
        limits = FrontierLimits(
            max_listing_pages=s.getint("NEWSARCHIVE_MAX_LISTING_PAGES", FrontierLimits.max_listing_pages),
            max_hubs=s.getint("NEWSARCHIVE_MAX_HUBS", FrontierLimits.max_hubs),
            max_pages=s.getint("NEWSARCHIVE_MAX_DISCOVERY_PAGES", FrontierLimits.max_pages),
            max_calendar_pages=s.getint("NEWSARCHIVE_MAX_CALENDAR_PAGES", FrontierLimits.max_calendar_pages),
        )
        spider.limits = limits
        spider.max_sitemap_bytes = s.getint("NEWSARCHIVE_MAX_SITEMAP_BYTES", 50 * 1024 * 1024)
        if spider.max_articles is None and s.getint("NEWSARCHIVE_MAX_ARTICLES", 0):
            spider.max_articles = s.getint("NEWSARCHIVE_MAX_ARTICLES")
            spider.budget.limit = spider.max_articles
        if not spider.full and s.getbool("NEWSARCHIVE_FULL", False):
            spider.full = True
        try:
            schedule = RevisitSchedule.parse(s.get("NEWSARCHIVE_REVISIT", DEFAULT_REVISIT))
        except ValueError as exc:
            raise ValueError(f"NEWSARCHIVE_REVISIT: {exc}") from None
        archive = s.get("ARCHIVE_DIR")
        # the archive's write lock before anything is read or touched: a refused crawl changes nothing
        spider.claim = claim_crawl(archive, s.get("JOBDIR"), crawler)
        with spider.claim.released_on_error():
            memories = discovery_memory.load(archive, spider.profiles)
            spider.outlets = {n: spider._frontier(p, memories.get(n), limits) for n, p in spider.profiles.items()}
            # (loaded once the frontiers know their hosts: an outlet that moved owns its new host's articles)
            spider.crawlstate = CrawlState.load(archive, schedule, owns=spider.url_in_any_outlet)
            for frontier in spider.outlets.values():
                frontier.state = spider.crawlstate
            if not s.frozen:
                from newsarchive.crawler import parallel_settings

                parallel_settings(s, len(spider.outlets))
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
        crawler.signals.connect(spider._item_scraped, signal=scrapy.signals.item_scraped)
        for signal in (scrapy.signals.item_dropped, scrapy.signals.item_error):
            crawler.signals.connect(spider._item_not_archived, signal=signal)
        crawler.signals.connect(spider._idle, signal=scrapy.signals.spider_idle)
        return spider

    def _count(self, name: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"newsarchive/{name}", n)

    def _sighted(self, url: str) -> None:
        self.crawler.signals.send_catch_log(signal=archived_url_seen, url=url, spider=self)

    def _closed(self, spider, reason):
        self.discovery_report()
        self.crawler.stats.set_value("newsarchive/failures_listed", len(self.failures))
        if self.jobdir:
            finished = reason == "finished"
            if not finished and (self.inflight or any(f.holding for f in self.outlets.values())):
                # held next pages of undated listings are in no queue: resumed as in-flight listing pages
                held = [{"outlet": f.name, "fetch": pending.to_meta(), "url": pending.url, "role": "listing"}
                        for f in self.outlets.values() for pending in f.held_pages.values()]
                Path(self.jobdir).mkdir(parents=True, exist_ok=True)
                write_atomic(Path(self.jobdir) / "inflight.json",
                             json.dumps([*self.inflight.values(), *held], ensure_ascii=False))
            mark_stopped(self.jobdir, finished)

    # -- what the store pipeline asks at the end --------------------------------------------------
    def discovery_report(self) -> dict[str, dict[str, Any]]:
        """Per outlet, the coverage account of this run (kept in the manifest under ``coverage``)."""
        if self.coverage_report is None:
            for f in self.outlets.values():
                if not f.coverage.found:
                    # a failure everyone should see: an outlet whose every source listed nothing
                    self.logger.warning("%s: no article URL found by any source (sitemaps, feeds, home page, "
                                        "listings, links)", f.name)
                    self.note_failure("no_articles", f.home, "discovery found no article URL"
                                      + ("" if self.window.open else " in the window"))
            self.coverage_report = {name: f.report() for name, f in self.outlets.items()}
            stats = self.crawler.stats
            stats.set_value("newsarchive/discovery/outlets", len(self.outlets))
            stats.set_value("newsarchive/discovery/whole_site_outlets",
                            sum(1 for r in self.coverage_report.values() if r["whole_site"]))
            for name, r in self.coverage_report.items():
                if not r["whole_site"]:
                    self.logger.info("%s: not seen whole in this run (%s): it will not report missing articles "
                                     "as removed", name, "; ".join(r["partial"]))
        return self.coverage_report

    def discovery_memory(self, run_id: str | None) -> bytes:
        """What discovery remembers for the next run (``runs/<id>/discovery.json.zst``)."""
        return discovery_memory.dumps(f.memory_out(run_id) for f in self.outlets.values())

    def add_outlet(self, target: str) -> str:
        """Crawl one more outlet (a registry name or a start URL) in this run; returns its name."""
        profile = load_registry().resolve(target)
        if profile.name not in self.outlets:
            self.profiles[profile.name] = profile
            frontier = self._frontier(profile, None, getattr(self, "limits", None))
            self.outlets[profile.name] = frontier
        return profile.name

    # -- scope -----------------------------------------------------------------------------------
    def url_in_any_outlet(self, url: str) -> bool:
        outlets = getattr(self, "outlets", None) or {}
        if outlets:
            return any(f.owns(url) for f in outlets.values())
        return any(p.owns_url(url) for p in self.profiles.values())

    def request_in_scope(self, request) -> bool:
        frontier = self.outlets.get(request.meta.get("outlet", ""))
        if frontier is None:
            return self.url_in_any_outlet(request.url)
        if frontier.owns(request.url):
            return True
        reasons = request.meta.get("redirect_reasons") or []
        if request.meta.get("role") == "home" and reasons and all(r in PERMANENT_REDIRECTS for r in reasons):
            # the start URL moved for good (a new domain, e.g. after the 2025 merger): follow the outlet there
            self.logger.warning("%s moved: its home page %s redirects permanently to %s; crawling it there",
                                frontier.name, _listed_url(request), request.url)
            for f in frontier.adopt(request.url):
                self.crawler.engine.crawl(self._request(frontier, f))
            return True
        return False

    def skip_at_download(self, request) -> bool:
        if request.meta.get("role") != "article" or request.meta.get("revisit"):
            return False
        if self.crawlstate.status(request.url) != "archived":
            return False
        self._sighted(request.url)
        return True

    def track_inflight(self, request, starting: bool) -> None:
        if request.meta.get("role") not in ("article", "listing", "sitemap", "feed", "home"):
            return
        if starting:
            self.inflight[request.url] = {"url": request.url, "role": request.meta.get("role"),
                                          "outlet": request.meta.get("outlet"), "fetch": request.meta.get("fetch")}
        else:
            self.inflight.pop(request.url, None)

    # -- requests ----------------------------------------------------------------------------------
    def _request(self, frontier: OutletFrontier, f: Fetch) -> scrapy.Request:
        meta: dict[str, Any] = {"outlet": frontier.name, "role": f.kind, "fetch": f.to_meta(),
                                "download_slot": frontier.name}
        if f.kind == "robots":
            meta.update(dont_obey_robotstxt=True, handle_httpstatus_all=True)
        elif f.kind == "article":
            meta.update(revisit=f.revisit, discovery=f.hint)
        else:
            meta["handle_httpstatus_list"] = [304]
        if f.probe:
            meta["probe"] = True
        return scrapy.Request(f.url, callback=getattr(self, CALLBACKS[f.kind]), errback=self.on_error, meta=meta,
                              priority=f.priority, dont_filter=f.force, headers=f.headers or None)

    def _requests(self, frontier: OutletFrontier, fetches) -> list[scrapy.Request]:
        return [self._request(frontier, f) for f in fetches if f is not None]

    def _answer(self, response_or_request) -> tuple[OutletFrontier, Fetch]:
        meta = response_or_request.meta
        frontier = self.outlets[meta["outlet"]]
        raw = meta.get("fetch") or {"url": _listed_url(response_or_request), "kind": meta.get("role", "listing")}
        return frontier, Fetch.from_meta(raw)

    async def start(self):
        for entry in self.resumed_inflight:
            frontier = self.outlets.get(entry.get("outlet") or "")
            meta = entry.get("fetch") or ({"url": entry.get("url"), "kind": entry.get("role")}
                                          if entry.get("url") and entry.get("role") else None)
            if frontier is None or not meta:
                continue
            f = frontier.resumed(meta)
            if f is not None:
                yield self._request(frontier, f)
        for frontier in self.outlets.values():
            p = frontier.profile
            self.logger.info("Crawling %s (%s) from %s; window: %s%s", p.name, p.outlet_name or "not in the registry",
                             p.home, self.window.describe(), "; full (every document read again)" if self.full else "")
            for req in self._requests(frontier, frontier.start()):
                yield req

    # -- failures --------------------------------------------------------------------------------
    def note_failure(self, kind: str, url: str, reason: str) -> None:
        self.crawler.stats.inc_value(f"newsarchive/failures/{kind}")
        if len(self.failures) < MAX_FAILURES_LISTED:
            self.failures.append((kind, url, reason))

    def on_error(self, failure: Failure):
        request = failure.request
        exc = failure.value
        response = getattr(exc, "response", None)
        status = response.status if response is not None else None
        role = request.meta.get("role", "page")
        frontier, fetch = self._answer(request) if request.meta.get("outlet") in self.outlets else (None, None)
        refused = refusal(exc)       # None: a failure (a redirect loop, a gzip bomb... are IgnoreRequests too)
        kind, reason = describe_failure(exc, status, request.meta) if refused is None else (refused, str(exc))
        if refused is not None:
            # refusals (robots.txt, scope, private address, already archived) are counted where decided
            if refused == "robots_txt":
                self.crawler.stats.inc_value("newsarchive/refused/robots_txt")
                self.logger.info("Forbidden by robots.txt: %s", request.url)
        elif request.meta.get("probe"):
            # robots.txt and the usual sitemap/feed paths are guesses: missing ones are normal
            self.logger.info("Not found or unreachable (guessed URL): %s (%s)", request.url,
                             f"HTTP {status}" if status is not None else failure.getErrorMessage())
        else:
            self.crawler.stats.inc_value("newsarchive/fetch_errors")
            self.note_failure(kind, request.url, reason)
            self.logger.warning("Fetch failed (%s, %s): %s (%s)", kind, role, request.url, reason)
        if frontier is None:
            return
        if role == "article":
            url = _listed_url(request)
            gone = status in GONE_STATUSES
            follow = frontier.article_done(url, self._known_date(url),
                                           "refused" if refused is not None else "gone" if gone else "failed")
            if refused is None and not gone:
                self._still_listed(url)
        elif refused is not None:
            follow = []
        else:
            frontier.document_failed(fetch, kind, reason, status)
            follow = []
        yield from self._requests(frontier, follow)

    def _known_date(self, url: str) -> datetime | None:
        known = self.crawlstate.known.get(url)
        return known.published if known else None

    def _still_listed(self, url: str) -> None:
        """An article fetch failed (timeout, 5xx, DNS...) but not with 404/410: if the archive holds the
        article (a due revisit), it was listed by discovery and is most likely still on the site, so it
        is sighted like an archived URL discovery skipped, and a complete run does not drop it."""
        if self.crawlstate.known.get(url) is None:
            return
        self.crawler.stats.inc_value("newsarchive/revisits_failed_kept")
        self._sighted(url)

    def _dropped(self, request, spider=None) -> None:
        """Scrapy's scheduler refused a request (its dupefilter had seen it: read by an earlier run of
        this crawl (JOBDIR), by another worker, or a redirect to a page read already): it will never be
        answered, so the frontier stops waiting for it."""
        if request.meta.get("outlet") not in self.outlets:
            return
        frontier, fetch = self._answer(request)
        if fetch.kind == "article":
            follow = frontier.article_done(_listed_url(request), None, "refused")
        else:
            frontier.document_dropped(fetch)
            follow = []
        self.crawler.stats.inc_value("newsarchive/discovery/dropped_as_seen")
        self.logger.debug("Not requested again (seen before): %s", request.url)
        for req in self._requests(frontier, follow):
            self.crawler.engine.crawl(req)

    # -- robots.txt, sitemaps, feeds -----------------------------------------------------------------
    def parse_robots(self, response: Response):
        """robots.txt: its Sitemap lines, the usual sitemap and feed paths, the profile's listings.

        @sample_site /robots.txt robots
        @returns requests 2
        @returns items 0 0
        """
        frontier, _fetch = self._answer(response)
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
                self.crawler.stats.set_value(f"newsarchive/crawl_delay/{frontier.name}", float(delay))
                self.logger.info("%s asks for Crawl-delay %s s", frontier.name, delay)
        yield from self._requests(frontier, frontier.robots_read(declared))

    def _unreadable(self, frontier: OutletFrontier, fetch: Fetch, response: Response, what: str, exc) -> None:
        """A sitemap or feed that is not readable XML: a listed parse failure when the outlet named it;
        when its URL was only guessed (``probe``), a missing document, counted and logged."""
        if fetch.probe:
            self.logger.info("No %s at the guessed URL %s: %s", what, response.url, exc)
        else:
            self.note_failure("parse", response.url, f"{what}: {exc}")
            self.logger.warning("Unreadable %s %s: %s", what, response.url, exc)
        frontier.document_failed(fetch, "parse", f"{what}: {exc}")

    def parse_sitemap(self, response: Response):
        """A sitemap (or index): its article URLs in the date window, its children, its sections.

        @sample_site /sitemap.xml sitemap
        @returns requests 13 13
        @returns items 0 0
        """
        return self._xml_document(response, "sitemap", parse_sitemap, OutletFrontier.sitemap_read)

    def parse_feed(self, response: Response):
        """An RSS/Atom feed: its entries in the window become article requests.

        @sample_site /rss/tin-moi.rss feed
        @returns requests 13 13
        @returns items 0 0
        """
        return self._xml_document(response, "feed", parse_feed, OutletFrontier.feed_read)

    def _xml_document(self, response: Response, what: str, parse, read) -> list[scrapy.Request]:
        """A sitemap or feed answered: unchanged (304), unreadable, or read by the frontier."""
        frontier, fetch = self._answer(response)
        if response.status == 304:
            return self._requests(frontier, frontier.not_modified(fetch))
        try:
            doc = parse(response.body, response.url, frontier.profile.month_first, self.max_sitemap_bytes)
        except XmlError as exc:
            self._unreadable(frontier, fetch, response, what, exc)
            return []
        for warning in getattr(doc, "warnings", [])[:20]:
            self.logger.info("%s %s: %s", what.capitalize(), response.url, warning)
        return self._requests(frontier, read(frontier, fetch, doc, _header(response, "ETag"),
                                             _header(response, "Last-Modified")))

    # -- the home page and listings ------------------------------------------------------------------
    def parse_listing(self, response: Response):
        """The home page or a listing page: its articles, its hubs (sections...), its next page.

        @sample_site /chuyen-muc/kinh-doanh/ listing
        @returns requests 6
        @returns items 0 0
        """
        frontier, fetch = self._answer(response)
        if response.status == 304:
            yield from self._requests(frontier, frontier.not_modified(fetch))
            return
        if not isinstance(response, HtmlResponse):
            self.note_failure("parse", response.url, f"{fetch.kind} page is not HTML")
            frontier.document_failed(fetch, "parse", "not HTML")
            return
        page = read_listing(response.body, response.url, frontier.profile.month_first,
                            is_article=frontier.classifier.is_article)
        if fetch.kind == "home":
            yield from self._requests(frontier, frontier.feeds_advertised(feed_links(response.body, response.url)))
        outcome = frontier.listing_read(fetch, page, _header(response, "ETag"), _header(response, "Last-Modified"))
        yield from self._requests(frontier, outcome.fetches)
        if outcome.as_page:
            # read as a hub, reads as an article: extraction decides (not presumed an article)
            item = page_item_from_response(response)
            item["outlet"] = frontier.name
            item["discovery"] = {"source": "hub", "presumed_article": False}
            item["links_wanted"] = True
            self.crawler.stats.inc_value("newsarchive/discovery/hub_pages_to_extraction")
            yield item

    # -- articles -----------------------------------------------------------------------------------
    def article_budget_spent(self) -> bool:
        """--max-articles (NEWSARCHIVE_MAX_ARTICLES) reached: no more articles are scheduled."""
        return self.budget.spent()

    def parse_article(self, response: Response):
        """An article page: one page item for the pipelines, and its in-site links for discovery.

        @sample_site /bai-viet/co-phieu-flc-duoc-giao-dich-tro-lai-2495349.html article
        @returns items 1 1
        @scrapes url final_url status headers body fetched_at outlet discovery
        """
        frontier, _fetch = self._answer(response)
        url = _listed_url(response)
        if not isinstance(response, HtmlResponse):
            ctype = response.headers.get("Content-Type", b"").decode("latin-1")
            self.crawler.stats.inc_value("newsarchive/pages_not_html")
            self.note_failure("not_html", response.url, f"Content-Type {ctype or '?'}")
            self.logger.warning("Not an HTML page, skipped: %s (%s)", response.url, ctype)
            yield from self._requests(frontier, frontier.article_done(url, None, "not_archived"))
            return
        frontier.article_fetched(url)
        item = page_item_from_response(response)
        item["outlet"] = frontier.name
        item["discovery"] = response.meta.get("discovery")
        item["links_wanted"] = True         # the extraction worker reads its links: links_found
        self.crawler.stats.inc_value("newsarchive/articles_fetched")
        yield item

    # -- answers from the pipelines ------------------------------------------------------------------
    def links_found(self, url: str | None, links: list[str]) -> None:
        """The in-site links of a fetched article page, read by the extraction worker (the extract
        pipeline calls this): discovery follows them (``OutletFrontier.article_links``)."""
        frontier = self._frontier_of(url)
        if frontier is not None and url:
            self._crawl(frontier, frontier.article_links(url, links))

    def article_archived(self, url: str | None, final_url: str | None, published: Any) -> None:
        """Called by CrawlStatePipeline once an article is stored."""
        when = published if isinstance(published, datetime) else parse_when(published) if published else None
        if url:
            self.crawlstate.remember(url, final_url, when, datetime.now(timezone.utc))
        self.articles_archived += 1
        self._article_answer(url, when, archived=True)

    def _article_answer(self, url: str | None, when: datetime | None, archived: bool) -> None:
        """An article's answer from the pipelines (stored, or not: dropped, kept apart as invalid)
        reaches its frontier, with the date extraction found (held listing pages wait for it)."""
        frontier = self._frontier_of(url)
        if frontier is not None:
            self._crawl(frontier, frontier.article_done(url, when, "archived" if archived else "not_archived"))

    def _frontier_of(self, url: str | None) -> OutletFrontier | None:
        if not url:
            return None
        for frontier in self.outlets.values():
            if frontier.owns(url):
                return frontier
        return None

    def _crawl(self, frontier: OutletFrontier, fetches) -> None:
        for req in self._requests(frontier, fetches):
            self.crawler.engine.crawl(req)

    @staticmethod
    def _item_date(item) -> datetime | None:
        when = getattr(item.get("article"), "published_at", None) if hasattr(item, "get") else None
        if when is not None and not isinstance(when, datetime):
            when = parse_when(str(when))
        return when

    def _item_scraped(self, item, response=None, **kwargs) -> None:
        """An item left the pipelines. A stored one was told to discovery by ``article_archived``
        (and leaves as its record, pipelines/feed.py); one not stored reaches discovery here."""
        if hasattr(item, "get") and "article" in item and not item.get("archive_outcome"):
            self._article_answer(item.get("url"), self._item_date(item), archived=False)

    def _item_not_archived(self, item, response=None, **kwargs) -> None:
        """item_dropped / item_error: not an article, outside the window, not stored."""
        self._item_scraped(item, response)

    def _idle(self, spider=None) -> None:
        """No request left but held next pages (an article whose answer never came, e.g. its callback
        failed): decide them with the dates known, so no walk is left waiting."""
        scheduled = False
        for frontier in self.outlets.values():
            if frontier.holding:
                self.logger.info("%s: deciding %d held listing page(s) with the dates known", frontier.name,
                                 frontier.holding)
                for req in self._requests(frontier, frontier.idle()):
                    self.crawler.engine.crawl(req)
                    scheduled = True
        if scheduled:
            raise DontCloseSpider
