"""Helpers for the archive tests: a copy of the sample site that can be edited between crawls."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from newsarchive.archive import layout as L
from newsarchive.archive.lines import iter_lines
from newsarchive.samples.server import SAMPLE_SITE

# Crawl settings that revisit every archived article on every run (so edits are seen).
REVISIT_ALL = {"NEWSARCHIVE_REVISIT": "5200w=0"}


def local_crawl_settings(archive: Path, **extra) -> dict:
    """Settings for a fast crawl of a site on 127.0.0.1 writing its archive into `archive`."""
    return {"ARCHIVE_DIR": str(archive), "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True,
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 4, **extra}


def copy_site(dest: Path) -> Path:
    shutil.copytree(SAMPLE_SITE, dest)
    return dest


def run_records(archive: Path, run_id: str) -> list[dict]:
    path = L.run_dir(archive, run_id) / L.ARTICLES
    return [json.loads(line) for _, line in iter_lines(path)] if path.exists() else []


def page_file(site: Path, record: dict) -> Path:
    """The file of the sample site that served a record."""
    return site / record["final_url"].split("/", 3)[3]


def edit_body(site: Path, record: dict, insert: str) -> None:
    """Add a sentence to one paragraph of the article's body in its HTML file. Works on the parsed
    page (the HTML may spell the text with entities or decomposed accents) and checks with the
    extractor that the body really changed."""
    import unicodedata

    import lxml.html

    from newsarchive.extract import extract_article

    path = page_file(site, record)
    raw = path.read_bytes()
    paragraphs = [p for p in record["body"].split("\n\n") if len(p.split()) >= 8]
    for para in paragraphs[1:] + paragraphs[:1]:
        probe = " ".join(para.split()[:6])
        doc = lxml.html.document_fromstring(raw.decode("utf-8"))  # the sample pages are UTF-8
        for el in doc.iter("p", "div", "span", "td"):
            text = unicodedata.normalize("NFC", " ".join(el.text_content().split()))
            if not text.startswith(probe) or el.find(".//p") is not None or el.find(".//div") is not None:
                continue
            el.text = insert + " " + (el.text or "")
            edited = lxml.html.tostring(doc, encoding="utf-8", doctype="<!DOCTYPE html>")
            if insert in extract_article(edited, url=record["final_url"]).body:
                path.write_bytes(edited)
                return
            el.text = (el.text or "")[len(insert) + 1:]
    raise AssertionError(f"no paragraph of {path.name} could be edited")


def add_copy(site: Path, record: dict, new_name: str, new_url: str) -> Path:
    """A new article: a copy of `record`'s page under a new path and canonical URL, linked from the
    home page and listed in the sitemap."""
    src = page_file(site, record)
    html = src.read_text("utf-8")
    for old in filter(None, {record.get("canonical_url"), record.get("final_url")}):
        html = html.replace(old, new_url)
    dest = src.parent / new_name
    dest.write_text(html, "utf-8")
    home = site / "index.html"
    rel = "/" + dest.relative_to(site).as_posix()
    home.write_text(re.sub("<main>", f'<main><h2><a href="{rel}">Bài mới</a></h2>', home.read_text("utf-8"), count=1),
                    "utf-8")
    sitemap = site / "sitemap.xml"
    entry = f"<url><loc>{{{{BASE}}}}{rel}</loc><lastmod>2026-03-08T09:00:00+07:00</lastmod></url>"
    sitemap.write_text(sitemap.read_text("utf-8").replace("</urlset>", entry + "</urlset>"), "utf-8")
    return dest


def article(i: int, body: str | None = None, site: str = "baolamdong.vn", published: str = "2026-03-07T08:00:00+07:00",
            **fields):
    """A synthetic, valid Article (for library tests that need no crawl)."""
    from newsarchive.article import Article, ArticleImage

    a = Article(url=f"https://{site}/tin-tuc/bai-{i}.html", site=site, outlet=fields.pop("outlet", "Báo Lâm Đồng"),
                title=fields.pop("title", f"Bài số {i}"), lead=fields.pop("lead", f"Tóm tắt bài {i}."),
                body=body if body is not None else f"Đoạn một của bài {i}.\n\nĐoạn hai của bài {i}.",
                published_at=published, published_raw=published, published_from="meta",
                fetched_at="2026-03-07T02:00:00+00:00", http_status=200, language="vi",
                images=[ArticleImage(url=f"https://{site}/anh/{i}.jpg", caption="Ảnh minh họa")], **fields)
    return a.finalise()


def fake_page(url: str, body: bytes = b"<html><body>x</body></html>", status: int = 200) -> dict:
    return {"url": url, "final_url": url, "status": status, "protocol": "HTTP/1.1",
            "headers": {"Content-Type": ["text/html; charset=utf-8"], "Server": ["test"]},
            "request_headers": {"User-Agent": ["newsarchive-test"], "Accept": ["text/html"]},
            "method": "GET", "body": body, "fetched_at": "2026-03-07T02:00:00+00:00"}
