"""diff: field-level changes, thresholds, duplicates, bad lines, body diffs, JSON Lines files."""

from __future__ import annotations

import json

from click.testing import CliRunner

from archive_helpers import article
from newsarchive.archive.diff import DiffOptions, DiffSummary, changed_chars, diff_records
from newsarchive.cli import main


def lines(records) -> list[str]:
    return [json.dumps(r if isinstance(r, dict) else r.to_dict(), ensure_ascii=False) + "\n" for r in records]


def run(a, b, **opts):
    out = list(diff_records(lines(a), lines(b), DiffOptions(**opts)))
    return out[:-1], out[-1]


def test_every_compared_field_is_reported():
    a = article(1, authors=["Minh Anh"], tags=["giá vàng"])
    b = article(1, authors=["Minh Anh", "Thu Hà"], tags=["giá vàng", "kinh tế"], title="Tiêu đề mới",
                published="2026-03-07T09:00:00+07:00")
    b.lead = "Tóm tắt mới."
    b.images = []
    changes, summary = run([a], [b])
    assert summary.changed == 1
    fields = changes[0].fields
    assert set(fields) == {"title", "lead", "authors", "tags", "published_at", "images"}
    assert fields["authors"]["added"] == ["Thu Hà"] and fields["tags"]["added"] == ["kinh tế"]
    assert fields["images"]["removed"] == ["https://baolamdong.vn/anh/1.jpg"]
    assert fields["title"] == {"changed_chars": fields["title"]["changed_chars"], "before": "Bài số 1",
                               "after": "Tiêu đề mới"}


def test_same_instant_with_another_offset_is_not_a_change():
    a = article(1, published="2026-03-07T08:00:00+07:00")
    b = article(1, published="2026-03-07T01:00:00+00:00")
    changes, summary = run([a], [b])
    assert changes == [] and summary.changed == 0


def test_body_changes_come_with_a_unified_diff():
    a = article(1, body="Đoạn một.\n\nĐoạn hai cũ.\n\nĐoạn ba.")
    b = article(1, body="Đoạn một.\n\nĐoạn hai mới.\n\nĐoạn ba.\n\nĐoạn bốn.")
    (change,), _ = run([a], [b])
    assert change.fields["body"]["paragraphs_before"] == 3 and change.fields["body"]["paragraphs_after"] == 4
    diff_lines = change.body_diff.splitlines()
    assert "-Đoạn hai cũ." in diff_lines and "+Đoạn hai mới." in diff_lines and "+Đoạn bốn." in diff_lines


def test_threshold_ignores_whitespace_and_tiny_edits_but_counts_them():
    a = article(1, body="Giá vàng giảm 200.000 đồng mỗi lượng trong phiên sáng nay.")
    spaced = article(1, body="Giá  vàng giảm 200.000 đồng\u00a0mỗi lượng trong phiên sáng nay. ")
    typo = article(1, body="Giá vàng giảm 300.000 đồng mỗi lượng trong phiên sáng nay.")
    changes, s = run([a], [spaced])
    assert changes == [] and s.minor == 1 and s.unchanged == 0
    changes, s = run([a], [typo])
    assert len(changes) == 1 and s.changed == 1          # one digit: a real change by default
    changes, s = run([a], [typo], min_change=3)
    assert changes == [] and s.minor == 1
    changes, s = run([a], [spaced], ignore_whitespace=False)
    assert s.changed == 1


def test_changed_chars_counts_characters_not_words():
    assert changed_chars("giá 200.000 đồng", "giá 300.000 đồng") == 1
    assert changed_chars("một hai ba", "một hai ba bốn năm") == len("bốn năm")


def test_added_removed_duplicates_and_bad_lines():
    a = [article(1), article(2), article(3)]
    v2 = article(3, body="Đã cập nhật.")
    v2.version = 2
    b = [article(2), article(3), v2, article(4)]
    out = list(diff_records(lines(a) + ["not json\n"], lines(b)))
    summary = out[-1]
    assert isinstance(summary, DiffSummary)
    kinds = {(c.kind, c.url.rsplit("/", 1)[1]) for c in out[:-1]}
    assert kinds == {("removed", "bai-1.html"), ("added", "bai-4.html"), ("changed", "bai-3.html")}
    assert summary.b_duplicates == 1 and summary.a_bad_lines == 1 and summary.unchanged == 1
    changed = next(c for c in out[:-1] if c.kind == "changed")
    assert changed.versions == (1, 2)


def test_diff_of_files_from_the_command_line(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"
    a.write_text("".join(lines([article(1), article(2)])), "utf-8")
    import gzip

    b.write_bytes(gzip.compress("".join(lines([article(2, title="Mới"), article(3)])).encode()))
    res = CliRunner().invoke(main, ["diff", str(a), str(b)])
    assert res.exit_code == 0, res.output
    assert "- removed" in res.output and "+ added" in res.output and "~ changed" in res.output
    assert "title: Bài số 2" in res.output and "-> Mới" in res.output
    assert "added 1, removed 1, changed 1, unchanged 0" in res.output
    res = CliRunner().invoke(main, ["diff", str(a), str(b), "--fail-on-change", "--json"])
    assert res.exit_code == 1
    res = CliRunner().invoke(main, ["diff", str(a), str(tmp_path / "nope.jsonl"), "--archive", str(tmp_path / "x")])
    assert res.exit_code == 1 and "no such file" in res.output and "Traceback" not in res.output


def test_fast_pyarrow_path_and_stdlib_path_agree():
    import sqlite3

    import pytest

    pj = pytest.importorskip("pyarrow.json")
    from newsarchive.archive.diff import _arrow_schema, _Side

    recs = [article(i, authors=["A"] if i % 2 else [], tags=["t"], published=None if i % 3 == 0 else
                    "2026-03-07T08:00:00+07:00") for i in range(20)]
    side = _Side(sqlite3.connect(":memory:"), "a")
    batch = [line.encode("utf-8") for line in lines(recs)]
    slow = side._rows_slow(batch, DiffOptions())
    side._rows_slow = None  # the fast path must not fall back here
    assert side._rows(batch, DiffOptions(), (pj, _arrow_schema())) == slow
