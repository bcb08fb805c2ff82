"""End to end: the real outlet spider and pipelines crawl the bundled sample site over real HTTP."""

import json
from pathlib import Path

from crawling import run_spider
from newsarchive.jsonl import iter_lines, record_files
from newsarchive.samples.server import SAMPLE_SITE
from newsarchive.schema import record_errors

ARTICLE_PAGES = sorted(p.name for p in (SAMPLE_SITE / "bai-viet").iterdir())


def archived(archive: Path) -> list[dict]:
    files = record_files(archive)
    return [json.loads(line) for f in files for _, line in iter_lines(f)]


def test_sample_site_crawl_archives_every_article_once_and_valid(sample_site, crawl_settings, tmp_path):
    crawl = run_spider("outlet", crawl_settings, start_urls=[sample_site + "/"])
    assert crawl.finish_reason == "finished"
    records = archived(tmp_path / "archive")
    names = sorted(r["final_url"].rsplit("/", 1)[-1] for r in records)
    assert names == ARTICLE_PAGES
    for r in records:
        assert record_errors(r) == [], r["url"]
        assert r["http_status"] == 200
        assert r["fetched_at"].endswith("+00:00")
        assert r["title"], r["url"]
        assert r["body"], r["url"]


def test_sample_site_crawl_counts_what_it_skipped(sample_site, crawl_settings):
    crawl = run_spider("outlet", crawl_settings, start_urls=[sample_site + "/"])
    # nothing was taken for an article that is not one (the about page, listings, feeds)
    assert crawl.stat("newsarchive/skipped/not_article") == 0
    # the home page links one removed article (404): counted, and the crawl went on
    assert crawl.stat("newsarchive/fetch_errors") == 1
    assert crawl.stat("newsarchive/articles_archived") == len(ARTICLE_PAGES)


def test_dead_server_is_a_counted_error_not_a_crash(crawl_settings):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    crawl = run_spider("outlet", {**crawl_settings, "RETRY_TIMES": 0}, start_urls=[f"http://127.0.0.1:{port}/"])
    assert crawl.finish_reason == "finished"
    assert crawl.stat("newsarchive/fetch_errors") == 1
