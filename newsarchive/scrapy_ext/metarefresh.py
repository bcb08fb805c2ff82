"""Meta-refresh redirects, without decoding every page to find out there are none.

Scrapy's MetaRefreshMiddleware decodes the whole body of every HTML response (``response.text``) to
look at its first 4096 characters. On 270 KB news pages that decode was the largest single cost in
the crawl process's downloader chain. A ``<meta http-equiv="refresh">`` within the first 4096
characters lies within the first 4 x 4096 bytes in any ASCII-compatible encoding (UTF-8 spends at most
4 bytes a character; Vietnamese legacy charsets one or two), so a page whose first 16 KB hold no
"refresh" (in any letter case) has none, and passes untouched. Everything else, including pages in
UTF-16/32 (NUL bytes), goes through Scrapy's own middleware, which decides exactly as before.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefreshMiddleware
from scrapy.http import HtmlResponse

from newsarchive.scrapy_ext.redirect import LoopCheck

SCAN_BYTES = 4 * 4096   # Scrapy reads the first 4096 characters; at most 4 bytes each


def may_refresh(body: bytes) -> bool:
    """Whether the start of an HTML body may hold a meta refresh (False only when it surely does not)."""
    head = body[:SCAN_BYTES]
    return b"\x00" in head or b"refresh" in head.lower()


class MetaRefreshMiddleware(LoopCheck, ScrapyMetaRefreshMiddleware):
    """Scrapy's meta-refresh middleware behind a byte-level pre-check (settings as Scrapy's: METAREFRESH_*);
    a refresh back into its own redirect chain is a failure (``newsarchive.scrapy_ext.redirect``)."""

    def process_response(self, request, response, spider=None):
        if isinstance(response, HtmlResponse) and not may_refresh(response.body):
            return response
        if spider is None:   # Scrapy 2.13+ passes no spider (and warns when one is passed on)
            return super().process_response(request, response)
        return super().process_response(request, response, spider)
