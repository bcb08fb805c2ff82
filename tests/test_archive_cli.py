"""The archive commands: help with examples, clean one-line errors, reindex/snapshot/history/reextract."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archive_helpers import article, fake_page
from newsarchive.archive.writer import RunWriter
from newsarchive.cli import main

COMMANDS = ["snapshot", "diff", "history", "reextract", "export", "stats", "reindex"]


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_an_example(name):
    res = CliRunner().invoke(main, [name, "--help"])
    assert res.exit_code == 0 and "Example:" in res.output


@pytest.mark.parametrize("args", [["snapshot", "{x}", "-o", "{x}/o.jsonl"], ["stats", "{x}"], ["reindex", "{x}"],
                                  ["history", "https://x.vn/a", "--archive", "{x}"], ["export", "{x}", "-o", "{x}/o.csv"]])
def test_not_an_archive_is_a_clear_error(tmp_path, args):
    res = CliRunner().invoke(main, [a.format(x=tmp_path) for a in args])
    assert res.exit_code == 1
    assert "not an archive" in res.output and "Traceback" not in res.output


@pytest.fixture
def archive(tmp_path):
    root = tmp_path / "archive"
    with RunWriter(root, "r1") as run:
        for i in range(3):
            run.add(article(i), capture=run.capture(fake_page(f"https://baolamdong.vn/tin-tuc/bai-{i}.html")))
    with RunWriter(root, "r2") as run:
        run.add(article(0))
        run.add(article(1, title="Tiêu đề đã sửa"))
    return root


def test_snapshot_to_stdout_and_as_of(archive):
    res = CliRunner().invoke(main, ["snapshot", str(archive), "--as-of", "r1", "-o", "-"])
    assert res.exit_code == 0, res.output
    titles = sorted(json.loads(line)["title"] for line in res.output.splitlines() if line.startswith("{"))
    assert titles == ["Bài số 0", "Bài số 1", "Bài số 2"]
    res = CliRunner().invoke(main, ["snapshot", str(archive), "--as-of", "nonsense", "-o", "-"])
    assert res.exit_code == 1 and "neither a run id nor a date" in res.output


def test_history_command(archive):
    res = CliRunner().invoke(main, ["history", "https://baolamdong.vn/tin-tuc/bai-1.html", "--archive", str(archive)])
    assert res.exit_code == 0, res.output
    assert "2 version(s)" in res.output and "title: Bài số 1" in res.output and "-> Tiêu đề đã sửa" in res.output
    res = CliRunner().invoke(main, ["history", "https://baolamdong.vn/tin-tuc/bai-0.html", "--archive", str(archive),
                                    "--json"])
    assert json.loads(res.output)["seen_unchanged_in"] == ["r2"]
    res = CliRunner().invoke(main, ["history", "https://baolamdong.vn/khong-co.html", "--archive", str(archive)])
    assert res.exit_code == 1 and "not in the archive" in res.output


def test_reindex_command(archive):
    res = CliRunner().invoke(main, ["reindex", str(archive), "--verify"])
    assert res.exit_code == 0, res.output
    assert "2 runs, 4 records, 3 articles, 1 unchanged re-fetches indexed" in res.output
    assert "manifests: all files match" in res.output


def test_reextract_of_non_article_captures_counts_them(archive, tmp_path):
    res = CliRunner().invoke(main, ["reextract", "r1", "--archive", str(archive), "--into", str(tmp_path / "re"),
                                    "--json"])
    assert res.exit_code == 0, res.output
    counts = json.loads(res.output)
    assert counts["captures"] == 3 and counts.get("new", 0) == 0
    assert sum(counts.get(k, 0) for k in ("not_article", "empty", "binary", "extract_error")) == 3
    res = CliRunner().invoke(main, ["reextract", "nope", "--archive", str(archive)])
    assert res.exit_code == 1 and "not a WARC file" in res.output


def test_diff_by_dates_is_the_diff_of_the_snapshots_then(archive):
    from newsarchive.archive import layout as L
    from newsarchive.archive.runs import read_json

    t1 = read_json(L.run_dir(archive, "r1") / L.MANIFEST)["started_at"]
    t2 = read_json(L.run_dir(archive, "r2") / L.MANIFEST)["started_at"]
    by_run = CliRunner().invoke(main, ["diff", "r1", "r2", "--archive", str(archive), "--json"])
    by_date = CliRunner().invoke(main, ["diff", t1, t2, "--archive", str(archive), "--json"])
    assert by_date.exit_code == 0, by_date.output
    strip = [json.loads(line) for line in by_run.output.splitlines()]
    got = [json.loads(line) for line in by_date.output.splitlines()]
    # r2 was a complete crawl that saw bai-0 (unchanged) and bai-1 (edited) only: bai-2 is gone
    assert got == strip[:-1] + [dict(strip[-1], a=t1, b=t2)]
    assert [x["type"] for x in got] == ["removed", "changed", "summary"]
    assert got[1]["fields"]["title"]["after"] == "Tiêu đề đã sửa"
