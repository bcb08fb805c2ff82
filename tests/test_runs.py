"""`newsarchive runs`: runs listed from their manifests; outlets flagged when their last runs failed or
archived nothing new for unusually long. Run directories are written in the archive's run format
(run.json at the start, manifest.json at the end)."""

from __future__ import annotations

import fcntl
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from click.testing import CliRunner

from newsarchive.cli import main
from newsarchive.runs import format_duration, list_runs, outlet_health

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc)


def make_run(root: Path, n: int, outlet: str, *, new: int = 0, changed: int = 0, status: str | None = "finished",
             minutes: int = 5, unchanged: int = 0, errors: int = 0, via: str = "schedule") -> str:
    """Run number n (hours after T0) of `outlet`; status None = no manifest (killed)."""
    start = T0 + timedelta(hours=n)
    run_id = start.strftime("%Y%m%dT%H%M%SZ") + f"-{n:04x}"
    d = root / "runs" / run_id
    d.mkdir(parents=True)
    options = {"ARCHIVE_DIR": str(root)}
    info = {"format": "newsarchive-run/1", "run_id": run_id, "kind": "crawl", "started_at": start.isoformat(),
            "command": ["newsarchive", "crawl", outlet, "--archive", str(root), "-s", "X=1"],
            "options": options, "targets": []}
    if via == "schedule":
        options["NEWSARCHIVE_SCHEDULE_OUTLET"] = outlet
    (d / "run.json").write_text(json.dumps(info))
    if status is not None:
        counts = {"articles_new": new, "articles_changed": changed, "articles_unchanged": unchanged,
                  "fetch_errors": errors}
        manifest = {**info, "status": status, "complete": status == "finished",
                    "finished_at": (start + timedelta(minutes=minutes)).isoformat(), "finish_reason": status,
                    "counts": {k: v for k, v in counts.items() if v}, "sites": {outlet: new + changed},
                    "crawl_stats": {}, "files": {}}
        (d / "manifest.json").write_text(json.dumps(manifest))
    return run_id


def test_runs_are_listed_with_outcome_counts_and_duration(tmp_path):
    make_run(tmp_path, 0, "a.vn", new=12, unchanged=3, minutes=90)
    make_run(tmp_path, 1, "b.vn", via="command", new=1, errors=2, minutes=1)
    killed = make_run(tmp_path, 2, "a.vn", status=None)
    runs = list_runs(tmp_path)
    assert [r.outlets for r in runs] == [["a.vn"], ["b.vn"], ["a.vn"]]
    assert (runs[0].status, runs[0].new, runs[0].unchanged, runs[0].duration_s) == ("finished", 12, 3, 5400.0)
    assert (runs[1].fetch_errors, runs[1].duration_s) == (2, 60.0)
    assert runs[2].run_id == killed and runs[2].status == "interrupted" and runs[2].duration_s is None

    res = CliRunner().invoke(main, ["runs", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "1h30m" in res.output and "interrupted" in res.output and "b.vn" in res.output


def test_a_run_without_manifest_is_running_while_the_archive_lock_is_held(tmp_path):
    make_run(tmp_path, 0, "a.vn", status=None)
    with open(tmp_path / ".lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        assert list_runs(tmp_path)[0].status == "running"
    assert list_runs(tmp_path)[0].status == "interrupted"


def test_outlet_whose_last_runs_failed_is_flagged(tmp_path):
    make_run(tmp_path, 0, "a.vn", new=5)
    make_run(tmp_path, 1, "a.vn", status="failed")
    make_run(tmp_path, 2, "a.vn", status=None)
    make_run(tmp_path, 3, "b.vn", status="failed")
    make_run(tmp_path, 4, "b.vn", new=1)
    health = {h.outlet: h for h in outlet_health(list_runs(tmp_path))}
    assert health["a.vn"].flags == ["failing: last 2 runs failed"]
    assert health["b.vn"].flags == [], "an outlet that recovered is not flagged"


def test_nothing_new_for_unusually_long_is_flagged(tmp_path):
    # a.vn: usually one dry run between runs with news, now 5 dry runs in a row -> flagged
    n = 0
    for new in (3, 0, 2, 0, 4, 0, 0, 0, 0, 0):
        make_run(tmp_path, n, "a.vn", new=new)
        n += 1
    # b.vn: often 4 dry runs in a row (a slow outlet crawled often): 4 now is normal
    for new in (1, 0, 0, 0, 0, 2, 0, 0, 0, 0):
        make_run(tmp_path, n, "b.vn", new=new)
        n += 1
    # c.vn: only changed articles count too
    for new, changed in ((1, 0), (0, 0), (0, 1), (0, 0)):
        make_run(tmp_path, n, "c.vn", new=new, changed=changed)
        n += 1
    health = {h.outlet: h for h in outlet_health(list_runs(tmp_path))}
    [flag] = health["a.vn"].flags
    assert flag.startswith("nothing new: last 5 runs archived no new article since 2026-03-01T04:00:00")
    assert "longest dry spell before: 1 runs" in flag
    assert health["b.vn"].flags == [] and health["c.vn"].flags == []

    res = CliRunner().invoke(main, ["runs", str(tmp_path)])
    assert "Outlets to look at:" in res.output and "a.vn: nothing new: last 5 runs" in res.output
    res = CliRunner().invoke(main, ["runs", str(tmp_path), "--json", "--outlet", "a.vn"])
    data = json.loads(res.output)
    assert {r["outlets"][0] for r in data["runs"]} == {"a.vn"} and len(data["runs"]) == 10
    assert data["outlets"][0]["flags"] == [flag]


def test_runs_stopped_at_a_limit_the_user_set_are_not_failures_and_count_in_dry_streaks(tmp_path):
    """A "limited" run (-s CLOSESPIDER_TIMEOUT=..., --max-articles; exit status 0) did what it was asked."""
    make_run(tmp_path, 0, "a.vn", new=4)
    for n in range(1, 4):
        make_run(tmp_path, n, "a.vn", status="limited")
    make_run(tmp_path, 4, "b.vn", status="failed")
    make_run(tmp_path, 5, "b.vn", status="limited", new=2)
    health = {h.outlet: h for h in outlet_health(list_runs(tmp_path))}
    [flag] = health["a.vn"].flags
    assert flag.startswith("nothing new: last 3 runs"), flag
    assert health["b.vn"].flags == [], "a limited run after a failed one: the outlet recovered"


def test_an_outlet_that_never_archived_anything_is_flagged(tmp_path):
    for n in range(3):
        make_run(tmp_path, n, "a.vn")
    [h] = outlet_health(list_runs(tmp_path))
    assert h.flags and "nothing new: last 3 runs" in h.flags[0] and h.flags[0].endswith("(longest dry spell before: 0 runs)")


def test_runs_of_a_folder_that_is_not_an_archive_is_a_clear_error(tmp_path):
    res = CliRunner().invoke(main, ["runs", str(tmp_path / "nothing")])
    assert res.exit_code == 1 and "not an archive" in res.output and "Traceback" not in res.output


def test_empty_archive(tmp_path):
    (tmp_path / "runs").mkdir()
    res = CliRunner().invoke(main, ["runs", str(tmp_path)])
    assert res.exit_code == 0 and "No runs" in res.output


def test_format_duration():
    assert [format_duration(s) for s in (None, 4.4, 75, 3725)] == ["-", "4s", "1m15s", "1h02m"]


def test_a_run_with_a_zoneless_start_and_a_utc_finish_has_a_duration(tmp_path):
    """Timestamps without a zone are UTC, as everywhere the archive's times are read (one parser)."""
    run_id = make_run(tmp_path, 0, "a.vn", minutes=30)
    for name, key, value in (("run.json", "started_at", "2026-03-01T00:00:00"),
                             ("manifest.json", "started_at", "2026-03-01T00:00:00"),
                             ("manifest.json", "finished_at", "2026-03-01T00:30:00Z")):
        path = tmp_path / "runs" / run_id / name
        data = json.loads(path.read_text())
        data[key] = value
        path.write_text(json.dumps(data))
    [run] = list_runs(tmp_path)
    assert run.duration_s == 1800.0
