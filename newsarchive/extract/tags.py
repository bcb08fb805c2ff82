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
    order = page.index.order if page.index is not None else {}
    start = order.get(page.title_el, 0) if page.title_el is not None else 0
    groups: dict[Any, list[Any]] = {}
    for a in page.root.iter("a"):
        if TAG_HREF.search(a.get("href") or "") and order.get(a, 0) >= start:
            groups.setdefault(_holder(a), []).append(a)
    for el in page.root.iter():
        first = el.text
        if first and len(first) < 40 and _LABEL_WORD.search(first) and S.TAG_LABEL.match(first.strip()) \
                and order.get(el, 0) >= start:
            holder = el.getparent()
            if holder is not None and holder.tag in ("li", "span", "b", "strong", "em", "i"):
                holder = holder.getparent()  # "<li><b>Từ khóa:</b></li><li><a>...</a></li>"
            if holder is not None:
                groups.setdefault(holder, []).extend(a for a in holder.iter("a") if order.get(a, 0) > order.get(el, 0))
    best: list[str] = []
    best_at = None
    for holder, links in groups.items():
        items = []
        for a in links:
            text = clean(text_of(a)).lstrip("#").strip()
            if text and len(text) <= 80 and not B.is_hidden(a) and not S.TAG_LABEL.match(text):
                items.append(text)
        at = min((order.get(a, 0) for a in links), default=0)
        if items and (best_at is None or at < best_at):
            best, best_at = items, at
    return best[:30]


_LABEL_WORD = re.compile(r"khóa|khoá|tag|chủ đề|keyword", re.I)


def _holder(a: Any) -> Any:
    parent = a.getparent()
    if parent is not None and parent.tag in ("li", "span", "h3", "h4"):
        return parent.getparent() if parent.getparent() is not None else parent
    return parent


def fold(text: str) -> str:
    """Case- and accent-folded text (meta keywords are often written without diacritics)."""
    d = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return " ".join(d.encode("ascii", "ignore").decode("ascii").split())
