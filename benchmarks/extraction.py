"""Article extraction: newsarchive vs trafilatura on the same real pages, in one run.

Scores both with newsarchive.extract.evaluate (GOLD_FORMAT.md rules) and times both over the
same pages (best of --repeat runs), printing per-field scores, pages per second and the ratios.

    .venv/bin/python benchmarks/extraction.py                      # tests/fixtures/pages
    .venv/bin/python benchmarks/extraction.py --gold ../shared/corpus/gold --pages ../shared/corpus/raw

trafilatura is run with fast=True (as measured in issue 7) and, for the metadata fields, with
with_metadata=True; its body is scored as "lead + body" is not separable in its output, so its
text is compared to the gold body (and, on a second line, to lead + body).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsarchive.extract import NotAnArticle, extract_article  # noqa: E402
from newsarchive.extract.evaluate import LAYOUT_VARIANTS, article_prediction, evaluate, evaluate_variants, load_gold, page_path, prf  # noqa: E402


def ours(profiles: bool):
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
            return article_prediction(extract_article(data, url=url, site=site))
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
    date = d.get("date")
    return {
        "title": d.get("title"), "lead": None, "published": date, "modified": None,
        "authors": [a.strip() for a in (d.get("author") or "").split(";") if a.strip()], "sources": [],
        "body": body, "images": [], "category": (d.get("categories") or [None])[0] if d.get("categories") else None,
        "tags": d.get("tags") or [],
    }


def trafilatura_body_only(data: bytes, url: str):
    import trafilatura

    return trafilatura.extract(data, url=url, fast=True, include_comments=False)


def timed(fn, pages, repeat):
    best = None
    worst_page = 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        for data, url in pages:
            t1 = time.perf_counter()
            try:
                fn(data, url)
            except Exception:
                pass
            worst_page = max(worst_page, time.perf_counter() - t1)
        elapsed = time.perf_counter() - t0
        best = elapsed if best is None else min(best, elapsed)
    return len(pages) / best, worst_page


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", default=str(ROOT / "tests" / "fixtures" / "pages"))
    ap.add_argument("--pages", default=None)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    gold_dir = Path(args.gold)
    pages_dir = Path(args.pages or args.gold)
    keys = load_gold(gold_dir)
    if not keys:
        sys.exit(f"no answer keys under {gold_dir}")
    pages = [(page_path(g, k, gold_dir, pages_dir).read_bytes(), k.get("url") or "") for g, k in keys]

    rows = {}
    rows["newsarchive (profiles off)"], _ = evaluate(gold_dir, pages_dir, ours(False))
    rows["newsarchive (profiles on)"], _ = evaluate(gold_dir, pages_dir, ours(True))
    rows["trafilatura fast"], _ = evaluate(gold_dir, pages_dir, trafilatura_extractor)

    # trafilatura's text holds the lead too: also score it against lead + body
    lb = []
    for (g, k), (data, url) in zip(keys, pages):
        text = trafilatura_body_only(data, url) or ""
        gold_lb = "\n\n".join(([k["lead"]] if k.get("lead") else []) + k["body"])
        lb.append(prf(text, gold_lb))
    ours_lb = []
    for (g, k), (data, url) in zip(keys, pages):
        p = ours(False)(data, url) or {}
        text = "\n\n".join(x for x in (p.get("lead"), p.get("body")) if x)
        gold_lb = "\n\n".join(([k["lead"]] if k.get("lead") else []) + k["body"])
        ours_lb.append(prf(text, gold_lb))

    fields = ["title", "lead", "published", "modified", "authors", "sources", "category", "body_precision", "body_recall", "body_f1", "image_precision", "image_recall", "caption_match", "tags_f1"]
    names = list(rows)
    print(f"{len(keys)} pages with answer keys from {gold_dir}")
    print(f"{'field':18s}" + "".join(f"{n:>28s}" for n in names))
    for f in fields:
        print(f"{f:18s}" + "".join(f"{rows[n][f]:28.3f}" for n in names))
    n = len(lb)
    print(f"{'lead+body P/R/F1':18s}{'':>28s}{'':>28s}"[:18] + f"{'':>1s}"
          f"  newsarchive {sum(x[0] for x in ours_lb)/n:.3f}/{sum(x[1] for x in ours_lb)/n:.3f}/{sum(x[2] for x in ours_lb)/n:.3f}"
          f"   trafilatura {sum(x[0] for x in lb)/n:.3f}/{sum(x[1] for x in lb)/n:.3f}/{sum(x[2] for x in lb)/n:.3f}")

    # the generic path alone: the same pages with every catalogue hook removed (see
    # newsarchive.extract.evaluate.neutralise_layout and tests/test_extract_unseen.py)
    variants = {k: v for k, v in LAYOUT_VARIANTS.items() if v is not None}
    generic = {name: summary for name, (summary, _) in evaluate_variants(gold_dir, pages_dir, ours(False), variants).items()}
    print()
    print("generic path only (classes/ids renamed, catalogue hooks removed; profiles off):")
    print(f"{'field':18s}" + "".join(f"{n:>24s}" for n in generic))
    for f in fields:
        print(f"{f:18s}" + "".join(f"{generic[n][f]:24.3f}" for n in generic))
    print()

    # interleaved rounds (ours, trafilatura, trafilatura+metadata), best round of each: load from
    # other processes on a shared machine then hits all three alike
    best = {"ours": (0.0, 0.0), "traf": (0.0, 0.0), "meta": (0.0, 0.0)}
    for _ in range(args.repeat):
        for name, fn in (("ours", ours(False)), ("traf", trafilatura_body_only), ("meta", trafilatura_extractor)):
            pps, worst = timed(fn, pages, 1)
            if pps > best[name][0]:
                best[name] = (pps, worst)
    (ours_pps, ours_worst), (traf_pps, traf_worst), (traf_meta_pps, _) = best["ours"], best["traf"], best["meta"]
    print(f"speed: newsarchive {ours_pps:.1f} pages/s (slowest page {ours_worst*1000:.0f} ms); "
          f"trafilatura fast {traf_pps:.1f} pages/s (slowest {traf_worst*1000:.0f} ms), with metadata {traf_meta_pps:.1f} pages/s")
    ratio = ours_pps / traf_pps
    print(f"RATIO newsarchive / trafilatura(fast=True) pages per second = {ratio:.2f}x "
          f"({'meets' if ratio >= 2 else 'BELOW'} the 2x target; vs trafilatura with metadata {ours_pps / traf_meta_pps:.2f}x)")
    print(f"body F1 {rows['newsarchive (profiles off)']['body_f1']:.3f} vs trafilatura {rows['trafilatura fast']['body_f1']:.3f}; "
          f"generic path only (renamed, no metadata) {generic['renamed-no-metadata']['body_f1']:.3f}")


if __name__ == "__main__":
    main()
