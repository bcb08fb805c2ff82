"""The project deploys to Scrapyd as it is: the egg `scrapyd-deploy` builds holds the spiders, the
pipelines and the package data, and a real scrapyd on 127.0.0.1 runs a crawl of the local sample site
scheduled through its HTTP API (addversion.json, schedule.json, listjobs.json)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
PROJECT_FILES = ("newsarchive", "spiders", "pipelines", "pyproject.toml", "setup.py", "scrapy.cfg", "README.md")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    port = _free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\n"
        "max_proc = 1\npoll_interval = 0.5\n"
    )
    log = open(home / "scrapyd.out", "w")
    proc = subprocess.Popen([exe], cwd=home, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if _api(base, "daemonstatus.json")["status"] == "ok":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("scrapyd did not start:\n" + (home / "scrapyd.out").read_text())
        time.sleep(0.1)
    yield base, home
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_a_crawl_scheduled_through_scrapyd_fills_the_archive(egg, scrapyd, sample_site, tmp_path):
    base, home = scrapyd
    path, marker = egg
    res = _api(base, "addversion.json", {"project": "newsarchive", "version": "1"},
               files={"egg": ("newsarchive.egg", path.read_bytes())})
    assert res["status"] == "ok" and res["spiders"] == 1, res
    assert _api(base, "listspiders.json?project=newsarchive")["spiders"] == ["outlet"]

    archive = tmp_path / "archive"
    res = _api(base, "schedule.json", [
        ("project", "newsarchive"), ("spider", "outlet"), ("target", sample_site + "/"),
        ("setting", f"ARCHIVE_DIR={archive}"), ("setting", "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES=True"),
        ("setting", "DOWNLOAD_DELAY=0"), ("setting", "AUTOTHROTTLE_ENABLED=False"),
    ])
    assert res["status"] == "ok", res
    job = res["jobid"]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        jobs = _api(base, "listjobs.json?project=newsarchive")
        done = [j for j in jobs["finished"] if j["id"] == job]
        if done:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the scrapyd job did not finish")
    job_log = next((home / "logs").rglob(f"{job}.log")).read_text("utf-8")
    assert "Traceback" not in job_log, job_log[-4000:]

    manifests = list(archive.glob("runs/*/manifest.json"))
    assert len(manifests) == 1, f"no run in the archive; job log:\n{job_log[-4000:]}"
    manifest = json.loads(manifests[0].read_text("utf-8"))
    assert manifest["status"] == "finished"
    assert manifest["counts"].get("articles_new") == 13, manifest["counts"]
    # the crawl ran the deployed egg's code: its settings module carries the marker
    assert manifest["options"].get("NEWSARCHIVE_EGG_MARKER") == marker
