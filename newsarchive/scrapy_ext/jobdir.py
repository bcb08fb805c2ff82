"""A crawl's JOBDIR written so that a full disk never leaves it unreadable.

Scrapy writes what a resumed crawl reads back when the crawl closes: the scheduler's
``requests.queue/active.json`` and the SpiderState extension's ``spider.state``, each by opening the
file for writing (truncating it) and then writing. On a full disk that leaves an empty file, and
every later run failed to start ("Expecting value: line 1 column 1 (char 0)") until the JOBDIR was
removed by hand; the failure itself was an ERROR with a traceback. Here each file is written whole
or not at all (a temp file, fsync, rename), and a write that fails is one warning: the JOBDIR is then
incomplete, and the next run discards it and discovers again (``newsarchive.crawlstate.prepare_jobdir``;
archived articles are not fetched twice).

The disk queue and the dupefilter's ``requests.seen`` are written as the crawl goes. On a full disk
Scrapy's scheduler raised OSError out of ``enqueue_request``, inside Scrapy's loop over a callback's
output, which assumes nothing raises: its workers died one by one and the crawl hung for ever after
"Closing spider (disk_full)". Here a write that fails is one warning; from then on requests are
queued in memory (the crawl goes on to its clean close, which the full disk makes a failed run), and
the JOBDIR is left without its ``active.json``, so the next run discards it.

Scrapy's disk queue (queuelib's ``LifoDiskQueue``) writes through a buffer: on a full disk the
failure surfaced later, half a record had reached the file, and the requests popped back came out
short (57 of 300 lost, no error, in the test). ``WholeLifoDiskQueue`` writes unbuffered and takes a
record that did not fit back off the file, so the push fails at once and the request goes to memory.

``Scheduler`` replaces Scrapy's (``SCHEDULER``), ``SpiderState`` Scrapy's extension of that name
(``EXTENSIONS``), ``WholeLifoDiskQueue`` Scrapy's ``PickleLifoDiskQueue`` (``SCHEDULER_DISK_QUEUE``);
they otherwise behave, and read their settings, exactly as Scrapy's.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
from pathlib import Path

from scrapy.core.scheduler import Scheduler as ScrapyScheduler
from scrapy.extensions.spiderstate import SpiderState as ScrapySpiderState
from scrapy.squeues import PickleLifoDiskQueue

logger = logging.getLogger(__name__)


def write_whole(path: Path, data: bytes) -> bool:
    """Write `data` to `path` whole or not at all; False (with one warning) when it cannot be written."""
    from newsarchive.archive.runs import write_bytes_atomic

    try:
        write_bytes_atomic(path, data)
        return True
    except OSError as exc:
        logger.warning("The crawl's resume state could not be saved to %s (%s): the next run of this crawl "
                       "discards its JOBDIR and discovers again (archived articles are not fetched twice)",
                       path, exc.strerror or exc)
        return False


class WholeLifoDiskQueue(PickleLifoDiskQueue):
    """Scrapy's pickle LIFO disk queue, each record written whole or not at all."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        path = self.f.name
        self.f.close()
        self.f = open(path, "rb+", buffering=0)      # noqa: SIM115 - closed by the queue's close()
        self.f.seek(0, os.SEEK_END)

    def push(self, request) -> None:
        pos, size = self.f.tell(), self.size
        try:
            super().push(request)
        except OSError:
            self.f.truncate(pos)                     # (freeing space never needs space)
            self.f.seek(pos)
            self.size = size
            raise


class Scheduler(ScrapyScheduler):
    """Scrapy's scheduler; a JOBDIR it cannot write (a full disk) is given up, never raised into the crawl."""

    disk_error: OSError | None = None

    def _give_up_disk(self, exc: OSError) -> None:
        if self.disk_error is None:
            self.disk_error = exc
            logger.warning("The crawl's JOBDIR cannot be written (%s): requests are queued in memory from now "
                           "on, and the next run of this crawl discards the JOBDIR and discovers again "
                           "(archived articles are not fetched twice)", exc.strerror or exc)
            if self.stats is not None:
                self.stats.set_value("newsarchive/jobdir_error", str(exc))
        file = getattr(self.df, "file", None)
        if file is not None:          # the dupefilter keeps its fingerprints in memory only
            self.df.file = None
            try:
                file.close()
            except OSError:
                pass

    def enqueue_request(self, request) -> bool:
        try:
            return super().enqueue_request(request)
        except OSError as exc:
            # requests.seen or the disk queue could not be written; the request was not queued
            self._give_up_disk(exc)
            self._mqpush(request)
            self.stats.inc_value("scheduler/enqueued/memory")
            self.stats.inc_value("scheduler/enqueued")
            return True

    def _dqpush(self, request) -> bool:
        if self.disk_error is not None:
            return False
        return super()._dqpush(request)

    def _dqpop(self):
        if getattr(self, "_dq_abandoned", False):
            return None
        try:
            return super()._dqpop()
        except Exception as exc:  # noqa: BLE001 - a queue file torn by the failed writes reads back as anything
            if self.disk_error is None and not isinstance(exc, OSError):
                raise
            self._give_up_disk(exc if isinstance(exc, OSError) else OSError(str(exc)))
            self._dq_abandoned = True
            left = len(self.dqs) if self.dqs is not None else 0
            logger.warning("The crawl's disk queue cannot be read back after the failed writes (%s): %d queued "
                           "request(s) are given up; this run is partial, and the next run discovers them again",
                           exc, left)
            if self.stats is not None:
                self.stats.set_value("newsarchive/jobdir_requests_given_up", left)
            return None

    def __len__(self) -> int:
        if getattr(self, "_dq_abandoned", False):
            return len(self.mqs)
        return super().__len__()

    def close(self, reason: str):
        """Scrapy's close (the disk queue's state to ``active.json``, then the dupefilter's file),
        where a write that fails leaves the JOBDIR without ``active.json``: discarded by the next run."""
        active = Path(self.dqdir, "active.json") if self.dqdir else None
        if self.dqs is not None:
            try:
                state = self.dqs.close()
            except OSError as exc:
                self._give_up_disk(exc)
                state = None
            if self.disk_error is None and state is not None:
                self._write_dqs_state(self.dqdir, state)
        try:
            result = self.df.close(reason)
        except OSError as exc:        # requests.seen could not be flushed
            self._give_up_disk(exc)
            result = None
        if self.disk_error is not None and active is not None:
            active.unlink(missing_ok=True)
        return result

    def _write_dqs_state(self, dqdir: str, state) -> None:
        path = Path(dqdir, "active.json")
        if not write_whole(path, json.dumps(state).encode("utf-8")):
            path.unlink(missing_ok=True)      # (an old one would not match the queues): the JOBDIR is discarded


class SpiderState(ScrapySpiderState):
    """Scrapy's SpiderState extension; ``spider.state`` is written whole or not at all."""

    def spider_closed(self, spider) -> None:
        if self.jobdir:
            state = getattr(spider, "state", {})
            if not write_whole(Path(self.statefn), pickle.dumps(state, protocol=4)):
                try:
                    Path(self.statefn).unlink(missing_ok=True)
                except OSError:
                    pass
