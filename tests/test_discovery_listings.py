"""Listing pages: links with their dates, and the next page (real listing pages and built ones)."""

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
