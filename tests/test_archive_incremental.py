"""Snapshots and diffs after incremental crawls: real crawls of a copy of the sample site with the
default incremental behaviour (an article archived already is not fetched again).

Four runs on one archive: run1 full; one article added, run2 (fetches only the new one); run3 with a
date window (--since); one article removed from the site (page, sitemap, feed and listings), run4.
Archivists read "what did the outlet remove" from these snapshots and diffs: an article skipped
because it is archived already was still on the site, an article outside a window was not looked
at, and only an article a whole crawl no longer found is removed.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_helpers import add_copy, copy_site, local_crawl_settings, page_file, run_records
from crawling import run_spider
from newsarchive.archive import layout as L
from newsarchive.archive.history import history
from newsarchive.archive.runs import read_json, verify_run
from newsarchive.archive.snapshot import iter_snapshot
from newsarchive.cli import main
from newsarchive.samples.server import serve_directory

NEW_URL = "https://baomoi-tinh.example.vn/bai-moi-them-vao-456.html"
SINCE = "2026-03-07"   # the window of run3: 8 of the sample site's 13 articles are published on or after it


def remove_from_site(site: Path, record: dict) -> None:
    """Take an article off the site: its page, its sitemap entry, its feed item and every link to it."""
    path = page_file(site, record)
    rel = "/" + path.relative_to(site).as_posix()
    path.unlink()
    esc = re.escape(rel)
    patterns = [
        rf"<url>(?:(?!</url>).)*?{esc}(?:(?!</url>).)*?</url>",          # sitemap entry
        rf"<item>(?:(?!</item>).)*?{esc}(?:(?!</item>).)*?</item>",      # feed item
        rf"<a\b[^>]*href=\"[^\"]*{esc}\"[^>]*>.*?</a>",                  # listing and home links
    ]
    for f in site.rglob("*"):
        if not f.is_file() or f.suffix not in (".html", ".xml", ".rss"):
            continue
        text = f.read_text("utf-8")
        new = text
        for pat in patterns:
            new = re.sub(pat, "", new, flags=re.S)
        if new != text:
            f.write_text(new, "utf-8")
    left = [f for f in site.rglob("*") if f.is_file() and rel in f.read_text("utf-8", errors="replace")]
    assert not left, f"{rel} still referenced by {left}"


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental")
    site = copy_site(tmp / "site")
    archive = tmp / "archive"
    # The default incremental crawl; revisits off so that nothing is due whatever the clock says (the
    # default schedule never revisits articles over 30 days old, like every sample article).
    settings = local_crawl_settings(archive, NEWSARCHIVE_REVISIT="")
    out = {"archive": archive, "site": site}
    with serve_directory(site) as base:
        first = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run1"}, start_urls=[base + "/"])
        assert first.finish_reason == "finished"
        run1 = sorted(run_records(archive, "run1"), key=lambda r: r["final_url"])
        assert len(run1) == 13
        model = next(r for r in run1 if r.get("canonical_url"))   # its copy takes the new canonical URL
        add_copy(site, model, "bai-moi-them-vao-20260308090000456.htm", NEW_URL)
        second = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run2"}, start_urls=[base + "/"])
        assert second.finish_reason == "finished"
        assert second.stats.get("newsarchive/skipped/already_archived") == 13, second.stats
        third = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run3"}, start_urls=[base + "/"], since=SINCE)
        assert third.finish_reason == "finished"
        assert third.stats.get("newsarchive/discovery/out_of_window"), third.stats
        removed = next(r for r in run1 if "2012" in (r.get("published_at") or ""))
        remove_from_site(site, removed)
        fourth = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run4"}, start_urls=[base + "/"])
        assert fourth.finish_reason == "finished"
    added = run_records(archive, "run2")
    assert [r["canonical_url"] for r in added] == [NEW_URL]
    out.update(run1=run1, added=added[0], removed=removed)
    return out


def ids(records) -> set[str]:
    return {r["id"] for r in records}


def snapshot_ids(archive, as_of: str) -> list[str]:
    return sorted(r["id"] for r in iter_snapshot(archive, as_of=as_of))


def diff_summary(archive, a: str, b: str) -> dict:
    res = CliRunner().invoke(main, ["diff", a, b, "--archive", str(archive), "--json"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.output.splitlines()]
    return {"summary": lines[-1], "removed": [x["id"] for x in lines if x["type"] == "removed"],
            "added": [x["id"] for x in lines if x["type"] == "added"]}


def test_an_incremental_crawl_keeps_the_articles_it_skipped_as_archived(crawls):
    archive, run1, added = crawls["archive"], crawls["run1"], crawls["added"]
    assert snapshot_ids(archive, "run1") == sorted(ids(run1))
    snap = snapshot_ids(archive, "run2")
    assert len(snap) == 14 and set(snap) == ids(run1) | {added["id"]}
    d = diff_summary(archive, "run1", "run2")
    assert (d["summary"]["added"], d["summary"]["removed"]) == (1, 0), d
    assert d["added"] == [added["id"]]
    res = CliRunner().invoke(main, ["diff", "run1", "run2", "--archive", str(archive)])
    assert res.exit_code == 0 and "added 1, removed 0" in res.output, res.output
    # the run is complete, and what it saw without fetching is in its own file, under the manifest's sums
    manifest = read_json(L.run_dir(archive, "run2") / L.MANIFEST)
    assert manifest["status"] == "finished" and manifest["complete"] is True
    assert manifest["counts"]["articles_seen_archived"] == 13
    assert manifest["counts"].get("articles_unchanged", 0) == 0      # nothing was re-fetched
    assert L.LISTED in manifest["files"]
    assert verify_run(L.run_dir(archive, "run2")) == []
    # history tells a listing from a re-fetch
    versions = history(archive, run1[3]["url"])
    assert len(versions) == 1 and versions[0].seen_unchanged_in == []
    assert versions[0].seen_listed_in == ["run2", "run3", "run4"][: len(versions[0].seen_listed_in)]
    assert "run2" in versions[0].seen_listed_in
    res = CliRunner().invoke(main, ["history", run1[3]["url"], "--archive", str(archive)])
    assert res.exit_code == 0, res.output
    assert "still listed (not re-fetched) in: run2" in res.output, res.output


def test_a_windowed_crawl_removes_nothing(crawls):
    archive, run1, added = crawls["archive"], crawls["run1"], crawls["added"]
    manifest = read_json(L.run_dir(archive, "run3") / L.MANIFEST)
    assert manifest["status"] == "finished" and manifest["complete"] is False
    assert manifest["options"]["spider.since"].startswith(SINCE)
    assert any("date window" in p for p in manifest["partial"]), manifest.get("partial")
    assert snapshot_ids(archive, "run3") == sorted(ids(run1) | {added["id"]})
    d = diff_summary(archive, "run2", "run3")
    assert (d["summary"]["added"], d["summary"]["removed"]) == (0, 0), d


def test_an_article_taken_off_the_site_is_removed_by_the_next_whole_crawl(crawls):
    archive, run1, added, removed = crawls["archive"], crawls["run1"], crawls["added"], crawls["removed"]
    manifest = read_json(L.run_dir(archive, "run4") / L.MANIFEST)
    assert manifest["complete"] is True and "partial" not in manifest
    snap = snapshot_ids(archive, "run4")
    assert snap == sorted((ids(run1) | {added["id"]}) - {removed["id"]}) and len(snap) == 13
    d = diff_summary(archive, "run3", "run4")
    assert d["removed"] == [removed["id"]] and d["summary"]["added"] == 0, d
    # still there in the cumulative view
    assert removed["id"] in ids(iter_snapshot(archive, cumulative=True))


def test_snapshots_and_diffs_are_the_same_after_reindex(crawls, tmp_path):
    archive = crawls["archive"]
    before = {run: snapshot_ids(archive, run) for run in ("run1", "run2", "run3", "run4")}
    diffs = {pair: diff_summary(archive, *pair) for pair in (("run1", "run2"), ("run3", "run4"))}
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    (copy / L.INDEX).unlink()
    res = CliRunner().invoke(main, ["reindex", str(copy)])
    assert res.exit_code == 0, res.output
    assert {run: snapshot_ids(copy, run) for run in before} == before
    assert len(before["run2"]) == 14
    assert {pair: diff_summary(copy, *pair) for pair in diffs} == diffs
    assert diffs[("run1", "run2")]["summary"]["removed"] == 0


@pytest.mark.parametrize("memory", [True, False], ids=["with-memory", "memory-lost"])
def test_an_incremental_crawl_of_an_outlet_known_through_listings_removes_nothing(tmp_path, memory):
    """An outlet discovered through listings alone (no sitemap, no feed). The second crawl stops each
    section's walk at its first page (every article on it archived, the walk read to its end by the
    first crawl) and counts what the listing listed then as listed still: a whole view, nothing
    fetched again, nothing removed. With the first crawl's discovery memory lost, it reads every
    listing to its end instead: the same outcome, at the cost of the listing pages."""
    from crawlsite_server import CrawlSite

    site = CrawlSite(mode="listings")
    site.start()
    archive = tmp_path / "archive"
    try:
        settings = local_crawl_settings(archive, NEWSARCHIVE_REVISIT="")
        first = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run1"}, target=site.base + "/")
        if not memory:
            (L.run_dir(archive, "run1") / L.DISCOVERY).unlink()
        before = len(site.requests)
        second = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run2"}, target=site.base + "/")
    finally:
        site.stop()
    assert first.finish_reason == second.finish_reason == "finished"
    run1 = run_records(archive, "run1")
    assert len(run1) > site.PER_PAGE * len(site.SECTIONS)      # more articles than the first pages hold
    again = site.requests[before:]
    assert not set(again) & {a.path for a in site.articles}, again          # no article fetched again
    deep = {f"/{s}/trang-{n}" for s in site.SECTIONS for n in range(2, len(site.listing_pages(s)) + 1)}
    assert (set(again) & deep == set()) if memory else deep <= set(again)
    manifest = read_json(L.run_dir(archive, "run2") / L.MANIFEST)
    assert manifest["status"] == "finished" and manifest["complete"] is True, manifest.get("partial")
    assert snapshot_ids(archive, "run2") == sorted(ids(run1))
    assert diff_summary(archive, "run1", "run2")["summary"]["removed"] == 0


# --- runs that did not see the whole site (archive.runs.partial_reasons) ---------------------------

def _crawlsite_settings(archive: Path, **extra) -> dict:
    return local_crawl_settings(archive, **{"NEWSARCHIVE_REVISIT": "", "RETRY_TIMES": 1,
                                            "NEWSARCHIVE_RETRY_BACKOFF_BASE": 0.01, **extra})


def test_a_crawl_whose_sub_sitemap_fails_removes_nothing(tmp_path):
    """The second crawl's 2023 sub-sitemap (its index says it changed) answers 500: the run did not
    read it, so it is partial, and the snapshot keeps the articles it listed."""
    from crawlsite_server import CrawlSite, Route

    site = CrawlSite(mode="full")
    site.start()
    archive = tmp_path / "archive"
    try:
        first = run_spider("outlet", {**_crawlsite_settings(archive), "ARCHIVE_RUN_ID": "run1"}, target=site.base + "/")
        site.routes["/sitemaps/2023.xml"] = Route(500, b"<html>error</html>", {"Content-Type": "text/html"})
        # (its index says it changed, so it is asked for again rather than taken as unchanged)
        index = site.routes["/sitemap_index.xml"]
        index.body = index.body.replace(b"2023-12-31T00:00:00+07:00", b"2024-07-01T00:00:00+07:00")
        second = run_spider("outlet", {**_crawlsite_settings(archive), "ARCHIVE_RUN_ID": "run2"}, target=site.base + "/")
    finally:
        site.stop()
    assert first.finish_reason == second.finish_reason == "finished"
    assert read_json(L.run_dir(archive, "run1") / L.MANIFEST)["complete"] is True
    run1 = run_records(archive, "run1")
    assert any("tin-cu-nam-truoc" in r["url"] for r in run1)          # listed by the 2023 sitemap only
    assert second.stats.get("newsarchive/discovery/documents_failed") == 1, second.stats
    manifest = read_json(L.run_dir(archive, "run2") / L.MANIFEST)
    assert manifest["status"] == "finished" and manifest["complete"] is False
    assert any("discovery document" in p for p in manifest["partial"]), manifest.get("partial")
    assert snapshot_ids(archive, "run2") == sorted(ids(run1))
    assert diff_summary(archive, "run1", "run2")["summary"]["removed"] == 0


def test_a_crawl_with_no_sitemap_is_whole_through_its_listings_not_its_feed(tmp_path):
    """No sitemap (robots.txt names none, the usual paths are missing): the feed the home page
    advertises lists the newest items only, and the sections are walked to their last page. The run is
    a whole view because of the walks (a feed alone would not make it one: tests/test_discovery_zoo.py,
    shape feed_only), and it found every article."""
    from crawlsite_server import CrawlSite, Route

    site = CrawlSite(mode="full")
    site.start()
    site.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /private/\n",
                                       headers={"Content-Type": "text/plain"})
    for path in [p for p in site.routes if "sitemap" in p]:
        del site.routes[path]
    archive = tmp_path / "archive"
    try:
        crawl = run_spider("outlet", {**_crawlsite_settings(archive), "ARCHIVE_RUN_ID": "run1"}, target=site.base + "/")
    finally:
        site.stop()
    assert crawl.finish_reason == "finished"
    assert crawl.stats.get("newsarchive/discovery/feeds_read") == 1, crawl.stats
    assert not crawl.stats.get("newsarchive/discovery/sitemaps_read"), crawl.stats
    assert not crawl.stats.get("newsarchive/discovery/documents_failed"), crawl.stats   # guessed paths don't count
    manifest = read_json(L.run_dir(archive, "run1") / L.MANIFEST)
    assert manifest["status"] == "finished" and manifest["complete"] is True, manifest.get("partial")
    report = manifest["coverage"]["127.0.0.1"]
    assert report["whole_site_listings"] == ["listing_walk"]
    assert report["sources"]["feed"]["found"] == 5 and report["sources"]["listing"]["found"] >= 24
    archived = {r["url"][len(site.base):] for r in run_records(archive, "run1")}
    assert archived == {site.listed_path(a) for a in site.articles}


def test_a_revisit_that_fails_transiently_keeps_the_article_and_a_gone_one_is_removed(tmp_path):
    """Every article is due for a revisit in the second crawl: one answers 503 (retries exhausted),
    it is still on the site and stays in the snapshot; one answers 410, it is gone and removed."""
    from crawlsite_server import CrawlSite, Route

    site = CrawlSite(mode="full")
    site.start()
    archive = tmp_path / "archive"
    try:
        first = run_spider("outlet", {**_crawlsite_settings(archive), "ARCHIVE_RUN_ID": "run1"}, target=site.base + "/")
        run1 = run_records(archive, "run1")
        plain = sorted(a.path for a in site.articles if not a.special and a.published.year == 2024)
        busy, gone = plain[0], plain[1]
        by_path = {r["url"].replace(site.base, ""): r for r in run1}
        assert busy in by_path and gone in by_path
        site.routes[busy] = Route(503, b"<html>busy</html>", {"Content-Type": "text/html"})
        site.routes[gone] = Route(410, b"<html>gone</html>", {"Content-Type": "text/html"})
        second = run_spider("outlet", {**_crawlsite_settings(archive, NEWSARCHIVE_REVISIT="1000w=0"),
                                       "ARCHIVE_RUN_ID": "run2"}, target=site.base + "/")
    finally:
        site.stop()
    assert first.finish_reason == second.finish_reason == "finished"
    assert second.stats.get("newsarchive/revisits"), second.stats
    assert second.stats.get("newsarchive/revisits_failed_kept") == 1, second.stats
    manifest = read_json(L.run_dir(archive, "run2") / L.MANIFEST)
    assert manifest["complete"] is True, manifest.get("partial")
    snap = set(snapshot_ids(archive, "run2"))
    assert by_path[busy]["id"] in snap
    assert by_path[gone]["id"] not in snap
    assert diff_summary(archive, "run1", "run2")["removed"] == [by_path[gone]["id"]]
