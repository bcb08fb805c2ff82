"""From a fetched page (see `newsarchive.page`) to an archive record, with the capture metadata filled.

Plain library code: the extract pipeline is a thin wrapper around `record_from_page`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing.context
import sys
import threading
from dataclasses import dataclass
from typing import Any

from newsarchive.article import Article
from newsarchive.page import header

# Content types we try to read as pages; anything else is recorded as skipped, with its type.
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


@dataclass
class RecordError(Exception):
    """A page that yields no record. `kind` names the stat counter: not_article, empty, binary, extract_error.

    For a page judged not an article, `family` is the extractor's kind of page ("listing", "no-text",
    "unparseable"...) and `reason` its reason, so the run can count and list it by reason."""

    kind: str
    message: str
    log_level: int = logging.WARNING
    family: str | None = None
    reason: str | None = None

    def __str__(self) -> str:
        return self.message


def _looks_binary(body: bytes) -> bool:
    head = body[:4096]
    return b"\x00" in head and head.count(b"\x00") > len(head) // 100


@functools.cache
def _registry():
    from newsarchive.sites import load_registry

    return load_registry()


def outlet_profile(page: dict[str, Any]) -> Any:
    """The outlet profile of a page: the registry entry the crawl named (``page["outlet"]``) or the one
    owning the page's host, else an ad-hoc profile whose name is the host (e.g. "127.0.0.1")."""
    from newsarchive.sites import RegistryError, profile_for_url

    url = page.get("final_url") or page["url"]
    try:
        registry = _registry()
        named = registry.get(page["outlet"]) if page.get("outlet") else None
        found = named if named is not None and named.owns_url(url) else registry.lookup(url)
        return found or profile_for_url(url)
    except RegistryError:
        return None


def reached_as(page: dict[str, Any]) -> str | None:
    """How the crawl reached the page as an article: the ``source`` of the spider's ``discovery`` hint
    ("sitemap", "news_sitemap", "feed", "listing", "home"...), or None for a page fetched for another reason.
    Only article candidates carry the hint; the extractor says so in the warning of a record it keeps
    in doubt (``newsarchive.extract.classify``: a page is refused only on strong evidence)."""
    hint = page.get("discovery")
    if not hint:
        return None
    source = hint.get("source") if isinstance(hint, dict) else None
    return str(source) if source else "discovery"


def record_from_page(page: dict[str, Any], *, run_id: str | None = None, site: Any = None) -> Article:
    """Extract the article in `page` and add fetch metadata; raises RecordError when there is none.

    `site` is the outlet profile (selector overrides, month-first dates, name and province); by
    default it is looked up in the registry from the page's outlet or host. A page that carries the
    spider's ``discovery`` hint was reached as an article (see `reached_as`).
    """
    from newsarchive.extract import NotAnArticle, extract_article

    url = page.get("final_url") or page["url"]
    if site is None:
        site = outlet_profile(page)
    body = page.get("body") or b""
    ctype = (header(page, "Content-Type") or "").split(";")[0].strip().lower()
    if not body.strip():
        raise RecordError("empty", "empty body")
    if ctype not in HTML_TYPES or _looks_binary(body):
        raise RecordError("binary", f"not an HTML page ({ctype or 'binary body'})")
    try:
        article = extract_article(body, url=url, headers=page.get("headers"), site=site, reached_as=reached_as(page))
    except NotAnArticle as exc:
        raise RecordError("not_article", f"not an article ({exc.reason})", logging.INFO, exc.kind, exc.reason) from None
    except Exception as exc:  # an extractor bug must not stop the crawl; it is counted and logged
        logging.getLogger(__name__).debug("extractor failed on %s", url, exc_info=True)
        raise RecordError("extract_error", f"extraction failed: {exc!r}", logging.ERROR) from None
    article.url = page["url"]
    article.final_url = page.get("final_url") or page["url"]
    article.fetched_at = page.get("fetched_at")
    article.http_status = page.get("status")
    article.run_id = run_id
    if site is not None and getattr(site, "name", None):
        article.site = site.name
        if getattr(site, "in_registry", False):
            article.outlet = site.outlet_name or None
            article.province = site.province or None
    return article.finalise()


# -- extraction in worker processes ----------------------------------------------------------------
# The crawl extracts in a process pool (``RecordPool``) so that parsing, which holds the GIL, does not
# stop Scrapy from downloading. What crosses the process boundary is small and picklable: the page
# fields `record_from_page` reads (body bytes, headers, URLs, status, time) one way, and either
# ``("ok", Article.to_dict())`` or ``("error", kind, message, log_level, traceback_text)`` back.

PAGE_FIELDS = ("url", "final_url", "status", "headers", "body", "fetched_at", "outlet", "discovery", "links_wanted")


def page_for_worker(page: dict[str, Any]) -> dict[str, Any]:
    """The part of a page item that extraction reads (the rest stays in the crawl process)."""
    return {k: page.get(k) for k in PAGE_FIELDS}


def record_outcome(page: dict[str, Any], run_id: str | None = None) -> tuple:
    """`record_from_page` as a picklable outcome; never raises (runs inside a worker process).

    ``("ok", record_dict)`` or ``("error", kind, message, log_level, debug_text, family, reason)``; an unexpected
    failure outside the extractor (a bug here) is an ``extract_error`` too, with its traceback kept
    for the DEBUG log only.
    """
    import traceback

    try:
        return ("ok", record_from_page(page, run_id=run_id).to_dict())
    except RecordError as exc:
        return ("error", exc.kind, exc.message, exc.log_level, None, exc.family, exc.reason)
    except BaseException as exc:  # noqa: BLE001 - a worker must answer for every page
        return ("error", "extract_error", f"extraction failed: {exc!r}", logging.ERROR, traceback.format_exc())


def page_work(page: dict[str, Any], run_id: str | None = None) -> tuple[tuple, list[str] | None]:
    """What a worker does with one page: its `record_outcome`, and, when the crawl asks
    (``links_wanted``: an article page, whose links discovery follows), the page's links
    (``newsarchive.discovery.outlinks``: a scan of the bytes the crawl process then need not do)."""
    outcome = record_outcome(page, run_id)
    links = None
    if page.get("links_wanted"):
        try:
            from newsarchive.discovery.outlinks import page_links

            links = page_links(page.get("body") or b"", page.get("final_url") or page["url"])
        except Exception:  # noqa: BLE001 - links are a help to discovery, never a reason to lose the page
            logging.getLogger(__name__).debug("links of %s not read", page.get("url"), exc_info=True)
    return outcome, links


def article_from_outcome(outcome: tuple, url: str | None = None) -> Article:
    """The Article of an ``"ok"`` outcome; raises the RecordError of an ``"error"`` one."""
    if outcome and outcome[0] == "ok":
        return Article.from_dict(outcome[1])
    if outcome and outcome[0] == "error" and len(outcome) >= 4:
        _tag, kind, message, level = outcome[:4]
        debug = outcome[4] if len(outcome) > 4 else None
        family, reason = (outcome[5], outcome[6]) if len(outcome) > 6 else (None, None)
        if debug:
            logging.getLogger(__name__).debug("extractor failed on %s:\n%s", url, debug)
        raise RecordError(kind, message, level, family, reason)
    raise RecordError("extract_error", f"extraction failed: unreadable worker answer {outcome!r:.200}",
                      logging.ERROR)


def _watch_parent(parent: int, interval: float) -> None:
    import os
    import time

    while True:
        time.sleep(interval)
        if os.getppid() != parent:   # the crawl process died (SIGKILL, crash): do not outlive it
            os._exit(0)


def _worker_init(parent: int, interval: float = 0.5) -> None:
    """Runs first in each worker: warm the extractor, ignore the terminal's Ctrl-C/SIGTERM (the crawl
    process decides when workers stop: it finishes the pages in hand, then shuts the pool down), and
    exit by itself if the crawl process disappears."""
    import os
    import signal
    import threading

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, signal.SIG_IGN)
        except (ValueError, OSError):  # pragma: no cover - not the main thread / platform
            pass
    if os.getppid() != parent:
        os._exit(0)
    threading.Thread(target=_watch_parent, args=(parent, interval), daemon=True,
                     name="newsarchive-parent-watch").start()
    import newsarchive.extract  # noqa: F401  (imports lxml and the selector tables once)


def _warm() -> int:
    import os

    return os.getpid()


@contextlib.contextmanager
def _main_module_hidden():
    """While a worker process starts: do not let it re-run the program's ``__main__`` script.

    ``spawn`` normally imports the parent's main script in every child (so a script without an
    ``if __name__ == "__main__":`` guard would start a second crawl there). Extraction workers need
    nothing from it (they run `record_outcome`), so the main module's file and spec are hidden for
    the instant the process is launched.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {k: main.__dict__[k] for k in ("__spec__", "__file__") if k in main.__dict__}
    with _launch_lock:
        try:
            main.__spec__ = None
            main.__dict__.pop("__file__", None)
            yield
        finally:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


_launch_lock = threading.Lock()


class _WorkerProcess(multiprocessing.context.SpawnProcess):
    def start(self) -> None:
        with _main_module_hidden():
            super().start()


class _WorkerContext(multiprocessing.context.SpawnContext):
    """The ``spawn`` start method, launching `_WorkerProcess` (no main-script import)."""

    Process = _WorkerProcess


# A worker extracts ~100 pages/s, more than a polite crawl fetches; more workers would only hold memory
# (~40 MB each) on a many-core machine. NEWSARCHIVE_EXTRACT_WORKERS sets any number.
MAX_DEFAULT_WORKERS = 4


def default_workers(cores: int | None = None) -> int:
    """Extraction workers for a machine of `cores` cores (this one's by default): one per core less one
    for the crawl itself, but two on two cores, at most 4; one on a single core.

    On two cores the crawl process does not keep a whole core busy (it waits on the network and on
    its own gzip threads), and a second worker keeps the extraction queue short: benchmarks/crawl.py
    measured 4.8 s with two workers against 5.2 s with one for the same 487 articles."""
    import os

    cores = cores if cores is not None else (os.cpu_count() or 1)
    if cores <= 1:
        return 1
    return max(2, min(MAX_DEFAULT_WORKERS, cores - 1))


# The outcome of a page whose worker process died (killed, out of memory, crashed parser) twice.
WORKER_DIED = ("error", "extract_error", "extraction failed: the extraction worker process died on this page "
               "or on one beside it", logging.ERROR, None)


class RecordPool:
    """A process pool that turns page items into records (see `record_outcome`).

    ``submit(page)`` returns a `concurrent.futures.Future` whose result is an outcome tuple; it never
    fails: a worker that dies (killed, out of memory, crashed parser) makes its pages fail with a
    ``BrokenProcessPool`` that is retried once on a fresh pool, then an
    ``extract_error`` naming the page. Workers are started with ``spawn`` (safe in a process whose
    Twisted reactor runs threads) and stop when the pool is shut down or the parent process dies.
    """

    def __init__(self, workers: int, run_id: str | None = None, retries: int = 1):
        if workers < 1:
            raise ValueError("a RecordPool needs at least one worker")
        self.workers = workers
        self.run_id = run_id
        self.retries = retries
        self._ctx = _WorkerContext()
        self._executor = None
        self._closed = False
        self.restarts = 0
        self._lock = threading.RLock()
        self._start()

    def _start(self) -> None:
        import os
        from concurrent.futures import ProcessPoolExecutor

        self._executor = ProcessPoolExecutor(self.workers, mp_context=self._ctx, initializer=_worker_init,
                                             initargs=(os.getpid(),))
        for _ in range(self.workers):   # start the workers now, while discovery runs
            self._executor.submit(_warm)

    def submit(self, page: dict[str, Any], attempt: int = 0):
        """A Future of the page's `page_work`: (outcome tuple, links or None); never raising."""
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        done: Future = Future()
        small = page_for_worker(page)

        def finished(fut) -> None:
            try:
                done.set_result(fut.result())
                return
            except BrokenProcessPool:
                if attempt < self.retries and not self._closed:
                    self._restart_if_broken()
                    try:
                        again = self.submit(small, attempt + 1)
                    except RuntimeError:
                        again = None
                    if again is not None:
                        again.add_done_callback(lambda f: done.set_result(f.result()))
                        return
                done.set_result((WORKER_DIED, None))
            except BaseException as exc:  # noqa: BLE001 - e.g. a page that cannot be pickled
                done.set_result((("error", "extract_error", f"extraction failed: {exc!r}", logging.ERROR, None), None))

        try:
            fut = self._executor.submit(page_work, small, self.run_id)
        except BaseException as exc:  # noqa: BLE001 - broken or shut down pool
            if self._closed:
                raise RuntimeError("the extraction pool is shut down") from None
            if isinstance(exc, BrokenProcessPool):
                if attempt < self.retries:
                    self._restart_if_broken()
                    return self.submit(small, attempt + 1)
                done.set_result((WORKER_DIED, None))
            else:
                done.set_result((("error", "extract_error", f"extraction failed: {exc!r}", logging.ERROR, None), None))
            return done
        fut.add_done_callback(finished)
        return done

    def _restart_if_broken(self) -> None:
        with self._lock:
            ex = self._executor
            if ex is not None and getattr(ex, "_broken", False) and not self._closed:
                self.restarts += 1
                logging.getLogger(__name__).warning("An extraction worker died; starting a fresh pool")
                ex.shutdown(wait=False, cancel_futures=True)
                self._start()

    def shutdown(self, wait: bool = True) -> None:
        """Finish the pages in hand (``wait``), then stop every worker."""
        self._closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=not wait)

