"""Running a crawl from Python or the CLI: Scrapy settings from `newsarchive.settings` plus overrides.

`run_crawl` blocks until the crawl ends and returns a `CrawlResult` (stats, close reason, failures,
and what they mean: `ok`, `stopped`, `exit_status`). Scrapy's reactor runs once per process, so call
it once per process (the CLI does); tests run crawls through `tests/crawling.py`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

# Close reasons of a crawl that did what it was asked: it ran out of work, or it reached a limit the
# user set (-s CLOSESPIDER_ITEMCOUNT / _PAGECOUNT / _TIMEOUT). --max-articles stops scheduling new
# articles, so such a crawl also ends "finished".
OK_REASONS = ("finished", "closespider_itemcount", "closespider_pagecount", "closespider_timeout")
# Stopped by Ctrl-C / SIGTERM: the next run with the same targets and window resumes it.
STOPPED_REASONS = ("shutdown",)
# Anything else failed: "archive_error", "disk_full", "closespider_errorcount", the "..._no_item"
# watchdogs (nothing scraped for a while), "cancelled", or no reason at all (the crawl never opened).


@dataclass
class CrawlResult:
    stats: dict[str, Any] = field(default_factory=dict)
    finish_reason: str | None = None
    failures: list[tuple[str, str, str]] = field(default_factory=list)   # (kind, url, why)
    elapsed: float = 0.0

    def stat(self, name: str, default: int = 0) -> Any:
        return self.stats.get(name, default)

    @property
    def ok(self) -> bool:
        """The crawl ended normally (ran out of work or reached a limit it was given)."""
        return self.finish_reason in OK_REASONS

    @property
    def stopped(self) -> bool:
        """Stopped by Ctrl-C / SIGTERM before the end (resumable)."""
        return self.finish_reason in STOPPED_REASONS

    @property
    def achieved_nothing(self) -> bool:
        """Nothing archived, nothing already archived, and fetches failed: the outlet could not be crawled."""
        troubles = (self.stat("newsarchive/fetch_errors") + self.stat("spider_exceptions/count")
                    + len(self.failures))
        return (self.stat("newsarchive/articles_archived") == 0 and troubles > 0
                and not self.stat("newsarchive/skipped/already_archived"))

    @property
    def exit_status(self) -> int:
        """0 when the crawl finished and achieved something (or had nothing to do), else 1."""
        return 0 if self.ok and not self.achieved_nothing else 1


def crawl_settings(overrides: dict[str, Any] | None = None):
    """newsarchive's Scrapy settings with `overrides` applied (at command-line priority)."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("newsarchive.settings", priority="project")
    settings.update(overrides or {}, priority="cmdline")
    return settings


def run_crawl(
    targets: list[str],
    *,
    settings: dict[str, Any] | None = None,
    spider: str = "outlet",
    on_open: Callable[[Any], None] | None = None,
    on_close: Callable[[Any], None] | None = None,
    console_level: str | None = None,
    **spider_kwargs: Any,
) -> CrawlResult:
    """Crawl `targets` (start URLs or registry names) with the named spider; blocks; returns the result.

    `on_open(crawler)` / `on_close(crawler)` are called when the spider opens / closes (the CLI's live
    display); `console_level` filters what reaches stderr (default: the LOG_LEVEL setting, which also
    decides what the crawl counts in its log stats). Spider arguments that are None are not passed.
    """
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.log import configure_logging

    result = CrawlResult()
    s = crawl_settings(settings)
    s.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(s)
    configure_logging(s)
    _ensure_log_handler(s.get("LOG_LEVEL", "INFO"))
    if console_level:
        logging.getLogger().setLevel(console_level)
    crawler = process.create_crawler(spider)

    def _opened(spider):
        if on_open is not None:
            on_open(crawler)

    def _closed(spider, reason):
        if on_close is not None:
            on_close(crawler)
        result.finish_reason = reason
        result.stats = dict(crawler.stats.get_stats())
        result.failures = list(getattr(spider, "failures", []) or [])

    crawler.signals.connect(_opened, signal=signals.spider_opened, weak=False)
    crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)
    kwargs = {k: v for k, v in spider_kwargs.items() if v is not None}
    started = time.monotonic()
    process.crawl(crawler, start_urls=targets, **kwargs)
    process.start()
    result.elapsed = time.monotonic() - started
    if not result.stats:
        result.stats = dict(crawler.stats.get_stats() or {})
    return result


def _ensure_log_handler(level: str) -> None:
    """One stderr handler on the root logger, filtering at `level` (Scrapy resets the root logger's level)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_newsarchive", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        handler._newsarchive = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setLevel(level)
    root.setLevel(level)
