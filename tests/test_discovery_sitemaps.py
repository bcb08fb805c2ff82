"""Sitemaps: url sets, indexes, gzip, Google News dates, robots.txt lines, and hostile XML."""

import gzip

import pytest

from newsarchive.discovery.safexml import XmlError, parse_xml
from newsarchive.discovery.sitemaps import parse_sitemap, sitemaps_from_robots

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://lamdongtv.vn/tap-huan-truyen-thong-a123456.html</loc>
<news:news><news:publication><news:name>LTV</news:name><news:language>vi</news:language></news:publication>
<news:publication_date>2024-06-07T06:55:00+07:00</news:publication_date><news:title>T\xe1\xba\xadp hu\xe1\xba\xa5n</news:title></news:news></url>
<url><loc>https://lamdongtv.vn/b-2.html</loc><lastmod>2024-06-01</lastmod></url>
<url><loc>https://lamdongtv.vn/c-3.html</loc><lastmod>not a date</lastmod></url>
</urlset>"""


def test_news_sitemap_gives_publication_dates_and_titles():
    sm = parse_sitemap(NEWS)
    assert sm.kind == "urlset" and sm.is_news
    a, b, c = sm.entries
    assert a.published.isoformat() == "2024-06-07T06:55:00+07:00" and a.title == "Tập huấn"
    assert a.best_date == a.published
    assert b.published is None and b.best_date.isoformat() == "2024-06-01T00:00:00+07:00"
    assert c.best_date is None and any("not a date" in w for w in sm.warnings)


def test_sitemap_index_and_gzip():
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>/sitemaps/2024.xml.gz</loc><lastmod>2024-06-30</lastmod></sitemap></sitemapindex>"""
    sm = parse_sitemap(gzip.compress(index), base_url="https://x.vn/sitemap.xml")
    assert sm.kind == "index"
    assert [e.url for e in sm.entries] == ["https://x.vn/sitemaps/2024.xml.gz"]


def test_robots_sitemap_lines():
    robots = "User-agent: *\nDisallow: /private/\nsitemap: /a.xml\nSitemap: https://x.vn/b.xml\n"
    assert sitemaps_from_robots(robots, "https://x.vn/robots.txt") == ["https://x.vn/a.xml", "https://x.vn/b.xml"]


def test_entities_are_never_expanded():
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">
    <!ENTITY xxe SYSTEM "file:///etc/passwd">]>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.vn/a-1.html&lol2;&xxe;</loc></url></urlset>"""
    sm = parse_sitemap(bomb)
    assert "lollol" not in sm.entries[0].url and "root:" not in sm.entries[0].url


def test_size_caps_and_non_xml():
    with pytest.raises(XmlError, match="cap"):
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1000)
    with pytest.raises(XmlError, match="inflates"):
        parse_xml(gzip.compress(b"<a>" + b" " * 50_000 + b"</a>"), max_bytes=10_000)
    with pytest.raises(XmlError):
        parse_sitemap(b"<html><body>Not found</body></html>")
    with pytest.raises(XmlError):
        parse_sitemap(b"User-agent: *")
