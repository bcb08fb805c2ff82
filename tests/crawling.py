"""Running real Scrapy crawls inside the test process.

Scrapy's Twisted reactor can run only once per process, so the test session starts it once in a
background thread (as crochet does) and each test crawl is scheduled onto it with
`blockingCallFromThread`; items are collected through the `item_scraped` signal and the stats are
read from the crawler, as Scrapy's own tests do.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from scrapy.utils.reactor import install_reactor

REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
_lock = threading.Lock()
_thread: threading.Thread | None = None


@dataclass
class TestCrawl:
    items: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    finish_reason: str | None = None
    failures: list[tuple[str, str, str]] = field(default_factory=list)   # the spider's (kind, url, why)

    def stat(self, name: str, default: int = 0) -> Any:
        return self.stats.get(name, default)


def _reactor():
    global _thread
    with _lock:
        if _thread is None:
            install_reactor(REACTOR)
            from twisted.internet import reactor

            _thread = threading.Thread(
                target=reactor.run, kwargs={"installSignalHandlers": False}, name="twisted-reactor", daemon=True
            )
            _thread.start()
    from twisted.internet import reactor

    return reactor


def run_spider(spider: str | type, settings: dict[str, Any] | None = None, timeout: float = 240, **kwargs: Any) -> TestCrawl:
    """Run one crawl to the end on the shared reactor; returns items, dropped items and stats."""
    reactor = _reactor()
    from scrapy import signals
    from scrapy.crawler import CrawlerRunner
    from twisted.internet import threads

    from newsarchive.crawler import crawl_settings

    result = TestCrawl()
    s = crawl_settings({"LOG_LEVEL": "WARNING", "TWISTED_REACTOR": REACTOR, **(settings or {})})

    def start():
        runner = CrawlerRunner(s)
        crawler = runner.create_crawler(spider)

        def scraped(item, response, spider):
            result.items.append(item)

        def dropped(item, response, exception, spider):
            result.dropped.append((item, str(exception)))

        def closed(spider, reason):
            account = getattr(spider, "discovery_report", None)   # (as newsarchive.crawler.run_crawl does)
            if callable(account):
                account()
            result.finish_reason = reason
            result.stats = dict(crawler.stats.get_stats())
            result.failures = list(getattr(spider, "failures", []) or [])

        crawler.signals.connect(scraped, signal=signals.item_scraped, weak=False)
        crawler.signals.connect(dropped, signal=signals.item_dropped, weak=False)
        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
        d = runner.crawl(crawler, **kwargs)
        d.addTimeout(timeout, reactor)
        return d

    threads.blockingCallFromThread(reactor, start)
    return result
