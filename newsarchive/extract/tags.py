"""The article's tags: the visible tag list, else the metadata keywords that occur in the article.

Cascade: outlet profile selectors, then ``selectors.TAGS`` (``rel=tag`` and tag-list classes),
inside the article's scope then the whole page; then ``article:tag`` / JSON-LD ``keywords`` /
``news_keywords`` / ``keywords`` (``meta keywords`` only when one of them occurs in the title or
body: site-wide keyword lists name nothing of the article); then :func:`visible_tag_list`, the
links to tag or topic pages (or after a "Từ khóa:" label) that follow the headline.
"""

from __future__ import annotations

import re
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
    if not tags:
        tags = visible_tag_list(page)
        if tags:
            page.sources["tags"] = "tag links"
    out: list[str] = []
    seen: set[str] = set()
    for t in tags:
        if t.casefold() not in seen:
            seen.add(t.casefold())
            out.append(t)
    art.tags = out


# Link targets of tag and topic pages, as CMSs name them: /tag/x, /tags/x, x-tag123.html, /tu-khoa/x,
# tu-khoa.html?q=x, /topic/x, /chu-de/x, /tim-kiem/x, ?keyword=x.
TAG_HREF = re.compile(r"(?:^|[/._-])(?:tags?|tu-?khoa|topics?|chu-?de|keywords?|tim-?kiem)(?:[/=._-]|\d|$)"
                      r"|[?&](?:q|keyword|keywords|tag|tags)=", re.I)


def visible_tag_list(page: Any) -> list[str]:
    """A tag list no class names: after the headline, the first group of links (children of one
    element) that go to tag or topic pages (``TAG_HREF``), or that follow a "Từ khóa:" / "Tags:"
    label. Up to 30 tags of 80 characters at most."""
    title = page.title_el
    order = page.index.order if page.index is not None else None
    start = order.get(title, 0) if (order is not None and title is not None) else 0
    groups: dict[Any, list[str]] = {}
    first_at: dict[Any, int] = {}
    for a in page.root.iter("a"):
        if order is not None and order.get(a, 0) < start:
            continue
        text = clean(text_of(a)).lstrip("#").strip()
        if not text or len(text) > 80 or B.is_hidden(a):
            continue
        parent = a.getparent()
        holder = parent.getparent() if parent is not None and parent.tag in ("li", "span", "h3", "h4") else parent
        if holder is None:
            continue
        by_href = bool(TAG_HREF.search(a.get("href") or ""))
        labelled = _labelled(holder)
        if by_href or labelled:
            groups.setdefault(holder, []).append(text)
            first_at.setdefault(holder, order.get(a, 0) if order is not None else 0)
    if not groups:
        return []
    holder = min(groups, key=lambda h: first_at[h])
    items = [t for t in groups[holder] if not S.TAG_LABEL.match(t)]
    return items[:30]


def _labelled(holder: Any) -> bool:
    """The element's own first text, or its first child's, is a tag label ("Từ khóa:", "Tags")."""
    first = (holder.text or "").strip()
    if not first:
        for child in holder:
            if isinstance(child.tag, str):
                if child.tag == "a":
                    return False
                first = clean(text_of(child))
                break
    return bool(first) and len(first) < 30 and bool(S.TAG_LABEL.match(first))


def fold(text: str) -> str:
    """Case- and accent-folded text (meta keywords are often written without diacritics)."""
    d = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return " ".join(d.encode("ascii", "ignore").decode("ascii").split())
