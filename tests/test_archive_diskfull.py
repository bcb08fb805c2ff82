"""A full disk, for real: `newsarchive crawl` (a subprocess) writing its archive to a small tmpfs.

At each size the crawl must end (never hang), say what happened in one clear line (never a
traceback), keep what it wrote readable, and leave nothing that stops the next run: a crawl started
on the still-full disk fails cleanly, and once space is freed (the archive copied to a roomy disk) the
next crawl starts, completes, and the archive holds every article exactly once, `reindex --verify`
clean.

The tmpfs is mounted in a mount namespace of its own (``unshare --user --map-root-user --mount``,
no root needed where unprivileged user namespaces are allowed; root also can), so nothing is
left mounted whatever happens to the test; the crawls that need the small disk run in that
namespace, and the archive is copied out of it before it goes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from faultserver import FaultSite, article_sources
from newsarchive.archive.snapshot import iter_snapshot

CRAWL = [sys.executable, "-c", "from newsarchive.cli import run; run()", "crawl"]
FAST = ["--allow-private-addresses", "-q", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]
HANG = 124          # timeout(1)'s exit status: the command was still running
BIG_PAGES = sorted(article_sources(), key=lambda p: p.stat().st_size)[-8:]

SCRIPT = r"""
set -u
mount -t tmpfs -o size="$SIZE" tmpfs "$MNT" || exit 99
i=0
while [ $# -gt 0 ]; do          # each step: "--" separated argv, run with a time limit
    args=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    timeout -s KILL "$LIMIT" "${args[@]}" > "$OUT/step$i.out" 2> "$OUT/step$i.err"
    echo $? > "$OUT/step$i.rc"
    i=$((i+1))
done
cp -a "$MNT/archive" "$OUT/archive" 2>/dev/null
exit 0
"""


def _namespace_works() -> bool:
    try:
        done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                               "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs $d && umount $d && rmdir $d"],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


needs_tmpfs = pytest.mark.skipif(not shutil.which("unshare") or not _namespace_works(),
                                 reason="cannot mount a small tmpfs here (needs unshare and user namespaces)")


def on_small_disk(tmp_path: Path, kb: int, *steps: list[str], limit: int = 90) -> list[tuple[int, str]]:
    """Run each command (an argv; ``{archive}`` stands for the archive on the small disk) in turn with
    a tmpfs of `kb` KB as the archive's disk; returns (exit status, stderr) of each. The archive is
    copied to ``tmp_path / "out" / "archive"``."""
    mnt, out = tmp_path / "disk", tmp_path / "out"
    mnt.mkdir()
    out.mkdir()
    argv: list[str] = []
    for step in steps:
        argv += [a.replace("{archive}", str(mnt / "archive")) for a in step] + ["--"]
    env = {"SIZE": f"{kb}k", "MNT": str(mnt), "OUT": str(out), "LIMIT": str(limit), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "bash", "-c", SCRIPT, "bash", *argv],
                          env=env, capture_output=True, text=True, timeout=limit * len(steps) + 60)
    assert done.returncode == 0, done.stderr
    return [(int((out / f"step{i}.rc").read_text()), (out / f"step{i}.err").read_text()) for i in range(len(steps))]


def clean_failure(rc: int, err: str) -> None:
    assert rc != HANG, "the crawl hung on the full disk:\n" + err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert "Expecting value" not in err, err[-3000:]            # an empty JOBDIR file read back
    if rc != 0:
        assert rc == 1, err[-3000:]
        assert "no space left" in err.lower() or "disk is probably full" in err, err[-3000:]


def check_archive(archive: Path, site: FaultSite) -> None:
    snap = list(iter_snapshot(archive))
    assert sorted(r["url"] for r in snap) == sorted(site.article_urls)          # every article, once
    done = subprocess.run([*CRAWL[:-1], "reindex", str(archive), "--verify"], capture_output=True, text=True)
    assert done.returncode == 0 and "all files match" in done.stdout, done.stdout + done.stderr
    done = subprocess.run([*CRAWL[:-1], "validate", str(archive)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@needs_tmpfs
@pytest.mark.parametrize("kb", [40, 256])
def test_a_full_disk_never_hangs_nor_blocks_the_next_run(tmp_path, kb):
    with FaultSite(sources=BIG_PAGES) as site:            # 3 MB of real pages: both disks fill
        crawl = [*CRAWL, site.base + "/", "--archive", "{archive}", *FAST]
        (rc1, err1), (rc2, err2) = on_small_disk(tmp_path, kb, crawl, crawl)
        clean_failure(rc1, err1)
        clean_failure(rc2, err2)                 # the disk is still full: the next run fails cleanly
        assert rc1 == 1 and ("disk_full" in err1 or "could not start" in err1), err1[-2000:]
        archive = tmp_path / "out" / "archive"
        done = subprocess.run([*CRAWL, site.base + "/", "--archive", str(archive), *FAST],
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0 and "Crawl finished" in done.stderr, done.stderr[-3000:]
        check_archive(archive, site)


@needs_tmpfs
def test_a_disk_that_fills_while_a_callback_queues_hundreds_of_requests_does_not_hang(tmp_path):
    """315 large articles in one sitemap, 256 KB: the disk fills while the sitemap's requests are being
    queued (Scrapy's scheduler raised out of its loop over the callback's output, and the crawl hung
    after "Closing spider (disk_full)", every time)."""
    with FaultSite(copies=15) as site:
        [(rc, err)] = on_small_disk(tmp_path, 256, [*CRAWL, site.base + "/", "--archive", "{archive}", *FAST],
                                    limit=60)
        clean_failure(rc, err)
        assert rc == 1, err[-2000:]
        archive = tmp_path / "out" / "archive"
        done = subprocess.run([*CRAWL, site.base + "/", "--archive", str(archive), "--max-articles", "5", *FAST],
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "cannot be resumed" in done.stderr or "did not stop cleanly" in done.stderr
        assert len(list(iter_snapshot(archive))) >= 5


SCHEDULER_ON_A_FULL_DISK = r"""
import json, sys
from pathlib import Path
from scrapy import Request, Spider
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

jobdir = Path(sys.argv[1]) / sys.argv[4]
crawler = get_crawler(Spider, {"JOBDIR": str(jobdir), "SCHEDULER": sys.argv[2], "SCHEDULER_DISK_QUEUE": sys.argv[3],
                              "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue"})
crawler.spider = crawler._create_spider("s")
crawler._apply_settings()
scheduler = load_object(sys.argv[2]).from_crawler(crawler)
scheduler.open(crawler.spider)
try:
    Path(sys.argv[1], sys.argv[4] + ".ballast").write_bytes(b"x" * 10_000_000)   # the disk is full from here on
except OSError:
    pass
try:
    for i in range(300):
        scheduler.enqueue_request(Request(f"http://127.0.0.1/bai-viet/{i}.html", priority=i % 3))
except OSError as exc:
    print(json.dumps({"raised": str(exc)}))
    sys.exit(0)
out = []
while (request := scheduler.next_request()) is not None:
    out.append(request.url)
scheduler.close("disk_full")
print(json.dumps({"out": len(set(out)), "active": (jobdir / "requests.queue" / "active.json").exists()}))
"""


@needs_tmpfs
def test_the_scheduler_on_a_full_disk_queues_in_memory_and_leaves_a_jobdir_the_next_run_discards(tmp_path):
    from newsarchive.crawlstate import prepare_jobdir

    script = tmp_path / "sched.py"
    script.write_text(SCHEDULER_ON_A_FULL_DISK)
    py = [sys.executable, str(script), "{archive}"]
    (rc1, err1), (rc2, err2) = on_small_disk(
        tmp_path, 2048,
        [*py, "newsarchive.scrapy_ext.jobdir.Scheduler", "newsarchive.scrapy_ext.jobdir.WholeLifoDiskQueue", "ours"],
        [*py, "scrapy.core.scheduler.Scheduler", "scrapy.squeues.PickleLifoDiskQueue", "scrapys"])
    ours, scrapys = [json.loads((tmp_path / "out" / f"step{i}.out").read_text()) for i in (0, 1)]
    assert rc1 == 0 and ours == {"out": 300, "active": False}, (ours, err1[-2000:])   # nothing lost
    # Scrapy's own: the OSError the crawl hung on, or requests lost without a word
    assert "raised" in scrapys or scrapys["out"] < 300, scrapys
    assert prepare_jobdir(tmp_path / "out" / "archive" / "ours") == "discarded"
