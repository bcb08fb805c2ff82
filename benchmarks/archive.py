"""Archive benchmarks, each against its peer measured in the same run (run by hand):

    .venv/bin/python benchmarks/archive.py                 # 100,000-article snapshots (default)
    .venv/bin/python benchmarks/archive.py --articles 20000 --only write,load

1. write: RunWriter (JSON Lines, zstd level 3, a block flushed per record, plus the index) in MB/s of
   JSON written, against the same lines written through gzip level 6 (flushed per record the same way);
   and with a WARC capture per record (a 60 kB page) for the whole store.
2. diff: `diff_records` of two synthetic snapshots (1% added, 1% removed, 2% edited) against loading
   both into pandas (`read_json(lines=True)`) and merging on id. Time and peak memory (max RSS of a
   fresh child process each).
3. load: `newsarchive.load(file)` (pyarrow) in rows/s against `pandas.read_json(lines=True)`.
4. scale (``--only scale --versions 1000000``): one archive of N article versions (two crawls of 20
   outlets: the first writes 60% of N as version 1, the second, an incremental crawl, 30% as version
   2 and 10% new), then, each in a fresh process with its peak RSS: the latest snapshot and the one
   as of the first crawl (`write_snapshot`), the diff of the two, the export of the latest to Parquet
   partitioned by site and year, and a DuckDB count per outlet and month over that dataset; each
   against pandas doing the same (read the runs' JSON Lines, keep the latest version per id; merge;
   ``to_parquet(partition_cols=...)``; ``read_parquet`` + groupby) in a process limited to
   ``--pandas-memory`` GB, reported as failed when it runs out.

Synthetic records look like real ones: Vietnamese text, ~2.5 kB of body, images, authors, tags.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = ("giá vàng thị trường tỉnh Lâm Đồng người dân chính quyền huyện xã dự án đầu tư nông nghiệp cà phê "
         "hội nghị triển khai kế hoạch năm công an điều tra vụ việc học sinh trường bệnh viện y tế du lịch "
         "Đà Lạt mưa lớn sạt lở giao thông quốc lộ cán bộ đảng bộ nhân dân phát triển kinh tế xã hội").split()


def text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words)).capitalize() + "."


def record(i: int, rng: random.Random, edit: bool = False) -> dict:
    from newsarchive.article import Article, ArticleImage

    paras = [text(rng, rng.randint(40, 90)) for _ in range(6)]
    if edit:
        paras[2] = "Cập nhật: " + paras[2]
    a = Article(url=f"https://baolamdong.vn/tin-tuc/bai-viet-so-{i}.html", site="baolamdong.vn", outlet="Báo Lâm Đồng",
                province="Lâm Đồng", title=text(rng, 12), lead=text(rng, 30), body="\n\n".join(paras),
                authors=["Minh Anh", "Thu Hà"][: rng.randint(1, 2)], tags=[rng.choice(WORDS) for _ in range(3)],
                published_at=f"2026-0{rng.randint(1, 3)}-{rng.randint(10, 28)}T0{rng.randint(0, 9)}:30:00+07:00",
                published_raw="Thứ Bảy, 07/03/2026 - 08:30", published_from="meta",
                images=[ArticleImage(url=f"https://baolamdong.vn/anh/{i}-{k}.jpg", caption=text(rng, 10))
                        for k in range(2)],
                fetched_at="2026-03-07T02:00:00+00:00", http_status=200, language="vi", run_id="bench")
    return a.finalise().to_dict()


def make_snapshots(n: int, folder: Path) -> tuple[Path, Path]:
    rng = random.Random(7)
    a, b = folder / "a.jsonl", folder / "b.jsonl"
    with open(a, "w", encoding="utf-8") as fa, open(b, "w", encoding="utf-8") as fb:
        for i in range(n):
            state = rng.random()
            seed = rng.random()
            rec = record(i, random.Random(seed))
            if state >= 0.01:  # 1% removed in B
                fa.write(json.dumps(rec, ensure_ascii=False) + "\n")
            else:
                pass
            if state < 0.01:
                fb.write(json.dumps(rec, ensure_ascii=False) + "\n")   # in B only: added
            elif state < 0.02:
                pass                                                     # in A only: removed
            elif state < 0.04:
                edited = record(i, random.Random(seed), edit=True)
                edited["version"] = 2
                fb.write(json.dumps(edited, ensure_ascii=False) + "\n")
            else:
                fb.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return a, b


# --- child tasks (each in a fresh process, so max RSS is its own) ---------------------------------


def task_diff_ours(a: str, b: str) -> dict:
    from newsarchive.archive.diff import diff_records
    t = time.perf_counter()
    counts = {"added": 0, "removed": 0, "changed": 0}
    summary = None
    for item in diff_records(a, b):  # paths of plain JSON Lines files: the streaming pyarrow path
        if hasattr(item, "kind"):
            counts[item.kind] += 1
        else:
            summary = item
    return {"seconds": time.perf_counter() - t, **counts, "unchanged": summary.unchanged}


def task_diff_pandas(a: str, b: str) -> dict:
    import pandas as pd

    t = time.perf_counter()
    da = pd.read_json(a, lines=True)
    db = pd.read_json(b, lines=True)
    m = da.merge(db, on="id", how="outer", suffixes=("_a", "_b"), indicator=True)
    added = int((m["_merge"] == "right_only").sum())
    removed = int((m["_merge"] == "left_only").sum())
    both = m[m["_merge"] == "both"]
    changed_mask = pd.Series(False, index=both.index)
    for f in ("title", "lead", "body", "authors", "published_at", "modified_at", "images", "tags"):
        fa, fb = both[f + "_a"], both[f + "_b"]
        changed_mask |= (fa.astype(str) != fb.astype(str)) & ~(fa.isna() & fb.isna())
    return {"seconds": time.perf_counter() - t, "added": added, "removed": removed,
            "changed": int(changed_mask.sum()), "unchanged": int((~changed_mask).sum())}


def task_load_ours(path: str) -> dict:
    import newsarchive

    t = time.perf_counter()
    df = newsarchive.load(path)
    assert str(df["published_at"].dt.tz) == "Asia/Ho_Chi_Minh"
    return {"seconds": time.perf_counter() - t, "rows": len(df)}


def task_load_pandas(path: str) -> dict:
    import pandas as pd

    t = time.perf_counter()
    df = pd.read_json(path, lines=True)
    return {"seconds": time.perf_counter() - t, "rows": len(df)}


def peak_mb() -> float:
    """Peak RSS of this process since its exec (VmHWM; ru_maxrss would include the parent's at fork)."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- scale: one archive of a million versions ----------------------------------------------------------

SCALE_SITES = [f"bao-tinh-{k:02d}.vn" for k in range(20)]


def scale_record(i: int, version: int, rng: random.Random, run_id: str) -> dict:
    """A synthetic record with the schema's fields (faster to make than Article.finalise, same shape)."""
    import hashlib

    site = SCALE_SITES[i % len(SCALE_SITES)]
    url = f"https://{site}/tin-tuc/bai-viet-so-{i}.html"
    paras = [text(rng, rng.randint(30, 60)) for _ in range(4)]
    if version > 1:
        paras[1] = "Cập nhật: " + paras[1]
    title, lead, body = text(rng, 12), text(rng, 25), "\n\n".join(paras)
    month = 1 + (i // len(SCALE_SITES)) % 24
    published = f"{2025 + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}-{1 + i % 28:02d}T0{i % 10}:30:00+07:00"
    return {
        "url": url, "id": hashlib.sha256(url.encode()).hexdigest()[:16], "canonical_url": url, "final_url": url,
        "site": site, "outlet": f"Báo Tỉnh {i % len(SCALE_SITES):02d}", "province": "Lâm Đồng",
        "title": title, "lead": lead, "body": body, "authors": ["Minh Anh"], "sources": [], "byline_raw": "Minh Anh",
        "published_at": published, "published_raw": published, "published_from": "meta", "published_precision": "minute",
        "modified_at": None, "modified_raw": None, "modified_from": None, "category": "Thời sự",
        "tags": [rng.choice(WORDS) for _ in range(3)],
        "images": [{"url": f"https://{site}/anh/{i}.jpg", "caption": text(rng, 8), "credit": None, "alt": None}],
        "videos": [], "language": "vi", "word_count": len(body.split()),
        "content_hash": hashlib.sha256((title + lead + body).encode()).hexdigest(),
        "fetched_at": "2026-03-07T02:00:00+00:00", "http_status": 200, "run_id": run_id, "version": version,
        "capture": None, "extraction": {"method": "newsarchive-1", "warnings": [], "sources": {"title": "h1"}},
        "schema_version": 1,
    }


def task_scale_build(root: str, n: int) -> dict:
    from newsarchive.archive.writer import RunWriter

    t = time.perf_counter()
    n = int(n)
    first, changed = int(n * 0.6), int(n * 0.3)
    with RunWriter(root, "20260301T000000Z-0001") as run:               # a complete crawl
        for i in range(first):
            run.add(scale_record(i, 1, random.Random(i), run.run_id))
    # an incremental crawl (a --since window: it adds and changes, removes nothing)
    with RunWriter(root, "20260308T000000Z-0002", options={"spider.since": "2026-03-01"}) as run:
        for i in range(changed):
            run.add(scale_record(i, 2, random.Random(i), run.run_id))
        for i in range(first, first + (n - first - changed)):
            run.add(scale_record(i, 1, random.Random(i), run.run_id))
    return {"seconds": time.perf_counter() - t}


def task_scale_snapshot(root: str, out: str, as_of: str) -> dict:
    from newsarchive.archive.snapshot import write_snapshot

    t = time.perf_counter()
    n = write_snapshot(root, out, as_of=as_of or None)
    return {"seconds": time.perf_counter() - t, "rows": n}


def _pandas_runs(root: str, up_to: str | None):
    import io

    import pandas as pd
    import zstandard

    frames = []
    for run in sorted(Path(root, "runs").iterdir()):
        if up_to and run.name > up_to:
            continue
        with open(run / "articles.jsonl.zst", "rb") as fh:
            data = zstandard.ZstdDecompressor().stream_reader(fh).read()
        frames.append(pd.read_json(io.BytesIO(data), lines=True, dtype=False))
    return pd.concat(frames, ignore_index=True)


def task_scale_snapshot_pandas(root: str, out: str, as_of: str) -> dict:
    t = time.perf_counter()
    df = _pandas_runs(root, as_of or None)
    latest = df.sort_values("version").drop_duplicates("id", keep="last")
    latest.to_json(out, orient="records", lines=True, force_ascii=False)
    return {"seconds": time.perf_counter() - t, "rows": len(latest)}


def task_scale_export(snapshot_root: str, out: str) -> dict:
    from newsarchive.archive.export import export

    t = time.perf_counter()
    n = export(snapshot_root, out, partition=["site", "year"])
    return {"seconds": time.perf_counter() - t, "rows": n}


def task_scale_export_pandas(snapshot: str, out: str) -> dict:
    import pandas as pd

    t = time.perf_counter()
    df = pd.read_json(snapshot, lines=True, dtype=False)
    ts = pd.to_datetime(df["published_at"], utc=True, format="ISO8601").dt.tz_convert("Asia/Ho_Chi_Minh")
    df["published_at"] = ts
    df["year"] = ts.dt.year
    df.to_parquet(out, partition_cols=["site", "year"])
    return {"seconds": time.perf_counter() - t, "rows": len(df)}


def task_scale_count(dataset: str) -> dict:
    import duckdb

    t = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
    rows = con.sql(f"SELECT outlet, strftime(published_at, '%Y-%m') AS month, count(*) AS n "
                   f"FROM read_parquet('{dataset}/**/*.parquet', hive_partitioning = true) GROUP BY ALL").fetchall()
    return {"seconds": time.perf_counter() - t, "groups": len(rows), "rows": sum(r[2] for r in rows)}


def task_scale_count_pandas(dataset: str) -> dict:
    import pandas as pd

    t = time.perf_counter()
    df = pd.read_parquet(dataset, columns=["outlet", "published_at"])
    groups = df.groupby([df["outlet"], df["published_at"].dt.strftime("%Y-%m")]).size()
    return {"seconds": time.perf_counter() - t, "groups": len(groups), "rows": int(groups.sum())}


TASKS = {f.__name__: f for f in (task_diff_ours, task_diff_pandas, task_load_ours, task_load_pandas,
                                 task_scale_build, task_scale_snapshot, task_scale_snapshot_pandas,
                                 task_scale_export, task_scale_export_pandas, task_scale_count,
                                 task_scale_count_pandas)}


def child(name: str, *args: str, memory_gb: float | None = None) -> dict:
    """Run a task in a fresh interpreter; returns its result plus its peak memory (MB). With
    `memory_gb`, the process's address space is limited to that: a task that runs out is reported
    as {"failed": why}."""
    limit = (f"resource.setrlimit(resource.RLIMIT_AS, ({int(memory_gb * 2**30)}, {int(memory_gb * 2**30)}));"
             if memory_gb else "")
    code = (f"import sys, json, resource; {limit} sys.path.insert(0, {str(ROOT)!r}); sys.argv = ['x'];"
            f"import importlib.util as u; s = u.spec_from_file_location('b', {str(Path(__file__))!r});"
            f"m = u.module_from_spec(s); s.loader.exec_module(m); r = m.TASKS[{name!r}](*{list(args)!r});"
            f"u = resource.getrusage(resource.RUSAGE_SELF); r['cpu'] = u.ru_utime + u.ru_stime;"
            f"r['peak_mb'] = m.peak_mb(); print(json.dumps(r))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode != 0:
        if memory_gb is not None:
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            return {"failed": f"{last[:120]} (limited to {memory_gb:g} GB)"}
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- benchmarks -------------------------------------------------------------------------------------


def bench_write(n: int, folder: Path) -> None:
    from newsarchive.archive.lines import LineAppender
    from newsarchive.archive.writer import RunWriter
    from newsarchive.jsonl import dumps

    rng = random.Random(1)
    records = [record(i, rng) for i in range(n)]
    lines = [dumps(r) for r in records]
    mb = sum(len(line.encode("utf-8")) + 1 for line in lines) / 1e6

    # 1. the codec alone, both made crash-safe the same way (every line reaches the OS before the next)
    t = time.perf_counter()
    out = LineAppender(folder / "codec.jsonl.zst")
    for line in lines:
        out.write(line)
    out.close()
    zst = time.perf_counter() - t
    zst_size = (folder / "codec.jsonl.zst").stat().st_size / 1e6
    t = time.perf_counter()
    with gzip.open(folder / "codec.jsonl.gz", "wt", encoding="utf-8", compresslevel=6) as fh:
        for line in lines:
            fh.write(line + "\n")
            fh.flush()
    gz = time.perf_counter() - t
    gz_size = (folder / "codec.jsonl.gz").stat().st_size / 1e6

    # 2. the whole store: records -> JSON -> compressed file + version index (RunWriter), against
    #    the same records serialised and written through gzip -6 with no index at all
    t = time.perf_counter()
    with RunWriter(folder / "w1", "bench") as run:
        for r in records:
            run.add(r)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    with gzip.open(folder / "peer.jsonl.gz", "wt", encoding="utf-8", compresslevel=6) as fh:
        for r in records:
            fh.write(dumps(r) + "\n")
            fh.flush()
    peer = time.perf_counter() - t

    # 3. with a WARC capture (request + response, a 60 kB page) per record
    m = min(n, 20000)
    page = {"status": 200, "headers": {"Content-Type": ["text/html; charset=utf-8"]}, "request_headers": {},
            "method": "GET", "protocol": "HTTP/1.1", "fetched_at": "2026-03-07T02:00:00+00:00"}
    body = ("<html><body>" + "".join(f"<p>{text(rng, 60)}</p>" for _ in range(120)) + "</body></html>").encode()[:60000]
    t = time.perf_counter()
    with RunWriter(folder / "w2", "bench") as run:
        for r in records[:m]:
            run.add(r, capture=run.capture({**page, "url": r["url"], "final_url": r["url"], "body": body}))
    full = time.perf_counter() - t
    full_mb = m * len(body) / 1e6 + mb * m / n

    print(f"write: {n:,} records, {mb:.0f} MB of JSON Lines")
    print(f"  codec, a flush per line:  zstd -3 {mb / zst:6.1f} MB/s ({zst_size:.1f} MB)   "
          f"gzip -6 {mb / gz:6.1f} MB/s ({gz_size:.1f} MB)   ratio {gz / zst:.1f}x")
    print(f"  store (records -> JSON -> file): RunWriter with index {mb / ours:6.1f} MB/s "
          f"({n / ours:,.0f} records/s)   gzip -6, no index {mb / peer:6.1f} MB/s   ratio {peer / ours:.1f}x")
    print(f"  store with WARC captures ({m:,} pages of {len(body) // 1000} kB): {full_mb / full:.1f} MB/s "
          f"({m / full:,.0f} pages/s)")


def bench_diff(n: int, folder: Path) -> tuple[Path, Path]:
    t = time.perf_counter()
    a, b = make_snapshots(n, folder)
    print(f"\ndiff: two snapshots of {n:,} articles ({a.stat().st_size / 1e6:.0f} MB + {b.stat().st_size / 1e6:.0f} MB), "
          f"made in {time.perf_counter() - t:.0f} s")
    ours = child("task_diff_ours", str(a), str(b))
    peer = child("task_diff_pandas", str(a), str(b))
    for name, r in (("newsarchive diff (sqlite-backed)", ours), ("pandas read_json + merge (peer)", peer)):
        print(f"  {name:34} {r['seconds']:7.1f} s (cpu {r['cpu']:5.1f} s)  peak {r['peak_mb']:6.0f} MB   "
              f"added {r['added']}, removed {r['removed']}, changed {r['changed']}")
    print(f"  ratio: {peer['seconds'] / ours['seconds']:.1f}x faster (cpu time {peer['cpu'] / ours['cpu']:.1f}x), "
          f"{peer['peak_mb'] / ours['peak_mb']:.1f}x less memory")
    return a, b


def bench_load(path: Path) -> None:
    ours = child("task_load_ours", str(path))
    peer = child("task_load_pandas", str(path))
    print(f"\nload: {ours['rows']:,} rows from {path.stat().st_size / 1e6:.0f} MB of JSON Lines")
    print(f"  newsarchive.load (pyarrow, tz-aware)  {ours['rows'] / ours['seconds']:9,.0f} rows/s  peak {ours['peak_mb']:.0f} MB")
    print(f"  pandas.read_json(lines=True) (peer)   {peer['rows'] / peer['seconds']:9,.0f} rows/s  peak {peer['peak_mb']:.0f} MB")
    print(f"  ratio: {peer['seconds'] / ours['seconds']:.1f}x (cpu time {peer['cpu'] / ours['cpu']:.1f}x)")


def _line(name: str, r: dict, what: str = "") -> str:
    if "failed" in r:
        return f"  {name:40} failed: {r['failed']}"
    return (f"  {name:40} {r['seconds']:7.1f} s (cpu {r['cpu']:6.1f} s)  peak {r['peak_mb']:6.0f} MB"
            + (f"   {what}" if what else ""))


def _ratio(ours: dict, peer: dict) -> str:
    if "failed" in peer:
        return "  ratio: pandas could not do it within its memory limit"
    return (f"  ratio: {peer['seconds'] / ours['seconds']:.1f}x faster, "
            f"{peer['peak_mb'] / ours['peak_mb']:.1f}x less memory")


def bench_scale(n: int, folder: Path, pandas_gb: float) -> None:
    root = folder / "scale"
    build = child("task_scale_build", str(root), str(n))
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6
    print(f"\nscale: one archive of {n:,} article versions (2 crawls, 20 outlets; {size:,.0f} MB on disk), "
          f"built in {build['seconds']:.0f} s (peak {build['peak_mb']:.0f} MB)")
    first = "20260301T000000Z-0001"
    for label, as_of in (("latest", ""), ("as of the first crawl", first)):
        ours = child("task_scale_snapshot", str(root), str(folder / f"snap-{as_of or 'latest'}.jsonl"), as_of)
        peer = child("task_scale_snapshot_pandas", str(root), str(folder / f"snap-pd-{as_of or 'latest'}.jsonl"),
                     as_of, memory_gb=pandas_gb)
        print(f" snapshot {label}: {ours['rows']:,} articles")
        print(_line("newsarchive snapshot (streamed)", ours))
        print(_line("pandas read_json + drop_duplicates", peer))
        print(_ratio(ours, peer))
    a, b = str(folder / f"snap-{first}.jsonl"), str(folder / "snap-latest.jsonl")
    ours = child("task_diff_ours", a, b)
    peer = child("task_diff_pandas", a, b, memory_gb=pandas_gb)
    print(" diff of the two snapshots")
    print(_line("newsarchive diff (sqlite-backed)", ours,
                f"added {ours['added']:,}, removed {ours['removed']:,}, changed {ours['changed']:,}"))
    print(_line("pandas read_json + merge", peer,
                "" if "failed" in peer else f"added {peer['added']:,}, removed {peer['removed']:,}, changed {peer['changed']:,}"))
    print(_ratio(ours, peer))
    ours = child("task_scale_export", str(root), str(folder / "parts"))
    peer = child("task_scale_export_pandas", b, str(folder / "parts-pd"), memory_gb=pandas_gb)
    files = len(list((folder / "parts").rglob("*.parquet")))
    print(f" export of the latest snapshot to Parquet partitioned by site, year ({files} files, "
          f"{sum(p.stat().st_size for p in (folder / 'parts').rglob('*.parquet')) / 1e6:,.0f} MB)")
    print(_line("newsarchive export --partition site,year", ours, f"{ours['rows']:,} rows"))
    print(_line("pandas read_json + to_parquet(partition_cols)", peer))
    print(_ratio(ours, peer))
    ours = child("task_scale_count", str(folder / "parts"))
    peer = child("task_scale_count_pandas", str(folder / "parts"), memory_gb=pandas_gb)
    print(f" count per outlet and month over the dataset ({ours['groups']} groups, {ours['rows']:,} rows)")
    print(_line("DuckDB over the hive dataset", ours))
    print(_line("pandas read_parquet + groupby", peer))
    print(_ratio(ours, peer))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--versions", type=int, default=1_000_000, help="size of the scale benchmark's archive")
    ap.add_argument("--pandas-memory", type=float, default=8, help="GB the pandas peers may use (scale)")
    ap.add_argument("--only", default="write,diff,load")
    args = ap.parse_args()
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as tmp:
        folder = Path(tmp)
        if "scale" in only:
            bench_scale(args.versions, folder, args.pandas_memory)
        if "write" in only:
            bench_write(min(args.articles, 50_000), folder)
        a = None
        if "diff" in only:
            a, _ = bench_diff(args.articles, folder)
        if "load" in only:
            if a is None:
                a, _ = make_snapshots(args.articles, folder)
            bench_load(a)


if __name__ == "__main__":
    main()
