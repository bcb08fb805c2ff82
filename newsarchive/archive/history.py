"""History of one article: every archived version, with what changed each time, and the runs that
re-fetched it unchanged."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsarchive.archive import layout as L
from newsarchive.archive.diff import DiffOptions, body_unified_diff, field_changes
from newsarchive.archive.index import Index
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.lines import iter_lines
from newsarchive.article import article_id


@dataclass
class Version:
    version: int
    run_id: str
    fetched_at: str | None
    record: dict[str, Any]
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    body_diff: str | None = None
    seen_unchanged_in: list[str] = field(default_factory=list)   # runs that re-fetched it unchanged
    seen_listed_in: list[str] = field(default_factory=list)      # runs that found it listed, not re-fetched

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "run_id": self.run_id, "fetched_at": self.fetched_at,
                "title": self.record.get("title"), "content_hash": self.record.get("content_hash"),
                "changes": self.changes, "body_diff": self.body_diff, "seen_unchanged_in": self.seen_unchanged_in,
                "seen_listed_in": self.seen_listed_in,
                "capture": self.record.get("capture")}


def read_record(root: Path, run_id: str, line: int) -> dict[str, Any]:
    for number, text in iter_lines(L.run_dir(root, run_id) / L.ARTICLES):
        if number == line:
            return json.loads(text)
    raise ArchiveError(f"run {run_id}: line {line} is indexed but missing; run `newsarchive reindex`")


def history(root: str | Path, url: str, opts: DiffOptions | None = None) -> list[Version]:
    """Every version of the article at `url` (any URL it was fetched under, its canonical URL or its id)."""
    root = Path(root)
    opts = opts or DiffOptions()
    index = Index.open(root)
    try:
        ids = index.ids_for_url(url) or [article_id(url)]
        rows = [r for r in index.versions_of(ids)]
        if not rows:
            raise ArchiveError(f"{url}: not in the archive {root}")
        if len(set(r["id"] for r in rows)) > 1:
            raise ArchiveError(f"{url} matches several articles ({', '.join(sorted(set(r['id'] for r in rows)))}); "
                               "give one of these ids")
        aid = rows[0]["id"]
        sightings = index.sightings_of(aid)
    finally:
        index.close()
    out: list[Version] = []
    prev: dict[str, Any] | None = None
    for row in sorted(rows, key=lambda r: r["version"]):
        rec = read_record(root, row["run_id"], row["line"])
        v = Version(row["version"], row["run_id"], rec.get("fetched_at"), rec)
        if prev is not None:
            v.changes, _ = field_changes(prev, rec, opts)
            if "body" in v.changes:
                v.body_diff = body_unified_diff(prev, rec, f"v{prev.get('version')}/body", f"v{row['version']}/body",
                                                opts.context)
        others = [s for s in sightings if s["version"] == row["version"] and s["run_id"] != row["run_id"]]
        v.seen_unchanged_in = [s["run_id"] for s in others if not s["listed"]]
        v.seen_listed_in = [s["run_id"] for s in others if s["listed"]]
        out.append(v)
        prev = rec
    return out
