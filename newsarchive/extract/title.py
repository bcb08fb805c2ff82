"""The headline: which element of the page is the article's title.

Cascade (first that gives a plausible, visible headline outside furniture wins):

1. outlet profile selectors, then the ``selectors.TITLE`` catalogue;
2. an ``<h1>`` whose text starts og:title / JSON-LD headline / ``<title>`` ("Headline - Site");
3. an ``<h2>``/``<h3>`` or title-classed element whose text starts one of them; then (unseen
   templates) any small element carrying the head of ``<title>`` as its own text;
4. the longest ``<h1>`` of 15 characters or more (logos are short).

Without a headline element the title comes from metadata or ``<title>``, the site name cut off.
The visible headline wins over metadata, which often carries another wording or the site name.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from newsarchive.article import Article
from newsarchive.extract import body as B
from newsarchive.extract import selectors as S
from newsarchive.extract.lead import starts_loose
from newsarchive.extract.text import clean, similar, text_of
from newsarchive.extract.tree import first_in, in_noise


_SITE_SUFFIX = re.compile(r"\s+[-|–—:»]\s+[^-|–—:»]{2,60}$")


_SEGMENT_SEP = re.compile(r"\s+[-|–—»:]\s+|\s+\|\s*|\s*\|\s+")
# Words that open the name of an outlet, not a headline ("Báo Lâm Đồng", "Đài PT-TH Tây Ninh").
_OUTLET_NAME = re.compile(r"^(?:báo|đài|tạp\s*chí|truyền\s*hình|phát\s*thanh|cổng\s*thông\s*tin|trang\s*tin|kênh|"
                          r"thông\s*tấn|tin\s*tức|news)\b", re.I)


def _folded(text: str) -> str:
    from newsarchive.extract.tags import fold

    return re.sub(r"[^a-z0-9]", "", fold(text))


def is_site_segment(segment: str, site_name: str | None, host: str | None) -> bool:
    """A piece of a ``<title>`` that names the outlet: its og:site_name, its host's name
    ("Báo Lâm Đồng" on baolamdong.vn), or a short name opening with an outlet word."""
    seg = clean(segment)
    if not seg:
        return True
    if site_name and similar(seg, site_name):
        return True
    label = (host or "").split(".")[0] if host else ""
    folded = _folded(seg)
    if label and len(label) >= 4 and folded.startswith(label) and len(folded) - len(label) <= 4:
        return True  # "BaoLamDong.vn", "Báo Lâm Đồng" on baolamdong.vn
    return len(seg.split()) <= 6 and bool(_OUTLET_NAME.match(seg))


def headline_segments(title: str, site_name: str | None, host: str | None) -> list[str]:
    """The pieces of a ``<title>`` / og:title that are not the outlet's name, in order."""
    parts = [clean(p) for p in _SEGMENT_SEP.split(clean(title)) if clean(p)]
    return [p for p in parts if not is_site_segment(p, site_name, host)] if len(parts) > 1 else parts


def strip_site(title: str, site_name: str | None, host: str | None = None) -> str:
    """"Headline - Báo Tỉnh" -> "Headline"; "Báo Tỉnh | Headline" -> "Headline"."""
    title = clean(title)
    parts = [clean(p) for p in _SEGMENT_SEP.split(title) if clean(p)]
    if len(parts) > 1 and is_site_segment(parts[0], site_name, host) and not is_site_segment(parts[-1], site_name, host):
        rest = headline_segments(title, site_name, host)
        if rest and len(" - ".join(rest)) > 15:
            return " - ".join(rest)  # the outlet's name first
    title = clean(title)
    if site_name and title.endswith(site_name) and len(title) > len(site_name) + 5:
        return clean(title[: -len(site_name)]).rstrip("-|–—:» ").strip()
    m = _SITE_SUFFIX.search(title)
    if m and len(title) - len(m.group(0)) > 15:
        return title[: m.start()].strip()
    return title


def _host(page: Any) -> str | None:
    host = urlsplit(page.url).hostname if page.url else None
    return host[4:] if host and host.startswith("www.") else host


def find_headline(page: Any, art: Article) -> None:
    """Step: ``page.title_el``, the headline element (or None)."""
    page.title_el = headline_element(page)


def headline_element(page: Any) -> Any:
    cat = page.catalogue("title", S.TITLE)
    ok = lambda el: 5 <= len(clean(text_of(el))) <= 400 and not in_noise(el, narrow=True) and not B.is_hidden(el)
    found = first_in(page, cat, accept=ok)
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
    host = _host(page)
    heads = []
    for mt in meta_titles:
        segments = headline_segments(mt, page.md.site_name, host)
        heads.append(segments[0] if segments else re.split(r"\s+[-|–—»]\s+", mt)[0])
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
            if match and not any(a.tag == "a" for a in el.iterancestors()) and not in_noise(el, narrow=True):
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


def fill_title(page: Any, art: Article) -> None:
    """Step: ``art.title`` from the headline element, else metadata, else ``<title>``."""
    title_el = page.title_el
    if title_el is not None:
        art.title = clean(text_of(title_el)) or None
        page.skip.add(title_el)
        return
    for value, where in page.md.title:
        t = strip_site(value, page.md.site_name, _host(page))
        if t:
            art.title = t
            page.sources["title"] = where
            return
    t = page.root.find(".//title")
    if t is not None and clean(text_of(t)):
        art.title = strip_site(text_of(t), page.md.site_name, _host(page))
        page.sources["title"] = "title"
