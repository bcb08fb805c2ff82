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
from datetime import date
from typing import Any

from newsarchive.search.fold import fold
from newsarchive.search.index import province_token, site_token, unpack
from newsarchive.search.query import Filters, Query, QueryError
from newsarchive.search.snippets import Marked, highlight, snippet, term_pattern

# bm25 weights of the FTS columns: title, lead, body, exact (title and lead as typed)
WEIGHTS = (10.0, 4.0, 1.0, 5.0, 0.0)   # ... and meta (the filters' tokens: never ranked)
PER_PAGE = 20
MAX_PER_PAGE = 100
# A query matching more articles than this ranks the RANK_CAP most recently indexed of them (bm25 reads
# every match: on 100,000 articles a word found in all of them costs ~150 ms to rank, the newest 5,000
# ~25 ms). The total is still counted and shown; filters or more words rank all matches again.
RANK_CAP = 5_000
MAX_OFFSET = RANK_CAP


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
    ranked: int = 0              # how many matches were ranked (all, or the newest RANK_CAP)

    @property
    def capped(self) -> bool:
        return self.ranked < self.total

    @property
    def pages(self) -> int:
        reachable = min(self.total, MAX_OFFSET)
        return max(1, -(-reachable // self.per_page))


def _where(filters: Filters) -> tuple[str, dict[str, Any]]:
    parts, args = [], {}
    if filters.site:
        parts.append("d.site = :site")
        args["site"] = filters.site
    if filters.province:
        # the outlets of the province first (an index on site then serves the listing without a query)
        parts.append("d.site IN (SELECT site FROM sites WHERE province_key = :province OR province_2025_key = :province)")
        parts.append("(d.province_key = :province OR d.province_2025_key = :province)")
        args["province"] = fold(filters.province)
    if filters.since:
        parts.append("d.day >= :since")
        args["since"] = filters.since.isoformat()
    if filters.until:
        parts.append("d.day <= :until")
        args["until"] = filters.until.isoformat()
    return (" AND " + " AND ".join(parts)) if parts else "", args


def period_tokens(since: date, until: date) -> list[str]:
    """The meta tokens covering the days from `since` to `until`: whole years, else months."""
    out = []
    for year in range(since.year, until.year + 1):
        if since <= date(year, 1, 1) and date(year, 12, 31) <= until:
            out.append(f"zy{year}")
            continue
        first = since.month if year == since.year else 1
        last = until.month if year == until.year else 12
        out += [f"zm{year}{m:02d}" for m in range(first, last + 1)]
    return out


def meta_filter(db: sqlite3.Connection, filters: Filters) -> str | None:
    """The filters as an FTS5 expression over the meta column (None: no filter, or nothing can match)."""
    parts = []
    if filters.site:
        parts.append(f'"{site_token(filters.site)}"')
    if filters.province:
        parts.append(f'"{province_token(fold(filters.province))}"')
    if filters.since or filters.until:
        lo, hi = db.execute("SELECT MIN(day), MAX(day) FROM docs").fetchone()
        try:
            since = filters.since or date.fromisoformat(lo)
            until = filters.until or date.fromisoformat(hi)
        except (TypeError, ValueError):   # no dated article at all
            return '"zy0000"'
        tokens = period_tokens(since, until) if since <= until else []
        if not tokens or len(tokens) > 400:
            return None if tokens else '"zy0000"'
        parts.append("(" + " OR ".join(f'"{t}"' for t in tokens) + ")")
    return " AND ".join(parts) or None


def check_page(page: int, per_page: int) -> None:
    if per_page < 1 or per_page > MAX_PER_PAGE:
        raise QueryError(f"per_page: between 1 and {MAX_PER_PAGE}, not {per_page}")
    if page < 1:
        raise QueryError(f"page: 1 or more, not {page}")
    if (page - 1) * per_page >= MAX_OFFSET:
        raise QueryError(f"page {page}: results are shown up to number {MAX_OFFSET:,}; "
                         "narrow the search with words or filters (outlet, province, dates)")


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
        args["f"] = query.fts(boost=False)
        meta = meta_filter(db, filters)
        if meta:
            args["q"] = f"({args['q']}) AND {{meta}} : ({meta})"
            args["f"] = f"({args['f']}) AND {{meta}} : ({meta})"
        join = "FROM fts CROSS JOIN docs d ON d.rowid = fts.rowid"
        w = ", ".join(str(x) for x in WEIGHTS)
        try:
            if where:
                total = db.execute(f"SELECT COUNT(*) {join} WHERE fts MATCH :f{where}", args).fetchone()[0]
            else:
                total = db.execute("SELECT COUNT(*) FROM fts WHERE fts MATCH :f", args).fetchone()[0]
            args["after"] = 0
            if total > RANK_CAP:    # rank the newest RANK_CAP matches: FTS5 walks rowids newest first
                row = db.execute(f"SELECT fts.rowid {join} WHERE fts MATCH :f{where} ORDER BY fts.rowid DESC "
                                 "LIMIT 1 OFFSET :cap", {**args, "cap": RANK_CAP}).fetchone()
                args["after"] = row[0] if row else 0
            # CROSS JOIN: the full-text match drives, each match then looked up in docs by rowid (left to
            # itself, SQLite may walk docs by a filter's index and run the match once per row)
            rows = db.execute(f"SELECT {cols}, bm25(fts, {w}) AS score {join} WHERE fts MATCH :q AND fts.rowid > :after"
                              f"{where} ORDER BY score LIMIT :limit OFFSET :offset", args).fetchall()
        except sqlite3.OperationalError as exc:   # never expected: the expression is built, not typed
            raise QueryError(f"the search could not be run ({exc})") from None
        ranked = min(total, RANK_CAP)
    else:
        if not filters.active():
            raise QueryError("type words to search for, or choose an outlet, a province or dates to list articles")
        rows = db.execute(f"SELECT {cols}, NULL FROM docs d WHERE 1{where} "
                          "ORDER BY d.day DESC, d.rowid DESC LIMIT :limit OFFSET :offset",
                          args).fetchall()
        total = db.execute(f"SELECT COUNT(*) FROM docs d WHERE 1{where}", args).fetchone()[0]
        ranked = total
    pattern = term_pattern(query.highlight_terms()) if query is not None else None
    hits = []
    for aid, version, site, outlet, province, published, url, title, score in rows:
        rec = _record(db, aid, version)
        text = "\n".join(p for p in (rec.get("lead"), rec.get("body")) if p)
        hits.append(Hit(aid, version, site, outlet, province, published, url, highlight(title, pattern),
                        snippet(text, pattern), score))
    return Results(query.text if query else "", total, page, per_page, hits, time.perf_counter() - t0, ranked)


def _record(db: sqlite3.Connection, aid: str, version: int) -> dict[str, Any]:
    row = db.execute("SELECT data FROM records WHERE id = ? AND version = ?", (aid, version)).fetchone()
    return unpack(row[0]) if row else {}
