"""Reading and writing JSON Lines files, plain or compressed (.jsonl, .jsonl.gz, .jsonl.zst).

Records are written as UTF-8 without ``\\uXXXX`` escapes, one object a line.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import IO, Any, Iterator


def open_text(path: str | Path, mode: str = "r") -> IO[str]:
    """Open a JSON Lines file for text reading ("r") or appending ("a"), by its extension."""
    path = Path(path)
    name = path.name
    if name.endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")
    if name.endswith(".zst"):
        import zstandard

        if mode == "r":
            raw = zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True)
            return io.TextIOWrapper(raw, encoding="utf-8")
        # Appending a new zstd frame keeps the file a valid concatenation of frames.
        raw = zstandard.ZstdCompressor(level=3).stream_writer(open(path, mode + "b"), closefd=True)
        return io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    return open(path, mode, encoding="utf-8")


def dumps(record: Any) -> str:
    """One record as one line of JSON (no trailing newline)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def iter_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line number, text) for every non-empty line, numbered from 1. Decoding errors raise ValueError."""
    with open_text(path) as fh:
        try:
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    yield number, line
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except (EOFError, OSError) as exc:  # truncated gzip/zstd stream
            raise ValueError(f"{path}: compressed stream is truncated or corrupt ({exc})") from None


JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")


def record_files(root: str | Path) -> list[Path]:
    """The archive record files under a folder, sorted: JSON Lines in any codec, but not the rejects
    (records kept apart because they failed the schema) nor a crawl's resume state (``.jobs``)."""
    root = Path(root)
    return sorted(f for f in root.rglob("*")
                  if f.is_file() and f.name.endswith(JSONL_SUFFIXES)
                  and not f.name.startswith("rejects") and ".jobs" not in f.relative_to(root).parts)
