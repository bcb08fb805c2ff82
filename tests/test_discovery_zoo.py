"""Every article of sites of every common shape, crawled from the home URL alone.

Each site of the zoo (tests/sitezoo.py) is served on its own loopback address and crawled by the real
outlet spider and pipelines, as a new user would: ``crawl http://127.0.0.x:PORT/``. For every shape:
every article archived exactly once, with its publication time; nothing requested outside the outlet;
the run's coverage account in its manifest. Then an unchanged re-run: no article fetched, few documents.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

from crawling import run_spider
from newsarchive.crawlstate import iter_archived_records
from newsarchive.timeutil import parse_iso
from sitezoo import SHAPES, OutsideSite, ZooSite

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def outside():
    site = OutsideSite("127.0.0.9")
    yield site
    site.stop()


def settings(tmp_path: Path, **extra) -> dict:
    return {"ARCHIVE_DIR": str(tmp_path / "archive"), "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True,
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
            "NEWSARCHIVE_RETRY_BACKOFF_BASE": 0.05, "RETRY_TIMES": 1, **extra}


def manifests(tmp_path: Path) -> list[dict]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((tmp_path / "archive" / "runs").glob("*/manifest.json"))]


def coverage_of(manifest: dict) -> dict:
    (report,) = manifest["coverage"].values()
    return report


def archived(tmp_path: Path) -> list[dict]:
    return list(iter_archived_records(tmp_path / "archive"))


HOSTS = {shape: f"127.0.0.{20 + i}" for i, shape in enumerate(SHAPES)}


def crawl_shape(shape: str, outside, tmp_path: Path, **kwargs):
    site = ZooSite(shape, host=HOSTS[shape], outside=outside.base)
    site.start()
    try:
        crawl = run_spider("outlet", settings(tmp_path), target=site.start_url, **kwargs)
    except BaseException:
        site.stop()
        raise
    return site, crawl


@pytest.mark.parametrize("shape", SHAPES)
def test_every_article_archived_once_with_its_date_from_the_home_url_alone(shape, outside, tmp_path):
    site, crawl = crawl_shape(shape, outside, tmp_path)
    try:
        assert crawl.finish_reason == "finished"
        records = archived(tmp_path)
        got = collections.Counter(r["url"] for r in records)
        want = site.expected()
        assert set(got) == set(want), f"{shape}: missing {sorted(set(want) - set(got))}, extra {sorted(set(got) - set(want))}"
        assert all(n == 1 for n in got.values()), f"{shape}: archived more than once: {got}"
        for r in records:
            assert r["published_at"] and parse_iso(r["published_at"]) == want[r["url"]], \
                f"{shape}: {r['url']} published_at {r['published_at']} != {want[r['url']].isoformat()}"
        # nothing outside the outlet: the outside host was linked from every page and never asked
        assert outside.requests == []
        report = coverage_of(manifests(tmp_path)[-1])
        assert report["articles"]["archived"] == len(want)
        assert sum(v["found"] for v in report["sources"].values()) >= len(want)
        if shape == "sitemap_child_fails":
            assert report["whole_site"] is False
            assert report["failed"]["count"] == 1 and report["failed"]["listed"][0]["url"].endswith("/sitemaps/2.xml")
        elif shape in ("feed_only", "related_links"):
            # no whole-site listing exists on these sites: the account says so
            assert report["whole_site"] is False
        else:
            assert report["whole_site"] is True, report["partial"]
    finally:
        site.stop()


def test_traps_are_cut_counted_and_the_crawl_ends_within_its_bounds(outside, tmp_path):
    site, crawl = crawl_shape("traps", outside, tmp_path)
    try:
        report = coverage_of(manifests(tmp_path)[-1])
        cut = report["traps"]["cut"]
        assert cut.get("calendar", 0) >= 1          # the endless calendar
        assert cut.get("view_variant", 0) >= 2      # ?sort= and ?view= read as the page itself
        assert cut.get("path_loop", 0) >= 1         # chuyen-muc/chuyen-muc/chuyen-muc/...
        assert cut.get("endless_pagination", 0) >= 1
        calendar = [r for r in site.requests if "/lich/" in r]
        assert 1 <= len(calendar) <= 31
        # session ids are stripped: each article requested once whatever sid its links carried
        article_requests = collections.Counter(r.split("?")[0] for r in site.requests
                                               if r.split("?")[0].split("/", 1)[-1] in {a.path[1:] for a in site.articles})
        assert all(n == 1 for n in article_requests.values()), article_requests
        assert len(site.requests) < 150
    finally:
        site.stop()


@pytest.mark.parametrize("shape", ["partial_sitemap", "listings_every_form", "deep_sections", "moved_domain",
                                   "cms_wordpress"])
def test_an_unchanged_rerun_fetches_no_article_and_few_documents_and_loses_nothing(shape, outside, tmp_path):
    from newsarchive.archive.snapshot import iter_snapshot

    site, first = crawl_shape(shape, outside, tmp_path)
    try:
        before = len(site.requests)
        second = run_spider("outlet", settings(tmp_path), target=site.start_url)
        assert second.finish_reason == "finished"
        again = site.requests[before:]
        articles = {a.path for a in site.articles}
        assert not [r for r in again if "/" + r.split("/", 1)[-1].split("?")[0] in articles], again
        assert len(again) <= before / 2, (len(again), before, again)
        # unchanged documents and listings stopped in known territory count what they listed when read:
        # the re-run is a whole view, and its snapshot still holds every article (no false removal)
        report = coverage_of(manifests(tmp_path)[-1])
        assert report["whole_site"] is True, report["partial"]
        assert report["articles"]["archived_before"] == len(site.articles)
        assert {r["url"] for r in iter_snapshot(tmp_path / "archive")} == set(site.expected())
    finally:
        site.stop()


def test_full_rerun_reads_everything_again_and_is_whole(outside, tmp_path):
    site, first = crawl_shape("listings_every_form", outside, tmp_path)
    try:
        before = len(site.requests)
        second = run_spider("outlet", settings(tmp_path), target=site.start_url, full="1")
        assert second.finish_reason == "finished"
        report = coverage_of(manifests(tmp_path)[-1])
        assert report["whole_site"] is True, report["partial"]
        listing_pages = {r for r in site.requests[:before] if "/muc-" in r}
        assert listing_pages <= set(site.requests[before:])
    finally:
        site.stop()
