"""Bad pages never crash the extractor: they give NotAnArticle or an Article with warnings."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from newsarchive.extract import NotAnArticle, classify_page, extract_article
from newsarchive.extract.charset import decode_html

PAGES = Path(__file__).parent / "fixtures" / "pages"
ARTICLE = PAGES / "nld.com.vn" / "sai-sot-ho-kinh-doanh.html"
URL = "https://example.vn/bai-viet-123.html"

PARAS = [
    "Sáng nay, Ủy ban nhân dân tỉnh tổ chức hội nghị tổng kết công tác năm và triển khai nhiệm vụ năm tới với sự tham dự của nhiều đại biểu.",
    "Phát biểu tại hội nghị, lãnh đạo tỉnh nhấn mạnh yêu cầu đẩy mạnh cải cách hành chính, nâng cao chất lượng phục vụ người dân và doanh nghiệp.",
    "Các địa phương cũng được giao nhiệm vụ rà soát, đánh giá kết quả thực hiện các chương trình mục tiêu quốc gia trong năm qua một cách cụ thể.",
]


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Encode as windows-1258 does: base letter (with its vowel mark) + a combining tone mark."""
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONE_MARKS))
        marks = "".join(c for c in d if c in TONE_MARKS)
        out.append(base.encode("cp1258") + marks.encode("cp1258"))
    return b"".join(out)


def simple_page(body_html: str = "", head: str = "", charset: str = "utf-8") -> str:
    paras = body_html or "".join(f"<p>{p}</p>" for p in PARAS)
    return (
        f'<html lang="vi"><head><meta charset="{charset}"><title>Hội nghị tổng kết năm - Báo Tỉnh</title>{head}</head><body>'
        '<h1 class="headline">Hội nghị tổng kết năm của tỉnh</h1>'
        '<div class="date">Thứ hai, 06/01/2025 - 09:30</div>'
        f'<div class="post-body">{paras}<p style="text-align:right"><b>Minh Anh</b></p></div></body></html>'
    )


@pytest.mark.parametrize("data", [b"", b"   \n\t ", "", None], ids=["empty-bytes", "blank-bytes", "empty-str", "none"])
def test_empty_pages_are_not_articles(data) -> None:
    with pytest.raises(NotAnArticle) as info:
        extract_article(data, url=URL)
    assert info.value.kind == "empty"


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, b"%PDF-1.7\n" + bytes(2000), bytes(range(256)) * 100],
    ids=["png", "pdf", "random-bytes"],
)
def test_binary_content_is_not_an_article(data: bytes) -> None:
    with pytest.raises(NotAnArticle) as info:
        extract_article(data, url=URL)
    assert info.value.kind == "binary"


def test_truncated_page_still_gives_the_article() -> None:
    import json

    gold = json.loads(ARTICLE.with_suffix(".json").read_text(encoding="utf-8"))
    data = ARTICLE.read_bytes()
    # cut the download in the middle of the body: 12 paragraphs after the content starts, mid-tag
    at = data.index(b'data-role="content"')
    for _ in range(12):
        at = data.index(b"</p>", at) + 4
    article = extract_article(data[: at - 2], url=URL)
    assert article.title == gold["title"]
    assert gold["body"][0] in article.body and len(article.body.split()) > 150


def test_page_cut_inside_a_multibyte_character() -> None:
    page = simple_page().encode("utf-8")
    idx = page.index("Phát".encode()) + 2  # inside the two-byte "á"
    article = extract_article(page[:idx], url=URL)
    assert article.title == "Hội nghị tổng kết năm của tỉnh"


def test_twenty_megabyte_page_is_cut_with_a_warning() -> None:
    filler = "<div class='x'><p>" + "lorem ipsum " * 80 + "</p></div>\n"
    big = simple_page().replace("</body>", filler * (20_000_000 // len(filler)) + "</body>").encode("utf-8")
    assert len(big) > 19_000_000
    article = extract_article(big, url=URL)
    assert any("cut to" in w for w in article.extraction.warnings)
    assert article.title


def test_deeply_nested_page_does_not_crash() -> None:
    deep = "<div>" * 5000 + "".join(f"<p>{p}</p>" for p in PARAS) + "</div>" * 5000
    try:
        article = extract_article(simple_page(body_html=deep), url=URL)
    except NotAnArticle as exc:
        assert exc.reason
    else:
        assert article.title


@pytest.mark.parametrize(
    "jsonld",
    [
        '{"@type": "NewsArticle", "headline": "X", "datePublished": "2025-01-06T09:30:00+07:00",}',
        '{"@type": "NewsArticle", "headline": "X"',
        "not json at all {{{",
        '[{"@type": ["NewsArticle"], "author": [{"@type": "Person", "name": null}], "datePublished": 20250106}]',
    ],
    ids=["trailing-comma", "unclosed", "garbage", "odd-types"],
)
def test_broken_json_ld_is_survived(jsonld: str) -> None:
    head = f'<script type="application/ld+json">{jsonld}</script>'
    article = extract_article(simple_page(head=head), url=URL)
    assert article.published_at == "2025-01-06T09:30:00+07:00"
    assert article.authors == ["Minh Anh"]


def test_trailing_comma_json_ld_is_repaired_and_warned() -> None:
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2025-01-06T09:30:00+07:00",}</script>'
    article = extract_article(simple_page(head=head), url=URL)
    assert any("JSON-LD" in w for w in article.extraction.warnings)


def test_windows_1258_page_is_decoded_and_composed() -> None:
    data = to_cp1258(simple_page(charset="windows-1258"))
    article = extract_article(data, url=URL)
    assert article.title == "Hội nghị tổng kết năm của tỉnh"
    assert unicodedata.is_normalized("NFC", article.body)
    assert "Ủy ban nhân dân" in article.body


def test_http_header_charset_wins_over_meta() -> None:
    data = to_cp1258(simple_page(charset="iso-8859-1"))
    article = extract_article(data, url=URL, headers={"Content-Type": "text/html; charset=windows-1258"})
    assert article.title == "Hội nghị tổng kết năm của tỉnh"


def test_wrong_declared_charset_utf8_bytes() -> None:
    data = simple_page(charset="iso-8859-1").encode("utf-8")
    article = extract_article(data, url=URL)
    assert article.title == "Hội nghị tổng kết năm của tỉnh"
    assert any("UTF-8" in w for w in article.extraction.warnings)


# A UTF-8 page with a few invalid bytes (a legacy-encoded word pasted in, a string cut mid-character):
# UTF-8 (declared or detected) wins over a legacy guess; the invalid bytes become U+FFFD, with a warning.
PASTED = "Phát biểu".encode("utf-8"), b"Ph\xe1t bi\xea\xf9u"     # the word in windows-1258


def _with_invalid_bytes(page: bytes) -> bytes:
    bad = page.replace(*PASTED, 1)
    assert bad != page
    return bad.replace("nhân dân".encode("utf-8"), "nhân d".encode("utf-8") + "â".encode("utf-8")[:1] + b"n", 1)  # â cut


@pytest.mark.parametrize("headers, meta", [
    ({"Content-Type": "text/html; charset=utf-8"}, "utf-8"),          # declared twice
    ({"Content-Type": "text/html; charset=UTF-8"}, "windows-1258"),   # the header says UTF-8, the meta a legacy charset
    (None, "utf-8"),                                                  # declared in the page only
    ({"Content-Type": "text/html"}, None),                            # declared nowhere: detected
    ({"Content-Type": "text/html; charset=iso-8859-1"}, None),        # a server default that is wrong
])
def test_a_mostly_utf8_page_with_invalid_bytes_is_utf8_with_replacements_and_a_warning(headers, meta) -> None:
    html = simple_page(charset=meta or "utf-8")
    if meta is None:
        html = html.replace('<meta charset="utf-8">', "")
    data = _with_invalid_bytes(html.encode("utf-8"))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    article = extract_article(data, url=URL, headers=headers)
    assert article.title == "Hội nghị tổng kết năm của tỉnh"
    assert PARAS[0].split(",")[0] in article.body                     # every other Vietnamese word intact
    assert "\ufffd" in article.body and "Ph\ufffdt" in article.body
    warning = next(w for w in article.extraction.warnings if "invalid UTF-8" in w)
    assert warning.startswith("4 invalid UTF-8 byte sequence(s) replaced by U+FFFD")


def test_a_real_utf8_page_with_a_few_invalid_bytes_keeps_its_fields() -> None:
    import json

    gold = json.loads(ARTICLE.with_suffix(".json").read_text("utf-8"))
    data = bytearray(ARTICLE.read_bytes())
    body_start = data.index(b"<body")
    for offset in (body_start + 200, len(data) // 2, len(data) - 500):    # a lone byte >= 0x80 is never UTF-8
        data[offset:offset] = b"\xff"
    article = extract_article(bytes(data), url=URL, headers={"Content-Type": "text/html; charset=utf-8"})
    assert article.title == gold["title"], ARTICLE
    assert any(w.startswith("3 invalid UTF-8") for w in article.extraction.warnings)


@pytest.mark.parametrize("headers", [{"Content-Type": "text/html; charset=utf-8"}, None])
def test_a_legacy_page_that_claims_utf8_is_still_read_in_its_charset(headers) -> None:
    data = to_cp1258(simple_page(charset="utf-8"))
    text, codec, warnings = decode_html(data, headers)
    assert codec == "cp1258" and "Hội nghị" in unicodedata.normalize("NFC", text)
    legacy = PAGES / "synthetic-legacy-cp1258.example" / "lua-he-thu-2024.html"
    text, codec, _ = decode_html(legacy.read_bytes(), {"Content-Type": "text/html; charset=utf-8"})
    assert codec == "cp1258", legacy


def test_bom_decides_the_charset() -> None:
    text, codec, _ = decode_html(b"\xef\xbb\xbf" + simple_page(charset="windows-1258").encode("utf-8"))
    assert codec.startswith("utf-8") and "Hội nghị" in text


def test_nfd_text_comes_out_nfc() -> None:
    page = unicodedata.normalize("NFD", simple_page())
    article = extract_article(page.encode("utf-8"), url=URL)
    for value in (article.title, article.body, *article.authors):
        assert unicodedata.is_normalized("NFC", value)
    assert article.title == "Hội nghị tổng kết năm của tỉnh"
    assert article.authors == ["Minh Anh"]


def test_str_input_and_entities() -> None:
    page = simple_page().replace("Hội nghị tổng kết năm của tỉnh", "Hội nghị &amp; tổng kết&nbsp;năm")
    article = extract_article(page, url=URL)
    assert article.title == "Hội nghị & tổng kết năm"


def test_classify_page_never_raises() -> None:
    assert classify_page(b"", URL) == "empty"
    assert classify_page(simple_page().encode(), URL) == "article"
    assert classify_page(b"\x00\x01\x02" * 1000, URL) == "binary"


def test_a_page_nested_deeper_than_the_parser_limit_is_read_whole() -> None:
    """libxml2 stops at 256 levels by default and would cut the page there silently."""
    deep = "<div>" * 600 + "".join(f"<p>{p}</p>" for p in PARAS) + "</div>" * 600
    html = simple_page(body_html=deep)
    article = extract_article(html, url=URL)
    assert all(p in article.body for p in PARAS)
    assert any("deeper than 256 levels" in w for w in article.extraction.warnings)
