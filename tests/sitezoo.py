"""A zoo of local news sites of the shapes real outlets have, built from real article pages.

Each ``ZooSite`` is served by a real HTTP server on its own loopback address (127.0.0.x, a free port)
and holds ``ARTICLES`` real article pages (tests/fixtures/pages, their dates rewritten to the
article's, titles numbered, their original site's links pointed at ``#``). What changes between
shapes is only how the articles can be found. ``SHAPES`` names them:

- ``partial_sitemap``: the sitemap lists a third of the articles; sections page with ``?page=N``;
- ``news_sitemap``: robots.txt names a Google News sitemap of the last two days only; sections page
  with ``/page/N/``;
- ``feed_newest``: the home page advertises a feed of the three newest; sections page with ``/trang-N``
  and "Trang sau";
- ``feed_only``: a full feed, a home page with two articles, nothing else;
- ``listings_every_form``: no sitemap, no feed; eight sections, each paged another way (``?page=N``,
  ``/page/N/``, ``/trang-N``, ``/pN``, ``-pN.html``, ``rel=next`` alone, "Trang sau" alone, "Xem thêm");
- ``related_links``: the home page links two articles; every article links others ("Tin liên quan",
  "Đọc thêm"); no sitemap, feed or section;
- ``moved_domain``: the outlet moved to a new host after the 2025 merger: every URL of the old one
  answers 301 to the same path on the new one, whose robots.txt names its sitemap;
- ``undated_listings``: sections print no date beside their items (``/pN`` pagination);
- ``sitemap_non_articles``: the sitemap lists sections, tag, author and static pages and a Q&A page
  beside the articles, and no listing links some articles;
- ``traps``: an endless calendar, ``?sort=``/``?view=`` variants, a session id in every link,
  endless pagination (every page has a next one, repeating the last), a looping relative link;
- ``deep_sections``: the home page links two sections; their sub-sections, linked from the section
  pages and from articles' breadcrumbs, are the only listings of most articles, whose URLs have no
  id and no extension (a shape the URL classifier does not know);
- ``sitemap_child_fails``: a sitemap index whose second child answers 500 every time (its articles are
  on the listings too);
- ``cms_wordpress``, ``cms_joomla``, ``cms_aspnet``: article URLs that carry their id in the query
  (``/?p=1003``, ``index.php?option=com_content&view=article&id=203``, ``chi-tiet.aspx?id=5003``),
  sections paged with "Tiếp »" (``/page/N/``, Joomla's ``&start=`` offsets) or numbered links whose
  "1" is the first page again; no sitemap, no feed.

Every site links an ``OutsideSite`` (another loopback host) from its pages: a crawl must never request
it. ``requests`` logs every request a site answered (host, path and query).
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from crawlsite_server import TEMPLATES, _article_html
from newsarchive.dates import VN_TZ

ARTICLES = 12
PER_PAGE = 3


@dataclass
class ZooArticle:
    path: str
    published: datetime
    title: str
    section: str
    subsection: str = ""


@dataclass
class Page:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class _Server:
    """A threaded HTTP server on ``host`` answering from ``handler(path, query, headers) -> Page``,
    with ETag / Last-Modified on 200 answers and 304 to a conditional request that matches."""

    def __init__(self, host: str, handler, log: list[str], lock: threading.Lock, times: list[float] | None = None):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                with lock:
                    log.append(f"{host}{self.path}")
                    if times is not None:
                        times.append(time.monotonic())
                page = handler(parts.path, parts.query, self.headers)
                headers = dict(page.headers)
                body = page.body
                if page.status == 200 and body:
                    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                    headers.setdefault("ETag", etag)
                    headers.setdefault("Last-Modified", email.utils.formatdate(outer.started, usegmt=True))
                    if self.headers.get("If-None-Match") == headers["ETag"]:
                        self.send_response(304)
                        self.send_header("ETag", headers["ETag"])
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                self.send_response(page.status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.started = time.time() - 86400
        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _html(title: str, inner: str, head: str = "", nav: str = "") -> Page:
    body = (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f'<body><header><a href="/">Trang chủ</a>{nav}</header><main>{inner}</main>'
            '<footer><a href="/gioi-thieu.html">Giới thiệu</a> <a href="/lien-he">Liên hệ</a></footer>'
            '</body></html>')
    return Page(body=body.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"})


def _xml(text: str, ctype: str = "application/xml") -> Page:
    return Page(body=('<?xml version="1.0" encoding="UTF-8"?>' + text).encode("utf-8"),
                headers={"Content-Type": f"{ctype}; charset=utf-8"})


NOT_FOUND = Page(404, b"<html><body>404</body></html>", {"Content-Type": "text/html"})


class OutsideSite:
    """A host no crawl of a zoo site may touch."""

    def __init__(self, host: str = "127.0.0.9"):
        self.requests: list[str] = []
        self._server = _Server(host, lambda p, q, h: _html("outside", "<p>outside</p>"), self.requests,
                               threading.Lock())
        self.base = self._server.base

    def stop(self) -> None:
        self._server.stop()


class ZooSite:
    SECTIONS = ("thoi-su", "kinh-te")

    def __init__(self, shape: str, host: str = "127.0.0.2", outside: str = "http://127.0.0.9:9",
                 now: datetime | None = None, articles: int = ARTICLES):
        if shape not in SHAPES:
            raise ValueError(f"unknown shape {shape!r}")
        self.shape = shape
        self.host = host
        self.outside = outside
        self.now = now or datetime.now(VN_TZ).replace(microsecond=0, second=0)
        self.n = articles
        self.requests: list[str] = []
        self.times: list[float] = []          # when each of ``requests`` arrived (time.monotonic)
        self._lock = threading.Lock()
        self.articles: list[ZooArticle] = []
        self.routes: dict[str, Page] = {}
        self._servers: list[_Server] = []
        self.base = ""
        self.old_base = ""        # moved_domain: the host the outlet moved away from

    # -- articles ---------------------------------------------------------------------------------
    def _make_articles(self) -> None:
        deep = self.shape == "deep_sections"
        for i in range(self.n):
            section = self.SECTIONS[i % 2]
            recent = self.shape == "news_sitemap" and i < 2
            when = (self.now - timedelta(hours=3 + i) if recent
                    else datetime(2024, 1, 3, 8, 15, tzinfo=VN_TZ) + timedelta(days=31 * i, hours=i % 10, minutes=i % 45))
            sub = f"{section}/muc-{'ab'[i // 2 % 2]}" if deep else section
            aid = 700100 + i * 7
            path = (f"/{sub}/bai-viet-so-{i}-ve-tinh-nha" if deep else
                    f"/?p={1000 + i}" if self.shape == "cms_wordpress" else
                    f"/index.php?option=com_content&view=article&id={200 + i}&catid={1 + i % 2}"
                    if self.shape == "cms_joomla" else
                    f"/tin-tuc/chi-tiet.aspx?id={5000 + i}" if self.shape == "cms_aspnet" else
                    f"/{section}/tin-tuc-tinh-nha-so-{i}-{aid}.html")
            self.articles.append(ZooArticle(path, when, f"bài {i}", section, sub))
        self.articles.sort(key=lambda a: a.published, reverse=True)

    def _article_page(self, i: int, a: ZooArticle) -> Page:
        html = _article_html(TEMPLATES[i % len(TEMPLATES)], a.published, a.title, self.base + a.path,
                             times=True).decode("utf-8")
        extra = f'<p><a href="{self.outside}/bai-ngoai-trang-{i}-1234567.html">Chia sẻ</a></p>'
        if self.shape == "related_links":
            # a chain with shortcuts: every article is reachable from the two on the home page
            others = [self.articles[(i + 1) % self.n], self.articles[(i + 3) % self.n]]
            extra += ('<div class="tin-lien-quan"><h3>Tin liên quan</h3>'
                      + "".join(f'<a href="{o.path}">{o.title}</a> ' for o in others[:1])
                      + f'<p>Đọc thêm: <a href="{others[1].path}">{others[1].title}</a></p></div>')
        if self.shape == "deep_sections":
            extra += f'<nav class="breadcrumb"><a href="/{a.section}">{a.section}</a> › <a href="/{a.subsection}">mục</a></nav>'
        if self.shape == "traps":
            extra += f'<a href="{a.path}?sid={hashlib.sha1(a.path.encode()).hexdigest()[:12]}">Bản in</a>'
        html = html.replace("</body>", extra + "</body>", 1) if "</body>" in html else html + extra
        return Page(body=html.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"})

    def _item(self, a: ZooArticle, dated: bool = True) -> str:
        date = f' <span class="time">{a.published.strftime("%d/%m/%Y %H:%M")}</span>' if dated else ""
        return f'<li><a href="{a.path.replace("&", "&amp;")}">Tin tỉnh nhà {a.title}</a>{date}</li>'

    # -- listings ---------------------------------------------------------------------------------
    PAGINATION_FORMS = ("query_page", "path_page", "path_trang", "path_p", "suffix_p", "rel_next",
                        "text_next", "xem_them")

    @staticmethod
    def page_url(root: str, n: int, form: str) -> str:
        """The URL of page ``n`` (1 = first) of the listing at ``root`` in pagination ``form``."""
        if n == 1:
            return root + (".html" if form == "suffix_p" else "")
        return {"query_page": f"{root}?page={n}", "path_page": f"{root}/page/{n}/",
                "path_trang": f"{root}/trang-{n}", "path_p": f"{root}/p{n}", "suffix_p": f"{root}-p{n}.html",
                "rel_next": f"{root}/{n}", "text_next": f"{root}/trang/{n}", "xem_them": f"{root}?trang={n}"}[form]

    def _listing(self, root: str, items: list[ZooArticle], form: str, dated: bool = True,
                 extra: str = "") -> None:
        pages = [items[i:i + PER_PAGE] for i in range(0, len(items), PER_PAGE)] or [[]]
        for n, chunk in enumerate(pages, start=1):
            nxt = self.page_url(root, n + 1, form) if n < len(pages) else None
            head = more = ""
            if nxt:
                if form == "rel_next":
                    head = f'<link rel="next" href="{nxt}">'
                elif form == "text_next":
                    more = f'<a href="{nxt}">Trang sau</a>'
                elif form == "xem_them":
                    more = f'<a class="more" href="{nxt}">Xem thêm</a>'
                else:
                    more = (f'<div class="pager"><a href="{self.page_url(root, 1, form)}">1</a> '
                            f'<a href="{nxt}">{n + 1}</a> <a href="{nxt}">»</a></div>')
            inner = f"<h1>{root}</h1>{extra}<ul>" + "".join(self._item(a, dated) for a in chunk) + "</ul>" + more
            self.routes[self.page_url(root, n, form)] = _html(f"{root} trang {n}", inner, head, self._nav())

    def _nav(self) -> str:
        if self.shape in ("related_links", "feed_only"):
            return ""
        if self.shape == "listings_every_form":
            return "".join(f' <a href="{self.page_url("/muc-" + str(k), 1, f)}">Mục {k}</a>'
                           for k, f in enumerate(self.PAGINATION_FORMS))
        return "".join(f' <a href="/{s}">{s}</a>' for s in self.SECTIONS) + ' <a href="/tag/tinh-nha">#tỉnh nhà</a>'

    def _sections(self, form: str, dated: bool = True) -> None:
        for s in self.SECTIONS:
            self._listing(f"/{s}", [a for a in self.articles if a.section == s], form, dated)

    # -- building -----------------------------------------------------------------------------------
    def _home(self, newest: int = 3, head: str = "") -> None:
        inner = ("<ul>" + "".join(self._item(a) for a in self.articles[:newest]) + "</ul>"
                 f'<p><a href="{self.outside}/">Báo khác</a></p>')
        self.routes["/"] = _html("Trang chủ", inner, head, self._nav())
        self.routes["/gioi-thieu.html"] = _html("Giới thiệu", "<p>Giới thiệu tòa soạn.</p>")
        self.routes["/lien-he"] = _html("Liên hệ", "<p>Liên hệ.</p>")
        self.routes["/tag/tinh-nha"] = _html("tag", "<ul>" + "".join(self._item(a) for a in self.articles[:4]) + "</ul>")

    def _urlset(self, items: list[ZooArticle], news: bool = False, extra: list[str] = ()) -> Page:
        b = self.base
        if news:
            body = "".join(
                f"<url><loc>{b}{a.path}</loc><news:news><news:publication><news:name>Tin</news:name>"
                f"<news:language>vi</news:language></news:publication><news:publication_date>"
                f"{a.published.isoformat()}</news:publication_date><news:title>{a.title}</news:title>"
                "</news:news></url>" for a in items)
            return _xml('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{body}</urlset>')
        body = "".join(f"<url><loc>{b}{a.path}</loc><lastmod>{a.published.isoformat()}</lastmod></url>" for a in items)
        body += "".join(f"<url><loc>{b}{p}</loc></url>" for p in extra)
        return _xml(f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>')

    def _feed(self, items: list[ZooArticle]) -> Page:
        body = "".join(f"<item><title>{a.title}</title><link>{self.base}{a.path}</link>"
                       f"<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:%S +0700')}</pubDate></item>" for a in items)
        return _xml(f'<rss version="2.0"><channel><title>Tin</title>{body}</channel></rss>')

    def _robots(self, *sitemaps: str) -> None:
        text = "User-agent: *\nDisallow: /tim-kiem\n" + "".join(f"Sitemap: {self.base}{s}\n" for s in sitemaps)
        self.routes["/robots.txt"] = Page(body=text.encode(), headers={"Content-Type": "text/plain"})

    def build(self) -> None:
        self._make_articles()
        for i, a in enumerate(self.articles):
            self.routes[a.path] = self._article_page(i, a)
        getattr(self, f"_shape_{self.shape}")()

    def _shape_partial_sitemap(self):
        self._robots("/sitemap.xml")
        self.routes["/sitemap.xml"] = self._urlset(self.articles[::3])
        self._home()
        self._sections("query_page")

    def _shape_news_sitemap(self):
        self._robots("/sitemap-news.xml")
        self.routes["/sitemap-news.xml"] = self._urlset([a for a in self.articles if self.now - a.published
                                                         < timedelta(days=2)], news=True)
        self._home()
        self._sections("path_page")

    def _shape_feed_newest(self):
        self._robots()
        self.routes["/rss/tin-moi.rss"] = self._feed(self.articles[:3])
        self._home(head='<link rel="alternate" type="application/rss+xml" href="/rss/tin-moi.rss">')
        self._sections("path_trang")

    def _shape_feed_only(self):
        self._robots()
        self.routes["/feed"] = self._feed(self.articles)
        self._home(newest=2)

    def _shape_listings_every_form(self):
        self._robots()
        self._home(newest=1)
        for k, form in enumerate(self.PAGINATION_FORMS):
            items = [a for j, a in enumerate(self.articles) if j % len(self.PAGINATION_FORMS) == k
                     or (k == 0 and j >= 2 * len(self.PAGINATION_FORMS))]
            # two pages at least for every form: the second one holds an article of its own
            items = items + [a for a in self.articles if a not in items][:PER_PAGE + 1 - len(items)] \
                if len(items) <= PER_PAGE else items
            self._listing(f"/muc-{k}", items, form)

    def _shape_related_links(self):
        self._robots()
        self._home(newest=2)

    def _shape_moved_domain(self):
        self._robots("/sitemap.xml")
        self.routes["/sitemap.xml"] = self._urlset(self.articles[:6])
        self._home()
        self._sections("path_trang")

    def _shape_undated_listings(self):
        self._robots()
        self._home()
        self._sections("path_p", dated=False)
        self.routes["/"] = _html("Trang chủ", "<ul>" + "".join(self._item(a, False) for a in self.articles[:3])
                                 + "</ul>", nav=self._nav())

    def _shape_sitemap_non_articles(self):
        self._robots("/sitemap.xml")
        extra = ["/thoi-su", "/kinh-te", "/tag/tinh-nha", "/tac-gia/nguyen-van-a", "/gioi-thieu.html",
                 "/video", "/hoi-dap-ban-doc"]
        self.routes["/sitemap.xml"] = self._urlset(self.articles, extra=extra)
        self._home()
        # the sections list only the first half: the rest is in the sitemap alone
        half = self.articles[: self.n // 2]
        for s in self.SECTIONS:
            self._listing(f"/{s}", [a for a in half if a.section == s], "query_page")
        self.routes["/tac-gia/nguyen-van-a"] = _html("Tác giả", "<ul>" + self._item(self.articles[0]) + "</ul>")
        self.routes["/video"] = _html("Video", "<p>Chưa có video.</p>")
        self.routes["/hoi-dap-ban-doc"] = _html("Hỏi đáp", "<h1>Hỏi đáp bạn đọc</h1>" + "".join(
            f'<div class="q"><a href="/hoi-dap-ban-doc?q={k}">Câu hỏi {k}</a></div>' for k in range(30)))

    def _shape_traps(self):
        self._robots()
        self._home()
        self._sections("query_page")

    def _shape_deep_sections(self):
        self._robots()
        self._home(newest=1)
        for s in self.SECTIONS:
            subs = sorted({a.subsection for a in self.articles if a.section == s})
            links = "".join(f'<a href="/{sub}">Mục {sub}</a> ' for sub in subs)
            top = [a for a in self.articles if a.section == s][:1]
            self._listing(f"/{s}", top, "query_page", extra=f"<nav>{links}</nav>")
            for sub in subs:
                self._listing(f"/{sub}", [a for a in self.articles if a.subsection == sub], "xem_them")

    # -- content management systems whose article URLs carry their id in the query --------------------
    def _cms_sections(self, page_url, pager: str) -> None:
        for c, s in enumerate(self.SECTIONS, start=1):
            items = [a for a in self.articles if a.section == s]
            pages = [items[j:j + PER_PAGE] for j in range(0, len(items), PER_PAGE)]
            for n, chunk in enumerate(pages, start=1):
                if pager == "numbers":      # ASP.NET: "1 2 3 4", page 1 linked as ?page=1 too
                    more = " ".join(f'<a href="{page_url(c, m)}">{m}</a>' for m in range(1, len(pages) + 1))
                else:                       # WordPress "Tiếp »", Joomla "Tiếp" (offsets: &start=N)
                    more = f'<a href="{page_url(c, n + 1)}">Tiếp »</a>' if n < len(pages) else ""
                inner = "<ul>" + "".join(self._item(a) for a in chunk) + "</ul>" + more
                page = _html(f"{s} {n}", inner, nav=self._cms_nav(page_url))
                self.routes[page_url(c, n).replace("&amp;", "&")] = page
                if pager == "numbers" and n == 1:
                    self.routes[page_url(c, 0).replace("&amp;", "&")] = page

    def _cms_nav(self, page_url) -> str:
        return "".join(f' <a href="{page_url(c, 1)}">{s}</a>' for c, s in enumerate(self.SECTIONS, start=1))

    def _cms(self, page_url, pager: str) -> None:
        self._robots()
        self.routes["/"] = _html("Trang chủ", "<ul>" + "".join(self._item(a) for a in self.articles[:2]) + "</ul>",
                                 nav=self._cms_nav(page_url))
        self._cms_sections(page_url, pager)

    def _shape_cms_wordpress(self):
        slugs = {1: "thoi-su", 2: "kinh-te"}
        self._cms(lambda c, n: f"/category/{slugs[c]}/" + (f"page/{n}/" if n > 1 else ""), "next")

    def _shape_cms_joomla(self):
        self._cms(lambda c, n: f"/index.php?option=com_content&amp;view=category&amp;id={c}"
                  + (f"&amp;start={(n - 1) * PER_PAGE}" if n > 1 else ""), "next")

    def _shape_cms_aspnet(self):
        self._cms(lambda c, n: f"/tin-tuc/danh-sach.aspx?cat={c}" + (f"&amp;page={n}" if n else ""), "numbers")

    def _shape_sitemap_child_fails(self):
        self._robots("/sitemap_index.xml")
        b = self.base
        self.routes["/sitemap_index.xml"] = _xml(
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{b}/sitemaps/1.xml</loc></sitemap><sitemap><loc>{b}/sitemaps/2.xml</loc></sitemap>"
            "</sitemapindex>")
        self.routes["/sitemaps/1.xml"] = self._urlset(self.articles[: self.n // 2])
        self.routes["/sitemaps/2.xml"] = Page(500, b"<html>error</html>", {"Content-Type": "text/html"})
        self._home()
        self._sections("path_trang")

    # -- dynamic pages (traps) ----------------------------------------------------------------------
    def _dynamic(self, path: str, query: str) -> Page | None:
        if self.shape != "traps":
            return None
        q = dict(parse_qsl(query))
        if path.startswith("/lich/"):
            # an endless calendar: every day links the day before and the day after
            day = datetime.strptime(path[6:16], "%Y-%m-%d")
            prev, nxt = ((day + timedelta(days=d)).strftime("%Y-%m-%d") for d in (-1, 1))
            return _html(f"Lịch {day:%d/%m/%Y}", f'<a href="/lich/{prev}">Hôm trước</a> <a href="/lich/{nxt}">Hôm sau</a>'
                         f'<ul>{self._item(self.articles[0])}</ul>', nav=self._nav())
        if path in ("/thoi-su", "/kinh-te"):
            items = [a for a in self.articles if a.section == path[1:]]
            n = int(q.get("page", "1") or 1)
            chunk = items[(n - 1) * PER_PAGE: n * PER_PAGE] or items[-PER_PAGE:]   # past the end: the last page again
            sid = hashlib.sha1(f"{path}{n}{time.monotonic()}".encode()).hexdigest()[:10]
            inner = (f'<a href="{path}?sort=new">Mới nhất</a> <a href="{path}?sort=old">Cũ nhất</a> '
                     f'<a href="{path}?view=grid">Lưới</a> <a href="{path}?view=list&amp;page={n}">Danh sách</a> '
                     f'<a href="/lich/2024-06-07">Lịch</a> <a href="{path}/chuyen-muc/">Chuyên mục</a>'
                     "<ul>" + "".join(f'<li><a href="{a.path}?sid={sid}">Tin {a.title}</a> '
                                      f'<span class="time">{a.published:%d/%m/%Y %H:%M}</span></li>' for a in chunk)
                     + f'</ul><a href="{path}?page={n + 1}&amp;sid={sid}">Trang sau</a>')
            return _html(f"{path} {n}", inner, nav=self._nav())
        if path.startswith(("/thoi-su/chuyen-muc", "/kinh-te/chuyen-muc")):
            # a relative link resolved against the wrong base: /thoi-su/chuyen-muc/chuyen-muc/...
            return _html("Chuyên mục", '<a href="chuyen-muc/">Chuyên mục</a>', nav=self._nav())
        return None

    # -- serving --------------------------------------------------------------------------------------
    def start(self) -> str:
        def handler(path: str, query: str, headers) -> Page:
            page = self._dynamic(path, query)
            if page is not None:
                return page
            key = f"{path}?{query}" if query and f"{path}?{query}" in self.routes else path
            return self.routes.get(key, NOT_FOUND)

        server = _Server(self.host, handler, self.requests, self._lock, self.times)
        self._servers.append(server)
        self.base = server.base
        if self.shape == "moved_domain":
            old_host = self.host.rsplit(".", 1)[0] + "." + str(int(self.host.rsplit(".", 1)[1]) + 100)
            new = self.base

            def moved(path: str, query: str, headers) -> Page:
                return Page(301, b"", {"Location": new + path + (f"?{query}" if query else "")})

            old = _Server(old_host, moved, self.requests, self._lock, self.times)
            self._servers.append(old)
            self.old_base = old.base
        self.build()
        return self.start_url

    @property
    def start_url(self) -> str:
        return (self.old_base or self.base) + "/"

    def stop(self) -> None:
        for s in self._servers:
            s.stop()

    # -- what tests expect ----------------------------------------------------------------------------
    def expected(self) -> dict[str, datetime]:
        """Article URL (on the outlet's current host) -> its publication time."""
        return {self.base + a.path: a.published for a in self.articles}

    def hosts(self) -> set[str]:
        return {urlsplit(s.base).netloc for s in self._servers}


SHAPES = ("partial_sitemap", "news_sitemap", "feed_newest", "feed_only", "listings_every_form", "related_links",
          "moved_domain", "undated_listings", "sitemap_non_articles", "traps", "deep_sections",
          "sitemap_child_fails", "cms_wordpress", "cms_joomla", "cms_aspnet")
