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


# --- StorePipeline: the run's status from the crawl's close reason ---------------------------------

@pytest.mark.parametrize("reason, spider, status", [
    ("finished", None, "finished"),
    ("finished", SimpleNamespace(article_budget_spent=lambda: False), "finished"),   # budget not reached
    ("finished", SimpleNamespace(article_budget_spent=lambda: True), "limited"),    # --max-articles reached
    ("closespider_pagecount", None, "limited"),
    ("closespider_itemcount", None, "limited"),
    ("closespider_timeout", None, "limited"),
    ("shutdown", None, "shutdown"),
    ("closespider_errorcount", None, "failed"),
    ("closespider_timeout_no_item", None, "failed"),
    ("cancelled", None, "failed"),
    (None, None, "failed"),
])
def test_run_status_follows_the_crawls_own_reading_of_its_close_reason(reason, spider, status):
    from newsarchive.crawler import CrawlResult
    from pipelines.store import run_status

    assert run_status(reason, spider) == status
    # the manifest agrees with the exit status: 0 for finished and limited runs, 1 for the others
    assert (status in ("finished", "limited")) == CrawlResult(finish_reason=reason).ok


def test_an_archive_failure_is_a_failed_run_whatever_the_reason():
    from pipelines.store import run_status

    assert run_status("finished", None, failed=True) == "failed"


@pytest.fixture(scope="module")
def limited_crawls(tmp_path_factory):
    """A full crawl of the sample site, then crawls that stop at limits the user set."""
    from archive_helpers import REVISIT_ALL
    from crawling import run_spider
    from newsarchive.archive import layout as L
    from newsarchive.archive.runs import read_json
    from newsarchive.archive.snapshot import iter_snapshot
    from newsarchive.samples.server import SAMPLE_SITE, serve_directory

    archive = tmp_path_factory.mktemp("limited") / "archive"
    settings = {"ARCHIVE_DIR": str(archive), "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True,
                "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                **REVISIT_ALL}
    out = {}
    with serve_directory(SAMPLE_SITE) as base:
        for run_id, extra, kwargs in (("full", {}, {}),
                                      ("pages", {"CLOSESPIDER_PAGECOUNT": 6, "CONCURRENT_REQUESTS": 1}, {}),
                                      ("budget", {}, {"max_articles": 2})):
            crawl = run_spider("outlet", {**settings, **extra, "ARCHIVE_RUN_ID": run_id}, start_urls=[base + "/"],
                               **kwargs)
            out[run_id] = {"reason": crawl.finish_reason,
                           "manifest": read_json(L.run_dir(archive, run_id) / L.MANIFEST),
                           "snapshot": sorted(r["id"] for r in iter_snapshot(archive, as_of=run_id))}
    return out


def test_a_full_crawl_is_finished_and_complete(limited_crawls):
    full = limited_crawls["full"]
    assert full["reason"] == "finished"
    assert (full["manifest"]["status"], full["manifest"]["complete"]) == ("finished", True)
    assert len(full["snapshot"]) >= 5


@pytest.mark.parametrize("run_id, reason", [("pages", "closespider_pagecount"), ("budget", "finished")])
def test_a_crawl_stopped_at_a_limit_is_limited_and_removes_nothing_from_snapshots(limited_crawls, run_id, reason):
    """CLOSESPIDER_PAGECOUNT and --max-articles crawls exit 0 but saw part of the site on purpose: their
    runs are "limited", not complete, so a snapshot after them still has every article of the full crawl."""
    run = limited_crawls[run_id]
    assert run["reason"] == reason
    manifest = run["manifest"]
    assert (manifest["status"], manifest["complete"], manifest["finish_reason"]) == ("limited", False, reason)
    assert sum(manifest["counts"].get(k, 0) for k in ("articles_new", "articles_changed", "articles_unchanged")) \
        < len(limited_crawls["full"]["snapshot"]), "the limit must have cut the crawl short"
    assert run["snapshot"] == limited_crawls["full"]["snapshot"]
