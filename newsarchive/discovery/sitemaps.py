"""Sitemaps: robots.txt ``Sitemap:`` lines, sitemap indexes, url sets and Google News sitemaps.

Scrapy's own sitemap reader keeps only ``loc`` and ``lastmod``; newsarchive also reads
``news:publication_date`` and ``news:title`` (Google News sitemaps), so a crawl with --since/--until
skips out-of-window URLs without fetching them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from newsarchive.discovery.safexml import DEFAULT_MAX_BYTES, XmlError, local, parse_xml, text_of
from newsarchive.discovery.window import parse_when

# Where outlets put sitemaps when robots.txt does not say, most common first.
COMMON_SITEMAP_PATHS: list[str] = [
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/sitemap-index.xml",
    "/sitemaps.xml",
    "/sitemap-news.xml",
    "/news-sitemap.xml",
    "/sitemap.xml.gz",
]


@dataclass
class SitemapEntry:
    """One ``<url>`` (or ``<sitemap>`` in an index) with the dates the sitemap gives for it."""

    url: str
    lastmod: datetime | None = None
    lastmod_raw: str | None = None
    published: datetime | None = None          # news:publication_date
    published_raw: str | None = None
    title: str | None = None                   # news:title

    @property
    def best_date(self) -> datetime | None:
        """Publication date when the sitemap gives one, else lastmod."""
        return self.published or self.lastmod


@dataclass
class Sitemap:
    kind: str                                   # "index" (children are sitemaps) or "urlset"
    entries: list[SitemapEntry] = field(default_factory=list)
    is_news: bool = False                       # had news:news children
    warnings: list[str] = field(default_factory=list)


def sitemaps_from_robots(robots_txt: str, base_url: str) -> list[str]:
    """``Sitemap:`` URLs declared in a robots.txt (absolute; case-insensitive directive)."""
    out: list[str] = []
    for line in robots_txt.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            url = urljoin(base_url, value.strip())
            if url not in out:
                out.append(url)
    return out


def parse_sitemap(body: bytes, base_url: str = "", month_first: bool = False,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> Sitemap:
    """Read a sitemap, sitemap index or news sitemap (plain or gzip). Raises ``XmlError`` if unusable."""
    root = parse_xml(body, max_bytes)
    kind = local(root.tag)
    if kind == "sitemapindex":
        sitemap = Sitemap("index")
    elif kind == "urlset":
        sitemap = Sitemap("urlset")
    else:
        raise XmlError(f"not a sitemap (root element <{kind or '?'}>)")
    child_tag = "sitemap" if sitemap.kind == "index" else "url"
    for el in root:
        if local(el.tag) != child_tag:
            continue
        entry = _entry(el, base_url, month_first, sitemap)
        if entry is not None:
            sitemap.entries.append(entry)
    return sitemap


def _entry(el, base_url: str, month_first: bool, sitemap: Sitemap) -> SitemapEntry | None:
    loc = lastmod = pub = title = None
    for child in el:
        name = local(child.tag)
        if name == "loc":
            loc = text_of(child)
        elif name == "lastmod":
            lastmod = text_of(child)
        elif name == "news":
            sitemap.is_news = True
            for sub in child.iter():
                sub_name = local(sub.tag)
                if sub_name == "publication_date":
                    pub = text_of(sub)
                elif sub_name == "title":
                    title = text_of(sub)
    if not loc:
        sitemap.warnings.append("entry without <loc> skipped")
        return None
    url = urljoin(base_url, loc) if base_url else loc
    entry = SitemapEntry(url=url, lastmod_raw=lastmod, published_raw=pub, title=title or None)
    entry.lastmod = parse_when(lastmod, month_first)
    entry.published = parse_when(pub, month_first)
    if lastmod and entry.lastmod is None:
        sitemap.warnings.append(f"unreadable lastmod {lastmod!r} for {url}")
    if pub and entry.published is None:
        sitemap.warnings.append(f"unreadable news:publication_date {pub!r} for {url}")
    return entry
