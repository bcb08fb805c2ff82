"""The crawl pipelines act on the running spider (Scrapy 2.13+ calls process_item without it)."""

from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem
from scrapy.statscollectors import MemoryStatsCollector

from newsarchive.article import Article
from newsarchive.discovery.window import DateWindow
from newsarchive.scrapy_ext.pipelines import CrawlStatePipeline, WindowPipeline


def crawler_with(spider):
    from scrapy.settings import Settings

    crawler = SimpleNamespace(spider=spider, settings=Settings())
    crawler.stats = MemoryStatsCollector(crawler)
    return crawler


def item(published_at):
    return {"url": "http://127.0.0.1/a-123456.html", "final_url": "http://127.0.0.1/a-123456.html",
            "article": Article(url="http://127.0.0.1/a-123456.html", published_at=published_at)}


def test_window_pipeline_drops_an_article_dated_outside_the_window_after_fetch():
    spider = SimpleNamespace(window=DateWindow.from_strings("2026-03-07", None))
    crawler = crawler_with(spider)
    pipeline = WindowPipeline.from_crawler(crawler)
    with pytest.raises(DropItem):
        pipeline.process_item(item("2026-03-06T08:06:00+07:00"))  # no spider argument, as Scrapy calls it
    assert crawler.stats.get_value("newsarchive/skipped/out_of_window_after_fetch") == 1
    kept = item("2026-03-07T08:06:00+07:00")
    assert pipeline.process_item(kept) is kept
    undated = item(None)
    assert pipeline.process_item(undated) is undated  # kept, never silently lost


def test_crawl_state_pipeline_tells_the_spider_what_was_archived():
    seen = []
    spider = SimpleNamespace(article_archived=lambda *args: seen.append(args))
    pipeline = CrawlStatePipeline.from_crawler(crawler_with(spider))
    pipeline.process_item(item("2026-03-07T08:06:00+07:00"))
    assert seen and seen[0][0] == "http://127.0.0.1/a-123456.html"
