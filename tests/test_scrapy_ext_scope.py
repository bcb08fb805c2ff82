"""Ports in the scope check (newsarchive.scrapy_ext.scope) and redirect loops (newsarchive.scrapy_ext.redirect)."""

from __future__ import annotations

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from newsarchive.scrapy_ext.failures import failure_kind, refusal
from newsarchive.scrapy_ext.redirect import loop_of
from newsarchive.scrapy_ext.scope import effective_port, outlet_ports, port_refusal


@pytest.mark.parametrize("url, port", [
    ("https://baolamdong.vn/", 443), ("http://baolamdong.vn/a.html", 80), ("http://baolamdong.vn:8080/", 8080),
    ("HTTPS://BAOLAMDONG.VN:443/", 443), ("http://127.0.0.1:39701/x", 39701), ("ftp://a.vn/", None),
    ("http://a.vn:notaport/", None),
])
def test_the_port_a_url_connects_to(url, port):
    assert effective_port(url) == port


def test_an_outlet_on_a_default_port_is_reached_on_both_defaults_one_on_another_port_only_there():
    assert outlet_ports("https://baolamdong.vn/") == {80, 443}
    assert outlet_ports("http://baolamdong.vn/") == {80, 443}
    assert outlet_ports("http://127.0.0.1:39701/") == {39701}
    assert outlet_ports("https://a.vn:8443/") == {8443}


@pytest.mark.parametrize("url, home, refused", [
    ("https://baolamdong.vn/tin.html", "https://baolamdong.vn/", False),
    ("http://baolamdong.vn/tin.html", "https://baolamdong.vn/", False),        # http <-> https on the defaults
    ("https://baolamdong.vn:443/tin.html", "http://baolamdong.vn/", False),
    ("http://baolamdong.vn:8080/tin.html", "https://baolamdong.vn/", True),    # another server on that host
    ("http://127.0.0.1:39702/tin.html", "http://127.0.0.1:39701/", True),
    ("http://127.0.0.1/tin.html", "http://127.0.0.1:39701/", True),
    ("http://127.0.0.1:39701/robots.txt", "http://127.0.0.1:39701/", False),
])
def test_a_url_on_another_port_than_its_outlets_is_refused(url, home, refused):
    reason = port_refusal(url, [home])
    assert bool(reason) is refused, reason
    if refused:
        assert "port" in reason


def test_the_ports_of_several_outlets_add_up_and_no_home_decides_nothing():
    homes = ["http://127.0.0.1:39701/", "http://127.0.0.1:39702/"]
    assert port_refusal("http://127.0.0.1:39702/a", homes) is None
    assert port_refusal("http://127.0.0.1:39703/a", homes)
    assert port_refusal("http://127.0.0.1:39703/a", []) is None


# --- redirect loops ----------------------------------------------------------------------------------

def test_a_redirect_back_into_its_own_chain_is_a_loop():
    request = Request("http://a.vn/b.html", meta={"redirect_urls": ["http://a.vn/a.html"]})
    assert loop_of(request, "http://a.vn/a.html") == ["http://a.vn/a.html", "http://a.vn/b.html", "http://a.vn/a.html"]
    assert loop_of(request, "http://a.vn/b.html")                         # to itself
    assert loop_of(request, "http://a.vn/c.html") is None
    assert loop_of(Request("http://a.vn/a.html?x=1&y=2"), "http://a.vn/a.html?y=2&x=1")   # the same URL


def test_scrapys_redirect_middleware_subclass_fails_a_loop_at_once():
    from scrapy.utils.test import get_crawler

    from newsarchive.scrapy_ext.redirect import RedirectMiddleware

    mw = RedirectMiddleware.from_crawler(get_crawler(settings_dict={"REDIRECT_MAX_TIMES": 10}))
    a = Request("http://a.vn/a.html")
    b = mw.process_response(a, Response(a.url, status=302, headers={"Location": "/b.html"}, request=a))
    assert isinstance(b, Request) and b.url == "http://a.vn/b.html"
    with pytest.raises(IgnoreRequest) as caught:
        mw.process_response(b, Response(b.url, status=301, headers={"Location": "/a.html"}, request=b))
    assert "redirect loop" in str(caught.value)
    assert refusal(caught.value) is None and failure_kind(caught.value) == "redirect_loop"
