"""Builds the bundled offline sample site from saved real pages (run by hand; the output is committed).

    python -m newsarchive.samples.make_site ../shared/corpus newsarchive/samples/site

The article pages are real pages of Vietnamese news sites, copied byte for byte but for one thing:
their links to their own site's other pages (relative links, which would resolve onto the sample
site where those pages do not exist) are pointed at ``#`` (``without_site_links``); links to other
hosts are kept. The home page, category pages (with pagination), robots.txt, sitemap.xml and RSS feed
are written here around them.
Dates and titles for the sitemap and feed come from the hand-made answer keys (corpus/gold).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

# (category slug, category name, [gold paths relative to corpus/gold]); page size 4 -> pagination.
CATEGORIES = [
    ("kinh-doanh", "Kinh doanh", [
        "tuoitre.vn/hoa-nhap-khau-8-3.json", "vietnamnet.vn/co-phieu-flc.json",
        "baodautu.vn/xu-phat-tien-son.json", "dantri.com.vn/gia-vang-giam.json",
        "nld.com.vn/sai-sot-ho-kinh-doanh.json", "cafef.vn/chuyen-muc-dich-dat.json",
        "cafef.vn/mbs-30-co-phieu.json",
    ]),
    ("xa-hoi", "Xã hội", [
        "baochinhphu.vn/chinh-sach-moi-202603.json", "nld.com.vn/thieu-tien-hui-2012.json",
        "dantri.com.vn/lich-nghi-tet-2013.json", "thanhnien.com.vn/bong-hong-ma-tuy-2012.json",
    ]),
    ("the-gioi", "Thế giới", ["vnexpress.net/cu-soc-nang-luong.json", "genk.vn/amazon-chien-luoc-2012.json"]),
]
PAGE_SIZE = 4
SITE_NAME = "Tin Tỉnh (trang mẫu ngoại tuyến)"
BASE = "{{BASE}}"   # replaced by the serving origin (newsarchive.samples.server) when served


# an <a href> that stays on the page's own site (relative, not a fragment or another scheme)
SITE_LINK = re.compile(rb"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(?!https?:|#|mailto:|javascript:|tel:|//)[^"']*\2""", re.I)


def without_site_links(page_bytes: bytes) -> bytes:
    """A real page moved onto another site: its relative links point at ``#`` (see the docstring)."""
    return SITE_LINK.sub(rb"\1\2#\2", page_bytes)


def article_path(gold: dict) -> str:
    """The article keeps the last segment of its real URL, so its URL has a real outlet's shape."""
    return "/bai-viet/" + gold["url"].rstrip("/").rsplit("/", 1)[-1]


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)} | {html.escape(SITE_NAME)}</title>"
        '<link rel="alternate" type="application/rss+xml" title="Tin mới" href="/rss/tin-moi.rss">'
        "</head><body>"
        f'<header><a href="/">{html.escape(SITE_NAME)}</a><nav>'
        + "".join(f'<a href="/chuyen-muc/{slug}/">{html.escape(name)}</a> ' for slug, name, _ in CATEGORIES)
        + '<a href="/gioi-thieu.html">Giới thiệu</a></nav></header>'
        f"<main>{body}</main><footer>Trang mẫu dựng từ các bài báo thật, dùng cho demo và kiểm thử.</footer>"
        "</body></html>\n"
    )


def main(corpus: Path, out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    (out / "bai-viet").mkdir(parents=True)
    items = []  # (path, title, published, category)
    for slug, name, golds in CATEGORIES:
        entries = []
        for rel in golds:
            gold = json.loads((corpus / "gold" / rel).read_text("utf-8"))
            path = article_path(gold)
            (out / path.lstrip("/")).write_bytes(without_site_links((corpus / gold["page"]).read_bytes()))
            entries.append((path, gold["title"], gold["published"]))
            items.append((path, gold["title"], gold["published"], name))
        pages = [entries[i:i + PAGE_SIZE] for i in range(0, len(entries), PAGE_SIZE)]
        for number, chunk in enumerate(pages, start=1):
            links = "".join(
                f'<article><h3><a href="{p}">{html.escape(t)}</a></h3><time datetime="{d}">{d[:10]}</time></article>'
                for p, t, d in chunk
            )
            nav = ""
            if number < len(pages):
                nav = f'<a class="next" rel="next" href="/chuyen-muc/{slug}/trang-{number + 1}.html">Trang sau</a>'
            target = out / "chuyen-muc" / slug / ("index.html" if number == 1 else f"trang-{number}.html")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page(name, f"<h1>{html.escape(name)}</h1>{links}{nav}"), "utf-8")
    latest = sorted(items, key=lambda i: i[2], reverse=True)
    home = "".join(f'<h2><a href="{p}">{html.escape(t)}</a></h2>' for p, t, _, _ in latest[:5])
    home += '<p><a href="/bai-viet/bai-viet-da-bi-go-khoi-trang-20260301000001.htm">Bài viết đã gỡ (liên kết hỏng, để thử lỗi 404)</a></p>'
    (out / "index.html").write_text(page("Trang chủ", home), "utf-8")
    (out / "gioi-thieu.html").write_text(
        page("Giới thiệu", "<h1>Giới thiệu</h1><p>Trang tĩnh: không phải bài báo.</p>"), "utf-8")
    (out / "robots.txt").write_text(
        f"User-agent: *\nDisallow: /tim-kiem\nSitemap: {BASE}/sitemap.xml\n", "utf-8")
    urls = "".join(
        f"<url><loc>{BASE}{p}</loc><lastmod>{d}</lastmod></url>" for p, _, d, _ in latest)
    (out / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n', "utf-8")
    rss_items = "".join(
        f"<item><title>{html.escape(t)}</title><link>{BASE}{p}</link><category>{html.escape(c)}</category>"
        f"<pubDate>{format_datetime(datetime.fromisoformat(d))}</pubDate></item>"
        for p, t, d, c in latest)
    (out / "rss").mkdir()
    (out / "rss" / "tin-moi.rss").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{html.escape(SITE_NAME)}</title><link>{BASE}/</link><language>vi</language>"
        f"{rss_items}</channel></rss>\n", "utf-8")
    print(f"wrote {sum(1 for _ in out.rglob('*') if _.is_file())} files to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
