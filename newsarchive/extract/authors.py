"""Who wrote the article: finding the byline on the page (``byline.py`` reads its text).

Cascade (the first that names someone wins; metadata last, because ``meta author`` and JSON-LD
often name the outlet):

1. outlet profile selectors, then the ``selectors.BYLINE`` catalogue, inside the article's scope
   (:func:`find_byline_elements`), plus a name line at the end of the body (:func:`cut_tail_byline`);
2. :func:`header_byline`: a name / "Theo X" line between the headline and the body, dates and
   widget words cut ("và N tác giả khác" completed from the byline after the body or metadata);
3. :func:`head_byline`: a styled or prefixed name line opening the body ("<p><b>Minh Anh</b></p>");
4. :func:`byline_after`: one to three byline lines right after the body container;
5. JSON-LD / microdata person names.

Agencies credited apart (``selectors.SOURCE``) are added to ``sources``.
"""

from __future__ import annotations

import re
from typing import Any

from newsarchive.article import Article
from newsarchive.extract import body as B
from newsarchive.extract import byline as BL
from newsarchive.extract import selectors as S
from newsarchive.extract.text import clean, similar, text_of
from newsarchive.extract.tree import following, in_noise, is_inside


def find_byline_elements(page: Any, art: Article) -> None:
    """Step: ``page.byline_els``, the byline elements a catalogue finds in the article's scope."""
    scope = page.scope
    cat = page.catalogue("byline", S.BYLINE)
    for selector, comment in cat:
        found = [el for el in page.select(scope, selector) if not B.is_hidden(el) and not in_noise(el, scope, narrow=True) and clean(text_of(el))]
        found = [el for el in found if len(clean(text_of(el))) <= 150]
        if found:
            top = [el for el in found if not any(a in found for a in el.iterancestors())]
            page.sources["authors"] = ("profile:" if comment == "outlet profile" else "selector:") + selector.split(",")[0].strip()
            for el in top:
                page.skip.add(el)
            page.byline_els = top
            return
    page.byline_els = []


def cut_tail_byline(page: Any, art: Article) -> None:
    """Step: a byline on the last lines of the body is cut from it (``page.tail_text``)."""
    blocks = page.blocks
    tail = BL.tail_byline([b for b in blocks if b.kind != "caption"])
    page.tail_text = None
    if tail is not None:
        textual = [b for b in blocks if b.kind != "caption"]
        start, lines = tail
        page.tail_text = " / ".join(textual[i].text for i in lines)
        cut = set(id(b) for b in textual[start:] if b.kind != "image")
        page.blocks = [b for b in blocks if id(b) not in cut]


def head_byline(page: Any) -> str | None:
    """A byline on the first line of the body ("<p><b>Minh Anh</b></p>", "Bài và ảnh: Minh Anh"),
    set apart (bold, italic, right-aligned) or prefixed by a role, with the text after it: cut from
    the body. A name-shaped line that is neither styled nor prefixed is left (a sub-heading)."""
    textual = [b for b in page.blocks if b.kind not in ("image", "caption") and b.text]
    if len(textual) < 3:
        return None
    first = textual[0]
    if not BL.is_byline_block(first):
        return None
    prefixed = bool(BL.BYLINE_LINE.match(first.text))
    if not (prefixed or first.bold or first.italic or first.align == "right"):
        return None
    page.blocks = [b for b in page.blocks if b is not first]
    return first.text


def source_elements(page: Any, scope: Any) -> list[str]:
    out: list[str] = []
    for selector, comment in S.SOURCE:
        for el in page.select(scope, selector):
            t = clean(text_of(el))
            if t and len(t) <= 60 and not B.is_hidden(el) and not in_noise(el, scope, narrow=True):
                t = BL.SOURCE_PREFIX.sub("", BL.THEO_PREFIX.sub("", t)).strip(" .:-")
                if t and not t.lower().startswith(("http", "www")):
                    out.append(t)
        if out:
            break
    return out


def byline_after(container: Any) -> str | None:
    """A short byline line right after the body container (right-aligned / bold name, "Theo X")."""
    checked = 0
    for sib in following(container):
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


def header_byline(page: Any, container: Any) -> str | None:
    """A name line near the headline (between it and the body): "Minh Chiến", "Theo Ngoisao |
    25/12/2012 10:25", "Nguyên Minh - 07/03/2026 08:47". Dates and widget words are cut off; the
    rest must read as a byline (a person's name, or a "Theo"/"Nguồn" credit)."""
    title_el = page.title_el
    if title_el is None:
        return None
    budget = 40
    lead_el = page.lead_el
    for top in following(title_el, 4):
        for el in top.iter():
            budget -= 1
            if budget < 0:
                return None
            if not isinstance(el.tag, str) or el.tag in B.SKIP_TAGS:
                continue
            if el is container:
                return None
            if lead_el is not None and (el is lead_el or is_inside(el, lead_el)):
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
            if B.is_hidden(el) or in_noise(el, None, narrow=True):
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


def split_lines(text: str) -> tuple[list[str], list[str]]:
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


def fill_byline(page: Any, art: Article) -> None:
    """Step: ``authors``, ``sources`` and ``byline_raw`` (see the module docstring for the cascade)."""
    authors: list[str] = []
    sources: list[str] = []
    raws: list[str] = []
    tail_text = page.tail_text
    for el in page.byline_els:
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
        a, s = split_lines(tail_text)
        raws.append(tail_text)
        if not page.sources.get("authors"):
            page.sources["authors"] = "body-tail"
        authors += a
        sources += s
    if not authors and not sources and page.container is not None:
        head = header_byline(page, page.container)
        if head:
            a, s = BL.split_byline(head)
            where = "near-headline"
            if page.header_more:
                # "NHẬT XUÂN và 1 tác giả khác": the full list is printed after the body or in metadata
                after = byline_after(page.container)
                fa, fs = split_lines(after) if after else ([], [])
                meta = [n for n, _ in page.md.authors]
                if fa and set(a) <= set(fa):
                    a, s, head, where = fa, fs, after, "after-body"
                elif len(meta) > len(a) and {x.casefold() for x in a} <= {x.casefold() for x in meta}:
                    a, where = meta, "near-headline+metadata"
            authors += a
            sources += s
            raws.append(head)
            page.sources["authors"] = where
    if not authors and not sources:
        head = head_byline(page)
        if head:
            a, s = BL.split_byline(head)
            authors += a
            sources += s
            raws.append(head)
            page.sources["authors"] = "body-head"
    if not authors and not sources and page.container is not None:
        after = byline_after(page.container)
        if after:
            a, s = split_lines(after)
            authors += a
            sources += s
            raws.append(after)
            page.sources["authors"] = "after-body"
    if (authors or sources) and page.scope is not None:
        extra = source_elements(page, page.scope)
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
    art.byline_raw = " | ".join(dict.fromkeys(raws)) or None
