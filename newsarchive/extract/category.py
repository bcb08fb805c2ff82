"""The article's section (category): the deepest breadcrumb item, or the section label.

The cascade, :data:`CASCADE` (the first finder that names one wins):

1. :func:`profile_category`: outlet profile selectors;
2. :func:`breadcrumb_classes`: breadcrumb classes and microdata (``selectors.BREADCRUMB``), then a
   class or id hinting a breadcrumb in any case ("breadCrumb", :func:`hinted_breadcrumb`);
3. :func:`jsonld_breadcrumb`: a JSON-LD BreadcrumbList;
4. :func:`breadcrumb_trail`: a class-less "Trang chủ » X" trail before the headline, or list items
   whose URLs nest (separators drawn by CSS) (:func:`text_breadcrumb`);
5. :func:`label_before_title`: a short linked label right before the headline (:func:`section_label`);
6. :func:`section_selectors`: section labels, ``rel=category``, the highlighted menu item (``selectors.SECTION``);
7. :func:`metadata_section`: ``article:section`` / JSON-LD ``articleSection`` (names like "News" skipped).
"""

from __future__ import annotations

import re
from itertools import chain, islice
from typing import Any

from newsarchive.article import Article
from newsarchive.extract import body as B
from newsarchive.extract import selectors as S
from newsarchive.extract.text import clean, similar, text_of
from newsarchive.extract.tree import first_in

HOME = re.compile(r"^(trang\s*chủ|home|trang\s*nhất|tin\s*tức\s*24h|»|>|/)$", re.I)


def fill_category(page: Any, art: Article) -> None:
    """Step: ``art.category``, from the first finder of :data:`CASCADE` that names one."""
    for finder in CASCADE:
        found = finder(page, art)
        if found:
            art.category, page.sources["category"] = found
            return


def _not_home_or_title(items: list[str], art: Article) -> list[str]:
    return [t for t in items if t and len(t) <= 60 and not HOME.match(t) and not (art.title and similar(t, art.title))]


def profile_category(page: Any, art: Article) -> tuple[str, str] | None:
    cat = S.profile_selectors(page.site, "category")
    f = first_in(page, cat) if cat else None
    return (clean(text_of(f[0])), f[1]) if f and clean(text_of(f[0])) else None


def breadcrumb_classes(page: Any, art: Article) -> tuple[str, str] | None:
    for selector, _comment in S.BREADCRUMB:
        items = _not_home_or_title([clean(text_of(el)) for el in page.select(page.root, selector) if not B.is_hidden(el)], art)
        if items:
            return items[-1], "breadcrumb"
    trail = hinted_breadcrumb(page, art)
    return (trail, "breadcrumb") if trail else None


def jsonld_breadcrumb(page: Any, art: Article) -> tuple[str, str] | None:
    items = _not_home_or_title(list(page.md.breadcrumb), art)
    return (items[-1], "json-ld breadcrumb") if items else None


def breadcrumb_trail(page: Any, art: Article) -> tuple[str, str] | None:
    trail = text_breadcrumb(page, page.title_el)
    return (trail, "breadcrumb trail") if trail else None


def label_before_title(page: Any, art: Article) -> tuple[str, str] | None:
    label = section_label(page, page.title_el)
    return (label, "label-before-title") if label else None


def section_selectors(page: Any, art: Article) -> tuple[str, str] | None:
    for selector, _comment in S.SECTION:
        for el in page.select(page.root, selector):
            t = label_text(el)
            if t and len(t) <= 60 and not HOME.match(t):
                return t, "selector:" + selector.split(",")[0]
    return None


def metadata_section(page: Any, art: Article) -> tuple[str, str] | None:
    for value, where in page.md.section:
        if S.GENERIC_SECTION.match(value):
            continue
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if len(parts) > 1 and all(len(p) <= 30 for p in parts):
            value = parts[-1]  # "Kinh doanh, Tài chính": the deepest section
        return value, where
    return None


# The cascade, first answer wins (see the module docstring).
CASCADE = (profile_category, breadcrumb_classes, jsonld_breadcrumb, breadcrumb_trail, label_before_title,
           section_selectors, metadata_section)


def label_text(el: Any) -> str:
    """A section label's own name: the text of its first link or span when the element also holds
    other words ("Chính trị - Xã hội  Cỡ chữ : A- A A+": the font-size buttons beside the label)."""
    full = clean(text_of(el))
    for child in el.iter("a", "span", "h2", "h3", "strong", "b"):
        if child is el:
            continue
        t = clean(text_of(child))
        if t:
            return t if len(t) < len(full) else full
    return full


def hinted_breadcrumb(page: Any, art: Article) -> str | None:
    """A breadcrumb the catalogue's (case-sensitive) class selectors miss ("breadCrumb"): the links
    of the first visible element whose class or id says breadcrumb, the deepest not the headline."""
    index = page.index
    if index is None:
        return None
    hinted = [els for token, els in index.classes.items() if S.BREADCRUMB_HINT.search(token)]
    hinted += [els for (attr, value), els in index.attrs.items() if attr == "id" and S.BREADCRUMB_HINT.search(value)]
    for els in hinted:
        for el in els:
            if B.is_hidden(el):
                continue
            names = [clean(text_of(a)) for a in el.iter("a")]
            names = [n for n in names if n and len(n) <= 60 and not HOME.match(n) and not (art.title and similar(n, art.title))]
            if names:
                return names[-1]
    return None


_TRAIL_SEP = re.compile(r"^[\s»>›/|→·•\-–]*$")


def text_breadcrumb(page: Any, title_el: Any, limit: int = 60) -> str | None:
    """A breadcrumb without a class: a short element before the headline made of 2-6 links
    separated only by » > › / | arrows (or list items, the separators drawn by CSS), the first one
    to the home page or each one's URL under the one before (/kinh-doanh -> /kinh-doanh/tai-chinh).
    The deepest link not equal to the headline is the category."""
    if title_el is None:
        return None
    seen = 0
    node = title_el
    while node is not None and node.tag not in ("body", "html") and seen < limit:
        for sib in node.itersiblings(preceding=True):
            for el in chain((sib,), sib.iterdescendants()):  # lazily: a menu may hold thousands
                seen += 1
                if seen > limit * 4:
                    return None
                if not isinstance(el.tag, str) or el.tag in B.SKIP_TAGS:
                    continue
                links = list(islice(el.iter("a"), 7))  # 7 is already too many
                if not 2 <= len(links) <= 6:
                    continue
                text = clean(text_of(el))
                if len(text) > 150:
                    continue
                # only links and separators
                rest = text
                names = [clean(text_of(a)) for a in links]
                for n in names:
                    rest = rest.replace(n, " ", 1)
                if not _TRAIL_SEP.match(rest):
                    continue
                href = (links[0].get("href") or "").strip()
                home = (HOME.match(names[0]) or href in ("/", "./") or re.match(r"^/?(index|default|home)\.\w+$", href, re.I)
                        or re.match(r"^https?://[^/]+/?$", href))
                hrefs = [a.get("href") or "" for a in (links[1:] if home else links)]
                if "»" in text or ">" in text or "›" in text or "/" in text or "→" in text:
                    if not home and not url_hierarchy(hrefs):
                        continue
                elif not (all(a.getparent() is not None and a.getparent().tag == "li" for a in links) and url_hierarchy(hrefs)):
                    continue  # no separator printed (drawn by CSS): list items whose URLs nest, as a menu's do not
                for n in reversed(names[1:]):
                    if n and not HOME.match(n) and not (page.title_el is not None and similar(n, clean(text_of(title_el)))):
                        return n
                return None
        node = node.getparent()
    return None


def url_hierarchy(hrefs: list[str]) -> bool:
    """Each link's path lies under the one before: /kinh-doanh.htm, /kinh-doanh/tai-chinh.htm."""
    from urllib.parse import urlsplit

    paths = []
    for h in hrefs:
        try:
            path = urlsplit(h.strip()).path
        except ValueError:
            return False
        paths.append(re.sub(r"\.\w{2,5}$", "", path).rstrip("/"))
    return len(paths) >= 2 and all(p and b.startswith(p + "/") for p, b in zip(paths, paths[1:]))


def section_label(page: Any, title_el: Any, reach: int = 3) -> str | None:
    """A short linked label right before the headline ("Tin tức" above the title): the nearest
    element with text before it in reading order, looking up to ``reach`` levels of wrappers."""
    if title_el is None:
        return None
    node = title_el
    for _ in range(reach):
        for sib in node.itersiblings(preceding=True):
            if not isinstance(sib.tag, str) or sib.tag in B.SKIP_TAGS or B.is_hidden(sib):
                continue
            t = clean(text_of(sib))
            if not t:
                continue
            links = [clean(text_of(a)) for a in sib.iter("a") if clean(text_of(a))]
            if links and len(t) <= 40 and len(links) <= 3 and not HOME.match(links[-1]):
                return links[-1]
            return None
        node = node.getparent()
        if node is None or node.tag in ("body", "html"):
            return None
    return None
