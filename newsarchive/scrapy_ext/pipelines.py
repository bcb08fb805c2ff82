"""Item pipelines for crawling: the date window on extracted records, and the crawl state."""

from __future__ import annotations

from datetime import datetime

from scrapy.exceptions import DropItem

from newsarchive.discovery.window import DateWindow, parse_when


def _article(item):
    return item.get("article") if isinstance(item, dict) else None


class WindowPipeline:
    """Drops articles whose extracted publication date falls outside --since/--until.

    Discovery already skips URLs whose sitemap/feed/listing date is out of the window; this catches
    the ones discovery could not date before fetching them. Articles without any date are kept
    (with the extractor's warning) rather than silently lost.
    """

    def __init__(self, stats, crawler=None):
        self.stats = stats
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler)

    def _spider(self, spider):
        # Scrapy 2.13+ no longer passes the spider to process_item(item, spider=None): take the crawler's
        return spider if spider is not None else getattr(self.crawler, "spider", None)

    def process_item(self, item, spider=None):
        article = _article(item)
        window: DateWindow | None = getattr(self._spider(spider), "window", None)
        if article is None or window is None or window.open:
            return item
        when = getattr(article, "published_at", None)
        when = when if isinstance(when, datetime) else parse_when(when) if when else None
        if window.contains(when) is False:
            self.stats.inc_value("newsarchive/skipped/out_of_window_after_fetch")
            raise DropItem(f"published {when.isoformat()} is outside {window.describe()}",
                           log_level="INFO")
        return item


class CrawlStatePipeline:
    """After the store: tells the spider's crawl state that an article is archived (so a duplicate
    request still queued is dropped at download time, and --max-articles counts it)."""

    def __init__(self, stats, crawler=None):
        self.stats = stats
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler)

    def _spider(self, spider):
        # Scrapy 2.13+ no longer passes the spider to process_item(item, spider=None): take the crawler's
        return spider if spider is not None else getattr(self.crawler, "spider", None)

    def process_item(self, item, spider=None):
        article = _article(item)
        archived = getattr(self._spider(spider), "article_archived", None)
        if article is not None and archived is not None and not item.get("invalid"):
            archived(item.get("url"), item.get("final_url"), getattr(article, "published_at", None))
        return item
