"""Hubs: the in-site pages that are not articles but may list them (sections, sub-sections, video and
photo indexes, category pages of any URL shape), which discovery reads and walks page by page.

A link is a hub candidate when the outlet's ``UrlClassifier`` does not take it for an article and no
rule below rules it out. Whether it really lists articles is learnt by reading it: a candidate that
lists none is not walked (and, remembered, not read again for a while).

``HUB_EXCLUDED``: classifier rules whose pages are never worth reading as listings, in their order:
files; tag/topic pages (one per keyword: thousands, each a subset of the sections); search; static
and service pages; author pages (subsets of sections). A pagination link (``/thoi-su/trang-2``) is a hub
too, read as a page of its listing's walk (``newsarchive.discovery.listings.listing_root``): the
frontier reads each listing once, whichever of its pages it meets first.
Video, photo and podcast indexes are hubs: on a broadcaster's site they are the main sections.
"""

from __future__ import annotations

from newsarchive.discovery.classify import UrlClassifier

HUB_EXCLUDED: tuple[str, ...] = ("file", "tag", "search", "static", "author", "home")

# A listing query that is a search, not pagination (?q=, ?s=, ?keyword=, ?tag=)
SEARCH_QUERY_KEYS: tuple[str, ...] = ("q", "query", "keyword", "s", "tag", "tu-khoa", "search")


def hub_for(url: str, classifier: UrlClassifier) -> str | None:
    """``url`` when it may list articles (a hub), None when it is an article or never a listing."""
    verdict = classifier.classify(url)
    if verdict.is_article:
        return None
    if verdict.rule in HUB_EXCLUDED or verdict.rule == "profile":
        return None
    if verdict.rule == "listing_query":
        from urllib.parse import parse_qsl, urlsplit

        keys = {k.lower() for k, _ in parse_qsl(urlsplit(url).query)}
        if keys & set(SEARCH_QUERY_KEYS):
            return None
    return url
