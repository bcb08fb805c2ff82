"""Exports of a snapshot: JSON Lines (as stored), Parquet (typed, nested, via pyarrow; one file or a
hive-partitioned folder), CSV (flat, every field; a CSVW sidecar says how each column is encoded)
or WACZ (the captures, for replay: `newsarchive.archive.wacz`), streamed in batches.

Parquet: every field of the record's JSON Schema with its type (`newsarchive.archive.columns`):
timestamps ``timestamp[us, tz]``, lists and structs nested, ``extraction.sources`` a map.
``partition=["site", "year"]`` writes ``site=<site>/year=<year>/part-<n>.parquet`` under the output
folder (hive layout: DuckDB ``read_parquet('out/**/*.parquet', hive_partitioning = true)``, Polars
``scan_parquet('out/**/*.parquet', hive_partitioning=True)`` and pyarrow datasets read it as one
table with the partition columns restored). Partition keys: site, outlet, year, month (year and month
of ``published_at`` in Vietnam time; an article without a date goes to the null partition).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import shutil
from pathlib import Path
from typing import Iterator

from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.snapshot import iter_snapshot_lines

FORMATS = ("jsonl", "parquet", "csv", "wacz")
PARTITION_KEYS = ("site", "outlet", "year", "month")


def csv_columns() -> list[str]:
    """Every field of the record, in the schema's order (nothing is left out)."""
    from newsarchive.schema import load_schema

    return list(load_schema()["properties"])


def csv_encodings() -> dict[str, str]:
    """How each CSV column that is not a plain value is written: lists of strings joined with " | ",
    objects and lists of objects as JSON text."""
    from newsarchive.schema import load_schema

    schema = load_schema()
    out = {}
    for name, node in schema["properties"].items():
        t = node.get("type")
        if t == "array" and node.get("items", {}).get("type") == "string":
            out[name] = 'list of strings joined with " | "'
        elif t == "array" or "$ref" in node or "anyOf" in node:
            out[name] = "JSON text"
    return out


def format_for(path: str | Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    name = str(path)
    for suffix, f in ((".parquet", "parquet"), (".csv", "csv"), (".csv.gz", "csv"), (".wacz", "wacz")):
        if name.endswith(suffix):
            return f
    return "jsonl"


def export(root: str | Path, out: str | Path, fmt: str | None = None, *, partition: list[str] | None = None,
           **snapshot_args) -> int:
    """Write the snapshot (see `iter_snapshot_lines` for as_of/site/cumulative) to `out`; returns records.

    `partition` (Parquet only, and the default format then): hive partition keys, `out` is then a folder."""
    fmt = fmt or ("parquet" if partition else None)
    fmt = format_for(out, fmt)
    if fmt not in FORMATS:
        raise ArchiveError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    if partition and fmt != "parquet":
        raise ArchiveError("--partition applies to Parquet exports")
    if fmt == "wacz":
        from newsarchive.archive.wacz import export_wacz

        return export_wacz(root, out, **snapshot_args)
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    if partition:
        return _parquet_dataset(iter_snapshot_lines(root, raw=True, **snapshot_args), out, partition)
    lines = iter_snapshot_lines(root, **snapshot_args)
    try:
        if fmt == "jsonl":
            from newsarchive.archive.snapshot import write_snapshot

            return write_snapshot(root, out, **snapshot_args)
        if fmt == "parquet":
            n = _parquet(lines, tmp)
        else:
            n = _csv(lines, tmp, gz=out.name.endswith(".gz"))
            write_csv_metadata(out)
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


def _partition_columns(table, keys: list[str]):
    """`table` with the derived partition columns (year, month of published_at in Vietnam time) added."""
    import pyarrow as pa
    import pyarrow.compute as pc

    local = None   # published_at is in Asia/Ho_Chi_Minh: its local time gives the Vietnam year and month
    for key in keys:
        if key in ("year", "month"):
            if local is None:
                local = pc.local_timestamp(table["published_at"]) if table.num_rows else None
            values = (pc.year(local) if key == "year" else pc.month(local)) if local is not None else pa.array([], pa.int64())
            table = table.append_column(key, pc.cast(values, pa.int32()))
    return table


def _parquet_dataset(lines: Iterator[str], out: Path, keys: list[str]) -> int:
    """A hive-partitioned Parquet folder, written batch by batch (bounded memory), then moved into place."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    from newsarchive.archive.tables import arrow_schema, iter_batches

    keys = [k.strip() for k in keys if k.strip()]
    unknown = [k for k in keys if k not in PARTITION_KEYS]
    if unknown or not keys:
        raise ArchiveError(f"cannot partition by {', '.join(unknown) or 'nothing'} (keys: {', '.join(PARTITION_KEYS)})")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ArchiveError(f"{out} exists and is not an empty folder: a partitioned export writes a new folder")
    schema = arrow_schema()
    for key in keys:
        if key in ("year", "month"):
            schema = schema.append(pa.field(key, pa.int32()))
    part_schema = pa.schema([schema.field(k) for k in keys])
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    count = [0]

    def batches():
        for table in iter_batches(lines):
            table = _partition_columns(table.select(arrow_schema().names).cast(arrow_schema()), keys)
            count[0] += table.num_rows
            yield from table.cast(schema).to_batches(max_chunksize=1024)

    try:
        ds.write_dataset(batches(), tmp, schema=schema, format="parquet",
                         partitioning=ds.partitioning(part_schema, flavor="hive"),
                         # row groups of 1,024 to 65,536 rows: few, not tiny, and little held per open file
                         basename_template="part-{i}.parquet", min_rows_per_group=1024, max_rows_per_group=65536,
                         use_threads=False,   # (threads: slower here, the batches come from one Python thread)
                         file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
                         existing_data_behavior="overwrite_or_ignore")
        tmp.mkdir(exist_ok=True)
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return count[0]


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
    columns = csv_columns()
    n = 0
    with fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for line in lines:
            rec = json.loads(line)
            writer.writerow([_cell(rec.get(c)) for c in columns])
            n += 1
    return n


def csv_metadata_path(out: str | Path) -> Path:
    """Where the CSVW metadata of a CSV export goes: ``<file>-metadata.json`` (the W3C CSVW convention)."""
    out = Path(out)
    return out.with_name(out.name + "-metadata.json")


def csv_metadata(name: str) -> dict:
    """CSVW (W3C "CSV on the Web") table metadata: every column, its datatype and, for the columns
    that are not plain values, how they are encoded."""
    from newsarchive.schema import load_schema

    props = load_schema()["properties"]
    enc = csv_encodings()
    cols = []
    for col in csv_columns():
        node = props[col]
        t = node.get("type")
        t = next((x for x in t if x != "null"), None) if isinstance(t, list) else t
        datatype = ("dateTime" if node.get("format") == "date-time" else "integer" if t == "integer"
                    else "string")
        entry = {"name": col, "titles": col, "datatype": datatype, "dc:description": node.get("description", "")}
        if col in enc:
            entry["newsarchive:encoding"] = enc[col]
            if enc[col].startswith("list"):
                entry["separator"] = " | "
                entry["datatype"] = "string"
            else:
                entry["datatype"] = "json"
        cols.append(entry)
    return {"@context": ["http://www.w3.org/ns/csvw", {"newsarchive": "https://newsarchive.invalid/csv#"}],
            "url": name, "dc:title": "newsarchive article records",
            "tableSchema": {"columns": cols}}


def write_csv_metadata(out: str | Path) -> Path:
    path = csv_metadata_path(out)
    path.write_text(json.dumps(csv_metadata(Path(out).name), ensure_ascii=False, indent=1) + "\n", "utf-8")
    return path


def csv_note() -> str:
    """One line saying which columns a CSV export flattens (for the command's stderr)."""
    enc = csv_encodings()
    lists = [k for k, v in enc.items() if v.startswith("list")]
    objs = [k for k, v in enc.items() if not v.startswith("list")]
    return (f"CSV: all {len(csv_columns())} fields; {', '.join(lists)} joined with \" | \"; "
            f"{', '.join(objs)} as JSON text")
