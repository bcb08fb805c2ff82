"""Where an element sits in the page: ancestors, the furniture around it, what follows it.

Small position helpers shared by the field steps (title, lead, dates, byline, category).
"""

from __future__ import annotations

from typing import Any

from newsarchive.extract import body as B
from newsarchive.extract import selectors as S
from newsarchive.extract.text import clean, text_of


def first_in(page: Any, catalogue: list[tuple[str, str]], scope: Any = None, accept=None) -> tuple[Any, str] | None:
    """The first visible element a catalogue entry matches (and ``accept`` takes), with where it came from."""
    for selector, comment in catalogue:
        for el in page.select(scope if scope is not None else page.root, selector):
            if B.is_hidden(el):
                continue
            if accept is None or accept(el):
                where = "profile" if comment == "outlet profile" else "selector"
                return el, f"{where}:{selector.split(',')[0].strip()}"
    return None


def ancestors(el: Any) -> list[Any]:
    return list(el.iterancestors()) if el is not None else []


def common_ancestor(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    anc_b = set(ancestors(b)) | {b}
    for node in [a] + ancestors(a):
        if node in anc_b:
            return node
    return None


def is_inside(el: Any, scope: Any) -> bool:
    return el is scope or any(a is scope for a in el.iterancestors())


def in_noise(el: Any, stop: Any = None, narrow: bool = False) -> bool:
    """Is el inside furniture? ``narrow`` checks only related boxes and comments (headers and share
    bars around the headline often hold the date and byline)."""
    node = el.getparent()
    while node is not None and node is not stop:
        if narrow:
            if B.is_hidden(node) or B.class_says(B.classes(node))[1] or node.tag in ("footer", "nav", "aside"):
                return True
        elif B.is_noise(node):
            return True
        node = node.getparent()
    return False


def in_teaser_link(el: Any) -> bool:
    """A date inside a link whose text is longer than the date: another article's teaser."""
    for a in el.iterancestors("a"):
        return len(clean(text_of(a))) > len(clean(text_of(el))) + 10
    return False


def following(el: Any, levels: int = 3):
    """Elements after el in document order: its following siblings, then its parent's... (up to
    ``levels`` ancestors), without descending."""
    node = el
    for _ in range(levels + 1):
        if node is None or node.tag in ("body", "html"):
            return
        for sib in node.itersiblings():
            yield sib
        node = node.getparent()


def near_title(page: Any, limit: int = 30) -> set[Any]:
    """The first elements after the headline in document order (where date lines and bylines sit)."""
    out: set[Any] = set()
    title_el = page.title_el
    if title_el is None:
        return out
    for top in following(title_el, 3):
        for el in top.iter():
            out.add(el)
            if len(out) >= limit:
                return out
    return out
