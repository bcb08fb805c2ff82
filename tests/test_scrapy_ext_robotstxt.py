"""robots.txt that cannot be fetched: one warning line and a counter, never a traceback; otherwise Scrapy's rules.

Every crawl here targets 127.0.0.1 only: a dead port is a socket bound but not listening (connections
to it are refused), so no other process can answer on it while the test runs.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys

import pytest
import scrapy
from scrapy.exceptions import DownloadTimeoutError

from crawling import run_spider
from newsarchive.scrapy_ext.robotstxt import UNAVAILABLE_STAT, unavailable_message

SCRAPYS = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"
OURS = "newsarchive.scrapy_ext.robotstxt.RobotsTxtMiddleware"


@pytest.fixture
def dead_port():
    """A 127.0.0.1 port that refuses connections (bound, never listening) for the whole test."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    yield s.getsockname()[1]
    s.close()


def test_a_crawl_of_a_dead_outlet_says_in_one_line_that_robots_txt_could_not_be_fetched(dead_port, tmp_path):
    base = f"http://127.0.0.1:{dead_port}"
    done = subprocess.run([sys.executable, "-c", "from newsarchive.cli import run; run()", "crawl", base + "/",
                           "--archive", str(tmp_path / "a"), "--allow-private-addresses", "-q",
                           "-s", "ROBOTSTXT_OBEY=True", "-s", "RETRY_TIMES=0",
                           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"],
                          capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = [l for l in done.stderr.splitlines() if "robots.txt of" in l]
    assert len(lines) == 1, done.stderr[-3000:]
    assert (f"WARNING newsarchive.scrapy_ext.robotstxt: robots.txt of {base} could not be fetched "
            f"(connection: Connection was refused") in lines[0]
    assert lines[0].endswith(f"crawling {base} as if robots.txt allowed everything (not asked for again in this crawl)")
    # the outlet itself is still tried (robots.txt allows everything now) and its failure reported
    assert done.returncode == 1, done.stderr[-3000:]
    assert "0 articles archived, 1 fetch errors" in done.stderr
    assert re.search(rf"^\s+connection\s+{re.escape(base)}/\s+\(Connection was refused", done.stderr, re.M), \
        done.stderr[-3000:]


class Probe(scrapy.Spider):
    """Asks for the URLs it is given, all at once; notes which were fetched and which failed."""

    name = "robots_probe"

    def __init__(self, urls=(), **kwargs):
        super().__init__(**kwargs)
        self.urls = list(urls)

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.fetched, errback=self.failed, dont_filter=True)

    def fetched(self, response):
        self.crawler.stats.inc_value("probe/fetched")

    def failed(self, failure):
        self.crawler.stats.inc_value(f"probe/failed/{type(failure.value).__name__}")


def _probe(urls, tmp_path, middlewares=None):
    settings = {"ARCHIVE_DIR": str(tmp_path / "archive"), "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True,
                "RETRY_TIMES": 0, "ROBOTSTXT_OBEY": True,
                "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0}
    if middlewares is not None:
        settings["DOWNLOADER_MIDDLEWARES"] = middlewares
    crawl = run_spider(Probe, settings, urls=urls)
    assert crawl.finish_reason == "finished"
    return crawl


def test_after_the_failure_the_host_is_crawled_as_scrapy_would_and_the_failure_is_counted(dead_port, tmp_path):
    """Two pages of a dead host asked for at once: robots.txt is asked for once, both pages are then
    tried (and fail to connect), the same robotstxt/* stats as Scrapy's own middleware, plus ours."""
    urls = [f"http://127.0.0.1:{dead_port}/a.html", f"http://127.0.0.1:{dead_port}/b.html"]
    ours = _probe(urls, tmp_path / "ours")
    scrapys = _probe(urls, tmp_path / "scrapys", middlewares={OURS: None, SCRAPYS: 100})

    assert ours.stat(UNAVAILABLE_STAT) == 1
    assert scrapys.stat(UNAVAILABLE_STAT) == 0            # (the comparison run really used Scrapy's)
    robots = {k: v for k, v in ours.stats.items() if k.startswith("robotstxt/")}
    assert robots == {k: v for k, v in scrapys.stats.items() if k.startswith("robotstxt/")}
    assert robots["robotstxt/request_count"] == 1
    assert robots["robotstxt/exception_count/<class 'scrapy.exceptions.DownloadConnectionRefusedError'>"] == 1
    for crawl in (ours, scrapys):
        assert crawl.stat("probe/failed/DownloadConnectionRefusedError") == 2   # tried, not refused by robots
        assert crawl.stat("probe/failed/IgnoreRequest") == 0


def test_a_robots_txt_that_is_there_is_still_obeyed(http_server, tmp_path):
    site = tmp_path / "site"
    (site / "private").mkdir(parents=True)
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    (site / "open.html").write_text("<html><body>open</body></html>")
    (site / "private" / "x.html").write_text("<html><body>private</body></html>")
    base = http_server(site)
    crawl = _probe([base + "/open.html", base + "/private/x.html"], tmp_path)
    assert crawl.stat("probe/fetched") == 1
    assert crawl.stat("probe/failed/IgnoreRequest") == 1
    assert crawl.stat("robotstxt/forbidden") == 1
    assert crawl.stat("robotstxt/request_count") == 1
    assert crawl.stat(UNAVAILABLE_STAT) == 0


def test_the_line_names_the_kind_of_failure_and_a_reason_even_when_the_exception_has_no_message():
    line = unavailable_message("https://x.vn", DownloadTimeoutError(""))
    assert line.startswith("robots.txt of https://x.vn could not be fetched (timeout: DownloadTimeoutError); ")
    assert "\n" not in unavailable_message("https://x.vn", OSError("two\nlines"))
    assert "was fetched but could not be read" in unavailable_message("https://x.vn", ValueError("bad"), fetched=True)
