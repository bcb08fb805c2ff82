"""From the archive (or a JSON Lines file) to Arrow and pandas, fast: pyarrow's JSON reader parses the
raw lines (multi-threaded C++), then timestamps become timezone-aware.

    import newsarchive
    df = newsarchive.load("data/archive")                        # latest snapshot
    df = newsarchive.load("data/archive", as_of="2026-03-01", site="baolamdong.vn")
    df = newsarchive.load("snapshot.jsonl.zst")

Every field of the record's JSON Schema is a column with one stable type (`newsarchive.archive.columns`):
timestamps are ``timestamp[us, tz]`` (published_at/modified_at in Asia/Ho_Chi_Minh, fetched_at in
UTC), nested fields stay nested (images and videos lists of structs, capture and extraction
structs, ``extraction.sources`` a map of field -> where it came from).
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable

from newsarchive.archive import layout as L
from newsarchive.archive.layout import ArchiveError

VN_TZ = "Asia/Ho_Chi_Minh"
TIMESTAMPS = ("published_at", "modified_at", "fetched_at")


def arrow_schema():
    """The Arrow schema of a record (every field of the JSON Schema, typed; see `newsarchive.archive.columns`)."""
    from newsarchive.archive.columns import arrow_schema as schema

    return schema()


def _reader_schema():
    """What pyarrow's JSON reader parses: the record's schema, less ``extraction.sources`` (a map,
    which the reader cannot build; `_with_sources` adds it)."""
    import pyarrow as pa

    schema = arrow_schema()
    i = schema.get_field_index("extraction")
    ext = schema.field(i).type
    kept = [ext.field(j) for j in range(ext.num_fields) if ext.field(j).name != "sources"]
    return schema.set(i, pa.field("extraction", pa.struct(kept)))


_SOURCES = re.compile(rb'"sources"\s*:\s*\{')


def _sources_of(line: bytes):
    """The ``extraction.sources`` object of one raw JSON line (the top-level ``sources`` is a list, so
    the only ``"sources": {`` outside a string is extraction's; a quote inside a string is escaped)."""
    at = line.rfind(b'"sources":{')
    if at < 0:
        m = None
        for m in _SOURCES.finditer(line):
            pass
        if m is None:
            return (json.loads(line).get("extraction") or {}).get("sources") if line.strip() else None
        at = m.start()
    brace = line.index(b"{", at)
    try:
        value, _ = _DECODER.raw_decode(line[brace:].decode("utf-8"))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


_DECODER = json.JSONDecoder()


def _with_sources(table, lines: Iterable[bytes]):
    """`table` (read with `_reader_schema`) with ``extraction.sources`` filled from the raw lines."""
    import pyarrow as pa

    schema = arrow_schema()
    ext_type = schema.field("extraction").type
    sources = pa.array([_sources_of(line) for line in lines if line.strip()], type=ext_type.field("sources").type)
    ext = table.column("extraction").combine_chunks()
    if len(sources) != len(ext):
        raise ArchiveError(f"extraction.sources: {len(sources)} values for {len(ext)} records")
    children = {ext.type.field(j).name: ext.field(j) for j in range(ext.type.num_fields)}
    children["sources"] = sources
    arrays = [children[ext_type.field(j).name] for j in range(ext_type.num_fields)]
    merged = pa.StructArray.from_arrays(arrays, fields=list(ext_type), mask=ext.is_null())
    return table.set_column(table.schema.get_field_index("extraction"), "extraction", merged).cast(schema)


def _read_json_bytes(source: Any):
    """A typed table of the records in `source` (a path of plain JSON Lines, or a BytesIO)."""
    import pyarrow.json as pj

    if isinstance(source, io.BytesIO) and not source.getbuffer().nbytes:
        return arrow_schema().empty_table()
    opts = pj.ParseOptions(explicit_schema=_reader_schema(), unexpected_field_behavior="ignore")
    data = source.getvalue() if isinstance(source, io.BytesIO) else None
    table = pj.read_json(io.BytesIO(data) if data is not None else source,
                         read_options=pj.ReadOptions(block_size=8 << 20), parse_options=opts)
    if data is not None:
        return _with_sources(table, data.split(b"\n"))
    if hasattr(source, "seek"):     # an open file, read again from its start
        source.seek(0)
        return _with_sources(table, source)
    with open(source, "rb") as fh:
        return _with_sources(table, fh)


def read_table(source: str | Path, *, as_of: str | None = None, site: str | None = None,
               cumulative: bool = False, columns: list[str] | None = None):
    """A pyarrow Table of the records of an archive snapshot or of a JSON Lines file (.jsonl/.gz/.zst)."""
    import pyarrow as pa

    path = Path(source)
    if L.is_archive(path):
        from newsarchive.archive.snapshot import iter_snapshot_lines

        with tempfile.TemporaryFile() as tmp:
            for line in iter_snapshot_lines(path, as_of=as_of, site=site, cumulative=cumulative, raw=True):
                tmp.write(line)
            if tmp.tell() == 0:
                table = arrow_schema().empty_table()
            else:
                tmp.seek(0)
                table = _read_json_bytes(tmp)
    elif path.is_file():
        if as_of is not None:
            raise ArchiveError("as_of applies to an archive, not to a JSON Lines file")
        table = _read_file(path)
        if site is not None:
            import pyarrow.compute as pc

            table = table.filter(pc.equal(table["site"], site))
    else:
        raise ArchiveError(f"{source}: neither an archive folder nor a JSON Lines file")
    if columns:
        table = table.select(columns)
    return table


def _read_file(path: Path):
    """Read a JSON Lines file with pyarrow, in bounded extra memory: compressed files are streamed to a
    temporary file first; a torn last line is reported and left out."""
    from newsarchive.archive.lines import open_binary_text

    with tempfile.TemporaryDirectory(prefix="newsarchive-load-") as tmp:
        src = path
        if path.name.endswith((".zst", ".gz")):
            src = Path(tmp) / "plain.jsonl"
            with open_binary_text(path) as fh, open(src, "wb") as out:
                while chunk := fh.read(1 << 20):
                    out.write(chunk)
        cut = _complete_length(src)
        if cut < src.stat().st_size:
            import logging

            logging.getLogger(__name__).warning("%s: torn last line (%d bytes) set aside, not loaded",
                                                path, src.stat().st_size - cut)
            whole = Path(tmp) / "complete.jsonl"
            with open(src, "rb") as fh, open(whole, "wb") as out:
                remaining = cut
                while remaining:
                    chunk = fh.read(min(1 << 20, remaining))
                    out.write(chunk)
                    remaining -= len(chunk)
            src = whole
        if cut == 0:
            return arrow_schema().empty_table()
        return _read_json_bytes(str(src))


def _complete_length(path: Path) -> int:
    """Bytes up to and including the last newline."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        end = size
        while end > 0:
            start = max(0, end - 65536)
            fh.seek(start)
            block = fh.read(end - start)
            at = block.rfind(b"\n")
            if at >= 0:
                return start + at + 1
            end = start
    return 0


def to_pandas(table, tz: str = VN_TZ):
    """pandas DataFrame with published_at/modified_at in `tz` (default Vietnam time) and fetched_at in UTC."""
    import pandas as pd

    df = table.to_pandas()
    for name in TIMESTAMPS:
        if name in df.columns:
            ts = df[name]
            if not isinstance(ts.dtype, pd.DatetimeTZDtype):
                ts = pd.to_datetime(ts, utc=True, format="ISO8601", errors="coerce")
            df[name] = ts.dt.tz_convert("UTC") if name == "fetched_at" else ts.dt.tz_convert(tz)
    return df


def load(source: str | Path = "data/archive", *, as_of: str | None = None, site: str | None = None,
         cumulative: bool = False, columns: list[str] | None = None, tz: str = VN_TZ):
    """Load an archive snapshot (or a JSON Lines file) as a pandas DataFrame with timezone-aware timestamps.

    `as_of`: a run id or a date (snapshot as of then); `site`: one outlet's domain; `cumulative`: every
    article ever archived, not only those still online at the last crawl; `columns`: a subset.
    """
    return to_pandas(read_table(source, as_of=as_of, site=site, cumulative=cumulative, columns=columns), tz=tz)


def iter_batches(lines: Iterable[str | bytes], size: int = 20000, max_bytes: int = 4 << 20) -> Iterable[Any]:
    """Arrow tables of up to `size` records or about `max_bytes` of JSON each, from raw JSON lines (for
    streaming exports: parsing a batch takes several times its size in memory, so batches are cut by
    bytes too, which keeps an export of any size within a few hundred MB)."""
    buf = io.BytesIO()
    n = 0
    for line in lines:
        buf.write(line.encode("utf-8") if isinstance(line, str) else line)
        n += 1
        if n >= size or buf.tell() >= max_bytes:
            yield _read_json_bytes(buf)
            buf, n = io.BytesIO(), 0
    if n:
        yield _read_json_bytes(buf)
