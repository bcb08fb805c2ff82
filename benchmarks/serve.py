"""`newsarchive serve` and `newsarchive search` on a large archive, against their peers (run by hand):

    .venv/bin/python benchmarks/serve.py                          # 100,000 articles, 10 outlets, 3 runs each
    .venv/bin/python benchmarks/serve.py --articles 20000 --keep /tmp/bench-archive
    .venv/bin/python benchmarks/serve.py --reuse /tmp/bench-archive   # time the pages again, no rebuild

1. build: the archive is written through the real RunWriter (records, WARC captures for one article in
   20, listed sightings, new and edited versions in later runs); each run's close updates the search
   index as a crawl does. Then the search index is rebuilt from scratch (`newsarchive reindex`'s part),
   and one more small run (300 articles) times the incremental update a daily crawl pays.
2. pages: every view, served by waitress on 127.0.0.1, each URL timed 20 times over one keep-alive
   connection after a first request (median, 95th percentile, max, first). Target: under 200 ms.
3. search: queries of every kind (common and rare words, phrases, with and without diacritics, filters),
   through the library (what `newsarchive search` calls) and through the web page. Target: under 100 ms.
4. peers, measured in the same run: search against a plain scan of the latest records (what a user
   without the index would do: read every run, keep the latest versions, fold, match); the article page
   against `newsarchive history` (newsarchive.archive.history: reads the run files); the snapshot diff
   page against `newsarchive diff` (diff_records over two streamed snapshots).

Synthetic text is made of real Vietnamese sentences (the bundled sample site's articles), shuffled.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUTLETS = [  # (site, outlet name, province) as the registry has them
    ("baolamdong.vn", "Báo Lâm Đồng", "Lâm Đồng"), ("lamdongtv.vn", "Đài PT-TH Lâm Đồng", "Lâm Đồng"),
    ("baodaknong.org.vn", "Báo Đắk Nông", "Đắk Nông"), ("baonghean.vn", "Báo Nghệ An", "Nghệ An"),
    ("qtv.vn", "Đài PT-TH Quảng Ninh", "Quảng Ninh"), ("thvl.vn", "Đài PT-TH Vĩnh Long", "Vĩnh Long"),
    ("baothanhhoa.vn", "Báo Thanh Hóa", "Thanh Hóa"), ("baodanang.vn", "Báo Đà Nẵng", "Đà Nẵng"),
    ("baokhanhhoa.vn", "Báo Khánh Hòa", "Khánh Hòa"), ("baocantho.com.vn", "Báo Cần Thơ", "Cần Thơ"),
]
PLACES = ["Đà Lạt", "Bảo Lộc", "Di Linh", "Gia Nghĩa", "Vinh", "Hạ Long", "Cẩm Phả", "Sầm Sơn", "Nha Trang",
          "Cam Ranh", "Ninh Kiều", "Hội An", "Sơn Trà", "Đức Trọng", "Lâm Hà"]


def sentences() -> list[str]:
    """Real Vietnamese sentences: the bodies of the sample site's articles."""
    from newsarchive.extract import extract_article
    from newsarchive.samples.server import SAMPLE_SITE

    out = []
    for page in sorted((SAMPLE_SITE / "bai-viet").iterdir()):
        art = extract_article(page.read_bytes(), url="https://example.vn/" + page.name)
        for para in (art.body or "").split("\n\n"):
            out += [s.strip() + "." for s in para.split(". ") if len(s.split()) >= 6]
    return out


def make_article(i: int, site: str, outlet: str, province: str, rng: random.Random, pool: list[str], edit: int = 0):
    from newsarchive.article import Article, ArticleImage

    place = rng.choice(PLACES)
    paras = []
    words = 0
    target = rng.randint(350, 650)
    while words < target or len(paras) < 3:
        para = " ".join(rng.choice(pool) for _ in range(rng.randint(2, 5)))
        paras.append(para)
        words += len(para.split())
    paras.insert(1, f"Tại {place}, {rng.choice(pool)}")
    if edit:
        paras[2] = f"Cập nhật lần {edit}: số liệu đã được điều chỉnh. " + paras[2]
    day = 730 - (i * 7919) % 730
    published = time.strftime("%Y-%m-%d", time.gmtime(1704067200 + day * 86400)) + f"T{rng.randint(5, 22):02d}:15:00+07:00"
    title = " ".join(rng.choice(pool).split()[:rng.randint(8, 14)]).rstrip(".,") + f" ở {place}"
    a = Article(url=f"https://{site}/tin-tuc/bai-viet-{i}.html", site=site, outlet=outlet, province=province,
                title=title, lead=rng.choice(pool), body="\n\n".join(paras),
                authors=[rng.choice(["Minh Anh", "Thu Hà", "Quốc Việt", "Ngọc Lan"])],
                tags=[place, rng.choice(["kinh tế", "xã hội", "giáo dục", "du lịch"])],
                published_at=published, published_raw=published, published_from="meta",
                images=[ArticleImage(url=f"https://{site}/anh/{i}.jpg", caption=rng.choice(pool)[:80])],
                fetched_at="2026-03-07T02:00:00+00:00", http_status=200, language="vi")
    return a.finalise()


def page_for(a) -> dict:
    paras = "".join(f"<p>{p}</p>" for p in a.body.split("\n\n"))
    html = (f"<!doctype html><html><head><meta charset='utf-8'><title>{a.title}</title></head><body><h1>{a.title}</h1>"
            f"<p class='lead'>{a.lead}</p>{paras}<script>document.title='replayed'</script></body></html>")
    return {"url": a.url, "final_url": a.url, "status": 200, "protocol": "HTTP/1.1",
            "headers": {"Content-Type": ["text/html; charset=utf-8"]}, "request_headers": {"User-Agent": ["bench"]},
            "method": "GET", "body": html.encode("utf-8"), "fetched_at": "2026-03-07T02:00:00+00:00"}


def build(root: Path, n: int, outlets: int, runs: int) -> dict:
    from newsarchive.archive.writer import RunWriter

    pool = sentences()
    rng = random.Random(16)
    per_outlet = n // outlets
    t0 = time.perf_counter()
    closes = []
    edited_ids = []
    for o, (site, name, province) in enumerate(OUTLETS[:outlets]):
        ids = list(range(o * per_outlet, (o + 1) * per_outlet))
        first = ids[: int(per_outlet * 0.96)]
        later = ids[len(first):]
        for r in range(1, runs + 1):
            with RunWriter(root, f"2026030{r}T0{o}0000Z-{site}", options={"bench": True}, targets=[site]) as run:
                if r == 1:
                    todo = [(i, 0) for i in first]
                else:
                    step = len(later) // (runs - 1)
                    todo = [(i, 0) for i in later[(r - 2) * step:(r - 1) * step]]
                    todo += [(i, r - 1) for i in first[r::200]]                  # 0.5% edited each run
                seen = set()
                for i, edit in todo:
                    a = make_article(i, site, name, province, random.Random(i), pool, edit)
                    cap = run.capture(page_for(a)) if i % 20 == 0 or edit else None
                    run.add(a, capture=cap)
                    seen.add(i)
                    if edit and len(edited_ids) < 50:
                        edited_ids.append(a.id)
                if r > 1:
                    for i in first + later[: (r - 1) * (len(later) // (runs - 1))]:
                        if i not in seen:
                            run.seen_archived(f"https://{site}/tin-tuc/bai-viet-{i}.html")
                t_close = time.perf_counter()
            closes.append(time.perf_counter() - t_close)
        print(f"  {site}: {runs} runs written ({time.perf_counter() - t0:.0f}s so far)", flush=True)
    return {"write_s": time.perf_counter() - t0, "close_s": closes, "edited": edited_ids}


def timed(conn: http.client.HTTPConnection, path: str, repeat: int) -> tuple[list[float], int, int]:
    times = []
    status = size = 0
    for k in range(repeat + 1):
        t = time.perf_counter()
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        times.append((time.perf_counter() - t) * 1000)
        status, size = resp.status, len(body)
    return times, status, size


def fmt(times: list[float]) -> str:
    rest = sorted(times[1:])
    p95 = rest[min(len(rest) - 1, int(len(rest) * 0.95))]
    return f"{statistics.median(rest):7.1f} {p95:7.1f} {max(rest):7.1f} {times[0]:8.1f}"


def plain_scan(root: Path, words: list[str]) -> set[str]:
    """The peer of search: every run's records read, the latest versions kept, folded and matched."""
    from newsarchive.archive import layout as L
    from newsarchive.archive.lines import iter_lines
    from newsarchive.search.fold import fold, tokens

    latest: dict[str, tuple[int, str]] = {}
    for run in L.list_run_dirs(root):
        path = run / L.ARTICLES
        if path.exists():
            for _, line in iter_lines(path):
                rec = json.loads(line)
                if rec["id"] not in latest or rec["version"] > latest[rec["id"]][0]:
                    latest[rec["id"]] = (rec["version"], " ".join(rec.get(k) or "" for k in ("title", "lead", "body")))
    wanted = [t for w in words for t in tokens(fold(w))]
    return {aid for aid, (_v, text) in latest.items() if all(t in set(tokens(fold(text))) for t in wanted)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--outlets", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--keep", help="Build the archive here and keep it.")
    ap.add_argument("--reuse", help="Time an archive built earlier with --keep.")
    ap.add_argument("--no-peers", action="store_true", help="Skip the (slow) peer measurements.")
    args = ap.parse_args()

    from newsarchive.search import open_readonly, parse_filters, parse_query, search
    from newsarchive.search.index import SEARCH, rebuild

    tmp = None
    if args.reuse:
        root = Path(args.reuse)
        info = json.loads((root / "bench.json").read_text())
    else:
        root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="newsarchive-serve-bench-")) / "archive"
        if root.exists():
            shutil.rmtree(root)
        tmp = None if args.keep else root.parent
        print(f"Building {args.articles:,} articles ({args.outlets} outlets x {args.runs} runs) in {root}", flush=True)
        info = build(root, args.articles, args.outlets, args.runs)
        print(f"  written in {info['write_s']:.0f}s; closing a run (manifest + search index update): "
              f"median {statistics.median(info['close_s']):.1f}s, max {max(info['close_s']):.1f}s")
        t = time.perf_counter()
        rep = rebuild(root)
        info["rebuild_s"] = time.perf_counter() - t
        print(f"  search index rebuilt from scratch: {rep.records:,} versions, {rep.articles:,} articles in "
              f"{info['rebuild_s']:.0f}s ({rep.records / info['rebuild_s']:,.0f} versions/s)")
        from newsarchive.archive.writer import RunWriter

        pool = sentences()
        site, name, province = OUTLETS[0]
        t = time.perf_counter()
        with RunWriter(root, "20260309T000000Z-daily", targets=[site]) as run:
            for i in range(10_000_000, 10_000_300):
                run.add(make_article(i, site, name, province, random.Random(i), pool))
            t_close = time.perf_counter()
        info["daily_close_s"] = time.perf_counter() - t_close
        print(f"  a daily run of 300 new articles: written in {t_close - t:.1f}s, closed with its search update in "
              f"{info['daily_close_s']:.2f}s")
        (root / "bench.json").write_text(json.dumps(info))
    sizes = {p.name: p.stat().st_size for p in root.iterdir() if p.is_file()}
    runs_size = sum(p.stat().st_size for p in (root / "runs").rglob("*") if p.is_file())
    print(f"Archive: runs {runs_size / 1e6:,.0f} MB, index.sqlite {sizes.get('index.sqlite', 0) / 1e6:,.0f} MB, "
          f"search.sqlite {sizes.get(SEARCH, 0) / 1e6:,.0f} MB")

    db = open_readonly(root)
    n_articles = db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
    aid = info["edited"][0]
    sample_id = db.execute("SELECT id FROM docs WHERE version = 1 ORDER BY rowid LIMIT 1 OFFSET 5000").fetchone()[0]
    cap = db.execute("SELECT id, version FROM records WHERE id = ?", (aid,)).fetchall()[-1]
    runs = [r[0] for r in db.execute("SELECT run_id FROM runs ORDER BY started_at, run_id")]
    big_run = runs[0]
    db.close()

    queries = [("common word", "của", {}), ("two common words", "người dân", {}),
               ("place, diacritics", "Đà Lạt", {}), ("place, plain", "da lat", {}),
               ("phrase", '"thị trường xăng dầu"', {}), ("rare words", "Cập nhật lần 2", {}),
               ("prefix", "chứng*", {}), ("exclusion", "giá vàng -USD", {}),
               ("outlet filter", "du lịch", {"site": "baolamdong.vn"}),
               ("province + dates", "kinh tế", {"province": "lam dong", "since": "2025-01-01", "until": "2025-06-30"}),
               ("filters only", None, {"province": "Nghệ An", "since": "2025-03-01"})]

    print(f"\nSearch through the library ({n_articles:,} articles; what `newsarchive search` runs), ms:")
    print(f"  {'query':<20} {'results':>8} {'median':>7} {'p95':>7} {'max':>7} {'first':>8}")
    db = open_readonly(root)
    for label, text, filters in queries:
        q = parse_query(text) if text else None
        f = parse_filters(**filters)
        times = []
        total = 0
        for _ in range(args.repeat + 1):
            t = time.perf_counter()
            res = search(db, q, f)
            times.append((time.perf_counter() - t) * 1000)
            total = res.total
        print(f"  {label:<20} {total:>8,} {fmt(times)}")
    db.close()

    from newsarchive.serve.server import running

    pages = [("outlets", "/"), ("outlet", "/outlets/baolamdong.vn"), ("outlet, page 50", "/outlets/baolamdong.vn?page=50"),
             ("outlet, 2 years", "/outlets/baolamdong.vn?since=2024-01-01&until=2025-12-31"),
             ("runs", "/runs"), ("run (first, big)", f"/runs/{big_run}"), ("run, page 100", f"/runs/{big_run}?page=100"),
             ("article", f"/articles/{aid}"), ("article (v1 only)", f"/articles/{sample_id}"),
             ("article diff", f"/articles/{aid}/diff"), ("capture page", f"/articles/{cap[0]}/v{cap[1]}/capture"),
             ("capture replay", f"/captures/{cap[0]}/v{cap[1]}"),
             ("snapshot diff, new pair", f"/diff?a={runs[1]}&b={runs[-1]}"),
             ("snapshot diff, page 2", f"/diff?a={runs[1]}&b={runs[-1]}&kind=added&page=2"),
             ("search: common word", "/search?q=" + quote("của")), ("search: Đà Lạt", "/search?q=" + quote("Đà Lạt")),
             ("search: da lat", "/search?q=da+lat"), ("search: phrase", "/search?q=" + quote('"thị trường xăng dầu"')),
             ("search: + filters", "/search?q=" + quote("kinh tế") + "&province=" + quote("Lâm Đồng") + "&since=2025-01-01"),
             ("search: page 20", "/search?q=" + quote("người dân") + "&page=20"),
             ("snapshot diff, default", "/diff")]   # last: the server computed it at start (warm-up)
    print("\nPages served by waitress on 127.0.0.1 (ms; 'first' includes filling caches; the server computes the\n"
          "outlets overview and the diff of the last two crawls when it starts):")
    print(f"  {'page':<24} {'status':>6} {'KB':>6} {'median':>7} {'p95':>7} {'max':>7} {'first':>8}")
    with running(root) as base:
        conn = http.client.HTTPConnection(base.split("//")[1], timeout=120)
        worst = 0.0
        for label, path in pages:
            times, status, size = timed(conn, path, args.repeat)
            worst = max(worst, statistics.median(times[1:]))
            print(f"  {label:<24} {status:>6} {size / 1024:>6.0f} {fmt(times)}")
        conn.close()
    print(f"  slowest median: {worst:.1f} ms (target 200 ms)")

    if not args.no_peers:
        print("\nPeers, measured now:")
        words = ["Đà", "Lạt"]
        t = time.perf_counter()
        scanned = plain_scan(root, words)
        scan_ms = (time.perf_counter() - t) * 1000
        db = open_readonly(root)
        t = time.perf_counter()
        res = search(db, parse_query("Đà Lạt"), per_page=20)
        search_ms = (time.perf_counter() - t) * 1000
        db.close()
        assert res.total == len(scanned), (res.total, len(scanned))
        print(f"  search 'Đà Lạt' {search_ms:.1f} ms vs plain scan of the records {scan_ms:,.0f} ms "
              f"({res.total:,} matches both): RATIO {scan_ms / search_ms:,.0f}x")
        from newsarchive.archive.history import history

        t = time.perf_counter()
        history(root, aid)
        hist_ms = (time.perf_counter() - t) * 1000
        with running(root) as base:
            conn = http.client.HTTPConnection(base.split("//")[1], timeout=120)
            art = statistics.median(timed(conn, f"/articles/{aid}", 5)[0][1:])
            conn.close()
        print(f"  article page {art:.1f} ms vs `newsarchive history` (library) {hist_ms:,.0f} ms: RATIO {hist_ms / art:,.0f}x")
        from newsarchive.archive.diff import diff_records
        from newsarchive.archive.snapshot import iter_snapshot_lines

        t = time.perf_counter()
        n = sum(1 for _ in diff_records(iter_snapshot_lines(root, as_of=runs[1], raw=True),
                                        iter_snapshot_lines(root, as_of=runs[-1], raw=True)))
        diff_ms = (time.perf_counter() - t) * 1000
        with running(root) as base:
            conn = http.client.HTTPConnection(base.split("//")[1], timeout=300)
            first = timed(conn, f"/diff?a={runs[1]}&b={runs[-1]}", 0)[0][0]
            conn.close()
        print(f"  snapshot diff page, first (uncached) request {first:,.0f} ms vs `newsarchive diff` (library, "
              f"{n - 1:,} changes) {diff_ms:,.0f} ms: RATIO {diff_ms / first:,.1f}x")
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
