"""The archive end to end: two real crawls of a local site between which articles are added, removed
and edited; diff, history, snapshot, WARC captures and re-extraction checked against what was done."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_helpers import REVISIT_ALL, add_copy, copy_site, edit_body, local_crawl_settings, page_file, run_records
from crawling import run_spider
from newsarchive.archive import layout as L
from newsarchive.archive.diff import DiffSummary, diff_records
from newsarchive.archive.history import history
from newsarchive.archive.reextract import reextract
from newsarchive.archive.runs import read_json, verify_run
from newsarchive.archive.snapshot import iter_snapshot, iter_snapshot_lines
from newsarchive.archive.warc import read_response
from newsarchive.cli import main
from newsarchive.samples.server import serve_directory
from newsarchive.validate import validate_file

NEW_URL = "https://baomoi-tinh.example.vn/bai-moi-them-vao-123.html"


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory):
    """Crawl a copy of the sample site (run1), edit one article, delete one, add one, crawl again (run2)."""
    tmp = tmp_path_factory.mktemp("twocrawls")
    site = copy_site(tmp / "site")
    archive = tmp / "archive"
    settings = local_crawl_settings(archive, **REVISIT_ALL)
    with serve_directory(site) as base:
        first = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run1"}, start_urls=[base + "/"])
        assert first.finish_reason == "finished"
        records = sorted(run_records(archive, "run1"), key=lambda r: r["final_url"])
        assert len(records) >= 5
        edited, removed, model = records[0], records[1], records[2]
        edit_body(site, edited, "Cập nhật lúc 15 giờ: số liệu đã được điều chỉnh.")
        page_file(site, removed).unlink()
        added_file = add_copy(site, model, "bai-moi-them-vao-20260308090000123.htm", NEW_URL)
        second = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run2"}, start_urls=[base + "/"])
        assert second.finish_reason == "finished"
    return {"archive": archive, "site": site, "run1": records, "edited": edited, "removed": removed,
            "added_file": added_file, "second": second}


def ids(records) -> set[str]:
    return {r["id"] for r in records}


def test_second_run_writes_only_new_and_changed_records_and_counts_unchanged(two_crawls):
    archive, run1 = two_crawls["archive"], two_crawls["run1"]
    run2 = run_records(archive, "run2")
    assert {r["id"]: r["version"] for r in run2} == {
        two_crawls["edited"]["id"]: 2,
        next(r["id"] for r in run2 if r["canonical_url"] == NEW_URL): 1,
    }
    manifest = read_json(L.run_dir(archive, "run2") / L.MANIFEST)
    assert manifest["status"] == "finished" and manifest["complete"] is True
    assert manifest["counts"]["articles_new"] == 1
    assert manifest["counts"]["articles_changed"] == 1
    assert manifest["counts"]["articles_unchanged"] == len(run1) - 2
    assert manifest["software"]["newsarchive"]
    assert set(manifest["files"]) >= {L.ARTICLES, L.CAPTURES, L.UNCHANGED, L.RUN_INFO}
    # the crawl's targets as given, in run.json (from the start) and in the manifest
    assert manifest["targets"] and manifest["targets"][0].startswith("http://127.0.0.1:"), manifest["targets"]
    assert read_json(L.run_dir(archive, "run2") / L.RUN_INFO)["targets"] == manifest["targets"]
    for run in ("run1", "run2"):
        assert verify_run(L.run_dir(archive, run)) == []


def test_diff_of_the_two_runs_reports_exactly_what_was_done(two_crawls):
    archive = two_crawls["archive"]
    out = list(diff_records(iter_snapshot_lines(archive, as_of="run1"), iter_snapshot_lines(archive, as_of="run2")))
    summary = out[-1]
    assert isinstance(summary, DiffSummary)
    changes = {c.kind: [] for c in out[:-1]}
    for c in out[:-1]:
        changes[c.kind].append(c)
    assert [c.id for c in changes["removed"]] == [two_crawls["removed"]["id"]]
    assert [c.url for c in changes["added"]] == [two_crawls["edited"]["url"].rsplit("/bai-viet/", 1)[0]
                                                 + "/bai-viet/bai-moi-them-vao-20260308090000123.htm"]
    assert [c.id for c in changes["changed"]] == [two_crawls["edited"]["id"]]
    changed = changes["changed"][0]
    assert set(changed.fields) == {"body"}
    assert any(line.startswith("+Cập nhật lúc 15 giờ: số liệu đã được điều chỉnh.")
               for line in changed.body_diff.splitlines())
    assert (summary.added, summary.removed, summary.changed) == (1, 1, 1)
    assert summary.unchanged == len(two_crawls["run1"]) - 2


def test_diff_command_human_and_json(two_crawls):
    archive = str(two_crawls["archive"])
    runner = CliRunner()
    res = runner.invoke(main, ["diff", "run1", "run2", "--archive", archive])
    assert res.exit_code == 0, res.output
    assert "added 1, removed 1, changed 1" in res.output
    assert "+Cập nhật lúc 15 giờ" in res.output
    res = runner.invoke(main, ["diff", "run1", "run2", "--archive", archive, "--json"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.output.splitlines()]
    assert sorted(x["type"] for x in lines) == ["added", "changed", "removed", "summary"]
    assert lines[-1]["changed"] == 1


def test_whitespace_only_and_tiny_edits_are_ignored_by_threshold(two_crawls, tmp_path):
    from newsarchive.article import Article

    rec = dict(two_crawls["edited"])

    def edited(body: str) -> dict:
        art = Article.from_dict(rec)
        art.body = body
        return art.finalise().to_dict()  # content_hash follows the body, as in a real record

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps(rec, ensure_ascii=False) + "\n", "utf-8")
    b.write_text(json.dumps(edited(rec["body"].replace(" ", "  ", 3) + "\n"), ensure_ascii=False) + "\n", "utf-8")
    runner = CliRunner()
    res = runner.invoke(main, ["diff", str(a), str(b), "--json"])
    assert json.loads(res.output.splitlines()[-1])["changed"] == 0
    assert json.loads(res.output.splitlines()[-1])["minor"] == 1
    b.write_text(json.dumps(edited(rec["body"].replace("a", "á", 1)), ensure_ascii=False) + "\n", "utf-8")
    res = runner.invoke(main, ["diff", str(a), str(b), "--json"])
    assert json.loads(res.output.splitlines()[-1])["changed"] == 1
    res = runner.invoke(main, ["diff", str(a), str(b), "--json", "--min-change", "5"])
    assert json.loads(res.output.splitlines()[-1])["changed"] == 0


def test_history_shows_the_edit(two_crawls):
    archive = two_crawls["archive"]
    edited = two_crawls["edited"]
    versions = history(archive, edited["url"])
    assert [v.version for v in versions] == [1, 2]
    assert [v.run_id for v in versions] == ["run1", "run2"]
    assert set(versions[1].changes) == {"body"}
    res = CliRunner().invoke(main, ["history", edited["url"], "--archive", str(archive)])
    assert res.exit_code == 0, res.output
    assert "v2  run run2" in res.output and "body:" in res.output
    unchanged = two_crawls["run1"][3]
    versions = history(archive, unchanged["url"])
    assert len(versions) == 1 and versions[0].seen_unchanged_in == ["run2"]


def test_snapshot_as_of_each_run(two_crawls, tmp_path):
    archive, run1 = two_crawls["archive"], two_crawls["run1"]
    snap1 = list(iter_snapshot(archive, as_of="run1"))
    assert sorted(json.dumps(r, sort_keys=True) for r in snap1) == sorted(json.dumps(r, sort_keys=True) for r in run1)
    snap2 = list(iter_snapshot(archive, as_of="run2"))
    expected = (ids(run1) - {two_crawls["removed"]["id"]}) | {r["id"] for r in run_records(archive, "run2")}
    assert ids(snap2) == expected and len(snap2) == len(expected)
    by_id = {r["id"]: r for r in snap2}
    assert by_id[two_crawls["edited"]["id"]]["version"] == 2
    # cumulative keeps the removed article
    assert two_crawls["removed"]["id"] in ids(iter_snapshot(archive, as_of="run2", cumulative=True))
    # the command, by date: today is after both runs
    out = tmp_path / "snap.jsonl.zst"
    res = CliRunner().invoke(main, ["snapshot", str(archive), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert validate_file(out).ok and validate_file(out).records == len(expected)
    res = CliRunner().invoke(main, ["snapshot", str(archive), "--as-of", "1999-01-01", "-o", str(out)])
    assert res.exit_code == 1 and "no run started on or before" in res.output


def test_warc_files_pass_warcio_check_and_pointers_resolve(two_crawls):
    archive = two_crawls["archive"]
    warcio = Path(sys.executable).with_name("warcio")
    for run in ("run1", "run2"):
        warc = L.run_dir(archive, run) / L.CAPTURES
        res = subprocess.run([str(warcio), "check", "-v", str(warc)], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout + res.stderr
        assert "digest pass" in res.stdout
        index = subprocess.run([str(warcio), "index", str(warc)], capture_output=True, text=True, check=True).stdout
        kinds = [json.loads(line)["warc-type"] for line in index.splitlines()]
        # every response (full, or a revisit of a payload archived already) with its request
        assert kinds[0] == "warcinfo" and kinds.count("response") + kinds.count("revisit") == kinds.count("request") >= 1
    for rec in two_crawls["run1"]:
        page = read_response(archive, rec["capture"])
        assert page["final_url"] == rec["final_url"] and page["status"] == 200
        assert page["body"] == page_file_bytes(two_crawls, rec)


def page_file_bytes(two_crawls, rec) -> bytes:
    if rec["id"] == two_crawls["edited"]["id"]:
        # run1 captured the page before the edit
        return read_response(two_crawls["archive"], rec["capture"])["body"]
    path = page_file(two_crawls["site"], rec)
    return path.read_bytes() if path.exists() else read_response(two_crawls["archive"], rec["capture"])["body"]


def test_reextract_from_warc_reproduces_the_records(two_crawls, tmp_path):
    archive, run1 = two_crawls["archive"], two_crawls["run1"]
    result = reextract(archive, ["run1"], into=tmp_path / "re")
    assert result["new"] == len(run1)
    again = {r["id"]: r for r in run_records(tmp_path / "re", result["run_id"])}
    for rec in run1:
        got = again[rec["id"]]
        assert got["capture"]["record_id"] == rec["capture"]["record_id"]
        strip = lambda r: {k: v for k, v in r.items() if k not in ("run_id", "capture")}  # noqa: E731
        assert strip(got) == strip(rec), rec["url"]
    # into the same archive: nothing changed, nothing written; run1's captures are superseded by run2's
    res = CliRunner().invoke(main, ["reextract", "run2", "--archive", str(archive), "--json"])
    assert res.exit_code == 0, res.output
    counts = json.loads(res.output)
    assert counts.get("new", 0) == 0 and counts.get("changed", 0) == 0
    # run2 saw every article of run1 but the removed one, plus the added one
    assert counts["unchanged"] == len(run1)
