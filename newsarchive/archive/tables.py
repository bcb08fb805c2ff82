"""From the archive (or a JSON Lines file) to Arrow and pandas, fast: pyarrow's JSON reader parses the
raw lines (multi-threaded C++), then timestamps become timezone-aware.

    import newsarchive
    df = newsarchive.load("data/archive")                        # latest snapshot
    df = newsarchive.load("data/archive", as_of="2026-03-01", site="baolamdong.vn")
    df = newsarchive.load("snapshot.jsonl.zst")

Nested fields (images, videos, capture, extraction) stay nested (lists of structs); `extraction.sources`
(a free-form mapping) is not loaded.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any, Iterable

from newsarchive.archive import layout as L
from newsarchive.archive.layout import ArchiveError

VN_TZ = "Asia/Ho_Chi_Minh"
TIMESTAMPS = ("published_at", "modified_at", "fetched_at")


def arrow_schema():
    """The Arrow schema of a record (the JSON Schema's fields, typed)."""
    import pyarrow as pa

    s = pa.string()
    image = pa.struct([("url", s), ("caption", s), ("credit", s), ("alt", s)])
    video = pa.struct([("url", s), ("kind", s), ("poster", s)])
    capture = pa.struct([("warc_file", s), ("offset", pa.int64()), ("length", pa.int64()), ("record_id", s)])
    extraction = pa.struct([("method", s), ("warnings", pa.list_(s))])
    return pa.schema([
        ("id", s), ("url", s), ("canonical_url", s), ("final_url", s), ("site", s), ("outlet", s), ("province", s),
        ("title", s), ("lead", s), ("body", s), ("authors", pa.list_(s)), ("sources", pa.list_(s)), ("byline_raw", s),
        ("published_at", s), ("published_raw", s), ("published_from", s), ("published_precision", s),
        ("modified_at", s), ("modified_raw", s), ("modified_from", s),
        ("category", s), ("tags", pa.list_(s)), ("images", pa.list_(image)), ("videos", pa.list_(video)),
        ("language", s), ("word_count", pa.int64()), ("content_hash", s),
        ("fetched_at", s), ("http_status", pa.int64()), ("run_id", s), ("version", pa.int64()),
        ("capture", capture), ("extraction", extraction), ("schema_version", pa.int64()),
    ])


def _read_json_bytes(source: Any):
    import pyarrow.json as pj

    if isinstance(source, io.BytesIO) and not source.getbuffer().nbytes:
        return arrow_schema().empty_table()
    opts = pj.ParseOptions(explicit_schema=arrow_schema(), unexpected_field_behavior="ignore")
    return pj.read_json(source, read_options=pj.ReadOptions(block_size=8 << 20), parse_options=opts)


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
            ts = pd.to_datetime(df[name], utc=True, format="ISO8601", errors="coerce")
            df[name] = ts if name == "fetched_at" else ts.dt.tz_convert(tz)
    return df


def load(source: str | Path = "data/archive", *, as_of: str | None = None, site: str | None = None,
         cumulative: bool = False, columns: list[str] | None = None, tz: str = VN_TZ):
    """Load an archive snapshot (or a JSON Lines file) as a pandas DataFrame with timezone-aware timestamps.

    `as_of`: a run id or a date (snapshot as of then); `site`: one outlet's domain; `cumulative`: every
    article ever archived, not only those still online at the last crawl; `columns`: a subset.
    """
    return to_pandas(read_table(source, as_of=as_of, site=site, cumulative=cumulative, columns=columns), tz=tz)


def iter_batches(lines: Iterable[str], size: int = 20000) -> Iterable[Any]:
    """Arrow tables of up to `size` records each, from raw JSON lines (for streaming exports)."""
    buf = io.BytesIO()
    n = 0
    for line in lines:
        buf.write(line.encode("utf-8"))
        n += 1
        if n >= size:
            yield _read_json_bytes(io.BytesIO(buf.getvalue()))
            buf, n = io.BytesIO(), 0
    if n:
        yield _read_json_bytes(io.BytesIO(buf.getvalue()))
