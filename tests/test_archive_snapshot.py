"""Snapshots: which articles exist as of a point, with the runs of a shared crawl read as one crawl."""

from __future__ import annotations

import sqlite3

from archive_helpers import article
from newsarchive.archive import layout as L
from newsarchive.archive.index import Index
from newsarchive.archive.runs import read_json
from newsarchive.archive.snapshot import iter_snapshot
from newsarchive.archive.writer import RunWriter


def _pages(root, **kwargs) -> list[str]:
    return sorted(r["url"].rsplit("/", 1)[1] for r in iter_snapshot(root, **kwargs))


def _run(root, run_id, ids, shared=None):
    with RunWriter(root, run_id) as run:
        if shared:
            run.note(shared_crawl=shared)
        for i in ids:
            run.add(article(i))


def _killed_run(root, run_id, ids, shared=None):
    """A run whose process died: records written, no manifest, lock released (as the kernel does)."""
    run = RunWriter(root, run_id)
    if shared:
        run.note(shared_crawl=shared)
    for i in ids:
        run.add(article(i))
    run.index.close()
    run._lock.release()


ALL = [f"bai-{i}.html" for i in range(6)]


def test_a_complete_crawl_removes_what_it_did_not_see(tmp_path):
    _run(tmp_path, "r0", range(6))
    _run(tmp_path, "r1", range(5))
    assert _pages(tmp_path, as_of="r0") == ALL
    assert _pages(tmp_path) == ALL[:5]
    assert _pages(tmp_path, cumulative=True) == ALL


def test_the_runs_of_a_shared_crawl_are_one_crawl(tmp_path):
    _run(tmp_path, "r0", range(6))
    # two workers of one shared crawl split the site; article 5 is gone from it
    _run(tmp_path, "w1", [0, 1, 2], shared="crawl-A")
    _run(tmp_path, "w2", [3, 4], shared="crawl-A")
    assert read_json(L.run_dir(tmp_path, "w1") / L.RUN_INFO)["shared_crawl"] == "crawl-A"
    assert _pages(tmp_path) == ALL[:5], "both workers' halves, and what neither saw is removed"
    # as of the first worker's run, the shared crawl is only partly in: it adds, it removes nothing
    assert _pages(tmp_path, as_of="w1") == ALL
    # a later complete crawl (not shared) still decides alone
    _run(tmp_path, "r3", [0, 1])
    assert _pages(tmp_path) == ALL[:2]


def test_a_killed_worker_still_counts_in_its_shared_crawl(tmp_path):
    _run(tmp_path, "r0", range(6))
    _killed_run(tmp_path, "w1", [0, 1], shared="crawl-B")   # killed; the other worker took its requests back
    _run(tmp_path, "w2", [2, 3, 4], shared="crawl-B")        # seals w1 when it opens
    assert read_json(L.run_dir(tmp_path, "w1") / L.MANIFEST)["status"] == "interrupted"
    assert _pages(tmp_path) == ALL[:5]


def test_an_interrupted_shared_crawl_removes_nothing(tmp_path):
    _run(tmp_path, "r0", range(6))
    _killed_run(tmp_path, "w1", [0], shared="crawl-C")
    _killed_run(tmp_path, "w2", [1], shared="crawl-C")
    assert _pages(tmp_path) == ALL


def test_an_index_without_crawl_groups_is_rebuilt(tmp_path):
    _run(tmp_path, "r0", range(6))
    _run(tmp_path, "w1", [0, 1, 2], shared="crawl-D")
    _run(tmp_path, "w2", [3, 4], shared="crawl-D")
    db = sqlite3.connect(tmp_path / L.INDEX)
    db.execute("ALTER TABLE runs DROP COLUMN crawl")  # as written by an older version
    db.commit()
    db.close()
    Index(tmp_path).close()
    assert _pages(tmp_path) == ALL[:5]


def test_windowed_and_resumed_runs_remove_nothing_even_as_written_by_older_versions(tmp_path):
    import json

    from newsarchive.archive.index import reindex

    _run(tmp_path, "r0", range(6))
    with RunWriter(tmp_path, "r1", options={"spider.since": "2026-03-07T00:00:00+07:00"}) as run:
        run.add(article(0))
    with RunWriter(tmp_path, "r2") as run:
        run.note(resumed_jobdir="/archive/.jobs/abc")
        run.add(article(1))
    for rid in ("r1", "r2"):
        manifest = read_json(L.run_dir(tmp_path, rid) / L.MANIFEST)
        assert manifest["status"] == "finished" and manifest["complete"] is False and manifest["partial"]
    assert _pages(tmp_path) == ALL
    # a manifest written before the rule said complete: reindex applies the rule
    path = L.run_dir(tmp_path, "r1") / L.MANIFEST
    manifest = read_json(path)
    manifest["complete"] = True
    del manifest["partial"]
    path.write_text(json.dumps(manifest), "utf-8")
    reindex(tmp_path)
    assert _pages(tmp_path) == ALL
