"""Searching the index: ranked matches with snippets, filtered by outlet, province and dates; or,
with no query, the articles the filters select, newest first.

Ranking is FTS5's bm25 with the title weighing most, then the lead, then the body, plus the exact
spelling boost of newsarchive.search.query. Page sizes and depth are bounded (`MAX_PER_PAGE`,
`MAX_OFFSET`): a search is a way in, not an export (``newsarchive export`` is).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from newsarchive.search.fold import fold
from newsarchive.search.index import unpack
from newsarchive.search.query import Filters, Query, QueryError
from newsarchive.search.snippets import Marked, highlight, snippet, term_pattern

# bm25 weights of the FTS columns: title, lead, body, exact (title and lead as typed)
WEIGHTS = (10.0, 4.0, 1.0, 5.0)
PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_OFFSET = 10_000


@dataclass
class Hit:
    id: str
    version: int
    site: str | None
    outlet: str | None
    province: str | None
    published_at: str | None
    url: str | None
    title: Marked
    snippet: Marked
    score: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "site": self.site, "outlet": self.outlet,
                "province": self.province, "published_at": self.published_at, "url": self.url,
                "title": self.title.text, "title_highlights": [list(s) for s in self.title.spans],
                "snippet": self.snippet.plain(),
                "snippet_highlights": [[s + (1 if self.snippet.cut_start else 0), e + (1 if self.snippet.cut_start else 0)]
                                       for s, e in self.snippet.spans],
                "score": round(-self.score, 6) if self.score is not None else None}


@dataclass
class Results:
    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def pages(self) -> int:
        reachable = min(self.total, MAX_OFFSET + self.per_page)
        return max(1, -(-reachable // self.per_page))


def _where(filters: Filters) -> tuple[str, dict[str, Any]]:
    parts, args = [], {}
    if filters.site:
        parts.append("d.site = :site")
        args["site"] = filters.site
    if filters.province:
        parts.append("(d.province_key = :province OR d.province_2025_key = :province)")
        args["province"] = fold(filters.province)
    if filters.since:
        parts.append("d.day >= :since")
        args["since"] = filters.since.isoformat()
    if filters.until:
        parts.append("d.day <= :until")
        args["until"] = filters.until.isoformat()
    return (" AND " + " AND ".join(parts)) if parts else "", args


def check_page(page: int, per_page: int) -> None:
    if per_page < 1 or per_page > MAX_PER_PAGE:
        raise QueryError(f"per_page: between 1 and {MAX_PER_PAGE}, not {per_page}")
    if page < 1:
        raise QueryError(f"page: 1 or more, not {page}")
    if (page - 1) * per_page > MAX_OFFSET:
        raise QueryError(f"page {page}: results are shown up to number {MAX_OFFSET + per_page}; "
                         "narrow the search with filters (outlet, province, dates)")


def search(db: sqlite3.Connection, query: Query | None, filters: Filters | None = None, page: int = 1,
           per_page: int = PER_PAGE) -> Results:
    """One page of results. `query` None lists what the filters select, newest first."""
    t0 = time.perf_counter()
    filters = filters or Filters()
    check_page(page, per_page)
    where, args = _where(filters)
    args.update(limit=per_page, offset=(page - 1) * per_page)
    cols = "d.id, d.version, d.site, d.outlet, d.province, d.published_at, d.url, d.title"
    if query is not None:
        args["q"] = query.fts()
        w = ", ".join(str(x) for x in WEIGHTS)
        try:
            # CROSS JOIN: the full-text match drives, each match then looked up in docs by rowid (left to
            # itself, SQLite may walk docs by a filter's index and run the match once per row)
            rows = db.execute(f"SELECT {cols}, bm25(fts, {w}) AS score FROM fts CROSS JOIN docs d ON d.rowid = fts.rowid "
                              f"WHERE fts MATCH :q{where} ORDER BY score LIMIT :limit OFFSET :offset", args).fetchall()
            if where:
                total = db.execute(f"SELECT COUNT(*) FROM fts CROSS JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH :q{where}",
                                   args).fetchone()[0]
            else:
                total = db.execute("SELECT COUNT(*) FROM fts WHERE fts MATCH :q", args).fetchone()[0]
        except sqlite3.OperationalError as exc:   # never expected: the expression is built, not typed
            raise QueryError(f"the search could not be run ({exc})") from None
    else:
        if not filters.active():
            raise QueryError("type words to search for, or choose an outlet, a province or dates to list articles")
        rows = db.execute(f"SELECT {cols}, NULL FROM docs d WHERE 1{where} "
                          "ORDER BY d.day IS NULL, d.day DESC, d.published_at DESC, d.id LIMIT :limit OFFSET :offset",
                          args).fetchall()
        total = db.execute(f"SELECT COUNT(*) FROM docs d WHERE 1{where}", args).fetchone()[0]
    pattern = term_pattern(query.highlight_terms()) if query is not None else None
    hits = []
    for aid, version, site, outlet, province, published, url, title, score in rows:
        rec = _record(db, aid, version)
        text = "\n".join(p for p in (rec.get("lead"), rec.get("body")) if p)
        hits.append(Hit(aid, version, site, outlet, province, published, url, highlight(title, pattern),
                        snippet(text, pattern), score))
    return Results(query.text if query else "", total, page, per_page, hits, time.perf_counter() - t0)


def _record(db: sqlite3.Connection, aid: str, version: int) -> dict[str, Any]:
    row = db.execute("SELECT data FROM records WHERE id = ? AND version = ?", (aid, version)).fetchone()
    return unpack(row[0]) if row else {}
