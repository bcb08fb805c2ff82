"""The publication time where the date line is a sentence: the strict date-line reader gives the
day, and the time written beside it in the same sentence ("Bản tin 19h (ngày 05/01/2022)") is
read by find_dates; such a time never overrides a metadata timestamp."""

from __future__ import annotations

from newsarchive.extract import extract_article

PARAS = "".join(
    f"<p>Đoạn {i}: bản tin thời sự của đài phát thanh tỉnh điểm lại các sự kiện nổi bật trong ngày, "
    "tình hình thời tiết, giao thông và hoạt động của các địa phương trên địa bàn.</p>" for i in range(6))


def page(dateline: str, head: str = "") -> str:
    return ("<html lang='vi'><head><meta charset='utf-8'><title>Bản tin thời sự tối - Đài PT-TH Tỉnh</title>"
            f"{head}</head><body><h1>Bản tin thời sự tối</h1><div class='meta'><span>{dateline}</span></div>"
            f"<div>{PARAS}</div></body></html>")


def test_a_time_beside_the_date_in_another_bracket_is_read() -> None:
    a = extract_article(page("Bản tin 19h (ngày 05/01/2022)"), url="https://ptth.example/ban-tin-19h.html")
    assert a.published_at == "2022-01-05T19:00:00+07:00" and a.published_precision == "minute"
    a = extract_article(page("Phát sóng lúc 9h45phút ngày 3 tháng 2 năm 2015"), url="https://ptth.example/b.html")
    assert a.published_at == "2015-02-03T09:45:00+07:00"


def test_a_date_line_with_its_own_time_is_unchanged() -> None:
    a = extract_article(page("Thứ sáu, 07/06/2024 - 06:55"), url="https://ptth.example/c.html")
    assert a.published_at == "2024-06-07T06:55:00+07:00" and a.published_from == "visible"


def test_a_sentence_time_does_not_override_a_metadata_timestamp() -> None:
    head = '<meta property="article:published_time" content="2022-01-05T12:00:00Z">'
    a = extract_article(page("Bản tin 19h (ngày 05/01/2022)", head), url="https://ptth.example/d.html")
    assert a.published_at == "2022-01-05T19:00:00+07:00"   # 12:00Z is 19:00 in Vietnam: they agree
    head = '<meta property="article:published_time" content="2022-01-05T10:00:00+07:00">'
    a = extract_article(page("Bản tin 19h (ngày 05/01/2022)", head), url="https://ptth.example/e.html")
    assert a.published_at == "2022-01-05T10:00:00+07:00" and a.published_from == "meta"
