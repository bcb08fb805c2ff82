"""The outlet spider: navigation and fetching only; pipelines turn pages into records.

    scrapy crawl outlet -a target=https://lamdongtv.vn/

Follows links inside the outlet's own host(s) from the start URL (home -> category -> article pages),
up to `NEWSARCHIVE_MAX_DEPTH` link hops, and yields every HTML page it fetched as a *page item*
(see `newsarchive.page`); the extract pipeline decides which pages are articles.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import scrapy
from scrapy.http import HtmlResponse, Response
from scrapy.linkextractors import LinkExtractor

from newsarchive.discovery.classify import UrlClassifier
from newsarchive.page import page_item_from_response


class OutletSpider(scrapy.Spider):
    name = "outlet"

    def __init__(self, target: str | None = None, start_urls: list[str] | str | None = None, **kwargs):
        super().__init__(**kwargs)
        urls = start_urls or target
        if not urls:
            raise ValueError("give the outlet to crawl: -a target=https://example.vn/")
        if isinstance(urls, str):
            urls = [u for u in urls.split(",") if u.strip()]
        self.start_urls = [u if "://" in u else f"https://{u}" for u in urls]
        self.allowed_hosts = {urlsplit(u).hostname for u in self.start_urls}
        self.links = LinkExtractor(deny_extensions=None)
        self.classifier = UrlClassifier()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_depth = crawler.settings.getint("NEWSARCHIVE_MAX_DEPTH", 3)
        return spider

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.on_error, cb_kwargs={"depth": 0})

    def parse(self, response: Response, depth: int):
        if not isinstance(response, HtmlResponse):
            self.crawler.stats.inc_value("newsarchive/pages_not_html")
            self.logger.warning("Not an HTML page, skipped: %s (%s)", response.url,
                                response.headers.get("Content-Type", b"").decode("latin-1"))
            return
        if depth > 0:
            yield page_item_from_response(response)
        if depth >= self.max_depth or self.classifier.is_article(response.url):
            return  # article pages are leaves: their links lead to other sections, not this crawl's listings
        for link in self.links.extract_links(response):
            if urlsplit(link.url).hostname in self.allowed_hosts:
                yield response.follow(link.url, callback=self.parse, errback=self.on_error,
                                      cb_kwargs={"depth": depth + 1})

    def on_error(self, failure):
        request = failure.request
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        self.crawler.stats.inc_value("newsarchive/fetch_errors")
        self.logger.warning("Fetch failed: %s (%s)", request.url, reason)
