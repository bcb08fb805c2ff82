"""The Redis side of a shared crawl: scrapy-redis's scheduler, queue and dupefilter, extended with a
reliable queue (per-worker in-flight lists), heartbeats, recovery of dead workers' requests and idle
handling (see newsarchive.distributed for the design). Imported only by crawls given ``--redis``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from datetime import datetime, timezone

from newsarchive.distributed import (_LEAVE, _RECOVER, _STATUS, DEFAULT_HEARTBEAT, DEFAULT_IDLE_TIMEOUT, RAW_META,
                                     _new_crawl_id, connect, crawl_key, key_prefix, new_worker_id, request_done)

logger = logging.getLogger("newsarchive.distributed")

# --- scheduler, queue, dupefilter -----------------------------------------------------------


def _scrapy_redis():
    from scrapy_redis.dupefilter import RFPDupeFilter
    from scrapy_redis.queue import Base
    from scrapy_redis.scheduler import Scheduler

    return Scheduler, Base, RFPDupeFilter


_Scheduler, _QueueBase, _RFPDupeFilter = _scrapy_redis()


class SharedQueue(_QueueBase):
    """FIFO request queue in Redis with a per-worker in-flight list (a "reliable queue")."""

    def __init__(self, server, spider, prefix: str, worker: str, serializer=None):
        super().__init__(server, spider, prefix + ":queue", serializer=serializer)
        self.prefix = prefix
        self.worker = worker
        self.inflight_key = f"{prefix}:inflight:{worker}"

    def __len__(self) -> int:
        return int(self.server.llen(self.key))

    def push(self, request) -> None:
        self.server.lpush(self.key, self._encode_request(request))

    def pop(self, timeout: int = 0):
        data = self.server.lmove(self.key, self.inflight_key, "RIGHT", "LEFT")
        if data is None:
            return None
        try:
            request = self._decode_request(data)
        except Exception as exc:  # noqa: BLE001 - a request serialized by another version of the spider
            logger.error("Dropped a queued request this worker cannot read (%s); kept in %s:unreadable",
                         exc, self.prefix)
            pipe = self.server.pipeline()
            pipe.lrem(self.inflight_key, 1, data).rpush(self.prefix + ":unreadable", data).execute()
            return None
        request.meta[RAW_META] = data
        return request

    def ack(self, data: bytes) -> int:
        return int(self.server.lrem(self.inflight_key, 1, data))

    def inflight(self) -> int:
        return int(self.server.llen(self.inflight_key))

    def clear(self) -> None:
        self.server.delete(self.key)


class SharedDupeFilter(_RFPDupeFilter):
    """scrapy-redis's Redis seen-set, under the crawl's key; never deleted by a worker closing."""

    @classmethod
    def from_spider(cls, spider):
        from scrapy_redis.connection import get_redis_from_settings

        settings = spider.settings
        key = key_prefix(crawl_key(spider, settings)) + ":seen"
        return cls(get_redis_from_settings(settings), key=key, debug=settings.getbool("DUPEFILTER_DEBUG"))

    def close(self, reason: str = "") -> None:
        pass  # the seen-set belongs to the crawl, not to this worker (see SharedScheduler.close)


class SharedScheduler(_Scheduler):
    """scrapy-redis's scheduler with the reliable queue, heartbeats, recovery and idle handling above."""

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        url = settings.get("NEWSARCHIVE_REDIS_URL") or settings.get("REDIS_URL")
        server = connect(url)  # RedisUnavailable: a clear message
        instance = cls(
            server=server,
            persist=True,
            flush_on_start=settings.getbool("SCHEDULER_FLUSH_ON_START"),
            idle_before_close=0,
            dupefilter_cls="newsarchive.distributed.SharedDupeFilter",
        )
        instance.stats = crawler.stats
        instance.crawler = crawler
        instance.heartbeat = settings.getfloat("NEWSARCHIVE_REDIS_HEARTBEAT", DEFAULT_HEARTBEAT)
        instance.idle_timeout = settings.getfloat("NEWSARCHIVE_REDIS_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT)
        instance.worker = new_worker_id()
        instance._idle_since = None
        instance._beat_loop = None
        instance._poll_call = None
        instance.poll = settings.getfloat("NEWSARCHIVE_REDIS_POLL", 1.0)
        instance.finished_crawl = False
        from scrapy import signals

        crawler.signals.connect(instance._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(instance._on_request_done, signal=request_done)
        return instance

    # -- lifecycle ----------------------------------------------------------------------------
    def open(self, spider):
        self.spider = spider
        self.key = crawl_key(spider, spider.settings)
        self.prefix = key_prefix(self.key)
        self.queue = SharedQueue(self.server, spider, self.prefix, self.worker)
        self.df = SharedDupeFilter.from_spider(spider)
        self.server.hset(self.prefix + ":workers", self.worker, json.dumps({
            "host": socket.gethostname(), "pid": os.getpid(),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }))
        # One id for every run of this shared crawl, recorded in each worker's manifest (crawl_stats
        # "newsarchive/shared_crawl"), so the runs of all workers can be read as one crawl.
        self.server.set(self.prefix + ":crawl", _new_crawl_id(), nx=True)
        self.crawl_id = (self.server.get(self.prefix + ":crawl") or b"").decode()
        if self.stats is not None:
            self.stats.set_value("newsarchive/shared_crawl", self.crawl_id)
            self.stats.set_value("newsarchive/shared_crawl_key", self.key)
            self.stats.set_value("newsarchive/worker", self.worker)
        self._beat()
        from twisted.internet import task

        self._beat_loop = task.LoopingCall(self._beat)
        self._beat_loop.start(max(self.heartbeat / 3.0, 0.2), now=False)
        recovered = self._recover()
        queued = len(self.queue)
        logger.info("Worker %s joined the shared crawl %s (%s) at %s (%d requests queued%s)", self.worker,
                    self.key, self.crawl_id, self._where(), queued, f", {recovered} recovered from stopped workers" if recovered else "")

    def close(self, reason):
        if self._beat_loop is not None and self._beat_loop.running:
            self._beat_loop.stop()
        if self._poll_call is not None and self._poll_call.active():
            self._poll_call.cancel()
        try:
            back, reset = self.server.eval(_LEAVE, 0, self.prefix, self.worker)
        except Exception as exc:  # noqa: BLE001 - Redis gone: the heartbeat expiry hands our work back
            logger.error("Could not leave the shared crawl cleanly (%s); other workers will recover "
                         "this worker's requests when its heartbeat expires", exc)
            return
        self.finished_crawl = bool(reset)
        if back:
            logger.info("Handed %d unfinished requests back to the shared queue", back)
            self._inc("newsarchive/redis/handed_back", back)
        if reset:
            logger.info("Shared crawl %s finished: queue and seen-set cleared for the next crawl", self.key)

    def _where(self) -> str:
        kw = self.server.connection_pool.connection_kwargs
        return kw.get("path") or f"{kw.get('host')}:{kw.get('port')}/{kw.get('db', 0)}"

    def _beat(self) -> None:
        try:
            self.server.set(f"{self.prefix}:alive:{self.worker}", "1", px=int(self.heartbeat * 1000))
        except Exception as exc:  # noqa: BLE001 - a transient Redis error must not kill the crawl
            logger.warning("Heartbeat to Redis failed: %s", exc)

    def _recover(self) -> int:
        moved = int(self.server.eval(_RECOVER, 0, self.prefix, self.worker))
        if moved:
            logger.warning("Recovered %d requests in flight on stopped workers (heartbeat expired)", moved)
            self._inc("newsarchive/redis/recovered", moved)
        return moved

    def _inc(self, name: str, n: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(name, n)

    # -- queue ----------------------------------------------------------------------------------
    def enqueue_request(self, request):
        handed_back = request.meta.pop(RAW_META, None)  # a popped request coming back (redirect, retry)
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            added = False
        else:
            self.queue.push(request)
            self._inc("scheduler/enqueued/redis")
            added = True
        if handed_back is not None and self.queue.ack(handed_back):
            # (a redirect or retry replaced the popped request: the popped one is done)
            self._inc("newsarchive/redis/acknowledged")
        return added

    def next_request(self):
        request = self.queue.pop()
        if request is not None:
            self._idle_since = None
            self._inc("scheduler/dequeued/redis")
        return request

    def _on_request_done(self, request) -> None:
        data = request.meta.pop(RAW_META, None)
        if data is not None and self.queue.ack(data):
            self._inc("newsarchive/redis/acknowledged")

    # -- idle: stay while others may still discover work ------------------------------------------
    def _on_idle(self, spider):
        from scrapy.exceptions import DontCloseSpider

        self._recover()
        queued, inflight, workers = (int(x) for x in self.server.eval(_STATUS, 0, self.prefix))
        if queued:
            self._nudge()
            raise DontCloseSpider
        if inflight == 0:
            logger.info("Nothing queued or in flight on any worker: the shared crawl is done")
            return
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
            logger.info("Shared queue empty; waiting for %d requests in flight on other workers "
                        "(at most %.0f s)", inflight, self.idle_timeout)
        if now - self._idle_since >= self.idle_timeout:
            logger.info("Leaving: the shared queue stayed empty for %.0f s", now - self._idle_since)
            return
        self._nudge()
        raise DontCloseSpider

    def _nudge(self) -> None:
        """Look at the shared queue again in POLL seconds rather than at Scrapy's 5 s idle heartbeat.

        Uses the engine's ``_slot.nextcall`` (not public API; guarded: without it the engine's own
        heartbeat still re-checks every 5 s).
        """
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is None or not hasattr(nextcall, "schedule"):
            return
        from twisted.internet import reactor

        if self._poll_call is None or not self._poll_call.active():
            self._poll_call = reactor.callLater(self.poll, nextcall.schedule)
