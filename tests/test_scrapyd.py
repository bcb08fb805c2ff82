"""The project deploys to Scrapyd as it is: the egg `scrapyd-deploy` builds holds the spiders, the
pipelines and the package data; `scrapyd-deploy` with the shipped scrapy.cfg deploys to a real scrapyd
on 127.0.0.1, which runs a crawl of the local sample site scheduled through its HTTP API
(schedule.json, listjobs.json); a job whose crawl cannot start ends as a failure in Scrapyd's log and
in the archive's manifest."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest

from services import free_port, running

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
PROJECT_FILES = ("newsarchive", "spiders", "pipelines", "pyproject.toml", "setup.py", "scrapy.cfg", "README.md")


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed (it is in the dev extra: pip install -e '.[dev]')")
    return str(path)


@pytest.fixture(scope="module")
def egg(tmp_path_factory):
    """The egg scrapyd-deploy builds from a copy of the project, with a marker setting in its settings module."""
    work = tmp_path_factory.mktemp("project")
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, work / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, work / name)
    marker = uuid.uuid4().hex
    with open(work / "newsarchive/settings.py", "a", encoding="utf-8") as fh:
        fh.write(f"\nNEWSARCHIVE_EGG_MARKER = {marker!r}\n")
    out = work / "newsarchive.egg"
    proc = subprocess.run([_tool("scrapyd-deploy"), "--build-egg", str(out)], cwd=work, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, marker


def test_the_egg_holds_spiders_pipelines_package_data_and_the_settings_entry_point(egg):
    path, _ = egg
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        entry_points = z.read("EGG-INFO/entry_points.txt").decode()
    for needed in ("spiders/outlet.py", "pipelines/store.py", "pipelines/extract.py", "newsarchive/settings.py",
                   "newsarchive/schema/article.schema.json", "newsarchive/sites/outlets.tsv",
                   "newsarchive/sites/profiles.toml", "newsarchive/samples/site/index.html"):
        assert needed in names, f"{needed} is missing from the egg"
    assert "[scrapy]\nsettings = newsarchive.settings" in entry_points


def _api(base: str, endpoint: str, data: dict | list | None = None, files: dict | None = None) -> dict:
    url = f"{base}/{endpoint}"
    if files:
        boundary = uuid.uuid4().hex
        body = b""
        for k, v in (data or {}).items():
            body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
        for k, (fname, content) in files.items():
            body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{fname}\"\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        req = urllib.request.Request(url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    elif data is not None:
        pairs = data if isinstance(data, list) else list(data.items())
        req = urllib.request.Request(url, data=urllib.parse.urlencode(pairs).encode())
    else:
        req = urllib.request.Request(url)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read().decode())


@pytest.fixture
def scrapyd(tmp_path):
    """A real scrapyd on 127.0.0.1 (free port, its own eggs/logs/dbs dirs); yields its base URL."""
    exe = _tool("scrapyd")
    port = free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\n"
        "max_proc = 1\npoll_interval = 0.5\n"
    )
    base = f"http://127.0.0.1:{port}"
    with running([exe], home, home / "scrapyd.out", lambda: _api(base, "daemonstatus.json")["status"] == "ok",
                 "scrapyd", timeout=30):
        yield base, home


def _wait_finished(base: str, job: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = _api(base, "listjobs.json?project=newsarchive")
        if any(j["id"] == job for j in jobs["finished"]):
            return
        time.sleep(0.5)
    pytest.fail(f"the scrapyd job {job} did not finish")


def test_scrapyd_deploy_then_a_crawl_fills_the_archive_and_a_failed_one_says_so(egg, scrapyd, sample_site, tmp_path):
    base, home = scrapyd
    path, marker = egg
    project = path.parent
    # the shipped scrapy.cfg: its default target is a Scrapyd on this machine, `remote` any other
    listed = subprocess.run([_tool("scrapyd-client"), "targets"], cwd=project, capture_output=True, text=True, timeout=60)
    assert "default              http://localhost:6800/" in listed.stdout, listed.stdout + listed.stderr
    env = {**__import__("os").environ, "SCRAPYD_URL": base + "/"}
    proc = subprocess.run([_tool("scrapyd-deploy"), "remote", "--version", "1"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and '"status": "ok"' in proc.stdout, proc.stdout + proc.stderr
    assert _api(base, "listspiders.json?project=newsarchive")["spiders"] == ["outlet"]

    archive = tmp_path / "archive"
    common = [("project", "newsarchive"), ("spider", "outlet"), ("target", sample_site + "/"),
              ("setting", f"ARCHIVE_DIR={archive}"), ("setting", "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES=True"),
              ("setting", "DOWNLOAD_DELAY=0"), ("setting", "AUTOTHROTTLE_ENABLED=False")]
    res = _api(base, "schedule.json", common)
    assert res["status"] == "ok", res
    job = res["jobid"]
    _wait_finished(base, job)
    job_log = next((home / "logs").rglob(f"{job}.log")).read_text("utf-8")
    assert "Traceback" not in job_log, job_log[-4000:]

    manifests = list(archive.glob("runs/*/manifest.json"))
    assert len(manifests) == 1, f"no run in the archive; job log:\n{job_log[-4000:]}"
    manifest = json.loads(manifests[0].read_text("utf-8"))
    assert manifest["status"] == "finished"
    assert manifest["counts"].get("articles_new") == 13, manifest["counts"]
    # the crawl ran the deployed egg's code: its settings module carries the marker
    assert manifest["options"].get("NEWSARCHIVE_EGG_MARKER") == marker

    # a crawl that dies on a missing module: Scrapyd's log says the process died, the manifest says failed
    res = _api(base, "schedule.json", [*common, ("setting", 'EXTENSIONS={"newsarchive.no_such_module.Ext": 500}')])
    bad = res["jobid"]
    _wait_finished(base, bad)
    time.sleep(0.5)   # (scrapyd writes its own log line as the process ends)
    daemon_log = (home / "scrapyd.out").read_text("utf-8")
    assert f"Process died: exitstatus=1 project='newsarchive' spider='outlet' job='{bad}'" in daemon_log, daemon_log[-3000:]
    bad_log = next((home / "logs").rglob(f"{bad}.log")).read_text("utf-8")
    assert "Crawl failed: could not start (ModuleNotFoundError: No module named 'newsarchive.no_such_module')" in bad_log
    failed = [json.loads(p.read_text("utf-8")) for p in archive.glob("runs/*/manifest.json")]
    failed = [m for m in failed if m["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["finish_reason"].startswith("could not start: ModuleNotFoundError")
    assert failed[0]["complete"] is False and failed[0]["targets"] == [sample_site + "/"]
