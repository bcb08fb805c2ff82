"""newsarchive.crawler: what a crawl's close reason and stats mean (one rule for the CLI and for Python)."""

from __future__ import annotations

import pytest

from newsarchive.crawler import OK_REASONS, CrawlResult


@pytest.mark.parametrize("reason", ["finished", "closespider_itemcount", "closespider_pagecount", "closespider_timeout"])
def test_a_crawl_that_ran_out_of_work_or_reached_its_limit_is_ok(reason):
    result = CrawlResult({"newsarchive/articles_archived": 3}, reason)
    assert result.ok and not result.stopped and result.exit_status == 0


def test_a_stopped_crawl_is_resumable_not_ok():
    result = CrawlResult({"newsarchive/articles_archived": 3}, "shutdown")
    assert result.stopped and not result.ok and result.exit_status == 1


@pytest.mark.parametrize("reason", [None, "archive_error", "disk_full", "closespider_errorcount",
                                    "closespider_timeout_no_item", "start_error", "cancelled"])
def test_other_close_reasons_are_failures(reason):
    result = CrawlResult({"newsarchive/articles_archived": 3}, reason)
    assert not result.ok and not result.stopped and result.exit_status == 1
    assert reason not in OK_REASONS


def test_a_finished_crawl_that_archived_nothing_because_fetches_failed_fails():
    failed = CrawlResult({"newsarchive/fetch_errors": 4}, "finished", [("dns", "https://x.vn/", "DNS lookup failed")])
    assert failed.ok and failed.achieved_nothing and failed.exit_status == 1
    # nothing new because everything was archived before: a success
    again = CrawlResult({"newsarchive/fetch_errors": 1, "newsarchive/skipped/already_archived": 9}, "finished")
    assert again.exit_status == 0
    # nothing to do and nothing failed (an empty window): a success
    assert CrawlResult({}, "finished").exit_status == 0


def test_the_cli_uses_the_library_rule():
    import newsarchive.cli.crawl_cmd as crawl_cmd

    assert not hasattr(crawl_cmd, "OK_REASONS"), "one list of OK close reasons, in newsarchive.crawler"
