"""Store pipeline: every fetched response into the run's WARC file, every article record into the
archive with its version and its `capture` pointer (thin glue over `newsarchive.archive.RunWriter`).

Responses reach it from `pipelines.capture.CaptureMiddleware` (every response the downloader
receives, as received; `capture_exchange`); a page item brings the handle of its response's capture
(``capture_pending``), and its record points at it. A response whose payload the archive holds
already for that URL is written as a revisit record, and the record (a new version extracted
from an unchanged page, e.g. by a newer extractor) points at the earlier response with that payload.
A page item that comes without a handle (the middleware not installed) is captured from the item.

Settings (read in `from_crawler`):
- ``ARCHIVE_DIR``: the archive (default ``data/archive``);
- ``ARCHIVE_RUN_ID``: the run's id (default: UTC start time plus 4 random hex digits);
- ``ARCHIVE_FSYNC_EVERY``: fsync the record files every N records (default 0: at close only; records
  reach the OS on every write, so a killed process loses nothing; fsync guards against power loss);
- ``ARCHIVE_COMPRESS_IN_THREAD``: serialise, digest and gzip WARC records in a thread of the reactor's pool
  (default True; False does it on the reactor thread).

Without the middleware, pages dropped by earlier pipelines (not articles, outside the date window)
are captured through the ``item_dropped`` signal. The run is closed, with its manifest, on ``spider_closed`` whatever the
reason, with the status `run_status` gives it; a run killed outright is sealed by the next crawl or
``newsarchive reindex``.
"""

from __future__ import annotations

import logging
import weakref

from scrapy import signals
from scrapy.exceptions import DropItem

from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.lines import DiskFullError
from newsarchive.archive.writer import RunWriter
from newsarchive.crawler import OK_REASONS, STOPPED_REASONS
from newsarchive.crawlstate import archived_url_seen
from pipelines.capture import CAPTURE_KEY, CaptureHandle, archive_opened

logger = logging.getLogger(__name__)

# Settings recorded in the manifest (besides every NEWSARCHIVE_* and ARCHIVE_* setting).
RECORDED_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "RANDOMIZE_DOWNLOAD_DELAY",
                     "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "AUTOTHROTTLE_ENABLED",
                     "RETRY_TIMES", "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE", "DEPTH_LIMIT", "JOBDIR")
SPIDER_ARGS = ("target", "start_urls", "since", "until", "max_articles")


# The run's status in its manifest, from the crawl's close reason (classified once, in
# newsarchive.crawler: OK_REASONS exit 0, STOPPED_REASONS are resumable, anything else failed):
# - "finished": the crawl ran out of work. Only this status can make the run `complete` (RunWriter), and a
#   complete run is a whole view of its sites: a snapshot drops the articles it did not see. A finished
#   run with a date window (--since/--until), that resumed a stopped crawl's JOBDIR, where a discovery
#   document failed, or that read only feeds/news sitemaps for an outlet is not complete either
#   (newsarchive.archive.runs.partial_reasons): it did not see the whole site. Articles
#   it discovered but did not fetch, being archived already, count as seen (`archived_url_seen`).
# - "limited": the crawl did what it was asked but stopped at a limit the user set (-s
#   CLOSESPIDER_ITEMCOUNT / _PAGECOUNT / _TIMEOUT, or --max-articles once its budget was spent; the
#   crawl still ends "finished" then). It exits 0, yet it saw only part of its sites on purpose, so it
#   must not be complete: the articles it never reached are not removed from snapshots. (A crawl
#   stopped by a CLOSESPIDER limit keeps its JOBDIR, and the next run with the same targets and window
#   resumes its queue; one that reached --max-articles ended "finished" and its JOBDIR is cleared.)
# - "shutdown": Ctrl-C / SIGTERM; resumable, not complete.
# - "failed": any other reason ("closespider_errorcount", the "..._no_item" watchdogs, "cancelled",
#   an archive that could not be written...): exit status 1, flagged by `newsarchive runs`.
# - "stopped": only from the fallback in `close_spider`, when the engine went away without
#   spider_closed reaching this pipeline (rare); not complete.
LIMITED_STATUS = "limited"


def _budget_spent(spider) -> bool:
    """--max-articles (or NEWSARCHIVE_MAX_ARTICLES) was reached: the spider says (other spiders have none)."""
    spent = getattr(spider, "article_budget_spent", None)
    return bool(spent()) if callable(spent) else False


def run_status(reason: str | None, spider=None, failed: bool = False) -> str:
    """The manifest status of a run the crawl closed with `reason` (see the table above)."""
    if failed:
        return "failed"
    if reason in OK_REASONS:
        return "finished" if reason == "finished" and not _budget_spent(spider) else LIMITED_STATUS
    if reason in STOPPED_REASONS:
        return "shutdown"
    return "failed"


def _targets(spider) -> list[str]:
    """What the crawl was asked to crawl: the spider's start URLs, else its ``targets`` (outlet names or
    URLs as given), else the names of the outlets it resolved."""
    for attr in ("start_urls", "targets", "outlets"):
        value = getattr(spider, attr, None)
        if value:
            return [str(v) for v in (value if not isinstance(value, str) else [value])]
    return []


def _quiet(exc: DropItem) -> DropItem:
    """A DropItem logged at INFO (pipelines.logformatter reads ``log_level``)."""
    exc.log_level = "INFO"
    return exc


def _is_page(item) -> bool:
    return hasattr(item, "get") and item.get("body") is not None and item.get("status") is not None


class StorePipeline:
    def __init__(self, crawler, archive_dir: str, run_id: str | None, fsync_every: int = 0,
                 compress_in_thread: bool = True):
        self.crawler = crawler
        self.stats = crawler.stats
        self.archive_dir = archive_dir or "data/archive"
        self.run_id = run_id or None
        self.fsync_every = fsync_every
        self.writer: RunWriter | None = None
        self.failed: str | None = None
        self.compress_in_thread = compress_in_thread
        self._dropped: set = set()   # Deferreds of captures still in progress (waited for at close)
        self._seen_before_open: list[str] = []   # archived URLs discovered before the run was open
        # request -> the handle of its response's capture (pipelines.capture; weak: gone with the request)
        self.handles: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        pipe = cls(crawler, s.get("ARCHIVE_DIR"), s.get("ARCHIVE_RUN_ID"), s.getint("ARCHIVE_FSYNC_EVERY", 0),
                   s.getbool("ARCHIVE_COMPRESS_IN_THREAD", True))
        crawler.signals.connect(pipe.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipe.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipe.archived_seen, signal=archived_url_seen)
        return pipe

    def _options(self, spider) -> dict:
        s = self.crawler.settings
        opts = {k: s.get(k) for k in RECORDED_SETTINGS if s.get(k) is not None}
        for key in s.attributes:
            if key.startswith(("NEWSARCHIVE_", "ARCHIVE_")):
                value = s.get(key)
                opts[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        opts["spider"] = getattr(spider, "name", None)
        for arg in SPIDER_ARGS:
            value = getattr(spider, arg, None)
            if value is not None:
                opts[f"spider.{arg}"] = value if isinstance(value, (str, int, float, bool)) else list(value)
        # the date window (the outlet spider keeps it as a DateWindow, not as `since`/`until`): a
        # windowed run is not complete (newsarchive.archive.runs.partial_reasons reads these)
        window = getattr(spider, "window", None)
        for bound in ("since", "until"):
            when = getattr(window, bound, None)
            if when is not None and f"spider.{bound}" not in opts:
                opts[f"spider.{bound}"] = when.isoformat() if hasattr(when, "isoformat") else str(when)
        return opts

    def open_spider(self, spider=None):
        spider = spider or getattr(self.crawler, "spider", None)  # Scrapy 2.13+ calls it without the spider
        try:
            self.writer = RunWriter(self.archive_dir, self.run_id, options=self._options(spider),
                                    targets=_targets(spider),
                                    fsync_every=self.fsync_every,
                                    # the archive lock the crawl took first thing (crawlstate.claim_crawl)
                                    lock=getattr(getattr(spider, "claim", None), "lock", None))
        except ArchiveError as exc:
            # a clear one-line reason; the crawl cannot archive anything. CloseSpider: Scrapy finishes
            # opening (so every component closes cleanly, without tracebacks), then closes the crawl
            # with this reason before any request is made; the run fails (exit status 1)
            from scrapy.exceptions import CloseSpider

            self.failed = str(exc)
            logger.error("Cannot open the archive: %s", exc)
            self.stats.set_value("newsarchive/archive/error", str(exc))
            raise CloseSpider("disk_full" if isinstance(exc, DiskFullError) else "archive_error") from None
        self.stats.set_value("newsarchive/run_id", self.writer.run_id)
        # A worker of a shared crawl (newsarchive.distributed: its scheduler opens before the pipelines)
        # records the crawl's id in run.json at once, so that even a killed worker's run counts as part
        # of that crawl in snapshots.
        shared = self.stats.get_value("newsarchive/shared_crawl")
        if shared:
            self.writer.note(shared_crawl=str(shared))
        # A run that resumed a stopped crawl's queue does not see what the stopped run discovered:
        # it is not complete (newsarchive.archive.runs.partial_reasons).
        if getattr(spider, "resume_status", None) == "resume":
            self.writer.note(resumed_jobdir=str(getattr(spider, "jobdir", "") or "JOBDIR"))
        pending, self._seen_before_open = self._seen_before_open, []
        for url in pending:
            self.archived_seen(url)
        if self.writer.sealed_on_open:
            self.stats.set_value("newsarchive/archive/sealed_interrupted_runs", len(self.writer.sealed_on_open))
        self.crawler.signals.send_catch_log(signal=archive_opened, store=self)

    # --- captures ------------------------------------------------------------------------
    # A response's WARC records are serialised, digested and gzipped in a thread of the reactor's pool
    # (hashing and zlib release the GIL, so most of it runs beside the crawl on another core: ~3 ms
    # for a 270 KB page), then appended at the end of the WARC file back on the reactor. The payload
    # digest (computed in the thread with the rest) is looked up in the archive's capture table on the
    # reactor: a payload archived already is written as a revisit record (headers only; the full
    # record prepared in the thread is then dropped: a few ms of the other core). A record is
    # written after the capture it points to is appended, so the pointer is exact and the record still
    # follows its capture on disk.
    def capture_exchange(self, page: dict, role: str | None = None) -> CaptureHandle:
        """Capture one response (from `CaptureMiddleware`) in the background; its handle."""
        handle = CaptureHandle(page.get("fetched_at"))
        if self.failed or self.writer is None or self.writer.closed:
            handle.fail(ArchiveError(f"not captured: the archive stopped ({self.failed or 'closed'})"))
            return handle
        from scrapy.utils.defer import deferred_from_coro

        d = deferred_from_coro(self._capture_page(page, role=role))
        self._dropped.add(d)
        d.addCallbacks(handle.set, self._capture_failed, errbackArgs=(handle, page))
        d.addBoth(self._dropped_done, d)
        return handle

    def _capture_failed(self, failure, handle: CaptureHandle, page: dict) -> None:
        if not failure.check(DiskFullError, ArchiveError):   # (those stopped the crawl, said once)
            logger.error("Could not capture %s: %s", page.get("final_url") or page.get("url"), failure.getErrorMessage(),
                         exc_info=(failure.type, failure.value, failure.getTracebackObject()))
        handle.fail(failure.value)

    async def _in_thread(self, fn):
        if not self.compress_in_thread:
            return fn()
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.threads import deferToThread

        return await maybe_deferred_to_future(deferToThread(fn))

    async def _capture_page(self, page: dict, role: str | None = None, dedup: bool = True):
        try:
            captures = self.writer.capture_writer()
            # the full response, digested, serialised and gzipped in a thread (one hop: most payloads are new)
            full = await self._in_thread(lambda: captures.prepare(page, role=role).compress())
            if self.writer.closed:
                raise ArchiveError("the run was closed while a capture was being compressed")
            # from here to the append nothing awaits: the lookup and the capture table's update are one
            # step on the reactor, so two fetches of one payload at once give one full record
            earlier = self.writer.earlier_capture(page, full.digest) if dedup else None
            pending = full
            if earlier is not None:   # archived already: a revisit record (headers only, done here)
                pending = captures.prepare(page, digest=full.digest, revisit_of=earlier, role=role).compress()
            return self.writer.write_capture(pending)
        except (DiskFullError, ArchiveError) as exc:
            if not self.failed and not (self.writer is not None and self.writer.closed):
                self._fail(exc, None)
            raise

    # --- items ----------------------------------------------------------------------------
    async def _capture(self, item):
        handle = item.pop(CAPTURE_KEY, None)
        if handle is not None:     # captured as it arrived (pipelines.capture)
            item["capture"] = await handle.wait()
            return item["capture"]
        if "capture" in item or not _is_page(item):
            return item.get("capture")
        # no capture middleware: from the item (a full response, as a record must point at one)
        item["capture"] = await self._capture_page(item, dedup=False)
        return item["capture"]

    def _fail(self, exc: Exception, spider) -> None:
        self.failed = str(exc)
        logger.error("Archive write failed, stopping the crawl: %s", exc)
        self.stats.set_value("newsarchive/archive/error", str(exc))
        engine = getattr(self.crawler, "engine", None)
        spider = spider or getattr(self.crawler, "spider", None)
        if engine is not None and spider is not None:
            engine.close_spider(spider, "disk_full" if isinstance(exc, DiskFullError) else "archive_error")

    async def process_item(self, item, spider=None):
        if self.failed or self.writer is None:
            # (the failure itself was logged once, as an ERROR: one line per page after it is noise)
            raise _quiet(DropItem(f"not archived: the archive stopped ({self.failed})"))
        try:
            capture = await self._capture(item)
            if self.failed or self.writer.closed:
                raise ArchiveError(self.failed or "the run was closed")
            article = item.get("article")
            if article is None:
                return item
            if item.get("invalid"):
                record = article.to_dict()
                if capture is not None:
                    record["capture"] = capture.__dict__.copy()
                self.writer.reject(record, list(item["invalid"]))
                return item
            outcome, record = self.writer.add_record(article, capture=capture)
        except (DiskFullError, ArchiveError) as exc:
            if not self.failed:
                self._fail(exc, spider)
            raise _quiet(DropItem(f"not archived: {exc}")) from None
        item["archive_outcome"] = outcome
        item["record"] = record     # what the feed exports get (pipelines.feed.RecordItemPipeline)
        self.stats.inc_value(f"newsarchive/archive/{outcome}")
        if outcome != "unchanged":
            self.stats.inc_value("newsarchive/articles_archived")
        return item

    def archived_seen(self, url, spider=None):
        """The spider discovered `url` and did not fetch it: archived already. The run saw it."""
        if self.writer is None:
            self._seen_before_open.append(url)
            return
        if self.writer.closed or self.failed:
            return
        try:
            n = self.writer.seen_archived(url)
        except (DiskFullError, ArchiveError) as exc:
            self._fail(exc, spider)
            return
        if n:
            self.stats.inc_value("newsarchive/archive/seen_archived", n)

    def item_dropped(self, item, response, exception, spider):
        """Capture pages that an earlier pipeline dropped (not an article, outside the window...)."""
        if self.writer is None or self.writer.closed or self.failed or not _is_page(item):
            return
        if ("capture" in item or CAPTURE_KEY in item) and not item.get("not_article"):
            return                         # (captured as it arrived; a page judged not an article is listed)
        from scrapy.utils.defer import deferred_from_coro

        d = deferred_from_coro(self._capture_dropped(item, spider))
        self._dropped.add(d)
        d.addBoth(self._dropped_done, d)

    def _dropped_done(self, result, d):
        self._dropped.discard(d)
        return None

    async def _capture_dropped(self, item, spider) -> None:
        try:
            capture = await self._capture(item)
            judged = item.get("not_article")
            if judged and self.writer is not None and not self.writer.closed:
                # fetched as an article, judged not one: listed with its capture (reextract --not-articles)
                self.writer.not_article(item, judged.get("kind"), judged.get("reason"), capture)
        except (DiskFullError, ArchiveError) as exc:
            if not self.failed and not (self.writer is not None and self.writer.closed):
                self._fail(exc, spider)
        except Exception:  # noqa: BLE001 - logged; a capture must not crash the crawl
            logger.exception("Could not capture a dropped page %s", item.get("url"))

    # --- closing ---------------------------------------------------------------------------
    async def spider_closed(self, spider, reason):
        while self._dropped:  # captures still being compressed: wait for them, then close the run
            from scrapy.utils.defer import maybe_deferred_to_future
            from twisted.internet.defer import DeferredList

            await maybe_deferred_to_future(DeferredList(list(self._dropped)))
        self._close_run(spider, reason)

    def _close_run(self, spider, reason):
        if self.writer is None or self.writer.closed:
            return
        stats = dict(self.stats.get_stats() or {})
        for key, value in stats.items():
            if key.startswith("newsarchive/") and isinstance(value, int) and not key.startswith("newsarchive/archive/"):
                self.writer.count(key.split("/", 1)[1].replace("skipped/", ""), value)
        status = run_status(reason, spider, failed=bool(self.failed))
        if not self.writer.info.get("targets") and _targets(spider):  # a spider that set them late
            self.writer.info["targets"] = _targets(spider)
        self._discovery(spider)
        try:
            manifest = self.writer.close(status=status, finish_reason=reason, stats=stats)
        except ArchiveError as exc:
            logger.error("Archive run %s could not be closed: %s", self.writer.run_id, exc)
            return
        logger.info("Archive run %s closed (%s): %s", self.writer.run_id, status, manifest.get("counts"))

    def _discovery(self, spider) -> None:
        """The spider's coverage account (into the manifest) and what its discovery remembers for the
        next run (a file of the run), when it keeps them (the outlet spider does)."""
        from newsarchive.archive.layout import DISCOVERY

        report = getattr(spider, "discovery_report", None)
        memory = getattr(spider, "discovery_memory", None)
        try:
            if callable(report):
                self.writer.info["coverage"] = report()
            if callable(memory) and not self.failed:
                self.writer.attach(DISCOVERY, memory(self.writer.run_id))
        except (DiskFullError, ArchiveError) as exc:
            logger.error("Discovery memory not kept (%s): the next run reads every document again", exc)
        except Exception:  # noqa: BLE001 - the account must not stop the run from being sealed
            logger.exception("Could not write the discovery account of run %s", self.writer.run_id)

    def close_spider(self, spider=None):
        """Closing happens on spider_closed (which knows the reason); this is the fallback."""
        if self.writer is not None and not self.writer.closed and self.crawler.engine is None:
            self.writer.close(status="stopped", finish_reason="closed")
