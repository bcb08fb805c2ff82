"""Extraction in worker processes (pipelines/extract.py + newsarchive.records.RecordPool).

The pool must give exactly the records in-thread extraction gives, and every page it cannot turn into
a record must come back as a named, counted skip (never a traceback, never lost), a dead worker included.
"""

from __future__ import annotations

import logging
import os
import signal
import time

import pytest

from crawling import run_spider
from newsarchive.records import RecordError, RecordPool, article_from_outcome, record_from_page
from newsarchive.samples.server import SAMPLE_SITE

PAGES = sorted([*(SAMPLE_SITE / "bai-viet").iterdir(), *(SAMPLE_SITE / "chuyen-muc").rglob("*.html"),
                SAMPLE_SITE / "gioi-thieu.html"])


def page(body, url="http://127.0.0.1/a.html", ctype="text/html; charset=utf-8"):
    return {"url": url, "final_url": url, "status": 200, "headers": {"Content-Type": [ctype]}, "body": body,
            "fetched_at": "2026-01-01T00:00:00+00:00", "request_headers": {}, "discovery": {"source": "home"}}


def outcome_or_error(fn):
    try:
        return fn().to_dict()
    except RecordError as exc:
        return (exc.kind, exc.message, exc.log_level)


@pytest.fixture(scope="module")
def pool():
    p = RecordPool(1, run_id="run-1")
    yield p
    p.shutdown()


def test_pool_gives_the_same_records_and_skips_as_in_thread_extraction(pool):
    pages = [page(p.read_bytes(), url=f"http://127.0.0.1/{p.name}") for p in PAGES]
    pages.append(page(b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, ctype="image/png"))
    pages.append(page(b"  "))
    futures = [pool.submit(p) for p in pages]
    articles = 0
    for p, fut in zip(pages, futures):
        url = p["url"]
        in_thread = outcome_or_error(lambda: record_from_page(p, run_id="run-1"))
        in_pool = outcome_or_error(lambda: article_from_outcome(fut.result(timeout=120)[0], url))
        assert in_pool == in_thread, url
        articles += isinstance(in_thread, dict)
    assert articles >= 10          # the sample site's article pages are articles...
    assert articles < len(pages)   # ...and its listings, about page and binary are named skips


def test_an_error_inside_a_worker_is_an_extract_error_not_a_traceback(pool):
    bad = page(12345)   # a body that is not bytes: record_from_page fails inside the worker
    outcome, _links = pool.submit(bad).result(timeout=120)
    with pytest.raises(RecordError) as info:
        article_from_outcome(outcome, bad["url"])
    assert info.value.kind == "extract_error"
    assert info.value.log_level == logging.ERROR
    assert "Traceback" not in info.value.message


def _kill_workers(p: RecordPool) -> None:
    procs = list((p._executor._processes or {}).values())
    assert procs
    for proc in procs:
        os.kill(proc.pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not getattr(p._executor, "_broken", False) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_dead_worker_is_replaced_and_its_pages_still_extracted():
    body = next((SAMPLE_SITE / "bai-viet").glob("cach-cac-nuoc*.html")).read_bytes()
    p = RecordPool(1)
    try:
        assert p.submit(page(body)).result(timeout=120)[0][0] == "ok"
        _kill_workers(p)
        assert p.submit(page(body)).result(timeout=120)[0][0] == "ok"
        assert p.restarts == 1
    finally:
        p.shutdown()


def test_a_dead_worker_without_retries_left_is_a_counted_error_naming_the_page():
    body = next((SAMPLE_SITE / "bai-viet").glob("cach-cac-nuoc*.html")).read_bytes()
    p = RecordPool(1, retries=0)
    try:
        p.submit(page(body)).result(timeout=120)
        _kill_workers(p)
        outcome, _links = p.submit(page(body)).result(timeout=120)
    finally:
        p.shutdown()
    with pytest.raises(RecordError) as info:
        article_from_outcome(outcome, "http://127.0.0.1/a.html")
    assert info.value.kind == "extract_error"
    assert "worker" in info.value.message


def test_a_worker_reads_the_links_of_a_page_the_crawl_asks_them_of(pool):
    from newsarchive.discovery.outlinks import page_links

    body = next((SAMPLE_SITE / "bai-viet").glob("cach-cac-nuoc*.html")).read_bytes()
    asked = {**page(body, url="http://127.0.0.1/bai-viet/a.html"), "links_wanted": True}
    outcome, links = pool.submit(asked).result(timeout=120)
    assert outcome[0] == "ok" and links == page_links(body, "http://127.0.0.1/bai-viet/a.html") and links
    assert pool.submit(page(body)).result(timeout=120)[1] is None       # not asked: not read


def test_workers_stop_with_the_pool():
    p = RecordPool(2)
    p.submit(page(b"<html><body><p>x</p></body></html>")).result(timeout=120)
    procs = list(p._executor._processes.values())
    p.shutdown()
    assert all(not proc.is_alive() for proc in procs)


def test_the_pipeline_counts_a_worker_error_as_a_skip_naming_the_url():
    """ExtractPipeline on the crawl's reactor (as in a crawl): DropItem with the reason, stat counted."""
    from scrapy.exceptions import DropItem
    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import threads

    from crawling import _reactor
    from pipelines.extract import ExtractPipeline

    reactor = _reactor()

    class Crawler:
        spider = None
        settings = Settings()

    stats = MemoryStatsCollector(Crawler())
    pipe = ExtractPipeline(stats, "run-1", workers=1)
    pipe.open_spider()
    try:
        bad = page(12345, url="http://127.0.0.1/bai-hong-1234567.html")
        with pytest.raises(DropItem) as info:
            threads.blockingCallFromThread(reactor, lambda: deferred_from_coro(pipe.process_item(bad)))
        assert "extraction failed" in str(info.value)
        good = page(next((SAMPLE_SITE / "bai-viet").glob("cach-cac-nuoc*.html")).read_bytes())
        item = threads.blockingCallFromThread(reactor, lambda: deferred_from_coro(pipe.process_item(good)))
        assert item["article"].title
    finally:
        pipe.close_spider()
    assert stats.get_value("newsarchive/skipped/extract_error") == 1
    assert stats.get_value("newsarchive/articles_extracted") == 1
    assert stats.get_value("newsarchive/pages_seen") == 2


def test_sample_site_crawl_archives_the_same_records_with_and_without_workers(sample_site, tmp_path):
    from test_crawl_sample import archived

    def crawl(workers: int) -> dict[str, dict]:
        archive = tmp_path / f"archive-{workers}"
        settings = {"ARCHIVE_DIR": str(archive), "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True,
                    "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
                    "NEWSARCHIVE_EXTRACT_WORKERS": workers}
        result = run_spider("outlet", settings, start_urls=[sample_site + "/"])
        assert result.finish_reason == "finished"
        assert result.stat("newsarchive/extract_workers") == workers
        varying = {"fetched_at", "run_id", "capture"}
        return {r["url"]: {k: v for k, v in r.items() if k not in varying} for r in archived(archive)}

    in_thread, in_pool = crawl(0), crawl(2)
    assert sorted(in_pool) == sorted(in_thread)
    for url in in_thread:
        assert in_pool[url] == in_thread[url], url


@pytest.mark.parametrize("value", ["many", "-1"])
def test_a_bad_worker_count_is_a_clear_error(value):
    from scrapy.settings import Settings

    from pipelines.extract import ExtractPipeline

    class Crawler:
        settings = Settings({"NEWSARCHIVE_EXTRACT_WORKERS": value})
        stats = None

    with pytest.raises(ValueError, match="NEWSARCHIVE_EXTRACT_WORKERS"):
        ExtractPipeline.from_crawler(Crawler())


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"   # a zombie has exited
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_workers_exit_when_the_crawl_process_is_killed():
    import subprocess
    import sys

    code = ("from newsarchive.records import RecordPool\n"
            "p = RecordPool(2)\n"
            "p.submit({'url': 'http://127.0.0.1/', 'body': b'<p>x</p>', 'headers': {}}).result()\n"
            "print(*[proc.pid for proc in p._executor._processes.values()], flush=True)\n"
            "import time; time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_running(pid) for pid in workers)
    finally:
        parent.kill()   # SIGKILL: no cleanup code runs in the parent
        parent.wait()
    deadline = time.monotonic() + 60
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in workers), "extraction workers outlived the killed crawl"


def test_in_thread_mode_also_counts_an_extraction_bug_as_a_skip():
    from scrapy.exceptions import DropItem
    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import threads

    from crawling import _reactor
    from pipelines.extract import ExtractPipeline

    reactor = _reactor()

    class Crawler:
        spider = None
        settings = Settings()

    stats = MemoryStatsCollector(Crawler())
    pipe = ExtractPipeline(stats, None, workers=0)
    pipe.open_spider()
    assert pipe.pool is None
    with pytest.raises(DropItem, match="extraction failed"):
        threads.blockingCallFromThread(reactor, lambda: deferred_from_coro(pipe.process_item(page(12345))))
    pipe.close_spider()
    assert stats.get_value("newsarchive/skipped/extract_error") == 1
