"""newsarchive.discovery.urls: one key per page, the URL to request, the article id in a URL."""

from __future__ import annotations

import pytest

from newsarchive.discovery.urls import clean_url, numeric_id, url_key

SAME_PAGE = [
    ("https://baolamdong.vn/tin-tuc/bai-123456.html",
     "https://www.baolamdong.vn/tin-tuc/bai-123456.html?utm_source=zalo&utm_medium=share#comments"),
    ("https://baolamdong.vn/tin-tuc/bai-123456.html", "http://baolamdong.vn:80/tin-tuc/bai-123456.html?fbclid=IwAR0x"),
    ("https://baolamdong.vn/thoi-su/", "https://baolamdong.vn/thoi-su"),
    ("https://baolamdong.vn/a.html?id=1&cat=2", "https://baolamdong.vn/a.html?cat=2&id=1&gclid=xyz"),
    ("https://baolamdong.vn/a.html", "https://baolamdong.vn/a.html;jsessionid=ABC123"),
    ("https://baolamdong.vn/a.html?page=2", "https://baolamdong.vn/a.html?page=2&PHPSESSID=deadbeef&zarsrc=31"),
    ("https://baolamdong.vn/tin-tức/bài-1.html", "https://baolamdong.vn/tin-t%E1%BB%A9c/b%C3%A0i-1.html"),
]


@pytest.mark.parametrize("a,b", SAME_PAGE)
def test_spellings_of_one_page_share_a_key(a, b):
    assert url_key(a) == url_key(b)


@pytest.mark.parametrize("a,b", [
    ("https://baolamdong.vn/a.html?id=1", "https://baolamdong.vn/a.html?id=2"),
    ("https://baolamdong.vn/a.html?page=2", "https://baolamdong.vn/a.html?page=3"),
    ("https://baolamdong.vn/A.html", "https://baolamdong.vn/a.html"),          # paths are case-sensitive
    ("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a"),                   # another port, another site
])
def test_different_pages_keep_different_keys(a, b):
    assert url_key(a) != url_key(b)


def test_clean_url_drops_only_what_identifies_a_visitor():
    assert clean_url("https://x.vn/a?utm_campaign=t&id=5#top") == "https://x.vn/a?id=5"
    assert clean_url("https://x.vn/a;jsessionid=1?sid=2") == "https://x.vn/a"
    url = "https://x.vn/a?sort=new&page=2"            # presentation variants are for traps.py to decide
    assert clean_url(url) == url
    assert clean_url("https://x.vn/a") == "https://x.vn/a"


@pytest.mark.parametrize("url,n", [
    ("https://baodautu.vn/xu-phat-giam-doc-d538952.html", 538952),
    ("https://tuoitre.vn/chien-su-day-gia-20260307075519174.htm", 20260307075519174),
    ("https://lamdongtv.vn/tin-tuc/12345/slug-bai-viet", 12345),
    ("https://x.vn/news/98765/", 98765),
    ("https://x.vn/thoi-su", None),
    ("https://x.vn/bai-2024.html", 2024),
])
def test_numeric_id(url, n):
    assert numeric_id(url) == n
