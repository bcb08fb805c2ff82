"""Re-extraction: run today's extractor over stored WARC captures, offline, into a new run.

Each response record of an article page is turned back into a page item and goes through the same
code as a crawl (`newsarchive.records.record_from_page`); the new records keep the pointer to the
original capture. A crawl's WARC holds every response (robots.txt, sitemaps, listings, redirects,
errors): captures whose ``WARC-Newsarchive-Role`` says they were not fetched as articles are counted
(``other_captures``) and skipped, and so are responses that are not 2xx (``not_ok``). A revisit
record (an unchanged re-fetch) is re-extracted from the earlier capture it refers to, found through
the archive's capture table; one whose capture is not in the archive is skipped (``unresolved_revisits``).
Versioning is as in a crawl: same content hash -> counted unchanged; different -> version n+1.
A capture older than the article's latest fetch is skipped (counted "superseded"): re-extracting it
would make old text the latest version. Re-extraction runs never decide which articles exist.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Iterable

from newsarchive.archive import layout as L
from newsarchive.archive.dedup import CaptureIndex
from newsarchive.archive.index import Index
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.warc import iter_responses
from newsarchive.archive.writer import RunWriter
from newsarchive.article import Capture

log = logging.getLogger(__name__)


def warc_files(root: Path | None, sources: Iterable[str]) -> list[Path]:
    """WARC files named by SOURCES: run ids (in the archive), run folders, or WARC files."""
    out = []
    for src in sources:
        p = Path(src)
        if p.is_file():
            out.append(p)
        elif p.is_dir() and (p / L.CAPTURES).exists():
            out.append(p / L.CAPTURES)
        elif root is not None and (L.run_dir(root, src) / L.CAPTURES).exists():
            out.append(L.run_dir(root, src) / L.CAPTURES)
        else:
            raise ArchiveError(f"{src}: not a WARC file, a run folder or a run id with captures")
    return out


def _latest_fetch(index: Index, aid: str) -> str | None:
    row = index.db.execute("SELECT MAX(fetched_at) FROM sightings s JOIN runs r USING (run_id) "
                           "WHERE s.id = ? AND r.kind = 'crawl'", (aid,)).fetchone()
    return row[0] if row else None


def reextract(root: str | Path, sources: Iterable[str], *, into: str | Path | None = None,
              run_id: str | None = None, include_superseded: bool = False) -> dict:
    """Re-extract the captures of `sources` into a new run of `into` (default: the same archive)."""
    from newsarchive.records import RecordError, record_from_page

    root = Path(root)
    target = Path(into) if into else root
    files = warc_files(root if L.is_archive(root) else None, sources)
    counts: Counter[str] = Counter()
    same = target.resolve() == root.resolve()
    with RunWriter(target, run_id, kind="reextract", targets=[str(f) for f in files],
                   options={"sources": list(map(str, sources)), "archive": str(root)}) as run:
        source_index = None
        if same:
            resolve = run.captures.resolver()
        elif L.is_archive(root):
            source_index = Index(root)
            source_captures = CaptureIndex(source_index.db, root)
            source_captures.catch_up()
            resolve = source_captures.resolver()
        else:
            resolve = None
        for wf in files:
            for stored in iter_responses(wf, resolve=resolve):
                counts["captures"] += 1
                role = stored.page.get("role")
                if role is not None and role != "article":
                    counts["other_captures"] += 1
                    continue
                if not 200 <= int(stored.page.get("status") or 0) < 300:
                    counts["not_ok"] += 1
                    continue
                try:
                    article = record_from_page(stored.page, run_id=run.run_id)
                except RecordError as exc:
                    counts[exc.kind] += 1
                    run.count(exc.kind)
                    continue
                if same and not include_superseded:
                    latest = _latest_fetch(run.index, article.id)
                    if latest and article.fetched_at and latest > article.fetched_at:
                        counts["superseded"] += 1
                        run.count("superseded")
                        continue
                warc_rel = L.relative(target, Path(stored.path).resolve()) if not same else L.relative(root, stored.path)
                capture = Capture(warc_file=warc_rel, offset=stored.offset, length=stored.length,
                                  record_id=stored.record_id)
                outcome = run.add(article, capture=capture)
                counts[outcome] += 1
        if source_index is not None:
            source_index.close()
        manifest_counts = dict(counts)
    return {"run_id": run.run_id, "archive": str(target), "warc_files": [str(f) for f in files], **manifest_counts}
