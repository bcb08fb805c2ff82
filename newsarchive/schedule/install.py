"""Installing a plan: a marked block merged into the user's crontab, or systemd units + enabled timers.

Crontab: ``crontab -l`` is read (no crontab yet is fine), the block of this plan (between its BEGIN
and END marker lines) is replaced or appended, everything else is kept as it was, and the result is
written back with ``crontab -``. Installing twice changes nothing.

systemd: units go to ``/etc/systemd/system`` when run as root, else ``~/.config/systemd/user``
(``systemctl --user``; ``loginctl enable-linger USER`` lets user timers run while logged out);
units of this plan that are no longer in it are disabled and removed; then
``systemctl daemon-reload`` and ``systemctl enable --now`` the timers.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from newsarchive.schedule.plan import Plan
from newsarchive.schedule.render import block_markers, render_crontab, render_systemd


class InstallError(RuntimeError):
    """Installing failed (crontab/systemctl missing or refusing): a one-line message."""


def _run(cmd: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise InstallError(f"`{cmd[0]}` is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise InstallError(f"`{' '.join(cmd)}` did not answer within 60 s") from None


def is_marker(line: str, marker: str) -> bool:
    """`line` is this marker line: exactly the marker, or the marker and its two-space comment, so the
    block of plan /x/plan.toml is never taken for that of /x/plan.toml.old (a prefix of it)."""
    line = line.rstrip()
    return line == marker or line.startswith(marker + "  (")


def merge_block(current: str, plan: Plan, block: str) -> str:
    """`current` crontab text with this plan's block replaced (or appended); other lines untouched."""
    begin, end = block_markers(plan)
    out: list[str] = []
    inside = False
    replaced = False
    for line in current.splitlines():
        if is_marker(line, begin):
            inside = True
            if not replaced:
                out.extend(block.rstrip("\n").splitlines())
                replaced = True
            continue
        if inside:
            if is_marker(line, end):
                inside = False
            continue
        out.append(line)
    if inside:
        raise InstallError(f"the crontab has a BEGIN line for {plan.path} without its END line; fix it with `crontab -e`")
    if not replaced:
        if out and out[-1].strip():
            out.append("")
        out.extend(block.rstrip("\n").splitlines())
    return "\n".join(out) + "\n"


def install_crontab(plan: Plan, crontab: str = "crontab") -> str:
    """Merge the plan's block into the user's crontab; returns the new crontab text."""
    listed = _run([crontab, "-l"])
    current = listed.stdout if listed.returncode == 0 else ""  # "no crontab for USER" exits 1
    if listed.returncode != 0 and "no crontab" not in (listed.stderr or "").lower():
        raise InstallError(f"`{crontab} -l` failed: {(listed.stderr or '').strip() or listed.returncode}")
    new = merge_block(current, plan, render_crontab(plan))
    written = _run([crontab, "-"], stdin=new)
    if written.returncode != 0:
        raise InstallError(f"`{crontab} -` refused the new crontab: {(written.stderr or '').strip()}")
    return new


def default_unit_dir() -> tuple[Path, bool]:
    """(directory, user?) for systemd units: the system's when root, else the user's."""
    if os.geteuid() == 0:
        return Path("/etc/systemd/system"), False
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "systemd" / "user", True


def _unit_of(path: Path, plan: Plan) -> bool:
    """The unit file was written for this plan: its Description names the plan's path exactly (a unit of
    plan a-b.toml also starts with "newsarchive-a-", the prefix of plan a.toml's units)."""
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return False
    return any(line.startswith("Description=") and line.rstrip().endswith(f"(plan {plan.path})")
               for line in text.splitlines())


@dataclass
class SystemdInstall:
    unit_dir: Path
    user: bool
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    timers: list[str] = field(default_factory=list)


def install_systemd(plan: Plan, unit_dir: Path | None = None, user: bool | None = None,
                    systemctl: str = "systemctl") -> SystemdInstall:
    d_dir, d_user = default_unit_dir()
    unit_dir = Path(unit_dir) if unit_dir else d_dir
    user = d_user if user is None else user
    result = SystemdInstall(unit_dir, user)
    units = render_systemd(plan)
    try:
        unit_dir.mkdir(parents=True, exist_ok=True)
        keep = {u.name for u in units}
        prefix = f"newsarchive-{plan.slug}-"
        stale = sorted(p for p in unit_dir.glob(prefix + "*")
                       if p.suffix in (".service", ".timer") and p.name not in keep and _unit_of(p, plan))
        for u in units:
            path = unit_dir / u.name
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(u.text, "utf-8")
            os.replace(tmp, path)
            result.written.append(str(path))
    except OSError as exc:
        raise InstallError(f"cannot write units to {unit_dir}: {exc.strerror or exc}") from None
    base = [systemctl] + (["--user"] if user else [])
    stale_timers = [p.name for p in stale if p.suffix == ".timer"]
    if stale_timers:
        _run(base + ["disable", "--now", *stale_timers])  # best effort: the files go anyway
    for p in stale:
        p.unlink(missing_ok=True)
        result.removed.append(str(p))
    for cmd in (base + ["daemon-reload"],):
        done = _run(cmd)
        if done.returncode != 0:
            raise InstallError(f"`{' '.join(cmd)}` failed: {(done.stderr or '').strip()}")
    timers = [u.name for u in units if u.name.endswith(".timer")]
    if timers:
        cmd = base + ["enable", "--now", *timers]
        done = _run(cmd)
        if done.returncode != 0:
            raise InstallError(f"`{' '.join(cmd)}` failed: {(done.stderr or '').strip()}")
    result.timers = timers
    return result
