"""Where an archive keeps its files.

::

    <archive>/
      runs/<run_id>/run.json             written when the run starts (id, start time, options)
      runs/<run_id>/articles.jsonl.zst   records of articles that are new or changed in this run
      runs/<run_id>/unchanged.tsv.zst    articles re-fetched with an unchanged content hash (id, version, ...)
      runs/<run_id>/listed.tsv.zst       archived articles the run discovered but did not fetch (same columns)
      runs/<run_id>/rejects.jsonl.zst    records that failed the schema, with their errors
      runs/<run_id>/not_articles.tsv.zst pages fetched as articles but judged not articles, why, and their capture
      runs/<run_id>/captures.warc.gz     raw HTTP request/response records (WARC 1.1, one gzip member each)
      runs/<run_id>/discovery.json.zst   what discovery remembers for the next run (newsarchive.discovery.memory)
      runs/<run_id>/manifest.json        written last: counts, options, software, sha256 of every file
      index.sqlite                       derived from runs/ (``newsarchive reindex`` rebuilds it)
      .lock                              held (flock) by the run being written

One archive holds every outlet; a run may cover several sites and each record names its ``site``
(``--site`` filters). A run directory with no ``manifest.json`` is either being written (its lock is
held) or was interrupted; ``newsarchive reindex`` (or the next crawl) seals it. Finished runs are
never modified.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timezone
from pathlib import Path

RUNS = "runs"
INDEX = "index.sqlite"
LOCK = ".lock"
RUN_INFO = "run.json"
ARTICLES = "articles.jsonl.zst"
UNCHANGED = "unchanged.tsv.zst"
# Archived articles a crawl discovered (sitemap, feed, listing) and did not fetch because they are
# archived already: the run saw them on the site, so snapshots keep them. Same columns as UNCHANGED
# (id, version, content hash, site, fetched_at, url) with fetched_at empty: nothing was fetched.
# A file of its own rather than lines in UNCHANGED: every reader of UNCHANGED (older versions
# included) takes its lines for re-fetches (fetch times for the revisit schedule, "re-fetched
# unchanged in" in history, counts); a reader that does not know this file ignores it, and a run
# without it (every run before it existed) reads as before.
LISTED = "listed.tsv.zst"
REJECTS = "rejects.jsonl.zst"
# What discovery remembers for the next run (validators, walks, unfinished articles): derived crawl
# state, see newsarchive.discovery.memory. Written before the manifest, so it is in its file table.
DISCOVERY = "discovery.json.zst"
# Pages the crawl fetched as articles that the extractor judged not articles (listing, no text...):
# url, final url, fetched_at, kind, reason, WARC file, offset, length, WARC-Record-ID. Their raw response is in
# the run's WARC like every fetch, so `newsarchive reextract --not-articles` can try them again.
NOT_ARTICLES = "not_articles.tsv.zst"
NOT_ARTICLE_COLUMNS = ("url", "final_url", "fetched_at", "kind", "reason", "warc_file", "offset", "length", "record_id")
CAPTURES = "captures.warc.gz"
MANIFEST = "manifest.json"
TORN_SUFFIX = ".torn"  # a torn tail set aside by recovery: <file>.torn

RUN_FORMAT = "newsarchive-run/1"


class ArchiveError(Exception):
    """A problem with an archive that the user can act on (clear one-line message)."""


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: UTC start time plus 4 random hex digits, e.g. 20260307T081500Z-3fa2."""
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def runs_dir(root: str | Path) -> Path:
    return Path(root) / RUNS


def run_dir(root: str | Path, run_id: str) -> Path:
    return runs_dir(root) / run_id


def list_run_dirs(root: str | Path) -> list[Path]:
    """Run directories of an archive (those with a run.json or a manifest), in name order."""
    base = runs_dir(root)
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and ((p / RUN_INFO).exists() or (p / MANIFEST).exists()))


def is_archive(path: str | Path) -> bool:
    return runs_dir(path).is_dir()


def relative(root: str | Path, path: str | Path) -> str:
    """`path` relative to the archive root, with forward slashes (as stored in records)."""
    return Path(os.path.relpath(path, root)).as_posix()
