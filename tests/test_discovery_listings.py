"""Listing pages: links with their dates, and the next page (real listing pages and built ones)."""

import pytest

from newsarchive.discovery.listings import listing_root, read_listing

PAGE = """<html><body><ul>
<li><a href="/thoi-su/mot-hai-ba-1234567.html">Một</a> <span>07/06/2024 06:55</span></li>
<li><div><a href="/thoi-su/bon-nam-sau-1234568.html">Hai</a></div><time datetime="2024-06-01T08:00:00+07:00">1/6</time></li>
<li><a href="/thoi-su/khong-ngay-1234569.html">Ba</a></li>
</ul><a href="/thoi-su/trang-3">Xem thêm</a></body></html>"""


def test_links_dates_and_next_page():
    page = read_listing(PAGE, "https://x.vn/thoi-su/trang-2")
    dates = {l.url.rsplit("/", 1)[-1]: l.date for l in page.links}
    assert dates["mot-hai-ba-1234567.html"].isoformat() == "2024-06-07T06:55:00+07:00"
    assert dates["bon-nam-sau-1234568.html"].isoformat() == "2024-06-01T08:00:00+07:00"
    assert page.next_pages == ["https://x.vn/thoi-su/trang-3"]


def test_numbered_pagination_and_roots():
    html = '<a href="?page=2">2</a><a href="?page=3">3</a>'
    assert read_listing(html, "https://x.vn/kinh-te").next_pages == ["https://x.vn/kinh-te?page=2"]
    assert listing_root("https://x.vn/kinh-te?page=4") == listing_root("https://x.vn/kinh-te/") == "https://x.vn/kinh-te"


def test_real_listing_page_next_link():
    # vnexpress listing as saved in the corpus (copied as test data): "-p2" pagination
    from pathlib import Path

    html = (Path(__file__).parent / "fixtures" / "pages" / "vnexpress.net" / "list-kinh-doanh.html").read_bytes()
    page = read_listing(html, "https://vnexpress.net/kinh-doanh")
    assert page.next_pages[0] == "https://vnexpress.net/kinh-doanh-p2"


# One item without a date between dated siblings, each item in its own container as real listings have
# them (thumbnail link + title link + date); the undated item must not borrow a sibling's date.
SIBLINGS = """<html><body><div class="list">
<div class="item"><a href="/thoi-su/tin-mot-ngay-dau-1234561.html"><img src="/a.jpg"></a>
  <h3><a href="/thoi-su/tin-mot-ngay-dau-1234561.html">Một</a></h3><span class="time">07/06/2024 06:55</span></div>
<div class="item"><h3><a href="/thoi-su/bai-viet-khong-ngay-1234562.html">Hai</a></h3><p>Tóm tắt</p></div>
<div class="item"><h3><a href="/thoi-su/tin-ba-ngay-sau-1234563.html">Ba</a></h3>
  <time datetime="2024-06-05T08:00:00+07:00">5/6</time></div>
</div><a href="/thoi-su?page=2">Xem thêm</a></body></html>"""


def test_an_undated_item_does_not_take_a_sibling_articles_date():
    page = read_listing(SIBLINGS, "https://x.vn/thoi-su")
    dates = {l.url.rsplit("/", 1)[-1]: l.date for l in page.links}
    assert dates["bai-viet-khong-ngay-1234562.html"] is None
    assert dates["tin-mot-ngay-dau-1234561.html"].isoformat() == "2024-06-07T06:55:00+07:00"
    assert dates["tin-ba-ngay-sau-1234563.html"].isoformat() == "2024-06-05T08:00:00+07:00"
    # the flat list above: the last item has no date and its <li> holds no other article
    flat = {l.url.rsplit("/", 1)[-1]: l.date for l in read_listing(PAGE, "https://x.vn/thoi-su/trang-2").links}
    assert flat["khong-ngay-1234569.html"] is None


def test_what_counts_as_another_article_is_the_callers_classifier():
    # a link the outlet's classifier does not call an article (here: anything under /video/) does not
    # stop the climb, so the item keeps the date printed beside both links
    html = """<ul><li><div><a href="/thoi-su/bai-viet-khong-ngay-1234562.html">Hai</a></div>
    <div><a href="/video/clip-ngan-tin-tuc-7654321.html">clip</a></div><span>05/06/2024</span></li></ul>"""
    generic = {l.url.rsplit("/", 1)[-1]: l.date for l in read_listing(html, "https://x.vn/").links}
    assert generic["bai-viet-khong-ngay-1234562.html"] is None
    own = read_listing(html, "https://x.vn/", is_article=lambda url: "/video/" not in url)
    assert {l.url.rsplit("/", 1)[-1]: l.date for l in own.links}["bai-viet-khong-ngay-1234562.html"].day == 5


def test_real_listing_pages_do_not_spread_one_items_date_over_its_neighbours():
    # saved real pages (copied as test data): one related-article title says "Từ 1-3-2026" (nld.com.vn),
    # one teaser says "từ ngày 1/1/2026" (dantri.com.vn); that date belongs to that item at most, never
    # to the other articles of the same box
    from pathlib import Path

    pages = Path(__file__).parent / "fixtures" / "pages"
    for page_file, base, raw in (("nld.com.vn/list-kinh-te.html", "https://nld.com.vn/kinh-te.htm", "1-3-2026"),
                                 ("dantri.com.vn/list-kinh-doanh.html", "https://dantri.com.vn/kinh-doanh.htm",
                                  "1/1/2026")):
        page = read_listing((pages / page_file).read_bytes(), base)
        holders = [l.url for l in page.links if l.date_raw == raw]
        assert len(holders) <= 1, (page_file, "date_raw", holders)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/tin-tức/bai-viet-123456.html",
    "http://127.0.0.1:9/a b|c/bai-viet-123456.html?q=Lâm Đồng",
    "http://Example.VN/Thoi-Su/bai-viet-123456.html",
    "http://127.0.0.1:9/tin-t%E1%BB%A9c/bai-viet-123456.html",
])
def test_request_url_is_the_url_scrapy_requests_and_reports(url):
    """Held listing pages wait on article URLs in this form: the answers come back as Request.url."""
    import scrapy

    from newsarchive.discovery.listings import request_url

    assert request_url(url) == scrapy.Request(url).url


def test_page_numbers_of_common_cms():
    from newsarchive.discovery.listings import listing_root, page_number

    assert page_number("https://x.vn/tin-tuc/?paged=3")[1] == 3                      # WordPress
    assert page_number("https://x.vn/Tin-tuc/Thoi-su/currentpage/2")[1] == 2         # DNN
    assert page_number("https://x.vn/tin.aspx?cat=5&PageIndex=4")[1] == 4
    assert listing_root("https://x.vn/Tin-tuc/Thoi-su/currentpage/2") == "https://x.vn/Tin-tuc/Thoi-su"
    assert listing_root("https://x.vn/kinh-doanh-p2.html") == listing_root("https://x.vn/kinh-doanh.html")


def test_a_next_page_behind_a_script_is_noticed():
    from newsarchive.discovery.listings import read_listing

    postback = b"""<ul><li><a href="/a-123456.html">A</a></li></ul>
      <a href="javascript:__doPostBack('ctl00$pager','Page$2')">2</a>"""
    more = b"""<meta charset="utf-8"><ul><li><a href="/a-123456.html">A</a></li></ul><button>Xem th\xc3\xaam</button>"""
    plain = b"""<ul><li><a href="/a-123456.html">A</a></li></ul><a href="javascript:void(0)">In</a>"""
    assert read_listing(postback, "https://x.vn/thoi-su").next_by_script
    got = read_listing(more, "https://x.vn/thoi-su")
    assert got.more_by_script and not got.next_by_script
    got = read_listing(plain, "https://x.vn/thoi-su")
    assert not got.next_by_script and not got.more_by_script
