"""The archive index (index.sqlite): per article, its versions, content hashes, dates and where each
record sits (run, line); per run, which articles it saw. Derived data: `refresh` brings it up to date
with the runs incrementally, `reindex` rebuilds it from scratch, and deleting it loses nothing.

Article identity is the record's ``id`` (from the canonical URL); ``history`` also finds an article
by any URL it was fetched under.

A run's ``crawl`` is the id of the shared crawl it was one worker of (``shared_crawl`` in run.json, or
``newsarchive/shared_crawl`` in the manifest's crawl_stats; see newsarchive/distributed.py), else its
own run id: snapshots read the runs of one crawl together.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any, Iterator

from newsarchive.archive import layout as L
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.lines import TornTail, iter_lines
from newsarchive.archive.runs import is_complete, lock_is_held, run_info, seal_interrupted

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, ord INTEGER, kind TEXT, status TEXT, complete INTEGER,
    started_at TEXT, finished_at TEXT, sealed INTEGER, articles_bytes INTEGER, unchanged_bytes INTEGER,
    crawl TEXT,  -- the crawl the run belongs to: a shared crawl's id (several workers' runs), else its run_id
    listed_bytes INTEGER
);
CREATE TABLE IF NOT EXISTS versions (
    id TEXT NOT NULL, version INTEGER NOT NULL, run_id TEXT NOT NULL, line INTEGER NOT NULL,
    url TEXT, final_url TEXT, canonical_url TEXT, site TEXT, content_hash TEXT,
    fetched_at TEXT, published_at TEXT, title TEXT, record_id TEXT,
    PRIMARY KEY (id, version)
);
CREATE INDEX IF NOT EXISTS versions_run ON versions(run_id, line);
CREATE INDEX IF NOT EXISTS versions_url ON versions(url);
CREATE INDEX IF NOT EXISTS versions_final ON versions(final_url);
CREATE INDEX IF NOT EXISTS versions_canonical ON versions(canonical_url);
-- Which articles each run saw: fetched (a version written, or unchanged: listed = 0), or discovered
-- and not fetched because archived already (listed = 1, fetched_at NULL; from the run's listed.tsv).
CREATE TABLE IF NOT EXISTS sightings (
    run_id TEXT NOT NULL, id TEXT NOT NULL, version INTEGER, site TEXT, fetched_at TEXT, url TEXT,
    listed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, id)
);
CREATE INDEX IF NOT EXISTS sightings_id ON sightings(id);
"""

SIGHTING = "INSERT OR REPLACE INTO sightings (run_id, id, version, site, fetched_at, url, listed) VALUES (?,?,?,?,?,?,?)"
LISTED_SIGHTING = "INSERT OR IGNORE INTO sightings (run_id, id, version, site, fetched_at, url, listed) VALUES (?,?,?,?,?,?,?)"


def _sighting_lines(path: Path, torn) -> Iterator[tuple[str, int, str | None, str | None, str]]:
    """(id, version, site, fetched_at, url) of each line of a run's unchanged.tsv.zst or listed.tsv.zst
    (tab-separated: id, version, content hash, site, fetched_at, url); none when the file is absent."""
    if not path.exists():
        return
    for _, line in iter_lines(path, on_torn=torn):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 6:
            continue
        aid, version, _hash, site, fetched, url = parts[:6]
        yield aid, int(version), site or None, fetched or None, url


BUSY_TIMEOUT = 30      # seconds SQLite waits for another process's lock on the index before giving up


class IndexLocked(ArchiveError):
    """Another process holds a lock on index.sqlite longer than BUSY_TIMEOUT: nothing was changed."""


def index_error(exc: sqlite3.Error, path: Path, doing: str = "used") -> ArchiveError:
    """The one clear error a SQLite failure of the index is: locked by another process, a full disk,
    or a damaged file (each says what to do)."""
    from newsarchive.archive.lines import DiskFullError

    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return IndexLocked(
            f"the archive index {path} is locked by another process ({exc}; waited {BUSY_TIMEOUT} s): a "
            "program holds it open in a transaction (a sqlite3 shell, a notebook, a tool that attached "
            "it). Close it and run again; nothing was changed")
    if "full" in text or "disk i/o" in text:
        return DiskFullError(
            f"the archive index {path} could not be {doing} ({exc}): the disk is probably full. Every record "
            "written before is intact and readable; free some space, then run `newsarchive reindex`")
    return ArchiveError(f"{path}: unusable index ({exc}); delete it and run `newsarchive reindex`")


class Index:
    """An open index.sqlite. Use `Index.open(root)` (refreshes) or `Index(root)` (as is)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.path = self.root / L.INDEX
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise index_error(exc, self.path, "opened") from None

    def _migrate(self) -> None:
        """An index written by an older version (runs without `crawl` or `listed_bytes`, sightings
        without `listed`) is dropped: it is derived data, and the next refresh rebuilds it from the runs."""
        cols = [row[1] for row in self.db.execute("PRAGMA table_info(runs)")]
        seen = [row[1] for row in self.db.execute("PRAGMA table_info(sightings)")]
        if (cols and not {"crawl", "listed_bytes"} <= set(cols)) or (seen and "listed" not in seen):
            log.info("%s: index format changed; rebuilding it from the runs", self.path)
            for table in ("runs", "versions", "sightings"):
                self.db.execute(f"DROP TABLE IF EXISTS {table}")
            self.db.commit()

    @classmethod
    def open(cls, root: str | Path) -> "Index":
        root = Path(root)
        if not L.is_archive(root):
            raise ArchiveError(f"{root}: not an archive (no runs/ folder)")
        index = cls(root)
        try:
            index.refresh()
        except sqlite3.DatabaseError as exc:
            index.db.close()
            raise index_error(exc, index.path, "brought up to date") from None
        return index

    def close(self) -> None:
        self.db.commit()
        self.db.close()

    # --- keeping up with the runs --------------------------------------------------------
    def refresh(self, exclude: str | None = None) -> list[str]:
        """Index the runs that are new or changed since last time; returns their ids."""
        known = {row[0]: row for row in self.db.execute(
            "SELECT run_id, sealed, articles_bytes, unchanged_bytes, listed_bytes FROM runs")}
        on_disk = {p.name: p for p in L.list_run_dirs(self.root)}
        done = []
        for run_id in set(known) - set(on_disk):
            self._forget(run_id)
            done.append(run_id)
        for run_id, path in on_disk.items():
            if run_id == exclude:
                continue
            row = known.get(run_id)
            sizes = (_size(path / L.ARTICLES), _size(path / L.UNCHANGED), _size(path / L.LISTED))
            sealed = (path / L.MANIFEST).exists()
            if row and row[1] and sealed and tuple(row[2:5]) == sizes:
                continue
            if row and not row[1] and not sealed and tuple(row[2:5]) == sizes:
                continue
            self.index_run(path)
            done.append(run_id)
        self._order()
        self.db.commit()
        return done

    def _forget(self, run_id: str) -> None:
        for table in ("versions", "sightings", "runs"):
            self.db.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))

    def index_run(self, run: Path, status_unsealed: str | None = None) -> dict[str, int]:
        """(Re)index one run directory from its files. A run without a manifest is "running" while the
        archive lock is held, else "interrupted" (`status_unsealed` says which, for a caller that holds
        the lock itself)."""
        info = run_info(run)
        run_id = run.name
        self._forget(run_id)
        status = info.get("status") if info["sealed"] else (
            status_unsealed or ("running" if lock_is_held(self.root) else "interrupted"))
        counts = {"records": 0, "unchanged": 0, "listed": 0, "duplicates": 0, "torn": 0}

        def torn(t: TornTail) -> None:
            counts["torn"] += 1
            log.warning("%s", t)

        articles = run / L.ARTICLES
        if articles.exists():
            for line_no, line in iter_lines(articles, on_torn=torn):
                try:
                    rec = json.loads(line)
                except ValueError:
                    log.warning("%s: line %d is not JSON; not indexed", articles, line_no)
                    continue
                self._add_version(rec, run_id, line_no, counts)
        unchanged, listed = run / L.UNCHANGED, run / L.LISTED
        for aid, version, site, fetched, url in _sighting_lines(unchanged, torn):
            self.db.execute(SIGHTING, (run_id, aid, version, site, fetched, url, 0))
            counts["unchanged"] += 1
        # after the fetches: a listed sighting never replaces a fetched one of the same article
        for aid, version, site, _fetched, url in _sighting_lines(listed, torn):
            cur = self.db.execute(LISTED_SIGHTING, (run_id, aid, version, site, None, url, 1))
            counts["listed"] += cur.rowcount   # 0 when the run fetched that article too
        # `complete` is recomputed (not only read from the manifest) so that runs written before a
        # rule of `is_complete` existed follow it too (e.g. an old windowed run marked complete)
        complete = bool(info.get("complete")) and is_complete(info, status)
        self.db.execute(
            "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (run_id, None, info.get("kind", "crawl"), status, 1 if complete else 0,
             info.get("started_at"), info.get("finished_at"), 1 if info["sealed"] else 0,
             _size(articles), _size(unchanged), crawl_of(info), _size(listed)),
        )
        return counts

    def _add_version(self, rec: dict[str, Any], run_id: str, line: int, counts: dict[str, int]) -> None:
        aid = rec.get("id")
        if not aid:
            return
        capture = rec.get("capture") or {}
        try:
            self.db.execute(
                "INSERT INTO versions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (aid, int(rec.get("version") or 1), run_id, line, rec.get("url"), rec.get("final_url"),
                 rec.get("canonical_url"), rec.get("site"), rec.get("content_hash"), rec.get("fetched_at"),
                 rec.get("published_at"), rec.get("title"), capture.get("record_id")),
            )
        except sqlite3.IntegrityError:
            counts["duplicates"] += 1
            log.warning("%s line %d: version %s of %s is already archived in another run; not indexed twice",
                        run_id, line, rec.get("version"), aid)
            return
        self.db.execute(SIGHTING, (run_id, aid, int(rec.get("version") or 1), rec.get("site"), rec.get("fetched_at"),
                                   rec.get("url"), 0))
        counts["records"] += 1

    def _order(self) -> None:
        rows = self.db.execute("SELECT run_id FROM runs ORDER BY COALESCE(started_at, ''), run_id").fetchall()
        self.db.executemany("UPDATE runs SET ord = ? WHERE run_id = ?", [(i, r[0]) for i, r in enumerate(rows, 1)])

    # --- used by the writer ----------------------------------------------------------------
    def latest(self, aid: str) -> tuple[int, str | None] | None:
        row = self.db.execute("SELECT version, content_hash FROM versions WHERE id = ? ORDER BY version DESC LIMIT 1",
                              (aid,)).fetchone()
        return (row[0], row[1]) if row else None

    def register_run(self, run_id: str, kind: str, started_at: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (run_id, None, kind, "running", 0, started_at, None, 0, -1, -1, run_id, -1))
        self._order()

    def set_crawl(self, run_id: str, crawl: str | None) -> None:
        self.db.execute("UPDATE runs SET crawl = ? WHERE run_id = ?", (crawl or run_id, run_id))

    def add_written(self, rec: dict[str, Any], run_id: str, line: int) -> None:
        self._add_version(rec, run_id, line, {"records": 0, "duplicates": 0})

    def add_unchanged(self, run_id: str, aid: str, version: int, site: str | None, fetched_at: str | None, url: str) -> None:
        self.db.execute(SIGHTING, (run_id, aid, version, site, fetched_at, url, 0))

    def add_listed(self, run_id: str, aid: str, version: int, site: str | None, url: str) -> bool:
        """A listed sighting (discovered, not fetched); False if the run saw the article already."""
        cur = self.db.execute(LISTED_SIGHTING, (run_id, aid, version, site, None, url, 1))
        return cur.rowcount > 0

    def seen_in(self, run_id: str, aid: str) -> bool:
        return self.db.execute("SELECT 1 FROM sightings WHERE run_id = ? AND id = ?", (run_id, aid)).fetchone() is not None

    def archived_as(self, url: str) -> list[tuple[str, int, str | None, str | None]]:
        """(id, latest version, its content hash, site) of each archived article `url` maps to (as
        fetched URL, final URL, canonical URL or id)."""
        rows = self.db.execute(
            "SELECT v.id, v.version, v.content_hash, v.site FROM versions v "
            "JOIN (SELECT id, MAX(version) AS version FROM versions WHERE id IN "
            "      (SELECT id FROM versions WHERE url = ?1 UNION SELECT id FROM versions WHERE final_url = ?1 "
            "       UNION SELECT id FROM versions WHERE canonical_url = ?1 UNION SELECT id FROM versions WHERE id = ?1) "
            "      GROUP BY id) l ON v.id = l.id AND v.version = l.version ORDER BY v.id", (url,)).fetchall()
        return [tuple(r) for r in rows]

    def commit(self) -> None:
        self.db.commit()

    # --- queries ------------------------------------------------------------------------------
    def runs(self) -> list[dict[str, Any]]:
        cur = self.db.execute("SELECT run_id, ord, kind, status, complete, started_at, finished_at FROM runs ORDER BY ord")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur]

    def versions_of(self, ids: list[str]) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(ids))
        cur = self.db.execute(
            f"SELECT v.*, r.ord FROM versions v JOIN runs r USING (run_id) WHERE v.id IN ({marks}) ORDER BY v.id, v.version",
            ids)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur]

    def ids_for_url(self, url: str) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT id FROM versions WHERE url = ? OR final_url = ? OR canonical_url = ? OR id = ?",
            (url, url, url, url)).fetchall()
        return [r[0] for r in rows]

    def sightings_of(self, aid: str) -> list[dict[str, Any]]:
        cur = self.db.execute(
            "SELECT s.run_id, s.version, s.fetched_at, s.listed, r.ord, r.kind FROM sightings s JOIN runs r USING (run_id) "
            "WHERE s.id = ? ORDER BY r.ord", (aid,))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur]


def crawl_of(info: dict[str, Any]) -> str:
    """The crawl a run belongs to: its shared crawl's id (workers of one crawl through Redis), else its id."""
    shared = info.get("shared_crawl") or (info.get("crawl_stats") or {}).get("newsarchive/shared_crawl")
    return str(shared) if shared else str(info.get("run_id"))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def reindex(root: str | Path, seal: bool = True) -> dict[str, Any]:
    """Rebuild index.sqlite from the runs. Interrupted runs are sealed first (torn tails set aside).

    Holds the archive's write lock throughout: beside a running crawl it raises ArchiveBusy and
    changes nothing (rebuilding would delete the index the crawl is writing to), and no crawl starts
    while it runs. Every run without a manifest is then an interrupted one.
    """
    from newsarchive.archive.runs import archive_lock

    root = Path(root)
    if not L.is_archive(root):
        raise ArchiveError(f"{root}: not an archive (no runs/ folder)")
    with archive_lock(root, "newsarchive reindex"):
        return _rebuild(root, seal)


def _rebuild(root: Path, seal: bool) -> dict[str, Any]:
    sealed = []
    if seal:
        for run in L.list_run_dirs(root):
            if not (run / L.MANIFEST).exists():
                seal_interrupted(root, run)
                sealed.append(run.name)
    for suffix in ("", "-wal", "-shm"):
        p = root / (L.INDEX + suffix)
        if p.exists():
            p.unlink()
    index = Index(root)
    totals = {"runs": 0, "records": 0, "unchanged": 0, "listed": 0, "duplicates": 0, "torn": 0}
    try:
        for run in L.list_run_dirs(root):
            counts = index.index_run(run, status_unsealed="interrupted")
            totals["runs"] += 1
            for k in ("records", "unchanged", "listed", "duplicates", "torn"):
                totals[k] += counts[k]
        index._order()
        articles = index.db.execute("SELECT COUNT(DISTINCT id) FROM versions").fetchone()[0]
        index.close()
    except sqlite3.DatabaseError as exc:
        raise index_error(exc, index.path, "written") from None
    totals["articles"] = articles
    totals["sealed"] = sealed
    totals["running"] = False
    return totals
