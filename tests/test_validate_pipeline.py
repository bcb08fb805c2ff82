"""The validate pipeline's compiled pre-check never lets through a record the schema rejects."""

from __future__ import annotations

import copy

import pytest

from newsarchive.records import record_from_page
from newsarchive.samples.server import SAMPLE_SITE
from newsarchive.schema import record_errors
from pipelines.validate import ValidatePipeline, fast_check, schema_errors

BAD_VALUES = [None, 0, 1, -3, 1.5, True, False, "", "x", "1", [], ["x"], [1], {}, {"a": 1}, {"a": None},
              "2024-02-30T10:00:00+07:00", "2024-06-01T10:00:00", "2024-06-01T10:00:00+0700",
              "2024-06-01 10:00:00+07:00", "2024-06-01T10:00:00+07:00\n", "2024-13-01T10:00:00Z",
              "2024-06-01T25:00:00+07:00", "2024-06-01T10:00:00.123+07:00", "2024-06-01T10:00:00z",
              "0123456789abcdef", "0123456789ABCDEF", "0123456789abcdef\n", "a" * 64, "a" * 64 + "\n",
              "json-ld", "meta", "day", "minute", "youtube", "hls", "Ảnh", "\u0000"]


def records() -> list[dict]:
    out = []
    for path in sorted((SAMPLE_SITE / "bai-viet").iterdir()):
        page = {"url": f"http://127.0.0.1/{path.name}", "final_url": f"http://127.0.0.1/{path.name}",
                "status": 200, "headers": {"Content-Type": ["text/html"]}, "body": path.read_bytes(),
                "fetched_at": "2026-01-01T00:00:00+00:00"}
        out.append(record_from_page(page, run_id="r").to_dict())
    return out


def mutations(record: dict):
    """Records broken (or not) in one place each: every field, and the fields of nested objects."""
    def at(obj: dict, prefix: tuple):
        for key in list(obj):
            for value in BAD_VALUES:
                yield prefix + (key,), "set", value
            yield prefix + (key,), "del", None
            value = obj[key]
            if isinstance(value, dict) and key != "sources":
                yield from at(value, prefix + (key,))
            if isinstance(value, list) and value and isinstance(value[0], dict):
                yield from at(value[0], prefix + (key, 0))
        yield prefix + ("unknown_field",), "set", "x"

    capture = {"warc_file": "runs/x/captures.warc.gz", "offset": 10, "length": 20, "record_id": "<urn:uuid:1>"}
    base = {**record, "capture": capture,
            "images": record["images"] or [{"url": "http://127.0.0.1/a.jpg", "caption": None, "credit": None,
                                            "alt": None}],
            "videos": record["videos"] or [{"url": "http://127.0.0.1/v", "kind": "iframe", "poster": None}]}
    yield base
    for path, op, value in at(base, ()):
        broken = copy.deepcopy(base)
        target = broken
        for step in path[:-1]:
            target = target[step]
        if op == "del":
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value
        yield broken


@pytest.mark.skipif(fast_check() is None, reason="fastjsonschema not installed")
def test_the_pre_check_gives_the_schema_verdict_on_many_broken_records():
    checked = rejected = 0
    for record in records()[:2]:
        for variant in mutations(record):
            errors = record_errors(variant)
            if fast_check()(variant):
                assert errors == [], errors     # never more lenient than the schema
            assert schema_errors(variant) == errors
            checked += 1
            rejected += bool(errors)
    assert checked > 1000 and rejected > 500


def test_the_pipeline_marks_invalid_records_with_the_schema_messages():
    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    from newsarchive.article import Article

    class Crawler:
        spider = None
        settings = Settings()

    stats = MemoryStatsCollector(Crawler())
    pipe = ValidatePipeline(stats)
    good = Article.from_dict(records()[0])
    assert "invalid" not in pipe.process_item({"article": good})
    bad = copy.deepcopy(good)
    bad.published_at = "2024-02-30T10:00:00+07:00"
    bad.id = "XYZ"
    item = pipe.process_item({"article": bad})
    assert item["invalid"] == record_errors(bad.to_dict())
    assert any(e.startswith("published_at:") for e in item["invalid"])
    assert any(e.startswith("id:") for e in item["invalid"])
    assert stats.get_value("newsarchive/invalid_records") == 1
