"""Scrapy glue for crawling: thin components that call the newsarchive library.

Each takes its settings in ``from_crawler`` (``NEWSARCHIVE_*``); ``spiders/outlet.py`` adds them to
the crawl's DOWNLOADER_MIDDLEWARES and ITEM_PIPELINES.

- ``middlewares.ScopeMiddleware``: only the outlet's own domains; off-site redirects refused; private,
  loopback and link-local addresses refused unless ``NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES``;
  already-archived articles dropped at download time (queue duplicates after a resume).
- ``middlewares.CrawlDelayMiddleware``: robots.txt ``Crawl-delay`` as the outlet's minimum delay.
- ``middlewares.BackoffRetryMiddleware``: 429/5xx retried with backoff, ``Retry-After`` honoured.
- ``pipelines.WindowPipeline``: drops articles whose extracted date is outside --since/--until.
- ``pipelines.CrawlStatePipeline``: tells the crawl state an article was archived.
"""
