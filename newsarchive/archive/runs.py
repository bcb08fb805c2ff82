"""Run directories: their info (run.json), manifest, status, and sealing an interrupted run.

A run is *finished* when its manifest.json exists; it is then never modified. A run without a
manifest is *running* while the archive lock is held, else *interrupted* (killed, power loss, disk
full). `seal_interrupted` makes an interrupted run finished: torn tails of its line files and of its
WARC file are moved aside into ``<file>.torn`` (never deleted), the complete part is kept byte for
byte, and a manifest with status "interrupted" and counts recomputed from the files is written.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from newsarchive.archive import layout as L
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.lines import TornTail, iter_lines

log = logging.getLogger(__name__)


# --- completeness ---------------------------------------------------------------------------------
# A *complete* run is a whole view of its sites: a snapshot drops the articles of a site that the last
# complete crawl of it did not see (newsarchive/archive/snapshot.py). Its status must be "finished"
# (ran out of work: not limited, stopped, failed or interrupted) and it must have set out to see the
# whole site. These runs did not, whatever their status:
# - a date window (--since/--until): articles published outside it are never fetched nor listed as
#   seen. (Complete within the window would need each archived article's date checked against the
#   window, and an undated or misdated one would be dropped wrongly: not worth the risk.)
# - a run that resumed a stopped crawl's queue (JOBDIR): the discovery pages the earlier run had
#   fetched are in Scrapy's seen-set, so the articles they listed are not seen again by this run.
# - a run that cut a listing walk short while older listing pages remained (every article on a page
#   archived already, or NEWSARCHIVE_MAX_LISTING_PAGES reached; crawl stat
#   newsarchive/discovery/listing_walks_cut): the articles on the pages it did not read were not seen.
#   So an incremental crawl of an outlet discovered through listings alone never removes articles
#   unless it walks every listing to its last page.
# - a run in which a discovery document it was told of (a sitemap or sub-sitemap, a feed, a listing
#   page, the home page) failed: HTTP error after retries, timeout, unreadable XML or HTML (crawl stat
#   newsarchive/discovery/documents_failed). The articles listed only in it were not seen. A guessed
#   path (the usual sitemap and feed paths) that is missing is not counted (probe_missing/probe_failed).
# - a run whose JOBDIR (its request queue on disk) could not be written, a full disk
#   (newsarchive/jobdir_error, newsarchive/scrapy_ext/jobdir.py): requests queued then may be lost.
# - a run that did not walk the home sections beyond NEWSARCHIVE_MAX_SECTIONS (a setting of the
#   discovery before the union frontier; newsarchive/discovery/sections_cut).
# - a run in which an outlet's discovery did not end having read a whole-site listing: a regular
#   sitemap (one listing articles without news:publication_date) or a listing walk. Feeds and Google
#   News sitemaps list only recent items (about 48 hours, or the last N). The spider sets
#   newsarchive/discovery/outlets and counts newsarchive/discovery/whole_site_outlets; fewer whole than
#   outlets is partial. A run of the spider written before these stats that read feeds is partial too.
# Runs of the union frontier (newsarchive.discovery.frontier) carry their own account per outlet in
# the manifest's ``coverage``: an outlet is seen whole only if a whole-site listing (a regular sitemap
# with all its children, or a listing walk) was read to its end, no discovery document failed, no
# walk was cut short or stopped in known territory, no hub was left unread and no document was skipped
# as unchanged; the stats rules above are how older runs are judged.
# When unsure, partial: a partial run never removes an article, it only delays a removal report.
# (A due revisit whose fetch fails other than with 404/410 is sighted as listed, spiders/outlet.py
# `_still_listed`, so a complete run does not drop it for a transient error.)
# Read from the run's options, notes and crawl stats (run.json and the manifest), so `newsarchive
# reindex` applies the rule to runs written before it too.
WINDOW_OPTIONS = ("spider.since", "spider.until", "NEWSARCHIVE_SINCE", "NEWSARCHIVE_UNTIL")


def partial_reasons(info: dict[str, Any]) -> list[str]:
    """Why a run (its run.json or manifest) did not set out to see the whole of its sites; [] if it did."""
    opts = info.get("options") or {}
    reasons = []
    window = {k: opts[k] for k in WINDOW_OPTIONS if opts.get(k) not in (None, "")}
    if window:
        reasons.append("date window (" + ", ".join(f"{k}={v}" for k, v in window.items()) + ")")
    if info.get("resumed_jobdir"):
        reasons.append(f"resumed a stopped crawl's queue ({info['resumed_jobdir']})")
    coverage = info.get("coverage")
    if isinstance(coverage, dict) and coverage:
        # the discovery frontier's own account, per outlet (newsarchive.discovery.frontier)
        for outlet, report in sorted(coverage.items()):
            if isinstance(report, dict) and not report.get("whole_site", False):
                why = "; ".join(report.get("partial") or []) or "not seen whole"
                reasons.append(f"{outlet}: {why}")
        return reasons
    stats = info.get("crawl_stats") or {}
    cut = stats.get("newsarchive/discovery/listing_walks_cut")
    if cut:
        reasons.append(f"{cut} listing walk(s) stopped before the last page")
    failed = stats.get("newsarchive/discovery/documents_failed")
    if failed:
        reasons.append(f"{failed} discovery document(s) (sitemap, feed, listing or home page) failed or unreadable")
    if stats.get("newsarchive/jobdir_error"):
        reasons.append("its JOBDIR could not be written (a full disk: queued requests may not have been fetched)")
    sections = stats.get("newsarchive/discovery/sections_cut")
    if sections:
        reasons.append(f"{sections} home section(s) beyond NEWSARCHIVE_MAX_SECTIONS not walked")
    outlets = stats.get("newsarchive/discovery/outlets")
    if outlets is not None:
        whole = stats.get("newsarchive/discovery/whole_site_outlets") or 0
        if whole < outlets:
            reasons.append(f"{outlets - whole} of {outlets} site(s) read no whole-site listing (only feeds, news "
                           "sitemaps or nothing)")
    elif stats.get("newsarchive/discovery/feeds_read"):
        reasons.append("read feeds (recent items only) and was written before the whole-site rule")
    return reasons


def is_complete(info: dict[str, Any], status: str | None) -> bool:
    """A run is complete (a whole view of its sites) when it finished and covered the whole site."""
    return status == "finished" and not partial_reasons(info)


def now_iso(precise: bool = False) -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds" if precise else "seconds")


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all: temp file, fsync, rename, fsync the directory.
    Raises OSError (the temp file removed) when it cannot."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to `path` atomically (`write_bytes_atomic`)."""
    write_bytes_atomic(path, (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8"))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"{path}: unreadable ({exc})") from None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- the archive lock -----------------------------------------------------------------------


class ArchiveBusy(ArchiveError):
    """Another process holds the archive's write lock (a crawl, `newsarchive reindex`...): nothing was changed."""


def _holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it (pid, what, since when), or ''."""
    try:
        info = json.loads(path.read_text("utf-8") or "{}")
    except (OSError, ValueError):
        return ""
    if not isinstance(info, dict) or not info.get("pid"):
        return ""
    return (f"{info.get('purpose') or 'a run'}, pid {info['pid']} on {info.get('host', '?')}, "
            f"since {info.get('started_at', '?')}")


@contextmanager
def archive_lock(root: Path, purpose: str = "a crawl") -> Iterator[None]:
    """Hold the archive's write lock (one writer at a time); `ArchiveBusy`, with who holds it, when
    another process does. The lock file holds the holder's pid, purpose and start time (for that
    message only: the lock is the flock, released by the kernel when its holder dies)."""
    root.mkdir(parents=True, exist_ok=True)
    fh = open(root / L.LOCK, "a+")
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        who = _holder(root / L.LOCK)
        raise ArchiveBusy(f"{root}: another run is writing this archive ({who or 'lock ' + str(root / L.LOCK) + ' is held'})"
                          ) from None
    try:
        import socket

        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "purpose": purpose,
                             "started_at": now_iso()}) + "\n")
        fh.flush()
    except OSError:     # a full disk: the lock is held all the same, only the message loses its details
        pass
    try:
        yield
    finally:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


class HeldLock:
    """The archive lock held until released explicitly (a crawl from its start, then its RunWriter) or
    until the process dies."""

    def __init__(self, root: Path, purpose: str = "a crawl"):
        self._cm = archive_lock(Path(root), purpose)
        self._cm.__enter__()
        self.root = Path(root)
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self._cm.__exit__(None, None, None)


def lock_is_held(root: Path) -> bool:
    path = root / L.LOCK
    if not path.exists():
        return False
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return False


# --- run info ---------------------------------------------------------------------------------


def run_info(run: Path) -> dict[str, Any]:
    """run.json merged with manifest.json (manifest wins); `status` is finished/running/interrupted."""
    info = read_json(run / L.RUN_INFO) or {}
    manifest = read_json(run / L.MANIFEST)
    if manifest:
        info = {**info, **manifest}
        info.setdefault("status", "finished")
    info.setdefault("run_id", run.name)
    info.setdefault("kind", "crawl")
    info.setdefault("started_at", None)
    info["sealed"] = manifest is not None
    return info


def run_status(root: Path, run: Path) -> str:
    if (run / L.MANIFEST).exists():
        return (read_json(run / L.MANIFEST) or {}).get("status", "finished")
    return "running" if lock_is_held(root) else "interrupted"


def _set_aside_line_tail(path: Path, torn: list[TornTail]) -> dict[str, Any] | None:
    """Rewrite a line file keeping its complete lines; its torn tail goes to <file>.torn.

    The file is rewritten even without a torn tail: a killed writer never ended its zstd frame, and
    some readers (the zstd tool, readers that stop at an unfinished frame) need the end mark."""
    tmp = path.with_name(path.name + ".tmp")
    from newsarchive.archive.lines import LineAppender

    out = LineAppender(tmp, zstd=path.name.endswith(".zst"))
    for _, line in iter_lines(path, on_torn=None):
        out.write(line.rstrip("\n"))
    out.close()
    if not torn:
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        return None
    aside = path.with_name(path.name + L.TORN_SUFFIX)
    with open(aside, "a", encoding="utf-8") as fh:
        for t in torn:
            fh.write(t.text + "\n")
    os.replace(tmp, path)
    _fsync_dir(path.parent)
    return {"file": path.name, "line": torn[0].line, "bytes": len(torn[0].text.encode("utf-8")),
            "set_aside_to": aside.name}


def _set_aside_warc_tail(path: Path) -> dict[str, Any] | None:
    from newsarchive.archive.warc import complete_length

    size = path.stat().st_size
    keep = complete_length(path)
    if keep >= size:
        return None
    aside = path.with_name(path.name + L.TORN_SUFFIX)
    with open(path, "rb") as src, open(aside, "ab") as dst:
        src.seek(keep)
        shutil.copyfileobj(src, dst)
        dst.flush()
        os.fsync(dst.fileno())
    with open(path, "r+b") as fh:
        fh.truncate(keep)
        os.fsync(fh.fileno())
    return {"file": path.name, "offset": keep, "bytes": size - keep, "set_aside_to": aside.name}


def seal_interrupted(root: Path, run: Path) -> dict[str, Any]:
    """Finish an interrupted run: set torn tails aside, write its manifest (status "interrupted")."""
    info = read_json(run / L.RUN_INFO) or {"run_id": run.name}
    torn_report = []
    for name in (L.ARTICLES, L.UNCHANGED, L.LISTED, L.REJECTS, L.NOT_ARTICLES):
        path = run / name
        if path.exists():
            torn: list[TornTail] = []
            count = sum(1 for _ in iter_lines(path, on_torn=torn.append))
            item = _set_aside_line_tail(path, torn)
            if item:
                torn_report.append(item)
                log.warning("%s: %s", run.name, torn[0])
    if (run / L.CAPTURES).exists():
        item = _set_aside_warc_tail(run / L.CAPTURES)
        if item:
            torn_report.append(item)
            log.warning("%s: torn WARC record (%s bytes) set aside to %s", run.name, item["bytes"], item["set_aside_to"])
    counts = {
        "articles_written": _count(run / L.ARTICLES),
        "articles_unchanged": _count(run / L.UNCHANGED),
        "articles_seen_archived": _count(run / L.LISTED),
        "rejects": _count(run / L.REJECTS),
        "not_articles_listed": _count(run / L.NOT_ARTICLES),
    }
    manifest = {
        **info,
        "status": "interrupted",
        "complete": False,
        "finished_at": None,
        "sealed_at": now_iso(),
        "finish_reason": "interrupted (sealed by recovery; counts recomputed from the files)",
        "counts": counts,
        "torn": torn_report,
        "files": file_table(run),
    }
    write_json_atomic(run / L.MANIFEST, manifest)
    return manifest


def _count(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(1 for _ in iter_lines(path, on_torn=None))


def file_table(run: Path) -> dict[str, dict[str, Any]]:
    """{file name: {bytes, sha256}} for every file of the run except the manifest itself."""
    table = {}
    for path in sorted(run.iterdir()):
        if path.is_file() and path.name != L.MANIFEST and not path.name.endswith(".tmp"):
            table[path.name] = {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
    return table


def verify_run(run: Path) -> list[str]:
    """Problems found comparing a finished run's files with the sha256 sums of its manifest."""
    manifest = read_json(run / L.MANIFEST)
    if manifest is None:
        return [f"{run.name}: no manifest (running or interrupted)"]
    problems = []
    for name, meta in (manifest.get("files") or {}).items():
        path = run / name
        if not path.exists():
            problems.append(f"{run.name}/{name}: missing")
        elif sha256_file(path) != meta.get("sha256"):
            problems.append(f"{run.name}/{name}: sha256 differs from the manifest")
    return problems
