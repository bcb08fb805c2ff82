"""What the web app shows, read from the archive without writing anything.

Everything is read through read-only SQLite connections (index.sqlite, the archive library's
index; search.sqlite, newsarchive.search.index) and by reading run files; nothing here opens a file
for writing. Results that cost more than a few milliseconds on a large archive (the outlets
overview, snapshot diffs) are cached in memory, keyed by the state of the index files, so a crawl
that finishes shows at once.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

from newsarchive.archive import layout as L
from newsarchive.archive.diff import DiffOptions, field_changes
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.runs import read_json, run_info
from newsarchive.search.index import SEARCH, connect_readonly, open_readonly, unpack
from newsarchive.summary import SUMMARY_FIELDS

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ARTICLE_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
SITE = re.compile(r"^[0-9A-Za-z.:_\[\]-]{1,253}$")


class NotFound(LookupError):
    """Nothing of that name in the archive (HTTP 404), with a message saying what was looked for."""


class _Cache:
    """A small LRU of computed results, keyed by the caller (the key includes the index state)."""

    def __init__(self, size: int = 8):
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = compute()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


def _stat_key(*paths: Path) -> tuple:
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


@dataclass
class Page:
    """A page of a longer list."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class Archive:
    """The archive as the web app reads it. Connections are opened per call and closed after."""

    def __init__(self, root: str | Path):
        self.root = Path(root).absolute()
        if not L.is_archive(self.root):
            raise ArchiveError(f"{self.root}: not an archive (no runs/ folder)")
        self.cache = _Cache()
        self._docs_cache = _Cache(2)
        self._local = threading.local()

    # --- connections ------------------------------------------------------------------------
    def search_db(self) -> sqlite3.Connection:
        """This thread's read-only connection to the search index, kept between requests (its page
        cache holds the index's hot pages: a new connection per request made a search 2-3x slower on a
        large archive), opened again when the file was replaced (a rebuild swaps it in by rename)."""
        path = self.root / SEARCH
        try:
            ino = path.stat().st_ino
        except FileNotFoundError:
            ino = None
        held = getattr(self._local, "db", None)
        if held is not None and held[0] == ino:
            return held[1]
        if held is not None:
            held[1].close()
            self._local.db = None
        db = open_readonly(self.root)
        db.execute("PRAGMA cache_size = -32000")
        self._local.db = (ino, db)
        return db

    def index_db(self) -> sqlite3.Connection | None:
        path = self.root / L.INDEX
        if not path.exists():
            return None
        return connect_readonly(path)

    def state(self) -> tuple:
        """Changes whenever a run writes the index or the search index (cache keys)."""
        return _stat_key(self.root / SEARCH, self.root / L.INDEX, self.root / (L.INDEX + "-wal"))

    # --- overview and outlets ------------------------------------------------------------------
    def overview(self, db: sqlite3.Connection) -> dict[str, Any]:
        def compute() -> dict[str, Any]:
            outlets = {row[0]: {"site": row[0], "runs": row[1], "last_run": row[2], "last_status": row[3],
                                "last_ok_run": row[4], "last_ok_at": row[5], "last_complete_run": row[6],
                                "last_new_at": row[7], "flags": json.loads(row[8] or "[]"),
                                "articles": 0, "first_day": None, "last_day": None, "outlet": None}
                       for row in db.execute("SELECT * FROM outlets")}
            for site, n, first, last in db.execute(
                    "SELECT site, COUNT(*), MIN(day), MAX(day) FROM docs GROUP BY site"):
                key = site or ""
                entry = outlets.setdefault(key, {"site": key, "runs": 0, "last_run": None, "last_status": None,
                                                 "last_ok_run": None, "last_ok_at": None, "last_complete_run": None,
                                                 "last_new_at": None, "flags": [], "outlet": None})
                entry.update(articles=n, first_day=first, last_day=last)
            for site, name in db.execute("SELECT site, MAX(outlet) FROM docs WHERE outlet IS NOT NULL GROUP BY site"):
                if site in outlets:
                    outlets[site]["outlet"] = name
            totals = {"articles": db.execute("SELECT COUNT(*) FROM docs").fetchone()[0],
                      "versions": db.execute("SELECT COUNT(*) FROM records").fetchone()[0],
                      "runs": db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]}
            return {"outlets": sorted(outlets.values(), key=lambda o: o["site"]), "totals": totals}

        return self.cache.get(("overview", self.state()), compute)

    def outlet(self, db: sqlite3.Connection, site: str) -> dict[str, Any]:
        if not SITE.match(site):
            raise NotFound(f"no outlet {site!r} in this archive")
        for o in self.overview(db)["outlets"]:
            if o["site"] == site:
                return o
        raise NotFound(f"no outlet {site!r} in this archive")

    def discovery(self, site: str) -> dict[str, Any] | None:
        """The discovery account of the outlet's newest crawl that kept one (``newsarchive coverage``)."""
        from newsarchive.archive.coverage import coverage_reports

        try:
            reports = coverage_reports(self.root, site=site)
        except ArchiveError:
            return None
        return reports[0] if reports else None

    def per_day(self, db: sqlite3.Connection, site: str, start: date, end: date) -> dict[date, int]:
        rows = db.execute("SELECT day, COUNT(*) FROM docs WHERE site = ? AND day BETWEEN ? AND ? GROUP BY day",
                          (site, start.isoformat(), end.isoformat()))
        out = {}
        for day, n in rows:
            try:
                out[date.fromisoformat(day)] = n
            except (TypeError, ValueError):
                continue
        return out

    def coverage(self, db: sqlite3.Connection, site: str) -> tuple[int, dict[str, int]]:
        """(articles, {field: articles with it}) over the latest versions of the outlet's articles."""
        counts = dict.fromkeys(SUMMARY_FIELDS, 0)
        total = 0
        for mask, n in db.execute("SELECT filled, COUNT(*) FROM docs WHERE site = ? GROUP BY filled", (site,)):
            total += n
            for i, name in enumerate(SUMMARY_FIELDS):
                if (mask or 0) >> i & 1:
                    counts[name] += n
        return total, counts

    def outlet_articles(self, db: sqlite3.Connection, site: str, page: int, per_page: int) -> Page:
        total = db.execute("SELECT COUNT(*) FROM docs WHERE site = ?", (site,)).fetchone()[0]
        rows = db.execute("SELECT id, version, title, published_at, url FROM docs WHERE site = ? "
                          "ORDER BY day DESC, rowid DESC LIMIT ? OFFSET ?",   # (site, day) index order; undated last
                          (site, per_page, (page - 1) * per_page)).fetchall()
        items = [{"id": r[0], "version": r[1], "title": r[2], "published_at": r[3], "url": r[4]} for r in rows]
        return Page(items, page, per_page, total)

    def outlet_runs(self, db: sqlite3.Connection, site: str, limit: int = 15) -> list[dict[str, Any]]:
        rows = db.execute("SELECT r.summary, r.complete, r.partial, s.seen FROM run_sites s JOIN runs r USING (run_id) "
                          "WHERE s.site = ? ORDER BY r.started_at DESC, r.run_id DESC LIMIT ?", (site, limit)).fetchall()
        return [{**json.loads(summary), "complete": bool(complete), "partial": json.loads(partial or "[]"), "seen": seen}
                for summary, complete, partial, seen in rows]

    def provinces(self, db: sqlite3.Connection) -> list[str]:
        """Every province named by an outlet of the archive, before and since the 2025 merger."""
        rows = db.execute("SELECT province FROM sites UNION SELECT province_2025 FROM sites").fetchall()
        return sorted({r[0] for r in rows if r[0]})

    def sites(self, db: sqlite3.Connection) -> list[str]:
        return [o["site"] for o in self.overview(db)["outlets"] if o["site"]]

    # --- runs --------------------------------------------------------------------------------------
    def runs(self, db: sqlite3.Connection, page: int, per_page: int) -> Page:
        """Runs newest first: those of the search index, and any run on disk it has not indexed yet
        (being written now, or killed and not sealed yet)."""
        indexed = {r[0] for r in db.execute("SELECT run_id FROM runs")}
        extra = [p for p in L.list_run_dirs(self.root) if p.name not in indexed]
        from newsarchive.runs import summarise_run

        pending = []
        for run in extra:
            try:
                s = summarise_run(self.root, run)
                pending.append({**s.__dict__, "complete": False, "partial": [], "indexed": False})
            except ArchiveError:
                continue
        total = len(indexed) + len(pending)
        offset = (page - 1) * per_page
        items = sorted(pending, key=lambda r: (r["started_at"] or "", r["run_id"]), reverse=True)[offset:offset + per_page]
        rest = per_page - len(items)
        if rest > 0:
            rows = db.execute("SELECT summary, complete, partial, kind FROM runs ORDER BY started_at DESC, run_id DESC "
                              "LIMIT ? OFFSET ?", (rest, max(0, offset - len(pending)))).fetchall()
            items += [{**json.loads(s), "complete": bool(c), "partial": json.loads(p or "[]"), "kind": k, "indexed": True}
                      for s, c, p, k in rows]
        return Page(items, page, per_page, total)

    def run_dir(self, run_id: str) -> Path:
        if not RUN_ID.match(run_id or ""):
            raise NotFound(f"no run {run_id!r} in this archive")
        for run in L.list_run_dirs(self.root):
            if run.name == run_id:
                return run
        raise NotFound(f"no run {run_id!r} in this archive")

    def run(self, db: sqlite3.Connection, run_id: str) -> dict[str, Any]:
        run = self.run_dir(run_id)
        info = run_info(run)
        from newsarchive.runs import summarise_run

        summary = summarise_run(self.root, run)
        stats = info.get("crawl_stats") or {}
        failures = {k.split("/", 2)[-1]: v for k, v in stats.items() if k.startswith("newsarchive/failures/")}
        statuses = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("downloader/response_status_count/")}
        exceptions = {k.split("/", 2)[-1]: v for k, v in stats.items()
                      if k.startswith("downloader/exception_type_count/")}
        sites = [{"site": s, "seen": n} for s, n in db.execute(
            "SELECT site, seen FROM run_sites WHERE run_id = ? ORDER BY site", (run_id,))]
        return {"info": info, "summary": summary, "failures": failures, "statuses": statuses,
                "exceptions": exceptions, "sites": sites,
                "manifest_text": json.dumps(read_json(run / L.MANIFEST) or read_json(run / L.RUN_INFO) or {},
                                            ensure_ascii=False, indent=2)}

    def run_records(self, db: sqlite3.Connection, run_id: str, page: int, per_page: int) -> Page:
        total = db.execute("SELECT COUNT(*) FROM records WHERE run_id = ?", (run_id,)).fetchone()[0]
        rows = db.execute("SELECT id, version, line, data, changed FROM records WHERE run_id = ? ORDER BY line "
                          "LIMIT ? OFFSET ?", (run_id, per_page, (page - 1) * per_page)).fetchall()
        items = []
        for aid, version, line, data, changed in rows:
            rec = unpack(data)
            items.append({"id": aid, "version": version, "line": line, "title": rec.get("title"),
                          "site": rec.get("site"), "published_at": rec.get("published_at"),
                          "changed": json.loads(changed) if changed else None})
        return Page(items, page, per_page, total)

    def run_rejects(self, run_id: str, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
        """The first `limit` records the run rejected (schema errors), and how many there are."""
        path = self.run_dir(run_id) / L.REJECTS
        if not path.exists():
            return [], 0
        from newsarchive.archive.lines import iter_lines

        out, n = [], 0
        for _, line in iter_lines(path, on_torn=None):
            n += 1
            if len(out) < limit:
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                rec = item.get("record") or {}
                out.append({"url": rec.get("url"), "title": rec.get("title"), "errors": item.get("errors") or []})
        return out, n

    # --- articles ---------------------------------------------------------------------------------
    def versions(self, db: sqlite3.Connection, aid: str) -> list[dict[str, Any]]:
        if not ARTICLE_ID.match(aid or ""):
            raise NotFound(f"no article {aid!r} in this archive")
        rows = db.execute("SELECT version, run_id, line, fetched_at, minor, changed FROM records WHERE id = ? "
                          "ORDER BY version", (aid,)).fetchall()
        if not rows:
            raise NotFound(f"no article {aid!r} in this archive")
        return [{"version": v, "run_id": r, "line": ln, "fetched_at": f, "minor": bool(m),
                 "changed": json.loads(c) if c else None} for v, r, ln, f, m, c in rows]

    def record(self, db: sqlite3.Connection, aid: str, version: int) -> dict[str, Any]:
        row = db.execute("SELECT data FROM records WHERE id = ? AND version = ?", (aid, version)).fetchone()
        if row is None:
            raise NotFound(f"article {aid} has no version {version}")
        return unpack(row[0])

    def record_line(self, db: sqlite3.Connection, aid: str, version: int) -> bytes:
        """The record exactly as stored in its run (one JSON line)."""
        import zstandard

        row = db.execute("SELECT data FROM records WHERE id = ? AND version = ?", (aid, version)).fetchone()
        if row is None:
            raise NotFound(f"article {aid} has no version {version}")
        return zstandard.ZstdDecompressor().decompress(row[0])

    def sightings(self, aid: str) -> list[dict[str, Any]]:
        """The runs that saw the article (fetched it, re-fetched it unchanged, or found it listed)."""
        idb = self.index_db()
        if idb is None:
            return []
        try:
            cur = idb.execute("SELECT s.run_id, s.version, s.fetched_at, s.listed, r.started_at FROM sightings s "
                              "JOIN runs r USING (run_id) WHERE s.id = ? ORDER BY r.ord", (aid,))
            return [{"run_id": r, "version": v, "fetched_at": f, "listed": bool(ls), "started_at": st}
                    for r, v, f, ls, st in cur]
        except sqlite3.DatabaseError:
            return []
        finally:
            idb.close()

    def ids_for_url(self, url: str) -> list[str]:
        idb = self.index_db()
        if idb is None:
            return []
        try:
            return [r[0] for r in idb.execute(
                "SELECT DISTINCT id FROM versions WHERE url = ? OR final_url = ? OR canonical_url = ? OR id = ?",
                (url, url, url, url))]
        finally:
            idb.close()

    def capture_page(self, db: sqlite3.Connection, aid: str, version: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the record, the stored response as a page item) of one version's capture."""
        from newsarchive.archive.warc import read_response

        rec = self.record(db, aid, version)
        capture = rec.get("capture")
        if not capture:
            raise NotFound(f"version {version} of article {aid} has no stored capture")
        path = (self.root / str(capture.get("warc_file", ""))).resolve()
        if self.root.resolve() not in path.parents:
            raise NotFound("the capture pointer of this record leaves the archive; not read")
        try:
            page = read_response(self.root, capture)
        except (OSError, ArchiveError, TypeError, ValueError) as exc:
            raise NotFound(f"the capture of version {version} of article {aid} cannot be read ({exc})") from None
        return rec, page

    # --- snapshot diffs ---------------------------------------------------------------------------
    def run_points(self) -> list[dict[str, Any]]:
        idb = self.index_db()
        if idb is None:
            return []
        try:
            cur = idb.execute("SELECT run_id, ord, kind, status, complete, started_at, finished_at FROM runs ORDER BY ord")
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur]
        finally:
            idb.close()

    def snapshot_diff(self, db: sqlite3.Connection, a: str, b: str, site: str | None, cumulative: bool) -> "SnapshotDiff":
        """Added, removed and changed articles from snapshot `a` to snapshot `b` (run ids or dates, as
        `newsarchive diff` takes them), from the indexes alone: which version of each article each
        snapshot holds (the archive library's own snapshot query), compared by version. A later
        version counts as changed unless every version between the two changed no compared field
        (white space only), as `newsarchive diff` counts; the changed fields are worked out for the
        rows shown."""
        from newsarchive.archive.snapshot import SELECT, resolve_point

        idb = self.index_db()
        if idb is None:
            raise ArchiveError(f"{self.root}: no index.sqlite; run `newsarchive reindex`")
        try:
            points = _Points(self.root, idb)
            la, da = resolve_point(points, a)
            lb, db_desc = resolve_point(points, b)
            key = ("diff", la, lb, site, cumulative, self.state())

            def compute() -> SnapshotDiff:
                sql = f"SELECT v.id, v.version FROM versions v JOIN ({SELECT}) s ON v.run_id = s.run_id AND v.line = s.line"
                side_a = dict(idb.execute(sql, {"lim": la, "site": site, "cumulative": 1 if cumulative else 0}))
                side_b = dict(idb.execute(sql, {"lim": lb, "site": site, "cumulative": 1 if cumulative else 0}))
                real = {(i, v) for i, v in db.execute("SELECT id, version FROM records WHERE version > 1 AND minor = 0")}
                order = self._doc_order(db)
                added = [(i, None, side_b[i]) for i in side_b.keys() - side_a.keys()]
                removed = [(i, side_a[i], None) for i in side_a.keys() - side_b.keys()]
                changed = []
                for i in side_a.keys() & side_b.keys():
                    va, vb = side_a[i], side_b[i]
                    if va == vb:
                        continue
                    lo, hi = min(va, vb), max(va, vb)
                    if any((i, v) in real for v in range(lo + 1, hi + 1)):
                        changed.append((i, va, vb))
                for items in (added, removed, changed):
                    items.sort(key=lambda t: order.get(t[0], ("", "")), reverse=False)
                unchanged = len(side_a.keys() & side_b.keys()) - len(changed)
                return SnapshotDiff(da, db_desc, len(side_a), len(side_b),
                                    {"added": added, "removed": removed, "changed": changed}, unchanged)

            return self.cache.get(key, compute)
        finally:
            idb.close()

    def _doc_order(self, db: sqlite3.Connection) -> dict[str, tuple[str, str]]:
        """id -> sort key (site, newest first) of every article, cached per index state."""
        def compute() -> dict[str, tuple[str, str]]:
            out = {}
            for aid, site, day in db.execute("SELECT id, site, day FROM docs"):
                out[aid] = (site or "", _desc(day or "0000-00-00"))
            return out

        return self._docs_cache.get(("order", self.state()), compute)

    def diff_rows(self, db: sqlite3.Connection, items: list[tuple[str, int | None, int | None]]) -> list[dict[str, Any]]:
        """Titles, URLs and (for changed articles) the changed fields of one page of a snapshot diff."""
        out = []
        for aid, va, vb in items:
            shown = self.record(db, aid, vb if vb is not None else va)
            row = {"id": aid, "version_a": va, "version_b": vb, "title": shown.get("title"),
                   "url": shown.get("canonical_url") or shown.get("url"), "site": shown.get("site"),
                   "published_at": shown.get("published_at"), "fields": []}
            if va is not None and vb is not None:
                row["fields"] = list(field_changes(self.record(db, aid, va), shown, DiffOptions(body_diff=False))[0])
            out.append(row)
        return out


def _desc(day: str) -> str:
    """A key that sorts ISO days newest first."""
    return "".join(chr(0x7f - ord(c)) if c.isdigit() else c for c in day)


@dataclass
class SnapshotDiff:
    a: str
    b: str
    a_count: int
    b_count: int
    items: dict[str, list[tuple[str, int | None, int | None]]] = field(default_factory=dict)
    unchanged: int = 0


class _Points:
    """What newsarchive.archive.snapshot.resolve_point reads of an Index, from a read-only connection."""

    def __init__(self, root: Path, db: sqlite3.Connection):
        self.root = root
        self.db = db

    def runs(self) -> list[dict[str, Any]]:
        cur = self.db.execute("SELECT run_id, ord, kind, status, complete, started_at, finished_at FROM runs ORDER BY ord")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur]


def default_range(last_day: str | None, days: int = 90) -> tuple[date, date]:
    """The chart's default window: the `days` days up to the outlet's latest publication day."""
    try:
        end = date.fromisoformat(last_day) if last_day else date.today()
    except ValueError:
        end = date.today()
    return end - timedelta(days=days - 1), end
