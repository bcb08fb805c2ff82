"""load / read_table / export: pandas with timezone-aware timestamps, Parquet, CSV, DuckDB, Polars."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from archive_helpers import article
from newsarchive.archive.export import export
from newsarchive.archive.writer import RunWriter
from newsarchive.cli import main

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")


@pytest.fixture
def archive(tmp_path):
    root = tmp_path / "archive"
    with RunWriter(root, "r1") as run:
        for i in range(5):
            run.add(article(i, site="baolamdong.vn" if i % 2 else "lamdongtv.vn",
                            published=f"2026-03-0{i + 1}T0{i}:30:00+07:00"))
    with RunWriter(root, "r2") as run:
        run.add(article(0, site="lamdongtv.vn", published="2026-03-01T00:30:00+07:00", title="Đã sửa"))
        for i in range(1, 5):
            run.add(article(i, site="baolamdong.vn" if i % 2 else "lamdongtv.vn",
                            published=f"2026-03-0{i + 1}T0{i}:30:00+07:00"))
    return root


def test_load_archive_gives_tz_aware_timestamps_and_latest_versions(archive):
    import newsarchive

    df = newsarchive.load(archive)
    assert len(df) == 5
    assert str(df["published_at"].dt.tz) == "Asia/Ho_Chi_Minh"
    assert str(df["fetched_at"].dt.tz) == "UTC"
    row = df.set_index("url").loc["https://lamdongtv.vn/tin-tuc/bai-0.html"]
    assert row["title"] == "Đã sửa" and row["version"] == 2
    assert row["published_at"] == pd.Timestamp("2026-03-01T00:30:00+07:00")
    assert row["images"][0]["caption"] == "Ảnh minh họa"
    old = newsarchive.load(archive, as_of="r1", site="lamdongtv.vn")
    assert sorted(old["title"]) == ["Bài số 0", "Bài số 2", "Bài số 4"]


def test_load_a_jsonl_file_with_a_torn_line(archive, tmp_path, caplog):
    import newsarchive

    path = tmp_path / "snap.jsonl"
    res = CliRunner().invoke(main, ["snapshot", str(archive), "-o", str(path)])
    assert res.exit_code == 0, res.output
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"id": "torn')
    df = newsarchive.load(path, site="baolamdong.vn")
    assert len(df) == 2 and "torn last line" in caplog.text


def test_export_parquet_csv_jsonl(archive, tmp_path):
    pq = tmp_path / "a.parquet"
    assert export(archive, pq) == 5
    df = pd.read_parquet(pq)
    assert len(df) == 5 and set(df["site"]) == {"baolamdong.vn", "lamdongtv.vn"}
    out = tmp_path / "a.csv"
    res = CliRunner().invoke(main, ["export", str(archive), "--format", "csv", "--site", "baolamdong.vn", "-o", str(out)])
    assert res.exit_code == 0 and "2 articles" in res.output
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert len(rows) == 2 and rows[0]["published_at"].endswith("+07:00")
    assert json.loads(rows[0]["images"])[0]["caption"] == "Ảnh minh họa"
    js = tmp_path / "a.jsonl.zst"
    assert export(archive, js, as_of="r1") == 5


def test_duckdb_one_liner(archive, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    pq = tmp_path / "a.parquet"
    export(archive, pq)
    rows = duckdb.sql(f"SELECT site, count(*) AS n FROM '{pq}' GROUP BY site ORDER BY site").fetchall()
    assert rows == [("baolamdong.vn", 2), ("lamdongtv.vn", 3)]
    snap = tmp_path / "a.jsonl"
    export(archive, snap)
    n = duckdb.sql(f"SELECT count(*) FROM read_json_auto('{snap}') WHERE title = 'Đã sửa'").fetchall()[0][0]
    assert n == 1


def test_polars_one_liner(archive, tmp_path):
    pl = pytest.importorskip("polars")
    pq = tmp_path / "a.parquet"
    export(archive, pq)
    df = pl.read_parquet(pq)     # typed in the file: no parsing of strings
    assert df.height == 5 and str(df.schema["published_at"].time_zone) == "Asia/Ho_Chi_Minh"
    assert str(df.schema["fetched_at"].time_zone) == "UTC"
    snap = tmp_path / "a.jsonl"
    export(archive, snap)
    assert pl.read_ndjson(snap).filter(pl.col("site") == "lamdongtv.vn").height == 3


def test_empty_archive_loads_as_an_empty_frame(tmp_path):
    import newsarchive

    with RunWriter(tmp_path / "a", "r1"):
        pass
    df = newsarchive.load(tmp_path / "a")
    assert len(df) == 0 and "published_at" in df.columns
