"""The scheduled-run wrapper: what a cron line or a systemd timer runs for one outlet of a plan.

    newsarchive schedule run PLAN OUTLET

1. takes the outlet's lock in its archive (`newsarchive.schedule.lock`); held -> message, exit 75;
2. opens the run's log file, ``<logs>/<outlet>/<UTC start>.log``;
3. runs ``newsarchive crawl OUTLET --archive ARCHIVE [args] [--redis URL]`` as a child process (same
   Python), its output appended to the log, SIGTERM/SIGINT/SIGHUP passed on to it. The child runs in a
   session (and process group) of its own, so a signal sent to the wrapper's process group (Ctrl-C in
   a terminal, ``kill -TERM -PGID``) reaches the crawl once, through the wrapper, not twice (Scrapy
   takes a second SIGTERM/SIGINT as "stop now, uncleanly"); a second signal the wrapper receives is
   passed on too, and then does force the crawl to stop. The systemd units use ``KillMode=mixed`` for
   the same reason: systemd signals the wrapper alone first, and kills what is left only after
   ``TimeoutStopSec``;
4. writes a last log line with the exit status, the duration and the run ids the crawl created
   (their manifests are in ``<archive>/runs/<run id>/``), and exits with the crawl's status.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from newsarchive.schedule.lock import EX_TEMPFAIL, LockHeld, OutletLock
from newsarchive.schedule.plan import OutletPlan, Plan

CLI = "from newsarchive.cli import run; run()"


def crawl_command(plan: Plan, o: OutletPlan, log: Path) -> list[str]:
    cmd = [sys.executable, "-c", CLI, "crawl", o.name, "--archive", str(plan.archive_for(o)), *o.args,
           "-s", f"NEWSARCHIVE_SCHEDULE_PLAN={plan.path}",
           "-s", f"NEWSARCHIVE_SCHEDULE_OUTLET={o.name}",
           "-s", f"NEWSARCHIVE_SCHEDULE_LOG={log}"]
    if o.redis:
        cmd += ["--redis", o.redis]
    return cmd


def _run_ids(archive: Path) -> set[str]:
    runs = archive / "runs"
    return {p.name for p in runs.iterdir() if p.is_dir()} if runs.is_dir() else set()


def log_path(plan: Plan, o: OutletPlan, started: datetime) -> Path:
    return plan.logs / o.slug / (started.strftime("%Y%m%dT%H%M%SZ") + ".log")


def run_scheduled(plan: Plan, outlet: str, echo: Callable[[str], None] = print,
                  command: list[str] | None = None) -> int:
    """Run one scheduled crawl of `outlet`; returns the exit status (75 when its lock is held)."""
    o = plan.outlet(outlet)
    archive = plan.archive_for(o)
    lock = OutletLock(archive, o.name)
    try:
        lock.acquire()
    except LockHeld as exc:
        echo(f"newsarchive schedule run: {exc}")
        return EX_TEMPFAIL
    try:
        started = datetime.now(timezone.utc)
        log = log_path(plan, o, started)
        log.parent.mkdir(parents=True, exist_ok=True)
        before = _run_ids(archive)
        cmd = command or crawl_command(plan, o, log)
        env = {**os.environ, **plan.environment, "PYTHONUNBUFFERED": "1"}
        t0 = time.monotonic()
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"# newsarchive schedule run: outlet {o.name}, plan {plan.path}, archive {archive}, "
                     f"wrapper pid {os.getpid()}, started {started.isoformat(timespec='seconds')}\n"
                     f"# command: {' '.join(cmd)}\n")
            fh.flush()
            # its own session: signals for the wrapper's process group do not reach it directly
            proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=plan.workdir, env=env,
                                    pass_fds=(lock.fd,), start_new_session=True)
            previous = {}

            def forward(signum, frame):
                # each signal the wrapper receives reaches the crawl exactly once
                if proc.poll() is None:
                    proc.send_signal(signum)

            if threading.current_thread() is threading.main_thread():  # handlers only work there
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                    previous[sig] = signal.signal(sig, forward)
            try:
                status = proc.wait()
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
            if status < 0:
                status = 128 - status  # killed by a signal: the shell's convention
            new_runs = sorted(_run_ids(archive) - before)
            fh.write(f"# exit status {status} after {time.monotonic() - t0:.0f} s; "
                     f"runs: {', '.join(new_runs) or 'none'}\n")
        echo(f"newsarchive schedule run: {o.name}: exit status {status}; log {log}")
        return status
    finally:
        lock.release()
