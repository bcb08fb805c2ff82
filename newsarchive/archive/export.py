"""Exports of a snapshot: JSON Lines (as stored), Parquet (typed, nested, via pyarrow) or CSV (flat:
lists joined with " | ", nested fields as JSON), streamed in batches."""

from __future__ import annotations

import csv
import gzip
import json
import os
from pathlib import Path
from typing import Iterator

from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.snapshot import iter_snapshot_lines

FORMATS = ("jsonl", "parquet", "csv")
CSV_COLUMNS = [
    "id", "url", "canonical_url", "site", "outlet", "province", "title", "lead", "body", "authors", "sources",
    "published_at", "published_raw", "published_from", "modified_at", "category", "tags", "images", "videos",
    "language", "word_count", "content_hash", "fetched_at", "http_status", "run_id", "version",
]


def format_for(path: str | Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    name = str(path)
    for suffix, f in ((".parquet", "parquet"), (".csv", "csv"), (".csv.gz", "csv")):
        if name.endswith(suffix):
            return f
    return "jsonl"


def export(root: str | Path, out: str | Path, fmt: str | None = None, **snapshot_args) -> int:
    """Write the snapshot (see `iter_snapshot_lines` for as_of/site/cumulative) to `out`; returns records."""
    fmt = format_for(out, fmt)
    if fmt not in FORMATS:
        raise ArchiveError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    lines = iter_snapshot_lines(root, **snapshot_args)
    try:
        if fmt == "jsonl":
            from newsarchive.archive.snapshot import write_snapshot

            return write_snapshot(root, out, **snapshot_args)
        if fmt == "parquet":
            n = _parquet(lines, tmp)
        else:
            n = _csv(lines, tmp, gz=out.name.endswith(".gz"))
        os.replace(tmp, out)
        return n
    finally:
        if tmp.exists():
            tmp.unlink()


def _parquet(lines: Iterator[str], path: Path) -> int:
    import pyarrow.parquet as pq

    from newsarchive.archive.tables import arrow_schema, iter_batches

    schema = arrow_schema()
    n = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for table in iter_batches(lines):
            writer.write_table(table.select(schema.names).cast(schema))
            n += table.num_rows
    if n == 0:
        pq.write_table(schema.empty_table(), path)
    return n


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return " | ".join(value)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _csv(lines: Iterator[str], path: Path, gz: bool = False) -> int:
    fh = gzip.open(path, "wt", encoding="utf-8", newline="") if gz else open(path, "w", encoding="utf-8", newline="")
    n = 0
    with fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for line in lines:
            rec = json.loads(line)
            writer.writerow([_cell(rec.get(c)) for c in CSV_COLUMNS])
            n += 1
    return n
