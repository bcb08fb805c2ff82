"""The meta-refresh pre-check (newsarchive/scrapy_ext/metarefresh.py) decides exactly as Scrapy's own
MetaRefreshMiddleware, on pages with and without a refresh, in several charsets."""

from __future__ import annotations

import pytest
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefresh
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from newsarchive.scrapy_ext.metarefresh import MetaRefreshMiddleware, may_refresh

URL = "http://127.0.0.1:9/bai-viet-1234567.html"
FILLER = "<p>Đà Lạt đón mùa hoa dã quỳ nở rộ khắp các triền đồi.</p>" * 50
REFRESH = '<meta http-equiv="{case}" content="0; url=/tin-moi-7654321.html">'

PAGES = {
    "no refresh": ("utf-8", f"<html><head><title>Tin</title></head><body>{FILLER}</body></html>"),
    "refresh": ("utf-8", f"<html><head>{REFRESH.format(case='refresh')}</head><body>{FILLER}</body></html>"),
    "REFRESH upper case": ("utf-8", f"<html><head>{REFRESH.format(case='REFRESH')}</head><body>x</body></html>"),
    "refresh after a long head": ("utf-8", f"<html><head><!-- {'x' * 3000} -->{REFRESH.format(case='Refresh')}</head></html>"),
    "refresh past 4096 characters": ("utf-8", f"<html><body>{FILLER * 3}{REFRESH.format(case='refresh')}</body></html>"),
    "refresh in windows-1258": ("windows-1258", f"<html><head>{REFRESH.format(case='refresh')}</head><body>Đà</body></html>"),
    "refresh in utf-16": ("utf-16", f"<html><head>{REFRESH.format(case='refresh')}</head><body>Lâm Đồng</body></html>"),
    "word 'refresh' in text only": ("utf-8", f"<html><body><p>refresh</p>{FILLER}</body></html>"),
    "refresh inside a script (Scrapy ignores it)": ("utf-8", f"<html><head><script>{REFRESH.format(case='refresh')}</script></head></html>"),
}


def build(cls):
    return cls.from_crawler(get_crawler())


def outcome(result):
    return ("request", result.url) if isinstance(result, Request) else ("response", result.url)


@pytest.mark.parametrize("name", list(PAGES))
def test_same_decision_as_scrapys_middleware(name):
    encoding, html = PAGES[name]
    body = html.encode(encoding)
    ours = build(MetaRefreshMiddleware)
    theirs = build(ScrapyMetaRefresh)

    def response():
        return HtmlResponse(URL, body=body, headers={"Content-Type": f"text/html; charset={encoding}"},
                            request=Request(URL))

    assert outcome(ours.process_response(Request(URL), response())) == \
        outcome(theirs.process_response(Request(URL), response())), name


def test_a_refresh_is_still_followed():
    _enc, html = PAGES["refresh"]
    result = build(MetaRefreshMiddleware).process_response(
        Request(URL), HtmlResponse(URL, body=html.encode(), encoding="utf-8", request=Request(URL)))
    assert isinstance(result, Request) and result.url.endswith("/tin-moi-7654321.html")


def test_precheck_reads_bytes_only():
    assert not may_refresh(PAGES["no refresh"][1].encode())
    assert may_refresh(PAGES["REFRESH upper case"][1].encode())
    assert may_refresh("<html>".encode("utf-16"))          # NUL bytes: left to Scrapy's full decode
    assert not may_refresh(b"<html>" + b" " * 20000 + b"refresh")   # beyond any 4096 characters


def test_pages_that_are_not_html_pass():
    response = Response(URL, body=b"refresh", request=Request(URL))
    assert build(MetaRefreshMiddleware).process_response(Request(URL), response) is response


def test_the_crawl_uses_it_in_place_of_scrapys():
    from newsarchive.crawler import crawl_settings

    mws = crawl_settings().getdict("DOWNLOADER_MIDDLEWARES")
    assert mws["scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"] is None
    assert mws["newsarchive.scrapy_ext.metarefresh.MetaRefreshMiddleware"] == 580
