"""Crawl benchmark: the full newsarchive crawl against bare Scrapy link-following, in one run.

1. Real pages: the test site of tests/crawlsite_server.py (real article pages, sitemaps, listings),
   enlarged to --per-month articles per section and month, served on 127.0.0.1. Measured, each in its
   own process: ``newsarchive crawl`` (discovery, extraction, dates, validation, WARC + JSON Lines
   archive) and a bare Scrapy spider that follows every in-site link from the home page and does
   nothing with the pages. Printed: articles/s of each, their ratio, peak RSS of each, and how many
   extraction worker processes the full crawl used (NEWSARCHIVE_EXTRACT_WORKERS; --workers sets it).
2. Memory: a synthetic site of --synthetic pages (small generated articles listed by a sitemap
   index) crawled by ``newsarchive crawl``; printed: pages, seconds, peak RSS (aim: < 300 MB).

    .venv/bin/python benchmarks/crawl.py [--per-month 40] [--synthetic 20000] [--workers N] [--repeat N]

The default site (40 per section and month: 487 real-page articles, 500 requests) is large enough for
the crawl's fixed costs (start-up, and the tail of retried requests, which Scrapy queues behind all
others) to weigh little against the throughput being measured; at 20 per month (247 articles) they
are over a quarter of the full crawl's time.

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

COMMON = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
          "-s", "CONCURRENT_REQUESTS=8", "-s", "LOG_LEVEL=WARNING", "-s", "NEWSARCHIVE_RETRY_BACKOFF_BASE=0.05",
          "-s", "ROBOTSTXT_OBEY=False", "-s", "TELNETCONSOLE_ENABLED=False"]

# Runs one crawl in this (child) process and prints {"seconds", "peak_rss_mb", ...} as the last line.
FULL_CHILD = r"""
import json, resource, sys, time
from newsarchive.cli.crawl_cmd import run
from newsarchive.crawler import crawl_settings
from newsarchive.crawlstate import iter_archived_records
from pipelines.extract import extract_workers
from pathlib import Path
def peak_rss_mb():  # VmHWM: this process's own peak (ru_maxrss also counts the parent it was forked from)
    try:
        return next(int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
base, archive = sys.argv[1], sys.argv[2]
settings = {"ARCHIVE_DIR": archive, "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True}
args = sys.argv[3:]
for i in range(0, len(args), 2):
    k, _, v = args[i + 1].partition("=")
    settings[k] = v
worker_peak = [0.0]

def watch_workers():  # peak RSS (VmHWM) of the extraction worker processes, sampled while they live
    import multiprocessing, threading
    def loop():
        while True:
            for proc in multiprocessing.active_children():
                try:
                    for line in open(f"/proc/{proc.pid}/status"):
                        if line.startswith("VmHWM:"):
                            worker_peak[0] = max(worker_peak[0], int(line.split()[1]) / 1024)
                except OSError:
                    pass
            time.sleep(0.2)
    threading.Thread(target=loop, daemon=True).start()

watch_workers()
t = time.perf_counter()
code = run([base + "/"], settings)
secs = time.perf_counter() - t
n = sum(1 for _ in iter_archived_records(Path(archive)))
ch = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "seconds": secs, "articles": n, "cpu_seconds": time.process_time(),
                  "workers_cpu_seconds": ch.ru_utime + ch.ru_stime,
                  "workers": extract_workers(crawl_settings(settings)),
                  "peak_rss_mb": peak_rss_mb(), "workers_peak_rss_mb": worker_peak[0]}))
"""

BARE_CHILD = r"""
import json, resource, sys, time
from urllib.parse import urlsplit
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor
def peak_rss_mb():  # VmHWM: this process's own peak (ru_maxrss also counts the parent it was forked from)
    try:
        return next(int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
base = sys.argv[1]
article = __import__("re").compile(r"-\d{5,}\.html$")
counts = {"pages": 0, "articles": 0}

class Bare(scrapy.Spider):
    name = "bare"
    start_urls = [base + "/"]
    links = LinkExtractor()
    def parse(self, response):
        counts["pages"] += 1
        if article.search(response.url):
            counts["articles"] += 1
            return
        for link in self.links.extract_links(response):
            if link.url.startswith(base + "/"):
                yield response.follow(link.url, callback=self.parse)

p = CrawlerProcess({"LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False, "CONCURRENT_REQUESTS": 8,
                    "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "DOWNLOAD_DELAY": 0, "TELNETCONSOLE_ENABLED": False,
                    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7"})
t = time.perf_counter()
p.crawl(Bare)
p.start()
secs = time.perf_counter() - t
print(json.dumps({"seconds": secs, **counts, "peak_rss_mb": peak_rss_mb()}))
"""


def child(code: str, *args: str) -> dict:
    # a real file: Scrapy reads spider callbacks' source code
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(code)
    try:
        out = subprocess.run([sys.executable, fh.name, *args], capture_output=True, text=True, cwd=ROOT)
    finally:
        Path(fh.name).unlink()
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise SystemExit(f"benchmark child failed:\n{out.stderr[-3000:]}")
    return json.loads(lines[-1])


def worker_args(workers: int | None) -> list[str]:
    return [] if workers is None else ["-s", f"NEWSARCHIVE_EXTRACT_WORKERS={workers}"]


def _on_fresh_site(per_month: int, code: str, *args: str) -> tuple[dict, int]:
    """One crawl on a site of its own: the site's one-off answers (a 500 and a 429 with Retry-After
    that recover on the second try) are met by every measured crawl, not just the first one."""
    from crawlsite_server import CrawlSite

    site = CrawlSite(per_month=per_month, crawl_delay=0, slow_seconds=0)
    site.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = child(code, site.base, *[a.replace("{tmp}", tmp) for a in args])
    finally:
        site.stop()
    return out, len(site.articles)


def real_pages(per_month: int, workers: int | None = None, repeat: int = 1) -> None:
    fulls, bares = [], []
    for _ in range(repeat):   # alternated, each on a fresh site; the fastest of each is kept
        full, n_articles = _on_fresh_site(per_month, FULL_CHILD, "{tmp}/archive", *COMMON, *worker_args(workers))
        bare, _n = _on_fresh_site(per_month, BARE_CHILD)
        fulls.append(full)
        bares.append(bare)
    full = min(fulls, key=lambda r: r["seconds"])
    bare = min(bares, key=lambda r: r["seconds"])
    full_rate = full["articles"] / full["seconds"]
    bare_rate = bare["articles"] / bare["seconds"]
    best = f", fastest of {repeat} runs each" if repeat > 1 else ""
    print(f"Real-page site: {n_articles} articles (real pages, {per_month} per section and month{best})")
    print(f"  newsarchive crawl : {full['articles']:5d} articles archived in {full['seconds']:6.1f} s "
          f"= {full_rate:6.1f} articles/s, peak RSS {full['peak_rss_mb']:.0f} MB "
          f"(CPU {full['cpu_seconds']:.1f} s)\n"
          f"                      + {full['workers']} extraction worker(s): CPU {full['workers_cpu_seconds']:.1f} s, "
          f"peak RSS {full['workers_peak_rss_mb']:.0f} MB each at most")
    print(f"  bare Scrapy       : {bare['articles']:5d} articles fetched  in {bare['seconds']:6.1f} s "
          f"= {bare_rate:6.1f} articles/s ({bare['pages']} pages), peak RSS {bare['peak_rss_mb']:.0f} MB")
    if repeat > 1:
        print("  all runs (s): full " + " ".join(f"{r['seconds']:.1f}" for r in fulls)
              + " | bare " + " ".join(f"{r['seconds']:.1f}" for r in bares))
    print(f"  RATIO full / bare throughput: {full_rate / bare_rate:.2f}  (aim: >= 0.5; "
          f"{full['workers']} extraction worker(s), {os.cpu_count()} CPU(s))")


class SyntheticSite:
    """N small generated articles listed by a sitemap index (1000 URLs per sitemap)."""

    def __init__(self, n: int):
        self.n = n

    def page(self, i: int) -> bytes:
        day = 1 + i % 28
        month = 1 + (i // 28) % 12
        paras = "".join(f"<p>Đoạn {k} của bài số {i}: tin tức tỉnh nhà, nông nghiệp, du lịch và đời sống "
                        f"người dân Lâm Đồng trong tháng {month}.</p>" for k in range(12))
        return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Bài số {i}</title>'
                f'<meta property="article:published_time" content="2024-{month:02d}-{day:02d}T08:00:00+07:00">'
                f'</head><body><article><h1>Bài số {i}: tin tỉnh nhà</h1>'
                f'<div class="date">{day:02d}/{month:02d}/2024 08:00</div>{paras}</article></body></html>').encode()

    def start(self) -> str:
        site = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                path = self.path
                base = f"http://{self.headers['Host']}"
                ctype = "application/xml"
                if path == "/robots.txt":
                    body, ctype = f"User-agent: *\nSitemap: {base}/sitemap_index.xml\n".encode(), "text/plain"
                elif path == "/sitemap_index.xml":
                    body = ("<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>" + "".join(
                        f"<sitemap><loc>{base}/sm/{k}.xml</loc></sitemap>" for k in range((site.n + 999) // 1000))
                        + "</sitemapindex>").encode()
                elif path.startswith("/sm/"):
                    k = int(path[4:].split(".")[0])
                    body = ("<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>" + "".join(
                        f"<url><loc>{base}/tin/bai-viet-so-{i}-{1000000 + i}.html</loc></url>"
                        for i in range(k * 1000, min(site.n, (k + 1) * 1000))) + "</urlset>").encode()
                elif path.startswith("/tin/"):
                    body, ctype = site.page(int(path.rsplit("-", 1)[1].split(".")[0]) - 1000000), "text/html; charset=utf-8"
                elif path == "/":
                    body, ctype = b"<html><body><a href='/tin/bai-viet-so-0-1000000.html'>0</a></body></html>", "text/html"
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def synthetic(n: int, workers: int | None = None) -> None:
    site = SyntheticSite(n)
    base = site.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            full = child(FULL_CHILD, base, str(Path(tmp) / "archive"), *COMMON, "-s", "NEWSARCHIVE_MAX_LISTING_PAGES=5",
                         *worker_args(workers))
    finally:
        site.server.shutdown()
    print(f"Synthetic site: {n} article pages")
    print(f"  newsarchive crawl : {full['articles']} archived in {full['seconds']:.0f} s "
          f"({full['articles'] / full['seconds']:.0f} articles/s), peak RSS {full['peak_rss_mb']:.0f} MB "
          f"(aim: < 300 MB)\n"
          f"                      + {full['workers']} extraction worker(s): peak RSS {full['workers_peak_rss_mb']:.0f} MB "
          f"each at most")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-month", type=int, default=40, help="real-page site: articles per section and month")
    ap.add_argument("--synthetic", type=int, default=20000, help="synthetic site size (0 to skip)")
    ap.add_argument("--workers", type=int, default=None,
                    help="NEWSARCHIVE_EXTRACT_WORKERS for the full crawl (default: the crawl's own default; 0: in-thread)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="real-page site: run each crawl N times (alternating, fresh site each) and keep the fastest")
    args = ap.parse_args()
    real_pages(args.per_month, args.workers, max(1, args.repeat))
    if args.synthetic:
        synthetic(args.synthetic, args.workers)


if __name__ == "__main__":
    main()
