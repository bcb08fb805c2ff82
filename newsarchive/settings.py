"""Scrapy settings for newsarchive: polite crawling of Vietnamese news sites.

`scrapy.cfg` points Scrapy here; `newsarchive.crawler` starts from these too. Components read their own
settings (prefixed NEWSARCHIVE_, ARCHIVE_, ...) in `from_crawler`.
"""

from newsarchive import __version__

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# `scrapy crawl` that records a crawl that could not start as a failed run and exits 1 on failure
# (newsarchive/commands/crawl.py), so that Scrapyd's log and the manifest both show it.
COMMANDS_MODULE = "newsarchive.commands"
# `scrapy check` runs the spider's contracts offline, on the bundled sample site (newsarchive/contracts.py).
SPIDER_CONTRACTS = {"newsarchive.contracts.SampleSiteContract": 10}

# Who we are, and how to reach us: outlets must be able to tell who crawls them.
NEWSARCHIVE_CONTACT_URL = "https://github.com/newsarchive/newsarchive#contact"
USER_AGENT = f"newsarchive/{__version__} (+{NEWSARCHIVE_CONTACT_URL}; research archive of Vietnamese news)"

# Politeness: robots.txt, a small per-site concurrency, adaptive throttling.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024   # a news page over 20 MB is not a news page
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
COOKIES_ENABLED = False

# Scrapy's meta-refresh redirects, behind a pre-check that spares decoding pages that have none
# (newsarchive/scrapy_ext/metarefresh.py); same position in the chain as Scrapy's own (580).
# Scrapy's robots.txt middleware, saying in one line (not a traceback) when robots.txt cannot be
# fetched (newsarchive/scrapy_ext/robotstxt.py); same position as Scrapy's own (100).
# Every response, as received (robots.txt, sitemaps, redirects, errors, pages of any kind), into the
# run's WARC file: next to the downloader, before any middleware changes or consumes it
# (pipelines/capture.py); its spider middleware gives a page item the pointer to its capture.
# Scrapy's redirect middleware, failing a redirect loop at once (newsarchive/scrapy_ext/redirect.py;
# Scrapy's dupefilter would drop it silently); same position as Scrapy's own (600).
DOWNLOADER_MIDDLEWARES = {
    "pipelines.capture.CaptureMiddleware": 950,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "newsarchive.scrapy_ext.redirect.RedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "newsarchive.scrapy_ext.metarefresh.MetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newsarchive.scrapy_ext.robotstxt.RobotsTxtMiddleware": 100,
}

SPIDER_MIDDLEWARES = {
    "pipelines.capture.CaptureClaimMiddleware": 950,
}

# A due revisit that does not end in the archive (failed, refused, dropped) keeps its article seen, so
# that no complete run reports it removed (newsarchive/scrapy_ext/revisits.py).
# Scrapy's scheduler and SpiderState, writing the JOBDIR files a resumed crawl reads whole or not at
# all, so a full disk never leaves them empty (newsarchive/scrapy_ext/jobdir.py).
EXTENSIONS = {
    "newsarchive.scrapy_ext.revisits.RevisitGuard": 500,
    "scrapy.extensions.spiderstate.SpiderState": None,
    "newsarchive.scrapy_ext.jobdir.SpiderState": 0,
}
SCHEDULER = "newsarchive.scrapy_ext.jobdir.Scheduler"
SCHEDULER_DISK_QUEUE = "newsarchive.scrapy_ext.jobdir.WholeLifoDiskQueue"

# Items processed at once per response. Scrapy's default (100) starts 100 asyncio tasks for every
# response a callback answers; our article pages give one item each and listings give requests, so
# 16 loses nothing and saves ~6% of the crawl process's CPU (benchmarks/crawl.py).
CONCURRENT_ITEMS = 16
TELNETCONSOLE_ENABLED = False
REDIRECT_MAX_TIMES = 10

# Vietnamese text: UTF-8 exports, never \uXXXX escapes. `scrapy crawl outlet -O x.jsonl|csv|parquet`
# exports the archive records (pipelines/feed.py): CSV with every field flattened, Parquet typed.
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {
    "csv": "pipelines.feed.RecordCsvItemExporter",
    "parquet": "pipelines.feed.ParquetItemExporter",
}

# Pipelines: page -> record -> schema check -> archive.
ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.store.StorePipeline": 300,
    # last: the item leaves as its archive record (what item_scraped and the feed exports receive)
    "pipelines.feed.RecordItemPipeline": 1000,
}

# Where archives go unless told otherwise (relative to the working directory).
ARCHIVE_DIR = "data/archive"

LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
LOG_FORMATTER = "pipelines.logformatter.NewsLogFormatter"

# Safety: crawls refuse private, loopback and link-local addresses unless this is set
# (the CLI's --allow-private-addresses; the demo and the tests set it to crawl 127.0.0.1).
NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES = False
# ... also when the download connects (a second DNS answer can differ from the one checked): the
# reactor's name resolver drops private addresses (wrapping Scrapy's resolver, NEWSARCHIVE_DNS_RESOLVER).
TWISTED_DNS_RESOLVER = "newsarchive.scrapy_ext.resolver.PublicAddressResolver"
