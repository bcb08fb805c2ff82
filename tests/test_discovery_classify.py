"""Article-or-not for URLs: generic rules, profile patterns, and what sitemaps taught."""

import pytest

from newsarchive.discovery.classify import UrlClassifier

ARTICLES = [  # real article URLs of Vietnamese outlets (corpus MANIFEST)
    "https://baochinhphu.vn/chinh-sach-moi-co-hieu-luc-tu-thang-3-2026-102260228093004191.htm",
    "https://baodautu.vn/xu-phat-giam-doc-tai-chinh-tap-doan-tien-son-thanh-hoa-vi-thao-tung-co-phieu-d538952.html",
    "https://cafef.vn/tang-ho-tro-giam-ap-luc-tai-chinh-khi-chuyen-muc-dich-su-dung-dat-188260307071033787.chn",
    "https://vietnamnet.vn/co-phieu-flc-duoc-giao-dich-tro-lai-2495349.html",
    "http://www.thanhnien.com.vn/pages/20121219/5-bong-hong-buon-ma-tuy-lanh-an.aspx",
    "http://vnexpress.net/gl/ban-doc-viet/tam-su/2012/12/vo-ngoai-tinh-sau-nhung-lan-bi-toi-danh-dap-da-man/",
]
NOT_ARTICLES = [
    "https://baochinhphu.vn/chinh-sach-va-cuoc-song/chinh-sach-moi.htm",
    "https://cafef.vn/thi-truong-chung-khoan.chn",
    "https://vnexpress.net/kinh-doanh",
    "https://vnexpress.net/kinh-doanh-p2",
    "https://x.vn/tag/kinh-te",
    "https://x.vn/tim-kiem?q=lam+dong",
    "https://x.vn/thoi-su/trang-3",
    "https://x.vn/thoi-su?page=3",
    "https://x.vn/video",
    "https://x.vn/lien-he.html",
    "https://x.vn/",
    "https://x.vn/uploads/anh-dep-1234567.jpg",
]


@pytest.mark.parametrize("url", ARTICLES)
def test_article_urls(url):
    assert UrlClassifier().is_article(url), UrlClassifier().classify(url)


@pytest.mark.parametrize("url", NOT_ARTICLES)
def test_not_article_urls(url):
    assert not UrlClassifier().is_article(url), UrlClassifier().classify(url)


def test_profile_patterns_come_first():
    c = UrlClassifier(article_patterns=[r"-postid\d+\.bbg$"], not_article_patterns=[r"^/video/"])
    assert c.classify("https://baobacninhtv.vn/tin-ngan-postid42.bbg").rule == "profile"
    assert c.is_article("https://baobacninhtv.vn/tin-ngan-postid42.bbg")
    assert not c.is_article("https://x.vn/video/ban-tin-toi-nay-1234567.html")


def test_learns_the_outlets_article_shape_from_its_sitemap():
    c = UrlClassifier()
    url = "https://tinh.vn/bai-viet/le-hoi-hoa.html"      # too short for the generic rules
    assert not c.is_article(url)
    c.learn("https://tinh.vn/bai-viet/mua-hoa-da-lat.html")
    assert c.is_article(url)
    assert not c.is_article("https://tinh.vn/chuyen-muc")   # other shapes stay what they were


def test_url_shapes_keep_the_query_signature():
    from newsarchive.discovery.classify import shape_from_json, url_shape

    art = url_shape("https://x.vn/index.php?option=com_content&view=article&id=5")
    cat = url_shape("https://x.vn/index.php?option=com_content&view=category&id=3")
    assert art != cat and art == url_shape("https://x.vn/index.php?option=com_content&view=article&id=77")
    assert url_shape("https://x.vn/?p=123") == url_shape("https://x.vn/?p=456")
    import json

    assert shape_from_json(json.loads(json.dumps(art))) == art


def test_learning_an_article_shape_with_a_query_does_not_take_its_categories():
    from newsarchive.discovery.classify import UrlClassifier

    c = UrlClassifier()
    c.learn("https://x.vn/index.php?option=com_content&view=article&id=5")
    assert c.is_article("https://x.vn/index.php?option=com_content&view=article&id=9")
    assert not c.is_article("https://x.vn/index.php?option=com_content&view=category&id=9")
