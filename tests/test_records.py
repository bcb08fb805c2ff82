import pytest

from newsarchive.records import RecordError, record_from_page


def page(body: bytes, ctype="text/html; charset=utf-8"):
    return {"url": "http://127.0.0.1/a.html", "final_url": "http://127.0.0.1/a.html", "status": 200,
            "headers": {"Content-Type": [ctype]}, "body": body, "fetched_at": "2026-01-01T00:00:00+00:00"}


@pytest.mark.parametrize("body, ctype, kind", [
    (b"", "text/html", "empty"),
    (b"   \n ", "text/html", "empty"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, "image/png", "binary"),
    (b"\x00\x01\x02" * 2000, "text/html", "binary"),
    ("<html><body><nav><a href='/a'>Trang chủ</a></nav></body></html>".encode(), "text/html", "not_article"),
])
def test_pages_without_an_article_raise_a_named_record_error(body, ctype, kind):
    with pytest.raises(RecordError) as info:
        record_from_page(page(body, ctype))
    assert info.value.kind == kind


def test_fetch_metadata_is_added_to_the_record(tmp_path):
    from newsarchive.samples.server import SAMPLE_SITE

    body = next((SAMPLE_SITE / "bai-viet").glob("cach-cac-nuoc-doi-pho*.html")).read_bytes()
    p = page(body)
    p["url"] = "http://127.0.0.1/redirected-from"
    article = record_from_page(p, run_id="run-1")
    assert article.url == "http://127.0.0.1/redirected-from"
    assert article.final_url == "http://127.0.0.1/a.html"
    assert (article.http_status, article.run_id, article.fetched_at) == (200, "run-1", "2026-01-01T00:00:00+00:00")
    assert article.content_hash and article.id


def test_registry_outlet_names_site_outlet_and_province():
    from newsarchive.samples.server import SAMPLE_SITE

    body = next((SAMPLE_SITE / "bai-viet").glob("cach-cac-nuoc-doi-pho*.html")).read_bytes()
    p = page(body)
    p["url"] = p["final_url"] = "https://lamdongtv.vn/tin-tuc/tap-huan-truyen-thong-123456.html"
    article = record_from_page(p)
    assert article.site == "lamdongtv.vn"
    assert article.outlet and "Lâm Đồng" in article.outlet
    assert article.province == "Lâm Đồng"


def test_outlet_without_profile_is_named_by_its_host_even_an_ip_address():
    from newsarchive.samples.server import SAMPLE_SITE

    body = next((SAMPLE_SITE / "bai-viet").glob("cach-cac-nuoc-doi-pho*.html")).read_bytes()
    article = record_from_page(page(body))  # http://127.0.0.1/a.html
    assert (article.site, article.outlet, article.province) == ("127.0.0.1", None, None)


@pytest.mark.parametrize("cores, workers", [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (16, 4)])
def test_default_workers_per_machine_size(cores, workers):
    from newsarchive.records import default_workers

    assert default_workers(cores) == workers
