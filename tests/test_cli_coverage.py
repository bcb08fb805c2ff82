"""`newsarchive coverage`: the coverage account a real crawl of a zoo site kept, printed and as JSON."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawling import run_spider
from newsarchive.cli import main
from sitezoo import OutsideSite, ZooSite

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """An archive of two crawls: a site whose sitemap index has a failing child, and a trap site."""
    tmp = tmp_path_factory.mktemp("coverage")
    outside = OutsideSite("127.0.0.8")
    sites = [ZooSite("sitemap_child_fails", host="127.0.0.40", outside=outside.base),
             ZooSite("traps", host="127.0.0.41", outside=outside.base)]
    archive = tmp / "archive"
    try:
        for site in sites:
            site.start()
            run_spider("outlet", {"ARCHIVE_DIR": str(archive), "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True,
                                  "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "RETRY_TIMES": 0},
                       target=site.start_url)
    finally:
        for site in sites:
            site.stop()
        outside.stop()
    return archive, sites


def test_help_has_an_example():
    res = CliRunner().invoke(main, ["coverage", "--help"])
    assert res.exit_code == 0 and "Example:" in res.output


def test_coverage_says_what_each_source_found_and_why_a_run_is_not_whole(crawled):
    archive, (failing, traps) = crawled
    res = CliRunner().invoke(main, ["coverage", str(archive)])
    assert res.exit_code == 0, res.output
    out = res.output
    failing_host, traps_host = failing.host, traps.host
    assert f"{failing_host}  (run " in out and f"{traps_host}  (run " in out
    block = out.split(f"{failing_host}  (run ")[1].split(f"{traps_host}  (run ")[0]
    assert "not seen whole" in block and "1 discovery document(s) failed" in block
    assert "/sitemaps/2.xml (HTTP 500)" in block
    assert "12 archived" in block and "sitemaps" in block and "listings" in block
    trap_block = out.split(f"{traps_host}  (run ")[1]
    assert "traps cut:" in trap_block and "calendar" in trap_block and "endless pagination" in trap_block


def test_coverage_json_and_site_filter(crawled):
    archive, (failing, _traps) = crawled
    res = CliRunner().invoke(main, ["coverage", str(archive), "--site", failing.host, "--json"])
    assert res.exit_code == 0, res.output
    (report,) = json.loads(res.output)
    assert report["outlet"] == failing.host and report["whole_site"] is False
    assert report["sources"]["sitemap"]["found"] == 6 and report["sources"]["listing"]["found"] == 12
    assert report["articles"]["archived"] == 12 and report["run_status"] == "finished"


def test_coverage_of_what_is_not_an_archive_or_an_unknown_site_is_one_clear_line(crawled, tmp_path):
    archive, _sites = crawled
    res = CliRunner().invoke(main, ["coverage", str(tmp_path)])
    assert res.exit_code == 1 and "not an archive" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["coverage", str(archive), "--site", "baolamdong.vn"])
    assert res.exit_code == 1 and "no run" in res.output and "baolamdong.vn" in res.output
