"""One page being extracted: its decoded text, parsed tree and everything the field steps find.

:func:`load_page` turns fetched bytes (or text) into a :class:`Page`, refusing what is no page at
all (empty, binary, not HTML: :class:`~newsarchive.extract.classify.NotAnArticle`). Every piece of
per-page state lives on the ``Page`` object (the selector index included), never in a module, so
several pages can be extracted at the same time in threads.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Mapping
from urllib.parse import urljoin

from lxml import etree

from newsarchive.extract import selectors as S
from newsarchive.extract.charset import decode_html
from newsarchive.extract.classify import NotAnArticle
from newsarchive.extract.metadata import MICRODATA_PROPS, Metadata, read_metadata, read_microdata

MAX_BYTES = 6_000_000          # larger pages are cut (with a warning) so no page takes over a second

_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\x00\x00\x01\x00", b"RIFF", b"OggS", b"ID3", b"\x7fELF", b"MZ")


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)


def to_text(html: bytes | str, headers: Mapping[str, Any] | None, url: str) -> tuple[str, list[str]]:
    """The page as text (charset decided by ``charset.decode_html``) and the warnings on the way."""
    text, warnings, _utf8 = _decoded(html, headers, url)
    return text, warnings


def _decoded(html: bytes | str, headers: Mapping[str, Any] | None, url: str) -> tuple[str, list[str], bytes | None]:
    """``to_text``, and the page's own bytes when they are exactly the text in UTF-8 (the parser then
    reads them as they are, without encoding the text again)."""
    warnings: list[str] = []
    utf8: bytes | None = None
    if html is None:
        raise NotAnArticle("empty page", "empty", url)
    if isinstance(html, (bytearray, memoryview)):
        html = bytes(html)
    if isinstance(html, bytes):
        if not html[:4096].strip() and not html.strip():   # (no copy of the whole page when it starts with text)
            raise NotAnArticle("empty page", "empty", url)
        head = html[:1024]
        controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
        if head.startswith(_BINARY_MAGIC) or (controls > len(head) // 20 and not head.startswith((b"\xff\xfe", b"\xfe\xff"))):
            raise NotAnArticle("binary content, not HTML", "binary", url)
        if len(html) > MAX_BYTES:
            warnings.append(f"page of {len(html)} bytes cut to {MAX_BYTES} for extraction")
            html = html[:MAX_BYTES]
        text, codec, cw = decode_html(html, headers)
        warnings.extend(cw)
        if not cw and (codec or "").lower().replace("_", "-") in ("utf-8", "utf8", "ascii", "us-ascii") \
                and not html.startswith(b"\xef\xbb\xbf") and "\ufffd" not in text:
            utf8 = html   # (no replacement character: the bytes decoded cleanly)
    elif isinstance(html, str):
        text = html
        if len(text) > MAX_BYTES:
            warnings.append(f"page of {len(text)} characters cut to {MAX_BYTES} for extraction")
            text = text[:MAX_BYTES]
    else:
        raise NotAnArticle(f"page content of type {type(html).__name__}, expected bytes or str", "binary", url)
    if not text[:4096].strip() and not text.strip():
        raise NotAnArticle("empty page", "empty", url)
    sample = text[:2048]
    if sample.count("\x00") > 16 or sample.count("\ufffd") > 200:
        raise NotAnArticle("binary content, not HTML", "binary", url)
    if "<" not in text[:100_000]:
        raise NotAnArticle("no HTML markup", "binary", url)
    if "\x00" in text:
        text, utf8 = text.replace("\x00", ""), None
    return text, warnings, utf8


# A plain lxml.etree parser: elements are lxml's C-level ``_Element`` (lxml.html's HtmlElement
# costs a Python class look-up for every element touched); ``text.text_of`` stands in for
# ``text_content()``. One parser per thread: an lxml parser serialises the threads that share it.
_PARSERS = threading.local()


def _parser(huge: bool = False) -> Any:
    name = "huge" if huge else "parser"
    parser = getattr(_PARSERS, name, None)
    if parser is None:
        parser = etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8", huge_tree=huge)
        setattr(_PARSERS, name, parser)
    return parser





# "</body>" and "</html>" end tags. An HTML5 parser (a browser) ignores them and reads what
# follows into the body; libxml2 drops everything after a premature "</html>" (a template that
# prints "<html ...></html>" before its <head> and <body> would parse as an empty page). Removed
# before parsing: libxml2 closes the body and the document at the end of the text by itself.
_END_OF_DOCUMENT = re.compile(r"</(?:body|html)\s*>", re.I)


_END_TAG = re.compile(r"</(?:[bB][oO][dD][yY]|[hH][tT][mM][lL])")


def _premature_end(text: str) -> bool:
    """Is there a "</body>" or "</html>" before the last 4 KB of the page (any, on a page under 16 KB)?
    (One search; the rewrite only when one is found.)"""
    head = len(text) - 4096 if len(text) > 16384 else len(text)
    return _END_TAG.search(text, 0, head) is not None


def parse_html(text: str, warnings: list[str] | None = None, utf8: bytes | None = None) -> Any:
    """The page's tree (``utf8``: the same text as UTF-8 bytes, when the caller has them). A page
    nested deeper than libxml2's default limit (256 levels) would be cut there silently: it is
    parsed again without the limit (the page size is bounded by MAX_BYTES), with a warning."""
    if _premature_end(text):
        text, utf8 = _END_OF_DOCUMENT.sub("", text), None
    data = utf8 if utf8 is not None else text.encode("utf-8", "surrogatepass")
    root = _parse(data, _parser())
    parser = _parser()
    if any("Excessive depth" in e.message for e in parser.error_log):
        root = _parse(data, _parser(huge=True))
        if warnings is not None:
            warnings.append("page nested deeper than 256 levels, parsed without the depth limit")
    if root is None:
        raise NotAnArticle("page could not be parsed as HTML", "unparseable")
    return root


def _parse(data: bytes, parser: Any) -> Any:
    try:
        return etree.fromstring(data, parser=parser)
    except (etree.ParserError, ValueError, UnicodeError, etree.XMLSyntaxError):
        return None


def site_option(site: Any, name: str, default: Any) -> Any:
    """An outlet profile's option (profiles are objects or mappings)."""
    if site is None:
        return default
    if isinstance(site, Mapping):
        return site.get(name, default)
    return getattr(site, name, default)


class Page:
    """Everything found so far on one page: the bag of state the field steps read and fill."""

    def __init__(self, root: Any, url: str, base: str, site: Any, md: Metadata, reached_as: str | None = None):
        self.root = root
        self.url = url
        self.base = base
        self.site = site
        self.md = md
        self.month_first = bool(site_option(site, "month_first", False))
        self.warnings: list[str] = list(md.warnings)
        self.sources: dict[str, str] = {}
        self.skip: set[Any] = set()       # elements read as a field, left out of the body
        self.index: S.SelectorIndex | None = None
        self.script_videos: list[tuple[Any, str]] = []
        self.mentions_streams = True      # the page's text names a .m3u8 or .mp4 somewhere
        self.indexed_attributes: tuple[str, ...] = S._INDEXED_ATTRS  # those the page's text names
        # filled by the steps, in cascade order
        self.title_el: Any = None
        self.lead_el: Any = None
        self.container: Any = None
        self.scope: Any = None
        self.body_from: str | None = None
        self.date_els: list[tuple[Any, str, str]] = []
        self.byline_els: list[Any] = []
        self.blocks: list[Any] = []
        self.tail_text: str | None = None
        self.header_more = False          # the header byline says "và N tác giả khác"
        self.reached_as = reached_as      # how the crawl reached the page as an article ("sitemap", "feed"...)
        self.confidence: float | None = None

    def select(self, scope: Any, selector: str) -> list[Any]:
        """Elements under ``scope`` matching a CSS selector list, in document order (page's index)."""
        if self.index is None:
            absent = tuple(a for a in S._INDEXED_ATTRS if a not in self.indexed_attributes)
            self.index = S.SelectorIndex(self.root, self.indexed_attributes, absent)
        return S.select(scope, selector, self.index)

    def catalogue(self, field: str, catalogue: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The outlet profile's selectors for a field, then the catalogue's."""
        return S.profile_selectors(self.site, field) + catalogue


def load_page(html: bytes | str, *, url: str, headers: Mapping[str, Any] | None = None, site: Any = None,
              final_url: str | None = None, reached_as: str | None = None) -> Page:
    """Decode and parse a page, read its metadata, drop its scripts (after noting the videos they announce)."""
    from newsarchive.extract import media as M

    text, warnings, utf8 = _decoded(html, headers, url)
    root = parse_html(text, warnings, utf8)
    md = read_metadata(root, microdata=False)   # microdata: read below from the page's index
    base = final_url or url
    for link in root.iter("base"):
        if link.get("href"):
            try:
                base = urljoin(base, link.get("href").strip())
            except ValueError:
                pass
            break
    page = Page(root, url, base, site, md, reached_as)
    page.warnings[:0] = warnings
    page.mentions_streams = ".m3u8" in text or ".mp4" in text
    page.indexed_attributes = ("id",) + tuple(a for a in S._INDEXED_ATTRS[1:] if a in text)
    # videos announced in scripts are collected before scripts are dropped
    for script in root.iter("script"):
        t = script.text or ""
        if ".m3u8" in t:
            for m in M._URL_IN_TEXT.finditer(t):
                page.script_videos.append((script.getparent(), m.group(0)))
    etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=True)
    if "itemprop" in page.indexed_attributes:
        index = page.index = S.SelectorIndex(root, page.indexed_attributes,
                                             tuple(a for a in S._INDEXED_ATTRS if a not in page.indexed_attributes))
        found = [el for prop in MICRODATA_PROPS for el in index.attrs.get(("itemprop", prop), ())]
        read_microdata(sorted(found, key=index.order.__getitem__), md)
    return page
