"""The archive: append-only runs (records + WARC captures + manifest), an index of versions, and what
archivists and analysts do with it: snapshot, diff, history, re-extract, export, load, stats.

See docs/archive.md. The main entry points:

- `RunWriter`: write one run (used by the store pipeline)
- `iter_snapshot`, `write_snapshot`: the latest version of every article as of a run or date
- `diff_records`: added / removed / changed articles between two sets of records, streaming
- `history`: every version of one article
- `reextract`: re-run extraction over stored captures into a new run
- `load`, `read_table`, `export`: pandas / Arrow / files
- `reindex`, `archive_stats`
"""

from __future__ import annotations

from typing import Any

from newsarchive.archive.layout import ArchiveError

_LAZY = {
    "RunWriter": "newsarchive.archive.writer",
    "DiskFullError": "newsarchive.archive.lines",
    "Index": "newsarchive.archive.index",
    "reindex": "newsarchive.archive.index",
    "iter_snapshot": "newsarchive.archive.snapshot",
    "iter_snapshot_lines": "newsarchive.archive.snapshot",
    "write_snapshot": "newsarchive.archive.snapshot",
    "diff_records": "newsarchive.archive.diff",
    "DiffOptions": "newsarchive.archive.diff",
    "history": "newsarchive.archive.history",
    "reextract": "newsarchive.archive.reextract",
    "load": "newsarchive.archive.tables",
    "read_table": "newsarchive.archive.tables",
    "export": "newsarchive.archive.export",
    "archive_stats": "newsarchive.archive.stats",
}

__all__ = ["ArchiveError", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'newsarchive.archive' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
