"""Article extraction: newsarchive against trafilatura(fast=True), on the same pages, in one run.

Two sets, each scored and timed for both extractors:

1. Vietnamese pages with hand-made answer keys (GOLD_FORMAT.md rules, scored by
   newsarchive.extract.evaluate): every field, the generic path alone on the same pages rewritten
   as unseen layouts, and the speed.
2. The public ScrapingHub article-extraction benchmark (181 article pages, mostly English): the
   body of each page is written as that benchmark's prediction files and scored by ITS OWN
   evaluate.py, run from its folder's ground truth (nothing of it is copied here).

    .venv/bin/python benchmarks/extraction.py                    # ../shared, if it is there
    .venv/bin/python benchmarks/extraction.py --gold tests/fixtures/pages --no-public
    .venv/bin/python benchmarks/extraction.py --public ../shared/benchmarks/article-extraction-benchmark

What is compared on the public benchmark. Its ``articleBody`` is the article's text as the page's
body holds it: most of its answers leave out the standfirst printed apart under the headline (a
"dek"), and keep a first paragraph that opens the body. newsarchive keeps the lead apart from the
body; its prediction ("newsarchive") is the body, with the lead in front when the lead was read
from the body's first block (``extraction.sources["lead"] == "first-block"``). The prediction
"newsarchive-lead+body" (every lead in front of the body) is scored too, so both readings show.
The pages are extracted as a crawl extracts a page a sitemap listed (``reached_as="sitemap"``), and
the pages refused (judged not articles) are counted.

Speed: the pages are run in interleaved rounds (newsarchive, then trafilatura, page by page), and
each page's best CPU time (``time.process_time``) over the rounds is kept, so load from other
processes on a shared machine does not tilt the ratio. The slowest page of each is printed (the
target: none over one second).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsarchive.extract import NotAnArticle, extract_article  # noqa: E402
from newsarchive.extract.evaluate import LAYOUT_VARIANTS, article_prediction, evaluate, evaluate_variants, load_gold, page_path, prf  # noqa: E402

SHARED = ROOT.parent / "shared"
FIELDS = ["title", "lead", "published", "modified", "authors", "sources", "category", "body_precision", "body_recall",
          "body_f1", "image_precision", "image_recall", "caption_match", "tags_f1"]


# --- the extractors ------------------------------------------------------------------------------

def ours(profiles: bool = False, reached_as: str | None = None):
    registry = None
    if profiles:
        try:
            from newsarchive.sites import load_registry

            registry = load_registry()
        except Exception:
            registry = None

    def run(data: bytes, url: str):
        site = registry.lookup(url) if registry is not None and url else None
        try:
            return article_prediction(extract_article(data, url=url, site=site, reached_as=reached_as))
        except NotAnArticle:
            return None

    return run


def trafilatura_extractor(data: bytes, url: str):
    import trafilatura

    doc = trafilatura.bare_extraction(data, url=url, fast=True, with_metadata=True, include_images=False, include_comments=False)
    if doc is None:
        return None
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = d.get("text") or ""
    body = "\n\n".join(line for line in text.split("\n") if line.strip())
    return {
        "title": d.get("title"), "lead": None, "published": d.get("date"), "modified": None,
        "authors": [a.strip() for a in (d.get("author") or "").split(";") if a.strip()], "sources": [],
        "body": body, "images": [], "category": (d.get("categories") or [None])[0] if d.get("categories") else None,
        "tags": d.get("tags") or [],
    }


def trafilatura_text(data: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(data, url=url, fast=True, include_comments=False) or ""


def newsarchive_text(data: bytes, url: str, reached_as: str | None = "sitemap") -> tuple[str, str, str | None]:
    """(body as the page's body holds it, lead + body, refusal reason or None)."""
    try:
        a = extract_article(data, url=url, reached_as=reached_as)
    except NotAnArticle as exc:
        return "", "", exc.reason
    from_body = a.extraction.sources.get("lead") == "first-block"
    body = "\n\n".join(x for x in ((a.lead if from_body else None), a.body) if x)
    return body, "\n\n".join(x for x in (a.lead, a.body) if x), None


# --- speed -----------------------------------------------------------------------------------------

def speed(pages: list[tuple[bytes, str]], rounds: int) -> dict[str, tuple[float, float]]:
    """{name: (pages per second, slowest page in s)} from each page's best CPU time over `rounds`
    interleaved rounds."""
    def run_ours(data, url):
        try:
            extract_article(data, url=url, reached_as="sitemap")
        except NotAnArticle:
            pass

    fns = {"newsarchive": run_ours, "trafilatura(fast)": trafilatura_text}
    best = {name: [float("inf")] * len(pages) for name in fns}
    clock = time.process_time
    for _ in range(rounds):
        for i, (data, url) in enumerate(pages):
            for name, fn in fns.items():
                t0 = clock()
                try:
                    fn(data, url)
                except Exception:
                    pass
                best[name][i] = min(best[name][i], clock() - t0)
    return {name: (len(pages) / sum(times), max(times)) for name, times in best.items()}


def print_speed(label: str, result: dict[str, tuple[float, float]], target: float) -> float:
    (ours_pps, ours_worst), (traf_pps, traf_worst) = result["newsarchive"], result["trafilatura(fast)"]
    ratio = ours_pps / traf_pps
    print(f"speed on {label}: newsarchive {ours_pps:.1f} pages/s (slowest page {ours_worst * 1000:.0f} ms); "
          f"trafilatura(fast) {traf_pps:.1f} pages/s (slowest {traf_worst * 1000:.0f} ms)")
    print(f"RATIO newsarchive / trafilatura(fast=True) on {label} = {ratio:.2f}x "
          f"({'meets' if ratio >= target else 'BELOW'} the {target:g}x target)")
    return ratio


# --- the Vietnamese pages ----------------------------------------------------------------------------

def vietnamese(gold_dir: Path, pages_dir: Path, rounds: int) -> None:
    keys = load_gold(gold_dir)
    if not keys:
        sys.exit(f"no answer keys under {gold_dir}")
    pages = [(page_path(g, k, gold_dir, pages_dir).read_bytes(), k.get("url") or "") for g, k in keys]
    rows = {
        "newsarchive (profiles off)": evaluate(gold_dir, pages_dir, ours(False))[0],
        "newsarchive (profiles on)": evaluate(gold_dir, pages_dir, ours(True))[0],
        "trafilatura fast": evaluate(gold_dir, pages_dir, trafilatura_extractor)[0],
    }
    refused = [str(g.relative_to(gold_dir)) for (g, k), (data, url) in zip(keys, pages) if ours(False)(data, url) is None]
    print(f"== Vietnamese pages: {len(keys)} pages with answer keys from {gold_dir}")
    names = list(rows)
    print(f"{'field':18s}" + "".join(f"{n:>28s}" for n in names))
    for f in FIELDS:
        print(f"{f:18s}" + "".join(f"{rows[n][f]:28.3f}" for n in names))
    lb_ours, lb_traf = [], []
    for (g, k), (data, url) in zip(keys, pages):
        gold_lb = "\n\n".join(([k["lead"]] if k.get("lead") else []) + k["body"])
        p = ours(False)(data, url) or {}
        lb_ours.append(prf("\n\n".join(x for x in (p.get("lead"), p.get("body")) if x), gold_lb))
        lb_traf.append(prf(trafilatura_text(data, url), gold_lb))
    n = len(keys)
    mean = lambda xs, i: sum(x[i] for x in xs) / n  # noqa: E731
    print(f"lead+body P/R/F1   newsarchive {mean(lb_ours, 0):.3f}/{mean(lb_ours, 1):.3f}/{mean(lb_ours, 2):.3f}"
          f"   trafilatura {mean(lb_traf, 0):.3f}/{mean(lb_traf, 1):.3f}/{mean(lb_traf, 2):.3f}")
    print(f"pages refused (judged not articles): {len(refused)} {refused if refused else ''}")
    variants = {k: v for k, v in LAYOUT_VARIANTS.items() if v is not None}
    generic = {name: summary for name, (summary, _) in evaluate_variants(gold_dir, pages_dir, ours(False), variants).items()}
    print("\ngeneric path only (classes/ids renamed, catalogue hooks removed; profiles off):")
    print(f"{'field':18s}" + "".join(f"{n:>24s}" for n in generic))
    for f in FIELDS + ["errors"]:
        print(f"{f:18s}" + "".join(f"{generic[n][f]:24.3f}" for n in generic))
    print()
    print_speed("the Vietnamese pages", speed(pages, rounds), 2.0)
    print(f"body F1 {rows['newsarchive (profiles off)']['body_f1']:.3f} vs trafilatura {rows['trafilatura fast']['body_f1']:.3f}")


# --- the public benchmark ----------------------------------------------------------------------------

def public(bench: Path, rounds: int) -> None:
    truth = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {key: (gzip.decompress((bench / "html" / f"{key}.html.gz").read_bytes()), v.get("url") or "")
             for key, v in truth.items()}
    predictions: dict[str, dict] = {"newsarchive": {}, "newsarchive-lead+body": {}, "trafilatura-fast": {}}
    refused: Counter[str] = Counter()
    for key, (data, url) in pages.items():
        body, lead_body, why = newsarchive_text(data, url)
        if why:
            refused[why] += 1
        predictions["newsarchive"][key] = {"articleBody": body}
        predictions["newsarchive-lead+body"][key] = {"articleBody": lead_body}
        predictions["trafilatura-fast"][key] = {"articleBody": trafilatura_text(data, url)}
    print(f"== the public benchmark: {len(pages)} pages from {bench}, scored by its own evaluate.py")
    with tempfile.TemporaryDirectory(prefix="extraction-benchmark-") as tmp:
        work = Path(tmp)
        (work / "output").mkdir()
        os.symlink(bench / "ground-truth.json", work / "ground-truth.json")  # its evaluate.py reads ./ground-truth.json
        for name, output in predictions.items():
            (work / "output" / f"{name}.json").write_text(json.dumps(output), encoding="utf-8")
        result = subprocess.run([sys.executable, str(bench / "evaluate.py"), "--n-bootstrap", "300"], cwd=work,
                                capture_output=True, text=True)
    print(result.stdout.rstrip())
    if result.returncode != 0:
        print(result.stderr.rstrip())
        sys.exit("the benchmark's evaluate.py failed")
    f1 = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\S+)\s+(?:\S+\s+)?([01]\.\d{3}) ±", result.stdout, re.M)}
    print(f"pages refused (judged not articles): {sum(refused.values())} {dict(refused) if refused else ''}")
    print(f"body F1 newsarchive {f1.get('newsarchive', float('nan')):.3f} "
          f"(lead+body {f1.get('newsarchive-lead+body', float('nan')):.3f}) vs trafilatura(fast) "
          f"{f1.get('trafilatura-fast', float('nan')):.3f}; target 0.96")
    print_speed("the public benchmark", speed(list(pages.values()), rounds), 1.5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_gold = SHARED / "corpus" / "gold"
    ap.add_argument("--gold", default=str(default_gold if default_gold.is_dir() else ROOT / "tests" / "fixtures" / "pages"))
    ap.add_argument("--pages", default=None, help="pages folder (default: ../shared/corpus/raw with ../shared's keys, else --gold)")
    ap.add_argument("--public", default=str(SHARED / "benchmarks" / "article-extraction-benchmark"),
                    help="the ScrapingHub article-extraction-benchmark folder (with evaluate.py)")
    ap.add_argument("--no-public", action="store_true", help="only the Vietnamese pages")
    ap.add_argument("--no-vietnamese", action="store_true", help="only the public benchmark")
    ap.add_argument("--repeat", type=int, default=5, help="interleaved speed rounds (best CPU time per page)")
    args = ap.parse_args()
    gold = Path(args.gold)
    pages = Path(args.pages) if args.pages else (SHARED / "corpus" / "raw" if gold == default_gold else gold)
    if not args.no_vietnamese:
        vietnamese(gold, pages, args.repeat)
        print()
    if not args.no_public:
        bench = Path(args.public)
        if not (bench / "evaluate.py").exists():
            print(f"(no public benchmark at {bench}: skipped)")
            return
        public(bench.resolve(), args.repeat)


if __name__ == "__main__":
    main()
