"""Fault injection: real crawls of a site that misbehaves (tests/faultserver.py), each fault asserting
that its failure is counted by kind, that nothing archived is lost (no article reported removed but
those the site says are gone: 404, 410), and that a run that missed part of the site is not complete.

run1 archives the site (two new articles failing: a redirect loop and a gzip bomb, counted, not
archived). Between run1 and run2 every archived article is given a fault of its own; run2 revisits
them all (the revisit schedule says every run). run3 meets faults in discovery itself (the sitemap
is a gzip bomb), run4 a sitemap with a custom XML entity. TLS has crawls of its own.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archive_helpers import local_crawl_settings
from crawling import run_spider
from faultserver import FaultSite
from newsarchive.archive import layout as L
from newsarchive.archive.runs import read_json
from newsarchive.archive.snapshot import iter_snapshot
from newsarchive.cli import main

# fault (with its parameters) -> what the crawl records for the article: a failure kind, "skipped"
# (a page that is not HTML, counted as skipped/binary), "gone" (404/410: a failure the site means), or
# "archived" (a fault the crawl takes in its stride)
REVISIT_FAULTS = [
    (("redirect_loop", {}), "redirect_loop"),
    (("redirect_endless", {}), "redirect_loop"),
    (("gzip_bomb", {"megabytes": 64}), "too_large"),
    (("reset", {}), "connection"),
    (("reset", {"after": 500}), "truncated"),
    (("slowloris", {"every": 0.5}), "timeout"),
    (("lying_length", {}), "truncated"),
    (("not_http", {}), "connection"),
    (("huge_headers", {"count": 1, "size": 200_000}), "connection"),
    (("redirect_port", {}), "refused_offsite_redirect"),
    (("retry_after", {"seconds": 599}), "retry_after"),
    (("retry_after", {"seconds": 1}), "retry_after"),
    (("status", {"code": 500}), "http_5xx"),
    (("wrong_type", {"ctype": "image/jpeg"}), "skipped"),
    (("huge_headers", {"count": 40, "size": 8000}), "archived"),
    (("status", {"code": 404}), "gone"),
    (("status", {"code": 410}), "gone"),
]
SETTINGS = {"NEWSARCHIVE_REVISIT": "5200w=0", "RETRY_TIMES": 1, "DOWNLOAD_TIMEOUT": 2,
            "DOWNLOAD_MAXSIZE": 5_000_000, "NEWSARCHIVE_RETRY_AFTER_TIMES": 1}


def diff(archive, a: str, b: str) -> dict:
    res = CliRunner().invoke(main, ["diff", a, b, "--archive", str(archive), "--json"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.output.splitlines()]
    return {"summary": lines[-1], "removed": sorted(x["url"] for x in lines if x["type"] == "removed")}


def failed(crawl, url: str, site: FaultSite | None = None) -> list[str]:
    """Failure kinds recorded for `url` (or, for a refused redirect, for its target on the other port)."""
    urls = {url} | ({url.replace(site.base, site.other_base)} if site else set())
    return [kind for kind, u, _why in crawl.failures if u.split("?")[0] in urls]


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    archive = tmp_path_factory.mktemp("faults") / "archive"
    settings = local_crawl_settings(archive, **SETTINGS)
    with FaultSite() as site:
        paths = list(site.articles)
        new_faults = {paths[-1]: ("redirect_loop", "redirect_loop"), paths[-2]: ("gzip_bomb", "too_large")}
        for path, (kind, _) in new_faults.items():
            site.fault(path, kind)
        run1 = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run1"}, start_urls=[site.base + "/"])
        site.clear()
        faulted = dict(zip(paths, REVISIT_FAULTS))
        for path, ((kind, params), _) in faulted.items():
            site.fault(path, kind, **params)
        hits_before = dict(site.hits)
        run2 = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run2"}, start_urls=[site.base + "/"])
        hits2 = {p: site.hits[p] - hits_before.get(p, 0) for p in paths}
        site.clear()
        site.fault("/sitemap.xml", "gzip_bomb", megabytes=64)
        run3 = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run3"}, start_urls=[site.base + "/"])
        site.fault("/sitemap.xml", "cut_sitemap_entity")
        run4 = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run4"}, start_urls=[site.base + "/"])
        yield {"archive": archive, "site": site, "paths": paths, "new_faults": new_faults, "faulted": faulted,
               "runs": [run1, run2, run3, run4], "hits2": hits2}


def test_new_articles_that_fail_are_counted_by_kind_and_the_others_archived(crawls):
    run1, site = crawls["runs"][0], crawls["site"]
    assert run1.finish_reason == "finished"
    for path, (_fault, kind) in crawls["new_faults"].items():
        assert failed(run1, site.url(path)) == [kind], (path, run1.failures)
    archived = {r["url"] for r in iter_snapshot(crawls["archive"], as_of="run1")}
    assert archived == {site.url(p) for p in crawls["paths"][:-2]}
    assert run1.stat("newsarchive/fetch_errors") == 2


@pytest.mark.parametrize("fault, outcome", REVISIT_FAULTS, ids=[f"{f[0]}-{'-'.join(map(str, f[1].values()))}"
                                                                 for f, _ in REVISIT_FAULTS])
def test_every_fault_on_a_revisit_is_counted_by_kind(crawls, fault, outcome):
    run2, site = crawls["runs"][1], crawls["site"]
    path = next(p for p, (f, _) in crawls["faulted"].items() if f == fault)
    kinds = failed(run2, site.url(path), site)
    if outcome in ("skipped", "archived"):
        assert kinds == [], (fault, kinds)
    elif outcome == "gone":
        assert kinds == ["http_4xx"], (fault, kinds)
    else:
        assert kinds == [outcome], (fault, run2.failures)


def test_a_revisit_that_fails_is_never_reported_removed_only_a_gone_one_is(crawls):
    archive, site, faulted = crawls["archive"], crawls["site"], crawls["faulted"]
    gone = sorted(site.url(p) for p, (_, outcome) in faulted.items() if outcome == "gone")
    d = diff(archive, "run1", "run2")
    assert d["removed"] == gone, d                              # 404 and 410 only
    kept = {r["url"] for r in iter_snapshot(archive, as_of="run2")}
    assert kept == set(site.article_urls) - set(gone)          # (and run1's two failed ones, archived now)
    manifest = read_json(L.run_dir(archive, "run2") / L.MANIFEST)
    # a whole view of the site: the sitemap was read; what failed was sighted, not dropped
    assert manifest["status"] == "finished" and manifest["complete"] is True, manifest.get("partial")
    run2 = crawls["runs"][1]
    assert run2.stat("newsarchive/revisits_failed_kept") + run2.stat("newsarchive/revisits_kept_not_archived") >= 1
    counted = {k.rsplit("/", 1)[1]: v for k, v in manifest["crawl_stats"].items() if k.startswith("newsarchive/failures/")}
    assert counted["redirect_loop"] == 2 and counted["retry_after"] == 2 and counted["http_4xx"] == 2, counted


def test_a_redirect_to_another_port_fetches_nothing_there_not_even_robots_txt(crawls):
    assert sum(crawls["site"].other_hits.values()) == 0, crawls["site"].other_hits


def test_retry_after_is_bounded_and_never_retried_behind_its_back(crawls):
    hits, faulted = crawls["hits2"], crawls["faulted"]
    by_fault = {json.dumps(f): hits[p] for p, (f, _) in faulted.items()}
    assert by_fault[json.dumps(("retry_after", {"seconds": 599}))] == 1   # over the cap: given up at once
    assert by_fault[json.dumps(("retry_after", {"seconds": 1}))] == 2     # one wait (NEWSARCHIVE_RETRY_AFTER_TIMES=1)


def test_a_discovery_document_that_fails_makes_the_run_partial_and_removes_nothing(crawls):
    archive, run3 = crawls["archive"], crawls["runs"][2]
    assert run3.stat("newsarchive/discovery/documents_failed") == 1
    assert [k for k, u, _ in run3.failures if u.endswith("/sitemap.xml")] == ["too_large"]
    manifest = read_json(L.run_dir(archive, "run3") / L.MANIFEST)
    assert manifest["complete"] is False and any("discovery document" in r for r in manifest["partial"])
    assert diff(archive, "run2", "run3")["removed"] == []


def test_a_sitemap_with_a_custom_entity_is_read_to_its_end(crawls):
    archive, site, run4 = crawls["archive"], crawls["site"], crawls["runs"][3]
    assert run4.finish_reason == "finished"
    assert run4.stat("newsarchive/revisits") == len(site.articles)     # every URL of the sitemap (10 before)
    assert run4.stat("newsarchive/discovery/documents_failed") == 0
    assert diff(archive, "run3", "run4")["removed"] == []
    snap = {r["url"] for r in iter_snapshot(archive, as_of="run4")}
    assert snap == set(site.article_urls)                  # (the two gone in run2 are back: served again)
    assert read_json(L.run_dir(archive, "run4") / L.MANIFEST)["complete"] is True


def test_an_outlet_on_a_self_signed_certificate_is_crawled(tmp_path):
    """Scrapy does not verify certificates (its default, kept: an archive of what the site serves); the
    crawl works over TLS and the capture says https."""
    with FaultSite(tls=True) as site:
        crawl = run_spider("outlet", local_crawl_settings(tmp_path / "archive"), start_urls=[site.base + "/"])
    assert crawl.finish_reason == "finished" and crawl.failures == []
    urls = {r["url"] for r in iter_snapshot(tmp_path / "archive")}
    assert urls == set(site.article_urls) and all(u.startswith("https://") for u in urls)


def test_a_tls_handshake_that_fails_is_a_counted_failure_and_a_partial_run(tmp_path):
    with FaultSite() as site:                  # plain HTTP: a TLS client gets no handshake
        https = site.base.replace("http://", "https://")
        crawl = run_spider("outlet", local_crawl_settings(tmp_path / "archive", RETRY_TIMES=0),
                           start_urls=[https + "/"])
    kinds = {kind for kind, url, _ in crawl.failures if url.startswith(https)}
    assert kinds == {"tls", "no_articles"}, crawl.failures          # the home page; then nothing to crawl
    assert crawl.stat("newsarchive/fetch_errors") >= 1
    manifest = read_json(next((tmp_path / "archive" / "runs").iterdir()) / L.MANIFEST)
    assert manifest["complete"] is False


def test_a_retry_after_storm_is_bounded_by_the_outlets_budget(tmp_path):
    """Every article answers 503 with Retry-After: 1. With a budget of 2 s of waits for the outlet,
    two waits happen in all; every other answer fails at once, and every article is counted."""
    with FaultSite() as site:
        for path in site.articles:
            site.fault(path, "retry_after", seconds=1)
        crawl = run_spider("outlet", local_crawl_settings(tmp_path / "archive", NEWSARCHIVE_RETRY_AFTER_BUDGET=2,
                                                          CONCURRENT_REQUESTS_PER_DOMAIN=1),
                           start_urls=[site.base + "/"])
        hits = sum(site.hits[p] for p in site.articles)
    assert crawl.finish_reason == "finished"
    assert crawl.stat("newsarchive/failures/retry_after") == len(site.articles), crawl.failures
    assert crawl.stat("newsarchive/retry_wait_seconds") == 2
    assert hits == len(site.articles) + 2
