from newsarchive.article import Article, ArticleImage, ArticleVideo, Capture, Extraction, article_id


def make() -> Article:
    return Article(
        url="https://lamdongtv.vn/tin-tuc/tap-huan-123.html",
        canonical_url="https://lamdongtv.vn/tin-tuc/tap-huan-123.html",
        title="Tập huấn Truyền thông quảng bá, hình ảnh Việt Nam",
        lead="Lamdongtv.vn - Tại TP Đà Lạt, Bộ Thông tin và Truyền thông phối hợp…",
        body="Đoạn một.\n\nĐoạn hai.",
        authors=["Lô Thanh"],
        published_at="2024-06-07T06:55:00+07:00",
        published_raw="Thứ sáu, 07/06/2024 - 06:55",
        published_from="visible",
        images=[ArticleImage(url="https://lamdongtv.vn/a.jpg", caption="Quang cảnh", credit="Lô Thanh")],
        videos=[ArticleVideo(url="https://lamdongtv.vn/v.m3u8", kind="hls")],
        capture=Capture(warc_file="runs/x/captures.warc.gz", offset=10, length=200, record_id="<urn:uuid:1>"),
        extraction=Extraction(method="test", warnings=["w"], sources={"title": "h1"}),
    ).finalise()


def test_round_trip_through_dict_keeps_every_field():
    a = make()
    assert Article.from_dict(a.to_dict()) == a


def test_from_dict_ignores_unknown_keys_for_forward_compatibility():
    d = make().to_dict()
    d["future_field"] = 1
    d["images"][0]["future"] = 2
    assert Article.from_dict(d) == make()


def test_finalise_derives_id_word_count_and_hash():
    a = make()
    assert a.id == article_id(a.canonical_url)
    assert len(a.id) == 16
    assert a.word_count == len((a.title + " " + a.lead + " " + a.body).split())
    b = make()
    b.body += " Sửa."
    assert b.finalise().content_hash != a.content_hash


def test_article_id_ignores_scheme_www_fragment_and_trailing_slash():
    assert article_id("https://www.baolamdong.vn/a/") == article_id("http://baolamdong.vn/a#top")
    assert article_id("https://baolamdong.vn/a") != article_id("https://baolamdong.vn/b")


def test_empty_text_has_no_content_hash():
    assert Article(url="https://x.vn/").finalise().content_hash is None
