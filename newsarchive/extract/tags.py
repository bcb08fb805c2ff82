"""The article's tags: the visible tag list, else the metadata keywords that occur in the article.

Cascade: outlet profile selectors, then ``selectors.TAGS`` (``rel=tag`` and tag-list classes),
inside the article's scope then the whole page; then ``article:tag`` / JSON-LD ``keywords`` /
``news_keywords`` / ``keywords`` (``meta keywords`` only when one of them occurs in the title or
body: site-wide keyword lists name nothing of the article).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from newsarchive.article import Article
from newsarchive.extract import body as B
from newsarchive.extract import selectors as S
from newsarchive.extract.text import clean, text_of


def fill_tags(page: Any, art: Article) -> None:
    """Step: ``art.tags``."""
    tags: list[str] = []
    cat = page.catalogue("tags", S.TAGS)
    for selector, comment in cat:
        for where_scope in (page.scope, page.root):
            items = [clean(text_of(el)) for el in page.select(where_scope, selector) if not B.is_hidden(el)]
            items = [t.lstrip("#").strip().rstrip(",").strip() for t in items]
            items = [t for t in items if t and len(t) <= 80 and not S.TAG_LABEL.match(t)]
            if items:
                tags = items
                page.sources["tags"] = "selector:" + selector.split(",")[0]
                break
        if tags:
            break
    if not tags:
        text = None
        for values, where in page.md.tags:
            if not values:
                continue
            if where == "meta keywords" and text is None:
                text = fold(f"{art.title or ''} {art.body or ''}")  # only when there are keywords to look for
            if where == "meta keywords" and not any(fold(v) in text for v in values):
                continue  # site-wide keywords ("PTTH tỉnh, tin tức, truyền hình"): none is in the article
            tags = values
            page.sources["tags"] = where
            break
    out: list[str] = []
    seen: set[str] = set()
    for t in tags:
        if t.casefold() not in seen:
            seen.add(t.casefold())
            out.append(t)
    art.tags = out


def fold(text: str) -> str:
    """Case- and accent-folded text (meta keywords are often written without diacritics)."""
    d = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return " ".join(d.encode("ascii", "ignore").decode("ascii").split())
