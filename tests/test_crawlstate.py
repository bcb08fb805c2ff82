"""Revisit schedule, known articles, JOBDIR markers."""

from datetime import datetime, timedelta, timezone

import pytest

from newsarchive.crawlstate import (CrawlState, RevisitSchedule, claim_crawl, jobdir_damage, mark_running, mark_stopped,
                                    prepare_jobdir)

NOW = datetime(2024, 6, 30, 12, tzinfo=timezone.utc)


@pytest.mark.parametrize("age, since_fetch, due", [
    (timedelta(hours=3), timedelta(minutes=5), True),     # under a day: every run
    (timedelta(days=3), timedelta(hours=2), False),       # under a week: once a day
    (timedelta(days=3), timedelta(days=1, hours=1), True),
    (timedelta(days=20), timedelta(days=3), False),       # under a month: weekly
    (timedelta(days=20), timedelta(days=8), True),
    (timedelta(days=90), timedelta(days=60), False),      # older: never
])
def test_default_schedule(age, since_fetch, due):
    assert RevisitSchedule.parse("1d=0,7d=1d,30d=7d").due(NOW - age, NOW - since_fetch, NOW) is due


def test_schedule_errors_and_undated_articles():
    with pytest.raises(ValueError):
        RevisitSchedule.parse("7d")
    with pytest.raises(ValueError):
        RevisitSchedule.parse("7x=1d")
    assert RevisitSchedule.parse("1d=0").due(None, None, NOW) is False


def test_state_status():
    state = CrawlState(RevisitSchedule.parse("1d=0"), now=NOW)
    state.remember("https://x.vn/a-1.html", "https://x.vn/b-1.html", NOW - timedelta(hours=1), NOW - timedelta(hours=1))
    state.remember("https://x.vn/old-2.html", None, NOW - timedelta(days=40), NOW - timedelta(days=39))
    assert state.status("https://x.vn/a-1.html") == "due"
    assert state.status("https://x.vn/b-1.html") == "due"           # known by its final URL too
    assert state.status("https://x.vn/old-2.html") == "archived"
    assert state.status("https://x.vn/new-3.html") == "new"
    state.remember("https://x.vn/a-1.html", None, None, NOW + timedelta(seconds=1))  # fetched in this run
    assert state.status("https://x.vn/a-1.html") == "archived"


def test_jobdir_markers(tmp_path):
    job = tmp_path / "job"
    assert prepare_jobdir(job) == "fresh"
    mark_running(job)
    (job / "requests.seen").write_text("x")
    assert prepare_jobdir(job) == "discarded" and not job.exists()      # died: not trusted
    mark_running(job)
    (job / "requests.seen").write_text("x")
    (job / "requests.queue").mkdir()
    (job / "requests.queue" / "active.json").write_text("{}")          # what Scrapy's scheduler writes on close
    mark_stopped(job, finished=False)
    assert prepare_jobdir(job) == "resume"                               # Ctrl-C / SIGTERM
    mark_stopped(job, finished=True)
    assert prepare_jobdir(job) == "fresh" and not job.exists()


def test_a_claim_takes_the_archive_lock_before_it_touches_the_jobdir(tmp_path):
    from newsarchive.archive.runs import ArchiveBusy, lock_is_held

    archive, job = tmp_path / "archive", tmp_path / "archive" / ".jobs" / "k"
    claim = claim_crawl(archive, job)
    assert claim.status == "fresh" and lock_is_held(archive)
    mark_running(job)
    (job / "requests.seen").write_text("x")
    marker = (job / "RUNNING").read_text()
    with pytest.raises(ArchiveBusy, match="another run is writing this archive .newsarchive crawl, pid"):
        claim_crawl(archive, job)                           # a second crawl of the same job
    assert (job / "RUNNING").read_text() == marker and (job / "requests.seen").exists()   # untouched
    claim.release()
    claim.release()                                         # idempotent
    assert not lock_is_held(archive)
    again = claim_crawl(archive, job)                       # the first died: its marker is not trusted
    assert again.status == "discarded" and not job.exists()
    with pytest.raises(RuntimeError):
        with again.released_on_error():
            raise RuntimeError("the crawl could not start")
    assert not lock_is_held(archive)


@pytest.mark.parametrize("damage", ["empty active.json", "torn inflight.json", "empty spider.state",
                                    "queue without active.json"])
def test_a_jobdir_a_full_disk_damaged_is_discarded_not_resumed(tmp_path, damage):
    job = tmp_path / "job"
    mark_running(job)
    queue = job / "requests.queue"
    queue.mkdir()
    (queue / "active.json").write_text('{"0": 1}')
    (queue / "0").mkdir()
    (job / "spider.state").write_bytes(b"\x80\x04}\x94.")         # pickle of {}
    (job / "inflight.json").write_text("[]")
    mark_stopped(job, finished=False)
    assert jobdir_damage(job) is None
    if damage == "empty active.json":
        (queue / "active.json").write_text("")
    elif damage == "torn inflight.json":
        (job / "inflight.json").write_text('[{"url": "http://a.vn/x')
    elif damage == "empty spider.state":
        (job / "spider.state").write_bytes(b"")
    else:
        (queue / "active.json").unlink()
    assert jobdir_damage(job)
    assert prepare_jobdir(job) == "discarded" and not job.exists()


def _archive_with_a_refetch(root):
    """Article 0 stored on 2024-06-10 (published 2024-06-09), re-fetched unchanged on 2024-06-29."""
    from archive_helpers import article
    from newsarchive.archive.writer import RunWriter

    rec = article(0, published="2024-06-09T08:00:00+07:00").to_dict()
    rec["fetched_at"] = "2024-06-10T01:00:00+00:00"
    with RunWriter(root, "r1") as run:
        assert run.add(rec) == "new"
    rec = dict(rec, fetched_at="2024-06-29T08:00:00+07:00")   # another offset: compared as an instant
    with RunWriter(root, "r2") as run:
        assert run.add(rec) == "unchanged"
    return rec["url"]


def test_revisit_decision_uses_the_latest_fetch_including_unchanged_refetches(tmp_path):
    url = _archive_with_a_refetch(tmp_path)
    weekly = RevisitSchedule.parse("30d=7d")   # articles under 30 days old: revisited once a week
    # by the first fetch (20 days before NOW) it would be due; it was re-fetched 1 day before NOW
    state = CrawlState.load(tmp_path, weekly, now=NOW)
    assert state.known[url].fetched == datetime(2024, 6, 29, 1, tzinfo=timezone.utc)
    assert state.status(url) == "archived"
    assert CrawlState.load(tmp_path, weekly, now=NOW + timedelta(days=6)).status(url) == "due"


def test_revisit_decision_from_the_files_alone_reads_the_refetches(tmp_path):
    from newsarchive.crawlstate import _load_from_files, iter_refetches

    url = _archive_with_a_refetch(tmp_path)
    assert [(u, t) for _, u, t in iter_refetches(tmp_path)] == [(url, "2024-06-29T08:00:00+07:00")]
    state = CrawlState(RevisitSchedule.parse("30d=7d"), now=NOW)
    _load_from_files(state, tmp_path, None)
    assert state.known[url].fetched == datetime(2024, 6, 29, 1, tzinfo=timezone.utc)
    assert state.status(url) == "archived"
