"""Full-text search over the archive: the latest version of every article, Vietnamese-aware (with or
without diacritics), filtered by outlet, province and publication dates, ranked, with snippets.

The index is ``<archive>/search.sqlite`` (SQLite FTS5; derived data, rebuilt by ``newsarchive
reindex``), brought up to date by every run that finishes. See docs/serve.md.

- `update`, `rebuild`, `update_after_run`: keeping the index (newsarchive.search.index)
- `parse_query`, `parse_filters`, `QueryError`: what the user typed (newsarchive.search.query)
- `search`: one page of results (newsarchive.search.find)
- `fold`: the folding both sides use (newsarchive.search.fold)
"""

from __future__ import annotations

from newsarchive.search.find import Hit, Results, search
from newsarchive.search.fold import fold
from newsarchive.search.index import SEARCH, open_readonly, rebuild, update, update_after_run
from newsarchive.search.query import Filters, QueryError, parse_filters, parse_query

__all__ = ["Filters", "Hit", "QueryError", "Results", "SEARCH", "fold", "open_readonly", "parse_filters",
           "parse_query", "rebuild", "search", "update", "update_after_run"]
