"""`newsarchive crawl`: arguments, help, clear errors (the crawl itself runs in test_crawl_outlet.py)."""

import subprocess
import sys

from click.testing import CliRunner

from newsarchive.cli import main
from newsarchive.cli.crawl_cmd import resolve_targets, summarise


def test_help_has_an_example():
    r = CliRunner().invoke(main, ["crawl", "--help"])
    assert r.exit_code == 0 and "Example:" in r.output and "--allow-private-addresses" in r.output


def test_targets_resolve_to_registry_names_or_urls():
    assert resolve_targets(("lamdongtv.vn", "https://www.lamdongtv.vn/x", "https://tin.example.org/"), None, None) == [
        "lamdongtv.vn", "https://www.lamdongtv.vn/x", "https://tin.example.org/"]
    assert resolve_targets((), "Lâm Đồng", "newspaper") == ["baobinhthuan.com.vn", "baolamdong.vn", "baodaknong.org.vn"]


def test_user_errors_are_one_line_not_tracebacks(tmp_path):
    for args, message in [
        (["crawl", "lamdong"], "neither an outlet"),
        (["crawl"], "at least one TARGET"),
        # (a dead local target: were the check ever to regress, no real host is contacted)
        (["crawl", "http://127.0.0.1:9/", "--since", "07/06/2024"], "not a date"),
        (["crawl", "http://127.0.0.1:9/", "--since", "2024-07-01", "--until", "2024-06-01"], "after --until"),
        (["crawl", "ftp://x.vn/"], "only http"),
        (["crawl", "http://127.0.0.1:9/", "--revisit", "weekly"], "--revisit"),
        (["crawl", "--province", "Atlantis"], "no outlet"),
        # targets that are not crawlable URLs (every host here is a dead local one)
        (["crawl", "http://"], "'http://' has no host name"),
        (["crawl", "http://[::1"], "is not a valid URL"),
        (["crawl", "http://127.0.0.1:99999/"], "is not a valid URL"),
        (["crawl", "http://127.0.0.1 :9/"], "spaces in its host name"),
        (["crawl", "http://127.0.0.1:9/\nx"], "control characters"),
        # settings whose values Scrapy or newsarchive would choke on
        (["crawl", "http://127.0.0.1:9/", "-s", "NEWSARCHIVE_REVISIT=bad"], "setting NEWSARCHIVE_REVISIT='bad': revisit rule"),
        (["crawl", "http://127.0.0.1:9/", "-s", "CONCURRENT_REQUESTS=abc"], "CONCURRENT_REQUESTS='abc': not a whole number"),
        (["crawl", "http://127.0.0.1:9/", "-s", "CONCURRENT_REQUESTS=0"], "must be 1 or more"),
        (["crawl", "http://127.0.0.1:9/", "-s", "RETRY_TIMES=2.5"], "not a whole number"),
        (["crawl", "http://127.0.0.1:9/", "-s", "DOWNLOAD_DELAY=soon"], "DOWNLOAD_DELAY='soon': not a number"),
        (["crawl", "http://127.0.0.1:9/", "-s", "ROBOTSTXT_OBEY=maybe"], "not true or false"),
        (["crawl", "http://127.0.0.1:9/", "-s", "LOG_LEVEL=LOUD"], "LOG_LEVEL='LOUD'"),
        (["crawl", "http://127.0.0.1:9/", "-s", "ITEM_PIPELINES=store"], "not a JSON object"),
        (["crawl", "http://127.0.0.1:9/", "-s", "NEWSARCHIVE_MAX_CRAWL_DELAY=-1"], "0 or more"),
        (["crawl", "http://127.0.0.1:9/", "-s", "=1"], "NAME=VALUE"),
    ]:
        r = CliRunner().invoke(main, [*args, "--archive", str(tmp_path / "a")])
        assert r.exit_code == 2, (args, r.output)
        assert message in r.output and "Traceback" not in r.output


def test_summary_lists_failures_with_urls():
    lines = summarise({"response_received_count": 10, "newsarchive/articles_archived": 7,
                       "newsarchive/fetch_errors": 1, "newsarchive/discovery/out_of_window": 4},
                      [("http_4xx", "https://x.vn/a-1.html", "HTTP 404")], "finished", 3.0)
    assert lines[0].startswith("Crawl finished in 3 s: 10 pages fetched, 7 articles archived, 1 fetch errors")
    assert any("out of window (not fetched) 4" in l for l in lines)
    assert any("https://x.vn/a-1.html" in l and "HTTP 404" in l for l in lines)


def _cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from newsarchive.cli import run; run()", *args],
                          capture_output=True, text=True, timeout=180, cwd=cwd)


def test_a_crawl_that_reaches_a_page_limit_it_was_given_exits_0(sample_site, tmp_path):
    """CLOSESPIDER_PAGECOUNT is a limit the user set: reaching it is a success (one rule, in newsarchive.crawler)."""
    done = _cli("crawl", sample_site + "/", "--archive", str(tmp_path / "a"), "--allow-private-addresses", "-q",
                "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
                "-s", "CLOSESPIDER_PAGECOUNT=6", cwd=tmp_path)
    assert "Crawl closespider_pagecount" in done.stderr, done.stderr[-2000:]
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr


def test_an_unknown_setting_name_is_a_warning(tmp_path):
    from newsarchive.crawler import check_settings

    assert check_settings({"DOWNLOAD_DELAY": "0.5", "CLOSESPIDER_PAGECOUNT": "6", "RETRY_HTTP_CODES": "500,503",
                           "NEWSARCHIVE_REVISIT": "1d=0", "AUTOTHROTTLE_ENABLED": False}) == []
    [warning] = check_settings({"DOWNLOAD_DELY": "2"})
    assert "DOWNLOAD_DELY" in warning and "typo" in warning


def test_a_crawl_scrapy_cannot_start_is_a_one_line_error(tmp_path):
    """What the checks before the crawl cannot know (here a pipeline that does not exist) is still one line."""
    done = _cli("crawl", "http://127.0.0.1:9/", "--archive", str(tmp_path / "a"), "-q",
                "-s", 'ITEM_PIPELINES={"no_such_module.Pipeline": 500}', cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "the crawl could not start" in done.stderr and "no_such_module" in done.stderr
    assert "Traceback" not in done.stderr
