"""newsarchive: crawl and archive Vietnamese provincial news.

The library API (importable without Scrapy running):

- ``parse_date(text, now=None, tz=VN_TZ)``: Vietnamese date strings -> aware datetime / date / None
- ``find_dates(text, now=None)``: every date and time in running text ("7h15 sáng qua", "chiều 7/6"),
  with span, precision and the words resolved against ``now``
- ``extract_article(html, url=..., headers=None, site=None)``: a page -> ``Article`` (or a not-an-article result)
- ``Article`` and friends: the archive record (``newsarchive.article``)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from newsarchive.article import Article, ArticleImage, ArticleVideo, Capture, Extraction, SCHEMA_VERSION

__all__ = [
    "Article",
    "ArticleImage",
    "ArticleVideo",
    "Capture",
    "Extraction",
    "SCHEMA_VERSION",
    "parse_date",
    "parse_date_detailed",
    "find_dates",
    "extract_article",
    "__version__",
]

# Heavier entry points are imported on first use, so `import newsarchive` stays light.
_LAZY = {
    "parse_date": "newsarchive.dates",
    "parse_date_detailed": "newsarchive.dates",
    "find_dates": "newsarchive.dates",
    "VN_TZ": "newsarchive.dates",
    "extract_article": "newsarchive.extract",
    "load": "newsarchive.archive",
    "duckdb_source": "newsarchive.archive.columns",   # read_json(...) with the schema's types, for DuckDB
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'newsarchive' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
