"""The lead (sapo / standfirst): the paragraph between the headline and the body.

Cascade:

1. outlet profile selectors, then the ``selectors.LEAD`` catalogue, inside the article's scope;
2. :func:`lead_after_title`: the first paragraph-like block after the headline and before the
   body container, in document order;
3. :func:`lead_from_blocks` (after the body is read): the first body block, when it is bold, a
   dateline, equal to the description, or :func:`distinct_first_paragraph`.
"""

from __future__ import annotations

import re
from typing import Any

from newsarchive.article import Article
from newsarchive.extract import body as B
from newsarchive.extract import selectors as S
from newsarchive.extract.body import RELATED_LINE
from newsarchive.extract.text import _key, clean, contains_loose, similar, text_of
from newsarchive.extract.tree import first_in, in_noise, is_inside

HAS_DATE = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}|\d{4}-\d{2}-\d{2}|tháng\s+\d{1,2}", re.I)


def starts_loose(haystack: str, needle: str) -> bool:
    k = _key(needle)
    return len(k) >= 8 and _key(haystack).startswith(k)


def lead_text(el: Any) -> str:
    blocks = B.read_blocks(el)
    parts = [b.text for b in blocks if b.kind != "image" and b.link_ratio < 0.6 and not RELATED_LINE.match(b.text)]
    # <br>-separated related links inside the sapo: drop link-only lines
    text = clean(" ".join(parts))
    links = [clean(text_of(a)) for a in el.iter("a")]
    for lt in links:
        if lt and text.endswith(lt) and len(lt) < len(text) * 0.6:
            text = clean(text[: -len(lt)]).rstrip(">» ").strip()
    return text


def find_lead(page: Any, art: Article) -> None:
    """Step: ``art.lead`` from a sapo element (catalogue, then the block after the headline)."""
    cat = page.catalogue("lead", S.LEAD)
    # narrow: the article's own header (headline, sapo, byline) often carries a "header" class
    ok = lambda el: len(clean(text_of(el))) >= 20 and not in_noise(el, page.scope, narrow=True)
    found = first_in(page, cat, scope=page.scope, accept=ok)
    if found is not None:
        found = _not_an_excerpt(page, cat, found, ok)
    if found is None:
        found = lead_after_title(page, page.container)
    if found is None:
        return
    el, where = found
    text = lead_text(el)
    if not text:
        return
    prefix = dateline_prefix(el)
    if prefix and not text.startswith(prefix):
        text = f"{prefix} {text}"
    art.lead = text
    page.sources["lead"] = where
    page.skip.add(el)
    page.lead_el = el


def _not_an_excerpt(page: Any, cat: list[tuple[str, str]], found: tuple[Any, str], ok) -> tuple[Any, str]:
    """Two sapo candidates, one the start of the other: the longer is an excerpt the CMS cut from
    the article ("<sapo> <first subheading> <first words...>"), the shorter is the sapo."""
    el, where = found
    text = clean(text_of(el))
    for selector, _comment in cat:
        for other in page.select(page.scope, selector):
            if other is el or not ok(other):
                continue
            t = clean(text_of(other))
            if 40 <= len(t) <= 0.8 * len(text) and starts_loose(text, t):
                return other, where
    return found


_PREFIX = re.compile(r"^\(?[^()\n]{2,30}\)?\s*[-–—]$")


def dateline_prefix(el: Any) -> str | None:
    """The outlet / place prefix printed just before the sapo element in the same line, as a
    separate bold span ("<b>(VTC News) - </b><h2>Sau 8 tháng...</h2>"): part of the lead."""
    prev = el.getprevious()
    while prev is not None and not isinstance(prev.tag, str):
        prev = prev.getprevious()
    if prev is not None:
        if clean(prev.tail):
            before = clean(prev.tail)
        else:
            before = clean(text_of(prev))
            if prev.tag in B.BLOCK_TAGS and prev.tag not in ("span", "b", "strong"):
                return None
    else:
        parent = el.getparent()
        before = clean(parent.text) if parent is not None else ""
    return before if before and _PREFIX.match(before) else None


_LEAD_TAGS = frozenset("h2 h3 h4 h5 p div strong b em span td".split())
_LEAD_WALK_LIMIT = 80


def lead_after_title(page: Any, container: Any) -> tuple[Any, str] | None:
    """Generic sapo: the first paragraph-like block after the headline and before the body
    container, in document order (date lines, bylines and share bars in between are shorter
    than a sapo; link lists, furniture, hidden nodes and photo captions are passed over)."""
    title_el = page.title_el
    if title_el is None or is_inside(container, title_el):
        return None
    if is_inside(title_el, container):
        return lead_in_header(page, container)
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
        holds_container = is_inside(container, el)
        if not holds_container and (B.is_hidden(el) or B.is_noise(el) or el in page.skip):
            return None
        if not holds_container:
            n = len(clean(text_of(el)))
            if n < 60:
                return None
            has_blocks = any(isinstance(c.tag, str) and c.tag in B.BLOCK_TAGS and clean(text_of(c)) for c in el)
            if not has_blocks:
                if lead_like(el, n):
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


def lead_in_header(page: Any, container: Any) -> tuple[Any, str] | None:
    """The headline inside the body container, in a header block of its own (headline, byline and
    date lines, sapo: ``<div><h1/><div>Tin: A • 05/05/2021</div><p>sapo</p></div>``): the first
    sapo-shaped block after the headline in that header block. A headline standing among the body's
    own paragraphs has no header block, and the paragraph after it is body."""
    title_el = page.title_el
    header = title_el.getparent()
    if header is None or header is container:
        return None
    meta_lines = []
    for sib in title_el.itersiblings():
        if not isinstance(sib.tag, str) or sib.tag in B.SKIP_TAGS or B.is_hidden(sib) or sib in page.skip:
            continue
        n = len(clean(text_of(sib)))
        if n < 60:
            meta_lines.append(sib)
            continue  # byline and date lines, share bars
        if any(isinstance(c.tag, str) and c.tag in B.BLOCK_TAGS and clean(text_of(c)) for c in sib):
            return None
        if not lead_like(sib, n):
            return None
        page.skip.update(meta_lines)  # the header's byline and date lines are not body text
        return sib, "after-title"
    return None


def lead_like(el: Any, n: int) -> bool:
    """A sapo-shaped block: a sentence or three, few links, not a photo caption, not a date line."""
    if el.tag not in _LEAD_TAGS or n > 1200 or B.link_density(el) > 0.5:
        return False
    parent = el.getparent()
    if el.find(".//img") is not None or (parent is not None and parent.find(".//img") is not None and len(clean(text_of(parent))) < 400):
        return False  # a photo's caption
    return not (HAS_DATE.search(clean(text_of(el))[:40]) and n < 100)


_DATELINE = re.compile(r"^\(?[\w.]{2,30}(?:\s[\w.]{1,15}){0,3}\)?\s*[-–—]\s*\S", re.U)


def lead_from_body(page: Any, art: Article) -> None:
    """Step (after the body is read): the first body block is the lead when no sapo element was
    found; a sapo element repeated as the first body block is dropped from the body."""
    blocks = page.blocks
    if art.lead is None:
        lead_from_blocks(page, art, blocks)
    elif blocks and blocks[0].kind != "image" and (similar(blocks[0].text, art.lead) or contains_loose(art.lead, blocks[0].text) and len(blocks[0].text) > 40):
        blocks.pop(0)


def lead_from_blocks(page: Any, art: Article, blocks: list[B.Block]) -> None:
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
        or (len(t.split()) >= 8 and distinct_first_paragraph(first, blocks))
        or (desc and (similar(desc, t) or (len(desc) > 40 and contains_loose(t, desc[:60]))))
        or (_DATELINE.match(t) and len(t.split()) >= 12 and (first.bold or first.italic or (desc and contains_loose(t, desc[:40]))))
    )
    if is_lead:
        if first.link_chars and first.element is not None and clean(text_of(first.element)) == t:
            t = lead_text(first.element) or t  # "... >> Related headline" after a <br>
        art.lead = t
        page.sources["lead"] = "first-block"
        blocks.remove(first)


def distinct_first_paragraph(first: B.Block, blocks: list[B.Block]) -> bool:
    """The first paragraph carries a class of its own while the paragraphs after it share one
    (``<p class=x>`` sapo over ``<p class=y>`` body): a sapo styled apart, whatever the names."""
    el = first.element
    if el is None or not el.get("class") or len(first.text.split()) > 90:
        return False
    after = [b.element for b in blocks if b is not first and b.kind == "p" and b.element is not None and b.element.tag == el.tag]
    after = [e for e in after if e is not el][:6]
    if len(after) < 2:
        return False
    from collections import Counter

    classes = Counter((e.get("class") or "").strip() for e in after)
    common, n = classes.most_common(1)[0]
    mine = (el.get("class") or "").strip()
    # the paragraphs after it share one class (a photo caption among them aside), never its own
    return n >= 0.7 * len(after) and mine != common and mine not in classes
