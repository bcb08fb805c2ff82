"""Running a crawl from Python or the CLI: Scrapy settings from `newsarchive.settings` plus overrides.

`run_crawl` blocks until the crawl ends and returns its stats. Scrapy's reactor runs once per process,
so call it once per process (the CLI does); tests run crawls through `tests/crawling.py`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CrawlResult:
    stats: dict[str, Any] = field(default_factory=dict)
    finish_reason: str | None = None

    def stat(self, name: str, default: int = 0) -> Any:
        return self.stats.get(name, default)

    @property
    def ok(self) -> bool:
        return self.finish_reason in ("finished", "closespider_itemcount", "closespider_pagecount")


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
    **spider_kwargs: Any,
) -> CrawlResult:
    """Crawl `targets` (start URLs) with the named spider; blocks; returns the crawl stats."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.log import configure_logging

    result = CrawlResult()
    s = crawl_settings(settings)
    s.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(s)
    configure_logging(s)
    _ensure_log_handler(s.get("LOG_LEVEL", "INFO"))
    crawler = process.create_crawler(spider)

    def _closed(spider, reason):
        result.finish_reason = reason
        result.stats = dict(crawler.stats.get_stats())

    from scrapy import signals

    crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)
    process.crawl(crawler, start_urls=targets, **spider_kwargs)
    process.start()
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
