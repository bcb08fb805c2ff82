"""Every response of the crawl into the run's WARC file, whatever becomes of it (thin Scrapy glue).

- `CaptureMiddleware`, a downloader middleware next to the downloader (950: after every other
  middleware's ``process_request``, so the request record has the headers really sent; before
  every other ``process_response``, so it sees each response as received): robots.txt (also the
  requests Scrapy's RobotsTxtMiddleware makes itself), sitemaps, feeds, home and listing pages,
  each redirect (3xx) before RedirectMiddleware follows it, each 4xx/5xx (also those
  RetryMiddleware retries), pages that turn out not to be articles. It hands each exchange to the
  store pipeline (`StorePipeline.capture_exchange`), which writes it in a thread, and keeps the
  `CaptureHandle` of the request's capture (`StorePipeline.handles`, keyed weakly by the request
  object: nothing is added to ``request.meta``, which a JOBDIR queue must be able to pickle and
  which redirects and retries copy). The spider knows nothing of it.
- `CaptureClaimMiddleware`, a spider middleware: a page item the callback yields for a response
  (a dict with ``body`` and ``status``: see `newsarchive.page`) takes that response's handle
  (``capture_pending``) and its fetch time, so the record written for it points at exactly its
  capture (`Article.capture`) and is dated as the capture is.

Without a store pipeline (``scrapy check``, a project without it) both do nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import signals

from newsarchive.archive.exchange import page_from_exchange

CAPTURE_KEY = "capture_pending"   # in a page item: the CaptureHandle of its response

# sent by the store pipeline once its run is open: archive_opened(store=StorePipeline)
archive_opened = object()


class CaptureHandle:
    """The pending capture of one response: `wait()` gives its `Capture` pointer (or raises why not)."""

    __slots__ = ("fetched_at", "done", "result", "error", "_waiters")

    def __init__(self, fetched_at: str | None):
        self.fetched_at = fetched_at
        self.done = False
        self.result = None
        self.error: BaseException | None = None
        self._waiters: list = []

    def set(self, result) -> None:
        self.done, self.result = True, result
        waiters, self._waiters = self._waiters, []
        for d in waiters:
            d.callback(result)

    def fail(self, error: BaseException) -> None:
        self.done, self.error = True, error
        waiters, self._waiters = self._waiters, []
        for d in waiters:
            d.errback(error)

    async def wait(self):
        if not self.done:
            from scrapy.utils.defer import maybe_deferred_to_future
            from twisted.internet.defer import Deferred

            d: Deferred = Deferred()
            self._waiters.append(d)
            return await maybe_deferred_to_future(d)
        if self.error is not None:
            raise self.error
        return self.result

    def __repr__(self) -> str:   # items are logged: keep it short
        return f"<capture {'done' if self.done else 'pending'}>"


def role_of(request) -> str | None:
    """What the crawl fetched the URL as: the request's ``role`` meta if the spider set one, else
    "robots" for a robots.txt."""
    role = request.meta.get("role")
    if role:
        return str(role)
    return "robots" if urlsplit(request.url).path == "/robots.txt" else None


class CaptureMiddleware:
    """Downloader middleware: every response, as received, to the run's WARC file (see the module doc)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = None
        crawler.signals.connect(self._opened, signal=archive_opened)
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _opened(self, store, **kwargs) -> None:
        self.store = store

    def _closed(self, **kwargs) -> None:
        self.store = None

    def process_response(self, request, response, spider=None):
        store = self.store
        if store is not None:
            page = page_from_exchange(request, response)
            store.handles[request] = store.capture_exchange(page, role=role_of(request))
        return response


def _is_page_item(item: Any) -> bool:
    return isinstance(item, dict) and item.get("body") is not None and item.get("status") is not None


class CaptureClaimMiddleware:
    """Spider middleware: a page item takes the capture of the response it was made from."""

    def __init__(self, crawler):
        self.store = None
        crawler.signals.connect(self._opened, signal=archive_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _opened(self, store, **kwargs) -> None:
        self.store = store

    def _claim(self, response, item) -> None:
        if self.store is None or response is None or not _is_page_item(item):
            return
        request = getattr(response, "request", None)
        handle = self.store.handles.get(request) if request is not None else None
        if handle is not None and "capture" not in item and CAPTURE_KEY not in item:
            item[CAPTURE_KEY] = handle
            if handle.fetched_at:
                item["fetched_at"] = handle.fetched_at   # the time the response arrived, as in the WARC

    def process_spider_output(self, response, result, spider=None):
        for item in result:
            self._claim(response, item)
            yield item

    async def process_spider_output_async(self, response, result, spider=None):
        async for item in result:
            self._claim(response, item)
            yield item
