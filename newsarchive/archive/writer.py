"""RunWriter: one run's files (records, unchanged sightings, rejects, WARC captures, manifest).

    with RunWriter("data/archive", options={...}) as run:
        capture = run.capture(page)            # WARC request + response (or revisit); returns the pointer
        run.add(article, capture=capture)       # "new" | "changed" | "unchanged"
        run.seen_archived(url)                  # discovered, not fetched: archived already
    # leaving the block writes manifest.json (status "finished", or "failed" on an exception)

Guarantees:
- append-only: a run writes only inside its own new directory; finished runs are never opened for writing;
- crash-safe: every record reaches the OS before `add` returns (a zstd block per line), the WARC record
  a JSON record points to is written before the record, the manifest is written last and atomically;
  a run killed at any point leaves its complete records readable, and the next writer (or
  `newsarchive reindex`) seals it, setting any torn tail aside;
- one writer per archive (a lock file); the index is updated as records are written, so versions are
  right within a run and across runs;
- a full disk raises `DiskFullError` with a clear message; what was written stays readable.
"""

from __future__ import annotations

import logging
import platform
import sqlite3
import sys
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any

from newsarchive.archive import layout as L
from newsarchive.archive.dedup import CaptureIndex
from newsarchive.archive.index import Index, crawl_of, index_error
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.lines import NO_SPACE, DiskFullError, LineAppender, no_space
from newsarchive.archive.runs import (HeldLock, file_table, is_complete, now_iso, partial_reasons, read_json,
                                      seal_interrupted, write_json_atomic)
from newsarchive.archive.warc import CaptureWriter, EarlierCapture, PendingCapture, payload_digest, warcinfo
from newsarchive.article import Article, Capture
from newsarchive.jsonl import dumps

log = logging.getLogger(__name__)

COMMIT_EVERY = 200


def software_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("newsarchive", "scrapy", "warcio", "zstandard", "lxml"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


class RunWriter:
    """Writes one run of an archive. See the module docstring for the guarantees."""

    def __init__(self, root: str | Path, run_id: str | None = None, *, kind: str = "crawl",
                 options: dict[str, Any] | None = None, targets: list[str] | None = None,
                 fsync_every: int = 0, lock: HeldLock | None = None):
        """`lock`: the archive's write lock, taken already by the caller (a crawl takes it before it
        touches anything, ``newsarchive.crawlstate.claim_crawl``); the writer releases it when it
        closes. Without it the writer takes the lock itself (ArchiveBusy when another run holds it)."""
        self.root = Path(root)
        if lock is not None and lock.held and lock.root.resolve() == self.root.resolve():
            self._lock = lock
        else:
            self._lock = HeldLock(self.root)
        self.closed = False
        try:
            L.runs_dir(self.root).mkdir(exist_ok=True)
            self.sealed_on_open = self._seal_interrupted_runs()
            self.run_id = run_id or L.new_run_id()
            self.dir = L.run_dir(self.root, self.run_id)
            if self.dir.exists():
                raise ArchiveError(f"run {self.run_id} already exists in {self.root}: finished runs are never rewritten")
            self.dir.mkdir()
            self.index = Index(self.root)
            self.index.refresh(exclude=self.run_id)
            # payloads captured before, for revisit records (runs not seen yet are read once)
            self.captures = CaptureIndex(self.index.db, self.root)
            self.captures.catch_up(exclude=self.run_id)
            self.started_at = now_iso(precise=True)  # orders runs started within one second
            self.kind = kind
            self.info = {
                "format": L.RUN_FORMAT, "run_id": self.run_id, "kind": kind, "started_at": self.started_at,
                "software": software_versions(), "command": sys.argv, "options": options or {},
                "targets": targets or [],
            }
            write_json_atomic(self.dir / L.RUN_INFO, self.info)
            self.index.register_run(self.run_id, kind, self.started_at)
            self.index.commit()
            self._articles = LineAppender(self.dir / L.ARTICLES, fsync_every)
        except BaseException as exc:
            self._lock.release()
            # one clear error: the index locked or damaged, the disk full, the folder not writable
            if isinstance(exc, sqlite3.DatabaseError):
                raise index_error(exc, self.root / L.INDEX, "written") from None
            if isinstance(exc, OSError):
                if exc.errno in NO_SPACE:
                    raise no_space(exc, exc.filename or self.root) from None
                raise ArchiveError(f"cannot write the archive {self.root}: {exc.strerror or exc}") from None
            raise
        self.counts: Counter[str] = Counter()
        self.sites: Counter[str] = Counter()
        self._fsync_every = fsync_every
        self._unchanged: LineAppender | None = None
        self._listed: LineAppender | None = None
        self._rejects: LineAppender | None = None
        self._not_articles: LineAppender | None = None
        self._warc: CaptureWriter | None = None
        self._pending = 0
        self.broken: Exception | None = None

    def _seal_interrupted_runs(self) -> list[str]:
        sealed = []
        for run in L.list_run_dirs(self.root):
            if not (run / L.MANIFEST).exists():
                log.warning("run %s was interrupted; sealing it (its complete records are kept)", run.name)
                seal_interrupted(self.root, run)
                sealed.append(run.name)
        return sealed

    # --- writing ------------------------------------------------------------------------------
    def capture(self, page: dict[str, Any], *, role: str | None = None, dedup: bool = True) -> Capture:
        """Store the raw request/response of a page item in the run's WARC file; returns the pointer
        to the response holding its payload (an earlier one when the payload was archived already
        and a revisit record was written; `dedup=False` always writes a full response)."""
        digest = payload_digest(page.get("body") or b"")
        earlier = self.earlier_capture(page, digest) if dedup else None
        pending = self.capture_writer().prepare(page, digest=digest, revisit_of=earlier, role=role)
        return self.write_capture(pending.compress())

    def capture_writer(self) -> CaptureWriter:
        """The run's WARC writer (created, with its warcinfo record, on first use). Its `prepare` is
        thread-safe; call this on the writing thread."""
        self._check_open()
        if self._warc is None:
            self._warc = CaptureWriter(self.dir / L.CAPTURES, self.root,
                                       warcinfo(f"newsarchive/{software_versions().get('newsarchive', '?')}", self.run_id,
                                                {"operator": str((self.info.get("options") or {}).get("operator", ""))}
                                                if (self.info.get("options") or {}).get("operator") else None),
                                       started_at=self.started_at)
        return self._warc

    def earlier_capture(self, page: dict[str, Any], digest: str) -> EarlierCapture | None:
        """The full response the archive holds with this page's URL and payload digest, if any (a
        capture of the page is then a revisit record referring to it)."""
        self._check_open()
        return self.captures.lookup(page.get("final_url") or page["url"], digest)

    def prepare_capture(self, page: dict[str, Any], **kwargs: Any) -> PendingCapture:
        """First half of `capture`: the page's WARC records, serialised (`CaptureWriter.prepare`'s
        keywords: digest, revisit_of, role). Call `.compress()` on the result anywhere (a worker thread:
        it is pure and releases the GIL), then `write_capture` on this thread.
        (`capture_writer().prepare(page)` is the same, and may itself run in a thread.)"""
        return self.capture_writer().prepare(page, **kwargs)

    def write_capture(self, pending: PendingCapture) -> Capture:
        """Second half of `capture`: append the (compressed) records at the end of the WARC file.

        Returns the pointer to the response that holds the payload: this one, or for a revisit record
        the earlier response it refers to."""
        self._check_open()
        capture = pending.finish()
        self.counts["responses_captured"] += 1
        if pending.revisit_of is not None:
            self.counts["revisits_captured"] += 1
            return pending.revisit_of.capture()
        if pending.digest and pending.url:
            self.captures.add(pending.url, pending.digest, pending.date, capture.record_id, capture.warc_file,
                              capture.offset, capture.length)
        return capture

    def add(self, article: Article | dict[str, Any], capture: Capture | dict | None = None) -> str:
        """Archive a record: "unchanged" (same content hash as the latest version: counted, not written),
        "new" (version 1) or "changed" (version n+1)."""
        return self.add_record(article, capture)[0]

    def add_record(self, article: Article | dict[str, Any], capture: Capture | dict | None = None
                   ) -> tuple[str, dict[str, Any]]:
        """`add`, also returning the record: as written for "new" and "changed"; for "unchanged" the
        record of this fetch with the version it matches (nothing of it is written)."""
        self._check_open()
        try:
            return self._add(article, capture)
        except sqlite3.DatabaseError as exc:
            # SQLite reports a full disk or a file-size limit as "database or disk is full" / "disk I/O
            # error", another process's lock as "database is locked": one clear error each
            self.broken = exc
            raise index_error(exc, self.index.path, "written") from None

    def _add(self, article: Article | dict[str, Any], capture: Capture | dict | None) -> str:
        rec = article.to_dict() if isinstance(article, Article) else dict(article)
        aid = rec.get("id")
        if not aid:
            raise ArchiveError("a record without an id cannot be archived (call Article.finalise())")
        site = rec.get("site")
        self.sites[site or ""] += 1
        latest = self.index.latest(aid)
        if latest is not None and latest[1] == rec.get("content_hash"):
            if self._unchanged is None:
                self._unchanged = LineAppender(self.dir / L.UNCHANGED, self._fsync_every)
            fields = [aid, str(latest[0]), rec.get("content_hash") or "", site or "", rec.get("fetched_at") or "",
                      rec.get("url") or ""]
            self._unchanged.write("\t".join(f.replace("\t", " ").replace("\n", " ") for f in fields))
            self.index.add_unchanged(self.run_id, aid, latest[0], site, rec.get("fetched_at"), rec.get("url") or "")
            self.counts["articles_unchanged"] += 1
            outcome = "unchanged"
            rec["version"] = latest[0]
            rec["run_id"] = self.run_id
            if capture is not None:
                rec["capture"] = capture.__dict__.copy() if isinstance(capture, Capture) else dict(capture)
        else:
            rec["version"] = latest[0] + 1 if latest else 1
            rec["run_id"] = self.run_id
            if capture is not None:
                rec["capture"] = capture.__dict__.copy() if isinstance(capture, Capture) else dict(capture)
            self._articles.write(dumps(rec))
            self.index.add_written(rec, self.run_id, self._articles.lines)
            outcome = "new" if latest is None else "changed"
            self.counts[f"articles_{outcome}"] += 1
        self._pending += 1
        if self._pending >= COMMIT_EVERY:
            self.index.commit()
            self._pending = 0
        return outcome, rec

    def seen_archived(self, url: str) -> int:
        """The crawl discovered `url` (sitemap, feed, listing) and did not fetch it because it is
        archived already: record that this run saw the article(s) it maps to (by fetched, final or
        canonical URL), so that a snapshot as of a complete run keeps them. Written to the run's
        listed.tsv.zst (so `newsarchive reindex` finds it again) unless the run saw the article
        already. Returns the number of sightings recorded."""
        self._check_open()
        try:
            return self._seen_archived(url)
        except sqlite3.DatabaseError as exc:   # full, locked or damaged: one clear error, the crawl stops
            self.broken = exc
            raise index_error(exc, self.index.path, "written") from None

    def _seen_archived(self, url: str) -> int:
        matches = self.index.archived_as(url)
        if not matches:
            # known to the crawl but not to the index (e.g. a URL archived earlier in this very run
            # under another article id): nothing to record, counted so that it shows
            self.counts["seen_archived_unmapped"] += 1
            return 0
        n = 0
        for aid, version, content_hash, site in matches:
            if self.index.seen_in(self.run_id, aid):
                continue            # fetched (or listed under another URL) by this run already
            if self._listed is None:
                self._listed = LineAppender(self.dir / L.LISTED, self._fsync_every)
            fields = [aid, str(version), content_hash or "", site or "", "", url]
            self._listed.write("\t".join(f.replace("\t", " ").replace("\n", " ") for f in fields))
            self.index.add_listed(self.run_id, aid, version, site, url)
            self.counts["articles_seen_archived"] += 1
            n += 1
        self._pending += n
        if self._pending >= COMMIT_EVERY:
            self.index.commit()
            self._pending = 0
        return n

    def reject(self, record: dict[str, Any], errors: list[str]) -> None:
        """Keep a record that failed the schema apart, with its errors (never dropped)."""
        self._check_open()
        if self._rejects is None:
            self._rejects = LineAppender(self.dir / L.REJECTS, self._fsync_every)
        self._rejects.write(dumps({"errors": errors, "record": record}))
        self.counts["rejects"] += 1

    def not_article(self, page: dict[str, Any], kind: str, reason: str, capture: Capture | dict | None = None) -> None:
        """List a page fetched as an article that was judged not one (in not_articles.tsv.zst, with its
        capture pointer), counted as ``not_articles_listed``."""
        self._check_open()
        if self._not_articles is None:
            self._not_articles = LineAppender(self.dir / L.NOT_ARTICLES, self._fsync_every)
        cap = capture.__dict__ if isinstance(capture, Capture) else (capture or {})
        fields = [page.get("url") or "", page.get("final_url") or "", page.get("fetched_at") or "", kind or "",
                  reason or "", str(cap.get("warc_file") or ""), str(cap.get("offset", "")), str(cap.get("length", "")),
                  str(cap.get("record_id") or "")]
        self._not_articles.write("\t".join(str(f).replace("\t", " ").replace("\n", " ") for f in fields))
        self.counts["not_articles_listed"] += 1

    def note(self, **info: Any) -> None:
        """Add facts learnt after the run started (e.g. ``targets``, ``shared_crawl``) to run.json, rewritten
        atomically, so that a run killed later still has them; the manifest carries them too."""
        self._check_open()
        self.info.update(info)
        write_json_atomic(self.dir / L.RUN_INFO, self.info)
        if "shared_crawl" in info:
            self.index.set_crawl(self.run_id, crawl_of(self.info))
            self.index.commit()

    def attach(self, name: str, data: bytes) -> None:
        """Write a file of the run (e.g. ``discovery.json.zst``) whole and atomically, before the
        manifest lists it."""
        self._check_open()
        from newsarchive.archive.runs import write_bytes_atomic

        path = self.dir / name
        try:
            write_bytes_atomic(path, data)
        except OSError as exc:
            from newsarchive.archive.lines import no_space

            if exc.errno in NO_SPACE:
                raise no_space(exc, path) from None
            raise ArchiveError(f"cannot write {path}: {exc}") from None

    def count(self, name: str, n: int = 1) -> None:
        """Count an outcome for the manifest (e.g. "not_article", "fetch_errors")."""
        self.counts[name] += n

    def _check_open(self) -> None:
        if self.closed:
            raise ArchiveError(f"run {self.run_id} is closed")
        if self.broken is not None:
            raise ArchiveError(f"run {self.run_id} stopped after an earlier error ({self.broken})")

    # --- closing --------------------------------------------------------------------------------
    def close(self, status: str = "finished", finish_reason: str | None = None,
              stats: dict[str, Any] | None = None) -> dict[str, Any]:
        """Close the files and write the manifest (last, atomically). Returns the manifest."""
        if self.closed:
            return read_json(self.dir / L.MANIFEST) or {}
        self.closed = True
        errors: list[BaseException] = []
        for closer in (self._articles, self._unchanged, self._listed, self._rejects, self._not_articles, self._warc):
            if closer is not None:
                try:
                    closer.close()
                except OSError as exc:
                    errors.append(no_space(exc, closer.path) if exc.errno in NO_SPACE else exc)
                except ArchiveError as exc:
                    errors.append(exc)
        for closer in (self._articles, self._unchanged, self._listed, self._rejects, self._not_articles, self._warc):
            if closer is not None and closer.broken is not None and not errors:
                broken = closer.broken
                errors.append(no_space(broken, closer.path) if getattr(broken, "errno", None) in NO_SPACE
                              else ArchiveError(str(broken)))
        if self.broken is not None and not errors:
            errors.append(index_error(self.broken, self.index.path, "written")
                          if isinstance(self.broken, sqlite3.Error) else DiskFullError(str(self.broken)))
        try:
            if errors:
                # A run whose files could not be closed cleanly is left unsealed, like a killed run:
                # the next writer or `newsarchive reindex` seals it and sets any torn tail aside.
                first = errors[0]
                if isinstance(first, DiskFullError):
                    raise first
                raise ArchiveError(f"run {self.run_id}: could not close its files ({first})")
            seen = {**self.info, "crawl_stats": stats or {}}   # what is_complete reads
            manifest = {
                **self.info,
                "status": status,
                "complete": is_complete(seen, status),
                **({"partial": partial_reasons(seen)} if status == "finished" and partial_reasons(seen) else {}),
                "finished_at": now_iso(),
                "finish_reason": finish_reason or status,
                "counts": dict(sorted(self.counts.items())),
                "sites": dict(sorted((k, v) for k, v in self.sites.items() if k)),
                "crawl_stats": _plain(stats or {}),
                "files": file_table(self.dir),
            }
            try:
                write_json_atomic(self.dir / L.MANIFEST, manifest)
            except OSError as exc:
                if exc.errno in NO_SPACE:
                    raise no_space(exc, self.dir / L.MANIFEST) from None
                raise
            self._update_index_run(status, manifest)
            return manifest
        finally:
            try:
                self.index.close()
            except Exception:  # noqa: BLE001 - the index is derived; refresh repairs it
                pass
            self._lock.release()
            if (self.dir / L.MANIFEST).exists():   # sealed: make its records searchable (never raises)
                from newsarchive.search.index import update_after_run

                update_after_run(self.root)

    def _update_index_run(self, status: str, manifest: dict[str, Any]) -> None:
        try:
            self.captures.mark_run(self.run_id, _size(self.dir / L.CAPTURES))
            self.index.db.execute(
                "UPDATE runs SET status=?, complete=?, finished_at=?, sealed=1, articles_bytes=?, unchanged_bytes=?, "
                "crawl=?, listed_bytes=? WHERE run_id=?",
                (status, 1 if manifest["complete"] else 0, manifest["finished_at"],
                 _size(self.dir / L.ARTICLES), _size(self.dir / L.UNCHANGED), crawl_of(manifest),
                 _size(self.dir / L.LISTED), self.run_id))
        except sqlite3.Error as exc:  # the run is sealed; the next refresh of the index catches up
            log.warning("run %s is finished but the index was not updated (%s)", self.run_id, exc)

    def __enter__(self) -> "RunWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        elif issubclass(exc_type, DiskFullError):
            try:
                self.close(status="failed", finish_reason=str(exc))
            except ArchiveError:
                pass
        else:
            try:
                self.close(status="failed", finish_reason=f"{exc_type.__name__}: {exc}")
            except ArchiveError:
                pass


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _plain(stats: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in stats.items():
        if isinstance(v, (int, float, str, bool)) or v is None:
            out[str(k)] = v
        else:
            out[str(k)] = str(v)
    return dict(sorted(out.items()))
