"""The search index (``<archive>/search.sqlite``): full text of the latest version of every article,
a compact copy of every archived record for fast reading, and a summary of every run.

Derived data, like index.sqlite: deleting it loses nothing. `update` brings it up to date with the
runs incrementally (each finished run calls it, `newsarchive.search.update_after_run`); `rebuild`
builds it afresh into a temporary file and swaps it in (``newsarchive reindex``), so readers never
see a half-built index. It never changes a run.

What it holds:

- ``records``: every version of every article, as the exact JSON line stored in its run, compressed
  one by one (zstd), with its place (run, line) and which compared fields changed from the version
  before (``minor``: none did, e.g. only white space). A run's ``articles.jsonl.zst`` is one zstd
  stream, so reading its 90,000th line means decompressing the 89,999 before it; here any version
  is one lookup.
- ``docs`` + ``fts``: the latest version of every article ever archived (including those a later
  crawl no longer found: an archive search) with the fields search filters on, and an FTS5 table
  (contentless: the text is not stored twice) over its folded title, lead and body plus the exact
  (diacritics kept) title and lead, used only for ranking (newsarchive.search.query).
- ``runs``, ``run_sites``, ``outlets``: each run's summary (newsarchive.runs.summarise_run), the
  sites it saw, and each site's health (newsarchive.runs.outlet_health, per site).

Journal mode is DELETE, not WAL: `rebuild` replaces the file by a rename, and a WAL file left
beside the old one would otherwise be read as part of the new one.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote, urlsplit

import zstandard

from newsarchive.archive import layout as L
from newsarchive.archive.diff import DiffOptions, field_changes
from newsarchive.archive.index import _size
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.lines import iter_lines
from newsarchive.archive.runs import run_info
from newsarchive.search.fold import exact_form, fold
from newsarchive.summary import SUMMARY_FIELDS, has_value

log = logging.getLogger(__name__)

SEARCH = "search.sqlite"
# Bumped whenever folding, tokenizing or the tables change: an index of another format is rebuilt.
FORMAT = "newsarchive-search/2"
ZSTD_LEVEL = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started_at TEXT, finished_at TEXT, kind TEXT, status TEXT, complete INTEGER,
    sealed INTEGER, articles_bytes INTEGER, lines INTEGER, summary TEXT, partial TEXT
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started_at, run_id);
CREATE TABLE IF NOT EXISTS run_sites (run_id TEXT NOT NULL, site TEXT NOT NULL, seen INTEGER, PRIMARY KEY (run_id, site));
CREATE INDEX IF NOT EXISTS run_sites_site ON run_sites(site);
CREATE TABLE IF NOT EXISTS records (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, version INTEGER NOT NULL, run_id TEXT NOT NULL,
    line INTEGER NOT NULL, fetched_at TEXT, minor INTEGER NOT NULL DEFAULT 0, changed TEXT, data BLOB NOT NULL,
    UNIQUE (id, version)
);
CREATE INDEX IF NOT EXISTS records_run ON records(run_id, line);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL, site TEXT, outlet TEXT,
    province TEXT, province_key TEXT, province_2025_key TEXT, published_at TEXT, day TEXT, fetched_at TEXT,
    title TEXT, url TEXT, filled INTEGER, words INTEGER, meta TEXT
);
CREATE INDEX IF NOT EXISTS docs_site_day ON docs(site, day);
CREATE INDEX IF NOT EXISTS docs_site_filled ON docs(site, filled);
CREATE INDEX IF NOT EXISTS docs_province_day ON docs(province_key, day);
CREATE INDEX IF NOT EXISTS docs_province25_day ON docs(province_2025_key, day);
CREATE INDEX IF NOT EXISTS docs_day ON docs(day);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, lead, body, exact, meta, content='', tokenize='unicode61 remove_diacritics 0');
CREATE TABLE IF NOT EXISTS sites (site TEXT PRIMARY KEY, province TEXT, province_key TEXT, province_2025 TEXT,
                                  province_2025_key TEXT);
CREATE TABLE IF NOT EXISTS outlets (
    site TEXT PRIMARY KEY, runs INTEGER, last_run TEXT, last_status TEXT, last_ok_run TEXT, last_ok_at TEXT,
    last_complete_run TEXT, last_new_at TEXT, flags TEXT
);
"""

_compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
_decompressor = zstandard.ZstdDecompressor()


def search_path(root: str | Path) -> Path:
    return Path(root) / SEARCH


def pack(line: bytes) -> bytes:
    return _compressor.compress(line)


def unpack(data: bytes) -> dict[str, Any]:
    return json.loads(_decompressor.decompress(data))


def check_fts5() -> None:
    """A clear error when this Python's SQLite lacks FTS5 (every CPython build we know has it)."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS t USING fts5(a)")
    except sqlite3.OperationalError:
        raise ArchiveError(f"this Python's SQLite ({sqlite3.sqlite_version}) has no FTS5: search needs a Python "
                           "built with FTS5 (the python.org and Debian builds have it)") from None
    finally:
        db.close()


def connect_readonly(path: str | Path) -> sqlite3.Connection:
    """A read-only connection (the web app and `newsarchive search` never write the archive)."""
    path = Path(path).absolute()
    if not path.exists():
        raise ArchiveError(f"{path}: no such index")
    db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=30, check_same_thread=False)
    db.execute("PRAGMA query_only = 1")
    return db


def filled_mask(rec: dict[str, Any]) -> int:
    """Bit i set when SUMMARY_FIELDS[i] has a value (field coverage per outlet, in SQL)."""
    mask = 0
    for i, name in enumerate(SUMMARY_FIELDS):
        if has_value(rec.get(name)):
            mask |= 1 << i
    return mask


def _fts_values(rec: dict[str, Any], meta: str) -> tuple[str, str, str, str, str]:
    title, lead = rec.get("title") or "", rec.get("lead") or ""
    return fold(title), fold(lead), fold(rec.get("body") or ""), exact_form(title + "\n" + lead), meta


# Filters as tokens of the FTS table's `meta` column (weight 0: they never change the ranking), so that
# a search with filters is one FTS5 intersection of posting lists instead of a full-text match checked
# row by row against docs: the outlet, the province (its pre- and post-2025 names) and the publication
# year and month. SQL then checks the exact values (days at the edges of a range) on the few rows left.
def _key(prefix: str, value: str) -> str:
    import hashlib

    return prefix + hashlib.blake2b(value.encode("utf-8"), digest_size=6).hexdigest()


def site_token(site: str) -> str:
    return _key("zs", site.lower())


def province_token(key: str) -> str:
    return _key("zp", key)


def meta_tokens(site: str | None, province_keys: Iterable[str | None], day: str | None) -> str:
    out = [site_token(site)] if site else []
    out += sorted({province_token(k) for k in province_keys if k})
    if day and len(day) >= 7 and day[:4].isdigit() and day[5:7].isdigit():
        out += [f"zy{day[:4]}", f"zm{day[:4]}{day[5:7]}"]
    return " ".join(out)


def _site_of_target(target: str) -> str | None:
    """The site a run's target names: a URL's host, or a registry name / domain as given."""
    target = str(target).strip()
    if not target:
        return None
    if "://" in target:
        host = urlsplit(target).hostname
        return host[4:] if host and host.startswith("www.") else host
    if "/" in target or " " in target:
        return None
    return target.lower().removeprefix("www.")


@dataclass
class UpdateReport:
    runs: list[str] = field(default_factory=list)      # runs (re)indexed
    records: int = 0                                   # records added
    duplicates: int = 0                                # versions already indexed (from another run)
    articles: int = 0                                  # articles searchable after the update
    seconds: float = 0.0
    rebuilt: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SearchIndex:
    """A writable search.sqlite. `SearchIndex.open(root)` creates it (or rebuilds one of another format)."""

    def __init__(self, root: str | Path, path: str | Path | None = None, fast: bool = False):
        self.root = Path(root)
        self.path = Path(path) if path else search_path(self.root)
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=" + ("OFF" if fast else "DELETE"))
        self.db.execute("PRAGMA synchronous=" + ("OFF" if fast else "NORMAL"))
        self.db.execute("PRAGMA cache_size=-64000")
        self._registry = None
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
            # every statement IF NOT EXISTS / OR IGNORE: two processes creating it at once agree
            self.db.executescript("BEGIN IMMEDIATE;" + SCHEMA + f"INSERT OR IGNORE INTO meta VALUES "
                                  f"('format', '{FORMAT}'), ('generation', '0'); COMMIT;")

    @classmethod
    def open(cls, root: str | Path) -> "SearchIndex":
        root = Path(root)
        if not L.is_archive(root):
            raise ArchiveError(f"{root}: not an archive (no runs/ folder)")
        check_fts5()
        path = search_path(root)
        try:
            index = cls(root)
            fmt = index.db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            if fmt and fmt[0] == FORMAT:
                return index
            index.close()
            log.warning("%s was written by another version of newsarchive; rebuilding it", path)
        except sqlite3.DatabaseError as exc:
            log.warning("%s is unusable (%s); rebuilding it", path, exc)
        rebuild(root)
        return cls(root)

    def close(self) -> None:
        self.db.close()

    # --- keeping up with the runs ----------------------------------------------------------------
    def update(self) -> UpdateReport:
        """Index every run that is new, or was unsealed and grew or was sealed since the last update."""
        t0 = time.perf_counter()
        report = UpdateReport()
        known = {r[0]: (r[1], r[2], r[3]) for r in self.db.execute("SELECT run_id, sealed, articles_bytes, lines FROM runs")}
        todo = []
        for run in L.list_run_dirs(self.root):
            state = known.get(run.name)
            if state is not None and state[0]:
                continue    # finished runs are never modified
            sealed = (run / L.MANIFEST).exists()
            size = _size(run / L.ARTICLES)
            if state is not None and not sealed and state[1] == size:
                continue    # still running (or killed) and nothing new written
            todo.append(run)
        if not todo:
            report.articles = self.articles()
            report.seconds = time.perf_counter() - t0
            return report
        infos = []
        for run in todo:
            try:
                infos.append((run, run_info(run)))
            except ArchiveError as exc:
                log.warning("run %s: %s; not indexed for search", run.name, exc)
        infos.sort(key=lambda x: (x[1].get("started_at") or "", x[0].name))
        sites_db = _open_archive_index(self.root)
        touched: set[str] = set()
        try:
            for run, info in infos:
                touched |= self._index_run(run, info, sites_db, report)
                report.runs.append(run.name)
        finally:
            if sites_db is not None:
                sites_db.close()
        self._update_outlets(touched)
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
        report.articles = self.articles()
        report.seconds = time.perf_counter() - t0
        return report

    def articles(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def _index_run(self, run: Path, info: dict[str, Any], sites_db, report: UpdateReport) -> set[str]:
        from newsarchive.runs import summarise_run

        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT sealed, lines FROM runs WHERE run_id = ?", (run.name,)).fetchone()
            if row and row[0]:           # another process indexed it meanwhile
                db.execute("COMMIT")
                return set()
            done_lines = row[1] if row else 0
            articles = run / L.ARTICLES
            size = _size(articles)
            lines = done_lines
            sites: dict[str, int] = {}
            if articles.exists():
                for number, line in iter_lines(articles, raw=True, on_torn=None):
                    lines = number
                    if number <= done_lines:
                        continue
                    self._index_line(line, run.name, number, report, sites)
            summary = summarise_run(self.root, run)
            status = summary.status
            db.execute(
                "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (run.name, info.get("started_at"), info.get("finished_at"), info.get("kind", "crawl"), status,
                 1 if info.get("complete") else 0, 1 if info["sealed"] else 0, size, lines,
                 json.dumps(asdict(summary), ensure_ascii=False), json.dumps(info.get("partial") or [], ensure_ascii=False)))
            seen = self._run_sites(run.name, info, sites_db, sites)
            db.execute("DELETE FROM run_sites WHERE run_id = ?", (run.name,))
            db.executemany("INSERT INTO run_sites VALUES (?,?,?)", [(run.name, s, n) for s, n in seen.items()])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return set(seen)

    def _run_sites(self, run_id: str, info: dict[str, Any], sites_db, written: dict[str, int]) -> dict[str, int]:
        """{site: articles seen} of a run: from the archive index's sightings (fetched, unchanged and
        listed), else the manifest's sites and the records written; sites the run was pointed at but saw
        nothing of (a failed run) with 0, so that their health shows the failure."""
        seen: dict[str, int] = {}
        if sites_db is not None:
            try:
                for site, n in sites_db.execute(
                        "SELECT site, COUNT(*) FROM sightings WHERE run_id = ? AND site IS NOT NULL GROUP BY site", (run_id,)):
                    seen[site] = n
            except sqlite3.DatabaseError:
                pass
        if not seen:
            seen = {str(k): int(v) for k, v in (info.get("sites") or {}).items() if k}
            for site, n in written.items():
                seen[site] = max(seen.get(site, 0), n)
        from newsarchive.runs import run_outlets

        for target in run_outlets(info):
            site = _site_of_target(target)
            if site and not any(site == s or s.endswith("." + site) or site.endswith("." + s) for s in seen):
                seen.setdefault(site, 0)
        return seen

    def _index_line(self, line: bytes, run_id: str, number: int, report: UpdateReport, sites: dict[str, int]) -> None:
        try:
            rec = json.loads(line)
            aid = rec["id"]
            version = int(rec.get("version") or 1)
        except (ValueError, KeyError, TypeError):
            log.warning("run %s line %d is not a record; not indexed for search", run_id, number)
            return
        db = self.db
        site = rec.get("site")
        if site:
            sites[site] = sites.get(site, 0) + 1
        prev = db.execute("SELECT data FROM records WHERE id = ? AND version < ? ORDER BY version DESC LIMIT 1",
                          (aid, version)).fetchone()
        changed: list[str] = []
        if prev is not None:
            changed = list(field_changes(unpack(prev[0]), rec, DiffOptions(body_diff=False))[0])
        cur = db.execute(
            "INSERT OR IGNORE INTO records (id, version, run_id, line, fetched_at, minor, changed, data) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (aid, version, run_id, number, rec.get("fetched_at"), 1 if prev is not None and not changed else 0,
             json.dumps(changed) if prev is not None else None, pack(line.rstrip(b"\n"))))
        if cur.rowcount == 0:
            report.duplicates += 1
            return
        report.records += 1
        doc = db.execute("SELECT rowid, version FROM docs WHERE id = ?", (aid,)).fetchone()
        if doc is not None and doc[1] > version:
            return                   # an older version indexed after a newer one: the newer stays
        published = rec.get("published_at") or None
        day = published[:10] if published else None
        province_2025 = self._province_2025(site)
        province_key, province_2025_key = fold(rec.get("province")) or None, fold(province_2025) or None
        meta = meta_tokens(site, (province_key, province_2025_key), day)
        values = (aid, version, site, rec.get("outlet"), rec.get("province"), province_key, province_2025_key,
                  published, day, rec.get("fetched_at"), rec.get("title"),
                  rec.get("canonical_url") or rec.get("final_url") or rec.get("url"),
                  filled_mask(rec), int(rec.get("word_count") or 0), meta)
        if site:
            db.execute("INSERT OR REPLACE INTO sites VALUES (?,?,?,?,?)",
                       (site, rec.get("province"), province_key, province_2025, province_2025_key))
        if doc is not None:
            old = db.execute("SELECT r.data, d.meta FROM records r JOIN docs d ON d.id = r.id AND d.version = r.version "
                             "WHERE d.rowid = ?", (doc[0],)).fetchone()
            if old is not None:   # a contentless table deletes with exactly the values indexed
                db.execute("INSERT INTO fts (fts, rowid, title, lead, body, exact, meta) VALUES ('delete', ?, ?, ?, ?, ?, ?)",
                           (doc[0], *_fts_values(unpack(old[0]), old[1] or "")))
            db.execute("UPDATE docs SET id=?, version=?, site=?, outlet=?, province=?, province_key=?, province_2025_key=?, "
                       "published_at=?, day=?, fetched_at=?, title=?, url=?, filled=?, words=?, meta=? WHERE rowid = ?",
                       (*values, doc[0]))
            rowid = doc[0]
        else:
            rowid = db.execute("INSERT INTO docs (id, version, site, outlet, province, province_key, province_2025_key, "
                               "published_at, day, fetched_at, title, url, filled, words, meta) "
                               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", values).lastrowid
        db.execute("INSERT INTO fts (rowid, title, lead, body, exact, meta) VALUES (?, ?, ?, ?, ?, ?)",
                   (rowid, *_fts_values(rec, meta)))

    def _province_2025(self, site: str | None) -> str | None:
        """The outlet's province since the 2025 merger, from the registry (records carry the older name)."""
        if not site:
            return None
        if self._registry is None:
            try:
                from newsarchive.sites import load_registry

                self._registry = load_registry()
            except Exception:  # noqa: BLE001 - the registry is a nicety here, never a reason to fail
                self._registry = False
        if not self._registry:
            return None
        profile = self._registry.lookup(site)
        return profile.province_2025 or None if profile else None

    def _update_outlets(self, sites: Iterable[str]) -> None:
        """Recompute the health of the given sites from all their runs (newsarchive.runs.outlet_health)."""
        from newsarchive.runs import ENDED_STATUSES, RunSummary, outlet_health

        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            for site in sorted(sites):
                rows = db.execute("SELECT r.summary, r.complete FROM runs r JOIN run_sites s USING (run_id) "
                                  "WHERE s.site = ? ORDER BY r.started_at, r.run_id", (site,)).fetchall()
                summaries = []
                last_complete = None
                for data, complete in rows:
                    summary = RunSummary(**{**json.loads(data), "outlets": [site]})
                    summaries.append(summary)
                    if complete:
                        last_complete = summary.run_id
                if not summaries:
                    continue
                health = outlet_health(summaries)[0]
                ok = [s for s in summaries if s.status in ENDED_STATUSES]
                db.execute("INSERT OR REPLACE INTO outlets VALUES (?,?,?,?,?,?,?,?,?)",
                           (site, health.runs, health.last_run, health.last_status, ok[-1].run_id if ok else None,
                            (ok[-1].finished_at or ok[-1].started_at) if ok else None, last_complete,
                            health.last_new_at, json.dumps(health.flags, ensure_ascii=False)))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def _open_archive_index(root: Path) -> sqlite3.Connection | None:
    """The archive's index.sqlite, to read which sites each run saw. An ordinary connection (made
    query-only), not a `mode=ro` one: a read-only reader of a WAL database leaves its -wal and -shm
    files behind when it is the last to close, where a writer would remove them."""
    path = root / L.INDEX
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(path, timeout=30)
        db.execute("PRAGMA query_only = 1")
        return db
    except sqlite3.Error:
        return None


def update(root: str | Path) -> UpdateReport:
    """Bring `<root>/search.sqlite` up to date with the runs (created when missing)."""
    index = SearchIndex.open(root)
    try:
        return index.update()
    finally:
        index.close()


def rebuild(root: str | Path) -> UpdateReport:
    """Build the search index afresh from every run into a temporary file, then swap it in atomically."""
    root = Path(root)
    if not L.is_archive(root):
        raise ArchiveError(f"{root}: not an archive (no runs/ folder)")
    check_fts5()
    final = search_path(root)
    tmp = final.with_name(f"{final.name}.tmp-{os.getpid()}")
    for p in (tmp, tmp.with_name(tmp.name + "-journal")):
        if p.exists():
            p.unlink()
    try:
        index = SearchIndex(root, tmp, fast=True)
        try:
            report = index.update()
            index.db.execute("PRAGMA journal_mode=DELETE")
        finally:
            index.close()
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
    for stale in (final.with_name(final.name + "-journal"),):
        if stale.exists():
            stale.unlink()
    report.rebuilt = True
    return report


def update_after_run(root: str | Path) -> UpdateReport | None:
    """The crawl's hook (RunWriter.close): index the run just sealed, and any run not indexed yet.

    Never raises: a search index that cannot be updated must not fail a crawl whose records are
    safely written. It is logged, and `newsarchive reindex` (or the next run) catches up."""
    try:
        report = update(root)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        log.warning("the search index of %s was not updated (%s); `newsarchive reindex` rebuilds it", root, exc)
        return None
    if report.runs:
        log.info("search index: %d run(s), %d record(s) indexed in %.1fs", len(report.runs), report.records,
                 report.seconds)
    return report


def generation(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def read_record(db: sqlite3.Connection, aid: str, version: int) -> dict[str, Any] | None:
    row = db.execute("SELECT data FROM records WHERE id = ? AND version = ?", (aid, version)).fetchone()
    return unpack(row[0]) if row else None


def open_readonly(root: str | Path) -> sqlite3.Connection:
    """A read-only connection to the search index, with a clear error when it is missing or stale."""
    path = search_path(root)
    if not path.exists():
        raise ArchiveError(f"{root}: no search index yet; run `newsarchive reindex {root}` to build it")
    db = connect_readonly(path)
    with closing(db.execute("SELECT value FROM meta WHERE key = 'format'")) as cur:
        row = cur.fetchone()
    if not row or row[0] != FORMAT:
        db.close()
        raise ArchiveError(f"{path} was written by another version of newsarchive; run `newsarchive reindex {root}`")
    return db
