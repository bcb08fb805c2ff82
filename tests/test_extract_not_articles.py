"""No article lost to a guess: the not-an-article decision (newsarchive.extract.classify) and its
accounting in a crawl.

A page is refused only on strong evidence (no text, a clear listing, a section page); on weak
evidence it is archived with a low confidence and a warning, never lost to a guess.
Every page judged not an article is counted by kind in the run, kept in the WARC, listed in the
run's not_articles.tsv.zst with its capture, said in the run summary, and `newsarchive reextract
--not-articles` tries exactly those pages again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawling import run_spider
from newsarchive.archive import layout as L
from newsarchive.archive.reextract import not_articles, reextract
from newsarchive.archive.warc import read_response
from newsarchive.cli import main
from newsarchive.cli.crawl_cmd import summarise
from newsarchive.extract import NotAnArticle, extract_article
from newsarchive.extract.classify import UNSURE

PAGES = Path(__file__).parent / "fixtures" / "pages"
LISTINGS = sorted(p for p in PAGES.glob("*/*.html") if not p.with_suffix(".json").exists())
KEYS = sorted(PAGES.glob("*/*.json"))

# An article with a headline and running text but no date, no byline and no article metadata: the
# evidence says little either way (a press release, an "about" page look the same).
UNDATED = ("<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Hợp tác xã chè {n} mở rộng vùng "
           "nguyên liệu - Báo Tỉnh</title></head><body><nav><a href='/'>Trang chủ</a></nav><main>"
           "<h1>Hợp tác xã chè {n} mở rộng vùng nguyên liệu</h1>"
           + "".join(f"<p>Đoạn {i}: hợp tác xã đã ký hợp đồng bao tiêu với các hộ dân trong xã, hỗ trợ giống và "
                     f"phân bón, hướng dẫn kỹ thuật canh tác an toàn để nâng cao chất lượng búp chè và thu nhập.</p>"
                     for i in range(8))
           + "</main></body></html>")


@pytest.mark.parametrize("page", LISTINGS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_listing_reached_as_an_article_is_still_refused(page: Path) -> None:
    """The listing and home pages beside the answer keys are strong evidence: refused even when a
    sitemap called them articles."""
    with pytest.raises(NotAnArticle) as info:
        extract_article(page.read_bytes(), url=f"https://{page.parent.name}/bai-viet.html", reached_as="sitemap")
    assert info.value.kind in ("listing", "no-text")


@pytest.mark.parametrize("key", KEYS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_real_articles_are_confident(key: Path) -> None:
    gold = json.loads(key.read_text(encoding="utf-8"))
    article = extract_article(key.with_suffix(".html").read_bytes(), url=gold["url"])
    assert article.extraction.confidence is not None and article.extraction.confidence >= UNSURE
    assert not [w for w in article.extraction.warnings if "not sure" in w]


def test_weak_evidence_never_refuses_a_page() -> None:
    """No date, no byline, no metadata: in doubt, the page is kept with a low confidence and the
    reason, whether or not a crawl reached it as an article."""
    html = UNDATED.format(n="Tân Cương")
    for reached_as, how in ((None, "the evidence is weak either way"), ("feed", "the crawl reached it as an article")):
        article = extract_article(html, url="https://baotinh.example/hop-tac-xa.html", reached_as=reached_as)
        assert article.title == "Hợp tác xã chè Tân Cương mở rộng vùng nguyên liệu"
        assert len(article.body.split("\n\n")) == 8
        assert article.extraction.confidence < UNSURE
        assert any(w.startswith("not sure this page is an article (no article date, metadata or long text)")
                   and w.endswith(how) for w in article.extraction.warnings)


def test_weak_evidence_refuses_a_page_nothing_listed_as_an_article() -> None:
    """The crawl read the page as a possible section page (a hub) and nothing listed it as an article:
    in doubt, it is refused (and listed with the run's not-articles, so reextract can try it again)."""
    html = UNDATED.format(n="Tân Cương")
    with pytest.raises(NotAnArticle) as info:
        extract_article(html, url="https://baotinh.example/hop-tac-xa", reached_as="hub")
    assert "nothing listed it as one" in info.value.reason


def test_no_text_is_strong_evidence() -> None:
    html = "<html><body><h1>Trang không tồn tại</h1><p>Xin lỗi.</p></body></html>"
    with pytest.raises(NotAnArticle) as info:
        extract_article(html, url="https://baotinh.example/a.html", reached_as="sitemap")
    assert info.value.kind == "no-text"


def _site(root: Path) -> Path:
    """A small outlet: its sitemap lists a real article, an undated article and a category page."""
    site = root / "site"
    (site / "bai-viet").mkdir(parents=True)
    names = ["co-phieu-flc-duoc-giao-dich-tro-lai-2495349.html", "kinh-te-thi-truong-196260307.htm",
             "hop-tac-xa-che-tan-cuong-mo-rong-vung-nguyen-lieu-102260228.htm"]
    shutil.copy(PAGES / "vietnamnet.vn" / "co-phieu-flc.html", site / "bai-viet" / names[0])
    shutil.copy(PAGES / "nld.com.vn" / "list-kinh-te.html", site / "bai-viet" / names[1])
    (site / "bai-viet" / names[2]).write_text(UNDATED.format(n="Tân Cương"), "utf-8")
    (site / "robots.txt").write_text("User-agent: *\nSitemap: {{BASE}}/sitemap.xml\n", "utf-8")
    (site / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{{{{BASE}}}}/bai-viet/{n}</loc><lastmod>2026-03-07T08:00:00+07:00</lastmod></url>"
                  for n in names)
        + "</urlset>", "utf-8")
    (site / "index.html").write_text("<html><body>" + "".join(f'<a href="/bai-viet/{n}">{n}</a>' for n in names)
                                     + "</body></html>", "utf-8")
    return site


def test_a_crawl_counts_keeps_and_lists_the_pages_judged_not_articles(http_server, tmp_path) -> None:
    from archive_helpers import local_crawl_settings

    archive = tmp_path / "archive"
    base = http_server(_site(tmp_path))
    crawl = run_spider("outlet", local_crawl_settings(archive), start_urls=[base + "/"])
    assert crawl.finish_reason == "finished"
    assert crawl.stat("newsarchive/articles_archived") == 2       # the undated article is not lost
    assert crawl.stat("newsarchive/not_article/listing") == 1
    assert crawl.stat("newsarchive/articles_unsure") == 1
    (run,) = L.list_run_dirs(archive)
    manifest = json.loads((run / L.MANIFEST).read_text())
    assert manifest["counts"]["not_article/listing"] == 1 and manifest["counts"]["not_articles_listed"] == 1
    assert L.NOT_ARTICLES in manifest["files"]
    (listed,) = not_articles(run)
    assert listed["url"].endswith("/bai-viet/kinh-te-thi-truong-196260307.htm") and listed["kind"] == "listing" and listed["reason"]
    # the page is in the WARC, at the pointer the list gives
    capture = {"warc_file": listed["warc_file"], "offset": int(listed["offset"]), "length": int(listed["length"]),
               "record_id": listed["record_id"]}
    page = read_response(archive, capture)
    assert page["body"] == (PAGES / "nld.com.vn" / "list-kinh-te.html").read_bytes()
    # the run summary says how many and why
    text = "\n".join(summarise(crawl.stats, [], crawl.finish_reason, 1.0))
    assert "Judged not articles: 1 (listing 1)" in text and "not sure they are articles: 1" in text
    # reextract --not-articles tries that page (and only it) again
    result = reextract(archive, [run.name], into=tmp_path / "again", not_articles_only=True)
    assert result["captures"] == 1 and result["not_article/listing"] == 1
    (again,) = L.list_run_dirs(tmp_path / "again")
    assert [r["url"] for r in not_articles(again)] == [listed["url"]]
    res = CliRunner().invoke(main, ["reextract", run.name, "--archive", str(archive), "--into", str(tmp_path / "cli"),
                                    "--not-articles", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["captures"] == 1
