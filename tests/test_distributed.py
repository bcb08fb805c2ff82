"""Several workers crawl one site through a real Redis server (scrapy-redis): shared queue, shared seen-set.

The Redis server is Debian's `redis-server` (``.ci/run`` installs it), started here on 127.0.0.1 at a
free port with its own temporary directory. Each worker is its own process (Scrapy's reactor runs
once per process) with its own archive, as on separate machines.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from newsarchive.archive.lines import iter_lines
from newsarchive.distributed import (RedisUnavailable, check_redis_url, connect, key_prefix, redis_option,
                                     redis_settings)
from newsarchive.samples.server import SAMPLE_SITE

ROOT = Path(__file__).parent.parent
REDIS_SERVER = shutil.which("redis-server")
ARTICLE_PAGES = sorted(p.name for p in (SAMPLE_SITE / "bai-viet").iterdir() if p.is_file())

needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None,
    reason="redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on 127.0.0.1 at a free port, no persistence, stopped after the test."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)")
    port = _free_port()
    data = tmp_path / "redis"
    data.mkdir()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(data), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while True:
        try:
            connect(url).close()
            break
        except RedisUnavailable:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


# A worker: one crawl of the site, its stats printed as a JSON line at the end.
WORKER = """
import json, sys
from newsarchive.crawler import run_crawl
from newsarchive.distributed import redis_settings
base, archive, url = sys.argv[1:4]
settings = {
    "ARCHIVE_DIR": archive, "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True, "AUTOTHROTTLE_ENABLED": False,
    "LOG_LEVEL": "INFO",
    # small concurrency and a short delay, so that the crawl lasts long enough to be shared
    "DOWNLOAD_DELAY": 0.15, "RANDOMIZE_DOWNLOAD_DELAY": False,
    "CONCURRENT_REQUESTS": 2, "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
}
settings.update(redis_settings(url, heartbeat=2, idle_timeout=30))
result = run_crawl([base + "/"], settings=settings)
print("STATS " + json.dumps({k: v for k, v in result.stats.items() if isinstance(v, (int, str))}), flush=True)
print("FINISH " + str(result.finish_reason), flush=True)
"""


def _start_worker(base: str, archive: Path, url: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, base, str(archive), url],
        stdout=open(log, "w"), stderr=subprocess.STDOUT, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _archived_urls(archive: Path) -> list[str]:
    """URLs of the article records stored in every run of an archive (a torn last line is not a record)."""
    urls = []
    for path in sorted(archive.glob("runs/*/articles.jsonl*")):
        for _, line in iter_lines(path, on_torn=None):
            urls.append(json.loads(line)["url"])
    return urls


def _stats(log: Path) -> dict:
    text = log.read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln.startswith("STATS ")]
    assert lines, f"the worker printed no stats; its log:\n{text[-3000:]}"
    return json.loads(lines[-1][len("STATS "):])


def _page(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def _wait(procs, timeout=120):
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("a worker did not finish in time")


@needs_redis
def test_two_workers_share_one_crawl_and_archive_each_article_once(redis_url, sample_site, tmp_path):
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    archives = [tmp_path / "archive-a", tmp_path / "archive-b"]
    workers = [_start_worker(sample_site, archives[i], redis_url, logs[i]) for i in range(2)]
    _wait(workers)
    for proc, log in zip(workers, logs):
        assert proc.returncode == 0, log.read_text("utf-8")[-3000:]
        assert "FINISH finished" in log.read_text("utf-8")

    per_worker = [_archived_urls(a) for a in archives]
    everything = per_worker[0] + per_worker[1]
    assert sorted(_page(u) for u in everything) == ARTICLE_PAGES, "every article archived exactly once"
    assert all(per_worker), f"both workers archived articles: {[len(u) for u in per_worker]}"

    stats = [_stats(log) for log in logs]
    # every request taken from the shared queue was acknowledged: nothing left in flight
    for s in stats:
        assert s.get("scheduler/dequeued/redis", 0) == s.get("newsarchive/redis/acknowledged", 0), s
    # the crawl finished: the last worker cleared the queue and the seen-set for the next crawl
    client = connect(redis_url)
    assert client.keys("newsarchive:*") == []

    # each worker wrote its own run, and both runs name the same shared crawl in their manifests
    manifests = [json.loads(next(a.glob("runs/*/manifest.json")).read_text("utf-8")) for a in archives]
    crawl_ids = {m["crawl_stats"].get("newsarchive/shared_crawl") for m in manifests}
    assert len(crawl_ids) == 1 and None not in crawl_ids, crawl_ids
    assert {m["status"] for m in manifests} == {"finished"}


@needs_redis
def test_runs_of_all_workers_merged_into_one_archive_snapshot_as_one_crawl(redis_url, sample_site, tmp_path):
    from newsarchive.archive.index import reindex
    from newsarchive.archive.snapshot import iter_snapshot

    archives = [tmp_path / "archive-a", tmp_path / "archive-b"]
    workers = [_start_worker(sample_site, archives[i], redis_url, tmp_path / f"{i}.log") for i in range(2)]
    _wait(workers)
    merged = tmp_path / "merged"
    for a in archives:  # run directories are immutable and uniquely named: copying them merges archives
        shutil.copytree(a / "runs", merged / "runs", dirs_exist_ok=True)
    reindex(merged)
    assert sorted(_page(r["url"]) for r in iter_snapshot(merged)) == ARTICLE_PAGES


@needs_redis
def test_killing_a_worker_loses_nothing(redis_url, sample_site, tmp_path):
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    archives = [tmp_path / "archive-a", tmp_path / "archive-b"]
    victim = _start_worker(sample_site, archives[0], redis_url, logs[0])
    survivor = None
    client = connect(redis_url)
    try:
        # Wait until the first worker has archived something and holds requests in flight, then start the
        # second one and kill the first (SIGKILL: no clean-up of any kind).
        deadline = time.monotonic() + 60
        victim_key = None
        while time.monotonic() < deadline:
            assert victim.poll() is None, logs[0].read_text("utf-8")[-3000:]
            for prefix_key in client.keys("newsarchive:*:workers"):
                for worker, info in client.hgetall(prefix_key).items():
                    if json.loads(info)["pid"] == victim.pid:
                        victim_key = prefix_key.decode()[: -len(":workers")] + ":inflight:" + worker.decode()
            if victim_key and len(_archived_urls(archives[0])) >= 2 and client.llen(victim_key) > 0:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the first worker never got going:\n" + logs[0].read_text("utf-8")[-3000:])
        survivor = _start_worker(sample_site, archives[1], redis_url, logs[1])
        time.sleep(0.3)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        held = client.llen(victim_key)  # requests the dead worker had taken and not finished
        _wait([survivor])
    finally:
        for proc in (victim, survivor):
            if proc is not None and proc.poll() is None:
                proc.kill()

    assert survivor.returncode == 0, logs[1].read_text("utf-8")[-3000:]
    victim_urls, survivor_urls = _archived_urls(archives[0]), _archived_urls(archives[1])
    assert victim_urls and len(victim_urls) < len(ARTICLE_PAGES), "the kill happened mid-crawl"
    assert sorted(_page(u) for u in victim_urls + survivor_urls) == ARTICLE_PAGES, \
        "every article archived exactly once across both workers"
    stats = _stats(logs[1])
    assert stats.get("newsarchive/redis/recovered", 0) == held > 0, \
        "the survivor took back what the dead worker held"
    assert client.keys("newsarchive:*") == []


@needs_redis
def test_a_worker_stopped_with_sigterm_hands_its_work_back(redis_url, sample_site, tmp_path):
    """SIGTERM (systemctl stop, Ctrl-C): the worker stops cleanly and its unfinished requests go back to
    the queue at once; the next worker finishes the crawl."""
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    archives = [tmp_path / "archive-a", tmp_path / "archive-b"]
    first = _start_worker(sample_site, archives[0], redis_url, logs[0])
    deadline = time.monotonic() + 60
    while len(_archived_urls(archives[0])) < 2:
        assert first.poll() is None and time.monotonic() < deadline, logs[0].read_text("utf-8")[-3000:]
        time.sleep(0.02)
    first.send_signal(signal.SIGTERM)
    _wait([first])
    client = connect(redis_url)
    assert client.keys("newsarchive:*:inflight:*") == [], "nothing left in flight by a clean stop"
    assert client.keys("newsarchive:*:queue"), "the queue survives the worker, for the next one"
    second = _start_worker(sample_site, archives[1], redis_url, logs[1])
    _wait([second])
    assert second.returncode == 0, logs[1].read_text("utf-8")[-3000:]
    first_urls, second_urls = _archived_urls(archives[0]), _archived_urls(archives[1])
    assert first_urls and second_urls
    assert sorted(_page(u) for u in first_urls + second_urls) == ARTICLE_PAGES


@needs_redis
def test_a_worker_joining_a_finished_crawl_starts_a_new_one(redis_url, sample_site, tmp_path):
    """The seen-set is cleared when a crawl finishes: the next scheduled crawl is not all 'seen'."""
    for i in range(2):
        log = tmp_path / f"run{i}.log"
        proc = _start_worker(sample_site, tmp_path / f"archive{i}", redis_url, log)
        _wait([proc])
        assert proc.returncode == 0, log.read_text("utf-8")[-3000:]
        assert sorted(_page(u) for u in _archived_urls(tmp_path / f"archive{i}")) == ARTICLE_PAGES


# --- settings and option, without a server --------------------------------------------------------


def test_redis_settings_install_the_shared_scheduler_without_replacing_middlewares():
    from newsarchive.crawler import crawl_settings

    s = redis_settings("redis://127.0.0.1:6379/0")
    assert s["SCHEDULER_PERSIST"] is True and s["SCHEDULER_IDLE_BEFORE_CLOSE"] == 0
    settings = crawl_settings({"DOWNLOADER_MIDDLEWARES": {"scrapy.downloadermiddlewares.stats.DownloaderStats": 42}, **s})
    from newsarchive.distributed import AckDownloaderMiddleware, AckSpiderMiddleware, RedisAddon

    RedisAddon().update_settings(settings)
    assert settings["SCHEDULER"] == "newsarchive.distributed.SharedScheduler"
    downloader = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert downloader.get("scrapy.downloadermiddlewares.stats.DownloaderStats") == 42 and downloader[AckDownloaderMiddleware] == 10
    assert settings.getdict("SPIDER_MIDDLEWARES")[AckSpiderMiddleware] == 5


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "redis://", "redis://host:6379/zero", "localhost:6379"])
def test_bad_redis_urls_are_refused_clearly(url):
    with pytest.raises(ValueError, match="Redis URL"):
        check_redis_url(url)


def test_crawl_key_names_the_outlets_in_order():
    from types import SimpleNamespace

    from newsarchive.distributed import crawl_key

    a = SimpleNamespace(name="outlet", outlets={"b.vn": 1, "a.vn": 2})
    b = SimpleNamespace(name="outlet", outlets={"a.vn": 1, "b.vn": 2})
    assert crawl_key(a) == crawl_key(b) == "a.vn,b.vn"
    assert key_prefix("a.vn") == "newsarchive:{a.vn}"
    assert crawl_key(a, {"NEWSARCHIVE_REDIS_KEY": "nightly"}) == "nightly"


def test_crawl_key_names_the_date_window():
    """Two shared crawls of one outlet over different --since/--until windows never share a queue or seen-set."""
    from types import SimpleNamespace

    from newsarchive.discovery.window import DateWindow
    from newsarchive.distributed import crawl_key

    def spider(since=None, until=None):
        return SimpleNamespace(name="outlet", outlets={"a.vn": 1}, window=DateWindow.from_strings(since, until))

    june, july = spider("2024-06-01", "2024-06-30"), spider("2024-07-01", "2024-07-31")
    assert crawl_key(june) == "a.vn@2024-06-01..2024-06-30" and crawl_key(july) == "a.vn@2024-07-01..2024-07-31"
    assert crawl_key(spider("2024-06-01")) == "a.vn@2024-06-01.." != crawl_key(spider(None, "2024-06-01"))
    assert crawl_key(spider()) == "a.vn"                       # no window: the outlets alone, as before
    assert crawl_key(spider("2024-06-01", "2024-06-30")) == crawl_key(june)   # same window, same crawl
    # the same instants written another way are the same window
    assert crawl_key(spider("2024-05-31T17:00:00Z", "2024-06-30")) == crawl_key(june)
    assert crawl_key(spider("2024-06-01T08:30:00+07:00")) == "a.vn@2024-06-01T08:30:00+07:00.."
    many = SimpleNamespace(name="outlet", outlets={f"outlet-number-{i}.vn": 1 for i in range(20)},
                           window=DateWindow.from_strings("2024-06-01", None))
    other = SimpleNamespace(name="outlet", outlets=many.outlets, window=DateWindow.from_strings("2024-07-01", None))
    assert len(crawl_key(many)) <= 200 and crawl_key(many) != crawl_key(other)   # long keys stay distinct


def test_redis_option_reports_an_unreachable_server_in_one_line():
    @click.command()
    @redis_option
    def cmd(redis):
        click.echo(json.dumps(redis))

    port = _free_port()  # nothing listens there
    res = CliRunner().invoke(cmd, ["--redis", f"redis://127.0.0.1:{port}/0"])
    assert res.exit_code == 2
    assert "cannot use Redis" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(cmd, ["--redis", "http://x"])
    assert res.exit_code == 2 and "not a Redis URL" in res.output
    res = CliRunner().invoke(cmd, [])
    assert res.exit_code == 0 and res.output.strip() == "{}"


@needs_redis
def test_redis_option_gives_the_settings_for_a_reachable_server(redis_url):
    @click.command()
    @redis_option
    def cmd(redis):
        click.echo(json.dumps(redis))

    res = CliRunner().invoke(cmd, ["--redis", redis_url])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["REDIS_URL"] == redis_url


@needs_redis
def test_the_crawl_command_takes_redis_and_finishes_the_shared_crawl(redis_url, sample_site, tmp_path):
    """What a user runs on each machine: `newsarchive crawl TARGET --redis URL`."""
    archive = tmp_path / "archive"
    proc = subprocess.run(
        [sys.executable, "-c", "from newsarchive.cli import run; run()", "crawl", sample_site + "/",
         "--archive", str(archive), "--redis", redis_url, "--allow-private-addresses", "-q",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"],
        capture_output=True, text=True, timeout=180, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert sorted(_page(u) for u in _archived_urls(archive)) == ARTICLE_PAGES
    assert connect(redis_url).keys("newsarchive:*") == []   # finished: queue and seen-set cleared


def test_a_crawl_without_redis_never_imports_scrapy_redis():
    """The crawl command (and the --redis option) load scrapy-redis only when a shared crawl needs it."""
    code = ("import sys, newsarchive.cli.crawl_cmd, newsarchive.distributed as d; "
            "assert 'scrapy_redis' not in sys.modules, 'imported at start'; "
            "d.SharedScheduler; assert 'scrapy_redis' in sys.modules; print('ok')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]
