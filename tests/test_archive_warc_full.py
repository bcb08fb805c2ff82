"""The WARC is the full record of a crawl, checked with the tools of web archivists.

Two real crawls of a local site shaped to make the crawl meet everything (no sitemap and no feed, so
the listings are walked; a redirect, a 404, a 500 that is retried, a listing page sent gzipped),
then: every response Scrapy received is in the WARC with its request (robots.txt too, also the one
Scrapy's RobotsTxtMiddleware fetches itself); the second crawl's unchanged pages are revisit records
pointing at the first crawl's captures; ``warcio check`` passes; cdxj-indexer indexes the files; a
real pywb (``wb-manager add``, ``wayback`` on 127.0.0.1) replays the home page, a listing and an
article byte for byte, the revisited article too; WACZ packages of a run and of a snapshot pass
``wacz validate``.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
import threading

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive_helpers import REVISIT_ALL, copy_site, local_crawl_settings, run_records
from crawling import run_spider
from newsarchive.archive import layout as L
from newsarchive.archive.warc import read_response
from newsarchive.samples.server import _Handler
from services import free_port, running

BIN = Path(sys.executable).parent
PYWB_BIN = BIN.parent / "pywb" / "bin"     # pywb's own venv (see Makefile)
OLD_PATH = "/bai-viet/duong-dan-cu-20260307.html"          # answers 301 -> the moved article
BROKEN_PATH = "/bai-viet/loi-may-chu-20260307090000.htm"    # answers 500, every time
GZIPPED = "/chuyen-muc/kinh-doanh/"                         # sent with Content-Encoding: gzip


class _SiteHandler(_Handler):
    """The sample site's handler with a redirect, a server error and one gzipped listing."""

    moved_to = ""

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == OLD_PATH:
            self.send_response(301)
            self.send_header("Location", self.moved_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == BROKEN_PATH:
            body = b"<html><body>Internal error</body></html>"
            self.send_response(500)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if path == GZIPPED and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress((Path(self.directory) / "chuyen-muc/kinh-doanh/index.html").read_bytes())
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


class _Site:
    def __init__(self, root: Path):
        handler = type("H", (_SiteHandler,), {})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
        self.server.daemon_threads = True
        self.base = handler.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        handler.moved_to = self.base + "/bai-viet/bai-da-chuyen-20260307100000.htm"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _records(warc: Path) -> list[dict]:
    out = []
    with open(warc, "rb") as fh:
        it = ArchiveIterator(fh)
        for rec in it:
            body = rec.content_stream().read()
            h = rec.rec_headers
            out.append({"type": rec.rec_type, "uri": h.get_header("WARC-Target-URI"), "date": h.get_header("WARC-Date"),
                        "id": h.get_header("WARC-Record-ID"), "to": h.get_header("WARC-Concurrent-To"),
                        "refers": h.get_header("WARC-Refers-To"), "refers_uri": h.get_header("WARC-Refers-To-Target-URI"),
                        "refers_date": h.get_header("WARC-Refers-To-Date"), "profile": h.get_header("WARC-Profile"),
                        "role": h.get_header("WARC-Newsarchive-Role"),
                        "status": int(rec.http_headers.get_statuscode()) if rec.rec_type in ("response", "revisit") else None,
                        "location": rec.http_headers.get_header("Location") if rec.http_headers else None,
                        "encoding": rec.http_headers.get_header("Content-Encoding") if rec.http_headers else None,
                        "length": it.get_record_length(), "offset": it.get_record_offset(), "body": body})
    return out


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fullwarc")
    site = copy_site(tmp / "site")
    (site / "sitemap.xml").unlink()                       # no sitemap and no feed: listings are walked
    shutil.rmtree(site / "rss")
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /tim-kiem\n", "utf-8")
    # the redirect's target: a copy of one article under a new address, with no canonical URL of the original
    src = (site / "bai-viet/co-phieu-flc-duoc-giao-dich-tro-lai-2495349.html").read_text("utf-8")
    (site / "bai-viet/bai-da-chuyen-20260307100000.htm").write_text(
        src.replace("co-phieu-flc-duoc-giao-dich-tro-lai-2495349.html", "bai-da-chuyen-20260307100000.htm"), "utf-8")
    home = site / "index.html"
    home.write_text(home.read_text("utf-8").replace(
        "<main>", f'<main><h2><a href="{OLD_PATH}">Bài đã chuyển</a></h2><h2><a href="{BROKEN_PATH}">Lỗi</a></h2>', 1),
        "utf-8")
    archive = tmp / "archive"
    settings = local_crawl_settings(archive, **REVISIT_ALL, RETRY_TIMES=1)
    srv = _Site(site)
    try:
        # with a JOBDIR, as `newsarchive crawl` runs: queued requests (redirects, retries) must pickle
        first = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run1", "JOBDIR": str(tmp / "job1")},
                           start_urls=[srv.base + "/"])
        second = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run2", "JOBDIR": str(tmp / "job2")},
                            start_urls=[srv.base + "/"])
    finally:
        srv.stop()
    assert first.finish_reason == "finished" and second.finish_reason == "finished"
    warcs = {run: L.run_dir(archive, run) / L.CAPTURES for run in ("run1", "run2")}
    return {"archive": archive, "site": site, "base": srv.base, "tmp": tmp, "crawls": {"run1": first, "run2": second},
            "warcs": warcs, "records": {run: _records(w) for run, w in warcs.items()}}


def test_every_response_of_the_crawl_is_in_the_warc_with_its_request(crawled):
    base = crawled["base"]
    for run, recs in crawled["records"].items():
        stats = crawled["crawls"][run].stats
        responses = [r for r in recs if r["type"] in ("response", "revisit")]
        # every response Scrapy's downloader received, whatever became of it
        assert len(responses) == stats["downloader/response_count"], (run, len(responses), stats)
        assert stats.get("scheduler/unserializable", 0) == 0 and stats.get("scheduler/enqueued/disk", 0) > 0
        manifest = json.loads((L.run_dir(crawled["archive"], run) / L.MANIFEST).read_text("utf-8"))
        assert manifest["counts"]["responses_captured"] == stats["downloader/response_count"]
        requests = {r["to"] for r in recs if r["type"] == "request"}
        assert {r["id"] for r in responses} == requests, "a response without its request record"
        by_status: dict[int, list[str]] = {}
        for r in responses:
            by_status.setdefault(r["status"], []).append(r["uri"])
        robots = [r for r in responses if r["uri"] == base + "/robots.txt"]
        # the spider's robots.txt request and the one RobotsTxtMiddleware makes itself
        assert len(robots) == 2 and {r["role"] for r in robots} == {"robots"}
        # run2 asks for the documents run1 read conditionally (discovery memory): a 304 is captured too
        fresh = by_status.get(200, []) + (by_status.get(304, []) if run == "run2" else [])
        assert base + "/" in fresh
        assert any("/chuyen-muc/" in u for u in fresh), "no listing page captured"
        if run == "run2":
            assert base + "/" in by_status.get(304, []), "the home page was not asked for conditionally"
            assert not any(u.endswith("/sitemap.xml") for u in by_status.get(404, []))   # missing: not guessed again
        else:
            assert any(u.endswith("/sitemap.xml") for u in by_status[404])          # a guessed sitemap path
        assert base + OLD_PATH in by_status[301]
        assert next(r for r in responses if r["status"] == 301)["location"].endswith("/bai-da-chuyen-20260307100000.htm")
        assert by_status[500].count(base + BROKEN_PATH) == 2                    # first try and one retry
        if run == "run1":    # (run2 does not ask again for the dead link: gone, listed by an unchanged page)
            assert any(u.endswith("-20260301000001.htm") for u in by_status[404])  # the dead link
        assert {r["role"] for r in responses} >= {"robots", "home", "listing", "article"}


def test_warcinfo_is_first_and_dated_first(crawled):
    for run, recs in crawled["records"].items():
        assert recs[0]["type"] == "warcinfo"
        assert all(recs[0]["date"] <= r["date"] for r in recs), run


def test_unchanged_refetches_are_revisits_of_the_earlier_capture(crawled):
    first: dict[str, dict] = {}
    for r in crawled["records"]["run1"]:
        if r["type"] == "response":
            first.setdefault(r["uri"], r)
    revisits = [r for r in crawled["records"]["run2"] if r["type"] == "revisit"]
    articles = [r for r in revisits if r["role"] == "article"]
    assert len(articles) >= 10, [r["uri"] for r in revisits]
    for r in revisits:
        assert r["profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
        assert r["body"] == b"" and r["length"] < 2000        # headers only, no second copy
        if r["refers_uri"] in first:                           # (robots.txt refers to run2's own first fetch)
            earlier = first[r["refers_uri"]]
            assert (r["refers"], r["refers_date"]) == (earlier["id"], earlier["date"])
    # within run1 already: the second robots.txt fetch (both were in flight at once) and the retried 500
    assert sorted(r["uri"] for r in crawled["records"]["run1"] if r["type"] == "revisit") == sorted(
        [crawled["base"] + "/robots.txt", crawled["base"] + BROKEN_PATH])


def test_record_pointers_seek_to_their_responses_and_bodies_are_decoded(crawled):
    archive = crawled["archive"]
    records = run_records(archive, "run1")
    assert len(records) >= 13
    for rec in records:
        page = read_response(archive, rec["capture"])
        assert page["final_url"] == rec["final_url"] and page["status"] == 200
        assert page["fetched_at"] == rec["fetched_at"]             # the record is dated as its capture
    moved = next(r for r in records if r["final_url"].endswith("/bai-da-chuyen-20260307100000.htm"))
    assert moved["url"] == crawled["base"] + OLD_PATH
    gz = next(r for r in crawled["records"]["run1"] if r["uri"] == crawled["base"] + GZIPPED)
    assert gz["encoding"] == "gzip"     # stored as sent; warcio (and pywb) decode it
    assert gz["body"] == (crawled["site"] / "chuyen-muc/kinh-doanh/index.html").read_bytes()


def test_warcio_check_and_cdxj_indexer(crawled):
    for run, warc in crawled["warcs"].items():
        res = subprocess.run([str(BIN / "warcio"), "check", "-v", str(warc)], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout + res.stderr
        assert "digest pass" in res.stdout and "fail" not in res.stdout.replace("digest pass", "")
        res = subprocess.run([str(BIN / "cdxj-indexer"), str(warc)], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        lines = [line for line in res.stdout.splitlines() if line.strip()]
        entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
        captured = [r for r in crawled["records"][run] if r["type"] in ("response", "revisit")]
        # one index line per response and per revisit, at its offset, with its status
        assert sorted((e["url"], int(e["offset"]), e["status"]) for e in entries) == sorted(
            (r["uri"], r["offset"], str(r["status"])) for r in captured)
        assert sum(e.get("mime") == "warc/revisit" for e in entries) == sum(r["type"] == "revisit" for r in captured)


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": "identity"}),
                                    timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def pywb(crawled):
    if not (PYWB_BIN / "wayback").exists():
        pytest.skip("pywb is not installed in .venv/pywb (make install puts it there)")
    work = crawled["tmp"] / "pywb"
    work.mkdir()
    env = {"PATH": f"{PYWB_BIN}:/usr/bin:/bin", "HOME": str(work)}
    subprocess.run([str(PYWB_BIN / "wb-manager"), "init", "news"], cwd=work, check=True, capture_output=True, env=env)
    res = subprocess.run([str(PYWB_BIN / "wb-manager"), "add", "news", *map(str, crawled["warcs"].values())],
                         cwd=work, capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running([str(PYWB_BIN / "wayback"), "-b", "127.0.0.1", "-p", str(port)], work, work / "wayback.log",
                 lambda: _get(base + "/news/")[0] in (200, 404), "wayback", env=env):
        yield base + "/news"


def _ts(warc_date: str) -> str:
    return re.sub(r"\D", "", warc_date)[:14]


def test_pywb_replays_home_listing_and_articles_byte_for_byte(crawled, pywb):
    site, base = crawled["site"], crawled["base"]
    run1 = {r["uri"]: r for r in crawled["records"]["run1"] if r["type"] == "response" and r["status"] == 200}
    article = next(u for u in run1 if "/bai-viet/co-phieu-flc" in u)
    cases = {base + "/": site / "index.html", base + GZIPPED: site / "chuyen-muc/kinh-doanh/index.html",
             article: site / "bai-viet/co-phieu-flc-duoc-giao-dich-tro-lai-2495349.html"}
    for url, path in cases.items():
        status, headers, body = _get(f"{pywb}/{_ts(run1[url]['date'])}id_/{url}")
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert status == 200 and body == path.read_bytes(), (url, status, body[:200])
    # the article as revisited by run2: pywb resolves the revisit to run1's payload
    revisit = next(r for r in crawled["records"]["run2"] if r["type"] == "revisit" and r["uri"] == article)
    status, headers, body = _get(f"{pywb}/{_ts(revisit['date'])}id_/{article}")
    assert status == 200 and body == cases[article].read_bytes()
    # and rewritten for reading (mp_: the page itself, links pointing into the archive)
    home_ts = _ts(run1[base + "/"]["date"])
    status, _, body = _get(f"{pywb}/{home_ts}mp_/{base}/")
    assert status == 200 and "Tin Tỉnh".encode() in body and b"/news/" in body


def test_wacz_of_a_run_and_of_a_snapshot_validate(crawled, tmp_path):
    from click.testing import CliRunner

    from newsarchive.cli import main

    archive = str(crawled["archive"])
    runner = CliRunner()
    out_run, out_snap = tmp_path / "run2.wacz", tmp_path / "latest.wacz"
    res = runner.invoke(main, ["export", archive, "--run", "run2", "-o", str(out_run)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["export", archive, "--format", "wacz", "-o", str(out_snap)])
    assert res.exit_code == 0, res.output
    n_articles = len({r["id"] for r in run_records(crawled["archive"], "run1")})
    for path, n_min in ((out_run, n_articles), (out_snap, n_articles)):
        res = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(path)], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout + res.stderr
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            pages = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()[1:]]
            assert "datapackage.json" in names and any(n.startswith("indexes/") for n in names)
            warcs = [n for n in names if n.startswith("archive/")]
        assert len(pages) >= n_min and all(p["url"].startswith(crawled["base"]) and p["ts"] for p in pages)
        if path == out_run:
            # run2's revisits refer to run1's captures: those are packed too, so the WACZ replays alone
            assert sorted(warcs) == ["archive/captures.warc.gz", "archive/originals.warc.gz"], warcs
