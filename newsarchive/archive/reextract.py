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

Every response in a crawl's WARC was fetched as an article candidate (discovery documents are not
captured), so each is re-extracted as a page reached as an article: refused only on strong evidence
(``newsarchive.extract.classify``). Pages judged not articles are listed in the new run's
``not_articles.tsv.zst`` as a crawl lists them; ``not_articles_only`` re-extracts only the captures the
runs of `sources` listed there (``newsarchive reextract --not-articles``: try them again once the
extractor has improved).
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


# How a re-extracted capture was reached (``reached_as``): every capture of a crawl is an article candidate.
REEXTRACTED = "re-extracted capture"


def not_articles(run_dir: str | Path) -> list[dict[str, str]]:
    """The pages a run listed as not articles (``not_articles.tsv.zst``), one dict per line
    (columns ``layout.NOT_ARTICLE_COLUMNS``); [] when the run listed none."""
    from newsarchive.archive.lines import iter_lines

    path = Path(run_dir) / L.NOT_ARTICLES
    if not path.exists():
        return []
    out = []
    for _n, line in iter_lines(path):
        values = line.rstrip("\n").split("\t")
        out.append(dict(zip(L.NOT_ARTICLE_COLUMNS, values + [""] * (len(L.NOT_ARTICLE_COLUMNS) - len(values)))))
    return out


def _latest_fetch(index: Index, aid: str) -> str | None:
    row = index.db.execute("SELECT MAX(fetched_at) FROM sightings s JOIN runs r USING (run_id) "
                           "WHERE s.id = ? AND r.kind = 'crawl'", (aid,)).fetchone()
    return row[0] if row else None


def reextract(root: str | Path, sources: Iterable[str], *, into: str | Path | None = None,
              run_id: str | None = None, include_superseded: bool = False, not_articles_only: bool = False) -> dict:
    """Re-extract the captures of `sources` into a new run of `into` (default: the same archive).

    ``not_articles_only``: only the captures the runs of `sources` listed as not articles."""
    from newsarchive.records import RecordError, record_from_page

    root = Path(root)
    target = Path(into) if into else root
    files = warc_files(root if L.is_archive(root) else None, sources)
    counts: Counter[str] = Counter()
    same = target.resolve() == root.resolve()
    options = {"sources": list(map(str, sources)), "archive": str(root)}
    if not_articles_only:
        options["not_articles_only"] = True
    with RunWriter(target, run_id, kind="reextract", targets=[str(f) for f in files], options=options) as run:
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
            wanted = {row["record_id"] for row in not_articles(Path(wf).parent)} if not_articles_only else None
            if wanted is not None and not wanted:
                continue
            for stored in iter_responses(wf, resolve=resolve):
                if wanted is not None and stored.record_id not in wanted:
                    continue
                counts["captures"] += 1
                role = stored.page.get("role")
                # robots.txt, sitemaps, feeds, home pages are no articles; a listing page may be one (a page
                # the crawl read as a hub that read as an article), read strictly (newsarchive.extract.classify)
                if wanted is None and role not in (None, "article", "listing"):
                    counts["other_captures"] += 1
                    continue
                if not 200 <= int(stored.page.get("status") or 0) < 300:
                    counts["not_ok"] += 1
                    continue
                page = dict(stored.page)
                page.setdefault("discovery", {"source": "hub" if role == "listing" else REEXTRACTED})
                warc_rel = L.relative(target, Path(stored.path).resolve()) if not same else L.relative(root, stored.path)
                capture = Capture(warc_file=warc_rel, offset=stored.offset, length=stored.length,
                                  record_id=stored.record_id)
                try:
                    article = record_from_page(page, run_id=run.run_id)
                except RecordError as exc:
                    if role == "listing":
                        counts["listing_pages"] += 1        # a listing page, as the crawl read it
                        continue
                    counts[exc.kind] += 1
                    run.count(exc.kind)
                    if exc.kind in ("not_article", "empty", "binary"):   # as a crawl lists them (pipelines/extract.py)
                        family = exc.family or (exc.kind if exc.kind != "not_article" else "other")
                        counts[f"not_article/{family}"] += 1
                        run.count(f"not_article/{family}")
                        run.not_article(page, family, exc.reason or exc.message, capture)
                    continue
                if same and not include_superseded:
                    latest = _latest_fetch(run.index, article.id)
                    if latest and article.fetched_at and latest > article.fetched_at:
                        counts["superseded"] += 1
                        run.count("superseded")
                        continue
                outcome = run.add(article, capture=capture)
                counts[outcome] += 1
        if source_index is not None:
            source_index.close()
        manifest_counts = dict(counts)
    return {"run_id": run.run_id, "archive": str(target), "warc_files": [str(f) for f in files], **manifest_counts}
