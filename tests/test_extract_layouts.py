"""Bylines and pictures in the shapes unseen templates give them, built here so that each shape is
tested on its own: bylines at the top or the end of the body, bold, italic or right-aligned, with
roles ("Bài và ảnh:", "Thực hiện:", "Nhóm PV", "PV ..."), agencies apart ("Theo TTXVN", "(TTXVN)");
pictures in figures, tables, lazy attributes (data-src, data-original, srcset), galleries, with
their captions and credits. No class name a catalogue knows is used."""

from __future__ import annotations

import pytest

from newsarchive.extract import extract_article

PARAS = [
    "Sáng nay, Ủy ban nhân dân tỉnh tổ chức hội nghị tổng kết công tác năm và triển khai nhiệm vụ năm tới với sự tham dự của nhiều đại biểu.",
    "Phát biểu tại hội nghị, lãnh đạo tỉnh nhấn mạnh yêu cầu đẩy mạnh cải cách hành chính, nâng cao chất lượng phục vụ người dân và doanh nghiệp.",
    "Các địa phương cũng được giao nhiệm vụ rà soát, đánh giá kết quả thực hiện các chương trình mục tiêu quốc gia trong năm qua một cách cụ thể.",
    "Hội nghị cũng đã khen thưởng các tập thể, cá nhân có thành tích xuất sắc trong thực hiện nhiệm vụ chính trị của địa phương trong năm.",
]
P = "".join(f"<p>{p}</p>" for p in PARAS)
PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
URL = "https://baotinh.example/hoi-nghi-tong-ket-123.html"


def page(body: str, before: str = "", after: str = "") -> str:
    return ("<html lang='vi'><head><meta charset='utf-8'><title>Hội nghị tổng kết năm của tỉnh - Báo Tỉnh</title></head>"
            "<body><div class='qz1'><h1>Hội nghị tổng kết năm của tỉnh</h1><div class='qz2'>Thứ hai, 06/01/2025 - 09:30</div>"
            f"{before}<div class='qz3'>{body}</div>{after}</div></body></html>")


@pytest.mark.parametrize("html, authors, sources", [
    (page(P + "<p><b>Minh Anh</b></p>"), ["Minh Anh"], []),
    (page(P + "<p><em>Minh Anh</em></p>"), ["Minh Anh"], []),
    (page(P + "<p style='text-align:right'>Minh Anh</p>"), ["Minh Anh"], []),
    (page(P + "<p><strong>Bài và ảnh: Minh Anh</strong></p>"), ["Minh Anh"], []),
    (page(P + "<p>Thực hiện: Minh Anh - Quốc Việt</p>"), ["Minh Anh", "Quốc Việt"], []),
    (page(P + "<p><b>Nhóm PV</b></p>"), [], []),
    (page(P + "<p><b>PV Minh Anh</b></p>"), ["Minh Anh"], []),
    (page(P + "<p><b>Theo TTXVN</b></p>"), [], ["TTXVN"]),
    (page(P + "<p><b>Minh Anh (TTXVN)</b></p>"), ["Minh Anh"], ["TTXVN"]),
    (page(P + "<p><b>Minh Anh - TTXVN</b></p>"), ["Minh Anh"], ["TTXVN"]),
    (page(P + "<p>Nguồn: VOV</p>"), [], ["VOV"]),
    (page(P + "<p><b>Bài: Minh Anh; Ảnh: Quốc Việt</b></p>"), ["Minh Anh"], []),
    (page("<p><b>Minh Anh</b></p>" + P), ["Minh Anh"], []),
    (page("<p><i>Minh Anh</i></p>" + P), ["Minh Anh"], []),
    (page("<p><strong>Bài và ảnh: Minh Anh</strong></p>" + P), ["Minh Anh"], []),
    (page(P, before="<div><b>Minh Anh</b></div>"), ["Minh Anh"], []),
    (page(P, before="<div>Thực hiện: Minh Anh</div>"), ["Minh Anh"], []),
    (page(P, after="<div style='text-align:right'><b>Minh Anh</b></div>"), ["Minh Anh"], []),
], ids=["end-bold", "end-italic", "end-right", "end-role", "end-thuc-hien", "nhom-pv", "pv-name", "theo-agency",
        "name-agency-paren", "name-agency-dash", "nguon", "photo-credit-apart", "top-bold", "top-italic", "top-role",
        "header-bold", "header-role", "after-body-right"])
def test_byline_shapes(html: str, authors: list[str], sources: list[str]) -> None:
    a = extract_article(html, url=URL)
    assert (a.authors, a.sources) == (authors, sources)
    assert a.body.split("\n\n") == PARAS, "the byline line is not body text"


def test_a_title_case_sub_heading_opening_the_body_is_no_byline() -> None:
    html = page("<p>Cần Có Phương Án Dự Phòng</p>" + P)   # not styled, not prefixed: left in the body
    a = extract_article(html, url=URL)
    assert a.authors == [] and a.body.split("\n\n")[0] == "Cần Có Phương Án Dự Phòng"


p0, p1, p2, p3 = [f"<p>{p}</p>" for p in PARAS]


@pytest.mark.parametrize("body, images", [
    (p0 + "<figure><img src='/a.jpg'><figcaption>Quang cảnh hội nghị. Ảnh: Minh Anh</figcaption></figure>" + p1 + p2 + p3,
     [("a.jpg", "Quang cảnh hội nghị.", "Minh Anh")]),
    (p0 + "<table><tr><td><img src='/a.jpg'></td></tr><tr><td>Quang cảnh hội nghị. (Ảnh: Minh Anh)</td></tr></table>" + p1 + p2 + p3,
     [("a.jpg", "Quang cảnh hội nghị.", "Minh Anh")]),
    (p0 + f"<p><img src='{PLACEHOLDER}' data-src='/a.jpg'></p><p><em>Quang cảnh hội nghị.</em></p>" + p1 + p2 + p3,
     [("a.jpg", "Quang cảnh hội nghị.", None)]),
    (p0 + "<div><img src='/img/blank.gif' data-original='/a.jpg'><div>Quang cảnh hội nghị - Ảnh: Minh Anh</div></div>" + p1 + p2 + p3,
     [("a.jpg", "Quang cảnh hội nghị", "Minh Anh")]),
    (p0 + "<figure><img srcset='/a-320.jpg 320w, /a-960.jpg 960w'><figcaption>Quang cảnh hội nghị</figcaption></figure>" + p1 + p2 + p3,
     [("a-960.jpg", "Quang cảnh hội nghị", None)]),
    (p0 + "<div><div><img src='/a.jpg'></div><div><img src='/b.jpg'></div><div><img src='/c.jpg'></div>"
     "<p>Các đại biểu dự hội nghị. Ảnh: Minh Anh</p></div>" + p1 + p2 + p3,
     [(n, "Các đại biểu dự hội nghị.", "Minh Anh") for n in ("a.jpg", "b.jpg", "c.jpg")]),
    (p0 + "<p style='text-align:center'><img src='/a.jpg'></p><p style='text-align:center'>Quang cảnh hội nghị</p>" + p1 + p2 + p3,
     [("a.jpg", "Quang cảnh hội nghị", None)]),
    (p0 + "<p><a href='/a-big.jpg'><img src='/a.jpg'></a></p><p><i>Quang cảnh hội nghị</i></p>" + p1 + p2 + p3,
     [("a.jpg", "Quang cảnh hội nghị", None)]),
    (p0 + f"<figure><img src='{PLACEHOLDER}' data-echo='/a.jpg?w=900'><figcaption>Quang cảnh hội nghị</figcaption></figure>" + p1 + p2 + p3,
     [("a.jpg?w=900", "Quang cảnh hội nghị", None)]),
], ids=["figure", "table", "data-src", "data-original", "srcset-largest", "gallery-row", "centred", "zoom-link",
        "other-lazy-attribute"])
def test_picture_shapes(body: str, images: list[tuple]) -> None:
    a = extract_article(page(body), url=URL)
    assert [(i.url.rsplit("/", 1)[-1], i.caption, i.credit) for i in a.images] == images
    assert a.body.split("\n\n") == PARAS, "captions are not body text"
    assert all(i.url.startswith("https://baotinh.example/") for i in a.images)


HEADLINE = "Hợp tác xã chè mở rộng vùng nguyên liệu"


@pytest.mark.parametrize("head, body_top", [
    (f"<title>Báo Lâm Đồng - {HEADLINE}</title>", ""),                                  # the outlet first, no <h1>
    (f"<title>BaoLamDong.vn | {HEADLINE}</title>", f"<div>{HEADLINE}</div>"),           # the host's name first
    (f"<title>{HEADLINE} - Báo Lâm Đồng</title>", f"<h1><a href='/'>Báo Lâm Đồng</a></h1><h2>{HEADLINE}</h2>"),
    (f"<meta property='og:site_name' content='Lâm Đồng Online'><title>Lâm Đồng Online » {HEADLINE}</title>", ""),
], ids=["outlet-first", "host-first", "logo-h1", "site-name-first"])
def test_headline_shapes(head: str, body_top: str) -> None:
    html = (f"<html><head><meta charset='utf-8'>{head}</head><body>{body_top}<div>Thứ hai, 06/01/2025 09:30</div>"
            f"<div>{P}</div></body></html>")
    a = extract_article(html, url="https://baolamdong.vn/hop-tac-xa-che-123.html")
    assert a.title == HEADLINE
