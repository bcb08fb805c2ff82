"""Which payloads the archive holds already, so that an unchanged re-fetch is a WARC ``revisit`` record.

A table of the index (index.sqlite, derived data like the rest of it): for every full response record
of every run's WARC file, its target URI, payload digest, WARC-Date, record id and where it is
(file, offset, length). The run writer asks it, before writing a response, whether the same URL was
captured with the same payload (WARC 1.1 "identical-payload-digest" revisits refer to an earlier
capture of the same URI), and adds each response it writes. Runs the table has not seen (an archive
written before it existed, runs copied in from another worker, an index rebuilt by
``newsarchive reindex``) are read from their WARC files when a writer opens the archive; deleting
the table only means the next crawl writes full copies again.

Re-extraction resolves revisit records through it (`resolver`).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from newsarchive.archive import layout as L
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.warc import EarlierCapture, StoredResponse, read_response

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS captures (
    url TEXT NOT NULL, digest TEXT NOT NULL, date TEXT, record_id TEXT,
    warc_file TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,
    PRIMARY KEY (url, digest)
);
CREATE INDEX IF NOT EXISTS captures_record ON captures(record_id);
-- runs whose WARC file is in `captures`, and its size then (a bigger file is read again from there)
CREATE TABLE IF NOT EXISTS capture_runs (run_id TEXT PRIMARY KEY, warc_bytes INTEGER);
"""


class CaptureIndex:
    """The capture table of an open index database (`Index.db`); used on the writer's thread."""

    def __init__(self, db: sqlite3.Connection, root: str | Path):
        self.db = db
        self.root = Path(root)
        db.executescript(SCHEMA)

    def lookup(self, url: str, digest: str) -> EarlierCapture | None:
        """The earlier full capture of `url` with this payload digest, if the archive holds one."""
        row = self.db.execute("SELECT url, date, record_id, warc_file, offset, length FROM captures "
                              "WHERE url = ? AND digest = ?", (url, digest)).fetchone()
        return EarlierCapture(*row) if row else None

    def add(self, url: str, digest: str, date: str, record_id: str, warc_file: str, offset: int,
            length: int) -> None:
        """A full response record just written (the first capture of a payload stays the one referred to)."""
        self.db.execute("INSERT OR IGNORE INTO captures VALUES (?,?,?,?,?,?,?)",
                        (url, digest, date, record_id, warc_file, offset, length))

    def by_record_id(self, record_id: str) -> EarlierCapture | None:
        row = self.db.execute("SELECT url, date, record_id, warc_file, offset, length FROM captures "
                              "WHERE record_id = ?", (record_id,)).fetchone()
        return EarlierCapture(*row) if row else None

    # --- catching up with runs written without this table ------------------------------------
    def catch_up(self, exclude: str | None = None) -> int:
        """Read the WARC files of runs not in the table yet (or grown since); returns captures added."""
        done = dict(self.db.execute("SELECT run_id, warc_bytes FROM capture_runs"))
        added = 0
        for run in L.list_run_dirs(self.root):
            if run.name == exclude:
                continue
            warc = run / L.CAPTURES
            size = warc.stat().st_size if warc.exists() else 0
            if done.get(run.name) == size:
                continue
            if size:
                added += self.index_warc(warc)
            self.db.execute("INSERT OR REPLACE INTO capture_runs VALUES (?, ?)", (run.name, size))
        if added:
            log.info("%s: %d earlier captures indexed for revisit records", self.root, added)
        self.db.commit()
        return added

    def mark_run(self, run_id: str, warc_bytes: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO capture_runs VALUES (?, ?)", (run_id, warc_bytes))

    def index_warc(self, path: Path) -> int:
        """Add the full response records of one WARC file; a torn tail ends it quietly."""
        rel = L.relative(self.root, path)
        n = 0
        try:
            with open(path, "rb") as fh:
                it = ArchiveIterator(fh)
                for record in it:
                    if record.rec_type != "response":
                        continue
                    h = record.rec_headers
                    record.content_stream().read()
                    digest = h.get_header("WARC-Payload-Digest")
                    if not digest:
                        continue
                    self.add(h.get_header("WARC-Target-URI"), digest, h.get_header("WARC-Date"),
                             h.get_header("WARC-Record-ID"), rel, it.get_record_offset(), it.get_record_length())
                    n += 1
        except Exception as exc:  # noqa: BLE001 - warcio raises assorted errors on torn members
            log.warning("%s: unreadable WARC data (%s); captures after it are not used for revisits", path, exc)
        return n

    # --- reading revisits back ------------------------------------------------------------------
    def resolver(self):
        """A `warc.iter_responses` resolver: the earlier response a revisit record refers to."""

        def resolve(refers_to: str | None, url: str, digest: str | None) -> StoredResponse | None:
            earlier = (self.by_record_id(refers_to) if refers_to else None) or \
                (self.lookup(url, digest) if digest else None)
            if earlier is None:
                return None
            try:
                page = read_response(self.root, earlier.capture())
            except (OSError, ValueError, ArchiveError) as exc:
                log.warning("revisit of %s: its earlier capture cannot be read (%s)", url, exc)
                return None
            return StoredResponse(str(self.root / earlier.warc_file), earlier.offset, earlier.length,
                                  earlier.record_id, page)

        return resolve
