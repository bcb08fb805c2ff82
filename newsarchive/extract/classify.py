"""Is the page an article? The one decision that can keep a fetched page out of the archive.

Refusing an article loses it silently, archiving a listing adds a wrong record: the decision
weighs what the page shows against what is known of how it was reached. Evidence counted
(:func:`evidence`), one point each:

- article metadata: JSON-LD of an article type, or ``og:type`` article;
- a publication date (visible date line or metadata);
- a visible headline element;
- running text: 150 words or more of lead and body (or 15 words and a picture or a video);
- a byline (authors or sources).

``confidence`` is the share of those five points found, one point less when the page looks like a
listing (headline-like links carry three times the words of the page's own text). It is stored in the record
(``extraction.confidence``); a record under :data:`UNSURE` carries a warning.

Refused whatever the page was reached as (**strong** evidence, :func:`strong_refusal`):

- no text: fewer than 15 words and no picture or video ("no article text found");
- a listing: little body text (under 200 words), no picture, no JSON-LD article, and headline
  links (15 or more) carrying six times the words of the body;
- a section page: its headline is the name of a section (a short menu / breadcrumb item, or its
  own category), with 10 headline links or more, no article metadata and no picture.

Never refused on **weak** evidence (:func:`weak_doubt`: no article metadata and no date with under
400 words, or under 80 words without media or byline on a page of 15 headline links or more), unless
nothing listed it as an article (``reached_as`` is ``"hub"``: the crawl read it as a possible
section page that reads as an article): such a page is kept, with a confidence of at most 0.4 and a warning giving the doubt, instead of being
lost to a guess; the warning says whether a crawl reached it as an article (``reached_as``: a
sitemap, a feed, a listing's item listed it).

``NotAnArticle`` is raised for pages refused; its ``reason`` says why and ``kind`` names the
family ("empty", "binary", "unparseable", "no-text", "listing").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from newsarchive.article import Article
from newsarchive.extract.text import _key, similar, text_of

# Records below this confidence carry a warning ("not sure this page is an article").
UNSURE = 0.5
# ``reached_as`` of a page the crawl read as a possible listing (a hub) that reads as an article: no
# source listed it as an article, so weak evidence refuses it (newsarchive.discovery.frontier)
NOT_PRESUMED = "hub"


class NotAnArticle(Exception):
    """The page is not an article (listing, home page, empty, binary...). ``reason`` says why."""

    def __init__(self, reason: str, kind: str = "other", url: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind          # "empty", "binary", "listing", "no-text", "unparseable"
        self.url = url


# Links of 11 characters or more (six one-letter words and their spaces), found in C: the short
# ones (menus, tags) are most links of a page and cannot read as a headline.
_LONG_LINKS = etree.XPath("//a[string-length(normalize-space(.)) >= 11]")


def headline_links(root: Any) -> tuple[int, int]:
    """(links whose text reads like a headline, six words or more; the words they carry)."""
    n = words = 0
    for a in _LONG_LINKS(root):
        w = len(text_of(a).split())
        if w >= 6:
            n += 1
            words += w
    return n, words


def teaser_links(root: Any) -> int:
    """Links whose text reads like a headline (six words or more)."""
    return headline_links(root)[0]


@dataclass(frozen=True)
class Counts:
    """What the decision weighs, counted once per page."""

    body: int            # words of the body
    own: int             # words of lead and body
    media: bool          # a picture or a video in the article
    links: int           # headline-like links on the page
    link_words: int      # the words those links carry

    @classmethod
    def of(cls, page: Any, art: Article) -> "Counts":
        body = len(art.body.split())
        n, words = headline_links(page.root)
        return cls(body, body + (len(art.lead.split()) if art.lead else 0), bool(art.images or art.videos), n, words)


def article_metadata(page: Any) -> bool:
    return bool(page.md.jsonld_article) or (page.md.og_type or "").strip().lower() == "article"


def evidence(page: Any, art: Article, c: Counts) -> list[str]:
    """The article evidence the page shows (see the module docstring)."""
    found = []
    if article_metadata(page):
        found.append("article metadata")
    if art.published_at is not None:
        found.append("publication date")
    if page.title_el is not None:
        found.append("headline")
    if c.own >= 150 or (c.media and c.own >= 15):
        found.append("running text")
    if art.authors or art.sources:
        found.append("byline")
    return found


def names_a_section(page: Any, art: Article) -> bool:
    """The headline is the name of a section: short, and the text of a link on the page (a menu or
    breadcrumb item), or the article's own category."""
    title = art.title or ""
    if not title or len(title.split()) > 6:
        return False
    if art.category and similar(art.category, title):
        return True
    key = _key(title)
    for a in page.root.iter("a"):
        t = a.text or ""
        if t and len(t) < 80 and _key(t) == key:
            return True
    return False


def strong_refusal(page: Any, art: Article, c: Counts) -> NotAnArticle | None:
    if c.own < 15 and not c.media:
        return NotAnArticle("no article text found", "no-text", page.url)
    # (the body alone: a listing's "lead" is often its first teaser's summary)
    if c.body < 200 and not c.media and not page.md.jsonld_article and c.links >= 15 and c.link_words >= 6 * max(c.body, 20):
        return NotAnArticle(f"listing page ({c.links} headline links, {c.body} words of its own)", "listing", page.url)
    if c.links >= 10 and not article_metadata(page) and not c.media and names_a_section(page, art):
        return NotAnArticle(f"section page (its headline {art.title!r} names a section; {c.links} headline links)",
                            "listing", page.url)
    return None


def weak_doubt(page: Any, art: Article, c: Counts) -> str | None:
    """Why the page may not be an article, when the evidence is weak either way (or None)."""
    evident = page.md.jsonld_article or art.published_at is not None
    if not evident and c.body < 400:
        if c.links >= 10:
            return "headline links, no article date or metadata"
        return "no article date, metadata or long text"
    if c.body < 80 and not c.media and not (art.authors or art.sources) and c.links >= 15:
        return "many headline links, little text"
    return None


def judge(page: Any, art: Article) -> None:
    """Step: raise NotAnArticle for pages strong evidence refuses; set ``page.confidence``."""
    c = Counts.of(page, art)
    refused = strong_refusal(page, art, c)
    if refused is not None:
        raise refused
    found = evidence(page, art, c)
    points = len(found)
    if c.link_words > 3 * max(c.own, 20):
        points -= 1  # headline links carry three times the words of the article's own text
    page.confidence = round(max(points, 0) / 5, 2)
    doubt = weak_doubt(page, art, c)
    if doubt is not None and page.reached_as == NOT_PRESUMED:
        # read as a section page (a hub) by the crawl, not listed as an article by anything: the doubt
        # decides (it is listed with the run's not-articles and kept in the WARC, for reextract)
        raise NotAnArticle(f"not sure this page is an article ({doubt}) and nothing listed it as one",
                           "listing", page.url)
    if doubt is not None:
        # weak evidence: kept, with a low confidence and the reason, never lost to a guess
        how = "the crawl reached it as an article" if page.reached_as else "the evidence is weak either way"
        page.warnings.append(f"not sure this page is an article ({doubt}); kept: {how}")
        page.confidence = min(page.confidence, 0.4)
    elif page.confidence < UNSURE:
        missing = [e for e in ("article metadata", "publication date", "headline", "running text", "byline") if e not in found]
        page.warnings.append(f"not sure this page is an article (confidence {page.confidence:.2f}; no {', no '.join(missing)})")
