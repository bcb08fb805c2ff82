"""Untrusted XML is never cut silently (newsarchive.discovery.safexml): a custom entity does not stop the
parse, and a document the parser could read only in part raises XmlCut (an XmlError: a failed document)."""

from __future__ import annotations

import pytest

from newsarchive.discovery.feeds import parse_feed
from newsarchive.discovery.safexml import XmlCut, XmlError, parse_xml, strip_doctype
from newsarchive.discovery.sitemaps import parse_sitemap

HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n'
URLSET = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'


def urls(n: int, start: int = 0, extra: bytes = b"") -> bytes:
    return b"".join(b"<url><loc>https://a.vn/tin-tuc-so-%d-2024%05d.html</loc>%s<lastmod>2024-06-01</lastmod></url>\n"
                    % (i, i, extra) for i in range(start, start + n))


def test_a_custom_entity_used_in_every_url_no_longer_cuts_the_sitemap():
    # libxml2's entity-amplification guard stopped this parse after 980 of the 2000 URLs, silently
    doctype = b'<!DOCTYPE urlset [<!ENTITY site "' + b"Bao Lam Dong " * 80 + b'">]>\n'
    body = HEAD + doctype + URLSET + urls(2000, extra=b"<note>&site;</note>") + b"</urlset>\n"
    sitemap = parse_sitemap(body, "https://a.vn/sitemap.xml")
    assert len(sitemap.entries) == 2000
    assert sitemap.entries[-1].url == "https://a.vn/tin-tuc-so-1999-202401999.html"


def test_a_custom_entity_in_a_url_is_left_unexpanded_and_the_urls_after_it_are_read():
    doctype = b'<!DOCTYPE urlset [<!ENTITY p "bai-viet"> <!ENTITY q "a ] > b">]>'
    body = HEAD + doctype + URLSET + urls(2) + b"<url><loc>https://a.vn/&p;-1.html</loc></url>" + urls(3, 10) + b"</urlset>"
    entries = parse_sitemap(body).entries
    assert len(entries) == 6 and entries[2].url == "https://a.vn/&p;-1.html"
    assert "bai-viet" not in entries[2].url


def test_a_feed_with_a_custom_entity_in_every_item_is_read_whole():
    doctype = b'<!DOCTYPE rss [<!ENTITY src "' + b"x" * 1000 + b'">]>'
    items = b"".join(b"<item><title>Tin %d &src;</title><link>https://a.vn/tin-so-%d-2024%05d.html</link>"
                     b"<pubDate>Fri, 07 Jun 2024 06:55:00 +0700</pubDate></item>" % (i, i, i) for i in range(1500))
    body = HEAD + doctype + b'<rss version="2.0"><channel><title>T</title>' + items + b"</channel></rss>"
    assert len(parse_feed(body, "https://a.vn/rss")) == 1500


@pytest.mark.parametrize("name, body", [
    ("cut at its source (the root never closes)", HEAD + URLSET + urls(10) + b"<url><loc>https://a.vn/x"),
    ("cut after a whole record", HEAD + URLSET + urls(10)),
    ("a tag left open swallows the records after it",
     HEAD + URLSET + urls(5) + b"<url><loc>https://a.vn/y.html</url>\n" + urls(5, 5) + b"</urlset>"),
    ("a second root element", HEAD + URLSET + urls(5) + b"</urlset>" + URLSET + urls(5, 5) + b"</urlset>"),
    ("nesting over the parser's depth limit", HEAD + URLSET + urls(3) + b"<a>" * 300 + b"</a>" * 300 + urls(3, 3)
     + b"</urlset>"),
])
def test_a_document_read_only_in_part_raises_xml_cut_with_the_part_read(name, body):
    with pytest.raises(XmlCut) as caught:
        parse_xml(body)
    assert isinstance(caught.value, XmlError), name          # the spider counts it as a failed document
    assert "read only in part" in str(caught.value)
    assert caught.value.root is not None and len(caught.value.root) >= 3, name
    with pytest.raises(XmlError):
        parse_sitemap(body)


@pytest.mark.parametrize("name, body", [
    ("a PHP warning after the root element", HEAD + URLSET + urls(5) + b"</urlset>\n<br />\n<b>Warning</b>: x<br />\n"),
    ("a comment and a CDATA section naming records",
     HEAD + URLSET + b"<!-- <url> skipped -->" + urls(3) + b"<url><loc><![CDATA[https://a.vn/c-12345.html]]></loc></url>"
     + b"</urlset>"),
    ("stray characters real feeds have", HEAD + URLSET + urls(3) + b"<url><loc>https://a.vn/?a=1&b=2</loc></url>"
     + urls(2, 3) + b"</urlset>"),
])
def test_breakages_that_lose_nothing_are_not_cuts(name, body):
    root = parse_xml(body)
    assert len(root) == body.count(b"<url>") - body.count(b"<!-- <url>"), name


def test_the_doctype_goes_only_from_the_prolog():
    plain = HEAD + URLSET + urls(1) + b"</urlset>"
    assert strip_doctype(plain) == plain
    doctype = b'<!DOCTYPE urlset SYSTEM "x.dtd" [<!ENTITY a "]>"> <!-- ]> --> <!ENTITY b \'<url>\'>]>'
    assert strip_doctype(HEAD + doctype + plain[len(HEAD):]) == plain
    text = HEAD + URLSET + b"<url><loc>https://a.vn/&lt;!DOCTYPE x&gt;</loc></url></urlset>"
    assert strip_doctype(text) == text
