"""Listing an archive's runs from their manifests, and flagging outlets that look broken.

    newsarchive runs data/archive

Each run directory (``<archive>/runs/<run_id>/``) says what happened: ``run.json`` when it starts,
``manifest.json`` when it ends (status, counts, times). A run without a manifest is *running* while
the archive's lock is held, else *interrupted* (read only: this module never seals or changes a run).

Which outlet a run crawled, first found wins: the plan outlet a scheduled run was started for
(``NEWSARCHIVE_SCHEDULE_OUTLET`` in the manifest's options), the run's ``targets``, the targets on its
command line, the sites of its records.

Health flags, per outlet, looking at its runs newest first (named, in this order):

- ``failing``: the last run failed or was interrupted (``failing: last 3 runs failed`` when several);
- ``nothing new``: the last ``N >= STALE_MIN_RUNS`` runs that ended normally (``finished``, or
  ``limited``: stopped at a limit the user set, e.g. ``-s CLOSESPIDER_TIMEOUT``) archived no new or
  changed article, and N is more than ``STALE_FACTOR`` times the longest such dry streak earlier in
  the outlet's history (an outlet that publishes daily but is crawled hourly has dry streaks of ~20
  runs; a sudden streak well beyond that usually means the site changed its layout, its URLs or
  blocked us).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from newsarchive.archive import layout as L
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.runs import read_json
from newsarchive.timeutil import iso_or_none

STALE_MIN_RUNS = 3
STALE_FACTOR = 2.0
BAD_STATUSES = ("failed", "interrupted")
# Runs that did what they were asked (exit status 0): they count in dry streaks ("limited" runs stopped
# at a limit the user set, pipelines/store.py; not complete views of a site, but they did look).
ENDED_STATUSES = ("finished", "limited")


@dataclass
class RunSummary:
    run_id: str
    status: str                 # finished | limited | shutdown | failed | interrupted | running
    outlets: list[str]
    started_at: str | None
    finished_at: str | None
    duration_s: float | None
    new: int
    changed: int
    unchanged: int
    fetch_errors: int
    rejects: int
    finish_reason: str | None = None
    shared: bool = False        # one worker of a crawl shared through Redis
    log: str | None = None      # the scheduled run's log file, when started by `schedule run`

    @property
    def archived_new(self) -> int:
        return self.new + self.changed


@dataclass
class OutletHealth:
    outlet: str
    runs: int
    last_run: str | None
    last_status: str | None
    last_new_at: str | None     # start of the latest run that archived something new
    flags: list[str] = field(default_factory=list)


def _time(value: Any) -> datetime | None:
    return iso_or_none(value)   # a time without a zone is UTC (what the archive writes)


def _command_targets(command: Any) -> list[str]:
    """Positional arguments after `crawl` in a recorded command line (options and their values skipped)."""
    if not isinstance(command, list) or "crawl" not in command:
        return []
    args = command[command.index("crawl") + 1:]
    out, skip = [], False
    with_value = {"--archive", "--since", "--until", "--max-articles", "--province", "--kind", "--revisit",
                  "-s", "--set", "--redis"}
    for a in args:
        a = str(a)
        if skip:
            skip = False
            continue
        if a.startswith("-"):
            skip = a in with_value
            continue
        out.append(a)
    return out


def run_outlets(info: dict[str, Any]) -> list[str]:
    options = info.get("options") or {}
    if options.get("NEWSARCHIVE_SCHEDULE_OUTLET"):
        return [str(options["NEWSARCHIVE_SCHEDULE_OUTLET"])]
    targets = [str(t) for t in (info.get("targets") or []) if t]
    if targets:
        return targets
    targets = _command_targets(info.get("command"))
    if targets:
        return targets
    return sorted(str(s) for s in (info.get("sites") or {}))


def _status(root: Path, run: Path, manifest: dict[str, Any] | None) -> str:
    if manifest is not None:
        return str(manifest.get("status") or "finished")
    from newsarchive.archive.runs import lock_is_held

    return "running" if lock_is_held(root) else "interrupted"


def summarise_run(root: Path, run: Path) -> RunSummary:
    info = read_json(run / L.RUN_INFO) or {}
    manifest = read_json(run / L.MANIFEST)
    if manifest:
        info = {**info, **manifest}
    counts = info.get("counts") or {}
    stats = info.get("crawl_stats") or {}
    options = info.get("options") or {}
    started, finished = info.get("started_at"), info.get("finished_at")
    t0, t1 = _time(started), _time(finished)
    duration = (t1 - t0).total_seconds() if t0 and t1 else None
    return RunSummary(
        run_id=str(info.get("run_id") or run.name),
        status=_status(root, run, manifest),
        outlets=run_outlets(info),
        started_at=started,
        finished_at=finished,
        duration_s=round(max(duration, 0.0), 1) if duration is not None else None,
        new=int(counts.get("articles_new", 0)),
        changed=int(counts.get("articles_changed", 0)),
        unchanged=int(counts.get("articles_unchanged", 0)),
        fetch_errors=int(counts.get("fetch_errors", 0)),
        rejects=int(counts.get("rejects", 0)),
        finish_reason=info.get("finish_reason"),
        shared=bool(options.get("NEWSARCHIVE_REDIS_URL") or any(str(k).startswith("newsarchive/redis/") for k in stats)),
        log=options.get("NEWSARCHIVE_SCHEDULE_LOG"),
    )


def list_runs(root: str | Path) -> list[RunSummary]:
    """Every run of the archive, oldest first (run ids sort by start time)."""
    root = Path(root)
    if not L.is_archive(root):
        raise ArchiveError(f"{root}: not an archive (no runs/ folder); give the --archive folder of your crawls")
    out = []
    for run in L.list_run_dirs(root):
        try:
            out.append(summarise_run(root, run))
        except ArchiveError as exc:
            out.append(RunSummary(run.name, f"unreadable ({exc})", [], None, None, None, 0, 0, 0, 0, 0))
    out.sort(key=lambda r: (r.started_at or "", r.run_id))
    return out


def outlet_health(runs: list[RunSummary], stale_min_runs: int = STALE_MIN_RUNS,
                  stale_factor: float = STALE_FACTOR) -> list[OutletHealth]:
    """Health of every outlet seen in `runs` (oldest first), flags as described in the module docstring."""
    by_outlet: dict[str, list[RunSummary]] = {}
    for r in runs:
        for o in r.outlets or ["?"]:
            by_outlet.setdefault(o, []).append(r)
    out = []
    for outlet, rs in sorted(by_outlet.items()):
        done = [r for r in rs if r.status != "running"]
        last = done[-1] if done else rs[-1]
        with_new = [r for r in rs if r.archived_new > 0]
        h = OutletHealth(outlet, len(rs), last.run_id, last.status, with_new[-1].started_at if with_new else None)
        # failing: trailing failed/interrupted runs
        failed = 0
        for r in reversed(done):
            if r.status in BAD_STATUSES:
                failed += 1
            else:
                break
        if failed:
            h.flags.append("failing: last run " + last.status if failed == 1 else f"failing: last {failed} runs failed")
        # nothing new: the trailing dry streak of runs that ended normally vs the longest earlier one
        finished = [r for r in done if r.status in ENDED_STATUSES]
        streaks, current = [], 0
        for r in finished:
            if r.archived_new > 0:
                if current:
                    streaks.append(current)
                current = 0
            else:
                current += 1
        earlier = max(streaks, default=0)
        if current >= stale_min_runs and current > stale_factor * earlier:
            since = f" since {h.last_new_at}" if h.last_new_at else " ever"
            h.flags.append(f"nothing new: last {current} runs archived no new article{since}"
                           f" (longest dry spell before: {earlier} runs)")
        out.append(h)
    return out


def as_json(runs: list[RunSummary], health: list[OutletHealth]) -> dict[str, Any]:
    return {"runs": [asdict(r) for r in runs], "outlets": [asdict(h) for h in health]}


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"
