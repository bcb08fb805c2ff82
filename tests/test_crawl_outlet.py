"""Crawling a real test site over HTTP on 127.0.0.1 with the real outlet spider and pipelines.

The site (tests/crawlsite_server.py) is built from real article pages; see its docstring for what it
holds. Each test asserts the exact set of archived articles and, where it matters, which pages were
(not) requested.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawling import run_spider
from crawlsite_server import CrawlSite
from newsarchive.crawlstate import iter_archived_records

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def site():
    s = CrawlSite()
    s.start()
    yield s
    s.stop()


@pytest.fixture
def listing_site():
    s = CrawlSite(mode="listings")
    s.start()
    yield s
    s.stop()


def settings_for(tmp_path: Path, **extra) -> dict:
    return {
        "ARCHIVE_DIR": str(tmp_path / "archive"),
        "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "NEWSARCHIVE_RETRY_BACKOFF_BASE": 0.05,
        "RETRY_TIMES": 2,
        **extra,
    }


def records(tmp_path: Path) -> list[dict]:
    return list(iter_archived_records(tmp_path / "archive"))


def run_manifest(tmp_path: Path) -> dict:
    import json

    (path,) = sorted((tmp_path / "archive" / "runs").glob("*/manifest.json"))[-1:]
    return json.loads(path.read_text("utf-8"))


def archived_paths(site: CrawlSite, tmp_path: Path) -> collections.Counter:
    return collections.Counter(r["url"][len(site.base):] for r in records(tmp_path))


def expected_paths(site: CrawlSite, since=None, until=None) -> set[str]:
    return {site.listed_path(a) for a in site.articles
            if (since is None or a.published >= since) and (until is None or a.published <= until)}


def test_full_crawl_archives_exactly_the_articles(site, tmp_path):
    crawl = run_spider("outlet", settings_for(tmp_path), target=site.base + "/")
    assert crawl.finish_reason == "finished"
    got = archived_paths(site, tmp_path)
    assert set(got) == expected_paths(site)
    assert all(n == 1 for n in got.values()), got
    # the redirect chain is archived under the URL the sitemap listed, with where it landed
    redirected = next(r for r in records(tmp_path) if r["url"].endswith(site.REDIRECT_START))
    assert redirected["final_url"] == site.url(next(a.path for a in site.articles if a.special == "redirect"))
    # robots.txt Disallow obeyed; the off-site redirect refused without a request; tag/search/about
    # pages never archived
    assert site.PRIVATE not in site.requests
    assert crawl.stat("newsarchive/refused/offsite_redirect") == 1
    assert crawl.stat("newsarchive/crawl_delay/127.0.0.1") == pytest.approx(0.1)
    # the 404 is a counted, listed failure; the 500 and the 429 recovered after a retry
    assert crawl.stat("newsarchive/failures/http_4xx") == 1
    assert crawl.stat("newsarchive/fetch_errors") == 1
    assert site.hits["/kinh-te/bai-loi-may-chu-roi-on-9000006.html"] == 2
    assert site.hits["/kinh-te/bai-qua-tai-thu-lai-9000008.html"] == 2
    # every source is read (the sitemaps do not make the listings unnecessary), and an article that
    # several sources list is fetched once
    assert "/thoi-su/trang-2" in site.requests and "/rss/tin-moi.rss" in site.requests
    retried = {a.path for a in site.articles if a.special in ("recover500", "retry429")}
    fetched = collections.Counter(site.article_requests())
    assert all(n == 1 for p, n in fetched.items() if p not in retried), fetched
    coverage = run_manifest(tmp_path)["coverage"]["127.0.0.1"]
    assert coverage["whole_site"] is True and coverage["partial"] == []
    assert coverage["sources"]["sitemap"]["found"] == len(expected_paths(site)) + 2   # + PRIVATE, OFFSITE
    assert coverage["sources"]["listing"]["found"] >= len(expected_paths(site)) - 2
    assert coverage["articles"]["archived"] == len(expected_paths(site))
    assert coverage["articles"]["gone"] == 1 and coverage["articles"]["refused"] == 2


def test_window_crawl_never_fetches_out_of_window_articles(site, tmp_path):
    from newsarchive.discovery.window import parse_bound

    since, until = parse_bound("2024-03-01"), parse_bound("2024-04-30", end=True)
    crawl = run_spider("outlet", settings_for(tmp_path), target=site.base + "/",
                       since="2024-03-01", until="2024-04-30")
    assert crawl.finish_reason == "finished"
    want = expected_paths(site, since, until)
    assert len(want) == 8
    assert set(archived_paths(site, tmp_path)) == want
    assert set(site.article_requests()) == want
    # the 2023 sitemap is skipped by its index lastmod
    assert "/sitemaps/2023.xml" not in site.requests


def test_second_run_fetches_only_what_the_revisit_schedule_wants(site, tmp_path):
    first = run_spider("outlet", settings_for(tmp_path), target=site.base + "/")
    assert first.finish_reason == "finished"
    before = len(site.requests)
    second = run_spider("outlet", settings_for(tmp_path), target=site.base + "/")
    assert second.finish_reason == "finished"
    refetched = [p for p in site.requests[before:] if p in {a.path for a in site.articles} | {site.REDIRECT_START}]
    recent = [a.path for a in site.articles if a.title == "mới"]
    # the article published two hours ago is revisited; nothing else is fetched again
    assert refetched == recent
    assert second.stat("newsarchive/revisits") == 1
    assert set(archived_paths(site, tmp_path)) == expected_paths(site)


def test_listing_walk_when_there_is_no_sitemap_or_feed(listing_site, tmp_path):
    from newsarchive.discovery.window import parse_bound

    site = listing_site
    since = parse_bound("2024-04-01")
    crawl = run_spider("outlet", settings_for(tmp_path), target=site.base + "/", since="2024-04-01")
    assert crawl.finish_reason == "finished"
    assert set(archived_paths(site, tmp_path)) == expected_paths(site, since)
    # walking back stops after the first page holding only older articles
    for section in site.SECTIONS:
        items = [a for a in site.articles if a.section == section]
        pages = [items[i:i + site.PER_PAGE] for i in range(0, len(items), site.PER_PAGE)]
        first_old = next(n for n, chunk in enumerate(pages, 1) if all(a.published < since for a in chunk))
        assert f"/{section}/trang-{first_old + 1}" not in site.requests
    # tag, search and about pages are not archived as articles
    assert not any(p in archived_paths(site, tmp_path) for p in ("/tag/tinh-nha", "/tim-kiem", "/gioi-thieu.html"))


@pytest.fixture
def make_site():
    sites = []

    def make(mode: str) -> CrawlSite:
        s = CrawlSite(mode=mode)
        s.start()
        sites.append(s)
        return s

    yield make
    for s in sites:
        s.stop()


def test_sitemap_named_by_robots_and_by_its_index_is_read_once_and_the_rest_of_the_site_still_found(make_site,
                                                                                                     tmp_path):
    # robots.txt names /sitemaps/2023.xml and the index names it again: it is requested once; the
    # sitemaps hold nothing since 2024, the feed the five newest: the listings give the rest
    from newsarchive.discovery.window import parse_bound

    site = make_site("dup_sitemaps")
    crawl = run_spider("outlet", settings_for(tmp_path), target=site.base + "/", since="2024-01-01")
    assert crawl.finish_reason == "finished"
    assert site.hits["/sitemaps/2023.xml"] == 1
    assert "/rss/tin-moi.rss" in site.requests
    assert set(archived_paths(site, tmp_path)) == expected_paths(site, parse_bound("2024-01-01"))


def test_guessed_sitemap_listed_twice_by_a_guessed_index_is_read_once_and_the_listings_still_walked(make_site,
                                                                                                     tmp_path):
    # no Sitemap: line, so the usual paths are guessed; /sitemap.xml is an index naming /sitemap-news.xml
    # (guessed too) twice, and it holds only 2023 articles; /sitemap_index.xml (guessed) redirects to
    # /sitemap.xml, a redirect Scrapy drops as a duplicate: the listings give the 2024 articles
    from newsarchive.discovery.window import parse_bound

    site = make_site("guessed_sitemap_twice")
    crawl = run_spider("outlet", settings_for(tmp_path), target=site.base + "/", since="2024-04-01")
    assert crawl.finish_reason == "finished"
    assert site.hits["/sitemap-news.xml"] == 1 and site.hits["/sitemap.xml"] == 1
    assert "/thoi-su" in site.requests and "/kinh-te" in site.requests
    assert set(archived_paths(site, tmp_path)) == expected_paths(site, parse_bound("2024-04-01"))


def test_guessed_sitemap_or_feed_paths_that_are_no_xml_are_counted_missing_not_failed(make_site, tmp_path):
    # /sitemap-index.xml and /rss answer 200 with an HTML page at guessed paths: both are
    # "missing" documents (counted), not failures; the listings are walked
    site = make_site("guessed_sitemap_twice")
    crawl = run_spider("outlet", settings_for(tmp_path), target=site.base + "/", since="2024-04-01")
    assert crawl.finish_reason == "finished"
    assert "/rss" in site.requests and "/sitemap-index.xml" in site.requests
    assert crawl.stat("newsarchive/discovery/probe_missing") == 2
    assert crawl.stat("newsarchive/failures/parse") == 0


def test_undated_listing_walk_stops_once_fetched_articles_are_older_than_since(make_site, tmp_path):
    # listing items print no date: the walk learns each page's dates by fetching its articles, and does
    # not go past the first page whose articles are all older than --since
    from newsarchive.discovery.window import parse_bound

    site = make_site("undated_listings")
    since = parse_bound("2024-05-08")
    crawl = run_spider("outlet", settings_for(tmp_path), target=site.base + "/", since="2024-05-08")
    assert crawl.finish_reason == "finished"
    assert set(archived_paths(site, tmp_path)) == expected_paths(site, since)
    beyond = stops = 0
    for section in site.SECTIONS:
        pages = site.listing_pages(section)
        first_old = next(n for n, chunk in enumerate(pages, 1) if all(a.published < since for a in chunk))
        assert (f"/{section}/trang-{first_old}" if first_old > 1 else f"/{section}") in site.requests
        stops += first_old < len(pages)
        for n in range(first_old + 1, len(pages) + 1):
            beyond += 1
            assert f"/{section}/trang-{n}" not in site.requests, (section, n)
            assert not {site.listed_path(a) for a in pages[n - 1]} & set(site.requests), (section, n)
    assert beyond >= 2   # (the site has listing pages past the window to leave alone)
    assert crawl.stat("newsarchive/discovery/listing_stops_after_fetch") == stops


def test_held_listing_pages_are_released_when_article_dates_never_arrive(make_site, tmp_path):
    # a spider that never hears of its articles' extracted dates (as if every article callback failed):
    # the held next pages are decided when the crawl runs out of requests, so the walk still goes on
    # (nothing known: to the last page) instead of ending silently
    from spiders.outlet import OutletSpider

    class DeafSpider(OutletSpider):
        name = "outlet_deaf"

        def _article_answer(self, url, when, archived):
            return None

    site = make_site("undated_listings")
    crawl = run_spider(DeafSpider, settings_for(tmp_path), target=site.base + "/", since="2024-05-08")
    assert crawl.finish_reason == "finished"
    for section in site.SECTIONS:
        assert f"/{section}/trang-{len(site.listing_pages(section))}" in site.requests
    assert crawl.stat("newsarchive/discovery/listing_stops_after_fetch") == 0


def _crawl_cmd(site: CrawlSite, archive: Path) -> list[str]:
    return [sys.executable, "-c", "from newsarchive.cli import run; run()", "crawl", site.base + "/", "--archive", str(archive),
            "--allow-private-addresses", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.15",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "NEWSARCHIVE_RETRY_BACKOFF_BASE=0.05"]


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["SIGKILL", "SIGTERM", "Ctrl-C"])
def test_crawl_killed_halfway_and_restarted_archives_every_article_once(site, tmp_path, how):
    archive = tmp_path / "archive"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(_crawl_cmd(site, archive), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=tmp_path)
    want = expected_paths(site)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if len(site.article_requests()) >= len(want) // 2:
                break
            if proc.poll() is not None:
                pytest.fail("the crawl ended before it could be killed")
            time.sleep(0.05)
        proc.send_signal(how)
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    if how != signal.SIGKILL:
        assert proc.returncode != 0  # a stopped crawl is not reported as a finished one
    partial = set(archived_paths(site, tmp_path))
    assert partial and partial != want
    before = len(site.requests)
    done = subprocess.run(_crawl_cmd(site, archive), env=env, capture_output=True, text=True,
                          cwd=tmp_path, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    got = archived_paths(site, tmp_path)
    assert set(got) == want
    assert all(n == 1 for n in got.values()), {p: n for p, n in got.items() if n > 1}
    # what the first run archived is not fetched again, except what the revisit schedule wants
    recent = {a.path for a in site.articles if a.title == "mới"}
    assert partial <= set(site.requests[:before])  # (request log and archive speak of the same paths)
    again = {p for p in site.requests[before:] if p in partial} - recent
    assert not again, again
