"""RunWriter, line files and the index: versions, manifests, formats, reindex."""

from __future__ import annotations

import gzip
import json

import pytest

from archive_helpers import article, fake_page
from newsarchive.archive import layout as L
from newsarchive.archive.index import Index, reindex
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.lines import LineAppender, iter_lines
from newsarchive.archive.runs import read_json, sha256_file, verify_run
from newsarchive.archive.writer import RunWriter


def test_versions_unchanged_changed_new_and_manifest(tmp_path):
    with RunWriter(tmp_path, "r1", options={"X": 1}) as run:
        assert [run.add(article(i)) for i in range(3)] == ["new", "new", "new"]
    with RunWriter(tmp_path, "r2") as run:
        assert run.add(article(0)) == "unchanged"
        assert run.add(article(1, body="Đoạn đã sửa.")) == "changed"
        assert run.add(article(9)) == "new"
    recs = [json.loads(line) for _, line in iter_lines(L.run_dir(tmp_path, "r2") / L.ARTICLES)]
    assert [(r["url"].rsplit("/", 1)[1], r["version"], r["run_id"]) for r in recs] == [
        ("bai-1.html", 2, "r2"), ("bai-9.html", 1, "r2")]
    m = read_json(L.run_dir(tmp_path, "r2") / L.MANIFEST)
    assert m["counts"] == {"articles_changed": 1, "articles_new": 1, "articles_unchanged": 1}
    assert m["status"] == "finished" and m["format"] == L.RUN_FORMAT and m["sites"] == {"baolamdong.vn": 3}
    for name, meta in m["files"].items():
        assert sha256_file(L.run_dir(tmp_path, "r2") / name) == meta["sha256"]
    assert read_json(L.run_dir(tmp_path, "r1") / L.MANIFEST)["options"] == {"X": 1}


def test_a_failed_block_closes_the_run_as_failed(tmp_path):
    with pytest.raises(RuntimeError):
        with RunWriter(tmp_path, "boom") as run:
            run.add(article(1))
            raise RuntimeError("spider crashed")
    m = read_json(L.run_dir(tmp_path, "boom") / L.MANIFEST)
    assert m["status"] == "failed" and "spider crashed" in m["finish_reason"] and m["complete"] is False


def test_finished_runs_are_never_modified(tmp_path):
    with RunWriter(tmp_path, "r1") as run:
        run.add(article(1), capture=run.capture(fake_page("https://baolamdong.vn/tin-tuc/bai-1.html")))
    before = {p.name: p.read_bytes() for p in L.run_dir(tmp_path, "r1").iterdir()}
    with RunWriter(tmp_path, "r2") as run:
        run.add(article(1, body="khác"))
    reindex(tmp_path)
    assert {p.name: p.read_bytes() for p in L.run_dir(tmp_path, "r1").iterdir()} == before
    assert verify_run(L.run_dir(tmp_path, "r1")) == []


def test_reindex_rebuilds_the_same_index(tmp_path):
    with RunWriter(tmp_path, "r1") as run:
        for i in range(4):
            run.add(article(i))
    with RunWriter(tmp_path, "r2") as run:
        run.add(article(0))
        run.add(article(2, title="Tiêu đề mới"))

    def dump():
        idx = Index(tmp_path)
        rows = sorted(idx.db.execute("SELECT id, version, run_id, line, content_hash FROM versions"))
        seen = sorted(idx.db.execute("SELECT run_id, id, version FROM sightings"))
        idx.close()
        return rows, seen

    live = dump()
    (tmp_path / L.INDEX).unlink()
    totals = reindex(tmp_path)
    assert totals["runs"] == 2 and totals["records"] == 5 and totals["unchanged"] == 1 and totals["articles"] == 4
    assert dump() == live


def test_verify_run_finds_a_changed_file(tmp_path):
    with RunWriter(tmp_path, "r1") as run:
        run.add(article(1))
    path = L.run_dir(tmp_path, "r1") / L.ARTICLES
    path.write_bytes(path.read_bytes() + b"x")
    assert verify_run(L.run_dir(tmp_path, "r1")) == ["r1/articles.jsonl.zst: sha256 differs from the manifest"]


@pytest.mark.parametrize("name", ["a.jsonl", "a.jsonl.gz", "a.jsonl.zst"])
def test_readers_accept_plain_gzip_and_zstd_and_set_aside_a_torn_line(tmp_path, name):
    path = tmp_path / name
    text = '{"id": "1"}\n\n{"id": "2"}\n{"id": "3", "ti'
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    elif name.endswith(".zst"):
        a = LineAppender(path)
        for line in text.split("\n")[:3]:
            a.write(line) if line else None
        a._zst.write(b'{"id": "3", "ti')
        a._zst.flush(1)
    else:
        path.write_text(text, "utf-8")
    torn = []
    got = [json.loads(line)["id"] for _, line in iter_lines(path, on_torn=torn.append)]
    assert got == ["1", "2"]
    assert len(torn) == 1 and torn[0].text == '{"id": "3", "ti'


def test_reader_errors_are_clear(tmp_path):
    with pytest.raises(ArchiveError, match="no such file"):
        list(iter_lines(tmp_path / "missing.jsonl"))
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"a": "\xff"}\n')
    with pytest.raises(ArchiveError, match="not UTF-8"):
        list(iter_lines(bad))
    with pytest.raises(ArchiveError, match="not an archive"):
        Index.open(tmp_path)


def test_record_without_id_is_refused(tmp_path):
    with RunWriter(tmp_path) as run:
        with pytest.raises(ArchiveError, match="without an id"):
            run.add({"url": "x"})


def test_an_index_another_program_holds_locked_is_a_clear_error_not_a_full_disk(tmp_path, monkeypatch):
    import sqlite3

    import newsarchive.archive.index as index_module
    from newsarchive.archive.index import IndexLocked
    from newsarchive.archive.lines import DiskFullError

    monkeypatch.setattr(index_module, "BUSY_TIMEOUT", 0.2)
    with RunWriter(tmp_path, "r1") as run:
        run.add(article(0))
    run = RunWriter(tmp_path, "r2")
    other = sqlite3.connect(tmp_path / L.INDEX)
    other.execute("BEGIN EXCLUSIVE")          # a sqlite3 shell in a write transaction
    try:
        with pytest.raises(IndexLocked, match="locked by another process") as caught:
            for i in range(1, 1000):
                run.add(article(i))
        assert not isinstance(caught.value, DiskFullError)
        with pytest.raises(IndexLocked):
            Index.open(tmp_path)
    finally:
        other.rollback()
        other.close()
    with pytest.raises(ArchiveError):
        run.close()                            # left unsealed, like a killed run: reindex seals it
    totals = reindex(tmp_path)
    assert totals["sealed"] == ["r2"] and totals["articles"] >= 1
