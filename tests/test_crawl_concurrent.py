"""Two runs on one archive at once: the one that comes second is refused and changes nothing.

A real `newsarchive crawl` (a subprocess) is held mid-crawl by the fault server (one article's answer
waits); meanwhile the same command, a crawl of other targets into the same archive and `newsarchive
reindex` are started. Each is refused (exit status 75 for a crawl, 1 for reindex) with the holder named,
and leaves every file of the archive as it was: the running crawl's JOBDIR and RUNNING marker, the
index, the runs. Released, the first crawl ends finished and complete with every article archived once.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from faultserver import FaultSite
from newsarchive.archive import layout as L
from newsarchive.archive.runs import read_json
from newsarchive.archive.snapshot import iter_snapshot

CLI = [sys.executable, "-c", "from newsarchive.cli import run; run()"]
FAST = ["--allow-private-addresses", "-q", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]


def newsarchive(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=180, **kw)


def tree(root: Path) -> dict[str, str]:
    """Every file under `root` (the lock file aside) with a digest of its content."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != L.LOCK}


def test_a_second_crawl_reindex_or_crawl_of_other_targets_beside_a_crawl_is_refused_and_changes_nothing(tmp_path):
    archive = tmp_path / "archive"
    with FaultSite() as site:
        held = next(iter(site.articles))
        site.fault(held, "hold")
        first = subprocess.Popen([*CLI, "crawl", site.base + "/", "--archive", str(archive), *FAST],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert site.held.wait(90), "the first crawl never reached the held article"
            time.sleep(0.5)          # its other articles are being archived meanwhile
            jobdirs = list((archive / ".jobs").iterdir())
            assert len(jobdirs) == 1 and (jobdirs[0] / "RUNNING").exists()
            before = tree(archive)

            for name, args in [
                ("the same command", ["crawl", site.base + "/", "--archive", str(archive), *FAST]),
                ("the same command, --no-resume", ["crawl", site.base + "/", "--archive", str(archive), "--no-resume",
                                                   *FAST]),
                ("other targets", ["crawl", site.other_base + "/", "--archive", str(archive), *FAST]),
            ]:
                done = newsarchive(*args)
                assert done.returncode == 75, (name, done.stderr[-2000:])
                assert "another run is writing this archive" in done.stderr, name
                assert f"pid {first.pid}" in done.stderr and "nothing was changed" in done.stderr, done.stderr
                assert "Traceback" not in done.stderr
                assert tree(archive) == before, name

            done = newsarchive("reindex", str(archive), "--verify")
            assert done.returncode == 1 and "another run is writing this archive" in done.stderr, done.stderr
            assert tree(archive) == before
            assert first.poll() is None, "the first crawl must still be running"
        finally:
            site.release.set()
            out, err = first.communicate(timeout=180)
    assert first.returncode == 0, err[-3000:]
    assert "FileNotFoundError" not in err and "Traceback" not in err
    runs = L.list_run_dirs(archive)
    assert len(runs) == 1
    manifest = read_json(runs[0] / L.MANIFEST)
    assert manifest["status"] == "finished" and manifest["complete"] is True, manifest.get("partial")
    snap = list(iter_snapshot(archive))
    assert sorted(r["url"] for r in snap) == sorted(site.article_urls)        # every article, once
    done = newsarchive("reindex", str(archive), "--verify")
    assert done.returncode == 0 and "all files match" in done.stdout, done.stdout + done.stderr
    assert not (jobdirs[0] / "RUNNING").exists()


def test_a_crawl_is_refused_while_reindex_holds_the_archive(tmp_path):
    """The other way round: whoever holds the archive's lock (here a stand-in holding it as reindex
    does) makes a crawl that starts meanwhile go away without touching anything."""
    from newsarchive.archive.runs import archive_lock

    archive = tmp_path / "archive"
    (archive / "runs").mkdir(parents=True)
    with FaultSite() as site:
        with archive_lock(archive, "newsarchive reindex"):
            before = tree(archive)
            done = newsarchive("crawl", site.base + "/", "--archive", str(archive), *FAST)
            assert done.returncode == 75, done.stderr[-2000:]
            assert f"newsarchive reindex, pid {os.getpid()}" in done.stderr
            assert tree(archive) == before and not (archive / ".jobs").exists()
            assert sum(site.hits.values()) == 0          # not one request was made
        done = newsarchive("crawl", site.base + "/", "--archive", str(archive), *FAST)
        assert done.returncode == 0, done.stderr[-2000:]
    assert len(list(iter_snapshot(archive))) == len(site.articles)
    info = json.loads((archive / L.LOCK).read_text() or "{}")
    assert info.get("purpose") == "newsarchive crawl"


def test_a_crawl_that_meets_another_process_lock_on_the_index_says_so(tmp_path):
    """Another program holds index.sqlite in a write transaction: the crawl waits (BUSY_TIMEOUT, cut to
    1 s here), then stops with one line naming the cause, not a traceback of an unrelated error."""
    import sqlite3

    archive = tmp_path / "archive"
    with FaultSite() as site:
        done = newsarchive("crawl", site.base + "/", "--archive", str(archive), *FAST)
        assert done.returncode == 0, done.stderr[-2000:]
        before = tree(archive)       # (not while the lock is held: closing a file of the database in this
        other = sqlite3.connect(archive / L.INDEX)   # process would release SQLite's POSIX locks)
        other.execute("BEGIN EXCLUSIVE")
        try:
            done = subprocess.run(
                [sys.executable, "-c", "import newsarchive.archive.index as i; i.BUSY_TIMEOUT = 1; "
                 "from newsarchive.cli import run; run()", "crawl", site.base + "/", "--archive", str(archive), *FAST],
                capture_output=True, text=True, timeout=180)
        finally:
            other.rollback()
            other.close()
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Crawler.stats" not in done.stderr, done.stderr[-2000:]
    assert "is locked by another process" in done.stderr and "nothing was changed" in done.stderr, done.stderr
    after = tree(archive)
    # no run written or touched (the finished crawl's JOBDIR may be cleared: it is never resumed), no
    # RUNNING marker left behind to make the next run distrust its JOBDIR
    assert {k: v for k, v in after.items() if k.startswith("runs/")} == \
        {k: v for k, v in before.items() if k.startswith("runs/")}
    assert not any(k.endswith("/RUNNING") for k in after)
