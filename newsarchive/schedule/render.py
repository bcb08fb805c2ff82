"""Rendering a plan as crontab lines or as systemd service + timer units (text only; see install.py)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from newsarchive.schedule.plan import OutletPlan, Plan

BEGIN = "# BEGIN newsarchive plan "
END = "# END newsarchive plan "


def cron_schedule(o: OutletPlan) -> str:
    """The five cron time fields of an outlet's runs."""
    n, m, h = o.every.count, o.minute, o.hour
    if o.every.unit == "m":
        return "* * * * *" if n == 1 else f"{m}-59/{n} * * * *"
    if o.every.unit == "h":
        return f"{m} * * * *" if n == 1 else f"{m} {h}-23/{n} * * *"
    return f"{m} {h} * * *" if n == 1 else f"{m} {h} */{n} * *"


def on_calendar(o: OutletPlan) -> str:
    """systemd.time(7) OnCalendar= expression of an outlet's runs."""
    n, m, h = o.every.count, o.minute, o.hour
    if o.every.unit == "m":
        return f"*-*-* *:{m:02d}/{n}:00"
    if o.every.unit == "h":
        return f"*-*-* {h:02d}/{n}:{m:02d}:00"
    return f"*-*-* {h:02d}:{m:02d}:00" if n == 1 else f"*-*-01/{n} {h:02d}:{m:02d}:00"


def run_command(plan: Plan, o: OutletPlan) -> list[str]:
    """The command a cron line or a timer runs for one outlet (the scheduled-run wrapper)."""
    return [plan.newsarchive, "schedule", "run", str(plan.path), o.name]


def _cron_escape(text: str) -> str:
    return text.replace("%", r"\%")  # cron turns an unescaped % into a newline


def block_markers(plan: Plan) -> tuple[str, str]:
    return BEGIN + str(plan.path), END + str(plan.path)


def render_crontab(plan: Plan) -> str:
    """The crontab block of a plan (between BEGIN/END marker lines, so --install can replace it)."""
    begin, end = block_markers(plan)
    lines = [begin + "  (written by `newsarchive schedule`; edit the plan and re-install, not these lines)"]
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in plan.environment.items())
    fallback_log = plan.logs / "schedule.log"   # only what happens before a run opens its own log
    for o in plan.outlets:
        cmd = " ".join(shlex.quote(a) for a in run_command(plan, o))
        line = (f"{cron_schedule(o)} cd {shlex.quote(str(plan.workdir))} && "
                f"{env + ' ' if env else ''}{cmd} >> {shlex.quote(str(fallback_log))} 2>&1")
        lines.append(f"# {o.name}: every {o.every}")
        lines.append(_cron_escape(line) if o.enabled else "# (disabled) " + _cron_escape(line))
    lines.append(end)
    return "\n".join(lines) + "\n"


@dataclass
class Unit:
    name: str   # file name, e.g. newsarchive-plan-lamdongtv.vn.service
    text: str


def unit_base(plan: Plan, o: OutletPlan) -> str:
    return f"newsarchive-{plan.slug}-{o.slug}"


def _systemd_quote(arg: str) -> str:
    if arg and all(c.isalnum() or c in "/._-:=+,@" for c in arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_systemd(plan: Plan) -> list[Unit]:
    """A oneshot .service and a .timer per enabled outlet.

    systemd never starts a oneshot service that is still running, so a timer cannot overlap runs by
    itself; the wrapper's lock also covers manual and cron runs. Exit status 75 (another run held the
    lock) counts as success. ``Persistent=true`` runs a missed crawl after the machine was off.
    ``KillMode=mixed`` stops a run with SIGTERM to the wrapper alone (the crawl gets it once, through the
    wrapper, and shuts down cleanly) and kills what is left after ``TimeoutStopSec``.
    """
    units: list[Unit] = []
    for o in plan.enabled():
        base = unit_base(plan, o)
        exec_start = " ".join(_systemd_quote(a) for a in run_command(plan, o))
        env = "".join(f"Environment={_systemd_quote(f'{k}={v}')}\n" for k, v in plan.environment.items())
        service = (
            "[Unit]\n"
            f"Description=newsarchive: crawl {o.name} (plan {plan.path})\n"
            "Wants=network-online.target\n"
            "After=network-online.target\n"
            "\n"
            "[Service]\n"
            "Type=oneshot\n"
            f"WorkingDirectory={plan.workdir}\n"
            f"{env}"
            f"ExecStart={exec_start}\n"
            "SuccessExitStatus=75\n"
            "Nice=10\n"
            "IOSchedulingClass=idle\n"
            "KillSignal=SIGTERM\n"
            # SIGTERM to the wrapper alone (it passes it on to the crawl once); whatever is still
            # running after TimeoutStopSec is killed
            "KillMode=mixed\n"
            "TimeoutStopSec=120\n"
        )
        timer = (
            "[Unit]\n"
            f"Description=newsarchive: crawl {o.name} every {o.every} (plan {plan.path})\n"
            "\n"
            "[Timer]\n"
            f"OnCalendar={on_calendar(o)}\n"
            "Persistent=true\n"
            f"Unit={base}.service\n"
            "\n"
            "[Install]\n"
            "WantedBy=timers.target\n"
        )
        units += [Unit(base + ".service", service), Unit(base + ".timer", timer)]
    return units


def render_systemd_text(plan: Plan) -> str:
    return "\n".join(f"# --- {u.name} ---\n{u.text}" for u in render_systemd(plan))
