"""Diffs of two sets of records (snapshots, runs or JSON Lines files): added, removed, changed.

Streaming with bounded memory: each side is loaded once into a temporary SQLite database on disk
(id -> version, digest of the compared fields, raw line), keeping the highest version of each id;
SQL joins then find added, removed and changed ids, and only the changed pairs are parsed again for
their field-level changes. Memory stays flat whatever the size of the inputs; disk use is about the
size of the inputs.

What counts as a change (`DiffOptions`):
- text fields are compared after Unicode NFC and white-space folding, so white-space-only edits are
  never changes (``ignore_whitespace=False`` to see them);
- an edit touching fewer than ``min_change`` characters of a text field is "minor" and ignored
  (default 1: every real character counts; e.g. ``min_change=20`` to skip typo fixes);
- dates are compared as instants (the same time written with another offset is no change).
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import os
import sqlite3
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator

TEXT_FIELDS = ("title", "lead", "body")
LIST_FIELDS = ("authors", "tags")
DATE_FIELDS = ("published_at", "modified_at")
COMPARED = ("title", "lead", "body", "authors", "published_at", "modified_at", "images", "tags")



@dataclass
class DiffOptions:
    fields: tuple[str, ...] = COMPARED
    ignore_whitespace: bool = True
    min_change: int = 1
    context: int = 2
    body_diff: bool = True


@dataclass
class DiffSummary:
    a_records: int = 0
    b_records: int = 0
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0
    minor: int = 0  # differences below the threshold (white space, tiny edits): ignored
    a_duplicates: int = 0
    b_duplicates: int = 0
    a_bad_lines: int = 0
    b_bad_lines: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Change:
    kind: str  # "added" | "removed" | "changed"
    id: str
    url: str | None
    title: str | None
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    body_diff: str | None = None
    versions: tuple[int | None, int | None] = (None, None)

    def as_dict(self) -> dict[str, Any]:
        out = {"type": self.kind, "id": self.id, "url": self.url, "title": self.title,
               "version_a": self.versions[0], "version_b": self.versions[1]}
        if self.kind == "changed":
            out["fields"] = self.fields
            if self.body_diff is not None:
                out["body_diff"] = self.body_diff
        return out


# --- normalisation -------------------------------------------------------------------------------


def norm_text(value: Any, ignore_whitespace: bool = True) -> str:
    if value is None:
        return ""
    text = str(value)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split()) if ignore_whitespace else text


def _norm_date(value: Any) -> str:
    if not value:
        return ""
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return dt.isoformat() if dt.tzinfo is None else dt.timestamp().__repr__()


def norm_field(rec: dict[str, Any], name: str, ignore_whitespace: bool = True) -> Any:
    value = rec.get(name)
    if name in DATE_FIELDS:
        return _norm_date(value)
    if name == "images":
        return [[norm_text(i.get(k), ignore_whitespace) for k in ("url", "caption", "credit")]
                for i in value or [] if isinstance(i, dict)]
    if isinstance(value, list):
        return [norm_text(v, ignore_whitespace) for v in value]
    return norm_text(value, ignore_whitespace)


def _join(values: Any) -> str:
    return "\x1f".join(v or "" for v in values) if values else ""


def digest(rec: dict[str, Any], opts: DiffOptions) -> str:
    """A key of the compared fields as stored: equal keys, no change; different keys are then compared
    field by field (after normalisation), which tells real changes from white-space-only and minor
    edits. Title, lead and body enter through the record's `content_hash` (sha256 of exactly those)
    when it has one, so long bodies are not read again. `_arrow_keys` builds the same key in C++."""
    content = rec.get("content_hash")
    if not content or tuple(opts.fields) != COMPARED:
        data = [_images(rec.get(f)) if f == "images" else rec.get(f) for f in opts.fields]
        return hashlib.blake2b(repr(data).encode("utf-8"), digest_size=16).digest()
    images = rec.get("images") or []
    return _hashed(["\x1e".join([
        content, _join(rec.get("authors")), rec.get("published_at") or "", rec.get("modified_at") or "",
        _join([i.get("url") for i in images]), _join([i.get("caption") for i in images]),
        _join([i.get("credit") for i in images]), _join(rec.get("tags")),
    ])])[0]


def _arrow_keys(table):
    """`digest` of every row of a pyarrow table (rows with a content_hash), computed by Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def joined(column):
        return pc.binary_join(column, "\x1f")

    images = table.column("images").combine_chunks()
    parts = []
    for name in ("url", "caption", "credit"):
        field = pa.ListArray.from_arrays(images.offsets, images.values.field(name))
        parts.append(joined(field))
    return pc.binary_join_element_wise(
        table.column("content_hash"), joined(table.column("authors")), table.column("published_at"),
        table.column("modified_at"), *parts, joined(table.column("tags")), "\x1e",
        null_handling="replace", null_replacement="")


def _hashed(keys: list[str]) -> list[bytes]:
    blake = hashlib.blake2b
    return [blake(k.encode("utf-8"), digest_size=16).digest() for k in keys]


def _images(images: Any) -> Any:
    """Images with a fixed set of keys (the same for records parsed by json and by pyarrow)."""
    if not images:
        return images
    return [{k: im.get(k) for k in ("url", "caption", "credit", "alt")} if isinstance(im, dict) else im
            for im in images]


def changed_chars(a: str, b: str) -> int:
    """Characters touched by the edit from a to b (word-level alignment: fast on long bodies)."""
    wa, wb = a.split(" "), b.split(" ")
    sm = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    total = 0
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        left, right = " ".join(wa[i1:i2]), " ".join(wb[j1:j2])
        if op == "replace" and len(left) + len(right) < 400:
            inner = difflib.SequenceMatcher(None, left, right, autojunk=False)
            total += sum(max(x2 - x1, y2 - y1) for o, x1, x2, y1, y2 in inner.get_opcodes() if o != "equal")
        else:
            total += max(len(left), len(right))
    return total


def changed_chars_paragraphs(pa: list[str], pb: list[str]) -> int:
    """`changed_chars` for bodies: paragraphs are aligned first, words only inside replaced paragraphs."""
    sm = difflib.SequenceMatcher(None, pa, pb, autojunk=False)
    total = 0
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        left, right = " ".join(pa[i1:i2]), " ".join(pb[j1:j2])
        total += changed_chars(left, right) if op == "replace" else max(len(left), len(right))
    return total


def field_changes(a: dict[str, Any], b: dict[str, Any], opts: DiffOptions) -> tuple[dict[str, dict[str, Any]], bool]:
    """({field: {"before", "after", ...}}, had_minor_differences)."""
    out: dict[str, dict[str, Any]] = {}
    minor = False
    for name in opts.fields:
        na, nb = norm_field(a, name, opts.ignore_whitespace), norm_field(b, name, opts.ignore_whitespace)
        if na == nb:
            if a.get(name) != b.get(name):
                minor = True
            continue
        if name in TEXT_FIELDS:
            if name == "body":
                n = changed_chars_paragraphs([norm_text(p, opts.ignore_whitespace) for p in _paragraphs(a.get(name))],
                                             [norm_text(p, opts.ignore_whitespace) for p in _paragraphs(b.get(name))])
            else:
                n = changed_chars(na, nb)
            if n < opts.min_change:
                minor = True
                continue
            entry: dict[str, Any] = {"changed_chars": n}
            if name == "body":
                pa, pb = _paragraphs(a.get("body")), _paragraphs(b.get("body"))
                entry["paragraphs_before"], entry["paragraphs_after"] = len(pa), len(pb)
            else:
                entry["before"], entry["after"] = a.get(name), b.get(name)
            out[name] = entry
        elif name in ("authors", "tags"):
            sa, sb = na, nb
            out[name] = {"before": a.get(name) or [], "after": b.get(name) or [],
                         "added": [x for x in sb if x not in sa], "removed": [x for x in sa if x not in sb]}
        elif name == "images":
            ua = [i[0] for i in na]
            ub = [i[0] for i in nb]
            out[name] = {"before": len(na), "after": len(nb),
                         "added": [u for u in ub if u not in ua], "removed": [u for u in ua if u not in ub],
                         "captions_changed": sum(1 for x in na for y in nb if x[0] == y[0] and x != y)}
        else:
            out[name] = {"before": a.get(name), "after": b.get(name)}
    return out, minor


def _paragraphs(body: Any) -> list[str]:
    return [p.strip() for p in str(body or "").split("\n\n") if p.strip()]


def body_unified_diff(a: dict[str, Any], b: dict[str, Any], label_a: str, label_b: str, context: int = 2) -> str:
    """Unified diff of the bodies, one paragraph a line."""
    lines = difflib.unified_diff(_paragraphs(a.get("body")), _paragraphs(b.get("body")),
                                 fromfile=label_a, tofile=label_b, n=context, lineterm="")
    return "\n".join(lines)


# --- streaming engine ---------------------------------------------------------------------------


BATCH = 4000


def _arrow_schema():
    import pyarrow as pa

    s = pa.string()
    return pa.schema([("id", s), ("url", s), ("title", s), ("version", pa.int64()), ("content_hash", s),
                      ("authors", pa.list_(s)), ("published_at", s), ("modified_at", s),
                      ("images", pa.list_(pa.struct([("url", s), ("caption", s), ("credit", s), ("alt", s)]))),
                      ("tags", pa.list_(s))])


class _Side:
    """One side of a diff: a table id -> (version, digest, url, title, where the raw line is) in the
    temporary database, and the raw lines themselves appended to a spill file beside it."""

    def __init__(self, db: sqlite3.Connection, table: str, spill: str | None = None):
        self.db, self.table = db, table
        db.execute(f"CREATE TABLE {table} (id TEXT PRIMARY KEY, version INTEGER, digest BLOB, url TEXT, "
                   f"title TEXT, pos INTEGER, len INTEGER)")
        self.bad = 0
        self.spill = open(spill, "w+b") if spill else None
        self.pos = 0

    def _rows_slow(self, lines: list[bytes], opts: DiffOptions) -> list[tuple]:
        rows = []
        for line in lines:
            try:
                rec = json.loads(line)
                aid = rec.get("id") or rec["url"]
                version = int(rec.get("version") or 1)
            except (ValueError, KeyError, TypeError, AttributeError):
                self.bad += 1
                continue
            rows.append((aid, version, digest(rec, opts), rec.get("url"), rec.get("title"), line))
        return rows

    def _rows(self, lines: list[bytes], opts: DiffOptions, arrow) -> list[tuple]:
        """Parse a batch with pyarrow's JSON reader (C++) when it can; else line by line."""
        if arrow is None or tuple(opts.fields) != COMPARED:
            return self._rows_slow(lines, opts)
        pj, schema = arrow
        try:
            table = pj.read_json(io.BytesIO(b"".join(lines)),
                                 parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"))
        except Exception:  # noqa: BLE001 - a bad line or an unexpected type: the careful path says which
            return self._rows_slow(lines, opts)
        if table.num_rows != len(lines) or table.column("id").null_count or table.column("content_hash").null_count:
            return self._rows_slow(lines, opts)
        keys = _hashed(_arrow_keys(table).to_pylist())
        cols = [table.column(name).to_pylist() for name in ("id", "version", "url", "title")]
        return [(aid, version or 1, key, url, title, line)
                for aid, version, url, title, key, line in zip(*cols, keys, lines)]

    def _store(self, rows: list[tuple], sql: str, other: "_Side | None") -> int:
        """Index a batch; spill the raw lines that may be needed later. For the second side, a line
        whose key equals the first side's is never read again, so it is not spilled."""
        same: set[tuple[str, str]] = set()
        if other is not None and rows:
            ids = [row[0] for row in rows]
            for start in range(0, len(ids), 900):
                chunk = ids[start:start + 900]
                marks = ",".join("?" * len(chunk))
                keys = dict(self.db.execute(f"SELECT id, digest FROM {other.table} WHERE id IN ({marks})", chunk))
                same.update((aid, key) for aid, _v, key, *_ in rows[start:start + 900] if keys.get(aid) == key)
        out = []
        spill = []
        pos = self.pos
        for aid, version, key, url, title, line in rows:
            if (aid, key) in same:
                out.append((aid, version, key, url, title, -1, 0))
                continue
            out.append((aid, version, key, url, title, pos, len(line)))
            spill.append(line)
            pos += len(line)
        self.spill.write(b"".join(spill))
        self.pos = pos
        self.db.executemany(sql, out)
        return len(out)

    def load(self, lines: Iterable[str | bytes], opts: DiffOptions, other: "_Side | None" = None) -> tuple[int, int, int]:
        try:
            import pyarrow.json as pj

            arrow = (pj, _arrow_schema())
        except ImportError:  # pyarrow is optional: the stdlib path gives the same result, slower
            arrow = None
        n = 0
        sql = (f"INSERT INTO {self.table} VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
               f"version=excluded.version, digest=excluded.digest, url=excluded.url, title=excluded.title, "
               f"pos=excluded.pos, len=excluded.len WHERE excluded.version >= {self.table}.version")
        batch: list[bytes] = []
        for line in lines:
            if isinstance(line, str):
                line = line.encode("utf-8")
            batch.append(line if line.endswith(b"\n") else line + b"\n")
            if len(batch) >= BATCH:
                n += self._store(self._rows(batch, opts, arrow), sql, other)
                batch = []
        if batch:
            n += self._store(self._rows(batch, opts, arrow), sql, other)
        self.db.commit()
        self.spill.flush()
        distinct = self.db.execute(f"SELECT COUNT(*) FROM {self.table}").fetchone()[0]
        return distinct, n - distinct, self.bad

    def load_file(self, path: str, opts: DiffOptions, other: "_Side | None" = None) -> tuple[int, int, int]:
        """A plain JSON Lines file parsed by pyarrow's streaming reader, no line handled in Python: each
        row keeps the record's number in the file (stored as pos = -(number + 2)), and only the records
        of changed pairs are read back later (`fetch_changed`). Falls back to `load` when pyarrow is
        missing or the file has anything unusual (a bad or torn line, a record without content_hash)."""
        try:
            import pyarrow as pa
            import pyarrow.json as pj
        except ImportError:
            return self._load_lines_of(path, opts, other)
        if tuple(opts.fields) != COMPARED:
            return self._load_lines_of(path, opts, other)
        sql = self._sql()
        n = 0
        try:
            reader = pj.open_json(path, read_options=pj.ReadOptions(block_size=2 << 20),
                                  parse_options=pj.ParseOptions(explicit_schema=_arrow_schema(),
                                                                unexpected_field_behavior="ignore"))
            for batch in reader:
                table = pa.Table.from_batches([batch])
                if table.column("id").null_count or table.column("content_hash").null_count:
                    raise ValueError("records without id or content_hash")
                keys = _hashed(_arrow_keys(table).to_pylist())
                cols = [table.column(name).to_pylist() for name in ("id", "version", "url", "title")]
                rows = [(aid, version or 1, key, url, title, -(n + i + 2), 0)
                        for i, (aid, version, url, title, key) in enumerate(zip(*cols, keys))]
                self.db.executemany(sql, rows)
                n += len(rows)
        except Exception:  # noqa: BLE001 - anything unusual: the careful line-by-line path reports it
            self.db.rollback()
            self.db.execute(f"DELETE FROM {self.table}")
            return self._load_lines_of(path, opts, other)
        self.db.commit()
        self.source = path
        distinct = self.db.execute(f"SELECT COUNT(*) FROM {self.table}").fetchone()[0]
        return distinct, n - distinct, 0

    def _load_lines_of(self, path: str, opts: DiffOptions, other: "_Side | None") -> tuple[int, int, int]:
        from newsarchive.archive.lines import iter_lines

        return self.load((line for _, line in iter_lines(path, raw=True)), opts, other)

    def fetch_changed(self, other: "_Side") -> None:
        """For a side loaded by `load_file`: copy the records of changed pairs from the source file to the
        spill file, one sequential pass, so `read` finds them."""
        if getattr(self, "source", None) is None:
            return
        from newsarchive.archive.lines import iter_lines

        self.db.execute("CREATE TEMP TABLE moved (id TEXT PRIMARY KEY, pos INTEGER, len INTEGER)")
        wanted = iter(self.db.execute(
            f"SELECT -(x.pos + 2) AS number, x.id FROM {self.table} x JOIN {other.table} y ON x.id = y.id "
            f"WHERE x.digest != y.digest AND x.pos < -1 ORDER BY number"))
        moved: list[tuple[int, int, int]] = []
        target = next(wanted, None)
        number = -1
        if target is not None:
            for _, line in iter_lines(self.source, raw=True, on_torn=None):
                number += 1
                if number != target[0]:
                    continue
                self.spill.write(line)
                moved.append((target[1], self.pos, len(line)))
                self.pos += len(line)
                if len(moved) >= 10000:
                    self.db.executemany("INSERT INTO moved VALUES (?,?,?)", moved)
                    moved = []
                target = next(wanted, None)
                if target is None:
                    break
        self.db.executemany("INSERT INTO moved VALUES (?,?,?)", moved)
        self.db.execute(f"UPDATE {self.table} SET pos = m.pos, len = m.len FROM moved m WHERE {self.table}.id = m.id")
        self.db.execute("DROP TABLE moved")
        self.spill.flush()

    def _sql(self) -> str:
        return (f"INSERT INTO {self.table} VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                f"version=excluded.version, digest=excluded.digest, url=excluded.url, title=excluded.title, "
                f"pos=excluded.pos, len=excluded.len WHERE excluded.version >= {self.table}.version")

    def read(self, pos: int, length: int) -> dict[str, Any]:
        self.spill.seek(pos)
        return json.loads(self.spill.read(length))


def _load_side(side: _Side, source: Any, opts: DiffOptions, other: _Side | None) -> tuple[int, int, int]:
    if isinstance(source, (str, os.PathLike)):
        path = str(source)
        if path.endswith(".jsonl") or path.endswith(".ndjson"):
            return side.load_file(path, opts, other)
        from newsarchive.archive.lines import iter_lines

        return side.load((line for _, line in iter_lines(path, raw=True)), opts, other)
    return side.load(source, opts, other)


def diff_records(a_lines: Iterable[str | bytes] | str | os.PathLike,
                 b_lines: Iterable[str | bytes] | str | os.PathLike, opts: DiffOptions | None = None,
                 labels: tuple[str, str] = ("A", "B"), tmpdir: str | None = None) -> Iterator[Change | DiffSummary]:
    """Yield a `Change` for every added, removed and changed article (by id), then the `DiffSummary`.

    `a_lines`/`b_lines`: JSON lines (str or bytes), e.g. from `iter_snapshot_lines`, or the path of a
    JSON Lines file (plain files are parsed by pyarrow's streaming reader, fastest). When an
    id appears more than once on a side, its highest version counts (the duplicates are counted)."""
    opts = opts or DiffOptions()
    work = tempfile.mkdtemp(prefix="newsarchive-diff-", dir=tmpdir)
    db = sqlite3.connect(os.path.join(work, "diff.sqlite"))
    sides: list[_Side] = []
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-32000")  # 32 MB page cache at most
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        db.execute("PRAGMA temp_store=FILE")
        s = DiffSummary()
        a = _Side(db, "a", os.path.join(work, "a.jsonl"))
        sides.append(a)
        s.a_records, s.a_duplicates, s.a_bad_lines = _load_side(a, a_lines, opts, None)
        b = _Side(db, "b", os.path.join(work, "b.jsonl"))
        sides.append(b)
        s.b_records, s.b_duplicates, s.b_bad_lines = _load_side(b, b_lines, opts, a)
        a.fetch_changed(b)
        b.fetch_changed(a)
        for aid, url, title, version in db.execute(
                "SELECT a.id, a.url, a.title, a.version FROM a LEFT JOIN b ON a.id = b.id WHERE b.id IS NULL ORDER BY a.id"):
            s.removed += 1
            yield Change("removed", aid, url, title, versions=(version, None))
        for aid, url, title, version in db.execute(
                "SELECT b.id, b.url, b.title, b.version FROM b LEFT JOIN a ON a.id = b.id WHERE a.id IS NULL ORDER BY b.id"):
            s.added += 1
            yield Change("added", aid, url, title, versions=(None, version))
        s.unchanged = db.execute("SELECT COUNT(*) FROM a JOIN b ON a.id = b.id AND a.digest = b.digest").fetchone()[0]
        for aid, pa_, la, pb, lb, va, vb in db.execute(
                "SELECT a.id, a.pos, a.len, b.pos, b.len, a.version, b.version FROM a JOIN b ON a.id = b.id "
                "WHERE a.digest != b.digest ORDER BY a.id"):
            ra, rb = a.read(pa_, la), b.read(pb, lb)
            fields, _minor = field_changes(ra, rb, opts)
            if not fields:
                s.minor += 1
                continue
            s.changed += 1
            bd = None
            if opts.body_diff and "body" in fields:
                bd = body_unified_diff(ra, rb, f"{labels[0]}/body", f"{labels[1]}/body", opts.context)
            yield Change("changed", aid, rb.get("url"), rb.get("title"), fields, bd, versions=(va, vb))
        yield s
    finally:
        db.close()
        for side in sides:
            side.spill.close()
        import shutil

        shutil.rmtree(work, ignore_errors=True)


# --- presentation -------------------------------------------------------------------------------


def _short(value: Any, width: int = 100) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def format_change(change: Change) -> str:
    mark = {"added": "+", "removed": "-", "changed": "~"}[change.kind]
    head = f"{mark} {change.kind:<8} {change.id}  {change.url or ''}"
    lines = [head]
    if change.title:
        lines.append(f"    title: {_short(change.title)}")
    if change.kind == "changed":
        lines[-1:] = []  # the title line is repeated below when the title changed
        if "title" not in change.fields and change.title:
            lines.append(f"    {_short(change.title)}")
        for name, entry in change.fields.items():
            if name in ("title", "lead"):
                lines.append(f"    {name}: {_short(entry['before'])!s}")
                lines.append(f"        -> {_short(entry['after'])!s}")
            elif name == "body":
                lines.append(f"    body: {entry['changed_chars']} characters changed "
                             f"({entry['paragraphs_before']} -> {entry['paragraphs_after']} paragraphs)")
            elif name in ("authors", "tags"):
                lines.append(f"    {name}: {_short(entry['before'])} -> {_short(entry['after'])}")
            elif name == "images":
                lines.append(f"    images: {entry['before']} -> {entry['after']} (+{len(entry['added'])} "
                             f"-{len(entry['removed'])}, {entry['captions_changed']} captions changed)")
            else:
                lines.append(f"    {name}: {entry.get('before')} -> {entry.get('after')}")
        if change.body_diff:
            lines.extend("      " + _short(line, 160) for line in change.body_diff.splitlines())
    return "\n".join(lines)


def format_summary(s: DiffSummary, labels: tuple[str, str]) -> str:
    text = (f"{labels[0]}: {s.a_records} articles; {labels[1]}: {s.b_records} articles\n"
            f"added {s.added}, removed {s.removed}, changed {s.changed}, unchanged {s.unchanged}, "
            f"ignored minor edits (white space or below the threshold) {s.minor}")
    extra = []
    if s.a_duplicates or s.b_duplicates:
        extra.append(f"duplicate ids kept at their highest version: {s.a_duplicates} in A, {s.b_duplicates} in B")
    if s.a_bad_lines or s.b_bad_lines:
        extra.append(f"lines that are not records, skipped: {s.a_bad_lines} in A, {s.b_bad_lines} in B")
    return text + "".join("\n" + e for e in extra)
