"""Incremental and resumable crawls: what is archived already, what is due again, where a run stopped.

**Known articles.** ``CrawlState.load(archive_dir)`` reads what the archive already holds (URL, final
URL, published and fetched times of every stored record) from the archive index
(``newsarchive.archive.index``), or by reading the JSON Lines records when there is no index. A URL archived before is not fetched
again, unless the revisit schedule says it is due.

**Revisit schedule.** Recent articles get edited, so they are fetched again on an age-based schedule,
the ``NEWSARCHIVE_REVISIT`` setting, written ``AGE=INTERVAL,...``: ``"1d=0,7d=1d,30d=7d"`` (the default)
means under a day old: on every run; under a week: once a day; under a month: once a week; older:
never. Ages and intervals take ``s``/``m``/``h``/``d``/``w`` units; an article without a known
publication date is never revisited.

**Resume.** A crawl keeps Scrapy's JOBDIR (persisted request queue and seen-set) under the archive,
``<archive>/.jobs/<key>/`` (one per targets and date window). A run stopped before the end by
Ctrl-C / SIGTERM or by a Scrapy limit (-s CLOSESPIDER_ITEMCOUNT / _PAGECOUNT / _TIMEOUT: any close
reason but "finished") leaves it for the next run to resume. A run whose close reason is "finished"
marks it done and the next run starts afresh; that includes a ``--max-articles`` run, which stops
scheduling articles once its budget is spent and then finishes (its run status is "limited"): the
next run discovers again and skips what was archived. A run that resumed a queue is never
*complete* in the archive (it did not see what the stopped run discovered), see
``newsarchive.archive.runs.is_complete``. A run that died (SIGKILL, crash, power loss)
leaves a ``RUNNING`` marker behind: its JOBDIR cannot be trusted (Scrapy writes the queue state only
when it closes), so the next run discards it and starts discovery again, and the known-articles view
of the archive keeps it from fetching anything that was archived.

**One crawl at a time per archive.** A crawl takes the archive's write lock before it touches
anything (`claim_crawl`, first thing in the spider's ``from_crawler``: before it reads the archive's
index, before it looks at its JOBDIR), and holds it to the end (its RunWriter takes it over). A
second crawl of the same archive (the same command, other targets, or ``newsarchive reindex``
beside a crawl) is refused at once (``ArchiveBusy``) and changes nothing: not the running crawl's
JOBDIR or RUNNING marker, not the index, not its own JOBDIR. Holding the lock is also what makes a
RUNNING marker trustworthy: a live crawl of this archive would hold the lock, so a marker found by
the holder was left by a crawl that died.

**A JOBDIR a full disk or a crash damaged** (an empty or torn ``requests.queue/active.json``, an
unreadable ``spider.state`` or ``inflight.json``: Scrapy writes them when the crawl closes) is
discarded like a crashed run's (`prepare_jobdir` says ``"discarded"``), with a warning, instead of
every later run failing to start. newsarchive's own files in it are written atomically.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

from newsarchive.timeutil import iso_or_none

logger = logging.getLogger(__name__)

DEFAULT_REVISIT = "1d=0,7d=1d,30d=7d"

# A Scrapy signal (any unique object serves): the spider sends it, with ``url=``, when it discovers an
# article URL and does not fetch it because it is archived already (or drops such a URL from its
# queue). The store pipeline records the article as seen by the run (RunWriter.seen_archived), so a
# snapshot as of a complete incremental run still holds the articles it did not need to fetch.
archived_url_seen = object()

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> timedelta:
    """``"0"``, ``"90s"``, ``"12h"``, ``"7d"``, ``"2w"`` -> timedelta (ValueError on anything else)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text or "")
    if not m:
        raise ValueError(f"not a duration: {text!r} (use e.g. 12h, 7d, 2w)")
    value, unit = float(m.group(1)), m.group(2) or "s"
    if unit == "s" and value != 0 and not m.group(2):
        raise ValueError(f"duration {text!r} needs a unit (s, m, h, d, w)")
    return timedelta(seconds=value * _UNITS[unit])


@dataclass(frozen=True)
class RevisitSchedule:
    """Ordered (max_age, min_interval) rules: an article younger than max_age is refetched once
    min_interval has passed since its last fetch. Past the last rule: never."""

    rules: tuple[tuple[timedelta, timedelta], ...]

    @classmethod
    def parse(cls, text: str | Iterable | None) -> "RevisitSchedule":
        if text is None or text == "":
            return cls(())
        if isinstance(text, str):
            pairs = [p for p in text.split(",") if p.strip()]
            rules = []
            for pair in pairs:
                age, sep, interval = pair.partition("=")
                if not sep:
                    raise ValueError(f"revisit rule {pair!r} is not AGE=INTERVAL (e.g. 7d=1d)")
                rules.append((parse_duration(age), parse_duration(interval)))
        else:
            rules = [(parse_duration(str(a)), parse_duration(str(i))) for a, i in text]
        rules.sort(key=lambda r: r[0])
        return cls(tuple(rules))

    def due(self, published: datetime | None, last_fetched: datetime | None, now: datetime) -> bool:
        if published is None:
            return False
        age = now - published
        for max_age, interval in self.rules:
            if age < max_age:
                return last_fetched is None or now - last_fetched >= interval
        return False

    def describe(self) -> str:
        if not self.rules:
            return "never revisit"
        return ", ".join(f"under {a} old: every {i}" if i else f"under {a} old: every run" for a, i in self.rules)


@dataclass
class Known:
    published: datetime | None = None
    fetched: datetime | None = None


def _when(value) -> datetime | None:
    return iso_or_none(value)   # a time without a zone is UTC (what the archive writes)


class CrawlState:
    """Which article URLs are archived, with their publication and last-fetch times."""

    def __init__(self, schedule: RevisitSchedule | None = None, now: datetime | None = None):
        self.schedule = schedule or RevisitSchedule.parse(DEFAULT_REVISIT)
        self.now = now or datetime.now(timezone.utc)
        self.known: dict[str, Known] = {}

    # -- reading the archive ------------------------------------------------------------------
    @classmethod
    def load(cls, archive_dir: str | Path | None, schedule: RevisitSchedule | None = None,
             owns: Callable[[str], bool] | None = None, now: datetime | None = None) -> "CrawlState":
        state = cls(schedule, now)
        if archive_dir and _load_from_index(state, Path(archive_dir), owns):
            return state
        if archive_dir:
            _load_from_files(state, Path(archive_dir), owns)
        return state

    def remember(self, url: str, final_url: str | None, published: datetime | None,
                 fetched: datetime | None) -> None:
        for key in {url, final_url} - {None, ""}:
            k = self.known.get(key)
            if k is None:
                self.known[key] = Known(published, fetched)
            else:
                k.published = published or k.published
                if fetched and (k.fetched is None or fetched > k.fetched):
                    k.fetched = fetched

    # -- deciding ------------------------------------------------------------------------------
    def status(self, url: str) -> str:
        """``"new"`` (never archived), ``"due"`` (archived, revisit due) or ``"archived"`` (skip)."""
        k = self.known.get(url)
        if k is None:
            return "new"
        if k.fetched is not None and k.fetched >= self.now:
            return "archived"       # fetched during this run already
        return "due" if self.schedule.due(k.published, k.fetched, self.now) else "archived"

    def __len__(self) -> int:
        return len(self.known)


def _load_from_index(state: "CrawlState", root: Path, owns) -> bool:
    """Fill ``state`` from the archive index (``newsarchive.archive.index``); False if there is none.

    Opening the index brings it up to date with every run, interrupted ones included (their torn
    tails set aside), so an article a killed crawl had stored counts as archived.
    """
    try:
        from newsarchive.archive import layout
        from newsarchive.archive.index import Index
    except ImportError:
        return False
    if not layout.is_archive(root):
        return False
    import sqlite3

    from newsarchive.archive.index import index_error

    index = Index.open(root)
    try:
        rows = index.db.execute(
            "SELECT url, final_url, canonical_url, published_at, fetched_at, id FROM versions").fetchall()
        seen = index.db.execute("SELECT id, fetched_at FROM sightings WHERE fetched_at IS NOT NULL").fetchall()
        index.close()
    except sqlite3.DatabaseError as exc:      # locked, full or damaged: one clear error
        index.db.close()
        raise index_error(exc, index.path, "read") from None
    # The latest fetch of each article: its stored versions and its unchanged re-fetches (sightings)
    # (times compared as instants, not as strings: offsets may differ)
    latest: dict[str, datetime] = {}
    for aid, fetched in seen:
        when = _when(fetched)
        if aid and when is not None and (aid not in latest or when > latest[aid]):
            latest[aid] = when
    for url, final_url, canonical, published, fetched, aid in rows:
        if not url or (owns and not owns(url)):
            continue
        when = _latest(_when(fetched), latest.get(aid))
        state.remember(url, final_url, _when(published), when)
        if canonical and canonical != url and (not owns or owns(canonical)):
            state.remember(canonical, None, _when(published), when)
    return True


def _latest(*times: datetime | None) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _load_from_files(state: "CrawlState", root: Path, owns) -> None:
    """Fill ``state`` from the record files alone (no index): records, then unchanged re-fetches."""
    urls_of: dict[str, set[str]] = {}
    for record in iter_archived_records(root):
        url = record.get("url")
        if not url or (owns and not owns(url)):
            continue
        state.remember(url, record.get("final_url"), _when(record.get("published_at")),
                       _when(record.get("fetched_at")))
        if record.get("id"):
            urls_of.setdefault(record["id"], set()).update({url, record.get("final_url")} - {None, ""})
    for aid, url, fetched in iter_refetches(root):
        for key in urls_of.get(aid, set()) | ({url} if url in state.known else set()):
            state.remember(key, None, None, _when(fetched))


def iter_refetches(archive_dir: Path):
    """(article id, URL, fetch time) of every unchanged re-fetch recorded under an archive
    (``runs/*/unchanged.tsv.zst``: the article was fetched again, its content hash unchanged)."""
    try:
        from newsarchive.archive.lines import iter_lines
    except ImportError:
        return
    if not archive_dir.is_dir():
        return
    for path in sorted(archive_dir.rglob("unchanged.tsv*")):
        if not path.is_file() or path.name.endswith(".torn"):
            continue
        try:
            for _, line in iter_lines(path):
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 6:
                    yield parts[0], parts[5], parts[4] or None
        except ValueError as exc:
            logger.warning("Archive file partly unreadable: %s", exc)


def iter_archived_records(archive_dir: Path):
    """Every stored record under an archive (JSON Lines, plain/gzip/zstd), rejects excluded.

    Unreadable lines (a torn last line after a crash) are skipped with a warning: they never stored
    an article, so the article is fetched again.
    """
    try:  # the archive's reader sets a torn tail (crash mid-write) aside instead of failing
        from newsarchive.archive.lines import iter_lines
    except ImportError:
        from newsarchive.jsonl import iter_lines

    if not archive_dir.is_dir():
        return
    from newsarchive.jsonl import record_files

    for path in record_files(archive_dir):
        try:
            for number, line in iter_lines(path):
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    logger.warning("Unreadable archive line skipped: %s:%d", path, number)
                    continue
                if isinstance(record, dict):
                    yield record
        except ValueError as exc:
            logger.warning("Archive file partly unreadable: %s", exc)


# -- JOBDIR ---------------------------------------------------------------------------------------
RUNNING_MARKER = "RUNNING"
FINISHED_MARKER = "FINISHED"


def jobdir_for(archive_dir: str | Path, targets: Iterable[str], window: str = "") -> Path:
    """The JOBDIR of a crawl: one per (targets, date window), under the archive."""
    key = "\n".join(sorted(targets)) + "\n" + window
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return Path(archive_dir) / ".jobs" / digest


INFLIGHT = "inflight.json"     # requests in flight when the crawl stopped (written by the spider)


def jobdir_damage(jobdir: Path) -> str | None:
    """Why a stopped crawl's JOBDIR cannot be resumed (a file Scrapy or the spider reads back is empty
    or unreadable: a full disk, a crash while it was written), or None."""
    import pickle

    queue = jobdir / "requests.queue"
    active = queue / "active.json"
    # a scheduler that closed writes its queue's state; none means it could not (a full disk) or the
    # queue was never closed
    if queue.is_dir() and not active.exists():
        return f"{active} is missing"
    if not queue.exists() and (jobdir / "requests.seen").exists():
        return f"{queue} is missing"
    for path in (active, jobdir / INFLIGHT):
        if path.exists():
            try:
                json.loads(path.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                return f"{path} is unreadable ({exc})"
    state = jobdir / "spider.state"
    if state.exists():
        try:
            with open(state, "rb") as fh:
                pickle.load(fh)
        except Exception as exc:  # noqa: BLE001 - any unpickling failure means it cannot be resumed
            return f"{state} is unreadable ({type(exc).__name__}: {exc})"
    return None


def prepare_jobdir(jobdir: str | Path) -> str:
    """Check a JOBDIR before a run opens it: ``"fresh"``, ``"resume"`` or ``"discarded"`` (after a
    crash, or damaged). Call it holding the archive's lock (`claim_crawl` does): it deletes what no
    live crawl can be using then."""
    jobdir = Path(jobdir)
    if not jobdir.exists():
        return "fresh"
    if (jobdir / FINISHED_MARKER).exists():      # the last run finished: start afresh
        shutil.rmtree(jobdir, ignore_errors=True)
        return "fresh"
    if (jobdir / RUNNING_MARKER).exists():
        logger.warning("The previous crawl in %s did not stop cleanly; its queue is discarded and "
                       "discovery starts again (archived articles are not fetched twice).", jobdir)
        shutil.rmtree(jobdir, ignore_errors=True)
        return "discarded"
    damage = jobdir_damage(jobdir)
    if damage:
        logger.warning("The stopped crawl in %s cannot be resumed: %s; its queue is discarded and discovery "
                       "starts again (archived articles are not fetched twice).", jobdir, damage)
        shutil.rmtree(jobdir, ignore_errors=True)
        return "discarded"
    return "resume" if any(jobdir.iterdir()) else "fresh"


def write_atomic(path: Path, text: str) -> None:
    """Write a small file whole or not at all (``archive.runs.write_bytes_atomic``): never an empty or
    torn one."""
    from newsarchive.archive.runs import write_bytes_atomic

    write_bytes_atomic(path, text.encode("utf-8"))


def mark_running(jobdir: str | Path) -> None:
    jobdir = Path(jobdir)
    jobdir.mkdir(parents=True, exist_ok=True)
    write_atomic(jobdir / RUNNING_MARKER, datetime.now(timezone.utc).isoformat())


def mark_stopped(jobdir: str | Path, finished: bool) -> None:
    """A clean stop keeps the JOBDIR for resuming; a finished crawl marks it for removal (the next
    run removes it: Scrapy still writes into it while the crawl closes)."""
    jobdir = Path(jobdir)
    jobdir.mkdir(parents=True, exist_ok=True)
    if finished:
        write_atomic(jobdir / FINISHED_MARKER, "finished")
    (jobdir / RUNNING_MARKER).unlink(missing_ok=True)


class CrawlClaim:
    """What a crawl holds from its start: the archive's write lock (``lock``, a HeldLock; the store
    pipeline's RunWriter takes it over) and what it found in its JOBDIR (``status``: ``"fresh"``,
    ``"resume"``, ``"discarded"``; ``""`` without a JOBDIR)."""

    def __init__(self, lock, jobdir: Path | None, status: str):
        self.lock = lock
        self.jobdir = jobdir
        self.status = status

    def release(self, *args, **kwargs) -> None:
        """Release the lock (idempotent; also a signal handler: engine_stopped)."""
        if self.lock is not None:
            self.lock.release()

    @contextlib.contextmanager
    def released_on_error(self):
        """Release the lock if the block raises (a crawl that could not start holds nothing)."""
        try:
            yield self
        except BaseException:
            self.release()
            raise


def claim_crawl(archive_dir: str | Path | None, jobdir: str | Path | None, crawler=None) -> CrawlClaim:
    """Take the archive's write lock, then prepare the JOBDIR (`prepare_jobdir`): first thing a crawl
    does. Raises ``ArchiveBusy`` (an ArchiveError) when another run holds the lock, having changed
    nothing. With `crawler`, the lock is also released when its engine stops (a crawl that failed
    after this)."""
    lock = None
    if archive_dir:
        from newsarchive.archive.runs import HeldLock

        lock = HeldLock(Path(archive_dir), purpose="newsarchive crawl")
    claim = CrawlClaim(lock, Path(jobdir) if jobdir else None, "")
    with claim.released_on_error():
        if jobdir:
            claim.status = prepare_jobdir(jobdir)
        if crawler is not None and lock is not None:
            from scrapy import signals

            crawler.signals.connect(claim.release, signal=signals.engine_stopped, weak=False)
    return claim
