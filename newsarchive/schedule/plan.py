"""Crawl plans: a small TOML file saying which outlets to crawl, how often, into which archive, logs where.

    newsarchive schedule init plan.toml      # writes the commented example below
    newsarchive schedule plan.toml           # prints the crontab lines (or --format systemd)

Parsed with the standard library's ``tomllib``. Every problem is a `PlanError` naming the file and
the entry, never a traceback. Relative paths in a plan are relative to the plan's ``workdir``
(default: the folder holding the plan file).
"""

from __future__ import annotations

import re
import shutil
import sys
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLE_PLAN = '''\
# newsarchive crawl plan: which outlets to crawl, how often, into which archive, logs where.
#   newsarchive schedule PLAN                      print the crontab lines
#   newsarchive schedule PLAN --format systemd     print systemd service + timer units
#   newsarchive schedule PLAN --install            install them (crontab, or systemd with --format systemd)
# Relative paths are relative to `workdir` (default: the folder of this file).

# Where every run of this plan archives (one archive holds every outlet; see `newsarchive runs`).
archive = "data/archive"

# Where each scheduled run writes its log: <logs>/<outlet>/<UTC start time>.log
logs = "data/logs"

# The newsarchive command the scheduler runs (default: the one that rendered the plan).
# newsarchive = "/srv/newsarchive/.venv/bin/newsarchive"

# Working directory of the scheduled runs (default: the folder of this file).
# workdir = "/srv/newsarchive"

# Environment of the scheduled runs (proxies, locale, ...).
# [environment]
# HTTPS_PROXY = "http://proxy.example:3128"

# Defaults for every outlet below (each outlet may override any of them).
[defaults]
every = "6h"        # how often: "30m" (divides an hour), "6h" (divides a day), "1d", "7d"
# minute = 15       # minute of the hour the runs start (default: spread per outlet, stable)
# hour = 2          # hour of the day, for "1d"/"Nd" (default: spread per outlet, stable)
# args = ["--revisit", "1d=0,7d=1d"]   # extra `newsarchive crawl` options
# redis = "redis://queue-host:6379/0"  # crawl as one worker of a shared crawl (docs/scaling.md)

# One [[outlet]] table per outlet: `name` is a registry name or domain (`newsarchive sites`) or a URL.
[[outlet]]
name = "lamdongtv.vn"
every = "4h"

[[outlet]]
name = "baolamdong.vn"
every = "1d"
hour = 3
# enabled = false   # keep the entry, schedule nothing
'''

UNITS = {"m": 60, "h": 3600, "d": 86400}


class PlanError(ValueError):
    """A plan file that cannot be used: the message names the file and the entry."""


@dataclass(frozen=True)
class Every:
    """How often an outlet is crawled: `count` minutes, hours or days."""

    count: int
    unit: str  # "m" | "h" | "d"

    @property
    def seconds(self) -> int:
        return self.count * UNITS[self.unit]

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


def parse_every(text: Any) -> Every:
    """"30m", "6h", "1d", "7d" -> Every; ValueError with a hint otherwise.

    Minutes must divide an hour and hours a day, so every run is the same distance from the last
    (cron's ``*/7`` restarts at each hour, which would give uneven gaps).
    """
    m = re.fullmatch(r"\s*(\d+)\s*(m|min|h|d)\s*", str(text))
    if not m:
        raise ValueError(f"every = {text!r}: use minutes, hours or days, e.g. \"30m\", \"6h\", \"1d\"")
    count, unit = int(m.group(1)), m.group(2)[0]
    if count <= 0:
        raise ValueError(f"every = {text!r}: must be more than zero")
    if unit == "m" and (count >= 60 or 60 % count):
        raise ValueError(f"every = {text!r}: minutes must divide an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30); "
                         "use hours for longer")
    if unit == "h" and (count >= 24 or 24 % count):
        raise ValueError(f"every = {text!r}: hours must divide a day (1, 2, 3, 4, 6, 8, 12); use days for longer")
    if unit == "d" and count > 28:
        raise ValueError(f"every = {text!r}: at most 28 days")
    return Every(count, unit)


def spread(name: str, modulo: int) -> int:
    """A stable pseudo-random offset for `name` in [0, modulo): outlets do not all start at :00."""
    return zlib.crc32(name.encode("utf-8")) % modulo


def slug(text: str) -> str:
    """A file- and unit-name-safe form of an outlet name or URL."""
    text = re.sub(r"^[a-z]+://", "", text.strip().lower())
    s = re.sub(r"[^a-z0-9.]+", "-", text).strip("-.")
    return s[:80] or "outlet"


@dataclass
class OutletPlan:
    name: str
    every: Every
    minute: int
    hour: int
    args: list[str] = field(default_factory=list)
    redis: str | None = None
    archive: Path | None = None
    enabled: bool = True

    @property
    def slug(self) -> str:
        return slug(self.name)


@dataclass
class Plan:
    path: Path
    archive: Path
    logs: Path
    workdir: Path
    newsarchive: str
    environment: dict[str, str]
    outlets: list[OutletPlan]

    @property
    def slug(self) -> str:
        """Names this plan's units and crontab block (from the plan file's name)."""
        return slug(self.path.stem)

    def outlet(self, name: str) -> OutletPlan:
        for o in self.outlets:
            if name in (o.name, o.slug):
                return o
        known = ", ".join(o.name for o in self.outlets) or "none"
        raise PlanError(f"{self.path}: no outlet {name!r} in the plan (outlets: {known})")

    def archive_for(self, outlet: OutletPlan) -> Path:
        return outlet.archive or self.archive

    def enabled(self) -> list[OutletPlan]:
        return [o for o in self.outlets if o.enabled]


def default_newsarchive() -> str:
    """The newsarchive executable to schedule: next to this Python (the venv's), else on PATH."""
    here = Path(sys.executable).parent / "newsarchive"
    if here.exists():
        return str(here)
    return shutil.which("newsarchive") or "newsarchive"


def _path(base: Path, value: Any, where: str) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise PlanError(f"{where}: expected a path (text)")
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


def _int(value: Any, lo: int, hi: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise PlanError(f"{where}: expected a whole number from {lo} to {hi}, got {value!r}")
    return value


OUTLET_KEYS = {"name", "every", "minute", "hour", "args", "redis", "archive", "enabled"}
TOP_KEYS = {"archive", "logs", "workdir", "newsarchive", "environment", "defaults", "outlet"}


def load_plan(path: str | Path) -> Plan:
    """Read and check a plan file; PlanError (one clear line) on any problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file (`newsarchive schedule init {path}` writes an example)") from None
    except OSError as exc:
        raise PlanError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise PlanError(f"{path}: not UTF-8 text") from None
    return plan_from_dict(data, path)


def plan_from_dict(data: dict[str, Any], path: Path) -> Plan:
    path = Path(path).absolute()
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise PlanError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(TOP_KEYS))})")
    workdir = _path(path.parent, data["workdir"], f"{path}: workdir") if "workdir" in data else path.parent
    archive = _path(workdir, data.get("archive", "data/archive"), f"{path}: archive")
    logs = _path(workdir, data.get("logs", "data/logs"), f"{path}: logs")
    newsarchive = data.get("newsarchive") or default_newsarchive()
    env = data.get("environment") or {}
    if not isinstance(env, dict) or not all(isinstance(v, (str, int, float)) for v in env.values()):
        raise PlanError(f"{path}: [environment] holds NAME = \"value\" lines")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise PlanError(f"{path}: [defaults] must be a table")
    bad = set(defaults) - (OUTLET_KEYS - {"name"})
    if bad:
        raise PlanError(f"{path}: [defaults]: unknown setting(s) {', '.join(sorted(bad))}")
    entries = data.get("outlet") or []
    if not isinstance(entries, list) or not entries:
        raise PlanError(f"{path}: no [[outlet]] entries (each needs at least name = \"...\")")
    outlets: list[OutletPlan] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        where = f"{path}: outlet #{i}"
        if not isinstance(entry, dict):
            raise PlanError(f"{where}: must be a table")
        bad = set(entry) - OUTLET_KEYS
        if bad:
            raise PlanError(f"{where}: unknown setting(s) {', '.join(sorted(bad))} (known: {', '.join(sorted(OUTLET_KEYS))})")
        merged = {**defaults, **entry}
        name = merged.get("name")
        if not isinstance(name, str) or not name.strip():
            raise PlanError(f"{where}: needs name = \"<registry name, domain or URL>\"")
        name = name.strip()
        where = f"{path}: outlet {name!r}"
        if slug(name) in seen:
            raise PlanError(f"{where}: listed twice")
        seen.add(slug(name))
        try:
            every = parse_every(merged.get("every", "6h"))
        except ValueError as exc:
            raise PlanError(f"{where}: {exc}") from None
        minute = _int(merged["minute"], 0, 59, f"{where}: minute") if "minute" in merged else spread(name, 60)
        if every.unit == "m":
            minute %= every.count  # the first run of the hour
        hour = _int(merged["hour"], 0, 23, f"{where}: hour") if "hour" in merged else spread(name + "/h", 24)
        if every.unit == "h":
            hour %= every.count
        args = merged.get("args", [])
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise PlanError(f"{where}: args is a list of strings, e.g. [\"--revisit\", \"1d=0\"]")
        redis = merged.get("redis")
        if redis is not None:
            from newsarchive.distributed import check_redis_url

            try:
                check_redis_url(redis)
            except ValueError as exc:
                raise PlanError(f"{where}: {exc}") from None
        outlet_archive = _path(workdir, merged["archive"], f"{where}: archive") if "archive" in merged else None
        enabled = merged.get("enabled", True)
        if not isinstance(enabled, bool):
            raise PlanError(f"{where}: enabled is true or false")
        outlets.append(OutletPlan(name, every, minute, hour, list(args), redis, outlet_archive, enabled))
    return Plan(path, archive, logs, workdir, str(newsarchive), {str(k): str(v) for k, v in env.items()}, outlets)
