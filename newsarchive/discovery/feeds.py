"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds: their entries, and where HTML pages advertise them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

import lxml.html

from newsarchive.discovery.safexml import DEFAULT_MAX_BYTES, XmlError, local, parse_xml, text_of
from newsarchive.discovery.window import parse_when

# Where outlets put feeds when their pages do not link one, most common first.
COMMON_FEED_PATHS: list[str] = ["/rss", "/rss.xml", "/feed", "/rss/home.rss", "/rss/tin-moi-nhat.rss", "/atom.xml"]

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")

# Elements holding an entry's publication date, in order of preference.
ENTRY_DATE_TAGS = ("pubdate", "published", "date", "issued", "updated", "modified")


@dataclass
class FeedEntry:
    url: str
    published: datetime | None = None
    published_raw: str | None = None
    title: str | None = None


def parse_feed(body: bytes, base_url: str = "", month_first: bool = False,
               max_bytes: int = DEFAULT_MAX_BYTES) -> list[FeedEntry]:
    """Entries of an RSS/Atom feed. Raises ``XmlError`` when the body is not a feed."""
    root = parse_xml(body, max_bytes)
    kind = local(root.tag)
    if kind not in ("rss", "feed", "rdf"):
        raise XmlError(f"not a feed (root element <{kind or '?'}>)")
    out: list[FeedEntry] = []
    for el in root.iter():
        if local(el.tag) not in ("item", "entry"):
            continue
        url = _entry_link(el)
        if not url:
            continue
        raw = None
        fields = {local(c.tag): c for c in el}
        for tag in ENTRY_DATE_TAGS:
            if tag in fields and text_of(fields[tag]):
                raw = text_of(fields[tag])
                break
        title = text_of(fields.get("title")) or None
        out.append(FeedEntry(url=urljoin(base_url, url) if base_url else url,
                             published=parse_when(raw, month_first), published_raw=raw, title=title))
    return out


def _entry_link(el) -> str | None:
    alternate = first = None
    for child in el:
        if local(child.tag) != "link":
            continue
        href = child.get("href")
        if href:                                       # Atom: <link rel="alternate" href="..."/>
            if child.get("rel", "alternate") == "alternate" and alternate is None:
                alternate = href.strip()
            first = first or href.strip()
        elif text_of(child):                           # RSS: <link>https://...</link>
            return text_of(child)
    if alternate or first:
        return alternate or first
    for child in el:                                   # RSS without <link>: a permalink guid
        if local(child.tag) == "guid" and child.get("isPermaLink", "true") != "false":
            value = text_of(child)
            if value.startswith(("http://", "https://")):
                return value
    return None


def feed_links(html: bytes | str, base_url: str) -> list[str]:
    """Feeds an HTML page advertises with ``<link rel="alternate" type="application/rss+xml">``."""
    try:
        doc = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    out: list[str] = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        ctype = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and ctype in FEED_TYPES and href:
            url = urljoin(base_url, href)
            if url not in out:
                out.append(url)
    return out
