"""Discovery benchmark: what a crawl costs per site shape, what an unchanged re-run costs, and how
well many outlets crawl in parallel, each at its own polite pace.

1. Shapes: every site of the test zoo (tests/sitezoo.py: real article pages in twelve common site
   shapes, each on its own loopback address) crawled from its home URL alone, then crawled again
   unchanged. Printed per shape: articles archived and expected, requests per archived article on the
   first crawl, requests and articles fetched by the unchanged re-run, whether each run was a whole view.
2. Many outlets: --outlets sites of --articles articles each (shapes taken in turn), on 127.0.1.x,
   crawled by one ``newsarchive crawl`` of all of them with DOWNLOAD_DELAY --delay and one request
   at a time per outlet: the politeness limit of each outlet is 1/delay requests/s. Printed: requests,
   seconds, the whole crawl's requests/s, each outlet's rate against its own limit, and RATIO = the
   aggregate requests/s while every outlet still had work / the sum of the limits (the aim: at
   least 0.8).

    .venv/bin/python benchmarks/discovery.py [--outlets 30] [--articles 30] [--delay 0.5] [--skip-shapes]

Only loopback addresses are ever contacted.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from crawling import run_spider  # noqa: E402
from sitezoo import SHAPES, OutsideSite, ZooSite  # noqa: E402

FAST = {"NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4, "NEWSARCHIVE_RETRY_BACKOFF_BASE": 0.05, "RETRY_TIMES": 1}


def coverage(archive: Path) -> dict:
    manifest = json.loads(sorted(archive.glob("runs/*/manifest.json"))[-1].read_text("utf-8"))
    return next(iter(manifest.get("coverage", {}).values()), {})


def archived(archive: Path) -> int:
    from newsarchive.crawlstate import iter_archived_records

    return len({r["url"] for r in iter_archived_records(archive)})


def shapes(tmp: Path) -> None:
    outside = OutsideSite("127.0.0.9")
    print(f"{'shape':22} {'found':>7} {'req/article':>12} {'whole':>6} {'rerun req':>10} {'rerun art':>10} {'whole':>6}")
    try:
        for i, shape in enumerate(SHAPES):
            site = ZooSite(shape, host=f"127.0.2.{10 + i}", outside=outside.base)
            site.start()
            archive = tmp / shape
            try:
                run_spider("outlet", {**FAST, "ARCHIVE_DIR": str(archive)}, target=site.start_url)
                first, got, whole1 = len(site.requests), archived(archive), coverage(archive).get("whole_site")
                run_spider("outlet", {**FAST, "ARCHIVE_DIR": str(archive)}, target=site.start_url)
                again = site.requests[first:]
                paths = {a.path for a in site.articles}
                refetched = sum(1 for r in again if "/" + r.split("/", 1)[-1].split("?")[0] in paths)
                whole2 = coverage(archive).get("whole_site")
            finally:
                site.stop()
            print(f"{shape:22} {got:>3}/{len(site.articles):<3} {first / max(got, 1):12.2f} {str(whole1):>6} "
                  f"{len(again):>10} {refetched:>10} {str(whole2):>6}")
        assert not outside.requests, outside.requests
    finally:
        outside.stop()


def many(tmp: Path, outlets: int, articles: int, delay: float) -> None:
    outside = OutsideSite("127.0.0.9")
    chosen = [s for s in SHAPES if s not in ("traps", "moved_domain", "sitemap_child_fails")]
    sites = [ZooSite(chosen[i % len(chosen)], host=f"127.0.1.{10 + i}", outside=outside.base, articles=articles)
             for i in range(outlets)]
    try:
        for s in sites:
            s.start()
        # (no jitter: with Scrapy's default ±50% the slot draws a new delay each time it looks at its
        # queue and starts a request once one draw is short enough, so the mean pause is about 1.26
        # times DOWNLOAD_DELAY, and 1/delay would not be the limit any more)
        settings = {**FAST, "ARCHIVE_DIR": str(tmp / "many"), "DOWNLOAD_DELAY": delay,
                    "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY_JITTER": 0}
        started = time.perf_counter()
        crawl = run_spider("outlet", settings, timeout=1800, target=",".join(s.start_url for s in sites))
        seconds = time.perf_counter() - started
        requests = sum(len(s.requests) for s in sites)
        # requests Scrapy's robots.txt middleware makes are paced by the same slots only in part: count
        # what every site answered, over the wall time of the whole crawl
        per_site = collections.Counter(len(s.requests) for s in sites)
        limit = outlets / delay
        rate = requests / seconds
        # steady state: while every outlet still has work (sites of different shapes need different
        # numbers of requests, so the whole crawl's average also measures how unequal they are)
        start = max(s.times[0] for s in sites)
        end = min(s.times[-1] for s in sites)
        inside = sum(1 for s in sites for t in s.times if start <= t <= end)
        steady = inside / (end - start) if end > start else float("nan")
        # each outlet against its own limit: requests over the time from its first to its last request
        own = sorted(len(s.times) / max(1e-9, s.times[-1] - s.times[0]) * delay for s in sites)
        got = archived(tmp / "many")
        want = sum(len(s.articles) for s in sites)
        print(f"{outlets} outlets, {want} articles ({got} archived), delay {delay} s, 1 request at a time each")
        print(f"  requests {requests} (per site: {dict(per_site)}), {seconds:.1f} s, finish {crawl.finish_reason}")
        print(f"  whole crawl: {rate:.1f} requests/s ({rate / limit:.2f} of the {limit:.1f} requests/s the "
              "politeness limits allow)")
        print(f"  each outlet against its own limit: median {own[len(own) // 2]:.2f}, lowest {own[0]:.2f}")
        print(f"  while every outlet had work ({end - start:.1f} s): {steady:.1f} requests/s")
        print(f"RATIO {steady / limit:.2f}")
    finally:
        for s in sites:
            s.stop()
        outside.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--outlets", type=int, default=30)
    ap.add_argument("--articles", type=int, default=30)
    ap.add_argument("--delay", type=float, default=0.5)    # the project default DOWNLOAD_DELAY
    ap.add_argument("--skip-shapes", action="store_true")
    ap.add_argument("--skip-many", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_shapes:
            shapes(Path(tmp))
        if not args.skip_many:
            many(Path(tmp), args.outlets, args.articles, args.delay)


if __name__ == "__main__":
    main()
