"""Downloader middlewares for polite, scoped crawling (thin: the decisions live in the library)."""

from __future__ import annotations

import logging
from time import monotonic
from typing import Any
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from twisted.internet.defer import Deferred

from newsarchive.scrapy_ext.failures import GAVE_UP, Refused
from newsarchive.scrapy_ext.resolver import (PublicAddressResolver, address_is_private, is_ip,  # noqa: F401
                                             lookup, refusal)
from newsarchive.scrapy_ext.scope import port_refusal

logger = logging.getLogger(__name__)


# -- scope and address safety ----------------------------------------------------------------------
class AddressPolicy:
    """Says whether a host may be fetched: literal IP addresses at once, host names after a lookup
    through the reactor's name resolver (Scrapy's DNS cache; never a blocking call on the reactor
    thread). One lookup per host, shared by the requests that wait for it; verdicts are cached, failed
    lookups are not (the download then fails and is counted as a DNS failure; the next request asks
    again). Hosts the connection-time guard (``PublicAddressResolver``) found private are refused."""

    def __init__(self, allow_private: bool, resolver: Any = None):
        self.allow_private = allow_private
        self._resolver = resolver               # an IHostnameResolver; default: the reactor's
        self._verdicts: dict[str, str | None] = {}
        self._waiting: dict[str, list[Deferred]] = {}

    def _name_resolver(self):
        if self._resolver is not None:
            return self._resolver
        from twisted.internet import reactor

        return reactor.nameResolver

    def guard_refusal(self, host: str) -> str | None:
        """Why the connection-time guard refused `host` (DNS rebinding, or a check it slipped past)."""
        refused = getattr(self._name_resolver(), "refused", None)
        return refused.get(host) if isinstance(refused, dict) else None

    def decided(self, host: str) -> tuple[bool, str | None]:
        """(True, refusal or None) when known without a lookup, (False, None) when one is needed."""
        if self.allow_private:
            return True, None
        bare = host.strip("[]")
        if is_ip(bare):
            return True, refusal(host, [bare])
        guarded = self.guard_refusal(host)
        if guarded:
            return True, guarded
        if host in self._verdicts:
            return True, self._verdicts[host]
        return False, None

    def refusal_later(self, host: str) -> Deferred:
        """A Deferred firing with why `host` may not be fetched (or None), after a non-blocking lookup."""
        waiter: Deferred = Deferred()
        if host in self._waiting:
            self._waiting[host].append(waiter)
            return waiter
        self._waiting[host] = [waiter]
        resolver = self._name_resolver()
        if isinstance(resolver, PublicAddressResolver):
            # the guard drops private addresses: ask the resolver it wraps, to see them
            resolver = resolver.unfiltered if resolver.unfiltered is not None else resolver.inner

        def done(addresses):
            reason = refusal(host, addresses)
            if addresses:
                self._verdicts[host] = reason
            for w in self._waiting.pop(host, []):
                w.callback(reason)

        lookup(resolver, host).addCallback(done)
        return waiter


class ScopeMiddleware:
    """Every request (redirect targets included) must be on one of its outlet's domains, on its port
    (``newsarchive.scrapy_ext.scope``), and must not reach a private address; article requests for
    URLs archived meanwhile are dropped. Refusals raise ``Refused`` (an IgnoreRequest), counted here."""

    def __init__(self, crawler, allow_private: bool):
        self.crawler = crawler
        self.stats = crawler.stats
        self.policy = AddressPolicy(allow_private)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getbool("NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES", False))

    def _refuse(self, request, spider, kind: str, reason: str):
        self.stats.inc_value(f"newsarchive/refused/{kind}")
        note = getattr(spider, "note_failure", None)
        if note:
            note(f"refused_{kind}", request.url, reason)
        raise Refused(kind, reason)

    @staticmethod
    def _homes(spider, request) -> list[str]:
        """Start URLs of the request's outlet (of every outlet for a request of none, e.g. robots.txt)."""
        outlets = getattr(spider, "outlets", None)
        if not isinstance(outlets, dict):
            return []
        run = outlets.get(request.meta.get("outlet"))
        runs = [run] if run is not None else list(outlets.values())
        homes = []
        for r in runs:   # (a discovery frontier knows where its outlet moved: OutletFrontier.homes)
            homes += getattr(r, "homes", None) or [getattr(getattr(r, "profile", None), "home", "") or ""]
        return homes

    def _refuse_private(self, request, spider, reason: str):
        logger.warning("Refused %s: %s", request.url, reason)
        self._refuse(request, spider, "private_address", reason)

    async def process_request(self, request, spider=None):
        spider = spider or self.crawler.spider
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        owns = getattr(spider, "request_in_scope", None)
        if owns is not None and not owns(request):
            chain = request.meta.get("redirect_urls") or []
            if chain:
                logger.warning("Refused off-site redirect: %s -> %s", chain[0], request.url)
                self._refuse(request, spider, "offsite_redirect", f"redirect from {chain[0]} leaves the outlet")
            self._refuse(request, spider, "offsite", "not on the outlet's domains")
        off_port = port_refusal(request.url, self._homes(spider, request))
        if off_port:
            chain = request.meta.get("redirect_urls") or []
            if chain:
                logger.warning("Refused off-site redirect: %s -> %s (%s)", chain[0], request.url, off_port)
                self._refuse(request, spider, "offsite_redirect", f"redirect from {chain[0]} leaves the outlet: {off_port}")
            self._refuse(request, spider, "offsite", off_port)
        known, reason = self.policy.decided(host)
        if not known:
            from scrapy.utils.defer import maybe_deferred_to_future

            reason = await maybe_deferred_to_future(self.policy.refusal_later(host))
        if reason:
            self._refuse_private(request, spider, reason)
        skip = getattr(spider, "skip_at_download", None)
        if skip is not None and skip(request):
            self.stats.inc_value("newsarchive/skipped/already_archived_in_queue")
            raise Refused("already_archived", "already archived")
        track = getattr(spider, "track_inflight", None)
        if track is not None:
            track(request, True)
        return None

    def process_response(self, request, response, spider=None):
        track = getattr(spider or self.crawler.spider, "track_inflight", None)
        if track is not None:
            track(request, False)
        return response

    def process_exception(self, request, exception, spider=None):
        spider = spider or self.crawler.spider
        track = getattr(spider, "track_inflight", None)
        if track is not None:
            track(request, False)
        if not isinstance(exception, IgnoreRequest) and not self.policy.allow_private:
            # the connection found no address because the guard dropped private ones: a refusal,
            # counted as one, not a DNS failure
            reason = self.policy.guard_refusal(urlsplit(request.url).hostname or "")
            if reason:
                self._refuse_private(request, spider, reason)
        return None


# -- politeness -------------------------------------------------------------------------------------
def _slot(crawler, request):
    downloader = crawler.engine.downloader
    key = downloader.get_slot_key(request)
    slot = downloader.slots.get(key)
    if slot is None and hasattr(downloader, "_get_slot"):
        key, slot = downloader._get_slot(request)
    return slot


class CrawlDelayMiddleware:
    """Applies robots.txt ``Crawl-delay`` (read by the spider with Protego) as a floor under the
    download slot's delay, so AutoThrottle never goes below it. Capped by
    ``NEWSARCHIVE_MAX_CRAWL_DELAY`` (seconds) against absurd values."""

    def __init__(self, crawler, max_delay: float):
        self.crawler = crawler
        self.max_delay = max_delay

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getfloat("NEWSARCHIVE_MAX_CRAWL_DELAY", 60.0))

    def _apply(self, request, spider):
        delays = getattr(spider, "crawl_delays", None)
        if not delays:
            return
        delay = delays.get(urlsplit(request.url).netloc)
        if delay is None:
            return
        slot = _slot(self.crawler, request)
        if slot is not None:
            slot.delay = max(slot.delay, min(delay, self.max_delay))
            slot.jitter = 0.0

    def process_request(self, request, spider=None):
        self._apply(request, spider or self.crawler.spider)
        return None

    def process_response(self, request, response, spider=None):
        self._apply(request, spider or self.crawler.spider)
        return response


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


# Retry-After: the longest wait obeyed (a longer one gives up on the URL at once), and how many such
# waits one URL gets before it is recorded as failed. A server that answers 503 with "Retry-After: 599"
# every time would otherwise hold the crawl for RETRY_TIMES x 599 s.
RETRY_AFTER_MAX = 120.0
RETRY_AFTER_TIMES = 2
# ... and, against a storm (every URL of an outlet answering 503 with Retry-After), how many seconds of
# Retry-After waits one outlet (download slot) gets in a crawl; then its Retry-After answers fail at once.
RETRY_AFTER_BUDGET = 600.0
RETRY_AFTER_WAITS = "newsarchive_retry_after_waits"     # request.meta: Retry-After waits spent on the URL


class BackoffRetryMiddleware:
    """Retries 429 and 5xx answers after a pause: ``Retry-After`` when the server gives one, else
    exponential backoff ``NEWSARCHIVE_RETRY_BACKOFF_BASE * 2**attempt`` (capped by ``..._MAX``). The
    pause holds the whole download slot (the outlet), not just the one URL. Network errors are left to
    Scrapy's RetryMiddleware.

    Retry-After is bounded: a wait over ``NEWSARCHIVE_RETRY_AFTER_MAX`` seconds (default 120), one
    more after ``NEWSARCHIVE_RETRY_AFTER_TIMES`` waits for that URL (default 2; RETRY_TIMES bounds them
    too), or one past the outlet's ``NEWSARCHIVE_RETRY_AFTER_BUDGET`` (seconds of such waits per
    download slot and crawl, default 600: a storm of them) gives up on the URL: it is not retried again
    (by this middleware or Scrapy's) and is recorded as a failure of kind ``retry_after`` (``GAVE_UP``
    in its meta, read by the spider's errback)."""

    def __init__(self, crawler, codes, base: float, cap: float, retry_after_max: float,
                 retry_after_times: int = RETRY_AFTER_TIMES, retry_after_budget: float = RETRY_AFTER_BUDGET):
        self.crawler = crawler
        self.codes = set(codes)
        self.base = base
        self.cap = cap
        self.retry_after_max = retry_after_max
        self.retry_after_times = retry_after_times
        self.retry_after_budget = retry_after_budget
        self.waited: dict[str, float] = {}      # download slot -> Retry-After seconds waited in this crawl

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(crawler, [int(c) for c in s.getlist("RETRY_HTTP_CODES")],
                   s.getfloat("NEWSARCHIVE_RETRY_BACKOFF_BASE", 2.0),
                   s.getfloat("NEWSARCHIVE_RETRY_BACKOFF_MAX", 120.0),
                   s.getfloat("NEWSARCHIVE_RETRY_AFTER_MAX", RETRY_AFTER_MAX),
                   s.getint("NEWSARCHIVE_RETRY_AFTER_TIMES", RETRY_AFTER_TIMES),
                   s.getfloat("NEWSARCHIVE_RETRY_AFTER_BUDGET", RETRY_AFTER_BUDGET))

    def _give_up(self, request, response, why: str):
        """Stop retrying `request`: its answer goes on to the errback, recorded as a retry_after failure."""
        logger.warning("%s: %s; giving up on it", request.url, why)
        self.crawler.stats.inc_value("newsarchive/retry_after_given_up")
        request.meta["dont_retry"] = True           # Scrapy's RetryMiddleware retries 503 otherwise, at once
        request.meta[GAVE_UP] = ("retry_after", f"HTTP {response.status}: {why}")
        return response

    async def process_response(self, request, response, spider=None):
        if response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        spider = spider or self.crawler.spider
        attempt = request.meta.get("retry_times", 0)
        asked = retry_after_seconds(response.headers.get("Retry-After", b"").decode("latin-1")) \
            if response.status in (429, 503) else None
        waits = request.meta.get(RETRY_AFTER_WAITS, 0)
        if asked is not None and asked > self.retry_after_max:
            return self._give_up(request, response, f"asks to retry after {asked:.0f} s, over the "
                                 f"{self.retry_after_max:.0f} s cap (NEWSARCHIVE_RETRY_AFTER_MAX)")
        if asked is not None and waits >= self.retry_after_times:
            return self._give_up(request, response, f"asks to retry after {asked:.0f} s again, after {waits} "
                                 f"wait(s) (NEWSARCHIVE_RETRY_AFTER_TIMES={self.retry_after_times})")
        slot_key = request.meta.get("download_slot") or urlsplit(request.url).netloc
        if asked is not None and self.waited.get(slot_key, 0.0) + asked > self.retry_after_budget:
            return self._give_up(request, response, f"asks to retry after {asked:.0f} s, but {slot_key} has had "
                                 f"{self.waited.get(slot_key, 0.0):.0f} s of Retry-After waits in this crawl "
                                 f"(NEWSARCHIVE_RETRY_AFTER_BUDGET={self.retry_after_budget:.0f} s)")
        wait = asked if asked is not None else min(self.cap, self.base * (2 ** attempt))
        retry = get_retry_request(request, spider=spider, reason=f"HTTP {response.status}")
        if retry is None:
            return response           # retries exhausted: the errback counts the failure
        if asked is not None:
            retry.meta[RETRY_AFTER_WAITS] = waits + 1
            self.waited[slot_key] = self.waited.get(slot_key, 0.0) + asked
        self.crawler.stats.inc_value("newsarchive/retry_wait_seconds", int(round(wait)))
        slot = _slot(self.crawler, request)
        if slot is not None and wait > 0 and slot.delay > 0:
            # the outlet's next download waits too: Scrapy's penalty = delay - (now - lastseen)
            slot.lastseen = max(slot.lastseen, monotonic() + wait - slot.delay)
        logger.info("HTTP %s on %s; retrying in %.1f s", response.status, request.url, wait)
        if wait > 0:
            from twisted.internet import reactor
            from twisted.internet.task import deferLater
            from scrapy.utils.defer import maybe_deferred_to_future

            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return retry
