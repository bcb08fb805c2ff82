"""Crawl plans, crontab/systemd rendering and installing, the per-outlet lock, the scheduled-run wrapper.

Nothing here touches the real crontab or systemd: installing runs fake `crontab` / `systemctl`
commands put first on PATH, and units go to a temporary directory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive.cli import main
from newsarchive.schedule import EX_TEMPFAIL, EXAMPLE_PLAN, LockHeld, OutletLock, PlanError, load_plan, parse_every
from newsarchive.schedule.install import merge_block
from newsarchive.schedule.lock import lock_path, read_holder
from newsarchive.schedule.render import cron_schedule, on_calendar, render_crontab, render_systemd
from newsarchive.schedule.run import run_scheduled

ROOT = Path(__file__).parent.parent


def write_plan(tmp_path: Path, body: str, name: str = "plan.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), "utf-8")
    return path


# --- plans ------------------------------------------------------------------------------------


def test_the_example_plan_is_valid_and_commented(tmp_path):
    res = CliRunner().invoke(main, ["schedule", "init", str(tmp_path / "plan.toml")])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "plan.toml").read_text("utf-8")
    assert text == EXAMPLE_PLAN and text.count("#") > 10
    plan = load_plan(tmp_path / "plan.toml")
    assert [o.name for o in plan.outlets] == ["lamdongtv.vn", "baolamdong.vn"]
    assert str(plan.outlets[0].every) == "4h" and plan.outlets[1].hour == 3
    assert plan.archive == tmp_path / "data/archive" and plan.logs == tmp_path / "data/logs"
    # init never overwrites silently
    res = CliRunner().invoke(main, ["schedule", "init", str(tmp_path / "plan.toml")])
    assert res.exit_code == 1 and "--force" in res.output


@pytest.mark.parametrize("text,fields", [
    ("30m", (30, "m")), ("15 m", (15, "m")), ("6h", (6, "h")), ("1d", (1, "d")), ("7d", (7, "d")),
])
def test_every_accepts_even_intervals(text, fields):
    every = parse_every(text)
    assert (every.count, every.unit) == fields


@pytest.mark.parametrize("text,hint", [
    ("7m", "divide an hour"), ("5h", "divide a day"), ("0h", "more than zero"), ("daily", "e.g."), ("40d", "28"),
])
def test_every_refuses_uneven_or_unknown_intervals(text, hint):
    with pytest.raises(ValueError, match=hint):
        parse_every(text)


@pytest.mark.parametrize("body,message", [
    ("archive = 'a'\n", "no [[outlet]]"),
    ("[[outlet]]\nevery = '1h'\n", "needs name"),
    ("[[outlet]]\nname = 'a.vn'\nevery = '7m'\n", "outlet 'a.vn': every = '7m'"),
    ("[[outlet]]\nname = 'a.vn'\nspeed = 1\n", "unknown setting(s) speed"),
    ("[[outlet]]\nname = 'a.vn'\n[[outlet]]\nname = 'A.vn'\n", "listed twice"),
    ("[[outlet]]\nname = 'a.vn'\nminute = 61\n", "minute: expected a whole number from 0 to 59"),
    ("[[outlet]]\nname = 'a.vn'\nredis = 'http://x'\n", "not a Redis URL"),
    ("[[outlet]\nname = 'a.vn'\n", "not valid TOML"),
])
def test_bad_plans_are_clear_errors(tmp_path, body, message):
    path = write_plan(tmp_path, body)
    with pytest.raises(PlanError) as err:
        load_plan(path)
    assert message in str(err.value) and str(path) in str(err.value)
    res = CliRunner().invoke(main, ["schedule", str(path)])
    assert res.exit_code == 1 and message in res.output and "Traceback" not in res.output


def test_missing_plan_file_suggests_init(tmp_path):
    res = CliRunner().invoke(main, ["schedule", str(tmp_path / "nope.toml")])
    assert res.exit_code == 1 and "schedule init" in res.output


# --- rendering --------------------------------------------------------------------------------

PLAN = """\
archive = "arch"
logs = "logs"
newsarchive = "/opt/na/bin/newsarchive"
[environment]
LANG = "C.UTF-8"
[defaults]
every = "6h"
[[outlet]]
name = "a.vn"
every = "30m"
minute = 7
[[outlet]]
name = "b.vn"
every = "4h"
minute = 5
hour = 2
[[outlet]]
name = "c.vn"
every = "1d"
minute = 0
hour = 3
[[outlet]]
name = "d.vn"
every = "2d"
minute = 45
hour = 23
enabled = false
"""


def test_cron_and_calendar_expressions(tmp_path):
    plan = load_plan(write_plan(tmp_path, PLAN))
    a, b, c, d = plan.outlets
    assert cron_schedule(a) == "7-59/30 * * * *" and on_calendar(a) == "*-*-* *:07/30:00"
    assert cron_schedule(b) == "5 2-23/4 * * *" and on_calendar(b) == "*-*-* 02/4:05:00"
    assert cron_schedule(c) == "0 3 * * *" and on_calendar(c) == "*-*-* 03:00:00"
    assert cron_schedule(d) == "45 23 */2 * *" and on_calendar(d) == "*-*-01/2 23:45:00"


def test_default_start_minutes_are_spread_and_stable(tmp_path):
    body = "".join(f"[[outlet]]\nname = 'site{i}.vn'\nevery = '1h'\n" for i in range(12))
    plan = load_plan(write_plan(tmp_path, body))
    minutes = [o.minute for o in plan.outlets]
    assert len(set(minutes)) > 6, "outlets do not all start at the same minute"
    assert minutes == [o.minute for o in load_plan(write_plan(tmp_path, body)).outlets]


def test_crontab_block_runs_the_wrapper_and_names_its_plan(tmp_path):
    plan = load_plan(write_plan(tmp_path, PLAN))
    text = render_crontab(plan)
    lines = text.splitlines()
    assert lines[0].startswith(f"# BEGIN newsarchive plan {plan.path}") and lines[-1] == f"# END newsarchive plan {plan.path}"
    a_line = next(ln for ln in lines if ln.startswith("7-59/30 "))
    assert f"cd {tmp_path} && LANG=C.UTF-8 /opt/na/bin/newsarchive schedule run {plan.path} a.vn" in a_line
    assert a_line.endswith(f">> {tmp_path / 'logs' / 'schedule.log'} 2>&1")
    assert any(ln.startswith("# (disabled) 45 23 */2") for ln in lines), "a disabled outlet is shown, commented out"


def test_systemd_units_for_each_enabled_outlet(tmp_path):
    plan = load_plan(write_plan(tmp_path, PLAN))
    units = {u.name: u.text for u in render_systemd(plan)}
    assert sorted(units) == [f"newsarchive-plan-{s}.vn.{k}" for s in "abc" for k in ("service", "timer")]
    service = units["newsarchive-plan-b.vn.service"]
    assert "Type=oneshot" in service and "SuccessExitStatus=75" in service
    # stopping the service signals the wrapper alone, which passes the signal on to the crawl once
    assert "KillMode=mixed" in service and "KillSignal=SIGTERM" in service
    assert f"ExecStart=/opt/na/bin/newsarchive schedule run {plan.path} b.vn" in service
    assert f"WorkingDirectory={tmp_path}" in service and 'Environment=LANG=C.UTF-8' in service
    timer = units["newsarchive-plan-b.vn.timer"]
    assert "OnCalendar=*-*-* 02/4:05:00" in timer and "Persistent=true" in timer
    assert "WantedBy=timers.target" in timer and "Unit=newsarchive-plan-b.vn.service" in timer


def test_cli_prints_cron_by_default_and_systemd_on_request(tmp_path):
    path = write_plan(tmp_path, PLAN)
    res = CliRunner().invoke(main, ["schedule", str(path)])
    assert res.exit_code == 0 and "5 2-23/4 * * *" in res.output
    res = CliRunner().invoke(main, ["schedule", str(path), "--format", "systemd"])
    assert res.exit_code == 0 and "OnCalendar=*-*-* 02/4:05:00" in res.output


# --- installing (fake crontab / systemctl on PATH) ---------------------------------------------------


@pytest.fixture
def fake_bin(tmp_path, monkeypatch):
    """A directory first on PATH with fake `crontab` and `systemctl` that work on files in it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "crontab").write_text(textwrap.dedent(f"""\
        #!/bin/sh
        f="{bin_dir}/crontab.txt"
        if [ "$1" = "-l" ]; then
          [ -f "$f" ] || {{ echo "no crontab for $(id -un)" >&2; exit 1; }}
          cat "$f"
        elif [ "$1" = "-" ]; then
          cat > "$f"
        else
          echo "fake crontab: unexpected $*" >&2; exit 2
        fi
        """))
    (bin_dir / "systemctl").write_text(f'#!/bin/sh\necho "$*" >> "{bin_dir}/systemctl.log"\n')
    for name in ("crontab", "systemctl"):
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir


def test_install_crontab_merges_a_marked_block(tmp_path, fake_bin):
    (fake_bin / "crontab.txt").write_text("MAILTO=me@example.org\n0 1 * * * backup.sh\n")
    path = write_plan(tmp_path, PLAN)
    for _ in range(2):  # installing twice changes nothing
        res = CliRunner().invoke(main, ["schedule", str(path), "--install"])
        assert res.exit_code == 0, res.output
    text = (fake_bin / "crontab.txt").read_text()
    assert text.startswith("MAILTO=me@example.org\n0 1 * * * backup.sh\n")
    assert text.count("# BEGIN newsarchive plan") == 1 and "5 2-23/4 * * *" in text

    # the plan changes: its block is replaced, the user's lines stay
    path.write_text(PLAN.replace('every = "4h"', 'every = "12h"'), "utf-8")
    assert CliRunner().invoke(main, ["schedule", str(path), "--install"]).exit_code == 0
    text = (fake_bin / "crontab.txt").read_text()
    assert "5 2-23/12 * * *" in text and "5 2-23/4 * * *" not in text
    assert "0 1 * * * backup.sh" in text and text.count("# BEGIN newsarchive plan") == 1


def test_install_crontab_when_the_user_has_none(tmp_path, fake_bin):
    path = write_plan(tmp_path, PLAN)
    res = CliRunner().invoke(main, ["schedule", str(path), "--install"])
    assert res.exit_code == 0, res.output
    assert (fake_bin / "crontab.txt").read_text().startswith("# BEGIN newsarchive plan")


def test_merge_refuses_a_block_without_its_end(tmp_path):
    plan = load_plan(write_plan(tmp_path, PLAN))
    from newsarchive.schedule.install import InstallError

    with pytest.raises(InstallError, match="without its END"):
        merge_block(f"# BEGIN newsarchive plan {plan.path}\n* * * * * x\n", plan, render_crontab(plan))


def test_install_systemd_writes_units_and_enables_timers(tmp_path, fake_bin):
    path = write_plan(tmp_path, PLAN)
    units = tmp_path / "units"
    (units).mkdir()
    (units / "newsarchive-plan-gone.vn.timer").write_text(  # an outlet removed from the plan
        f"[Unit]\nDescription=newsarchive: crawl gone.vn every 1h (plan {tmp_path / 'plan.toml'})\n[Timer]\n")
    (units / "other.timer").write_text("[Timer]\n")                       # not ours
    res = CliRunner().invoke(main, ["schedule", str(path), "--format", "systemd", "--install", "--unit-dir", str(units)])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in units.iterdir())
    assert names == sorted(["other.timer"] + [f"newsarchive-plan-{s}.vn.{k}" for s in "abc" for k in ("service", "timer")])
    calls = (fake_bin / "systemctl.log").read_text().splitlines()
    user = [] if os.geteuid() == 0 else ["--user"]
    assert " ".join(user + ["disable", "--now", "newsarchive-plan-gone.vn.timer"]) in calls
    assert " ".join(user + ["daemon-reload"]) in calls
    assert " ".join(user + ["enable", "--now", "newsarchive-plan-a.vn.timer", "newsarchive-plan-b.vn.timer",
                            "newsarchive-plan-c.vn.timer"]) in calls


def test_install_crontab_keeps_the_block_of_a_plan_whose_path_extends_this_one(tmp_path, fake_bin):
    """Block markers match exactly: installing plan.toml leaves plan.toml.old's block alone."""
    path = write_plan(tmp_path, PLAN)
    other = write_plan(tmp_path, PLAN.replace('every = "4h"', 'every = "12h"'), name="plan.toml.old")
    for p in (other, path, path):
        res = CliRunner().invoke(main, ["schedule", str(p), "--install"])
        assert res.exit_code == 0, res.output
    text = (fake_bin / "crontab.txt").read_text()
    assert text.count(f"# BEGIN newsarchive plan {other}") == 1 and text.count(f"# END newsarchive plan {other}\n") == 1
    assert text.count("# BEGIN newsarchive plan") == 2
    assert "5 2-23/12 * * *" in text and "5 2-23/4 * * *" in text   # both plans' lines


def test_install_systemd_removes_only_its_own_plans_stale_units(tmp_path, fake_bin):
    """Plan a.toml's units start "newsarchive-a-", and so do plan a-b.toml's: only a.toml's are stale for it."""
    units = tmp_path / "units"
    a = write_plan(tmp_path, '[[outlet]]\nname = "x.vn"\n', name="a.toml")
    ab = write_plan(tmp_path, '[[outlet]]\nname = "y.vn"\n', name="a-b.toml")
    for p in (ab, a):
        res = CliRunner().invoke(main, ["schedule", str(p), "--format", "systemd", "--install", "--unit-dir", str(units)])
        assert res.exit_code == 0, res.output
    assert sorted(p.name for p in units.iterdir()) == [
        "newsarchive-a-b-y.vn.service", "newsarchive-a-b-y.vn.timer", "newsarchive-a-x.vn.service", "newsarchive-a-x.vn.timer"]


def test_install_without_crontab_is_a_clear_error(tmp_path, monkeypatch):
    path = write_plan(tmp_path, PLAN)
    res = CliRunner().invoke(main, ["schedule", str(path), "--install", "--crontab-command", "no-such-crontab-x"])
    assert res.exit_code == 1 and "not installed" in res.output and "Traceback" not in res.output


# --- the lock ------------------------------------------------------------------------------------------

HOLD = """
import sys, time
from newsarchive.schedule.lock import OutletLock
lock = OutletLock(sys.argv[1], sys.argv[2]).acquire()
print("held", flush=True)
time.sleep(120)
"""


def _holder(archive: Path, outlet: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(archive), outlet], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_held_lock_names_its_holder(tmp_path):
    proc = _holder(tmp_path / "arch", "a.vn")
    try:
        with pytest.raises(LockHeld) as err:
            OutletLock(tmp_path / "arch", "a.vn").acquire()
        assert f"pid {proc.pid}" in str(err.value) and "already being crawled" in str(err.value)
        OutletLock(tmp_path / "arch", "b.vn").acquire().release()   # other outlets are not blocked
        OutletLock(tmp_path / "other", "a.vn").acquire().release()  # nor the same outlet in another archive
    finally:
        proc.kill()
        proc.wait()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    proc = _holder(tmp_path / "arch", "a.vn")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    path = lock_path(tmp_path / "arch", "a.vn")
    assert read_holder(path)["pid"] == proc.pid   # the file is still there, naming the dead process
    with OutletLock(tmp_path / "arch", "a.vn"):    # ... yet the lock is free
        assert read_holder(path)["pid"] == os.getpid()


# --- the scheduled-run wrapper -----------------------------------------------------------------


# Outlets of the wrapper tests: a dead local port, so that nothing real is contacted even if a crawl started.
DEAD = "http://127.0.0.1:9/"


def test_schedule_run_skips_with_status_75_when_the_outlet_is_running(tmp_path):
    path = write_plan(tmp_path, f'[[outlet]]\nname = "{DEAD}"\n')
    proc = _holder(tmp_path / "data/archive", DEAD)
    try:
        res = subprocess.run([sys.executable, "-c", "from newsarchive.cli import run; run()", "schedule", "run",
                              str(path), DEAD], capture_output=True, text=True, timeout=60)
    finally:
        proc.kill()
        proc.wait()
    assert res.returncode == EX_TEMPFAIL == 75
    assert "already being crawled" in res.stderr and f"pid {proc.pid}" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "data/logs").exists(), "a skipped run starts no crawl and writes no log"


def test_the_crawl_child_keeps_the_lock_while_it_runs(tmp_path):
    plan = load_plan(write_plan(tmp_path, f'[[outlet]]\nname = "{DEAD}"\n'))
    gate = tmp_path / "gate"
    child = [sys.executable, "-c",
             f"import time, pathlib\nwhile not pathlib.Path({str(gate)!r}).exists(): time.sleep(0.02)\nprint('done')"]
    out: dict = {}
    thread = threading.Thread(target=lambda: out.setdefault("status", run_scheduled(plan, DEAD, echo=lambda m: None,
                                                                                     command=child)))
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not list((tmp_path / "data/logs").glob("*/*.log")) and time.monotonic() < deadline:
            time.sleep(0.02)
        with pytest.raises(LockHeld):
            OutletLock(plan.archive, DEAD).acquire()
    finally:
        gate.touch()
        thread.join(timeout=30)
    assert out["status"] == 0
    log = next((tmp_path / "data/logs").glob("*/*.log")).read_text()
    assert "done" in log and "# exit status 0" in log
    OutletLock(plan.archive, DEAD).acquire().release()


def test_schedule_run_crawls_writes_a_log_and_a_manifest(tmp_path, sample_site):
    """The whole path a cron line takes: wrapper -> lock -> `newsarchive crawl` -> run manifest + log -> runs."""
    path = write_plan(tmp_path, f"""\
        archive = "arch"
        logs = "logs"
        [[outlet]]
        name = "{sample_site}/"
        args = ["--allow-private-addresses", "-q", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
        """)
    res = subprocess.run([sys.executable, "-c", "from newsarchive.cli import run; run()", "schedule", "run",
                          str(path), f"{sample_site}/"], capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    logs = list((tmp_path / "logs").rglob("*.log"))
    assert len(logs) == 1, "one log file per run"
    log = logs[0].read_text("utf-8")
    manifests = list((tmp_path / "arch/runs").glob("*/manifest.json"))
    assert len(manifests) == 1
    run_id = manifests[0].parent.name
    assert "# exit status 0" in log and f"runs: {run_id}" in log
    manifest = json.loads(manifests[0].read_text("utf-8"))
    assert manifest["status"] == "finished"
    assert manifest["options"]["NEWSARCHIVE_SCHEDULE_OUTLET"] == f"{sample_site}/"

    res = CliRunner().invoke(main, ["runs", str(tmp_path / "arch"), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    [run] = data["runs"]
    assert run["run_id"] == run_id and run["outlets"] == [f"{sample_site}/"] and run["status"] == "finished"
    assert run["new"] == 13 and run["log"] == str(logs[0])


def test_sigterm_to_the_wrappers_process_group_stops_the_crawl_cleanly_once(tmp_path):
    """Ctrl-C in a terminal or `kill -TERM -PGID` signals the whole process group: the crawl (in its own
    session) gets the signal once, through the wrapper, and shuts down cleanly (Scrapy takes a second
    signal as 'stop now'): its run is sealed with status "shutdown" and the wrapper reports its status."""
    from crawlsite_server import CrawlSite

    site = CrawlSite()
    site.start()
    try:
        path = write_plan(tmp_path, f"""\
            archive = "arch"
            logs = "logs"
            [[outlet]]
            name = "{site.base}/"
            args = ["--allow-private-addresses", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.2",
                    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "NEWSARCHIVE_RETRY_BACKOFF_BASE=0.05"]
            """)
        wrapper = subprocess.Popen([sys.executable, "-c", "from newsarchive.cli import run; run()", "schedule", "run",
                                    str(path), f"{site.base}/"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, cwd=ROOT, start_new_session=True)   # its own group, to signal
        try:
            deadline = time.monotonic() + 120
            while len(site.article_requests()) < 3 and time.monotonic() < deadline:
                assert wrapper.poll() is None, "the crawl ended before it could be stopped"
                time.sleep(0.05)
            os.killpg(wrapper.pid, signal.SIGTERM)   # the whole group, as a terminal or `kill -- -PGID` does
            out, err = wrapper.communicate(timeout=120)
        finally:
            if wrapper.poll() is None:
                os.killpg(wrapper.pid, signal.SIGKILL)
                wrapper.wait()
    finally:
        site.stop()
    assert wrapper.returncode == 1, out + err        # a stopped crawl: the crawl's own status, not a signal's
    [log] = list((tmp_path / "logs").rglob("*.log"))
    text = log.read_text("utf-8")
    assert text.count("Received SIGTERM, shutting down gracefully") == 1, text[-3000:]
    assert "twice" not in text and "unclean" not in text, text[-3000:]
    assert "Stopped before the end" in text and "# exit status 1" in text
    [manifest] = list((tmp_path / "arch/runs").glob("*/manifest.json"))
    info = json.loads(manifest.read_text("utf-8"))
    assert info["status"] == "shutdown" and info["finish_reason"] == "shutdown"
