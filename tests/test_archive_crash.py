"""Crash safety: SIGKILL during a crawl (at several points), a torn last line, a full disk, SIGTERM,
two writers. Afterwards `validate`, `reindex` and `snapshot`: nothing lost, nothing duplicated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_helpers import copy_site, edit_body, run_records
from newsarchive.archive import layout as L
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.lines import iter_lines
from newsarchive.archive.runs import read_json, verify_run
from newsarchive.archive.snapshot import iter_snapshot
from newsarchive.archive.writer import RunWriter
from newsarchive.cli import main
from newsarchive.samples.server import serve_directory
from newsarchive.validate import validate_file

CHILD = Path(__file__).with_name("archive_child.py")
WARCIO = Path(sys.executable).with_name("warcio")


def start_child(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent.parent))
    return subprocess.Popen([sys.executable, str(CHILD), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def complete_lines(path: Path) -> list[str]:
    return [line for _, line in iter_lines(path, on_torn=None)] if path.exists() else []


def all_record_files_valid(archive: Path) -> None:
    for f in archive.rglob("*.jsonl.zst"):
        if "rejects" in f.name:
            continue
        report = validate_file(f)
        assert report.ok, (f, report.problems[:3], report.fatal)


def warcio_check(path: Path) -> None:
    res = subprocess.run([str(WARCIO), "check", str(path)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def kill_when(proc: subprocess.Popen, ready, sig=signal.SIGKILL, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise AssertionError(f"child ended before the kill point: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("kill point never reached")
        time.sleep(0.01)
    proc.send_signal(sig)
    proc.wait(timeout=60)


@pytest.mark.parametrize("kill_after", [0, 1, 5])
def test_sigkill_during_a_crawl_loses_nothing_and_duplicates_nothing(tmp_path, kill_after):
    site = copy_site(tmp_path / "site")
    archive = tmp_path / "archive"
    with serve_directory(site) as base:
        first = start_child("crawl", base, str(archive), "run1")
        out, err = first.communicate(timeout=240)
        assert "finish_reason finished" in out, err
        run1 = run_records(archive, "run1")
        for rec in run1:  # every article changes, so the next run writes a record for each
            edit_body(site, rec, "Tin cập nhật.")
        manifest1 = (L.run_dir(archive, "run1") / L.MANIFEST).read_bytes()

        killed = start_child("crawl", base, str(archive), "run2")
        run2_file = L.run_dir(archive, "run2") / L.ARTICLES
        if kill_after == 0:
            kill_when(killed, lambda: (L.run_dir(archive, "run2") / L.RUN_INFO).exists())
        else:
            kill_when(killed, lambda: len(complete_lines(run2_file)) >= kill_after)
        assert killed.returncode == -signal.SIGKILL
        written_before = complete_lines(run2_file)
        assert len(written_before) >= kill_after
        assert not (L.run_dir(archive, "run2") / L.MANIFEST).exists()

        # the finished run is untouched
        assert (L.run_dir(archive, "run1") / L.MANIFEST).read_bytes() == manifest1
        assert verify_run(L.run_dir(archive, "run1")) == []

        res = CliRunner().invoke(main, ["reindex", str(archive), "--verify"])
        assert res.exit_code == 0, res.output
        assert "sealed interrupted run run2" in res.output
        sealed = read_json(L.run_dir(archive, "run2") / L.MANIFEST)
        assert sealed["status"] == "interrupted" and sealed["complete"] is False
        assert complete_lines(run2_file) == written_before          # nothing lost
        res = CliRunner().invoke(main, ["validate", str(archive)])
        assert res.exit_code == 0, res.output
        all_record_files_valid(archive)
        if (L.run_dir(archive, "run2") / L.CAPTURES).exists():
            warcio_check(L.run_dir(archive, "run2") / L.CAPTURES)

        snap = list(iter_snapshot(archive))
        assert len(snap) == len({r["id"] for r in snap}) == len(run1)  # nothing duplicated, nothing dropped
        updated = {json.loads(line)["id"] for line in written_before}
        assert {r["id"] for r in snap if r["version"] == 2} == updated

        # the next crawl completes the job without writing anything twice
        last = start_child("crawl", base, str(archive), "run3")
        out, err = last.communicate(timeout=240)
        assert "finish_reason finished" in out, err
    run3 = run_records(archive, "run3")
    assert {r["id"] for r in run3}.isdisjoint(updated)
    snap = list(iter_snapshot(archive))
    assert len(snap) == len({r["id"] for r in snap}) == len(run1)
    assert all(r["version"] == 2 for r in snap)


def test_sigterm_closes_the_run_with_its_manifest(tmp_path):
    site = copy_site(tmp_path / "site")
    archive = tmp_path / "archive"
    with serve_directory(site) as base:
        proc = start_child("crawl", base, str(archive), "stopped")
        path = L.run_dir(archive, "stopped") / L.ARTICLES
        kill_when(proc, lambda: len(complete_lines(path)) >= 2, sig=signal.SIGTERM)
    manifest = read_json(L.run_dir(archive, "stopped") / L.MANIFEST)
    assert manifest is not None, "SIGTERM must close the run with its manifest"
    assert manifest["status"] == "shutdown" and manifest["complete"] is False
    assert manifest["counts"]["articles_new"] == len(complete_lines(path))
    assert verify_run(L.run_dir(archive, "stopped")) == []


def test_torn_last_line_is_reported_and_set_aside(tmp_path, caplog):
    archive = tmp_path / "archive"
    proc = start_child("torn", str(archive))
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    articles = L.run_dir(archive, "torn-run") / L.ARTICLES
    torn = []
    assert len([1 for _ in iter_lines(articles, on_torn=torn.append)]) == 5
    assert len(torn) == 1 and torn[0].line == 6 and torn[0].text.startswith('{"url":"http://127.0.0.1/bai-viet/5.html"')
    # readers go on, with a warning, and the snapshot has the 5 complete records
    with caplog.at_level("WARNING"):
        assert len(list(iter_snapshot(archive))) == 5
    assert "torn last line 6" in caplog.text
    # validate reports it (it never breaks the reader)
    report = validate_file(articles)
    assert report.valid == 5 and not report.ok
    res = CliRunner().invoke(main, ["reindex", str(archive)])
    assert res.exit_code == 0, res.output
    aside = articles.with_name(articles.name + L.TORN_SUFFIX)
    assert aside.read_text("utf-8").startswith('{"url":"http://127.0.0.1/bai-viet/5.html"')
    assert validate_file(articles).ok and validate_file(articles).valid == 5
    warc = L.run_dir(archive, "torn-run") / L.CAPTURES
    assert warc.with_name(warc.name + L.TORN_SUFFIX).stat().st_size > 0
    warcio_check(warc)
    manifest = read_json(L.run_dir(archive, "torn-run") / L.MANIFEST)
    assert {t["file"] for t in manifest["torn"]} == {L.ARTICLES, L.CAPTURES}
    assert len(list(iter_snapshot(archive))) == 5


def test_disk_full_gives_a_clear_error_and_keeps_what_was_written(tmp_path):
    archive = tmp_path / "archive"
    proc = start_child("diskfull", str(archive), str(400_000))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, out + err
    # the WARC file hits the limit first (incompressible pages); either way the message says what to do
    assert "no space left" in out and "intact" in out and "newsarchive reindex" in out
    written = int(out.split("written ")[1].split()[0])
    assert written >= 1
    res = CliRunner().invoke(main, ["reindex", str(archive)])
    assert res.exit_code == 0, res.output
    snap = list(iter_snapshot(archive))
    assert len(snap) == written and len({r["id"] for r in snap}) == written
    all_record_files_valid(archive)
    warcio_check(L.run_dir(archive, "full-run") / L.CAPTURES)


def test_one_writer_at_a_time(tmp_path):
    with RunWriter(tmp_path, "a"):
        with pytest.raises(ArchiveError, match="another run is writing"):
            RunWriter(tmp_path, "b")
    with RunWriter(tmp_path, "c") as w:  # the lock is released on close
        assert w.run_id == "c"
    with pytest.raises(ArchiveError, match="already exists"):
        RunWriter(tmp_path, "c")
