"""A test news site on 127.0.0.1, built from real article pages (the UTF-8 ones of tests/fixtures/pages).

``CrawlSite`` generates the routes of a small outlet and serves them with a real HTTP server:

- home page (newest articles with their dates, section links, a tag page, a search page, an about page,
  a link into a robots.txt-disallowed area, an RSS ``<link rel="alternate">``);
- two sections (``/thoi-su``, ``/kinh-te``) of 12 articles each, two a month from January to June
  2024, five per listing page with "Xem thêm" links (``/trang-N``) and the date beside each item;
- one article published two hours ago (for the revisit schedule);
- robots.txt with ``Disallow: /private/``, ``Crawl-delay`` and a ``Sitemap:`` line;
- a sitemap index -> a Google News sitemap (recent), a gzip sitemap (2024, with lastmod) and an old
  2023 sitemap whose index lastmod lets a --since crawl skip it;
- an RSS feed; tag and search pages;
- a redirect chain (301 -> 302 -> article), an off-site redirect, a 404, a 500 that recovers, a 429
  with Retry-After that recovers, a slow page.

Every article page is a real page with its dates rewritten to the article's date and its title
numbered, so the extractor meets real markup. Modes change what discovery finds:

- ``"full"``: all of the above;
- ``"listings"``: no sitemap and no feed, so discovery has to walk the listings;
- ``"undated_listings"``: as ``"listings"``, but listing pages (and the home page) print no date beside
  their items: only fetching an article tells its date;
- ``"dup_sitemaps"``: robots.txt names the sitemap index *and* ``/sitemaps/2023.xml``, which the index
  lists again; the sitemaps hold only the 2023 articles, so a --since 2024 crawl must fall back to the
  RSS feed (the home page advertises it);
- ``"guessed_sitemap_twice"``: no ``Sitemap:`` line and no feed; ``/sitemap.xml`` (a guessed path) is an
  index listing ``/sitemap-news.xml`` (another guessed path) twice, which holds only the 2023 articles,
  and ``/sitemap_index.xml`` (guessed too) redirects to ``/sitemap.xml``; ``/rss`` (a guessed feed path)
  and ``/sitemap-index.xml`` are HTML pages (as soft 404s are); a --since 2024 crawl must fall back to
  the listings.
"""

from __future__ import annotations

import gzip
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from newsarchive.dates import VN_TZ
from newsarchive.samples.make_site import without_site_links   # the original site's links would 404 here

PAGES = Path(__file__).parent / "fixtures" / "pages"
# Real article pages the test site's articles are made from (paths under PAGES).
TEMPLATES = [
    "baochinhphu.vn/chinh-sach-moi-202603.html", "cafef.vn/chuyen-muc-dich-dat.html",
    "cafef.vn/mbs-30-co-phieu.html", "dantri.com.vn/gia-vang-giam.html",
    "nld.com.vn/sai-sot-ho-kinh-doanh.html", "tuoitre.vn/hoa-nhap-khau-8-3.html",
    "vietnamnet.vn/co-phieu-flc.html", "vnexpress.net/cu-soc-nang-luong.html",
]

ISO_DATE = re.compile(r"20\d\d-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[+-]\d\d:?\d\d|Z)?")
DMY_DATE = re.compile(r"\b\d{1,2}([/-])\d{1,2}(?:\1)20\d\d\b")   # 07/03/2026 and 07-03-2026
CLOCK = re.compile(r"(?<![+\-])\b([01]?\d|2[0-3])([:h])([0-5]\d)\b(?:\s?(?:AM|PM|SA|CH)\b)?", re.I)
TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S | re.I)
PAGE_URLS = [re.compile(r'<link[^>]+rel=["\']canonical["\'][^>]+href=["\']([^"\']+)', re.I),
             re.compile(r'<link[^>]+href=["\']([^"\']+)["\'][^>]+rel=["\']canonical', re.I),
             re.compile(r'<meta[^>]+property=["\']og:url["\'][^>]+content=["\']([^"\']+)', re.I),
             re.compile(r'<meta[^>]+content=["\']([^"\']+)["\'][^>]+property=["\']og:url', re.I)]


@dataclass
class Article:
    path: str
    published: datetime
    title: str
    section: str
    special: str = ""            # "", "redirect", "recover500", "retry429", "slow"


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    fail_first: int = 0          # answer `fail_status` this many times first
    fail_status: int = 500
    fail_headers: dict[str, str] = field(default_factory=dict)


def _article_html(template: str, published: datetime, title_suffix: str, url: str, times: bool = False) -> bytes:
    """A real article page as the test article: its URL, dates and title rewritten; with ``times``
    every time of day it prints too (so that each of its dates reads as the article's, to the minute)."""
    html = without_site_links((PAGES / template).read_bytes()).decode("utf-8")
    if times:
        html = CLOCK.sub(lambda m: f"{published:%H}{m.group(2)}{published:%M}", html)
    # the page's own URL (canonical, og:url) becomes the test article's URL: one article per URL
    for pattern in PAGE_URLS:
        for original in set(pattern.findall(html)):
            if original.startswith("http"):
                html = html.replace(original, url)
    html = ISO_DATE.sub(published.isoformat(timespec="seconds"), html)
    html = DMY_DATE.sub(lambda m: published.strftime(f"%d{m.group(1)}%m{m.group(1)}%Y"), html)
    m = TITLE.search(html)
    if m:
        original = m.group(1).strip().split(" - ")[0].split(" | ")[0].strip()
        if original:
            html = html.replace(original, f"{original} ({title_suffix})")
    return html.encode("utf-8")


class CrawlSite:
    SECTIONS = ("thoi-su", "kinh-te")
    PER_PAGE = 5

    def __init__(self, mode: str = "full", crawl_delay: float = 0.1, slow_seconds: float = 0.4,
                 now: datetime | None = None, per_month: int = 2):
        self.mode = mode
        self.per_month = per_month          # articles per section and month (benchmarks raise it)
        self.crawl_delay = crawl_delay
        self.slow_seconds = slow_seconds
        self.now = now or datetime.now(VN_TZ).replace(microsecond=0)
        self.templates = list(TEMPLATES)
        self.articles: list[Article] = []
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self.base = ""
        self._server = None

    # -- the site ---------------------------------------------------------------------------------
    def _build_articles(self) -> None:
        n = 0
        for s_i, section in enumerate(self.SECTIONS):
            for month in range(1, 7):
                for i, day in enumerate((5, 20) if self.per_month == 2 else
                                        [1 + k % 27 for k in range(self.per_month)]):
                    n += 1
                    # more than 27 a month (benchmarks): later hours of the same days
                    when = datetime(2024, month, day + s_i, 8 + i // 27, 30, tzinfo=VN_TZ)
                    aid = f"24{month:02d}{day + s_i:02d}{n:03d}"
                    self.articles.append(Article(f"/{section}/tin-tinh-nha-so-{n:02d}-{aid}.html", when,
                                                 f"số {n}", section))
        recent = self.now - timedelta(hours=2)
        self.articles.append(Article("/thoi-su/tin-moi-trong-ngay-hom-nay-9100001.html", recent, "mới", "thoi-su"))
        specials = [
            ("/kinh-te/bai-loi-may-chu-roi-on-9000006.html", datetime(2024, 5, 10, 9, tzinfo=VN_TZ), "recover500"),
            ("/kinh-te/bai-tai-cham-van-luu-9000007.html", datetime(2024, 5, 11, 9, tzinfo=VN_TZ), "slow"),
            ("/kinh-te/bai-qua-tai-thu-lai-9000008.html", datetime(2024, 5, 12, 9, tzinfo=VN_TZ), "retry429"),
            ("/thoi-su/bai-da-chuyen-den-day-9000003.html", datetime(2024, 5, 13, 9, tzinfo=VN_TZ), "redirect"),
        ]
        for path, when, special in specials:
            self.articles.append(Article(path, when, special, path.split("/")[1], special))
        self.articles.sort(key=lambda a: a.published, reverse=True)
        # two articles of December 2023, listed only by the old sitemap (and the last listing pages)
        for i, day in enumerate((10, 24)):
            self.articles.append(Article(f"/thoi-su/tin-cu-nam-truoc-so-{i}-23120{i}99.html",
                                         datetime(2023, 12, day, 7, tzinfo=VN_TZ), f"cũ {i}", "thoi-su"))

    # URLs that look like articles but must never be archived
    PRIVATE = "/private/bai-noi-bo-khong-cong-khai-9000001.html"
    REDIRECT_START = "/thoi-su/bai-cu-doi-dia-chi-9000002.html"
    OFFSITE = "/thoi-su/bai-chuyen-ra-ngoai-trang-9000004.html"
    GONE = "/thoi-su/bai-khong-con-ton-tai-9000005.html"

    def listed_path(self, a: Article) -> str:
        """The URL discovery lists for an article (the redirected one is listed by its old URL)."""
        return self.REDIRECT_START if a.special == "redirect" else a.path

    def build(self) -> None:
        self._build_articles()
        b = self.base
        for i, a in enumerate(self.articles):
            body = _article_html(self.templates[i % len(self.templates)], a.published, a.title, b + a.path)
            route = Route(body=body, headers={"Content-Type": "text/html; charset=utf-8"})
            if a.special == "recover500":
                route.fail_first, route.fail_status = 1, 500
            elif a.special == "retry429":
                route.fail_first, route.fail_status, route.fail_headers = 1, 429, {"Retry-After": "1"}
            elif a.special == "slow":
                route.delay = self.slow_seconds
            self.routes[a.path] = route
        redirect_target = next(a.path for a in self.articles if a.special == "redirect")
        self.routes[self.REDIRECT_START] = Route(301, headers={"Location": "/redirect/step-2"})
        self.routes["/redirect/step-2"] = Route(302, headers={"Location": redirect_target})
        self.routes[self.OFFSITE] = Route(302, headers={"Location": "http://offsite.invalid/bai-viet-1234567.html"})
        self.routes[self.GONE] = Route(404, body=b"<html><body>Not found</body></html>",
                                       headers={"Content-Type": "text/html"})
        self.routes[self.PRIVATE] = Route(body=b"<html><body>private</body></html>",
                                          headers={"Content-Type": "text/html"})
        self._build_listings()
        self._build_discovery()

    def _item(self, a: Article) -> str:
        if self.mode == "undated_listings":
            return f'<li><a href="{self.listed_path(a)}">Tin tỉnh nhà {a.title}</a></li>'
        return (f'<li><a href="{self.listed_path(a)}">Tin tỉnh nhà {a.title}</a> '
                f'<span class="time">{a.published.strftime("%d/%m/%Y %H:%M")}</span></li>')

    def _page(self, title: str, inner: str, head: str = "") -> Route:
        html = (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
                f'<body><nav><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a> <a href="/kinh-te">Kinh tế</a> '
                f'<a href="/gioi-thieu.html">Giới thiệu</a> <a href="/tag/tinh-nha">#tỉnh nhà</a> '
                f'<a href="/tim-kiem?q=tinh">Tìm kiếm</a></nav><main>{inner}</main></body></html>')
        return Route(body=html.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"})

    def _build_listings(self) -> None:
        for section in self.SECTIONS:
            items = [a for a in self.articles if a.section == section]
            pages = [items[i:i + self.PER_PAGE] for i in range(0, len(items), self.PER_PAGE)]
            for n, chunk in enumerate(pages, start=1):
                path = f"/{section}" if n == 1 else f"/{section}/trang-{n}"
                more = f'<a class="more" href="/{section}/trang-{n + 1}">Xem thêm</a>' if n < len(pages) else ""
                self.routes[path] = self._page(f"{section} - trang {n}", "<ul>" + "".join(map(self._item, chunk)) + "</ul>" + more)
        newest = self.articles[:4]
        head = ('' if self.mode in ("listings", "undated_listings", "guessed_sitemap_twice")
                else '<link rel="alternate" type="application/rss+xml" href="/rss/tin-moi.rss">')
        inner = ("<ul>" + "".join(map(self._item, newest)) + "</ul>"
                 f'<p><a href="{self.PRIVATE}">Nội bộ</a> <a href="{self.GONE}">Bài đã gỡ</a></p>')
        self.routes["/"] = self._page("Trang chủ", inner, head)
        self.routes["/tag/tinh-nha"] = self._page("Tag", "<ul>" + "".join(map(self._item, self.articles[:6])) + "</ul>")
        self.routes["/tim-kiem"] = self._page("Tìm kiếm", "<ul>" + "".join(map(self._item, self.articles[2:5])) + "</ul>")
        self.routes["/gioi-thieu.html"] = self._page("Giới thiệu", "<p>Giới thiệu tòa soạn.</p>")

    def _build_discovery(self) -> None:
        b = self.base
        robots = f"User-agent: *\nDisallow: /private/\nCrawl-delay: {self.crawl_delay}\n"
        if self.mode == "full":
            robots += f"Sitemap: {b}/sitemap_index.xml\n"
        elif self.mode == "dup_sitemaps":
            robots += f"Sitemap: {b}/sitemap_index.xml\nSitemap: {b}/sitemaps/2023.xml\n"
        self.routes["/robots.txt"] = Route(body=robots.encode(), headers={"Content-Type": "text/plain"})
        y2023 = [a for a in self.articles if a.published.year == 2023]
        old = "".join(f"<url><loc>{b}{a.path}</loc><lastmod>{a.published.isoformat()}</lastmod></url>" for a in y2023)
        old_urlset = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{old}</urlset>'
        if self.mode == "dup_sitemaps":
            self.routes["/sitemaps/2023.xml"] = self._xml(old_urlset)
            self.routes["/sitemap_index.xml"] = self._xml(
                f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f'<sitemap><loc>{b}/sitemaps/2023.xml</loc></sitemap></sitemapindex>')
            self._build_feed()
            return
        if self.mode == "guessed_sitemap_twice":
            self.routes["/sitemap-news.xml"] = self._xml(old_urlset)
            child = f"<sitemap><loc>{b}/sitemap-news.xml</loc></sitemap>"
            self.routes["/sitemap.xml"] = self._xml(
                f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{child}{child}</sitemapindex>')
            self.routes["/sitemap_index.xml"] = Route(301, headers={"Location": "/sitemap.xml"})
            self.routes["/sitemap-index.xml"] = self._page("Không tìm thấy", "<p>Trang không tồn tại</p>")
            self.routes["/rss"] = self._page("RSS", '<p>Các kênh RSS của báo</p>')
            return
        if self.mode != "full":
            return
        recent = [a for a in self.articles if self.now - a.published < timedelta(days=2)]
        y2024 = [a for a in self.articles if a.published.year == 2024]
        news = "".join(
            f"<url><loc>{b}{self.listed_path(a)}</loc><news:news><news:publication><news:name>Tin Tỉnh</news:name>"
            f"<news:language>vi</news:language></news:publication>"
            f"<news:publication_date>{a.published.isoformat()}</news:publication_date>"
            f"<news:title>{a.title}</news:title></news:news></url>" for a in recent)
        self.routes["/sitemaps/news.xml"] = self._xml(
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{news}</urlset>')
        extra = [self.PRIVATE, self.OFFSITE, self.GONE]
        urls = "".join(f"<url><loc>{b}{self.listed_path(a)}</loc><lastmod>{a.published.isoformat()}</lastmod></url>"
                       for a in y2024)
        urls += "".join(f"<url><loc>{b}{p}</loc><lastmod>2024-05-01T00:00:00+07:00</lastmod></url>" for p in extra)
        urls += f"<url><loc>{b}/thoi-su</loc></url><url><loc>{b}/tag/tinh-nha</loc></url>"
        body = gzip.compress(f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode())
        self.routes["/sitemaps/2024.xml.gz"] = Route(body=body, headers={"Content-Type": "application/x-gzip"})
        self.routes["/sitemaps/2023.xml"] = self._xml(old_urlset)
        index = (f"<sitemap><loc>{b}/sitemaps/news.xml</loc><lastmod>{self.now.isoformat()}</lastmod></sitemap>"
                 f"<sitemap><loc>{b}/sitemaps/2024.xml.gz</loc><lastmod>2024-06-30T00:00:00+07:00</lastmod></sitemap>"
                 f"<sitemap><loc>{b}/sitemaps/2023.xml</loc><lastmod>2023-12-31T00:00:00+07:00</lastmod></sitemap>")
        self.routes["/sitemap_index.xml"] = self._xml(f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>')
        self._build_feed()

    def _build_feed(self) -> None:
        b = self.base
        items = "".join(f"<item><title>{a.title}</title><link>{b}{self.listed_path(a)}</link>"
                        f"<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:%S +0700')}</pubDate></item>"
                        for a in self.articles[:5])
        self.routes["/rss/tin-moi.rss"] = self._xml(f'<rss version="2.0"><channel><title>Tin mới</title>{items}</channel></rss>')

    @staticmethod
    def _xml(text: str) -> Route:
        if not text.startswith("<?xml"):
            text = '<?xml version="1.0" encoding="UTF-8"?>' + text
        return Route(body=text.encode("utf-8"), headers={"Content-Type": "application/xml; charset=utf-8"})

    # -- what tests expect -------------------------------------------------------------------------
    def listing_pages(self, section: str) -> list[list[Article]]:
        """The articles of each page of a section's listing, newest page first."""
        items = [a for a in self.articles if a.section == section]
        return [items[i:i + self.PER_PAGE] for i in range(0, len(items), self.PER_PAGE)]

    def archivable(self) -> list[Article]:
        return list(self.articles)

    def url(self, path: str) -> str:
        return self.base + path

    def article_requests(self) -> list[str]:
        paths = {a.path for a in self.articles} | {self.REDIRECT_START}
        with self._lock:
            return [p for p in self.requests if p in paths]

    # -- serving ------------------------------------------------------------------------------------
    def start(self) -> str:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                with site._lock:
                    site.requests.append(path)
                    site.hits[path] = site.hits.get(path, 0) + 1
                    hit = site.hits[path]
                route = site.routes.get(path)
                if route is None:
                    route = Route(404, b"<html><body>404</body></html>", {"Content-Type": "text/html"})
                if route.delay:
                    time.sleep(route.delay)
                status, headers, body = route.status, dict(route.headers), route.body
                if hit <= route.fail_first:
                    status, headers, body = route.fail_status, {"Content-Type": "text/html", **route.fail_headers}, b"<html>busy</html>"
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.build()
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.base

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
