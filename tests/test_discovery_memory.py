"""newsarchive.discovery.memory: what a run leaves for the next one, and when it may be trusted."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from newsarchive.dates import VN_TZ
from newsarchive.discovery.memory import FILE, DocumentMemory, OutletMemory, dumps, load, loads


def test_round_trip():
    m = OutletMemory("x.vn", window=("2024-01-01T00:00:00+07:00", None), run_id="r1", seen=3,
                     adopted=["new.x.vn"], home="https://new.x.vn/", shapes=[["html", True, "long", 2]])
    m.documents["x.vn/sitemap.xml"] = DocumentMemory("https://x.vn/sitemap.xml", "sitemap", etag='"e"',
                                                     links=["https://x.vn/a-123456.html"])
    m.walks["x.vn/thoi-su"] = {"complete": True, "articles": ["https://x.vn/a-123456.html"]}
    m.unfinished["https://x.vn/b-234567.html"] = {"source": "sitemap", "attempts": 1}
    back = loads(dumps([m]))["x.vn"]
    assert back.to_dict() == m.to_dict()


def test_a_memory_is_trusted_only_by_a_run_whose_window_it_holds():
    open_ = OutletMemory("x.vn")
    june = OutletMemory("x.vn", window=("2024-06-01T00:00:00+07:00", "2024-06-30T23:59:59+07:00"))
    d = lambda *a: datetime(*a, tzinfo=VN_TZ)  # noqa: E731
    assert open_.trusted_for(None, None) and open_.trusted_for(d(2024, 6, 1), None)
    assert june.trusted_for(d(2024, 6, 10), d(2024, 6, 20))
    assert not june.trusted_for(None, None) and not june.trusted_for(d(2024, 5, 1), d(2024, 6, 20))


def _run(root, run_id, memories, manifest=True):
    d = root / "runs" / run_id
    d.mkdir(parents=True)
    (d / FILE).write_bytes(dumps(memories))
    if manifest:
        (d / "manifest.json").write_text(json.dumps({"run_id": run_id}))


def test_load_takes_each_outlets_newest_finished_memory(tmp_path, caplog):
    _run(tmp_path, "20260101T000000Z-aaaa", [OutletMemory("a.vn", run_id="1"), OutletMemory("b.vn", run_id="1")])
    _run(tmp_path, "20260102T000000Z-aaaa", [OutletMemory("a.vn", run_id="2")])
    _run(tmp_path, "20260103T000000Z-aaaa", [OutletMemory("a.vn", run_id="3")], manifest=False)   # killed run
    bad = tmp_path / "runs" / "20260104T000000Z-aaaa"
    bad.mkdir()
    (bad / FILE).write_bytes(b"not zstd")
    (bad / "manifest.json").write_text("{}")
    with caplog.at_level(logging.WARNING):
        got = load(tmp_path, ["a.vn", "b.vn", "c.vn"])
    assert {k: v.run_id for k, v in got.items()} == {"a.vn": "2", "b.vn": "1"}
    assert "unreadable" in caplog.text
    assert load(tmp_path / "nothing", ["a.vn"]) == {}
