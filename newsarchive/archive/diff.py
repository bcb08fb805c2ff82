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
import json
import os
import re
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

_WS = re.compile(r"\s+")


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
    text = unicodedata.normalize("NFC", str(value))
    return _WS.sub(" ", text).strip() if ignore_whitespace else text


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


def digest(rec: dict[str, Any], opts: DiffOptions) -> str:
    data = [norm_field(rec, f, opts.ignore_whitespace) for f in opts.fields]
    return hashlib.blake2b(json.dumps(data, ensure_ascii=False).encode("utf-8"), digest_size=16).hexdigest()


def raw_digest(rec: dict[str, Any], opts: DiffOptions) -> str:
    """Digest of the compared fields exactly as stored (tells white-space-only edits from no edit)."""
    data = [rec.get(f) for f in opts.fields]
    return hashlib.blake2b(json.dumps(data, ensure_ascii=False).encode("utf-8"), digest_size=16).hexdigest()


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


class _Side:
    def __init__(self, db: sqlite3.Connection, table: str):
        self.db, self.table = db, table
        db.execute(f"CREATE TABLE {table} (id TEXT PRIMARY KEY, version INTEGER, digest TEXT, url TEXT, "
                   f"title TEXT, raw_digest TEXT, raw TEXT) WITHOUT ROWID")

    def load(self, lines: Iterable[str], opts: DiffOptions) -> tuple[int, int, int]:
        n = dup = bad = 0
        sql = (f"INSERT INTO {self.table} VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
               f"version=excluded.version, digest=excluded.digest, url=excluded.url, title=excluded.title, "
               f"raw_digest=excluded.raw_digest, raw=excluded.raw WHERE excluded.version >= {self.table}.version")
        batch = []
        for line in lines:
            try:
                rec = json.loads(line)
                aid = rec.get("id") or rec["url"]
            except (ValueError, KeyError, TypeError, AttributeError):
                bad += 1
                continue
            n += 1
            batch.append((aid, int(rec.get("version") or 1), digest(rec, opts), rec.get("url"), rec.get("title"),
                          raw_digest(rec, opts), line))
            if len(batch) >= 2000:
                self.db.executemany(sql, batch)
                batch.clear()
        if batch:
            self.db.executemany(sql, batch)
        self.db.commit()
        distinct = self.db.execute(f"SELECT COUNT(*) FROM {self.table}").fetchone()[0]
        dup = n - distinct
        return distinct, dup, bad


def diff_records(a_lines: Iterable[str], b_lines: Iterable[str], opts: DiffOptions | None = None,
                 labels: tuple[str, str] = ("A", "B"), tmpdir: str | None = None) -> Iterator[Change | DiffSummary]:
    """Yield a `Change` for every added, removed and changed article (by id), then the `DiffSummary`."""
    opts = opts or DiffOptions()
    fd, path = tempfile.mkstemp(prefix="newsarchive-diff-", suffix=".sqlite", dir=tmpdir)
    os.close(fd)
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-32000")  # 32 MB page cache at most
        db.execute("PRAGMA temp_store=FILE")
        s = DiffSummary()
        s.a_records, s.a_duplicates, s.a_bad_lines = _Side(db, "a").load(a_lines, opts)
        s.b_records, s.b_duplicates, s.b_bad_lines = _Side(db, "b").load(b_lines, opts)
        for aid, url, title, version in db.execute(
                "SELECT a.id, a.url, a.title, a.version FROM a LEFT JOIN b ON a.id = b.id WHERE b.id IS NULL ORDER BY a.id"):
            s.removed += 1
            yield Change("removed", aid, url, title, versions=(version, None))
        for aid, url, title, version in db.execute(
                "SELECT b.id, b.url, b.title, b.version FROM b LEFT JOIN a ON a.id = b.id WHERE a.id IS NULL ORDER BY b.id"):
            s.added += 1
            yield Change("added", aid, url, title, versions=(None, version))
        same, minor = db.execute("SELECT COUNT(*), COALESCE(SUM(a.raw_digest != b.raw_digest), 0) "
                                 "FROM a JOIN b ON a.id = b.id AND a.digest = b.digest").fetchone()
        s.unchanged, s.minor = same - minor, minor
        for aid, raw_a, raw_b, va, vb in db.execute(
                "SELECT a.id, a.raw, b.raw, a.version, b.version FROM a JOIN b ON a.id = b.id "
                "WHERE a.digest != b.digest ORDER BY a.id"):
            ra, rb = json.loads(raw_a), json.loads(raw_b)
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
        for suffix in ("", "-journal", "-wal", "-shm"):
            try:
                os.unlink(path + suffix)
            except FileNotFoundError:
                pass


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
