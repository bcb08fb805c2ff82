"""Naming a failed fetch (newsarchive.scrapy_ext.failures) from the exceptions Scrapy and Twisted raise,
and a real crawl of a host name that does not resolve, counted as a DNS failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import scrapy.exceptions
from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as tx
from twisted.internet.interfaces import IHostnameResolver
from twisted.web.client import ResponseFailed
from zope.interface import implementer

from newsarchive.scrapy_ext.failures import GAVE_UP, Refused, describe_failure, failure_kind, refusal

TESTS = Path(__file__).parent


def _scrapy(name: str) -> type[BaseException]:
    """An exception class of scrapy.exceptions (the newer download handlers raise them); skip if this
    Scrapy has none of that name (it raises Twisted's, tested below)."""
    cls = getattr(scrapy.exceptions, name, None)
    if cls is None:
        pytest.skip(f"scrapy.exceptions.{name} is not in this Scrapy version")
    return cls


@pytest.mark.parametrize("name, args, kind", [
    ("CannotResolveHostError", ("DNS lookup failed: no results for hostname lookup: nothing.invalid.",), "dns"),
    ("DownloadTimeoutError", ("Getting http://a.vn/ took longer than 30.0 seconds.",), "timeout"),
    ("ResponseDataLossError", (), "truncated"),
    ("DownloadConnectionRefusedError", ("Connection was refused by other side",), "connection"),
    ("DownloadFailedError", ("[<twisted.python.failure.Failure ConnectionLost>]",), "connection"),
])
def test_scrapys_own_download_exceptions_are_named(name, args, kind):
    assert failure_kind(_scrapy(name)(*args)) == kind


def test_a_response_over_download_maxsize_is_too_large():
    # what Scrapy's HTTP/1.1 handler raises when Content-Length is over DOWNLOAD_MAXSIZE
    from scrapy.http import Request
    from scrapy.utils._download_handlers import get_maxsize_msg

    exc = _scrapy("DownloadCancelledError")(get_maxsize_msg(30_000_000, 20_971_520, Request("http://a.vn/"),
                                                            expected=True))
    assert failure_kind(exc) == "too_large"


@pytest.mark.parametrize("exc, kind", [
    (tx.DNSLookupError("no results for hostname lookup: nothing.invalid"), "dns"),
    (tx.TimeoutError(), "timeout"),
    (tx.TCPTimedOutError(), "timeout"),
    (ResponseFailed([]), "truncated"),
    (tx.ConnectionRefusedError(), "connection"),
    (tx.ConnectionLost(), "connection"),
    (IgnoreRequest("Forbidden by robots.txt"), "refused"),
    (ValueError("something else"), "other"),
])
def test_twisteds_exceptions_are_named(exc, kind):
    assert failure_kind(exc) == kind


def test_an_http_status_names_its_class():
    assert failure_kind(IgnoreRequest("Ignoring non-200 response"), 404) == "http_4xx"
    assert failure_kind(IgnoreRequest("Ignoring non-200 response"), 503) == "http_5xx"


# --- refusals and failures that are both IgnoreRequest ------------------------------------------------

def _scrapy_middleware(cls, **settings):
    from scrapy.utils.test import get_crawler

    from spiders.outlet import OutletSpider

    crawler = get_crawler(OutletSpider, settings)
    crawler.spider = crawler._create_spider(target="http://127.0.0.1:1/")
    return cls.from_crawler(crawler)


def test_a_redirect_loop_scrapy_gives_up_on_is_a_failure_not_a_refusal():
    from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
    from scrapy.http import Request, Response

    mw = _scrapy_middleware(RedirectMiddleware, REDIRECT_MAX_TIMES=3)
    request = Request("http://127.0.0.1:1/a.html")
    with pytest.raises(IgnoreRequest) as caught:
        for _ in range(10):     # A -> B -> A -> ... until Scrapy's RedirectMiddleware stops
            target = "/b.html" if request.url.endswith("/a.html") else "/a.html"
            request = mw.process_response(request, Response(request.url, status=302,
                                                            headers={"Location": target}, request=request))
    assert refusal(caught.value) is None
    assert failure_kind(caught.value) == "redirect_loop"
    assert describe_failure(caught.value) == ("redirect_loop", "max redirections reached")


def test_a_gzip_bomb_scrapy_drops_is_a_too_large_failure_not_a_refusal():
    import gzip

    from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
    from scrapy.http import HtmlResponse, Request

    mw = _scrapy_middleware(HttpCompressionMiddleware, DOWNLOAD_MAXSIZE=1_000_000)
    bomb = gzip.compress(b"\0" * 20_000_000, 9)            # 20 MB of zeros in about 20 KB
    request = Request("http://127.0.0.1:1/bai.html")
    response = HtmlResponse(request.url, body=bomb, request=request,
                            headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
    with pytest.raises(IgnoreRequest) as caught:
        mw.process_response(request, response)
    assert refusal(caught.value) is None
    assert failure_kind(caught.value) == "too_large"


@pytest.mark.parametrize("exc, kind", [
    (Refused("offsite", "not on the outlet's domains"), "offsite"),
    (Refused("offsite_redirect", "redirect from http://a.vn/ leaves the outlet"), "offsite_redirect"),
    (Refused("private_address", "127.0.0.1 is a loopback address"), "private_address"),
    (Refused("already_archived", "already archived"), "already_archived"),
    (IgnoreRequest("Forbidden by robots.txt"), "robots_txt"),
    (IgnoreRequest("Filtered offsite request to 'b.vn'"), "offsite"),
])
def test_refusals_are_told_apart_by_kind(exc, kind):
    assert refusal(exc) == kind
    assert failure_kind(exc) == "refused"


def test_an_ignore_request_of_unknown_meaning_is_a_failure_and_an_http_error_is_never_a_refusal():
    from scrapy.http import Request, Response
    from scrapy.spidermiddlewares.httperror import HttpError

    unknown = IgnoreRequest("a component we do not know gave up")
    assert refusal(unknown) is None and failure_kind(unknown) == "ignored"
    error = HttpError(Response("http://a.vn/", status=503, request=Request("http://a.vn/")), "Ignoring non-200 response")
    assert refusal(error) is None and failure_kind(error, 503) == "http_5xx"


def test_a_failure_a_middleware_gave_up_on_keeps_its_kind_and_reason():
    meta = {GAVE_UP: ("retry_after", "HTTP 503: asks to retry after 599 s, over the 120 s cap")}
    assert describe_failure(IgnoreRequest("Ignoring non-200 response"), 503, meta) == meta[GAVE_UP]
    kind, reason = describe_failure(tx.TimeoutError("took too long"), None, {})
    assert kind == "timeout" and "took too long" in reason


# --- a real crawl -------------------------------------------------------------------------------------

@implementer(IHostnameResolver)
class NoSuchNames:
    """A name resolver that knows no name: every lookup ends with no address, which is what a DNS server
    answers for a name under the reserved .invalid TLD (RFC 6761), but without asking one: the system
    resolver would send the query to the machine's name server, and tests stay on the machine.

    Given to the crawl as NEWSARCHIVE_DNS_RESOLVER (the resolver newsarchive's private-address guard
    wraps), so everything above it is real: the guard, ScopeMiddleware's lookup, Twisted's connection
    attempt, Scrapy's download handler and its exception, RetryMiddleware, the spider's errback."""

    def __init__(self, reactor):
        self.reactor = reactor

    @classmethod
    def from_crawler(cls, crawler, reactor):
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(self, resolutionReceiver, hostName, portNumber=0, addressTypes=None,
                        transportSemantics="TCP"):
        from scrapy.resolver import HostResolution

        resolution = HostResolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        resolutionReceiver.resolutionComplete()
        return resolution


def test_a_host_that_does_not_resolve_is_a_dns_failure(tmp_path):
    url = "http://nothing.invalid/"
    done = subprocess.run(
        [sys.executable, "-c", "from newsarchive.cli import run; run()", "crawl", url,
         "--archive", str(tmp_path / "archive"),
         "-s", f"NEWSARCHIVE_DNS_RESOLVER={__name__}.NoSuchNames",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"PYTHONPATH": str(TESTS), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 1, done.stderr[-3000:]          # nothing archived, the fetch failed
    failures = [line.split() for line in done.stderr.splitlines() if line.startswith("  ") and url in line]
    assert failures and failures[0][:2] == ["dns", url], done.stderr[-3000:]
    assert "DNS lookup failed" in done.stderr


def test_pages_over_download_maxsize_are_too_large(sample_site, crawl_settings):
    """Every page of the sample site over DOWNLOAD_MAXSIZE (all of them articles) is one too_large failure."""
    from crawling import run_spider
    from newsarchive.samples.server import SAMPLE_SITE

    limit = 100_000
    over = [f for f in Path(SAMPLE_SITE).rglob("*") if f.is_file() and f.stat().st_size > limit]
    assert len(over) >= 5 and all(f.parent.name == "bai-viet" for f in over)
    crawl = run_spider("outlet", {**crawl_settings, "DOWNLOAD_MAXSIZE": limit}, start_urls=[sample_site + "/"])
    assert crawl.stat("newsarchive/failures/too_large") == len(over), crawl.stats
    assert crawl.stat("newsarchive/failures/other") == 0, crawl.stats
    assert crawl.items and all(len(item["body"]) <= limit for item in crawl.items)


def test_a_page_sent_in_chunks_growing_over_download_maxsize_is_too_large(tmp_path):
    """No Content-Length: Scrapy finds out while reading the body and cancels the download (no message)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from crawling import run_spider

    article = "/bai-viet/mot-bai-viet-rat-dai-20260307075519174.htm"

    class Chunked(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/":
                body = f'<html><body><h2><a href="{article}">Một bài viết dài</a></h2></body></html>'.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif self.path == article:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"<p>" + "Đoạn văn rất dài. ".encode() * 400 + b"</p>"
                try:
                    for _ in range(40):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:       # the crawler hung up once the body was over its limit
                    pass
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Chunked)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = {"ARCHIVE_DIR": str(tmp_path / "archive"), "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True,
                    "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "DOWNLOAD_MAXSIZE": 100_000}
        crawl = run_spider("outlet", settings, start_urls=[f"http://127.0.0.1:{server.server_address[1]}/"])
    finally:
        server.shutdown()
        server.server_close()
    assert crawl.stat("newsarchive/failures/too_large") == 1, crawl.stats
    assert crawl.stat("newsarchive/failures/other") == 0, crawl.stats


def test_a_failed_tls_handshake_is_tls_not_connection():
    from twisted.python.failure import Failure

    wrapped = _scrapy("DownloadFailedError")(
        "[<twisted.python.failure.Failure OpenSSL.SSL.Error: [('SSL routines', '', 'wrong version number')]>]")
    assert failure_kind(wrapped) == "tls"
    assert failure_kind(ResponseFailed([Failure(tx.ConnectionLost())])) == "truncated"   # not every failure is TLS
