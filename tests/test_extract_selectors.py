"""Selector look-ups (newsarchive.extract.selectors.select) answer exactly as cssselect does.

``select`` answers most catalogue and profile selectors from the page's index
(``SelectorIndex``, kept on the page being extracted) instead of cssselect's XPath (a speed-up);
outlet profiles and catalogues rely on it finding the same elements, in document order. Checked
on every saved page, for the whole document and for elements inside it as the scope."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from lxml.cssselect import CSSSelector

from newsarchive.extract import selectors as S
from newsarchive.extract.page import parse_html, to_text as _to_text

PAGES = sorted((Path(__file__).parent / "fixtures" / "pages").glob("*/*.html"))

# every catalogue selector list in selectors.py
CATALOGUE = [sel for cat in (S.TITLE, S.LEAD, S.BODY, S.DATE, S.BYLINE, S.SOURCE, S.BREADCRUMB, S.SECTION, S.TAGS) for sel, _ in cat]
# combinator chains and attribute operators as outlet profiles write them
CHAINS = [
    "div > p", "div p a", "ul li > a", "body > div", "html div", "article p", "#main a",
    "[itemprop=author] [itemprop=name]", "a[rel~=tag]", "a[rel=tag]", "[class~=active]",
    "div[id*=main] > div p", "li.active > a, .current-menu-item > a", "p.x>a.y", "h1 + p",
]


def _root(path: Path):
    text, _ = _to_text(path.read_bytes(), None, "")
    return parse_html(text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_select_matches_cssselect_on_page(page: Path) -> None:
    root = _root(page)
    index = S.SelectorIndex(root)
    for sel in CATALOGUE + CHAINS:
        assert S.select(root, sel, index) == CSSSelector(sel)(root), f"{page.name}: {sel!r} (whole page)"
    # scoped look-ups (the body container, the header...): the chain path keeps every part inside
    elements = list(root.iter(etree.Element))
    for scope in elements[:: max(1, len(elements) // 12)]:
        for sel in CHAINS:
            assert S.select(scope, sel, index) == CSSSelector(sel)(scope), f"{page.name}: {sel!r} under <{scope.tag}>"


def test_chain_parts_stay_inside_the_scope() -> None:
    root = parse_html(
        '<html><body><div class="author-info"><section id="s"><p class="name">A</p>'
        '<ul><li class="active"><a>x</a><span><a>y</a></span></li></ul>'
        '<p rel="category  tag">c</p><p rel="categoryx">d</p></section></div></body></html>'
    )
    scope = root.find(".//section")
    index = S.SelectorIndex(root)
    sel = lambda el, selector: S.select(el, selector, index)
    # the ancestor .author-info lies outside the scope: no match there, one on the whole page
    assert sel(scope, ".author-info .name") == []
    assert [e.text for e in sel(root, ".author-info .name")] == ["A"]
    # ">" is a direct child only
    assert [e.text for e in sel(root, "li.active > a")] == ["x"]
    assert [e.text for e in sel(root, "li.active a")] == ["x", "y"]
    # ~= is a white-space separated token, *= a substring
    assert [e.text for e in sel(root, "[rel~=tag]")] == ["c"]
    assert [e.text for e in sel(root, "p[rel*=category]")] == ["c", "d"]


def test_an_index_answers_only_for_its_own_document() -> None:
    """An element of another page is never looked up in this page's index (cssselect answers)."""
    a = parse_html('<html><body><p class="x">a</p></body></html>')
    b = parse_html('<html><body><div><p class="x">b</p><p class="x">c</p></div></body></html>')
    index_a = S.SelectorIndex(a)
    assert [e.text for e in S.select(b, "p.x", index_a)] == ["b", "c"]
    assert [e.text for e in S.select(a, "p.x", index_a)] == ["a"]
