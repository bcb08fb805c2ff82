"""`newsarchive schedule`: crontab lines or systemd units for a crawl plan; init; the scheduled-run wrapper."""

from __future__ import annotations

import sys
from pathlib import Path

import click


class _DefaultToShow(click.Group):
    """`newsarchive schedule PLAN ...` means `newsarchive schedule show PLAN ...`."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["show", *args]
        return super().parse_args(ctx, args)


def _plan(path):
    from newsarchive.schedule.plan import PlanError, load_plan

    try:
        return load_plan(path)
    except PlanError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("schedule", cls=_DefaultToShow)
def schedule():
    """Run crawls regularly: crontab lines or systemd timers for a crawl plan.

    A plan is a small TOML file: which outlets, how often, which archive, where logs go
    (`newsarchive schedule init` writes a commented example). `newsarchive schedule PLAN` prints the
    crontab lines (`--format systemd`: service and timer units); `--install` installs them. Each line
    or timer runs `newsarchive schedule run PLAN OUTLET`, which takes the outlet's lock (a run that
    finds the previous one still going exits with status 75), runs the crawl and writes its log
    file; `newsarchive runs ARCHIVE` lists the runs.

    \b
    Example:
        newsarchive schedule init plan.toml
        newsarchive schedule plan.toml
        newsarchive schedule plan.toml --format systemd --install
        newsarchive schedule run plan.toml lamdongtv.vn
    """


@schedule.command("show")
@click.argument("plan", type=click.Path(dir_okay=False), default="plan.toml", required=False)
@click.option("--format", "fmt", type=click.Choice(["cron", "systemd"]), default="cron", show_default=True,
              help="crontab lines, or systemd service + timer units.")
@click.option("--install", is_flag=True,
              help="Install: merge the lines into your crontab (crontab -), or write the units and "
                   "enable the timers (systemctl daemon-reload && enable --now).")
@click.option("--unit-dir", type=click.Path(file_okay=False),
              help="With --format systemd --install: where the units go (default /etc/systemd/system "
                   "as root, else ~/.config/systemd/user).")
@click.option("--crontab-command", default="crontab", show_default=True, hidden=True)
@click.option("--systemctl-command", default="systemctl", show_default=True, hidden=True)
def show(plan, fmt, install, unit_dir, crontab_command, systemctl_command):
    """Print (or --install) the crontab lines or systemd units of a crawl plan.

    \b
    Example:
        newsarchive schedule show plan.toml --format systemd
    """
    from newsarchive.schedule.install import InstallError, install_crontab, install_systemd
    from newsarchive.schedule.render import render_crontab, render_systemd_text

    p = _plan(plan)
    if not install:
        click.echo(render_crontab(p) if fmt == "cron" else render_systemd_text(p), nl=False)
        return
    try:
        if fmt == "cron":
            install_crontab(p, crontab=crontab_command)
            click.echo(f"Installed {len(p.enabled())} crontab line(s) for {p.path} (`crontab -l` shows them).")
        else:
            done = install_systemd(p, Path(unit_dir) if unit_dir else None, systemctl=systemctl_command)
            user = " --user" if done.user else ""
            click.echo(f"Wrote {len(done.written)} unit(s) to {done.unit_dir}; enabled {len(done.timers)} timer(s).")
            for name in done.removed:
                click.echo(f"Removed {name} (no longer in the plan).")
            click.echo(f"`systemctl{user} list-timers 'newsarchive-*'` shows when they run next.")
    except InstallError as exc:
        raise click.ClickException(str(exc)) from None


@schedule.command("init")
@click.argument("path", type=click.Path(dir_okay=False), default="plan.toml", required=False)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path, force):
    """Write a commented example crawl plan to PATH (default plan.toml).

    \b
    Example:
        newsarchive schedule init plan.toml
    """
    from newsarchive.schedule.plan import EXAMPLE_PLAN

    target = Path(path)
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; use --force to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(EXAMPLE_PLAN, "utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {target}: {exc.strerror or exc}") from None
    click.echo(f"Wrote {target}; edit it, then `newsarchive schedule {target}` shows the crontab lines.")


@schedule.command("run")
@click.argument("plan", type=click.Path(dir_okay=False))
@click.argument("outlet")
def run(plan, outlet):
    """Run one scheduled crawl of OUTLET from PLAN (what the crontab line or timer runs).

    Takes the outlet's lock in its archive; if another run holds it, says who and exits with status
    75 (EX_TEMPFAIL). A lock left by a killed run is free again (flock locks die with their process).
    The crawl's output goes to <logs>/<outlet>/<UTC start time>.log; the exit status is the crawl's.

    \b
    Example:
        newsarchive schedule run plan.toml lamdongtv.vn
    """
    from newsarchive.schedule.plan import PlanError
    from newsarchive.schedule.run import run_scheduled

    p = _plan(plan)
    try:
        status = run_scheduled(p, outlet, echo=lambda msg: click.echo(msg, err=True))
    except PlanError as exc:
        raise click.ClickException(str(exc)) from None
    sys.exit(status)
