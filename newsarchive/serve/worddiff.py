"""Side-by-side, word-level comparison of two versions of an article (the archivist's main view).

Text fields are compared word by word (white space and punctuation are their own tokens, so an
edited comma shows as such); bodies paragraph by paragraph first, each changed paragraph paired with
the most similar one on the other side, then word by word inside the pair. Lists (authors, tags)
and images are compared by item. Plain functions returning plain data; the template draws it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from newsarchive.archive.diff import norm_field, norm_text

TOKEN = re.compile(r"\s+|[^\W_]+|[^\w\s]|_", re.UNICODE)
PAIR_RATIO = 0.35        # paragraphs less alike than this are shown as removed + added, not as an edit

Segment = tuple[str, str]   # (op, text): op is "same", "del" or "ins"


def _nfc(text: Any) -> str:
    text = "" if text is None else str(text)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _merge(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for op, text in segments:
        if not text:
            continue
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))
    return out


def word_diff(a: Any, b: Any) -> tuple[list[Segment], list[Segment]]:
    """(left segments, right segments): the words of `a` deleted, of `b` inserted, the rest the same."""
    ta, tb = TOKEN.findall(_nfc(a)), TOKEN.findall(_nfc(b))
    sm = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    left: list[Segment] = []
    right: list[Segment] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            left.append(("same", "".join(ta[i1:i2])))
            right.append(("same", "".join(tb[j1:j2])))
            continue
        if i2 > i1:
            left.append(("del", "".join(ta[i1:i2])))
        if j2 > j1:
            right.append(("ins", "".join(tb[j1:j2])))
    return _tidy(_merge(left), "del"), _tidy(_merge(right), "ins")


def _tidy(segments: list[Segment], mark: str) -> list[Segment]:
    """White space alone between two marked pieces joins them (one mark, easier to read)."""
    out: list[Segment] = []
    for i, (op, text) in enumerate(segments):
        if (op == "same" and not text.strip() and 0 < i < len(segments) - 1
                and segments[i - 1][0] == mark and segments[i + 1][0] == mark):
            op = mark
        out.append((op, text))
    return _merge(out)


@dataclass
class Row:
    """One line of a side-by-side table: both sides, or one side only (removed / added)."""

    kind: str                                  # same | changed | removed | added
    left: list[Segment] | None
    right: list[Segment] | None


def _paragraphs(body: Any) -> list[str]:
    return [p.strip() for p in _nfc(body).split("\n\n") if p.strip()]


def paragraph_rows(a: Any, b: Any) -> list[Row]:
    """Rows for two bodies: equal paragraphs side by side, edited ones word-diffed, the rest removed/added."""
    pa, pb = _paragraphs(a), _paragraphs(b)
    na, nb = [norm_text(p) for p in pa], [norm_text(p) for p in pb]
    sm = difflib.SequenceMatcher(None, na, nb, autojunk=False)
    rows: list[Row] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            rows.extend(Row("same", [("same", pa[i])], [("same", pb[j])]) for i, j in zip(range(i1, i2), range(j1, j2)))
        elif op == "delete":
            rows.extend(Row("removed", [("del", pa[i])], None) for i in range(i1, i2))
        elif op == "insert":
            rows.extend(Row("added", None, [("ins", pb[j])]) for j in range(j1, j2))
        else:
            rows.extend(_pair(pa[i1:i2], pb[j1:j2], na[i1:i2], nb[j1:j2]))
    return rows


def _pair(pa: list[str], pb: list[str], na: list[str], nb: list[str]) -> list[Row]:
    """Pair the paragraphs of a replaced block in order, each with its most similar counterpart."""
    rows: list[Row] = []
    j = 0
    for i, text in enumerate(pa):
        best, best_ratio = None, PAIR_RATIO
        for k in range(j, len(pb)):
            sm = difflib.SequenceMatcher(None, na[i].split(), nb[k].split(), autojunk=False)
            if sm.quick_ratio() < best_ratio:
                continue
            ratio = sm.ratio()
            if ratio > best_ratio:
                best, best_ratio = k, ratio
        if best is None:
            rows.append(Row("removed", [("del", text)], None))
            continue
        rows.extend(Row("added", None, [("ins", pb[k])]) for k in range(j, best))
        left, right = word_diff(text, pb[best])
        rows.append(Row("changed", left, right))
        j = best + 1
    rows.extend(Row("added", None, [("ins", pb[k])]) for k in range(j, len(pb)))
    return rows


def list_rows(a: list[Any] | None, b: list[Any] | None) -> list[Row]:
    """Rows for two lists of strings (authors, tags): kept, removed, added, in the order of each side."""
    a, b = [_nfc(x) for x in a or []], [_nfc(x) for x in b or []]
    sm = difflib.SequenceMatcher(None, [norm_text(x) for x in a], [norm_text(x) for x in b], autojunk=False)
    rows: list[Row] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            rows.extend(Row("same", [("same", a[i])], [("same", b[j])]) for i, j in zip(range(i1, i2), range(j1, j2)))
            continue
        left, right = a[i1:i2], b[j1:j2]
        for k in range(max(len(left), len(right))):
            if k < len(left) and k < len(right):
                ls, rs = word_diff(left[k], right[k])
                rows.append(Row("changed", ls, rs))
            elif k < len(left):
                rows.append(Row("removed", [("del", left[k])], None))
            else:
                rows.append(Row("added", None, [("ins", right[k])]))
    return rows


@dataclass
class ImageRow:
    kind: str                     # same | changed | removed | added
    url_a: str | None
    url_b: str | None
    caption: tuple[list[Segment], list[Segment]]


def image_rows(a: list[dict] | None, b: list[dict] | None) -> list[ImageRow]:
    """Images matched by URL: kept (caption or credit word-diffed), removed, added, in order."""
    a = [i for i in a or [] if isinstance(i, dict)]
    b = [i for i in b or [] if isinstance(i, dict)]
    ua, ub = [i.get("url") for i in a], [i.get("url") for i in b]
    sm = difflib.SequenceMatcher(None, ua, ub, autojunk=False)

    def caption(img: dict | None) -> str:
        if not img:
            return ""
        return " — ".join(x for x in (img.get("caption"), img.get("credit")) if x)

    rows: list[ImageRow] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                ca, cb = caption(a[i]), caption(b[j])
                rows.append(ImageRow("same" if norm_text(ca) == norm_text(cb) else "changed", ua[i], ub[j],
                                     word_diff(ca, cb)))
            continue
        rows.extend(ImageRow("removed", ua[i], None, ([("del", caption(a[i]))], [])) for i in range(i1, i2))
        rows.extend(ImageRow("added", None, ub[j], ([], [("ins", caption(b[j]))])) for j in range(j1, j2))
    return rows


# What the comparison shows, in order: (field, label, kind). Every field newsarchive diff compares,
# and the category beside them.
FIELDS = (
    ("title", "Title", "text"), ("lead", "Lead", "text"), ("published_at", "Published", "value"),
    ("modified_at", "Modified", "value"), ("authors", "Authors", "list"), ("category", "Category", "text"),
    ("tags", "Tags", "list"), ("images", "Images", "images"), ("body", "Body", "body"),
)


@dataclass
class FieldDiff:
    name: str
    label: str
    kind: str
    changed: bool
    rows: list[Any] = field(default_factory=list)         # Row or ImageRow
    pair: tuple[list[Segment], list[Segment]] | None = None  # text and value fields
    values: tuple[Any, Any] = (None, None)


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[FieldDiff]:
    """The field-by-field, word-level comparison of two records (any two versions, either order)."""
    out = []
    for name, label, kind in FIELDS:
        va, vb = a.get(name), b.get(name)
        if name == "category":
            changed = norm_text(va) != norm_text(vb)
        else:
            changed = norm_field(a, name) != norm_field(b, name)
        fd = FieldDiff(name, label, kind, changed, values=(va, vb))
        if kind == "text":
            fd.pair = word_diff(va or "", vb or "")
        elif kind == "value":
            fd.pair = ([("del" if changed else "same", str(va or "—"))], [("ins" if changed else "same", str(vb or "—"))])
        elif kind == "list":
            fd.rows = list_rows(va, vb)
        elif kind == "images":
            fd.rows = image_rows(va, vb)
        else:
            fd.rows = paragraph_rows(va, vb)
        out.append(fd)
    return out


def collapse(rows: list[Row], keep: int = 1, min_run: int = 4) -> list[Row | int]:
    """Rows with long runs of unchanged paragraphs between changes replaced by their count (an int),
    `keep` rows of context kept on each side of a change."""
    if not any(r.kind != "same" for r in rows):
        return list(rows)
    out: list[Row | int] = []
    i = 0
    while i < len(rows):
        if rows[i].kind != "same":
            out.append(rows[i])
            i += 1
            continue
        j = i
        while j < len(rows) and rows[j].kind == "same":
            j += 1
        head = keep if i > 0 else 0
        tail = keep if j < len(rows) else 0
        if j - i - head - tail >= min_run:
            out.extend(rows[i:i + head])
            out.append(j - i - head - tail)
            out.extend(rows[j - tail:j])
        else:
            out.extend(rows[i:j])
        i = j
    return out
