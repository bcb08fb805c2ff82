"""``scrapy crawl``, as Scrapy's own, except that a crawl that fails says so where it is looked for.

Scrapy's command exits 0 whenever the crawl started, and a crawl that cannot start (a component
that does not import, a setting Scrapy refuses) leaves nothing in the archive. Under Scrapyd both
mean a job listed as finished with nothing to show. Here:

- a crawl that cannot start is still a run of the archive (``ARCHIVE_DIR``): one with no captures,
  whose manifest has ``status: "failed"`` and the reason (``finish_reason``: "could not start: ...");
  the reason is also logged as one ERROR line;
- the process exits with status 1 when the crawl could not start or its run did not end well (the
  run's status is "failed": an archive error, an error-count or watchdog close reason...), so Scrapyd
  logs "Process died: exitstatus=1" for the job (a crawl stopped by SIGTERM, resumable, exits 0).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

logger = logging.getLogger(__name__)


def record_failed_start(settings, spider: str, spargs: dict[str, Any], reason: str) -> str | None:
    """A failed run in the archive for a crawl that could not start; its run id (None if the archive
    itself cannot be written, which is then logged)."""
    from newsarchive.archive.layout import ArchiveError
    from newsarchive.archive.writer import RunWriter

    archive = settings.get("ARCHIVE_DIR") or "data/archive"
    targets = [t.strip() for t in str(spargs.get("target") or spargs.get("start_urls") or "").split(",") if t.strip()]
    options = {"spider": spider, **{f"spider.{k}": str(v) for k, v in spargs.items()}}
    try:
        writer = RunWriter(archive, settings.get("ARCHIVE_RUN_ID") or None, options=options, targets=targets)
        writer.close(status="failed", finish_reason=f"could not start: {reason}")
    except (ArchiveError, OSError) as exc:
        logger.error("The failed start could not be recorded in %s either: %s", archive, exc)
        return None
    return writer.run_id


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts) -> None:
        if len(args) != 1:
            raise UsageError("give one spider: scrapy crawl outlet -a target=lamdongtv.vn")
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        failures: list[str] = []

        def failed(exc: BaseException) -> None:
            failures.append(f"{type(exc).__name__}: {exc}")

        started = self.crawler_process.crawl(crawler, **opts.spargs)
        if hasattr(started, "addErrback"):       # a Deferred (Twisted crawler process)
            def errback(failure):
                failed(failure.value)
                return failure   # Scrapy logs it and marks the bootstrap failed
            started.addErrback(errback)
        else:                                    # an asyncio Task (AsyncCrawlerProcess)
            def done(task):
                if not task.cancelled() and task.exception() is not None:
                    failed(task.exception())
            started.add_done_callback(done)
        self.crawler_process.start()
        stats = crawler.stats.get_stats() if crawler.stats else {}
        if self.crawler_process.bootstrap_failed or failures:
            reason = failures[0] if failures else "the crawl did not start"
            claim = getattr(getattr(crawler, "spider", None), "claim", None)
            if claim is not None:
                claim.release()      # (the spider took the archive's lock before the crawl failed to start)
            run = record_failed_start(crawler.settings, args[0], opts.spargs, reason)
            logger.error("Crawl failed: could not start (%s)%s", reason,
                         f"; recorded as failed run {run}" if run else "")
            self.exitcode = 1
            return
        from newsarchive.crawler import OK_REASONS, STOPPED_REASONS

        reason = stats.get("finish_reason")
        if stats.get("newsarchive/archive/error") or reason not in (*OK_REASONS, *STOPPED_REASONS):
            logger.error("Crawl failed: %s (run %s)", stats.get("newsarchive/archive/error") or reason,
                         stats.get("newsarchive/run_id"))
            self.exitcode = 1
