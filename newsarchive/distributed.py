"""Crawling one outlet with several workers (processes, machines) sharing a Redis server.

    newsarchive crawl lamdongtv.vn --archive data/archive --redis redis://queue-host:6379/0

Built on **scrapy-redis**: its ``Scheduler`` keeps the request queue in a Redis list and its
``RFPDupeFilter`` keeps the fingerprints of every request scheduled in a Redis set, so a URL that
one worker has scheduled is never fetched again by another. Every worker writes its own run files
(``runs/<run_id>/`` of its archive); the runs of all workers together are the crawl.

What this module adds to scrapy-redis, and why:

- **Keys per outlet and window.** scrapy-redis names its keys after the spider (``outlet:requests``);
  here every crawl of the same outlet(s) over the same --since/--until window shares
  ``newsarchive:{<outlets>[@<since>..<until>]}:...`` (``NEWSARCHIVE_REDIS_KEY`` to choose another
  name), so crawls of different outlets, or of one outlet over different windows, never mix.
- **Nothing lost when a worker dies.** scrapy-redis pops a request off the list (``RPOP``): a worker
  killed while it fetches loses what it held. Here a pop *moves* the request to the worker's own
  in-flight list (``LMOVE``, Redis >= 6.2) and it is removed from there only when it is done: when the
  callback's output went through the pipelines (the article is stored), when the download failed for
  good, or when the request was handed back to the queue (redirect, retry). Each worker refreshes a
  heartbeat key that expires ``NEWSARCHIVE_REDIS_HEARTBEAT`` seconds after its last beat; the in-flight
  requests of a worker whose heartbeat expired (SIGKILL, crash, power loss, network cut) are moved back
  to the queue by the next worker that looks (every idle check). At most the request being stored at
  the very moment of the kill can be fetched twice; none is dropped.
- **Joining and leaving freely.** ``SCHEDULER_PERSIST`` keeps the queue and the seen-set when a
  worker stops, so a worker that starts later joins the crawl where it is (its own start requests are
  duplicates and are filtered). A worker with nothing to do stays while other workers still have
  requests in flight (they may discover more), and leaves when nothing is queued or in flight anywhere
  (the crawl is finished), or when the queue has stayed empty for ``NEWSARCHIVE_REDIS_IDLE_TIMEOUT``
  seconds. scrapy-redis's own idle wait (``SCHEDULER_IDLE_BEFORE_CLOSE``) is a blocking ``BRPOP`` that
  freezes Scrapy's reactor (downloads, timeouts) while it waits; it is set to 0 and the wait is done
  through Scrapy's ``spider_idle`` signal instead.
- **A finished crawl starts fresh next time.** The last worker to leave a finished crawl (empty queue,
  nothing in flight) deletes the seen-set, so the next scheduled crawl fetches the home page, feeds
  and sitemaps again instead of finding every URL "seen". A crawl stopped with work queued (all
  workers stopped with Ctrl-C, or all killed) keeps its queue and seen-set: the next workers resume it.

scrapy-redis and Scrapy 2.13+: scrapy-redis 0.9's ``RedisSpider`` (start URLs read from Redis) relies
on ``start_requests()``, which Scrapy 2.13 deprecated and 2.16 removed (rmax/scrapy-redis#305, #316);
newsarchive does not use ``RedisSpider``: its own spider yields the start requests through ``start()``
and only the scheduler, queue base class, dupefilter and connection helpers of scrapy-redis are used,
which work with Scrapy 2.19 (this module also avoids their deprecated ``stats.inc_value(spider=...)``).

Keys (``P`` = ``newsarchive:{<crawl key>}``): ``P:queue`` (list of serialized requests),
``P:seen`` (set of request fingerprints), ``P:workers`` (hash worker id -> JSON description),
``P:alive:<worker>`` (heartbeat, expires), ``P:inflight:<worker>`` (list), ``P:crawl`` (the shared
crawl's id, set by the first worker, recorded by every worker as ``newsarchive/shared_crawl`` in its
run's stats and so in its manifest's ``crawl_stats``).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

# Settings (all prefixed NEWSARCHIVE_REDIS_; REDIS_URL is scrapy-redis's own).
DEFAULT_HEARTBEAT = 30.0       # seconds a silent worker is still believed alive
DEFAULT_IDLE_TIMEOUT = 300.0   # seconds an idle worker waits for others' discoveries before leaving
RAW_META = "_newsarchive_redis_raw"   # request.meta key: the serialized form popped from the queue
SCHEMES = ("redis", "rediss", "unix")


class RedisUnavailable(RuntimeError):
    """The Redis server cannot be used (bad URL, unreachable, too old): a one-line message."""


def check_redis_url(url: str) -> str:
    """`url` if it is a Redis URL (redis://HOST:PORT/DB, rediss://..., unix:///path.sock?db=N), else ValueError."""
    split = urlsplit(url or "")
    if split.scheme not in SCHEMES:
        raise ValueError(f"not a Redis URL: {url!r} (expected redis://HOST:PORT/DB)")
    if split.scheme != "unix" and not split.hostname:
        raise ValueError(f"no host in Redis URL: {url!r} (expected redis://HOST:PORT/DB)")
    path = split.path.strip("/")
    if split.scheme != "unix" and path and not path.isdigit():
        raise ValueError(f"the database in a Redis URL is a number: {url!r} (e.g. redis://HOST:6379/0)")
    return url


def connect(url: str):
    """A redis-py client for `url`, checked with PING and for LMOVE (Redis >= 6.2); RedisUnavailable if not."""
    import redis

    check_redis_url(url)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)
        info = client.info("server")
    except redis.RedisError as exc:
        raise RedisUnavailable(f"cannot use Redis at {url}: {exc}") from None
    version = tuple(int(p) for p in re.findall(r"\d+", str(info.get("redis_version", "0")))[:2])
    if version < (6, 2):
        raise RedisUnavailable(f"Redis at {url} is version {info.get('redis_version')}; newsarchive needs 6.2 or newer "
                               "(LMOVE)")
    return client


def redis_settings(url: str, *, key: str | None = None, idle_timeout: float | None = None,
                   heartbeat: float | None = None) -> dict[str, Any]:
    """Scrapy setting overrides that make a crawl one worker of a crawl shared through Redis at `url`.

    Apply them over the crawl's other settings (``settings.update(redis_settings(url))``). The
    components (scheduler, dupefilter, the two middlewares that acknowledge finished requests) are
    installed by the `RedisAddon` add-on, which *adds* them to the component settings instead of
    replacing those dicts. Raises ValueError for a URL that is not a Redis URL.
    """
    check_redis_url(url)
    out: dict[str, Any] = {
        "ADDONS": {"newsarchive.distributed.RedisAddon": 0},
        "REDIS_URL": url,
        "NEWSARCHIVE_REDIS_URL": url,
        "SCHEDULER_PERSIST": True,            # workers join and leave; the queue outlives each of them
        "SCHEDULER_FLUSH_ON_START": False,
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,     # never BRPOP: it would block the reactor
        "NEWSARCHIVE_REDIS_IDLE_TIMEOUT": DEFAULT_IDLE_TIMEOUT if idle_timeout is None else float(idle_timeout),
        "NEWSARCHIVE_REDIS_HEARTBEAT": DEFAULT_HEARTBEAT if heartbeat is None else float(heartbeat),
    }
    if key:
        out["NEWSARCHIVE_REDIS_KEY"] = key
    return out


def redis_option(func: Callable) -> Callable:
    """Click decorator: ``--redis URL`` on a crawl command; the parameter ``redis`` becomes a dict of
    Scrapy setting overrides (empty without ``--redis``) to merge into the crawl's settings.

    The URL is checked and the server reached when the command starts, so a typo or an unreachable
    server is a one-line error, not a crawl that fails later.
    """
    import click

    def _to_settings(ctx, param, value):
        if not value:
            return {}
        try:
            client = connect(value)
            client.close()
        except (ValueError, RedisUnavailable) as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
        return redis_settings(value)

    return click.option(
        "--redis", "redis", metavar="URL", default=None, callback=_to_settings, expose_value=True,
        help="Share this crawl with other workers through the Redis server at URL "
             "(redis://HOST:PORT/DB): a common request queue and seen-set; run the same command on each "
             "machine. See docs/scaling.md.",
    )(func)


# --- naming ---------------------------------------------------------------------------------


def crawl_key(spider, settings=None) -> str:
    """The name shared by every worker of a crawl: NEWSARCHIVE_REDIS_KEY (as given), else the spider's
    outlets and its date window.

    Outlets are the profile names the spider resolved (``spider.outlets``) or the hosts of its start
    URLs, sorted, so ``crawl a.vn b.vn`` and ``crawl b.vn a.vn`` on two machines share one queue. The
    --since/--until window follows an ``@`` (``a.vn@2024-06-01..2024-06-30``; none for a crawl without
    one), so two shared crawls of one outlet over different windows never share a queue or a seen-set
    (URLs seen by one would be skipped by the other). A key over 200 characters is cut and ends with a
    hash of the whole, so long keys stay distinct.
    """
    explicit = settings.get("NEWSARCHIVE_REDIS_KEY") if settings is not None else None
    if explicit:
        names = [str(explicit)]
        window = ""
    else:
        outlets = getattr(spider, "outlets", None)
        if outlets:
            names = sorted(str(n) for n in outlets)
        else:
            names = sorted({urlsplit(u).netloc for u in getattr(spider, "start_urls", []) or []}) or [spider.name]
        window = window_key(getattr(spider, "window", None))
    key = ",".join(names) + (f"@{window}" if window else "")
    key = re.sub(r"[^A-Za-z0-9_.,:+@-]", "_", key)
    if len(key) > 200:
        import hashlib

        key = key[:187] + "~" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
    return key


def window_key(window) -> str:
    """A DateWindow as ``SINCE..UNTIL`` (either side empty when open; "" for an open window): days for
    whole-day bounds in Vietnam time (what --since/--until YYYY-MM-DD give), else ISO datetimes."""
    if window is None or (getattr(window, "since", None) is None and getattr(window, "until", None) is None):
        return ""
    from datetime import time

    from newsarchive.dates import VN_TZ

    def bound(when, day_time) -> str:
        if when is None:
            return ""
        local = when.astimezone(VN_TZ)
        if local.time() == day_time:
            return local.date().isoformat()
        return when.isoformat()

    return f"{bound(window.since, time(0))}..{bound(window.until, time(23, 59, 59, 999999))}"


def key_prefix(key: str) -> str:
    # The braces are a Redis Cluster hash tag: every key of one crawl lands in one slot.
    return f"newsarchive:{{{key}}}"


def _new_crawl_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


# --- Redis scripts (atomic) -----------------------------------------------------------------

# Move the in-flight requests of workers whose heartbeat expired back to the queue; forget them.
_RECOVER = """
local prefix, me = ARGV[1], ARGV[2]
local moved = 0
for _, w in ipairs(redis.call('HKEYS', prefix .. ':workers')) do
  if w ~= me and redis.call('EXISTS', prefix .. ':alive:' .. w) == 0 then
    local inflight = prefix .. ':inflight:' .. w
    while redis.call('LMOVE', inflight, prefix .. ':queue', 'LEFT', 'RIGHT') do
      moved = moved + 1
    end
    redis.call('HDEL', prefix .. ':workers', w)
  end
end
return moved
"""

# {queued, in flight (all workers), workers registered}
_STATUS = """
local prefix = ARGV[1]
local workers = redis.call('HKEYS', prefix .. ':workers')
local inflight = 0
for _, w in ipairs(workers) do
  inflight = inflight + redis.call('LLEN', prefix .. ':inflight:' .. w)
end
return {redis.call('LLEN', prefix .. ':queue'), inflight, #workers}
"""

# A worker leaves: its unfinished requests go back to the queue; the last worker to leave a finished
# crawl (nothing queued, nothing in flight) deletes the seen-set so the next crawl starts fresh.
# Returns {requests handed back, 1 if the crawl was finished and reset}.
_LEAVE = """
local prefix, me = ARGV[1], ARGV[2]
local back = 0
while redis.call('LMOVE', prefix .. ':inflight:' .. me, prefix .. ':queue', 'LEFT', 'RIGHT') do
  back = back + 1
end
redis.call('DEL', prefix .. ':alive:' .. me)
redis.call('HDEL', prefix .. ':workers', me)
if redis.call('HLEN', prefix .. ':workers') == 0 and redis.call('LLEN', prefix .. ':queue') == 0 then
  redis.call('DEL', prefix .. ':seen', prefix .. ':crawl')
  return {back, 1}
end
return {back, 0}
"""


#: Sent by the acknowledging middlewares when a popped request is completely handled.
request_done = object()

# The scheduler, queue and dupefilter subclass scrapy-redis's (which imports redis-py and Scrapy's
# scheduler machinery: ~0.3 s), so they live in newsarchive.redis_scheduler, imported on first use:
# a crawl without --redis never imports scrapy-redis. ``newsarchive.distributed.SharedScheduler`` (the
# name in the settings) still works.
_LAZY = ("SharedQueue", "SharedDupeFilter", "SharedScheduler")


def __getattr__(name: str):
    if name in _LAZY:
        from newsarchive import redis_scheduler

        return getattr(redis_scheduler, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- acknowledging finished requests --------------------------------------------------------


class AckSpiderMiddleware:
    """Marks a popped request done once its callback's output went through the item pipelines.

    Counts the items each response produced; the request is done when the callback's output is
    exhausted (or it raised) and every item was scraped, dropped or failed (item signals).
    """

    def __init__(self, crawler):
        from scrapy import signals

        self.crawler = crawler
        self.pending: dict[int, list] = {}  # id(response) -> [response, items in pipelines, output exhausted]
        for sig in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_finished, signal=sig)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _entry(self, response):
        return self.pending.setdefault(id(response), [response, 0, False])

    def _item_finished(self, item=None, response=None, **kwargs):
        entry = self.pending.get(id(response))
        if entry is not None:
            entry[1] -= 1
            self._maybe_done(entry)

    def _exhausted(self, response):
        entry = self._entry(response)
        entry[2] = True
        self._maybe_done(entry)

    def _maybe_done(self, entry):
        response, items, exhausted = entry
        if exhausted and items <= 0:
            self.pending.pop(id(response), None)
            request = getattr(response, "request", None)
            if request is not None:
                self.crawler.signals.send_catch_log(request_done, request=request)

    def _count(self, response, obj):
        from scrapy import Request

        if obj is not None and not isinstance(obj, Request):
            self._entry(response)[1] += 1

    def process_spider_output(self, response, result, spider=None):
        try:
            for obj in result:
                self._count(response, obj)
                yield obj
        finally:
            self._exhausted(response)

    async def process_spider_output_async(self, response, result, spider=None):
        try:
            async for obj in result:
                self._count(response, obj)
                yield obj
        finally:
            self._exhausted(response)


class AckDownloaderMiddleware:
    """Marks a popped request done when its download failed for good (no retry took it back).

    Installed outermost (closest to the engine), so its ``process_exception`` runs only when no other
    middleware (retry, redirect) turned the failure into a new request.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_exception(self, request, exception, spider=None):
        if not getattr(self.crawler, "crawling", True):
            # The worker is stopping (Ctrl-C, SIGTERM): downloads cut short are not done; they stay in
            # the in-flight list, which goes back to the queue when the worker leaves.
            return None
        self.crawler.signals.send_catch_log(request_done, request=request)
        return None


class RedisAddon:
    """Scrapy add-on: installs the shared scheduler and the acknowledging middlewares (see redis_settings)."""

    def update_settings(self, settings) -> None:
        # over the project's own SCHEDULER (newsarchive.scrapy_ext.jobdir.Scheduler, a JOBDIR one)
        from scrapy.settings import SETTINGS_PRIORITIES

        settings.set("SCHEDULER", "newsarchive.distributed.SharedScheduler",
                     max(settings.getpriority("SCHEDULER") or 0, SETTINGS_PRIORITIES["project"]))
        settings.set("DUPEFILTER_CLASS", "newsarchive.distributed.SharedDupeFilter", "addon")
        # Scrapy 2.19: add to the component dicts without replacing what the project set.
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", AckSpiderMiddleware, 5)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", AckDownloaderMiddleware, 10)
