"""Scrapy glue for crawling: thin components that call the newsarchive library.

Each takes its settings in ``from_crawler`` (``NEWSARCHIVE_*``); ``spiders/outlet.py`` adds the
middlewares and pipelines below to the crawl's DOWNLOADER_MIDDLEWARES and ITEM_PIPELINES, and
``newsarchive/settings.py`` names the other three (the robots.txt and meta-refresh middlewares and the
resolver).

- ``middlewares.ScopeMiddleware``: only the outlet's own domains; off-site redirects refused; private,
  loopback and link-local addresses refused unless ``NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES`` (host names
  looked up through the reactor's resolver, never blocking it); already-archived articles dropped at
  download time (queue duplicates after a resume).
- ``middlewares.CrawlDelayMiddleware``: robots.txt ``Crawl-delay`` as the outlet's minimum delay.
- ``middlewares.BackoffRetryMiddleware``: 429/5xx retried with backoff, ``Retry-After`` honoured.
- ``metarefresh.MetaRefreshMiddleware``: Scrapy's meta-refresh middleware (in its place, 580) behind a
  byte-level pre-check: an HTML page with no "refresh" in its first 16 KB passes without being decoded.
- ``robotstxt.RobotsTxtMiddleware``: Scrapy's robots.txt middleware (in its place, 100); a robots.txt
  that cannot be fetched is one warning line (URL, reason) and ``newsarchive/robots_unavailable``, not a
  traceback; as in Scrapy, that host is then crawled as if robots.txt allowed everything.
- ``resolver.PublicAddressResolver``: the reactor's name resolver (``TWISTED_DNS_RESOLVER``): wraps
  Scrapy's (``NEWSARCHIVE_DNS_RESOLVER``) and hands connections no private address, literal IPs
  included, unless ``NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES`` (DNS rebinding: the address connected to is
  checked too, not only the one ScopeMiddleware saw); proxies named in the environment are let through.
- ``pipelines.WindowPipeline``: drops articles whose extracted date is outside --since/--until.
- ``pipelines.CrawlStatePipeline``: tells the crawl state an article was archived.
- ``failures.failure_kind``: the name a failed fetch is counted and listed under (``dns``, ``timeout``...).
"""
