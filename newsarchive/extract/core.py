"""extract_article: one fetched page -> an Article record, or NotAnArticle.

The cascade for every field (each step fills only what is still empty):
outlet profile selectors -> structured metadata (JSON-LD, OpenGraph/meta, microdata) ->
CMS selector catalogues (``selectors.py``) -> generic finders (``body.py``, ``byline.py``).
Exceptions to metadata-first, each for a stated reason:
- title: the visible headline (``<h1>`` / catalogue) wins over og:title/JSON-LD, which often carry
  another wording or the site name;
- published/modified: the visible date line wins when it disagrees with metadata (warned);
- authors: a visible byline wins, because ``meta author`` / JSON-LD often name the outlet.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time as dtime
from itertools import chain, islice
from typing import Any, Mapping
from urllib.parse import urljoin, urlsplit

from lxml import etree

from newsarchive.article import Article, ArticleImage, Extraction
from newsarchive.extract import body as B
from newsarchive.extract import byline as BL
from newsarchive.extract import media as M
from newsarchive.extract import selectors as S
from newsarchive.extract.charset import decode_html
from newsarchive.extract.metadata import Metadata, read_metadata
from newsarchive.extract.text import _key, clean, contains_loose, similar, text_of


def starts_loose(haystack: str, needle: str) -> bool:
    k = _key(needle)
    return len(k) >= 8 and _key(haystack).startswith(k)

METHOD = "newsarchive-1"
MAX_BYTES = 6_000_000          # larger pages are cut (with a warning) so no page takes over a second
MAX_DEPTH_WARN = 250

_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\x00\x00\x01\x00", b"RIFF", b"OggS", b"ID3", b"\x7fELF", b"MZ")


class NotAnArticle(Exception):
    """The page is not an article (listing, home page, empty, binary...). ``reason`` says why."""

    def __init__(self, reason: str, kind: str = "other", url: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind          # "empty", "binary", "listing", "no-text", "unparseable"
        self.url = url


# --- parsing ------------------------------------------------------------------------------------

def _to_text(html: bytes | str, headers: Mapping[str, Any] | None, url: str) -> tuple[str, list[str]]:
    warnings: list[str] = []
    if html is None:
        raise NotAnArticle("empty page", "empty", url)
    if isinstance(html, (bytearray, memoryview)):
        html = bytes(html)
    if isinstance(html, bytes):
        if not html.strip():
            raise NotAnArticle("empty page", "empty", url)
        head = html[:1024]
        controls = sum(1 for b in head if b < 9 or 13 < b < 32)
        if head.startswith(_BINARY_MAGIC) or (controls > len(head) // 20 and not head.startswith((b"\xff\xfe", b"\xfe\xff"))):
            raise NotAnArticle("binary content, not HTML", "binary", url)
        if len(html) > MAX_BYTES:
            warnings.append(f"page of {len(html)} bytes cut to {MAX_BYTES} for extraction")
            html = html[:MAX_BYTES]
        text, codec, cw = decode_html(html, headers)
        warnings.extend(cw)
    elif isinstance(html, str):
        text = html
        if len(text) > MAX_BYTES:
            warnings.append(f"page of {len(text)} characters cut to {MAX_BYTES} for extraction")
            text = text[:MAX_BYTES]
    else:
        raise NotAnArticle(f"page content of type {type(html).__name__}, expected bytes or str", "binary", url)
    if not text.strip():
        raise NotAnArticle("empty page", "empty", url)
    sample = text[:2048]
    if sample.count("\x00") > 16 or sum(1 for ch in sample if ch == "\ufffd") > 200:
        raise NotAnArticle("binary content, not HTML", "binary", url)
    if "<" not in text[:100_000]:
        raise NotAnArticle("no HTML markup", "binary", url)
    return text.replace("\x00", ""), warnings


# A plain lxml.etree parser: elements are lxml's C-level ``_Element`` (lxml.html's HtmlElement
# costs a Python class look-up for every element touched); ``text.text_of`` stands in for
# ``text_content()``.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8", huge_tree=False)


def parse_html(text: str) -> Any:
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (etree.ParserError, ValueError, UnicodeError, etree.XMLSyntaxError):
        root = None
    if root is None:
        raise NotAnArticle("page could not be parsed as HTML", "unparseable")
    return root


# --- helpers ------------------------------------------------------------------------------------

def registered_domain(host: str) -> str:
    host = (host or "").lower().strip(".")
    if host.startswith("www."):
        host = host[4:]
    parts = host.split(".")
    if len(parts) >= 3 and parts[-2] in {"com", "net", "org", "gov", "edu", "ac", "info", "int", "name", "pro", "biz", "health"} and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:]) if len(parts) >= 2 else host


def _first_in(root: Any, catalogue: list[tuple[str, str]], scope: Any = None, accept=None) -> tuple[Any, str] | None:
    for selector, comment in catalogue:
        for el in S.select(scope if scope is not None else root, selector):
            if B.is_hidden(el):
                continue
            if accept is None or accept(el):
                where = "profile" if comment == "outlet profile" else "selector"
                return el, f"{where}:{selector.split(',')[0].strip()}"
    return None


def _ancestors(el: Any) -> list[Any]:
    return list(el.iterancestors()) if el is not None else []


def _common_ancestor(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    anc_b = set(_ancestors(b)) | {b}
    for node in [a] + _ancestors(a):
        if node in anc_b:
            return node
    return None


def _in_noise(el: Any, stop: Any = None, narrow: bool = False) -> bool:
    """Is el inside furniture? ``narrow`` checks only related boxes and comments (headers and share
    bars around the headline often hold the date and byline)."""
    node = el.getparent()
    while node is not None and node is not stop:
        if narrow:
            cls = B.classes(node)
            if B.is_hidden(node) or (cls.strip() and S.NEAR_NOISE.search(cls)) or node.tag in ("footer", "nav", "aside"):
                return True
        elif B.is_noise(node):
            return True
        node = node.getparent()
    return False


_SITE_SUFFIX = re.compile(r"\s+[-|–—:»]\s+[^-|–—:»]{2,60}$")


def _strip_site(title: str, site_name: str | None) -> str:
    title = clean(title)
    if site_name and title.endswith(site_name) and len(title) > len(site_name) + 5:
        return clean(title[: -len(site_name)]).rstrip("-|–—:» ").strip()
    m = _SITE_SUFFIX.search(title)
    if m and len(title) - len(m.group(0)) > 15:
        return title[: m.start()].strip()
    return title


def _date_value(text: str, month_first: bool) -> Any:
    from newsarchive.dates import VN_TZ, parse_date_detailed

    try:
        return parse_date_detailed(text, tz=VN_TZ, month_first=month_first)
    except Exception:  # the date parser must never take the extractor down
        return None


def _iso(value: Any) -> tuple[str | None, str | None]:
    from newsarchive.dates import VN_TZ, to_iso

    if isinstance(value, datetime):
        return to_iso(value), None
    if isinstance(value, date):
        return to_iso(datetime.combine(value, dtime(0, 0), tzinfo=VN_TZ)), "day"
    return None, None


def _as_dt(value: Any) -> datetime | None:
    from newsarchive.dates import VN_TZ

    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=VN_TZ)
    if isinstance(value, date):
        return datetime.combine(value, dtime(0, 0), tzinfo=VN_TZ)
    return None


# --- the extractor ------------------------------------------------------------------------------

class _Page:
    """Everything found so far on one page (a small bag of state for the field steps)."""

    def __init__(self, root: Any, url: str, base: str, site: Any, md: Metadata):
        self.root = root
        self.url = url
        self.base = base
        self.site = site
        self.md = md
        self.month_first = bool(_opt(site, "month_first", False))
        self.warnings: list[str] = list(md.warnings)
        self.sources: dict[str, str] = {}
        self.skip: set[Any] = set()
        self.header_more = False  # the header byline says "và N tác giả khác"


def _opt(site: Any, name: str, default: Any) -> Any:
    if site is None:
        return default
    if isinstance(site, Mapping):
        return site.get(name, default)
    return getattr(site, name, default)


def extract_article(
    html: bytes | str,
    *,
    url: str,
    headers: Mapping[str, Any] | None = None,
    site: Any = None,
    final_url: str | None = None,
) -> Article:
    """Extract an article record from one page. Raises NotAnArticle for pages that are not articles.

    ``site`` is an optional outlet profile: any object or mapping with optional ``selectors``
    (field -> list of CSS selectors; fields: title, lead, body, date, byline, category, tags)
    and ``month_first``.
    """
    S._INDEX.clear()  # selector index of the previous page
    text, warnings = _to_text(html, headers, url)
    root = parse_html(text)
    md = read_metadata(root)
    base = final_url or url
    for link in root.iter("base"):
        if link.get("href"):
            try:
                base = urljoin(base, link.get("href").strip())
            except ValueError:
                pass
            break
    page = _Page(root, url, base, site, md)
    page.warnings[:0] = warnings
    # videos announced in scripts are collected before scripts are dropped
    script_videos: list[tuple[Any, str]] = []
    for script in root.iter("script"):
        t = script.text or ""
        if ".m3u8" in t:
            for m in M._URL_IN_TEXT.finditer(t):
                script_videos.append((script.getparent(), m.group(0)))
    etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=True)

    title_el = _title_element(page)
    page.title_el = title_el
    found = _body_container(page)
    if found is None:
        raise NotAnArticle("no article text found", "no-text", url)
    container, body_from = found
    scope = _common_ancestor(title_el, container) if title_el is not None else None
    if scope is None or scope.tag in ("html",):
        scope = container.getparent() if container.getparent() is not None else container
        if scope.getparent() is not None and scope.tag != "body":
            scope = scope.getparent()
    page.sources["body"] = body_from
    page.container, page.scope = container, scope

    art = Article(url=url, final_url=final_url or url)
    art.site = registered_domain(urlsplit(final_url or url).hostname or "")

    # title
    _fill_title(page, art, title_el)
    if title_el is not None:
        page.skip.add(title_el)
    lead_el = _fill_lead_element(page, art, scope, container)
    date_els = _visible_dates(page, scope, container)
    byline_els = _byline_elements(page, scope, container)

    blocks = B.read_blocks(container, page.skip)
    blocks = _drop_furniture(blocks, art)
    if art.lead is None:
        _lead_from_blocks(page, art, blocks)
    elif blocks and blocks[0].kind != "image" and (similar(blocks[0].text, art.lead) or contains_loose(art.lead, blocks[0].text) and len(blocks[0].text) > 40):
        blocks.pop(0)

    images, blocks = _images(page, blocks)
    # byline at the end of the body
    tail = BL.tail_byline([b for b in blocks if b.kind != "caption"])
    tail_text = None
    if tail is not None:
        textual = [b for b in blocks if b.kind != "caption"]
        start, lines = tail
        tail_text = " / ".join(textual[i].text for i in lines)
        cut = set(id(b) for b in textual[start:] if b.kind != "image")
        blocks = [b for b in blocks if id(b) not in cut]
    _fill_byline(page, art, byline_els, tail_text)

    text_blocks = [b.text for b in blocks if b.kind not in ("image", "caption")]
    if not text_blocks:
        captions = [b.text for b in blocks if b.kind == "caption"]
        if captions:
            text_blocks = captions
            page.warnings.append("no running text: image captions used as the body")
    art.body = "\n\n".join(text_blocks)
    art.images = images

    _fill_dates(page, art, date_els)
    _fill_category(page, art, scope, title_el)
    _fill_tags(page, art, scope)
    extra = [u for parent, u in script_videos if parent is not None and (parent is container or _is_inside(parent, scope))]
    art.videos = M.find_videos(container, page.base, extra)
    if scope is not container and _is_inside(container, scope):
        # players beside the body (a broadcaster's <video> between the sapo and the text): the
        # whole article region in document order; iframes outside the body only when video-like
        inner = {v.url for v in art.videos}
        art.videos = [
            v for v in M.find_videos(scope, page.base, extra)
            if v.url in inner or v.kind != "iframe" or "video" in v.url.lower() or "player" in v.url.lower()
        ]
    if not art.videos and md.videos:
        art.videos = M.find_videos(container, page.base, md.videos[:1])
    _fill_links(page, art)
    art.language = md.language or ("vi" if _looks_vietnamese(art.body or art.title or "") else None)

    _classify(page, art, root)
    if not art.title:
        page.warnings.append("no headline found")
    art.extraction = Extraction(method=METHOD, warnings=_dedupe(page.warnings), sources=page.sources)
    return art.finalise()


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _is_inside(el: Any, scope: Any) -> bool:
    return el is scope or any(a is scope for a in el.iterancestors())


_VI_CHARS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def _looks_vietnamese(text: str) -> bool:
    return len(_VI_CHARS.findall(text[:2000])) >= 5


# --- title ---------------------------------------------------------------------------------------

def _title_element(page: _Page) -> Any:
    cat = S.profile_selectors(page.site, "title") + S.TITLE
    ok = lambda el: 5 <= len(clean(text_of(el))) <= 400 and not _in_noise(el, narrow=True) and not B.is_hidden(el)
    found = _first_in(page.root, cat, accept=ok)
    if found:
        page.sources["title"] = found[1]
        return found[0]
    h1s = [el for el in page.root.iter("h1") if ok(el)]
    meta_titles = [t for t, _ in page.md.title]
    t_el = page.root.find(".//title")
    if t_el is not None and clean(text_of(t_el)):
        meta_titles.append(clean(text_of(t_el)))
    # the headline is the start of og:title / <title> ("Headline - Site"); a logo h1 is their end
    for h1 in h1s:
        t = clean(text_of(h1))
        if any(starts_loose(mt, t) for mt in meta_titles):
            page.sources["title"] = "h1"
            return h1
    heads = [re.split(r"\s+[-|–—»]\s+", mt)[0] for mt in meta_titles]
    # 1. h2/h3 or an element with a title-like class whose text starts og:title / <title>;
    # 2. (unseen templates) any small text element whose text is the head of og:title / <title>
    for classed in (True, False):
        for el in page.root.iter("h2", "h3", "div", "span", "p", "td", "strong", "b", "font", "h4"):
            hinted = el.tag in ("h2", "h3") or bool(re.search(r"title|tieude|headline", B.classes(el), re.I))
            if hinted != classed:
                continue
            if not classed and (len(el) > 3 or not (el.text or "").strip()):
                continue  # only elements carrying the text themselves
            t = clean(text_of(el))
            if not 10 <= len(t) <= 300:
                continue
            if classed:
                match = any(starts_loose(mt, t) and len(t) >= 0.9 * len(h) for mt, h in zip(meta_titles, heads))
            else:
                match = any(similar(h, t) for h in heads)
            if match and not any(a.tag == "a" for a in el.iterancestors()) and not _in_noise(el, narrow=True):
                page.sources["title"] = "title-like element"
                return el
    if not h1s:
        return None
    # the longest h1 (logos are short)
    best = max(h1s, key=lambda el: len(clean(text_of(el))))
    if len(clean(text_of(best))) >= 15:
        page.sources["title"] = "h1"
        return best
    return None


def _fill_title(page: _Page, art: Article, title_el: Any) -> None:
    if title_el is not None:
        art.title = clean(text_of(title_el)) or None
        return
    for value, where in page.md.title:
        t = _strip_site(value, page.md.site_name)
        if t:
            art.title = t
            page.sources["title"] = where
            return
    t = page.root.find(".//title")
    if t is not None and clean(text_of(t)):
        art.title = _strip_site(text_of(t), page.md.site_name)
        page.sources["title"] = "title"


# --- body ----------------------------------------------------------------------------------------

def _body_container(page: _Page) -> tuple[Any, str] | None:
    return B.find_container(page.root, page.site, getattr(page, "title_el", None))


_RELATED_LINE = re.compile(r"^(>>|»|>)\s*|^(xem\s+thêm|đọc\s+thêm|tin\s+liên\s+quan|bài\s+liên\s+quan)\s*[:>]", re.I)


def _drop_furniture(blocks: list[B.Block], art: Article) -> list[B.Block]:
    out = []
    for b in blocks:
        if b.kind == "image":
            out.append(b)
            continue
        t = b.text
        if S.FURNITURE_TEXT.match(t) or _RELATED_LINE.match(t):
            continue
        if b.link_ratio > 0.7 and b.kind != "caption" and len(t) < 300:
            continue
        if art.title and t == art.title:
            continue
        out.append(b)
    return out


# --- lead ----------------------------------------------------------------------------------------

def _lead_text(el: Any) -> str:
    blocks = B.read_blocks(el)
    parts = [b.text for b in blocks if b.kind != "image" and b.link_ratio < 0.6 and not _RELATED_LINE.match(b.text)]
    # <br>-separated related links inside the sapo: drop link-only lines
    text = clean(" ".join(parts))
    links = [clean(text_of(a)) for a in el.iter("a")]
    for lt in links:
        if lt and text.endswith(lt) and len(lt) < len(text) * 0.6:
            text = clean(text[: -len(lt)]).rstrip(">» ").strip()
    return text


def _fill_lead_element(page: _Page, art: Article, scope: Any, container: Any) -> Any:
    cat = S.profile_selectors(page.site, "lead") + S.LEAD
    ok = lambda el: len(clean(text_of(el))) >= 20 and not _in_noise(el, scope)
    found = _first_in(page.root, cat, scope=scope, accept=ok)
    if found is None:
        found = _lead_after_title(page, container)
    if found is None:
        return None
    el, where = found
    text = _lead_text(el)
    if not text:
        return None
    art.lead = text
    page.sources["lead"] = where
    page.skip.add(el)
    page.lead_el = el
    return el


_LEAD_TAGS = frozenset("h2 h3 h4 h5 p div strong b em span td".split())
_LEAD_WALK_LIMIT = 80


def _lead_after_title(page: _Page, container: Any) -> tuple[Any, str] | None:
    """Generic sapo: the first paragraph-like block after the headline and before the body
    container, in document order (date lines, bylines and share bars in between are shorter
    than a sapo; link lists, furniture, hidden nodes and photo captions are passed over)."""
    title_el = getattr(page, "title_el", None)
    if title_el is None or _is_inside(title_el, container) or _is_inside(container, title_el):
        return None
    stop = object()
    budget = [_LEAD_WALK_LIMIT]

    def visit(el: Any) -> Any:
        if not isinstance(el.tag, str) or el.tag in B.SKIP_TAGS:
            return None
        if el is container:
            return stop
        budget[0] -= 1
        if budget[0] < 0:
            return stop
        holds_container = _is_inside(container, el)
        if not holds_container and (B.is_hidden(el) or B.is_noise(el) or el in page.skip):
            return None
        if not holds_container:
            n = len(clean(text_of(el)))
            if n < 60:
                return None
            has_blocks = any(isinstance(c.tag, str) and c.tag in B.BLOCK_TAGS and clean(text_of(c)) for c in el)
            if not has_blocks:
                if _lead_like(el, n):
                    return el
                return None
        for child in el:
            found = visit(child)
            if found is not None:
                return found
        return stop if holds_container else None

    node = title_el
    while node is not None and node.tag != "body":
        for sib in node.itersiblings():
            found = visit(sib)
            if found is stop:
                return None
            if found is not None:
                return found, "after-title"
        node = node.getparent()
    return None


def _lead_like(el: Any, n: int) -> bool:
    """A sapo-shaped block: a sentence or three, few links, not a photo caption, not a date line."""
    if el.tag not in _LEAD_TAGS or n > 1200 or B.link_density(el) > 0.5:
        return False
    parent = el.getparent()
    if el.find(".//img") is not None or (parent is not None and parent.find(".//img") is not None and len(clean(text_of(parent))) < 400):
        return False  # a photo's caption
    return not (_HAS_DATE.search(clean(text_of(el))[:40]) and n < 100)


_DATELINE = re.compile(r"^\(?[\w.]{2,30}(?:\s[\w.]{1,15}){0,3}\)?\s*[-–—]\s*\S", re.U)


def _lead_from_blocks(page: _Page, art: Article, blocks: list[B.Block]) -> None:
    """No sapo element: the first body block is the lead when it is bold, a dateline, or the description."""
    first = next((b for b in blocks if b.kind != "image"), None)
    if first is not None and first.kind == "heading" and len(first.text.split()) >= 25:
        first.kind = "p"  # a "heading" as long as a paragraph is a sapo styled as a heading
        first.bold_chars = len(first.text)
    if first is None or first.kind in ("heading", "caption") or len([b for b in blocks if b.kind not in ("image", "caption")]) < 2:
        return
    t = first.text
    desc = page.md.description or ""
    is_lead = (
        (first.bold and len(t.split()) >= 12)
        or (len(t.split()) >= 8 and _distinct_first_paragraph(first, blocks))
        or (desc and (similar(desc, t) or (len(desc) > 40 and contains_loose(t, desc[:60]))))
        or (_DATELINE.match(t) and len(t.split()) >= 12 and (first.bold or first.italic or (desc and contains_loose(t, desc[:40]))))
    )
    if is_lead:
        if first.link_chars and first.element is not None and clean(text_of(first.element)) == t:
            t = _lead_text(first.element) or t  # "... >> Related headline" after a <br>
        art.lead = t
        page.sources["lead"] = "first-block"
        blocks.remove(first)


def _distinct_first_paragraph(first: B.Block, blocks: list[B.Block]) -> bool:
    """The first paragraph carries a class of its own while the paragraphs after it share one
    (``<p class=x>`` sapo over ``<p class=y>`` body): a sapo styled apart, whatever the names."""
    el = first.element
    if el is None or not el.get("class") or len(first.text.split()) > 90:
        return False
    after = [b.element for b in blocks if b is not first and b.kind == "p" and b.element is not None and b.element.tag == el.tag]
    after = [e for e in after if e is not el][:6]
    if len(after) < 2:
        return False
    classes = {(e.get("class") or "").strip() for e in after}
    return len(classes) == 1 and (el.get("class") or "").strip() not in classes


# --- images --------------------------------------------------------------------------------------

def _images(page: _Page, blocks: list[B.Block]) -> tuple[list[ArticleImage], list[B.Block]]:
    images: list[ArticleImage] = []
    keep: list[B.Block] = []
    i = 0
    n = len(blocks)
    seen: set[str] = set()
    while i < n:
        b = blocks[i]
        if b.kind != "image":
            keep.append(b)
            i += 1
            continue
        img = b.image
        url = M.image_url(img, page.base)
        i += 1
        if not url or M.is_junk_image(img, url):
            continue
        if M.is_teaser_image(img, page.container):
            # a related-article teaser: its headline and summary go with it
            box = _teaser_box(img, page.container)
            while box is not None and i < n and blocks[i].kind != "image" and blocks[i].element is not None and _is_inside(blocks[i].element, box):
                i += 1
            continue
        caption_parts: list[str] = []
        # caption: the following text blocks that belong to this image
        while i < n and blocks[i].kind != "image":
            c = blocks[i]
            same_figure = b.in_figure is not None and c.in_figure is b.in_figure
            same_block = c.element is b.element and b.element is not None
            short = len(c.text.split()) <= 60
            styled = c.kind == "caption" or ((c.align == "center" or c.italic) and short and not c.bold)
            if (same_figure and short) or (same_block and short) or (styled and short and not caption_parts and c.kind != "heading"):
                caption_parts.append(c.text)
                c.kind = "caption"
                keep.append(c)
                i += 1
                if not (same_figure or same_block):
                    break
            else:
                break
        if url in seen:
            continue
        seen.add(url)
        images.append(M.make_image(url, " ".join(caption_parts) or None, img.get("alt")))
    return images, keep


def _teaser_box(img: Any, stop: Any) -> Any:
    """The smallest block around a teaser thumbnail that also holds its text (at most ~60 words)."""
    box = None
    for a in img.iterancestors():
        if a is stop:
            break
        if a.tag in B.BLOCK_TAGS:
            if len(text_of(a).split()) > 80:
                break
            box = a
    return box


# --- dates ---------------------------------------------------------------------------------------

def _visible_dates(page: _Page, scope: Any, container: Any) -> list[tuple[Any, str, str]]:
    """(parsed, raw text, where) for visible date lines near the article, best first."""
    out = []
    cat = S.profile_selectors(page.site, "date") + S.DATE
    for where_scope in (scope, "generic", page.root):
        if where_scope == "generic":
            found = _generic_dateline(page, scope)
            if found:
                out.append(found)
                break
            continue
        for selector, comment in cat:
            for el in S.select(where_scope, selector):
                if _in_noise(el, where_scope, narrow=True) or B.is_hidden(el) or _in_teaser_link(el):
                    continue
                raw = clean(text_of(el))
                if not raw or len(raw) > 120:
                    dt_attr = el.get("datetime")
                    if not dt_attr:
                        continue
                parsed = _date_value(raw, page.month_first) if raw and len(raw) <= 120 else None
                if (parsed is None or parsed.value is None) and el.get("datetime"):
                    raw = clean(el.get("datetime"))
                    parsed = _date_value(raw, page.month_first)
                    if parsed is not None and parsed.value is not None:
                        out.append((parsed, raw, "time"))
                        page.skip.add(el)
                    continue
                if parsed is None or parsed.value is None:
                    continue
                if parsed.span:
                    raw = raw[parsed.span[0]: parsed.span[1]] if len(raw) > 60 else raw
                out.append((parsed, raw, "visible"))
                page.skip.add(el)
            if out:
                break
        if out:
            break
    return out


def _in_teaser_link(el: Any) -> bool:
    """A date inside a link whose text is longer than the date: another article's teaser."""
    for a in el.iterancestors("a"):
        return len(clean(text_of(a))) > len(clean(text_of(el))) + 10
    return False


_HAS_DATE = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}|\d{4}-\d{2}-\d{2}|tháng\s+\d{1,2}", re.I)


def _near_title(page: _Page, limit: int = 30) -> set[Any]:
    """The first elements after the headline in document order (where date lines and bylines sit)."""
    out: set[Any] = set()
    title_el = getattr(page, "title_el", None)
    if title_el is None:
        return out
    for top in _following(title_el, 3):
        for el in top.iter():
            out.add(el)
            if len(out) >= limit:
                return out
    return out


def _generic_dateline(page: _Page, scope: Any) -> tuple[Any, str, str] | None:
    """The first short element in the article's scope whose text is a date (with a time if any)."""
    best = None
    near = _near_title(page)
    for el in scope.iter():
        if not isinstance(el.tag, str) or el.tag in B.SKIP_TAGS or el.tag in ("li", "a", "td", "table", "ul"):
            continue
        if el.tag == "p" and el not in near:
            continue  # a paragraph is a date line only right under the headline
        if page.title_el is not None and el is page.title_el:
            continue
        raw = clean(text_of(el))
        if not raw or len(raw) > 80 or not _HAS_DATE.search(raw):
            continue
        if any(child.tag in B.BLOCK_TAGS for child in el if isinstance(child.tag, str)) and len(el) > 3:
            continue
        if _in_noise(el, scope, narrow=True) or _in_teaser_link(el) or B.is_hidden(el):
            continue
        parsed = _date_value(raw, page.month_first)
        if parsed is None or parsed.value is None:
            continue
        if parsed.span and parsed.span[1] - parsed.span[0] < 0.4 * len(raw) and not S.DATE_HINT.search(B.classes(el)):
            continue  # a date mentioned in a sentence, not a date line
        page.skip.add(el)
        return parsed, raw, "visible"
    return best


def _parse_first(page: _Page, candidates: list[tuple[str, str]]) -> tuple[Any, str, str] | None:
    for raw, where in candidates:
        parsed = _date_value(raw, False)
        if parsed is not None and parsed.value is not None:
            return parsed, raw, where
    return None


def _fill_dates(page: _Page, art: Article, visible: list[tuple[Any, str, str]]) -> None:
    md = page.md
    meta_pub = _parse_first(page, md.published)
    meta_mod = _parse_first(page, md.modified)
    vis = visible[0] if visible else None
    chosen = meta_pub
    if vis is not None:
        vdt, mdt = _as_dt(vis[0].value), _as_dt(meta_pub[0].value) if meta_pub else None
        if mdt is None:
            chosen = vis
        elif not isinstance(meta_pub[0].value, datetime) and isinstance(vis[0].value, datetime):
            chosen = vis  # metadata gives the day only; the visible line adds the time
            if vdt.date() != mdt.date():
                page.warnings.append(f"visible date {vis[1]!r} disagrees with {meta_pub[2]} date {meta_pub[1]!r}; kept the visible one")
        else:
            prec = vis[0].precision or "minute"
            if isinstance(vis[0].value, datetime) and not _same_instant(vdt, mdt, prec):
                page.warnings.append(
                    f"visible date {vis[1]!r} disagrees with {meta_pub[2]} date {meta_pub[1]!r}; kept the visible one"
                )
                chosen = vis
            elif not isinstance(vis[0].value, datetime) and isinstance(meta_pub[0].value, datetime):
                chosen = meta_pub if vdt.date() == mdt.astimezone(vdt.tzinfo).date() else vis
    if chosen is not None:
        parsed, raw, where = chosen
        art.published_at, day = _iso(parsed.value)
        art.published_raw = raw
        art.published_from = where
        art.published_precision = day or parsed.precision or "second"
        page.sources["published_at"] = where
        for w in parsed.warnings or ():
            page.warnings.append(f"published date: {w}")
    if meta_mod is not None:
        parsed, raw, where = meta_mod
        mod = _as_dt(parsed.value)
        pub = _as_dt(chosen[0].value) if chosen else None
        if pub is not None and mod is not None and mod.replace(second=0, microsecond=0) <= pub.replace(second=0, microsecond=0):
            if mod < pub.replace(second=0, microsecond=0):
                page.warnings.append(f"modified time {raw!r} precedes the publication time; dropped")
        else:
            art.modified_at, _ = _iso(parsed.value)
            art.modified_raw = raw
            art.modified_from = where
            page.sources["modified_at"] = where
    if art.published_at is None:
        page.warnings.append("no publication date found")


def _same_instant(a: datetime, b: datetime, precision: str) -> bool:
    if precision == "day":
        return a.date() == b.astimezone(a.tzinfo).date()
    diff = abs((a - b).total_seconds())
    return diff < (60 if precision == "minute" else 1)


# --- byline --------------------------------------------------------------------------------------

def _byline_elements(page: _Page, scope: Any, container: Any) -> list[Any]:
    cat = S.profile_selectors(page.site, "byline") + S.BYLINE
    for selector, comment in cat:
        found = [el for el in S.select(scope, selector) if not B.is_hidden(el) and not _in_noise(el, scope, narrow=True) and clean(text_of(el))]
        found = [el for el in found if len(clean(text_of(el))) <= 150]
        if found:
            top = [el for el in found if not any(a in found for a in el.iterancestors())]
            page.sources["authors"] = ("profile:" if comment == "outlet profile" else "selector:") + selector.split(",")[0].strip()
            for el in top:
                page.skip.add(el)
            return top
    return []


def _source_elements(page: _Page, scope: Any) -> list[str]:
    out: list[str] = []
    for selector, comment in S.SOURCE:
        for el in S.select(scope, selector):
            t = clean(text_of(el))
            if t and len(t) <= 60 and not B.is_hidden(el) and not _in_noise(el, scope, narrow=True):
                t = BL.SOURCE_PREFIX.sub("", BL.THEO_PREFIX.sub("", t)).strip(" .:-")
                if t and not t.lower().startswith(("http", "www")):
                    out.append(t)
        if out:
            break
    return out


def _following(el: Any, levels: int = 3):
    """Elements after el in document order: its following siblings, then its parent's... (up to
    ``levels`` ancestors), without descending."""
    node = el
    for _ in range(levels + 1):
        if node is None or node.tag in ("body", "html"):
            return
        for sib in node.itersiblings():
            yield sib
        node = node.getparent()


def _byline_after(container: Any) -> str | None:
    """A short byline line right after the body container (right-aligned / bold name, "Theo X")."""
    checked = 0
    for sib in _following(container):
        if not isinstance(sib.tag, str) or sib.tag in B.SKIP_TAGS or B.is_hidden(sib) or B.is_noise(sib):
            continue
        t = clean(text_of(sib))
        if not t:
            continue
        checked += 1
        if checked > 2:
            break
        blocks = [b for b in B.read_blocks(sib) if b.kind != "image"]
        lines = []
        for b in blocks[:3]:
            if not BL.is_byline_block(b):
                break
            lines.append(b.text)
        if lines and (len(lines) == len(blocks) or len(lines) >= 2 or BL.BYLINE_LINE.match(lines[0])):
            return " / ".join(lines)  # "Theo Hồ Hương" over "Đại Đoàn kết": one byline on two lines
    return None


_DATE_PART = re.compile(r"\s*(?:[-|–—,•·]\s*)?(?:(?:thứ\s+\w+|chủ\s+nhật|t[2-7]|cn)\s*,?\s*)?\d{1,2}\s*[:hg/.-]\s*\d{1,2}.*$", re.I)


_MORE_AUTHORS = re.compile(r"và\s+\d+\s+tác\s+giả\s+khác|and\s+\d+\s+others?", re.I)


def _header_byline(page: _Page, container: Any) -> str | None:
    """A name line near the headline (between it and the body): "Minh Chiến", "Theo Ngoisao |
    25/12/2012 10:25", "Nguyên Minh - 07/03/2026 08:47". Dates and widget words are cut off; the
    rest must read as a byline (a person's name, or a "Theo"/"Nguồn" credit)."""
    title_el = getattr(page, "title_el", None)
    if title_el is None:
        return None
    budget = 40
    lead_el = getattr(page, "lead_el", None)
    for top in _following(title_el, 4):
        for el in top.iter():
            budget -= 1
            if budget < 0:
                return None
            if not isinstance(el.tag, str) or el.tag in B.SKIP_TAGS:
                continue
            if el is container:
                return None
            if lead_el is not None and (el is lead_el or _is_inside(el, lead_el)):
                continue
            full = clean(text_of(el))
            page.header_more = page.header_more or (len(full) < 150 and bool(_MORE_AUTHORS.search(full)))
            if len(full) > 150:
                if len(el) == 0 or all(not isinstance(c.tag, str) or c.tag not in B.BLOCK_TAGS for c in el):
                    return None  # a paragraph: the body has started
                continue
            if not full or el.tag in ("a",) and el.getparent() is not None and clean(text_of(el.getparent())) != full:
                continue
            if any(isinstance(c.tag, str) and c.tag in B.BLOCK_TAGS and clean(text_of(c)) for c in el):
                continue  # look at the innermost line
            if B.is_hidden(el) or _in_noise(el, None, narrow=True):
                continue
            line = BL.WIDGET_WORDS.sub("", _DATE_PART.sub("", full)).strip(" -|–—,•·")
            if not line or len(line) > 80:
                continue
            a, src = BL.split_byline(line)
            prefixed = bool(BL.BYLINE_LINE.match(line))
            if prefixed and (a or src):
                return line
            pieces = [x for x in (BL._clean_piece(x) for x in BL._SEPARATORS.split(line)) if x]
            if a and not src and pieces and all(BL.looks_like_person(x) for x in pieces) and len(line.split()) <= 8:
                if title_el is not None and similar(line, clean(text_of(title_el))):
                    continue
                return line
    return None


def _split_lines(text: str) -> tuple[list[str], list[str]]:
    """(authors, sources) of a byline read line by line (" / " between lines): "Theo X" on one
    line and the outlet on the next are two credits, not one name."""
    parts = text.split(" / ")
    if len(parts) == 1:
        return BL.split_byline(text)
    authors: list[str] = []
    sources: list[str] = []
    for p in parts:
        pa, ps = BL.split_byline(p)
        authors += pa
        sources += ps
    return authors, sources


def _fill_byline(page: _Page, art: Article, els: list[Any], tail_text: str | None) -> None:
    authors: list[str] = []
    sources: list[str] = []
    raws: list[str] = []
    for el in els:
        frags = BL.byline_from_element(el)
        raw = " ".join(frags)
        if not raw:
            continue
        a, s = BL.split_byline(" - ".join(frags) if len(frags) > 1 and not BL.THEO_PREFIX.match(raw) else raw)
        if a or s:
            raws.append(raw)
            authors += a
            sources += s
    if tail_text:
        a, s = _split_lines(tail_text)
        raws.append(tail_text)
        if not page.sources.get("authors"):
            page.sources["authors"] = "body-tail"
        authors += a
        sources += s
    if not authors and not sources and getattr(page, "container", None) is not None:
        head = _header_byline(page, page.container)
        if head:
            a, s = BL.split_byline(head)
            where = "near-headline"
            if page.header_more:
                # "NHẬT XUÂN và 1 tác giả khác": the full list is printed after the body or in metadata
                after = _byline_after(page.container)
                fa, fs = _split_lines(after) if after else ([], [])
                meta = [n for n, _ in page.md.authors]
                if fa and set(a) <= set(fa):
                    a, s, head, where = fa, fs, after, "after-body"
                elif len(meta) > len(a) and {x.casefold() for x in a} <= {x.casefold() for x in meta}:
                    a, where = meta, "near-headline+metadata"
            authors += a
            sources += s
            raws.append(head)
            page.sources["authors"] = where
    if not authors and not sources and getattr(page, "container", None) is not None:
        after = _byline_after(page.container)
        if after:
            a, s = _split_lines(after)
            authors += a
            sources += s
            raws.append(after)
            page.sources["authors"] = "after-body"
    if (authors or sources) and getattr(page, "scope", None) is not None:
        extra = _source_elements(page, page.scope)
        if extra:
            sources += extra
    if not authors and not sources:
        for name, where in page.md.authors:
            a, s = BL.split_byline(name)
            authors += a
            sources += s
            if a or s:
                page.sources["authors"] = where
    site_name = (page.md.site_name or "").casefold()
    outlet = {site_name, (page.md.author_meta or "").casefold()}
    authors = [a for a in BL._dedupe(authors) if a.casefold() not in outlet]
    art.authors = authors
    art.sources = BL._dedupe(sources)
    art.byline_raw = " | ".join(_dedupe(raws)) or None


# --- category, tags, links ----------------------------------------------------------------------

_HOME = re.compile(r"^(trang\s*chủ|home|trang\s*nhất|tin\s*tức\s*24h|»|>|/)$", re.I)


def _fill_category(page: _Page, art: Article, scope: Any, title_el: Any) -> None:
    cat = S.profile_selectors(page.site, "category")
    if cat:
        f = _first_in(page.root, cat)
        if f:
            art.category = clean(text_of(f[0])) or None
            page.sources["category"] = f[1]
            return
    for selector, comment in S.BREADCRUMB:
        items = [clean(text_of(el)) for el in S.select(page.root, selector) if not B.is_hidden(el)]
        items = [t for t in items if t and len(t) <= 60 and not _HOME.match(t) and not (art.title and similar(t, art.title))]
        if items:
            art.category = items[-1]
            page.sources["category"] = "breadcrumb"
            return
    if page.md.breadcrumb:
        items = [t for t in page.md.breadcrumb if not _HOME.match(t) and not (art.title and similar(t, art.title))]
        if items:
            art.category = items[-1]
            page.sources["category"] = "json-ld breadcrumb"
            return
    trail = _text_breadcrumb(page, title_el)
    if trail:
        art.category = trail
        page.sources["category"] = "breadcrumb trail"
        return
    label = _section_label(page, title_el)
    if label:
        art.category = label
        page.sources["category"] = "label-before-title"
        return
    for selector, comment in S.SECTION:
        for el in S.select(page.root, selector):
            t = clean(text_of(el))
            if t and len(t) <= 60 and not _HOME.match(t):
                art.category = t
                page.sources["category"] = "selector:" + selector.split(",")[0]
                return
    for value, where in page.md.section:
        if S.GENERIC_SECTION.match(value):
            continue
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if len(parts) > 1 and all(len(p) <= 30 for p in parts):
            value = parts[-1]  # "Kinh doanh, Tài chính": the deepest section
        art.category = value
        page.sources["category"] = where
        return


_TRAIL_SEP = re.compile(r"^[\s»>›/|→·•\-–]*$")


def _text_breadcrumb(page: _Page, title_el: Any, limit: int = 60) -> str | None:
    """A breadcrumb without a class: a short element before the headline made of 2-6 links
    separated only by » > › / | arrows, the first one to the home page. The deepest link not
    equal to the headline is the category."""
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
                if not _TRAIL_SEP.match(rest) or "»" not in text and ">" not in text and "›" not in text and "/" not in text and "→" not in text:
                    continue
                href = (links[0].get("href") or "").strip()
                if not (_HOME.match(names[0]) or href in ("/", "./") or re.match(r"^/?(index|default|home)\.\w+$", href, re.I) or re.match(r"^https?://[^/]+/?$", href)):
                    continue
                for n in reversed(names[1:]):
                    if n and not _HOME.match(n) and not (page.title_el is not None and similar(n, clean(text_of(title_el)))):
                        return n
                return None
        node = node.getparent()
    return None


def _section_label(page: _Page, title_el: Any) -> str | None:
    """A short linked label right before the headline ("Tin tức" above the title)."""
    if title_el is None:
        return None
    for sib in title_el.itersiblings(preceding=True):
        if not isinstance(sib.tag, str) or sib.tag in B.SKIP_TAGS:
            continue
        t = clean(text_of(sib))
        if not t:
            continue
        links = [clean(text_of(a)) for a in sib.iter("a") if clean(text_of(a))]
        if links and len(t) <= 40 and not _HOME.match(links[-1]):
            return links[-1]
        return None
    return None


def _fill_tags(page: _Page, art: Article, scope: Any) -> None:
    tags: list[str] = []
    cat = S.profile_selectors(page.site, "tags") + S.TAGS
    for selector, comment in cat:
        for where_scope in (scope, page.root):
            items = [clean(text_of(el)) for el in S.select(where_scope, selector) if not B.is_hidden(el)]
            items = [t.lstrip("#").strip().rstrip(",").strip() for t in items]
            items = [t for t in items if t and len(t) <= 80 and not S.TAG_LABEL.match(t)]
            if items:
                tags = items
                page.sources["tags"] = "selector:" + selector.split(",")[0]
                break
        if tags:
            break
    if not tags:
        text = _fold(f"{art.title or ''} {art.body or ''}")
        for values, where in page.md.tags:
            if not values:
                continue
            if where == "meta keywords" and not any(_fold(v) in text for v in values):
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


def _fold(text: str) -> str:
    """Case- and accent-folded text (meta keywords are often written without diacritics)."""
    import unicodedata

    d = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return " ".join(d.encode("ascii", "ignore").decode("ascii").split())


def _fill_links(page: _Page, art: Article) -> None:
    md = page.md
    for value in (md.canonical, md.og_url):
        if value:
            try:
                art.canonical_url = urljoin(page.base, value.strip())
            except ValueError:
                continue
            break


def _teaser_links(root: Any) -> int:
    """Links whose text reads like a headline (six words or more)."""
    n = 0
    for a in root.iter("a"):
        t = text_of(a)
        if t and len(t.split()) >= 6:
            n += 1
    return n


def _classify(page: _Page, art: Article, root: Any) -> None:
    """Raise NotAnArticle for home pages, listings and pages without article text.

    Article evidence: JSON-LD of an article type, or a publication date near the headline.
    A page without either needs a long text to count; a page with little text, no picture, no
    byline and many headline-like links is a listing even when it shows dates (teaser dates).
    """
    words = len(art.body.split())
    media = bool(art.images or art.videos)
    if words < 15 and not media:
        raise NotAnArticle("no article text found", "no-text", page.url)
    evidence = page.md.jsonld_article or art.published_at is not None
    if not evidence and words < 400:
        kind = "listing" if _teaser_links(root) >= 10 else "no-text"
        raise NotAnArticle(
            "listing page (headline links, no article date or metadata)" if kind == "listing" else "no article date, metadata or long text",
            kind, page.url,
        )
    if words < 80 and not media and not (art.authors or art.sources) and _teaser_links(root) >= 15:
        raise NotAnArticle("listing page (many headline links, little text)", "listing", page.url)


def classify_page(html: bytes | str, url: str, headers: Mapping[str, Any] | None = None) -> str:
    """"article", or the kind of non-article page ("listing", "no-text", "empty", "binary"...). Never raises."""
    try:
        extract_article(html, url=url, headers=headers)
        return "article"
    except NotAnArticle as exc:
        return exc.kind
    except Exception:
        return "error"
