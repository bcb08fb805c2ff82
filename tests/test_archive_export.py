"""Analysis exports take the record's types from its JSON Schema: Parquet with timestamp[us, tz] columns
and every field nested as it is (one file, or hive partitions DuckDB and Polars read as one dataset),
CSV with every field and a CSVW description, a DuckDB reader of the JSON Lines with the schema's types
(all-null columns keep theirs), and `scrapy crawl -O` exporting the records."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_helpers import article
from newsarchive.archive.export import export
from newsarchive.archive.writer import RunWriter
from newsarchive.cli import main
from newsarchive.schema import load_schema

duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")
pq = pytest.importorskip("pyarrow.parquet")

ROOT = Path(__file__).parent.parent
FIELDS = list(load_schema()["properties"])


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Six articles of two sites across a year boundary (Vietnam time); outlet and province null in all,
    one with a modified date whose raw string looks like a timestamp."""
    root = tmp_path_factory.mktemp("export") / "archive"
    with RunWriter(root, "r1") as w:
        for i in range(6):
            site = "lamdongtv.vn" if i < 4 else "baolamdong.vn"
            published = "2025-12-31T23:30:00+07:00" if i == 0 else f"2026-03-0{i}T08:00:00+07:00"
            a = article(i, site=site, published=published, outlet=None)
            if i == 1:
                a.modified_at, a.modified_raw, a.modified_from = "2026-03-02T09:15:00+07:00", "2026-03-02 09:15", "meta"
                a.extraction.sources = {"title": "h1", "published_at": "json-ld"}
            w.add(a.finalise())
    return root


def test_parquet_has_every_field_typed_and_timezone_aware(archive, tmp_path):
    out = tmp_path / "a.parquet"
    assert export(archive, out) == 6
    table = pq.read_table(out)
    assert table.schema.names == FIELDS
    assert str(table.schema.field("published_at").type) == "timestamp[us, tz=Asia/Ho_Chi_Minh]"
    assert str(table.schema.field("modified_at").type) == "timestamp[us, tz=Asia/Ho_Chi_Minh]"
    assert str(table.schema.field("fetched_at").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("outlet").type) == "string"           # null in every row, still a string
    rows = {r["url"].rsplit("/", 1)[1]: r for r in table.to_pylist()}
    first = rows["bai-0.html"]
    assert first["published_at"] == datetime(2025, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=7)))
    assert first["published_at"].utcoffset() == timedelta(hours=7)
    one = rows["bai-1.html"]
    assert one["modified_raw"] == "2026-03-02 09:15"                      # raw stays a string
    assert dict(one["extraction"]["sources"]) == {"title": "h1", "published_at": "json-ld"}
    assert one["images"][0]["caption"] == "Ảnh minh họa" and one["authors"] == []
    df = pl.read_parquet(out)
    assert str(df.schema["published_at"]) == "Datetime(time_unit='us', time_zone='Asia/Ho_Chi_Minh')"


def test_partitioned_parquet_reads_as_one_dataset_in_duckdb_and_polars(archive, tmp_path):
    out = tmp_path / "parts"
    res = CliRunner().invoke(main, ["export", str(archive), "--partition", "site,year", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(p.relative_to(out).parent.as_posix() for p in out.rglob("*.parquet")) == [
        "site=baolamdong.vn/year=2026", "site=lamdongtv.vn/year=2025", "site=lamdongtv.vn/year=2026"]
    rows = duckdb.sql(f"SELECT site, year, count(*), min(published_at) FROM read_parquet('{out}/**/*.parquet', "
                      "hive_partitioning = true) GROUP BY ALL ORDER BY ALL").fetchall()
    assert [r[:3] for r in rows] == [("baolamdong.vn", 2026, 2), ("lamdongtv.vn", 2025, 1), ("lamdongtv.vn", 2026, 3)]
    lf = pl.scan_parquet(f"{out}/**/*.parquet", hive_partitioning=True)
    got = lf.group_by("site", "year").len().sort("site", "year").collect().rows()
    assert got == [("baolamdong.vn", 2026, 2), ("lamdongtv.vn", 2025, 1), ("lamdongtv.vn", 2026, 3)]
    assert str(lf.collect_schema()["published_at"]) == "Datetime(time_unit='us', time_zone='Asia/Ho_Chi_Minh')"
    # a second export into the same folder is refused rather than mixed with the first
    res = CliRunner().invoke(main, ["export", str(archive), "--partition", "site,year", "-o", str(out)])
    assert res.exit_code == 1 and "not an empty folder" in res.output


def test_csv_has_every_field_and_says_how_it_flattens_them(archive, tmp_path):
    out = tmp_path / "a.csv"
    res = CliRunner().invoke(main, ["export", str(archive), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert 'authors, sources, tags joined with " | "' in res.stderr and "images" in res.stderr
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert list(rows[0]) == FIELDS and len(rows) == 6
    meta = json.loads((tmp_path / "a.csv-metadata.json").read_text("utf-8"))
    cols = {c["name"]: c for c in meta["tableSchema"]["columns"]}
    assert list(cols) == FIELDS
    assert cols["authors"]["separator"] == " | " and cols["images"]["datatype"] == "json"
    assert cols["published_at"]["datatype"] == "dateTime" and cols["word_count"]["datatype"] == "integer"
    assert json.loads(rows[0]["images"])[0]["caption"] == "Ảnh minh họa"


def test_duckdb_reads_the_json_lines_with_the_schemas_types(archive, tmp_path):
    import newsarchive

    snap = tmp_path / "latest.jsonl.zst"
    res = CliRunner().invoke(main, ["snapshot", str(archive), "-o", str(snap)])
    assert res.exit_code == 0, res.output
    rel = duckdb.sql(f"SELECT * FROM {newsarchive.duckdb_source(str(snap))}")
    types = dict(zip(rel.columns, map(str, rel.types)))
    assert list(types) == FIELDS
    assert types["outlet"] == "VARCHAR" and types["province"] == "VARCHAR"   # null in every row
    assert types["modified_raw"] == "VARCHAR" and types["published_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["extraction"].startswith("STRUCT(") and "MAP(VARCHAR, VARCHAR)" in types["extraction"]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
    # the same reader as the shipped macro, for the duckdb shell
    con.execute((ROOT / "newsarchive/schema/records.duckdb.sql").read_text("utf-8"))
    rows = con.sql(f"SELECT site, strftime(published_at, '%Y-%m') AS month, count(*) FROM newsarchive_records('{snap}') "
                   "GROUP BY ALL ORDER BY ALL").fetchall()
    assert rows == [("baolamdong.vn", "2026-03", 2), ("lamdongtv.vn", "2025-12", 1), ("lamdongtv.vn", "2026-03", 3)]
    assert con.sql(f"SELECT extraction.sources['title'] FROM newsarchive_records('{snap}') "
                   "WHERE modified_raw IS NOT NULL").fetchall() == [("h1",)]
    # what auto-detection does instead (the reason for the typed reader)
    auto = dict(zip(*[(r := duckdb.sql(f"SELECT * FROM read_json_auto('{snap}')")).columns, map(str, r.types)]))
    assert auto["outlet"] != "VARCHAR" or auto["modified_raw"] != "VARCHAR"


def test_the_shipped_duckdb_macro_is_current():
    from newsarchive.archive.columns import duckdb_macro_sql

    assert (ROOT / "newsarchive/schema/records.duckdb.sql").read_text("utf-8") == duckdb_macro_sql(), \
        "run `python -m newsarchive.archive.columns`"


def test_scrapy_crawl_feed_exports_are_the_records(sample_site, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    outs = {fmt: tmp_path / f"x.{fmt}" for fmt in ("jsonl", "csv", "parquet")}
    cmd = [str(Path(sys.executable).with_name("scrapy")), "crawl", "outlet", "-a", f"target={sample_site}/",
           "-s", f"ARCHIVE_DIR={tmp_path / 'archive'}", "-s", "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES=True",
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]
    for path in outs.values():
        cmd += ["-O", str(path)]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Traceback" not in res.stderr, res.stderr[-3000:]
    lines = [json.loads(line) for line in outs["jsonl"].read_text("utf-8").splitlines()]
    assert len(lines) == 13 and all(list(r) == FIELDS for r in lines)
    assert all(r["version"] == 1 and r["capture"]["warc_file"].endswith("captures.warc.gz") for r in lines)
    from newsarchive.validate import validate_file

    assert validate_file(outs["jsonl"]).ok
    rows = list(csv.DictReader(open(outs["csv"], encoding="utf-8")))
    assert len(rows) == 13 and list(rows[0]) == FIELDS and "Article(" not in outs["csv"].read_text("utf-8")
    table = pq.read_table(outs["parquet"])
    assert table.num_rows == 13 and table.schema.names == FIELDS
    assert str(table.schema.field("published_at").type) == "timestamp[us, tz=Asia/Ho_Chi_Minh]"
    assert sorted(table.column("url").to_pylist()) == sorted(r["url"] for r in lines)
