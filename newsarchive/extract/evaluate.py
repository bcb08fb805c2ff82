"""Score extractions against hand-made answer keys (the rules of ``GOLD_FORMAT.md``).

- title, lead: exact match after NFC and white-space folding;
- published, modified: the same instant at the precision the gold gives (a gold value with minutes
  only is compared to the minute); a gold null is matched by a null;
- authors, sources: exact list match, order-insensitive;
- body: precision / recall / F1 over word 4-gram shingles of the joined body (lower-cased word
  tokens, multiset), averaged over pages as the ScrapingHub article-extraction-benchmark does;
- images: precision / recall over image URLs; captions: exact-match rate over matched images.
  The record keeps the credit apart from the caption ("Ảnh: …"), so both sides are compared after
  the same :func:`newsarchive.extract.media.split_credit` (caption and credit must both match);
- category: exact match; tags: set F1 (case-insensitive).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from newsarchive.extract.media import split_credit
from newsarchive.extract.text import clean

FIELDS = ("title", "lead", "published", "modified", "authors", "sources", "category")
_WORD = re.compile(r"\w+", re.U)


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _WORD.findall(clean(text).lower())
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def prf(pred: str, gold: str) -> tuple[float, float, float]:
    p, g = shingles(pred), shingles(gold)
    if not p and not g:
        return 1.0, 1.0, 1.0
    if not p or not g:
        return (0.0 if p else 1.0), (0.0 if g else 1.0), 0.0
    common = sum((p & g).values())
    precision = common / sum(p.values())
    recall = common / sum(g.values())
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _parse_iso(value: str | None) -> tuple[datetime | None, str]:
    if not value:
        return None, ""
    v = value.strip().replace("Z", "+00:00")
    m = re.match(r"^\d{4}-\d{2}-\d{2}T(\d{2}):(\d{2})(:\d{2})?", v)
    precision = "second" if (m and m.group(3)) else ("minute" if m else "day")
    try:
        return datetime.fromisoformat(v), precision
    except ValueError:
        return None, ""


def same_instant(pred: str | None, gold: str | None) -> bool:
    if not gold:
        return not pred
    g, precision = _parse_iso(gold)
    p, _ = _parse_iso(pred)
    if g is None or p is None or p.tzinfo is None or g.tzinfo is None:
        return False
    diff = abs((p - g).total_seconds())
    if precision == "second":
        return diff < 1
    if precision == "minute":
        return p.replace(second=0, microsecond=0) == g.replace(second=0, microsecond=0) or diff < 1
    return p.date() == g.date()


def _text(v: Any) -> str:
    return clean(v) if isinstance(v, str) else ""


@dataclass
class PageScore:
    page: str
    fields: dict[str, bool] = field(default_factory=dict)
    body: tuple[float, float, float] = (0.0, 0.0, 0.0)
    images: tuple[int, int, int] = (0, 0, 0)      # matched, predicted, gold
    captions: tuple[int, int] = (0, 0)            # caption matches, matched images
    tags_f1: float = 0.0
    error: str | None = None
    seconds: float = 0.0


def score_page(page: str, pred: dict[str, Any] | None, gold: dict[str, Any]) -> PageScore:
    s = PageScore(page)
    if pred is None:
        pred = {}
        s.error = "no record"
    s.fields["title"] = _text(pred.get("title")) == _text(gold.get("title"))
    s.fields["lead"] = _text(pred.get("lead")) == _text(gold.get("lead"))
    s.fields["published"] = same_instant(pred.get("published"), gold.get("published"))
    s.fields["modified"] = same_instant(pred.get("modified"), gold.get("modified"))
    for key in ("authors", "sources"):
        s.fields[key] = sorted(map(clean, pred.get(key) or [])) == sorted(map(clean, gold.get(key) or []))
    s.fields["category"] = _text(pred.get("category")) == _text(gold.get("category"))
    gold_body = "\n\n".join(gold.get("body") or [])
    s.body = prf(pred.get("body") or "", gold_body)
    gold_images = {i["url"]: i.get("caption") for i in gold.get("images") or []}
    pred_images = {i["url"]: i for i in pred.get("images") or []}
    matched = [u for u in pred_images if u in gold_images]
    s.images = (len(matched), len(pred_images), len(gold_images))
    cap_ok = 0
    for u in matched:
        g_cap, g_credit = split_credit(gold_images[u])
        p = pred_images[u]
        if (clean(p.get("caption")) or None) == g_cap and (clean(p.get("credit")) or None) == g_credit:
            cap_ok += 1
    s.captions = (cap_ok, len(matched))
    gt = {t.casefold() for t in gold.get("tags") or []}
    pt = {clean(t).casefold() for t in pred.get("tags") or []}
    if not gt and not pt:
        s.tags_f1 = 1.0
    elif gt and pt:
        common = len(gt & pt)
        s.tags_f1 = 2 * common / (len(gt) + len(pt))
    return s


def summarise(scores: list[PageScore]) -> dict[str, Any]:
    n = len(scores) or 1
    out: dict[str, Any] = {"pages": len(scores)}
    for f in FIELDS:
        out[f] = sum(s.fields.get(f, False) for s in scores) / n
    out["body_precision"] = sum(s.body[0] for s in scores) / n
    out["body_recall"] = sum(s.body[1] for s in scores) / n
    out["body_f1"] = sum(s.body[2] for s in scores) / n
    m = sum(s.images[0] for s in scores)
    p = sum(s.images[1] for s in scores)
    g = sum(s.images[2] for s in scores)
    out["image_precision"] = m / p if p else 1.0
    out["image_recall"] = m / g if g else 1.0
    cm = sum(s.captions[0] for s in scores)
    ct = sum(s.captions[1] for s in scores)
    out["caption_match"] = cm / ct if ct else 1.0
    out["tags_f1"] = sum(s.tags_f1 for s in scores) / n
    out["errors"] = sum(1 for s in scores if s.error)
    return out


def article_prediction(article: Any) -> dict[str, Any]:
    """The scored fields of an Article, in the answer-key vocabulary."""
    d = article.to_dict() if hasattr(article, "to_dict") else dict(article)
    return {
        "title": d.get("title"), "lead": d.get("lead"), "published": d.get("published_at"),
        "modified": d.get("modified_at"), "authors": d.get("authors"), "sources": d.get("sources"),
        "body": d.get("body"), "images": d.get("images") or [], "category": d.get("category"), "tags": d.get("tags"),
    }


def load_gold(gold_dir: str | Path) -> list[tuple[Path, dict[str, Any]]]:
    gold_dir = Path(gold_dir)
    out = []
    for path in sorted(gold_dir.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "body" in data and "title" in data:
            out.append((path, data))
    return out


def page_path(gold_path: Path, gold: dict[str, Any], gold_dir: Path, pages_dir: Path) -> Path:
    """The page a key describes: <pages>/<site>/<name>.html beside the key's relative path."""
    rel = gold_path.relative_to(gold_dir).with_suffix(".html")
    candidate = pages_dir / rel
    if candidate.exists():
        return candidate
    beside = gold_path.with_suffix(".html")
    if beside.exists():
        return beside
    page = str(gold.get("page") or "")
    if page.startswith("raw/"):
        alt = pages_dir / page[4:]
        if alt.exists():
            return alt
    return candidate


def evaluate(
    gold_dir: str | Path,
    pages_dir: str | Path,
    extractor: Callable[[bytes, str], dict[str, Any] | None],
) -> tuple[dict[str, Any], list[PageScore]]:
    """Run ``extractor(page_bytes, url) -> prediction dict`` over every key and score it."""
    import time

    gold_dir, pages_dir = Path(gold_dir), Path(pages_dir)
    scores: list[PageScore] = []
    for gpath, gold in load_gold(gold_dir):
        ppath = page_path(gpath, gold, gold_dir, pages_dir)
        name = str(gpath.relative_to(gold_dir).with_suffix(""))
        try:
            data = ppath.read_bytes()
        except OSError as exc:
            s = score_page(name, None, gold)
            s.error = f"page not readable: {exc}"
            scores.append(s)
            continue
        t0 = time.perf_counter()
        try:
            pred = extractor(data, gold.get("url") or "")
            err = None
        except Exception as exc:  # scored as an empty record, reported
            pred, err = None, f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - t0
        s = score_page(name, pred, gold)
        s.seconds = elapsed
        if err:
            s.error = err
        scores.append(s)
    return summarise(scores), scores


# --- unseen layouts: the same page with every catalogue hook removed ------------------------

# Attributes a layout-neutral variant keeps (what any template has: links, pictures, presentation).
_KEEP_ATTRS = frozenset(
    "href src alt title style align width height colspan rowspan lang dir rel type charset "
    "poster controls name content property http-equiv datetime frameborder allowfullscreen "
    "data-src data-original data-lazy-src data-lazy data-original-src data-url data-full data-srcset srcset".split()
)
# Semantic containers a "div soup" variant turns into <div>/<span>.
_SEMANTIC = {"article": "div", "section": "div", "main": "div", "header": "div", "footer": "div", "nav": "div",
             "aside": "div", "figure": "div", "figcaption": "div", "time": "span", "address": "div"}


def neutralise_layout(html: bytes | str, *, metadata: bool = True, semantic: bool = True, seed: int = 0) -> str:
    """The page as an unseen template would show it: the same tags, text, pictures and styles,
    with every ``class`` / ``id`` token renamed to a neutral random token (one mapping per page,
    so repeated classes stay repeated) and the catalogue hooks (``data-role``, ``itemprop``,
    ``data-field``, ``type`` on boxes...) removed.

    ``metadata=False`` also removes JSON-LD, ``<meta>`` (except the charset) and ``datetime``
    attributes, so only what a reader sees is left. ``semantic=False`` turns ``article``, ``nav``,
    ``aside``, ``header``, ``footer``, ``figure``, ``figcaption``, ``time``... into ``div``/``span``.
    Used by tests/test_extract_unseen.py and benchmarks/extraction.py to measure the generic path.
    """
    import random

    import lxml.html

    from newsarchive.extract.charset import decode_html

    from newsarchive.extract.page import _END_OF_DOCUMENT

    if isinstance(html, bytes):
        html, _, _ = decode_html(html)
    root = lxml.html.document_fromstring(_END_OF_DOCUMENT.sub("", html))
    rng = random.Random(seed)
    names: dict[str, str] = {}

    def token(name: str) -> str:
        if name not in names:
            # letters that spell no hint word of any catalogue (no vowels but "u"/"y")
            names[name] = "".join(rng.choice("qxzjvwk") for _ in range(2)) + str(rng.randrange(10, 10_000))
        return names[name]

    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        if el.tag == "script" and (el.get("type") or "").strip().lower() == "application/ld+json" and not metadata:
            el.drop_tree()
            continue
        if el.tag == "meta" and not metadata and not el.get("charset") and (el.get("http-equiv") or "").lower() != "content-type":
            el.drop_tree()
            continue
        for attr in list(el.attrib):
            value = el.get(attr) or ""
            if attr == "class":
                el.set(attr, " ".join(token(t) for t in value.split()))
            elif attr == "id":
                el.set(attr, token(value.strip()))
            elif attr == "datetime" and not metadata:
                del el.attrib[attr]
            elif attr == "type" and el.tag not in ("script", "source", "video", "input", "link", "style", "ol", "ul"):
                del el.attrib[attr]
            elif attr in _KEEP_ATTRS:
                continue
            elif attr.startswith("data-") and re.match(r"^(https?:)?/", value.strip()):
                continue  # a URL in a data attribute (players, lazy images)
            else:
                del el.attrib[attr]
        if not semantic and el.tag in _SEMANTIC:
            el.tag = _SEMANTIC[el.tag]
    return lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


LAYOUT_VARIANTS = {
    "original": None,
    "renamed": dict(metadata=True),
    "renamed-no-metadata": dict(metadata=False),
    "div-soup-no-metadata": dict(metadata=False, semantic=False),
}


def evaluate_variants(
    gold_dir: str | Path,
    pages_dir: str | Path,
    extractor: Callable[[bytes | str, str], dict[str, Any] | None],
    variants: dict[str, dict[str, Any] | None] = LAYOUT_VARIANTS,
) -> dict[str, tuple[dict[str, Any], list[PageScore]]]:
    """``evaluate`` over each layout variant of every page (see :func:`neutralise_layout`)."""
    out = {}
    for name, opts in variants.items():
        if opts is None:
            wrapped = extractor
        else:
            def wrapped(data, url, _opts=opts):
                return extractor(neutralise_layout(data, **_opts), url)
        out[name] = evaluate(gold_dir, pages_dir, wrapped)
    return out
