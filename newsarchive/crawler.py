"""Running a crawl from Python or the CLI: Scrapy settings from `newsarchive.settings` plus overrides.

`run_crawl` blocks until the crawl ends and returns a `CrawlResult` (stats, close reason, failures,
and what they mean: `ok`, `stopped`, `exit_status`). Scrapy's reactor runs once per process, so call
it once per process (the CLI does); tests run crawls through `tests/crawling.py`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

# Close reasons of a crawl that did what it was asked: it ran out of work, or it reached a limit the
# user set (-s CLOSESPIDER_ITEMCOUNT / _PAGECOUNT / _TIMEOUT). --max-articles stops scheduling new
# articles, so such a crawl also ends "finished".
OK_REASONS = ("finished", "closespider_itemcount", "closespider_pagecount", "closespider_timeout")
# Stopped by Ctrl-C / SIGTERM: the next run with the same targets and window resumes it.
STOPPED_REASONS = ("shutdown",)
# Anything else failed: "archive_error", "disk_full", "closespider_errorcount", the "..._no_item"
# watchdogs (nothing scraped for a while), "cancelled", or no reason at all (the crawl never opened).


@dataclass
class CrawlResult:
    stats: dict[str, Any] = field(default_factory=dict)
    finish_reason: str | None = None
    failures: list[tuple[str, str, str]] = field(default_factory=list)   # (kind, url, why)
    elapsed: float = 0.0
    error: str | None = None     # the crawl broke after it started (one line; traceback in the log)

    def stat(self, name: str, default: int = 0) -> Any:
        return self.stats.get(name, default)

    @property
    def ok(self) -> bool:
        """The crawl ended normally (ran out of work or reached a limit it was given)."""
        return self.finish_reason in OK_REASONS

    @property
    def stopped(self) -> bool:
        """Stopped by Ctrl-C / SIGTERM before the end (resumable)."""
        return self.finish_reason in STOPPED_REASONS

    @property
    def achieved_nothing(self) -> bool:
        """Nothing archived, nothing already archived, and fetches failed: the outlet could not be crawled."""
        troubles = (self.stat("newsarchive/fetch_errors") + self.stat("spider_exceptions/count")
                    + len(self.failures))
        return (self.stat("newsarchive/articles_archived") == 0 and troubles > 0
                and not self.stat("newsarchive/skipped/already_archived"))

    @property
    def exit_status(self) -> int:
        """0 when the crawl finished and achieved something (or had nothing to do), else 1."""
        return 0 if self.ok and not self.achieved_nothing and not self.error else 1


class SettingError(ValueError):
    """A setting's value cannot be used (one line: the name, the value, what it must be)."""


class CrawlStartError(RuntimeError):
    """The crawl could not start: a spider argument, setting or component Scrapy refused, an archive
    that cannot be opened. The message is one line; the cause is chained (``__cause__``) and its
    traceback logged at DEBUG level."""


def _whole(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("not a whole number")
    if isinstance(value, float) and value.is_integer():
        return value
    try:
        return float(int(value if isinstance(value, int) else str(value).strip()))
    except ValueError:
        raise ValueError("not a whole number") from None


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError("not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return number


def _bool(value: Any) -> bool:
    from scrapy.settings import BaseSettings

    try:
        return BaseSettings({"X": value}).getbool("X")
    except ValueError:
        raise ValueError("not true or false (1/0)") from None


def _revisit(value: Any) -> None:
    from newsarchive.crawlstate import RevisitSchedule

    RevisitSchedule.parse(str(value))   # its ValueError says what is wrong


def _log_level(value: Any) -> None:
    if not isinstance(value, int) and str(value) not in logging.getLevelNamesMapping():
        raise ValueError("not one of DEBUG, INFO, WARNING, ERROR, CRITICAL")


def _workers(value: Any) -> None:
    if value is not None and str(value).strip() != "" and _whole(value) < 0:
        raise ValueError("not 0 or more")


# newsarchive's own settings (read by its components in from_crawler): how to check a value, its minimum.
NEWSARCHIVE_SETTINGS: dict[str, tuple[Callable[[Any], Any] | None, float | None]] = {
    "ARCHIVE_DIR": (None, None), "ARCHIVE_RUN_ID": (None, None), "ARCHIVE_FSYNC_EVERY": (_whole, 0),
    "ARCHIVE_COMPRESS_IN_THREAD": (_bool, None),
    "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": (_bool, None), "NEWSARCHIVE_CONTACT_URL": (None, None),
    "NEWSARCHIVE_EXTRACT_WORKERS": (_workers, None), "NEWSARCHIVE_MAX_ARTICLES": (_whole, 0),
    "NEWSARCHIVE_MAX_CRAWL_DELAY": (_number, 0), "NEWSARCHIVE_MAX_LISTING_PAGES": (_whole, 0),
    "NEWSARCHIVE_MAX_HUBS": (_whole, 0), "NEWSARCHIVE_MAX_DISCOVERY_PAGES": (_whole, 0),
    "NEWSARCHIVE_MAX_CALENDAR_PAGES": (_whole, 0), "NEWSARCHIVE_FULL": (_bool, None),
    "NEWSARCHIVE_MAX_SITEMAP_BYTES": (_whole, 0),
    "NEWSARCHIVE_REDIS_HEARTBEAT": (_number, 0), "NEWSARCHIVE_REDIS_IDLE_TIMEOUT": (_number, 0),
    "NEWSARCHIVE_REDIS_POLL": (_number, 0), "NEWSARCHIVE_REDIS_KEY": (None, None), "NEWSARCHIVE_REDIS_URL": (None, None),
    "NEWSARCHIVE_RETRY_AFTER_MAX": (_number, 0), "NEWSARCHIVE_RETRY_AFTER_TIMES": (_whole, 0),
    "NEWSARCHIVE_RETRY_AFTER_BUDGET": (_number, 0),
    "NEWSARCHIVE_RETRY_BACKOFF_BASE": (_number, 0),
    "NEWSARCHIVE_RETRY_BACKOFF_MAX": (_number, 0), "NEWSARCHIVE_REVISIT": (_revisit, None),
    "NEWSARCHIVE_SCHEDULE_PLAN": (None, None), "NEWSARCHIVE_SCHEDULE_OUTLET": (None, None),
    "NEWSARCHIVE_SCHEDULE_LOG": (None, None), "NEWSARCHIVE_DNS_RESOLVER": (None, None),
    "LOG_LEVEL": (_log_level, None),
}
# Scrapy settings whose default is a whole number but that are read as decimals.
DECIMAL_SETTINGS = ("DOWNLOAD_DELAY", "DOWNLOAD_TIMEOUT", "DNS_TIMEOUT", "CLOSESPIDER_TIMEOUT")
# Lower bounds Scrapy does not check itself (a crawl with 0 concurrent requests never fetches anything).
MINIMUMS = {"CONCURRENT_REQUESTS": 1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "CONCURRENT_ITEMS": 1,
            "DOWNLOAD_DELAY": 0, "DOWNLOAD_TIMEOUT": 0, "DNS_TIMEOUT": 0, "RETRY_TIMES": 0, "REDIRECT_MAX_TIMES": 0}
# Names of settings of components that are not in Scrapy's defaults (scrapy-redis, behind --redis).
OTHER_PREFIXES = ("REDIS_", "SCHEDULER_", "DUPEFILTER_")


def _checker(name: str, default: Any) -> Callable[[Any], Any] | None:
    if isinstance(default, bool):
        return _bool
    if isinstance(default, int):
        return _number if name in DECIMAL_SETTINGS else _whole
    if isinstance(default, float):
        return _number
    if isinstance(default, dict):
        def _dict(value: Any) -> None:
            from scrapy.settings import BaseSettings

            try:
                BaseSettings({"X": value}).getdict("X")
            except (TypeError, ValueError):
                raise ValueError('not a JSON object (e.g. {"name": 100})') from None
        return _dict
    return None


def check_settings(overrides: dict[str, Any]) -> list[str]:
    """Check setting overrides (``-s NAME=VALUE``) before a crawl starts.

    Raises SettingError (one line) for a value the setting cannot take: a word where Scrapy or
    newsarchive reads a number, a bad boolean, a revisit schedule that does not parse, zero concurrent
    requests... Returns warnings for names that neither Scrapy nor newsarchive knows (a typo is then
    seen, not silently ignored).
    """
    import newsarchive.settings as project
    from scrapy.settings import default_settings

    warnings: list[str] = []
    for name, value in overrides.items():
        if name in NEWSARCHIVE_SETTINGS:
            check, minimum = NEWSARCHIVE_SETTINGS[name]
        elif hasattr(project, name) or hasattr(default_settings, name):
            default = getattr(project, name, getattr(default_settings, name, None))
            check, minimum = _checker(name, default), MINIMUMS.get(name)
        else:
            if not name.startswith(OTHER_PREFIXES):
                warnings.append(f"setting {name} is not one Scrapy or newsarchive knows (a typo?); passed on as given")
            continue
        if check is None:
            continue
        try:
            checked = check(value)
        except ValueError as exc:
            raise SettingError(f"setting {name}={value!r}: {exc}") from None
        if minimum is not None and isinstance(checked, float) and checked < minimum:
            raise SettingError(f"setting {name}={value!r}: must be {minimum:g} or more")
    return warnings


# Many outlets at once: each keeps its own politeness (one download slot per outlet: its delay, its
# CONCURRENT_REQUESTS_PER_DOMAIN, its Crawl-delay, AutoThrottle's per-slot delay) while the outlets
# proceed in parallel. Two Scrapy defaults would make them wait on each other: CONCURRENT_REQUESTS (16)
# caps the requests in flight *including* those waiting out a slot's delay, so 30 outlets with a 0.5 s
# delay got 16 / 0.5 = 32 requests/s instead of 60; and the default priority queue hands the
# downloader requests in priority order whatever their slot, so one outlet's queue can fill the
# downloader while the others' slots sit idle. DownloaderAwarePriorityQueue (Scrapy's queue for broad
# crawls) takes from the least busy slot first. Settings the user gave are left alone.
PARALLEL_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"


def parallel_settings(settings, outlets: int) -> dict[str, Any]:
    """The settings a crawl of ``outlets`` outlets changes (and changes in ``settings``, while they are
    still mutable): room for every outlet's concurrency, and the slot-aware queue."""
    changed: dict[str, Any] = {}
    project = settings.getpriority("CONCURRENT_REQUESTS") or 0
    want = outlets * max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1))
    if settings.getint("CONCURRENT_REQUESTS") < want and project <= 20:      # (20: "project" priority)
        changed["CONCURRENT_REQUESTS"] = want
    if outlets > 1 and (settings.getpriority("SCHEDULER_PRIORITY_QUEUE") or 0) <= 20 \
            and not settings.getint("CONCURRENT_REQUESTS_PER_IP"):
        changed["SCHEDULER_PRIORITY_QUEUE"] = PARALLEL_QUEUE
    for name, value in changed.items():
        settings.set(name, value, priority="spider")
    return changed


def crawl_settings(overrides: dict[str, Any] | None = None):
    """newsarchive's Scrapy settings with `overrides` applied (at command-line priority)."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("newsarchive.settings", priority="project")
    settings.update(overrides or {}, priority="cmdline")
    return settings


def run_crawl(
    targets: list[str],
    *,
    settings: dict[str, Any] | None = None,
    spider: str = "outlet",
    on_open: Callable[[Any], None] | None = None,
    on_close: Callable[[Any], None] | None = None,
    console_level: str | None = None,
    **spider_kwargs: Any,
) -> CrawlResult:
    """Crawl `targets` (start URLs or registry names) with the named spider; blocks; returns the result.

    `on_open(crawler)` / `on_close(crawler)` are called when the spider opens / closes (the CLI's live
    display); `console_level` filters what reaches stderr (default: the LOG_LEVEL setting, which also
    decides what the crawl counts in its log stats). Spider arguments that are None are not passed.
    """
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.log import configure_logging

    result = CrawlResult()
    s = crawl_settings(settings)
    s.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(s)
    configure_logging(s)
    _ensure_log_handler(s.get("LOG_LEVEL", "INFO"))
    if console_level:
        logging.getLogger().setLevel(console_level)
    try:
        crawler = process.create_crawler(spider)
    except Exception as exc:
        raise _start_error(exc) from exc
    opened: list[bool] = []
    broke: list[BaseException] = []

    def _opened(spider):
        opened.append(True)
        if on_open is not None:
            on_open(crawler)

    def _closed(spider, reason):
        # (this handler runs before the spider's own: its closing accounts, made once, are asked for here)
        account = getattr(spider, "discovery_report", None)
        if callable(account):
            account()
        if on_close is not None:
            on_close(crawler)
        result.finish_reason = reason
        result.stats = dict(crawler.stats.get_stats())
        result.failures = list(getattr(spider, "failures", []) or [])

    def _failed(failure):
        # consumed here, so Twisted does not print "Unhandled error in Deferred" with a traceback
        broke.append(failure.value)
        return None

    crawler.signals.connect(_opened, signal=signals.spider_opened, weak=False)
    crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)
    kwargs = {k: v for k, v in spider_kwargs.items() if v is not None}
    started = time.monotonic()
    process.crawl(crawler, start_urls=targets, **kwargs).addErrback(_failed)
    process.start()
    result.elapsed = time.monotonic() - started
    if not result.stats and getattr(crawler, "_stats", None) is not None:   # (not set when the spider could not start)
        result.stats = dict(crawler.stats.get_stats() or {})
    if broke:
        if not opened:
            raise _start_error(broke[0]) from broke[0]
        result.error = _one_line(broke[0])
        logging.getLogger(__name__).error("The crawl broke: %s", result.error,
                                          exc_info=(type(broke[0]), broke[0], broke[0].__traceback__))
    return result


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if not isinstance(exc, ValueError) or not text else text


def _start_error(exc: BaseException) -> CrawlStartError:
    logging.getLogger(__name__).debug("The crawl could not start", exc_info=(type(exc), exc, exc.__traceback__))
    return CrawlStartError(_one_line(exc))


def _ensure_log_handler(level: str) -> None:
    """One stderr handler on the root logger, filtering at `level` (Scrapy resets the root logger's level)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_newsarchive", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        handler._newsarchive = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setLevel(level)
    root.setLevel(level)
