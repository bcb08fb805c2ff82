"""No false "removed": an archived article whose due revisit did not end in the archive stays sighted.

A crawl revisits archived articles that its discovery listed again (the revisit schedule,
``newsarchive.crawlstate``). A complete run is a whole view of the site: a snapshot as of it drops
the articles it did not see (``newsarchive.archive.snapshot``). A revisit sees its article when the
page is archived again (a new version, or unchanged), and shows it gone when the site answers 404 or
410. Every other ending leaves the article unseen, though discovery listed it in this very run: a
timeout, a reset, a redirect loop, a body over DOWNLOAD_MAXSIZE, a Retry-After given up on, a
refusal (robots.txt, scope), a page that is not HTML any more or that the extractor or a pipeline
dropped, a callback that raised. The article would then be reported removed.

``RevisitGuard`` (a Scrapy extension) keeps the books: every article request a crawl schedules as a
revisit (request meta ``role == "article"`` and ``revisit``), under the URL discovery listed
(``redirect_urls[0]``, else its URL); crossed off when its page is archived (item_scraped with an
``archive_outcome``, or the archive record the item leaves the pipelines as) or answers 404/410. When the spider closes, before the store pipeline closes
the run, each revisit left is sighted (the ``archived_url_seen`` signal, as for an archived URL
discovery listed and did not fetch), counted in ``newsarchive/revisits_kept_not_archived``.
Sighting an article the run saw already records nothing twice (RunWriter.seen_archived).
"""

from __future__ import annotations

import logging

from scrapy import signals

from newsarchive.crawlstate import archived_url_seen

logger = logging.getLogger(__name__)

GONE_STATUSES = (404, 410)      # an article answering these is gone from the site


def listed_url(request) -> str:
    """The URL discovery listed (before any redirect)."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def is_revisit(request) -> bool:
    return request.meta.get("role") == "article" and bool(request.meta.get("revisit"))


class RevisitGuard:
    def __init__(self, crawler):
        self.crawler = crawler
        self.pending: set[str] = set()      # listed URLs of revisits not archived (nor gone) yet
        self.done: set[str] = set()         # archived or gone: never sighted here

    @classmethod
    def from_crawler(cls, crawler):
        guard = cls(crawler)
        crawler.signals.connect(guard.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(guard.response_received, signal=signals.response_received)
        crawler.signals.connect(guard.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(guard.spider_closed, signal=signals.spider_closed)
        return guard

    def request_scheduled(self, request, spider=None):
        if is_revisit(request):
            url = listed_url(request)
            if url not in self.done:
                self.pending.add(url)

    def response_received(self, response, request, spider=None):
        if is_revisit(request) and response.status in GONE_STATUSES:
            self._cross_off(listed_url(request))

    def item_scraped(self, item, response=None, spider=None):
        # a page item the store archived, or the record it leaves the pipelines as (pipelines/feed.py)
        if hasattr(item, "get") and (item.get("archive_outcome") or item.get("content_hash")) and item.get("url"):
            self._cross_off(item["url"])

    def _cross_off(self, url: str) -> None:
        self.pending.discard(url)
        self.done.add(url)

    def spider_closed(self, spider, reason=None):
        left, self.pending = sorted(self.pending), set()
        for url in left:
            self.crawler.signals.send_catch_log(signal=archived_url_seen, url=url, spider=spider)
        if left:
            self.crawler.stats.inc_value("newsarchive/revisits_kept_not_archived", len(left))
            logger.info("%d revisited article(s) not archived again in this run (failed, refused or dropped) "
                        "kept as seen: not reported removed", len(left))
