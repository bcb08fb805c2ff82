"""Scheduled crawls: plan files (plan.py), crontab/systemd rendering (render.py) and installing
(install.py), the per-outlet lock (lock.py) and the wrapper a scheduler runs (run.py)."""

from newsarchive.schedule.lock import EX_TEMPFAIL, LockHeld, OutletLock
from newsarchive.schedule.plan import EXAMPLE_PLAN, Plan, PlanError, load_plan, parse_every
from newsarchive.schedule.render import render_crontab, render_systemd, render_systemd_text

__all__ = ["EX_TEMPFAIL", "EXAMPLE_PLAN", "LockHeld", "OutletLock", "Plan", "PlanError", "load_plan",
           "parse_every", "render_crontab", "render_systemd", "render_systemd_text"]
