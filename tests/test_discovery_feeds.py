"""RSS/Atom feeds and feed links in HTML pages."""

from pathlib import Path

from newsarchive.discovery.feeds import feed_links, parse_feed

RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Tin</title>
<item><title>Một</title><link>https://baolamdong.vn/mot-hai-ba-123456.html</link>
<pubDate>Fri, 07 Jun 2024 06:55:00 +0700</pubDate></item>
<item><title>Hai</title><guid>https://baolamdong.vn/hai-ba-bon-123457.html</guid><pubDate>07/06/2024 08:00</pubDate></item>
</channel></rss>""".encode()

ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>A</title>
<link rel="alternate" href="/a-b-c-1234567.html"/><published>2024-06-07T06:55:00Z</published></entry></feed>"""


def test_rss_items_with_dates():
    a, b = parse_feed(RSS)
    assert a.url == "https://baolamdong.vn/mot-hai-ba-123456.html"
    assert a.published.isoformat() == "2024-06-07T06:55:00+07:00"
    assert b.url.endswith("123457.html") and b.published.isoformat() == "2024-06-07T08:00:00+07:00"


def test_atom_entries_relative_links_and_utc_dates():
    (e,) = parse_feed(ATOM, base_url="https://x.vn/feed")
    assert e.url == "https://x.vn/a-b-c-1234567.html"
    assert e.published.isoformat() == "2024-06-07T13:55:00+07:00"


def test_feed_links_on_real_listing_page():
    html = (Path(__file__).parent / "fixtures" / "pages" / "vietnamnet.vn" / "co-phieu-flc.html").read_bytes()
    assert feed_links(html, "https://vietnamnet.vn/co-phieu-flc-2495349.html") == [
        "https://vietnamnet.vn/kinh-doanh/tai-chinh.rss"]
