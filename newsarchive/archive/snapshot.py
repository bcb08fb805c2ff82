"""Snapshots: the latest version of every article as of a point in time (a run or a date).

What "every article" means, per site: the articles seen by the last *complete* crawl of that site up
to the point, plus those seen by any crawl after it (an interrupted run's articles are kept; an article
that a later complete crawl of its site no longer found is removed). A crawl *sees* an article when
it fetches it (a new version, or unchanged) or when it discovers one of its URLs in a sitemap, feed
or listing and skips it because it is archived already (a "listed" sighting, runs/<id>/listed.tsv.zst).
Only a run that finished and set out to see the whole site is complete: not a limited, stopped,
failed or interrupted run, nor one with a --since/--until window, one that resumed a stopped
crawl's queue, one where a discovery document failed or home sections were cut, or one whose discovery
read only feeds or news sitemaps (recent items) for some outlet (newsarchive.archive.runs.is_complete,
partial_reasons); such runs add articles and remove none. The runs of the workers of one
shared crawl (several processes or machines through Redis; the same ``shared_crawl`` id in their
run.json / manifest) are one crawl: together they are its view of the site. ``cumulative=True`` keeps every
article ever archived up to the point instead. Re-extraction runs add versions but never decide which
articles exist.

Records are streamed run by run as the raw JSON lines stored in the runs (no re-serialisation), so a
snapshot of any size needs little memory.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Iterator

from newsarchive.archive import layout as L
from newsarchive.archive.index import Index
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.lines import iter_lines

VN = timezone(timedelta(hours=7))

# A *crawl* is a group of runs: the runs of the workers of one shared crawl (same `crawl` id in the
# index, see newsarchive/distributed.py), or a single run. A crawl is complete up to the point when one
# of its runs finished (a shared-crawl worker finishes only when nothing is queued or in flight on any
# worker) and none of its runs started after the point (a point inside a shared crawl sees only part
# of it: that part adds articles but removes none). Crawls are ordered by their first run.
SELECT = """
WITH grp AS (SELECT COALESCE(crawl, run_id) AS crawl, MIN(ord) AS gord, MAX(ord) AS last, MAX(complete) AS done
             FROM runs WHERE kind = 'crawl' GROUP BY COALESCE(crawl, run_id)),
up AS (SELECT r.run_id, r.ord, r.kind, g.gord, (g.done = 1 AND g.last <= :lim) AS gcomplete
       FROM runs r LEFT JOIN grp g ON g.crawl = COALESCE(r.crawl, r.run_id) WHERE r.ord <= :lim),
latest AS (SELECT v.id, MAX(v.version) AS version FROM versions v JOIN up USING (run_id) GROUP BY v.id),
cover AS (SELECT s.site AS site, MAX(up.gord) AS cord FROM sightings s JOIN up USING (run_id)
          WHERE up.kind = 'crawl' AND up.gcomplete GROUP BY s.site),
present AS (SELECT DISTINCT s.id FROM sightings s JOIN up USING (run_id) LEFT JOIN cover c ON c.site IS s.site
            WHERE up.kind = 'crawl' AND (c.cord IS NULL OR up.gord >= c.cord)),
crawled AS (SELECT DISTINCT s.id FROM sightings s JOIN up USING (run_id) WHERE up.kind = 'crawl')
SELECT v.run_id, v.line FROM versions v
  JOIN latest l ON v.id = l.id AND v.version = l.version
  JOIN up ON up.run_id = v.run_id
WHERE (:cumulative OR v.id IN (SELECT id FROM present) OR v.id NOT IN (SELECT id FROM crawled))
  AND (:site IS NULL OR v.site = :site)
ORDER BY up.ord, v.line
"""

def parse_point(text: str) -> datetime:
    """A date or date-time as an aware datetime; a bare date means the end of that day, Vietnam time."""
    text = text.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime.combine(d, time(23, 59, 59, 999999), VN)
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ArchiveError(f"{text!r} is neither a run id nor a date (YYYY-MM-DD or ISO date-time)") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=VN)


def resolve_point(index: Index, as_of: str | None) -> tuple[int, str]:
    """(highest run order included, description) for a run id (or unique prefix), a date, or None (all)."""
    runs = index.runs()
    if not runs:
        raise ArchiveError(f"{index.root}: the archive has no runs yet")
    if as_of is None or as_of in ("latest", "now"):
        return runs[-1]["ord"], f"latest (run {runs[-1]['run_id']})"
    matches = [r for r in runs if r["run_id"] == as_of] or [r for r in runs if r["run_id"].startswith(as_of)]
    if len(matches) == 1:
        return matches[0]["ord"], f"run {matches[0]['run_id']}"
    if len(matches) > 1 and not as_of[:4].isdigit():
        raise ArchiveError(f"{as_of!r} matches several runs: " + ", ".join(r["run_id"] for r in matches[:5]))
    point = parse_point(as_of)
    included = [r for r in runs if r["started_at"] and datetime.fromisoformat(r["started_at"]) <= point]
    if not included:
        raise ArchiveError(f"no run started on or before {point.isoformat()} (first run: {runs[0]['started_at']})")
    return included[-1]["ord"], f"as of {point.isoformat()} (run {included[-1]['run_id']})"


def iter_snapshot_lines(root: str | Path, as_of: str | None = None, site: str | None = None,
                        cumulative: bool = False, index: Index | None = None, raw: bool = False) -> Iterator[str]:
    """Raw JSON lines (with newline) of the snapshot, streamed run by run (bytes with `raw=True`)."""
    own = index is None
    index = index or Index.open(root)
    try:
        limit, _ = resolve_point(index, as_of)
        cur = index.db.execute(SELECT, {"lim": limit, "site": site, "cumulative": 1 if cumulative else 0})
        run_id, wanted = None, []
        for rid, line in cur:
            if rid != run_id:
                if wanted:
                    yield from _lines_of(Path(root), run_id, wanted, raw)
                run_id, wanted = rid, []
            wanted.append(line)
        if wanted:
            yield from _lines_of(Path(root), run_id, wanted, raw)
    finally:
        if own:
            index.close()


def _lines_of(root: Path, run_id: str, wanted: list[int], raw: bool = False) -> Iterator[str]:
    """The given line numbers (ascending) of a run's articles file."""
    path = L.run_dir(root, run_id) / L.ARTICLES
    pos = 0
    for number, line in iter_lines(path, raw=raw):
        if number == wanted[pos]:
            yield line
            pos += 1
            if pos == len(wanted):
                return
    if pos < len(wanted):
        raise ArchiveError(f"{path}: line {wanted[pos]} is indexed but missing; run `newsarchive reindex`")


def iter_snapshot(root: str | Path, **kwargs) -> Iterator[dict]:
    """The snapshot's records as dicts (see `iter_snapshot_lines` for the arguments)."""
    for line in iter_snapshot_lines(root, **kwargs):
        yield json.loads(line)


def write_snapshot(root: str | Path, out: str | Path, **kwargs) -> int:
    """Write the snapshot as JSON Lines to `out` (.jsonl, .jsonl.gz or .jsonl.zst), atomically; returns records."""
    import gzip
    import os

    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    n = 0
    if out.name.endswith(".gz"):
        sink = gzip.open(tmp, "wb", compresslevel=6)
    elif out.name.endswith(".zst"):
        import zstandard

        sink = zstandard.ZstdCompressor(level=3).stream_writer(open(tmp, "wb"), closefd=True)
    else:
        sink = open(tmp, "wb")
    try:
        with sink:
            for line in iter_snapshot_lines(root, raw=True, **kwargs):
                sink.write(line)
                n += 1
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return n
