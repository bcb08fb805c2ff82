"""Extraction is safe in threads: every piece of per-page state (the selector index included)
lives on the page being extracted, so pages extracted at the same time in several threads give
exactly the records they give one at a time."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from newsarchive.extract import NotAnArticle, extract_article

PAGES = Path(__file__).parent / "fixtures" / "pages"


def _extract(path: Path) -> dict:
    key = path.with_suffix(".json")
    url = json.loads(key.read_text(encoding="utf-8"))["url"] if key.exists() else f"https://{path.parent.name}/"
    try:
        record = extract_article(path.read_bytes(), url=url).to_dict()
    except NotAnArticle as exc:
        return {"not_article": exc.reason}
    return record


def test_concurrent_extraction_gives_the_same_records() -> None:
    pages = sorted(PAGES.glob("*/*.html"))
    alone = {p: _extract(p) for p in pages}
    # every page three times, interleaved over four threads
    work = [p for _ in range(3) for p in pages]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(_extract, work))
    for path, record in zip(work, together):
        assert record == alone[path], f"{path.parent.name}/{path.name} differs when extracted beside other pages"
