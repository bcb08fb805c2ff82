"""Named, ordered selector catalogues: where Vietnamese CMS families put each field.

Each catalogue is a list of (CSS selector, comment) tried in order; the first that matches a
non-empty, plausible node wins. Entries name *platforms* shared by several outlets (or widely used
class-name conventions), never one saved page. Outlet profiles (``site.selectors``) are tried
before these; the generic finders in ``body.py`` / ``byline.py`` after them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lxml import etree
from lxml.cssselect import CSSSelector

# --- headline ------------------------------------------------------------------------------
TITLE = [
    ("[data-role=title]", "VCCorp/ChannelVN platform (Tuổi Trẻ, Người Lao Động, Báo Chính phủ, CafeF, Soha...)"),
    (".cms-title", "party-newspaper CMS (cms-title / cms-desc / cms-body / cms-author family)"),
    ("h1.title-detail, h1.detail-title, h1.detail__title, h1.article-title, h1.article__title", "detail-page h1 class conventions"),
    ("h1.title-news, h1.news-title, h1.post-title, h1.entry-title, h1.title_news_detail, h1.tieude", "news/post title conventions"),
    ("[itemprop=headline]", "schema.org microdata headline"),
    (".title-detail, .detail-title, .article-title, .news-title, .title_detail, .titledetail, .title-news", "title conventions on non-h1 elements (pages without an <h1>)"),
]

# --- lead / sapo ---------------------------------------------------------------------------
LEAD = [
    ("[data-role=sapo]", "VCCorp/ChannelVN platform sapo"),
    (".cms-desc", "party-newspaper CMS lead"),
    ("h2.sapo, .detail-sapo, .detail__sapo, .article__sapo, .article-sapo, .sapo_detail, .news-sapo, div.sapo, p.sapo, .sapo", "sapo class conventions"),
    ("p.description, .article-description, .detail-description, .news-description", "VnExpress-style description paragraph"),
    ("[class*=sapo], h2.description, p.Lead, div.Lead", "sapo/description spelled inside longer class names"),
    ("h2.Lead, .lead, .article-lead, .news-lead, .summary, .article-summary, .init_content, .tomtat, .mota, .chapeau", "older lead/summary conventions"),
]

# --- article body container ----------------------------------------------------------------
BODY = [
    ("[data-role=content]", "VCCorp/ChannelVN platform body"),
    (".cms-body", "party-newspaper CMS body"),
    ("[itemprop=articleBody]", "schema.org microdata article body"),
    ("article.fck_detail, .fck_detail", "FCKeditor-based CMS body (VnExpress family)"),
    (".detail-content, .detail__content, .detail-content-body, .article-content, .article__content, .article-body, .article__body", "detail/article content conventions"),
    (".news-content, .news-body, .content-detail, .detail-body, .post-content, .entry-content, .noidung, .content-news, .newsContent, .contentDetail, #content_detail_news, .main-content-detail, .text-content, .body-content", "news/post content conventions"),
]

# --- visible date line ---------------------------------------------------------------------
DATE = [
    ("[itemprop=datePublished]", "schema.org microdata, visible element (meta elements have no text and are passed over)"),
    ("[data-role=publishdate]", "VCCorp/ChannelVN platform publish date"),
    (".cms-date", "party-newspaper CMS date"),
    ("time", "HTML <time> element"),
    (".publish-date, .publishdate, .date-publish, .detail-time, .detail__time, .time-detail, .date-detail, .article-date, .post-date, .news-date, .datetime, .date-time, .date, .time, span.spanTime, .timePost, .date-line, .dateline, .publication_date, .ngaydang, .ngay-dang, .post-time, .time-post, .news-time", "date class conventions"),
]

# --- byline (authors / sources) ------------------------------------------------------------
BYLINE = [
    ("[data-role=author]", "VCCorp/ChannelVN platform author"),
    (".cms-author", "party-newspaper CMS author"),
    (".author-info .name, .author-name, .author__name, .detail-author, .detail__author, .article-author, .article__author, .news-author, .author, .tacgia, .tac-gia, .nguontin, .byline, .source-author", "author class conventions"),
    ("[itemprop=author] [itemprop=name], [itemprop=author]", "schema.org microdata author"),
]

# Class/id words of a node that may hold the date line (generic fallback after DATE).
DATE_HINT = re.compile(r"date|time|ngay|publish|posted|dattime|thoigian|thoi-gian", re.I)

# Agency/outlet credit printed apart from the author ("Theo <outlet>", data-field=source).
SOURCE = [
    ("[data-field=source], .source, .news-source, .article-source, .detail-source, .nguon, .nguon-tin, .link-source-text-name", "source/outlet credit conventions"),
]

# --- breadcrumb / section ------------------------------------------------------------------
BREADCRUMB = [
    ("[itemtype*=BreadcrumbList] [itemprop=name]", "schema.org microdata breadcrumb"),
    ("[class*=breadcrumb] a, [class*=breadcrumb] li, [class*=bread-crumb] a", "breadcrumb spelled inside longer class names"),
    (".breadcrumb a, .breadcrumbs a, .bread-crumb a, .breadcrumb li, .breadcrumb-item, .detail-cate a, .detail__cate a, .cate-breadcrumb a", "breadcrumb conventions"),
]
SECTION = [
    ("[data-role=cate-name]", "VCCorp/ChannelVN platform category"),
    (".cms-cate, .category-name, .cate-name, .detail-cate, .news-cate, .categories1, .cat-name, .section-name", "category label conventions"),
    ("[class*=chuyenmuc], [class*=chuyen-muc], [class*=chuyen_muc]", "Vietnamese 'chuyên mục' (section) class names"),
    ("a[rel~=category]", "WordPress category link (rel=\"category tag\")"),
    ("li.active > a, li.current > a, li.selected > a, .current-menu-item > a, .current-menu-parent > a, .current-post-ancestor > a, li.on > a", "the highlighted item of the section menu"),
]

# --- tags ----------------------------------------------------------------------------------
TAGS = [
    ("a[rel=tag]", "rel=tag links (WordPress and other blog engines; not rel=\"category tag\")"),
    (".tags a, .tag-list a, .tags-list a, .list-tags a, .detail-tag a, .detail__tag a, .box-tag a, .tags-item a, .article-tags a, .news-tags a, .tag a, .keyword a, .keywords a, .tukhoa a, .tag-item, [itemprop=keywords] a", "tag list conventions"),
]

# Class/id words of a breadcrumb, in any case ("breadCrumb", "BreadCrumbs", "bread-crumb"): the
# generic fallback after BREADCRUMB, whose CSS class matches are case-sensitive.
BREADCRUMB_HINT = re.compile(r"bread[\s_-]?crumb|duong-?dan|path-?way", re.I)

# Section values that name no section ("News" on every page of some CMSs).
GENERIC_SECTION = re.compile(r"^(news|tin tức|tin|article|bài viết|home|trang chủ|default)$", re.I)

# Labels introducing a visible tag list ("Từ khóa: a, b").
TAG_LABEL = re.compile(r"^\s*(từ\s*khóa|từ\s*khoá|tags?|chủ\s*đề|xem\s*thêm\s*(về|chủ\s*đề)|keywords?)\s*:?\s*$", re.I)

# --- nodes never part of the article text (tested on class + id) --------------------------
# Each pattern is matched against the element's class and id joined by spaces.
NOISE_PATTERNS = [
    (r"relate|lienquan|lien-quan|tin-?khac|tinkhac|other-?news|more-?news|same-?cate|readmore|read-more|xem-?them|xemthem|tham-?khao|box-?news|news-?list|list-?news|knswli|newsrelate|RelatedNews|RelatedOne", "related-article boxes"),
    (r"share|social|facebook|zalo|like-?box|print|email|bookmark|toolbar|tool-bar", "share/print widgets"),
    (r"comment|binh-?luan|binhluan|feedback|y-kien|ykien|vote|rating|poll", "comments and votes"),
    (r"(^|[\s_-])ads?([\s_-]|$)|(^|[\s_-])adv([\s_-]|\d|$)|advert|banner|quang-?cao|quangcao|sponsor|adsbygoogle|dfp|promo", "advertising"),
    (r"(^|[\s_-])tags?([\s_-]|$)|tag-?list|keyword|tukhoa|tu-?khoa", "tag lists"),
    (r"sidebar|side-?bar|menu|(^|[\s_-])nav|breadcrumb|footer|(^|[\s_-])header([\s_-]|$)|widget|most-?(read|view)|popular|trending|recommend|newsletter|subscribe|hidden|d-none", "page furniture"),
]
NOISE = re.compile("|".join(f"(?:{p})" for p, _ in NOISE_PATTERNS), re.I)
# The narrower set used around headers, date lines and bylines (share bars often hold the date/author).
NEAR_NOISE = re.compile("|".join(f"(?:{p})" for p, _ in NOISE_PATTERNS[:3:2]), re.I)
# Parts of byline boxes that never hold a name (ratings, follow buttons, avatars).
BYLINE_SKIP = re.compile(r"rate|rating|star|vote|share|follow|avatar|(^|[\s_-])avt|date|time|social", re.I)

# Class/id words that make an element more likely to be the article container.
POSITIVE = re.compile(r"content|detail|article|body|entry|main|post|story|news-?text|noidung|chitiet|chi-?tiet|text", re.I)
NEGATIVE = re.compile(
    r"comment|related|relate|footer|header|menu|nav|sidebar|side-bar|widget|banner|ads|advert|share|social|tag|list|box-?news|most|popular|hot|other|slide|cate",
    re.I,
)

# Visible text lines that are page furniture wherever they appear (whole-block match, folded).
FURNITURE_TEXT = re.compile(
    r"^(xem thêm|tin liên quan|bài liên quan|đọc thêm|đọc tiếp|tin khác|các tin khác|tin cùng chuyên mục|"
    r"thích và chia sẻ bài viết qua|chia sẻ bài viết|chia sẻ|bình luận|gửi bình luận|nhập bình luận của bạn|"
    r"ý kiến bạn đọc( \(\d+\))?|ý kiến của bạn|quảng cáo|advertisement|in bài|gửi bài|bản in|lưu bài|"
    r"theo dòng sự kiện|tham khảo thêm|\[quay lại\]|quay lại|về đầu trang|tin mới|tin nổi bật|"
    # an ad slot's placeholder label: "Quảng cáo trang nội dung, cột giữa", "QC - Banner top"
    r"(?:\S+\s+){0,3}(?:quảng cáo|qc)\b[^.!?]{0,50}\b(?:cột|vị trí|trang chủ|trang nội dung|trang chi tiết|banner|top|bottom|giữa|bên phải|bên trái)\b[^.!?]{0,30})\s*:?\s*$",
    re.I,
)


@lru_cache(maxsize=512)
def compile_css(selector: str) -> CSSSelector | None:
    """A compiled CSS selector (cached), or None when the selector is invalid."""
    try:
        return CSSSelector(selector)
    except Exception:
        return None


# Attributes whose values the index keeps (besides class tokens). ``rel`` is not among them: the
# catalogues ask for it on links only (``a[rel=tag]``), answered from the page's <a> elements.
_INDEXED_ATTRS = ("id", "data-role", "itemprop", "data-field")


class SelectorIndex:
    """One document's index: class token / id / attribute value -> elements, plus document order.

    Built once per page (``newsarchive.extract.page.Page.index``) and passed to :func:`select`; it
    belongs to that page alone, so pages extracted at the same time in several threads never share
    one (there is no module-level index). One walk over the elements: ``attributes`` names the
    attributes to index besides ``class``; ``absent`` those the page has none of (a page whose text
    never says ``itemprop`` need not read it on every element), answered as matching nothing."""

    __slots__ = ("top", "order", "classes", "attrs", "indexed", "absent", "tags", "ends", "sub", "_joined")

    def __init__(self, top: Any, attributes: tuple[str, ...] = _INDEXED_ATTRS, absent: tuple[str, ...] = ()):
        self.top = top
        self.indexed = frozenset(attributes)
        self.absent = frozenset(absent)           # attributes the page is known not to have
        order: dict[Any, int] = {}
        classes: dict[str, list] = {}             # class token -> elements, in document order
        attrs: dict[tuple[str, str], list] = {}   # (attribute, value) -> elements
        i = 0
        for el in top.iter(etree.Element):        # elements only, in document order (C-level walk)
            order[el] = i
            i += 1
            value = el.get("class")
            if value:
                for token in value.split():
                    found = classes.get(token)
                    if found is None:
                        classes[token] = [el]
                    elif found[-1] is not el:     # a token written twice in one class attribute
                        found.append(el)
            for attr in attributes:
                value = el.get(attr)
                if value:
                    key = (attr, value.strip())
                    found = attrs.get(key)
                    if found is None:
                        attrs[key] = [el]
                    else:
                        found.append(el)
        self.order = order
        self.classes = classes
        self.attrs = attrs
        self.tags: dict[str, list] = {}
        self.ends: dict[Any, int] = {}
        self.sub: dict[str, list] = {}
        self._joined: str | None = None

    def tokens_with(self, part: str) -> list[str]:
        """Class tokens of the page containing ``part`` (one search over all tokens joined, in C)."""
        if self._joined is None:
            self._joined = "\n" + "\n".join(self.classes) + "\n"
        joined, out = self._joined, []
        at = joined.find(part)
        while at != -1:
            start, end = joined.rfind("\n", 0, at) + 1, joined.find("\n", at)
            out.append(joined[start:end])
            at = joined.find(part, end)
        return out


# --- selectors answered from the index -------------------------------------------------------
# A selector list of compound parts (tag, .class, #id, [attr=x], [attr*=x], [attr~=x]) joined by
# " " or ">" gets the same answer as cssselect's XPath (``descendant-or-self::A/descendant-or-
# self::*/B`` for "A B", ``descendant-or-self::A/B`` for "A > B"): every element of a chain lies
# in the scope element or below it (the scope itself included); class and ``~=`` tokens are split
# on XML white space like normalize-space. The index only narrows the candidates; each is then
# checked against the selector.

_COMPOUND = re.compile(r"^(?P<tag>[a-zA-Z][\w]*)?(?:\.(?P<cls>[\w-]+)|#(?P<id>[\w-]+)|\[(?P<attr>[\w-]+)(?P<op>[*~]?=)(?P<val>[\w-]+)\])?$")
_XML_SPACE = re.compile(r"[ \t\n\r]+")


@lru_cache(maxsize=1024)
def _plan(selector: str) -> tuple | None:
    """A selector list parsed once: per part, ((combinator, compound), ...) left to right, a
    compound being (tag, attribute, operator, value). None when the list needs cssselect."""
    parts = []
    for p in selector.split(","):
        chain: list[tuple[str, tuple]] = []
        comb = " "
        for tok in p.replace(">", " > ").split():
            if tok == ">":
                if comb == ">" or not chain:
                    return None
                comb = ">"
                continue
            m = _COMPOUND.match(tok)
            if not m or not (m.group("tag") or m.group("cls") or m.group("id") or m.group("attr")):
                return None
            if m.group("cls"):
                compound = (m.group("tag"), "class", "~=", m.group("cls"))
            elif m.group("id"):
                compound = (m.group("tag"), "id", "=", m.group("id"))
            elif m.group("attr"):
                compound = (m.group("tag"), m.group("attr"), m.group("op"), m.group("val"))
            else:
                compound = (m.group("tag"), None, None, None)
            chain.append((comb, compound))
            comb = " "
        if not chain or comb == ">":
            return None
        parts.append(tuple(chain))
    return tuple(parts)


def _matches(el: Any, compound: tuple) -> bool:
    tag, attr, op, value = compound
    if tag is not None and el.tag != tag:
        return False
    if attr is None:
        return True
    v = el.get(attr)
    if v is None:
        return False
    if op == "=":
        return v == value
    if op == "*=":
        return value in v
    return value in v and value in _XML_SPACE.split(v)


def _candidates(idx: SelectorIndex, compound: tuple) -> list[Any] | None:
    """Elements of the document that may match a compound (a superset), from the index; None when
    the index cannot narrow it down."""
    tag, attr, op, value = compound
    if attr == "class" and op == "~=":
        return idx.classes.get(value, [])
    if attr == "class" and op == "*=":
        # [class*=x]: every element with a class token containing x (cached per page)
        found = idx.sub.get(value)
        if found is None:
            found = idx.sub[value] = [el for token in idx.tokens_with(value) for el in idx.classes[token]]
        return found
    if attr in idx.absent:
        return []
    if op == "=" and attr in idx.indexed:
        return idx.attrs.get((attr, value), [])
    if tag is not None:
        found = idx.tags.get(tag)
        if found is None:
            found = idx.tags[tag] = list(idx.top.iter(tag))
        return found
    return None


def _chain_up(el: Any, chain: tuple, i: int, scope: Any) -> bool:
    """Does el (matching chain[i]) have the ancestors chain[:i] asks for, inside scope?"""
    if i == 0:
        return True
    if el is scope:
        return False
    comb, compound = chain[i][0], chain[i - 1][1]
    if comb == ">":
        p = el.getparent()
        return p is not None and _matches(p, compound) and _chain_up(p, chain, i - 1, scope)
    for a in el.iterancestors():
        if _matches(a, compound) and _chain_up(a, chain, i - 1, scope):
            return True
        if a is scope:
            break
    return False


def _fast(root: Any, selector: str, idx: SelectorIndex) -> list[Any] | None:
    """``select`` from the page's index, or None when the selector needs cssselect."""
    plan = _plan(selector)
    if plan is None:
        return None
    order = idx.order
    start = order.get(root)
    if start is None:
        return None
    end = idx.ends.get(root)
    if end is None:
        # the last element of root's subtree in document order: follow the last element children
        node = root
        while True:
            child = next((c for c in reversed(node) if isinstance(c.tag, str)), None)
            if child is None:
                break
            node = child
        end = idx.ends[root] = order[node]
    found: dict[Any, int] = {}
    for chain in plan:
        last = chain[-1][1]
        cands = _candidates(idx, last) if last[1] is not None else None
        if cands is None and len(chain) == 2 and chain[0][1][1] is not None:
            # "li.active > a", ".tags a": down from the few indexed left elements, not up from every link
            left = _candidates(idx, chain[0][1])
            if left is not None:
                cands = []
                for el in left:
                    if start <= order.get(el, -1) <= end and _matches(el, chain[0][1]):
                        cands.extend(el if chain[1][0] == ">" else el.iterdescendants(last[0] or "*"))
        if cands is None:
            cands = _candidates(idx, last)
        if cands is None:
            cands = root.iter(etree.Element)
        for el in cands:
            o = order.get(el)
            if o is None or not start <= o <= end or el in found:
                continue
            if _matches(el, last) and _chain_up(el, chain, len(chain) - 1, root):
                found[el] = o
    return sorted(found, key=found.get)


def select(root: Any, selector: str, index: SelectorIndex | None = None) -> list[Any]:
    """Elements under root matching a CSS selector list, in document order.

    With ``index`` (the page's :class:`SelectorIndex`), selector lists of compound parts (tag,
    .class, #id, [attr=x], [attr*=x], [attr~=x]) joined by " " or ">" are answered from it, with
    the same result as cssselect; others (and every look-up without an index) go through cssselect.
    """
    fast = None
    if index is not None:
        try:
            fast = _fast(root, selector, index)
        except Exception:
            fast = None
    if fast is not None:
        return fast
    sel = compile_css(selector)
    if sel is None:
        return []
    try:
        return sel(root)
    except Exception:
        return []


def profile_selectors(site: Any, field: str) -> list[tuple[str, str]]:
    """Selectors an outlet profile gives for a field, as catalogue entries."""
    if site is None:
        return []
    selectors = getattr(site, "selectors", None)
    if selectors is None and isinstance(site, dict):
        selectors = site.get("selectors")
    if not isinstance(selectors, dict):
        return []
    value = selectors.get(field) or []
    if isinstance(value, str):
        value = [value]
    return [(s, "outlet profile") for s in value if isinstance(s, str)]
