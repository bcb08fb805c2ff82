"""Revisit schedule, known articles, JOBDIR markers."""

from datetime import datetime, timedelta, timezone

import pytest

from newsarchive.crawlstate import (CrawlState, RevisitSchedule, mark_running, mark_stopped, prepare_jobdir)

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
    mark_stopped(job, finished=False)
    assert prepare_jobdir(job) == "resume"                               # Ctrl-C / SIGTERM
    mark_stopped(job, finished=True)
    assert prepare_jobdir(job) == "fresh" and not job.exists()
