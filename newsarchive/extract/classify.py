"""Is the page an article? The one decision that can keep a page out of the archive.

``NotAnArticle`` is raised for pages that are not articles (listing, home page, empty, binary...);
its ``reason`` says why and ``kind`` names the family ("empty", "binary", "unparseable",
"no-text", "listing").
"""

from __future__ import annotations

from typing import Any

from newsarchive.article import Article
from newsarchive.extract.text import text_of


class NotAnArticle(Exception):
    """The page is not an article (listing, home page, empty, binary...). ``reason`` says why."""

    def __init__(self, reason: str, kind: str = "other", url: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind          # "empty", "binary", "listing", "no-text", "unparseable"
        self.url = url


def teaser_links(root: Any) -> int:
    """Links whose text reads like a headline (six words or more)."""
    n = 0
    for a in root.iter("a"):
        t = text_of(a)
        if t and len(t.split()) >= 6:
            n += 1
    return n


def judge(page: Any, art: Article) -> None:
    """Step: raise NotAnArticle for home pages, listings and pages without article text.

    Article evidence: JSON-LD of an article type, or a publication date near the headline.
    A page without either needs a long text to count; a page with little text, no picture, no
    byline and many headline-like links is a listing even when it shows dates (teaser dates).
    """
    root = page.root
    words = len(art.body.split())
    media = bool(art.images or art.videos)
    if words < 15 and not media:
        raise NotAnArticle("no article text found", "no-text", page.url)
    evidence = page.md.jsonld_article or art.published_at is not None
    if not evidence and words < 400:
        kind = "listing" if teaser_links(root) >= 10 else "no-text"
        raise NotAnArticle(
            "listing page (headline links, no article date or metadata)" if kind == "listing" else "no article date, metadata or long text",
            kind, page.url,
        )
    if words < 80 and not media and not (art.authors or art.sources) and teaser_links(root) >= 15:
        raise NotAnArticle("listing page (many headline links, little text)", "listing", page.url)
