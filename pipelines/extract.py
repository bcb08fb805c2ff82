"""Extract pipeline: page item -> Article record (calls `newsarchive.records`).

Extraction holds the GIL for ~20 ms a page, so by default it runs in worker processes
(`newsarchive.records.RecordPool`) while Scrapy keeps downloading on its reactor thread.

Settings (read in `from_crawler`):
- ``NEWSARCHIVE_EXTRACT_WORKERS``: extraction processes; unset: `newsarchive.records.default_workers`
  (one per core less one, but 2 on two cores and 1 on one; at most 4); ``0``: extract in the crawl
  process itself (no pool).
- ``ARCHIVE_RUN_ID``: stamped on every record.

Whatever the mode, a page that yields no record is a counted skip (``newsarchive/skipped/<kind>``)
with its URL in the log, never a traceback: an extractor exception or a worker that died is an
``extract_error``. A page judged not an article (or empty, or not HTML) is also counted by the extractor's kind
of page (``newsarchive/not_article/<family>``: listing, no-text, empty, binary...) and handed on with
``item["not_article"] = {"kind", "reason"}``: the store pipeline keeps it in the WARC and lists it in
the run's ``not_articles.tsv.zst``, so that ``newsarchive reextract --not-articles`` can try it again.
An article archived although the extractor is not sure it is one (``extraction.confidence`` under
0.5) is counted in ``newsarchive/articles_unsure``. The pool is shut down when the spider closes (after the pages in hand are done);
workers ignore Ctrl-C/SIGTERM (the crawl process decides when they stop) and exit on their own if
the crawl process is killed.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem, NotConfigured

from newsarchive.extract.classify import UNSURE
from newsarchive.records import (RecordError, RecordPool, article_from_outcome, default_workers, page_for_worker,
                                 page_work)

logger = logging.getLogger(__name__)

# Pages fetched as articles that yield no record because of what they hold (not a failure of ours):
# counted by kind, kept in the WARC and listed with their capture (an extractor error is not among them).
JUDGED = ("not_article", "empty", "binary")


def extract_workers(settings) -> int:
    """NEWSARCHIVE_EXTRACT_WORKERS as a number (unset or empty: `default_workers()`)."""
    raw = settings.get("NEWSARCHIVE_EXTRACT_WORKERS")
    if raw is None or raw == "":
        return default_workers()
    try:
        n = int(raw)
    except (TypeError, ValueError):
        raise NotConfigured(f"NEWSARCHIVE_EXTRACT_WORKERS must be a whole number, not {raw!r}") from None
    if n < 0:
        raise NotConfigured(f"NEWSARCHIVE_EXTRACT_WORKERS must be 0 or more, not {n}")
    return n


class ExtractPipeline:
    """Turns each fetched page into an `Article`; pages that are not articles are counted and skipped."""

    def __init__(self, stats, run_id: str | None, workers: int = 0, crawler=None):
        self.stats = stats
        self.crawler = crawler
        self.run_id = run_id
        self.workers = workers
        self.pool: RecordPool | None = None

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        try:
            workers = extract_workers(s)
        except NotConfigured as exc:
            # a pipeline that silently disappears would archive nothing: refuse the setting instead
            raise ValueError(str(exc)) from None
        pipe = cls(crawler.stats, s.get("ARCHIVE_RUN_ID"), workers, crawler)
        crawler.stats.set_value("newsarchive/extract_workers", workers)
        return pipe

    def open_spider(self, spider=None):
        if self.workers > 0 and self.pool is None:
            try:
                self.pool = RecordPool(self.workers, run_id=self.run_id)
            except Exception as exc:  # noqa: BLE001 - no processes to be had: extract here instead
                logger.warning("Cannot start %d extraction worker(s) (%s); extracting in the crawl process",
                               self.workers, exc)
                self.stats.set_value("newsarchive/extract_workers", 0)

    def close_spider(self, spider=None):
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True)
            if pool.restarts:
                self.stats.set_value("newsarchive/extract_pool_restarts", pool.restarts)

    async def process_item(self, item, spider=None):
        self.stats.inc_value("newsarchive/pages_seen")
        url = item.get("final_url") or item.get("url")
        try:
            work = await self._in_pool(item) if self.pool is not None else None
            if work is None:   # in this process: the same code path as a worker's, same outcomes
                work = page_work(page_for_worker(item), self.run_id)
            outcome, links = work
            if links is not None:
                self._links_found(item, links)
            article = article_from_outcome(outcome, url)
        except RecordError as exc:
            self.stats.inc_value(f"newsarchive/skipped/{exc.kind}")
            if exc.kind in JUDGED:
                family = exc.family or (exc.kind if exc.kind != "not_article" else "other")
                self.stats.inc_value(f"newsarchive/not_article/{family}")
                item["not_article"] = {"kind": family, "reason": exc.reason or exc.message}
            raise DropItem(exc.message, log_level=exc.log_level) from None
        item["article"] = article
        self.stats.inc_value("newsarchive/articles_extracted")
        confidence = article.extraction.confidence
        if confidence is not None and confidence < UNSURE:
            self.stats.inc_value("newsarchive/articles_unsure")
        return item

    def _links_found(self, item, links: list[str]) -> None:
        """The page's links (read by the worker) go to the spider's discovery (``links_found``)."""
        spider = getattr(self.crawler, "spider", None)
        found = getattr(spider, "links_found", None)
        if callable(found):
            found(item.get("url"), links)

    async def _in_pool(self, item):
        """The page's outcome from the pool, awaited on Scrapy's reactor (asyncio or not); None
        when the pool is shut down already (the page is then extracted in this process)."""
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.defer import Deferred

        try:
            future = self.pool.submit(item)
        except RuntimeError:
            return None
        d: Deferred = Deferred()
        # the future completes in the pool's thread: hand the (never raising) result to the reactor
        future.add_done_callback(lambda f: reactor.callFromThread(d.callback, f.result()))
        return await maybe_deferred_to_future(d)
