"""newsarchive.dates: every annotated real string, one test per family, round trips and fuzzing."""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchive.dates import (
    MAX_CHARS,
    SCAN_FAMILIES,
    VN_TZ,
    WHOLE_FAMILIES,
    DateMention,
    ParsedDate,
    find_dates,
    parse_date,
    parse_date_detailed,
    to_iso,
)

FIXTURES = Path(__file__).parent / "fixtures" / "dates"
# Relative strings in the annotated files are resolved against this reference time.
NOW = datetime(2024, 6, 7, 12, 0, tzinfo=VN_TZ)


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


REAL = _rows("vietnamese_dates.tsv")
EXTRA = _rows("extra_dates.tsv")


# ---------------------------------------------------------------- the annotated strings


@pytest.mark.parametrize("row", REAL, ids=[f"{i + 2}:{r['format_family']}" for i, r in enumerate(REAL)])
def test_real_strings_come_out_as_annotated(row):
    parsed = parse_date_detailed(row["text"], now=NOW)
    got = to_iso(parsed.value) or "null"
    assert got == row["expected"], (
        f"{row['text']!r} ({row['format_family']}): expected {row['expected']}, got {got}; "
        f"notes: {row['notes'][:200]}; warnings: {parsed.warnings}"
    )


@pytest.mark.parametrize("row", EXTRA, ids=[f"{i + 2}:{r['format_family']}" for i, r in enumerate(EXTRA)])
def test_family_strings_come_out_as_annotated(row):
    parsed = parse_date_detailed(row["text"], now=NOW)
    got = to_iso(parsed.value) or "null"
    assert got == row["expected"], f"{row['text']!r}: expected {row['expected']}, got {got}; {parsed.warnings}"
    if parsed.value is not None:
        assert parsed.family == row["format_family"], f"{row['text']!r}: family {parsed.family}"


def test_the_shared_file_is_copied_whole():
    assert len(REAL) >= 100
    assert all(r["expected"] for r in REAL)


# ---------------------------------------------------------------- one test per family


def dt(*args, tz=VN_TZ):
    return datetime(*args, tzinfo=tz)


def test_family_iso():
    p = parse_date_detailed("2026-03-07T08:07:18+07:00")
    assert (p.value, p.family, p.precision, p.span) == (dt(2026, 3, 7, 8, 7, 18), "iso", "second", (0, 25))
    # naive ISO is Vietnam time; other zones keep the instant and come out in Vietnam time
    assert parse_date("2026-03-07T00:01:00") == dt(2026, 3, 7, 0, 1)
    assert parse_date("2024-06-06T23:55:00.000Z") == dt(2024, 6, 7, 6, 55)
    assert parse_date("2024-06-07T06:55:00-05:00") == dt(2024, 6, 7, 18, 55)
    assert parse_date("2026-03-07T08:52:11.000 +07:00") == dt(2026, 3, 7, 8, 52, 11)
    assert parse_date("2026-03-01T09:51:00&#x2B;07:00") == dt(2026, 3, 1, 9, 51)
    assert parse_date("2024-06-07") == date(2024, 6, 7)
    assert parse_date("2024-02-30") is None


def test_family_ymd():
    p = parse_date_detailed("2024/06/07 10:30")
    assert (p.value, p.family) == (dt(2024, 6, 7, 10, 30), "ymd_hm")
    assert parse_date("2024.06.07") == date(2024, 6, 7)


def test_family_dmy_separators_orders_and_years():
    expected = dt(2024, 6, 7, 6, 55)
    for text in (
        "07/06/2024 06:55", "7-6-2024 06:55", "07.06.2024 06:55", "7,6,2024 06:55", "07/06/24 06:55",
        "06:55 07/06/2024", "06:55 | 07/06/2024", "06:55, 07/06/2024", "07/06/2024 - 06:55",
        "07/06/2024, 06:55", "07/06/2024 | 06:55", "Thứ sáu, 07/06/2024 - 06:55", "07/06/2024 06h55",
        "Thứ 6, 7/6/2024, 06:55 (GMT+7)", "07/06/2024 lúc 06:55", "06:55 ngày 07/06/2024",
    ):
        p = parse_date_detailed(text)
        assert p.value == expected, text
        assert p.family == "dmy_hm", text
        assert p.precision == "minute", text
    assert parse_date("07/06/2024") == date(2024, 6, 7)  # 7 June, never 6 July
    assert parse_date("01/03/2026 09:54:33") == dt(2026, 3, 1, 9, 54, 33)


def test_family_mdy_only_when_day_first_is_impossible_or_the_site_says_so():
    p = parse_date_detailed("2/26/2026 12:00")
    assert p.value == dt(2026, 2, 26, 12, 0) and p.family == "mdy_hm"
    assert any("month-first" in w for w in p.warnings)
    assert parse_date("06/07/2024") == date(2024, 7, 6)  # day-first by default
    assert parse_date("06/07/2024", month_first=True) == date(2024, 6, 7)
    assert parse_date_detailed("06/07/2024", month_first=True).family == "mdy"
    # a month-first site still gets a date when month-first is impossible
    assert parse_date("26/02/2026", month_first=True) == date(2026, 2, 26)


def test_family_us_general_is_the_unpadded_dotnet_shape_only():
    assert parse_date_detailed("3/5/2026 3:34:00 PM").value == dt(2026, 3, 5, 15, 34)
    assert parse_date_detailed("3/5/2026 3:34:00 PM").family == "us_general"
    assert parse_date("12/1/2025 12:05:09 AM") == dt(2025, 12, 1, 0, 5, 9)
    assert parse_date("3/5/2026, 3:34:00 PM") == dt(2026, 3, 5, 15, 34)  # JavaScript en-US
    # zero-padded, or no seconds: Vietnamese writing, day first
    assert parse_date("03/05/2026 03:34:00 PM") == dt(2026, 5, 3, 15, 34)
    assert parse_date("3/5/2026 3:34 PM") == dt(2026, 5, 3, 15, 34)


def test_family_rfc822():
    p = parse_date_detailed("Sun, 09 Aug 2026 16:50:55 +0700")
    assert (p.value, p.family, p.precision) == (dt(2026, 8, 9, 16, 50, 55), "rfc822", "second")
    assert parse_date("Fri, 07 Jun 2024 06:55:00 GMT") == dt(2024, 6, 7, 13, 55)
    assert parse_date("Fri, 07 Jun 2024 06:55:00 GMT+7") == dt(2024, 6, 7, 6, 55)
    assert parse_date("Fri, 07 Jun 2024 06:55:00") == dt(2024, 6, 7, 6, 55)
    assert parse_date("07 Jun 24 06:55 +0000") == dt(2024, 6, 7, 13, 55)
    mismatch = parse_date_detailed("Mon, 07 Jun 2024 06:55:00 +0700")
    assert mismatch.value == dt(2024, 6, 7, 6, 55)
    assert any("Monday" in w for w in mismatch.warnings)


def test_family_js_date():
    p = parse_date_detailed("Sun Mar 01 2026 09:51:10 GMT+0700 (Indochina Time)")
    assert (p.value, p.family) == (dt(2026, 3, 1, 9, 51, 10), "js_date")
    assert parse_date("Sat Mar 01 2026 02:51:10 GMT+0000 (Coordinated Universal Time)") == dt(2026, 3, 1, 9, 51, 10)


def test_family_long_vi():
    for text in ("ngày 7 tháng 6 năm 2024", "7 tháng 6, 2024", "07 Tháng Sáu, 2024", "Tháng Sáu 7, 2024",
                 "7 thg 6, 2024", "Hà Nội, ngày 07 tháng 06 năm 2024", "7 thang 6 nam 2024",
                 "ngày 7 THÁNG SÁU năm 2024"):
        p = parse_date_detailed(text)
        assert (p.value, p.family) == (date(2024, 6, 7), "long_vi"), text
    assert parse_date("ngày 15 tháng Mười Hai năm 2023") == date(2023, 12, 15)
    assert parse_date("ngày 1 tháng mười một năm 2023") == date(2023, 11, 1)
    assert parse_date("7 tháng 6 năm 2024, 14:20") == dt(2024, 6, 7, 14, 20)


def test_family_long_en():
    for text in ("June 7, 2024", "7 June 2024", "Jun 7, 2024", "Friday, June 7, 2024", "7th of June, 2024",
                 "7-Jun-2024"):
        p = parse_date_detailed(text)
        assert (p.value, p.family) == (date(2024, 6, 7), "long_en"), text
    assert parse_date("Jun 7, 2024, 10:30 AM") == dt(2024, 6, 7, 10, 30)
    assert any("Monday" in w for w in parse_date_detailed("Monday, June 7, 2024").warnings)


def test_family_unix():
    p = parse_date_detailed("1717732800")
    assert (p.value, p.family, p.precision) == (dt(2024, 6, 7, 11, 0), "unix", "second")
    assert parse_date("1717732800000") == dt(2024, 6, 7, 11, 0)
    assert parse_date(" 1717732800 ") == dt(2024, 6, 7, 11, 0)
    # ids, phone numbers and counts are not timestamps
    assert parse_date("0912345678") is None
    assert parse_date("123456") is None
    assert parse_date("9999999999") is None  # year 2286


def test_family_relative():
    cases = {
        "vừa xong": dt(2024, 6, 7, 12, 0),
        "5 phút trước": dt(2024, 6, 7, 11, 55),
        "7' trước": dt(2024, 6, 7, 11, 53),
        "2 giờ trước": dt(2024, 6, 7, 10, 0),
        "23h trước": dt(2024, 6, 6, 13, 0),
        "3 ngày trước": date(2024, 6, 4),
        "2 tuần trước": date(2024, 5, 24),
        "1 tháng trước": date(2024, 5, 7),
        "1 năm trước": date(2023, 6, 7),
        "hôm qua": date(2024, 6, 6),
        "hôm kia": date(2024, 6, 5),
        "Hôm nay, 10:30": dt(2024, 6, 7, 10, 30),
        "10:30 hôm qua": dt(2024, 6, 6, 10, 30),
        "3 hours ago": dt(2024, 6, 7, 9, 0),
        "yesterday": date(2024, 6, 6),
    }
    for text, expected in cases.items():
        p = parse_date_detailed(text, now=NOW)
        assert p.value == expected, text
        assert p.family == "relative", text
    # the day is Vietnam's day, whatever zone `now` is given in
    assert parse_date("hôm qua", now=datetime(2024, 6, 6, 18, 0, tzinfo=timezone.utc)) == date(2024, 6, 6)
    # a naive `now` is Vietnam time
    assert parse_date("2 giờ trước", now=datetime(2024, 6, 7, 12, 0)) == dt(2024, 6, 7, 10, 0)


@pytest.mark.parametrize("now,text,expected", [
    # months back from a month's last day end on the shorter month's last day, leap years included
    (datetime(2024, 3, 31, 12, 0, tzinfo=VN_TZ), "1 tháng trước", date(2024, 2, 29)),
    (datetime(2023, 3, 31, 12, 0, tzinfo=VN_TZ), "1 tháng trước", date(2023, 2, 28)),
    (datetime(2000, 3, 30, 12, 0, tzinfo=VN_TZ), "1 month ago", date(2000, 2, 29)),      # 2000: leap (÷400)
    (datetime(2100, 3, 30, 12, 0, tzinfo=VN_TZ), "1 month ago", date(2100, 2, 28)),      # 2100: not (÷100)
    (datetime(2024, 5, 31, 12, 0, tzinfo=VN_TZ), "1 tháng trước", date(2024, 4, 30)),
    (datetime(2024, 2, 29, 12, 0, tzinfo=VN_TZ), "1 năm trước", date(2023, 2, 28)),
    (datetime(2024, 2, 29, 12, 0, tzinfo=VN_TZ), "4 năm trước", date(2020, 2, 29)),
    (datetime(2024, 1, 15, 12, 0, tzinfo=VN_TZ), "13 tháng trước", date(2022, 12, 15)),
])
def test_months_and_years_back_keep_to_real_month_ends(now, text, expected):
    assert parse_date(text, now=now) == expected


def test_the_calendar_rule_of_relative_dates_is_the_rule_of_written_dates():
    """29 February is a date exactly when months back from 31 March land on it (one leap-year rule)."""
    for year in (1900, 1996, 2000, 2023, 2024, 2100):
        written = parse_date(f"29/02/{year}")
        back = parse_date("1 tháng trước", now=datetime(year, 3, 31, 12, 0, tzinfo=VN_TZ))
        assert (written is not None) == (back.day == 29) and back.month == 2, year


def test_relative_without_now_is_none_with_a_reason():
    p = parse_date_detailed("2 giờ trước")
    assert p.value is None
    assert any("now" in w for w in p.warnings)


def test_family_dateparser_fallback_for_leftovers():
    p = parse_date_detailed("June the 7th, 2024")
    assert (p.value, p.family, p.precision) == (date(2024, 6, 7), "dateparser", "day")


def test_every_scan_family_is_documented():
    for name, lead, pattern, builder, why in SCAN_FAMILIES:
        assert lead in ("digit", "word") and why and callable(builder), name
    for name, pattern, builder, why in WHOLE_FAMILIES:
        assert why and callable(builder), name


# ---------------------------------------------------------------- times, zones, weekdays


@pytest.mark.parametrize(
    "text,expected",
    [
        ("07/06/2024 06:55 SA", dt(2024, 6, 7, 6, 55)),
        ("07/06/2024 06:55 CH", dt(2024, 6, 7, 18, 55)),
        ("07/06/2024 6:55 PM", dt(2024, 6, 7, 18, 55)),
        ("07/06/2024 18:36 PM", dt(2024, 6, 7, 18, 36)),  # redundant PM on a 24-hour clock
        ("07-03-2026 - 00:01 AM", dt(2026, 3, 7, 0, 1)),
        ("07/06/2024 12:10 AM", dt(2024, 6, 7, 0, 10)),
        ("07/06/2024 12:10 PM", dt(2024, 6, 7, 12, 10)),
        ("07/06/2024 8 giờ sáng", dt(2024, 6, 7, 8, 0)),
        ("07/06/2024 3 giờ chiều", dt(2024, 6, 7, 15, 0)),
        ("07/06/2024 8 giờ tối", dt(2024, 6, 7, 20, 0)),
        ("07/06/2024 10 giờ 30 phút", dt(2024, 6, 7, 10, 30)),
        ("07/06/2024 6h", dt(2024, 6, 7, 6, 0)),
        ("20h15' 07/06/2024", dt(2024, 6, 7, 20, 15)),
        ("07/06/2024 06:55:09", dt(2024, 6, 7, 6, 55, 9)),
    ],
)
def test_times_of_day(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "suffix,hour",
    [("GMT+7", 6), ("GMT+07:00", 6), ("(GMT+7)", 6), ("+07:00", 6), ("+0700", 6), ("Z", 13), ("UTC", 13),
     ("GMT", 13), ("(GMT+8)", 5), ("", 6)],
)
def test_zones(suffix, hour):
    assert parse_date(f"07/06/2024 06:55 {suffix}") == dt(2024, 6, 7, hour, 55)


def test_other_tz_argument():
    tz = timezone(timedelta(hours=0))
    assert parse_date("07/06/2024 06:55", tz=tz) == datetime(2024, 6, 7, 6, 55, tzinfo=tz)


@pytest.mark.parametrize("weekday", ["Thứ sáu", "Thứ 6", "T6", "thứ Sáu", "Friday", "Fri"])
def test_weekday_that_matches_gives_no_warning(weekday):
    p = parse_date_detailed(f"{weekday}, 07/06/2024 06:55")
    assert p.value == dt(2024, 6, 7, 6, 55) and p.warnings == ()


@pytest.mark.parametrize("weekday", ["Thứ hai", "Thứ 2", "T2", "Chủ nhật", "CN", "Thứ bảy"])
def test_weekday_that_disagrees_keeps_the_date_and_warns(weekday):
    p = parse_date_detailed(f"{weekday}, 07/06/2024 06:55")
    assert p.value == dt(2024, 6, 7, 6, 55)
    assert len(p.warnings) == 1 and "disagrees" in p.warnings[0] and "Friday" in p.warnings[0]


# ---------------------------------------------------------------- labels and noise


@pytest.mark.parametrize(
    "text",
    ["Cập nhật lúc 10:30 ngày 7/6/2024", "Cập nhật: 07/06/2024 10:30", "Đăng lúc 10:30 ngày 07/06/2024",
     "Đăng ngày 07/06/2024 10:30", "Ngày đăng: 07/06/2024 10:30", "Ngày xuất bản: 07/06/2024 - 10:30",
     "Gửi lúc 10:30, 07/06/2024", "Trần Văn Bình07/06/2024 10:30", "Theo TTXVN | 10:30 | 07/06/2024",
     "07/06/2024 10:30 | 12.345 lượt xem", "Lượt xem: 1.234 - 07/06/2024 10:30"],
)
def test_labels_and_noise_around_the_date(text):
    assert parse_date(text) == dt(2024, 6, 7, 10, 30)


def test_prices_and_numbers_are_not_dates():
    assert parse_date("với giá 14.990.000 đồng kể từ ngày 26.03.2011") == date(2011, 3, 26)
    assert parse_date("Giá 14.990.000 đồng") is None
    assert parse_date("phiên bản 1.2.34") is None
    assert parse_date("IP 192.168.1.1") is None


# ---------------------------------------------------------------- None, not a guess


@pytest.mark.parametrize(
    "text,reason",
    [
        ("09:51", "time"),
        ("2:28 am", "time"),
        ("10:29 27/7", "time"),
        ("Sáng 20/5", "without a year"),
        ("30/47/2023", "invalid"),
        ("206/03/2026 - 00:05", "invalid"),
        ("29/02/2023", "invalid"),
        ("31/04/2024", "invalid"),
        ("01/06/2024 - 07/06/2024", "range"),
        ("từ 1/6/2024 đến 7/6/2024", "range"),
        ("1-7/6/2024", "range"),
        ("từ 13h ngày 27-5-2024 đến 20h ngày 30-5-2024", "range"),
        ("15/8/2024 (âm lịch)", "lunar"),
        ("ngày 15 tháng Giêng năm 2024", "lunar"),
        ("23 tháng Chạp năm 2023", "lunar"),
        ("tháng 6/2024", "month and year"),
        ("tháng Sáu năm 2024", "month and year"),
        ("", "no date"),
        ("   ", "no date"),
    ],
)
def test_none_not_a_guess(text, reason):
    p = parse_date_detailed(text)
    assert p.value is None, f"{text!r} gave {p.value}"
    assert p.precision is None
    assert any(reason in w for w in p.warnings), p.warnings


def test_weekday_between_time_and_date():
    assert parse_date_detailed("06:55 Thứ Sáu, 07/06/2024").value == dt(2024, 6, 7, 6, 55)
    p = parse_date_detailed("Cập nhật 06:55 Thứ Hai, 07/06/2024")
    assert p.value == dt(2024, 6, 7, 6, 55)
    assert any("Monday" in w for w in p.warnings)


def test_short_vietnamese_month_abbreviation():
    assert parse_date("Thứ Sáu, 7 Th6 2024") == date(2024, 6, 7)
    assert parse_date("07 Th06, 2024 10:30") == dt(2024, 6, 7, 10, 30)


def test_first_date_wins_and_the_next_is_reported():
    p = parse_date_detailed("Cập nhật 07/06/2024 10:30. Đăng 06/06/2024 09:00")
    assert p.value == dt(2024, 6, 7, 10, 30)
    assert any("follows" in w for w in p.warnings)


# ---------------------------------------------------------------- interface


def test_detailed_result_shape():
    text = "Thứ sáu, 07/06/2024 - 06:55"
    p = parse_date_detailed(text)
    assert isinstance(p, ParsedDate)
    assert p.raw is text
    assert text[p.span[0] : p.span[1]] == "07/06/2024 - 06:55"
    assert p.iso == "2024-06-07T06:55:00+07:00"
    with pytest.raises(AttributeError):
        p.value = None  # frozen


def test_span_points_into_the_raw_input():
    text = "Nhiều đường phố ngập 17:28 20/08/2023 Trận mưa"
    p = parse_date_detailed(text)
    assert text[p.span[0] : p.span[1]] == "17:28 20/08/2023"


def test_decomposed_unicode_is_normalised():
    import unicodedata

    text = unicodedata.normalize("NFD", "Thứ bảy, 7/3/2026, 00:05 (GMT+7)")
    assert parse_date(text) == dt(2026, 3, 7, 0, 5)
    assert parse_date(unicodedata.normalize("NFD", "ngày 7 tháng Sáu năm 2024")) == date(2024, 6, 7)


def test_to_iso():
    assert to_iso(dt(2024, 6, 7, 6, 55)) == "2024-06-07T06:55:00+07:00"
    assert to_iso(date(2024, 6, 7)) == "2024-06-07"
    assert to_iso(None) is None


def test_package_exports():
    import newsarchive

    assert newsarchive.parse_date("07/06/2024") == date(2024, 6, 7)
    assert newsarchive.VN_TZ.utcoffset(None) == timedelta(hours=7)


@pytest.mark.parametrize("bad", [None, 20240607, b"07/06/2024", ["07/06/2024"], object()])
def test_non_strings_give_none_with_a_warning(bad):
    assert parse_date(bad) is None
    p = parse_date_detailed(bad)
    assert p.value is None and p.warnings and "not a string" in p.warnings[0]


def test_long_input_is_cut_and_says_so():
    p = parse_date_detailed("x" * 10 * MAX_CHARS + " 07/06/2024")
    assert p.value is None
    assert any("first" in w for w in p.warnings)
    assert parse_date("07/06/2024 " + "x" * 100_000) == date(2024, 6, 7)
    assert parse_date("&amp;" * 50_000) is None


# ---------------------------------------------------------------- round trips


def _formats(d: datetime) -> list[tuple[str, str, object]]:
    """(family, text, expected value) for one datetime, written the ways pages write it."""
    wd_vi = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"][d.weekday()]
    wd_en = d.strftime("%a")
    month_vi = ["Một", "Hai", "Ba", "Tư", "Năm", "Sáu", "Bảy", "Tám", "Chín", "Mười", "Mười Một", "Mười Hai"][d.month - 1]
    h12 = d.hour % 12 or 12
    ampm = "AM" if d.hour < 12 else "PM"
    utc = d.astimezone(timezone.utc)
    minute = d.replace(second=0)
    return [
        ("iso", d.isoformat(), d),
        ("iso", utc.strftime("%Y-%m-%dT%H:%M:%SZ"), d),
        ("iso", d.strftime("%Y-%m-%d %H:%M:%S"), d),
        ("iso", d.strftime("%Y-%m-%dT%H:%M:%S.000 +07:00"), d),
        ("ymd_hm", d.strftime("%Y/%m/%d %H:%M"), minute),
        ("dmy_hm", f"{wd_vi}, {d:%d/%m/%Y} - {d:%H:%M}", minute),
        ("dmy_hm", f"{wd_vi}, {d.day}/{d.month}/{d.year}, {d:%H:%M} (GMT+7)", minute),
        ("dmy_hm", f"{d:%H:%M} | {d:%d/%m/%Y}", minute),
        ("dmy_hm", f"{d:%d-%m-%Y} - {h12:02d}:{d:%M} {ampm}", minute),
        ("dmy_hm", f"{d:%d.%m.%Y} {d.hour:02d}h{d:%M}", minute),
        ("dmy_hm", f"{d:%d/%m/%y} {d:%H:%M} GMT+7", minute),
        ("dmy_hm", f"{d:%d/%m/%Y %H:%M:%S}", d),
        ("dmy_hm", f"Cập nhật lúc {d:%H:%M} ngày {d.day}/{d.month}/{d.year}", minute),
        ("us_general", f"{d.month}/{d.day}/{d.year} {h12}:{d:%M:%S} {ampm}", d),
        ("rfc822", utc.strftime("%a, %d %b %Y %H:%M:%S +0000"), d),
        ("rfc822", d.strftime("%a, %d %b %Y %H:%M:%S GMT+7"), d),
        ("js_date", d.strftime("%a %b %d %Y %H:%M:%S GMT+0700 (Indochina Time)"), d),
        ("long_vi", f"ngày {d.day} tháng {d.month} năm {d.year}", d.date()),
        ("long_vi", f"{d:%d} Tháng {month_vi}, {d.year}", d.date()),
        ("long_vi", f"Tháng {month_vi} {d.day}, {d.year}", d.date()),
        ("long_en", f"{wd_en}, {d:%B} {d.day}, {d.year}", d.date()),
        ("long_en_hm", f"{d.day} {d:%b} {d.year}, {h12}:{d:%M} {ampm}", minute),
        ("unix", str(int(d.timestamp())), d),
        ("unix", str(int(d.timestamp()) * 1000), d),
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2068, 12, 31)).map(
        lambda d: d.replace(microsecond=0, tzinfo=VN_TZ)
    )
)
def test_round_trip_every_family(d):
    for family, text, expected in _formats(d):
        p = parse_date_detailed(text)
        assert p.value == expected, f"{family}: {text!r} -> {p.value} ({p.family}, {p.warnings})"
        assert p.family == family, f"{text!r}: family {p.family}, expected {family}"
        assert p.warnings == (), f"{text!r}: {p.warnings}"


def test_round_trip_relative():
    rng = random.Random(20240607)
    for _ in range(300):
        now = datetime(2024, 1, 1, tzinfo=VN_TZ) + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
        n = rng.randrange(1, 60)
        assert parse_date(f"{n} phút trước", now=now) == (now - timedelta(minutes=n)).replace(second=0)
        assert parse_date(f"{n}h trước", now=now) == (now - timedelta(hours=n)).replace(second=0)
        assert parse_date(f"{n} ngày trước", now=now) == now.date() - timedelta(days=n)
        hm = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}"
        y = now.date() - timedelta(days=1)
        assert to_iso(parse_date(f"Hôm qua, {hm}", now=now)) == f"{y.isoformat()}T{hm}:00+07:00"


# ---------------------------------------------------------------- fuzzing: never raises

_DATEY = st.lists(
    st.sampled_from(list("0123456789/-.,:| ()+'hHTZ") + ["Thứ ", "tháng ", "năm ", "ngày ", "GMT", "AM", "PM",
                                                       "SA", "CH", "Jun ", "Sun ", "trước", "hôm qua", "giờ",
                                                       "âm lịch", "&#x2B;", "2024", "đến"]),
    max_size=40,
).map("".join)


def _assert_sane(text, now=None):
    p = parse_date_detailed(text, now=now)
    assert p.value is None or isinstance(p.value, (date, datetime))
    assert not any(w.startswith("internal error") for w in p.warnings), p.warnings
    if isinstance(p.value, datetime):
        assert p.value.utcoffset() == timedelta(hours=7)
        assert p.precision in ("second", "minute")
    elif p.value is not None:
        assert p.precision == "day"
    assert parse_date(text, now=now) == p.value


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_fuzz_arbitrary_text(text):
    _assert_sane(text)


@settings(max_examples=1000, deadline=None)
@given(_DATEY)
def test_fuzz_date_like_text(text):
    _assert_sane(text, now=NOW)


# ---------------------------------------------------------------- documentation


def test_docs_examples():
    import doctest

    docs = Path(__file__).parent.parent / "docs" / "dates.md"
    result = doctest.testfile(str(docs), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0


def test_module_docstring_examples():
    import doctest

    import newsarchive.dates

    result = doctest.testmod(newsarchive.dates)
    assert result.attempted >= 3 and result.failed == 0


# --- dates in running text: find_dates ----------------------------------------------------------


PROSE_NOW = datetime(2024, 6, 7, 12, 0, tzinfo=VN_TZ)


@pytest.mark.parametrize(
    "text, mention, value, precision, part, resolved",
    [
        ("sáng nay", "sáng nay", "2024-06-07", "part-of-day", "sáng", ("sáng nay",)),
        ("Mưa lớn từ tối qua.", "tối qua", "2024-06-06", "part-of-day", "tối", ("tối qua",)),
        ("Chiều 7/6, đoàn đến thăm", "Chiều 7/6", "2024-06-07", "part-of-day", "chiều", ("Chiều", "7/6")),
        ("hạn nộp hết ngày 15.3.2020", "15.3.2020", "2020-03-15", "day", None, ()),
        ("Lúc 7h15 sáng qua, xe tải", "7h15 sáng qua", "2024-06-06T07:15:00+07:00", "minute", "sáng", ("sáng qua",)),
        ("khai mạc 20h tối mai", "20h tối mai", "2024-06-08T20:00:00+07:00", "hour", "tối", ("tối mai",)),
        ("vụ cháy lúc 9h45phút ngày 3 tháng 2 năm 2015", "9h45phút ngày 3 tháng 2 năm 2015",
         "2015-02-03T09:45:00+07:00", "minute", None, ()),
        ("Bản tin 19h (ngày 05/01/2022)", "19h (ngày 05/01/2022", "2022-01-05T19:00:00+07:00", "hour", None, ()),
        ("Sáng 28.5, HĐND tỉnh khai mạc kỳ họp thứ 12", "Sáng 28.5", "2024-05-28", "part-of-day", "sáng", ("Sáng", "28.5")),
        ("Sáng thứ Hai 3/6, đoàn làm việc", "Sáng thứ Hai 3/6", "2024-06-03", "part-of-day", "sáng", ("Sáng", "3/6")),
        ("khoảng 2h chiều hôm qua", "2h chiều hôm qua", "2024-06-06T14:00:00+07:00", "hour", "chiều", ("chiều hôm qua",)),
        ("cập nhật 2 giờ trước", "2 giờ trước", "2024-06-07T10:00:00+07:00", "minute", None, ("2 giờ trước",)),
        # English and Vietnamese abbreviations mixed: weekday, month
        ("T6, 07 Jun 2024", "07 Jun 2024", "2024-06-07", "day", None, ()),
        ("Fri, 07 Th6 2024 - 10:30", "07 Th6 2024 - 10:30", "2024-06-07T10:30:00+07:00", "minute", None, ()),
        ("CN, 09 thg 6, 2024", "09 thg 6, 2024", "2024-06-09", "day", None, ()),
    ],
)
def test_find_dates_in_running_text(text, mention, value, precision, part, resolved):
    (m,) = find_dates(text, now=PROSE_NOW)
    assert isinstance(m, DateMention)
    assert (m.text, m.iso, m.precision, m.part_of_day, m.resolved) == (mention, value, precision, part, resolved)
    assert text[m.span[0]: m.span[1]] == m.text


def test_find_dates_gives_every_mention_in_order():
    text = "Tính từ 18h ngày 6/6 đến 6h ngày 7/6, Việt Nam có 44 ca mắc mới; hôm nay 7/6/2024 họp."
    found = find_dates(text, now=PROSE_NOW)
    assert [m.iso for m in found] == ["2024-06-06T18:00:00+07:00", "2024-06-07T06:00:00+07:00", "2024-06-07"]
    assert [m.text for m in found] == ["18h ngày 6/6", "6h ngày 7/6", "hôm nay 7/6/2024"]


def test_find_dates_does_not_take_numbers_for_dates():
    text = "Giá 14.990.000 đồng, tăng 12.5% so với 1/2 năm trước; thắng 2-1; mất 3h để đến; Tin tức 24h; lần thứ 12."
    assert find_dates(text, now=PROSE_NOW) == []


def test_find_dates_without_now_reports_what_it_cannot_resolve():
    (m,) = find_dates("7h15 sáng qua")
    assert m.value is None and m.text == "7h15 sáng qua" and m.part_of_day == "sáng"
    assert any("needs a reference time" in w for w in m.warnings)
    (m,) = find_dates("chiều 7/6")
    assert m.value is None and any("without a year" in w for w in m.warnings)
    # a full date needs no reference
    assert [m.iso for m in find_dates("ngày 07/06/2024 lúc 10:30")] == ["2024-06-07T10:30:00+07:00"]


def test_find_dates_year_nearest_to_now_and_a_disagreeing_relative_word():
    (m,) = find_dates("Sáng 28/12, lễ khai mạc", now=datetime(2025, 1, 3, tzinfo=VN_TZ))
    assert m.iso == "2024-12-28"   # the last December, not the coming one
    (m,) = find_dates("Chiều nay 12/5, Sở Y tế họp", now=PROSE_NOW)
    assert m.iso == "2024-05-12" and any("kept the written date" in w for w in m.warnings)


def test_find_dates_rejects_lunar_dates_and_never_raises():
    assert find_dates("Rằm tháng Giêng, ngày 15/1 âm lịch") == []
    for bad in (None, 12, "", "<" * 10_000, "7" * 5000):
        assert isinstance(find_dates(bad), list)


def test_parse_date_stays_strict_where_find_dates_reads_the_sentence():
    # a dateline reader gives the one date; the sentence reader also attaches the bulletin's hour
    assert parse_date("Bản tin 19h (ngày 05/01/2022)") == date(2022, 1, 5)
    assert parse_date("Chiều 7/6") is None


def test_find_dates_reads_a_long_text_whole():
    text = " ".join(f"Sáng {d % 28 + 1}/{d % 12 + 1}, lúc 7h{d % 60:02d} có {d} người, giá 1.{d:03d} đồng." for d in range(3000))
    found = find_dates(text, now=PROSE_NOW)
    assert [(m.text, m.iso) for m in found[:2]] == [("Sáng 1/1, lúc 7h00", "2024-01-01T07:00:00+07:00"),
                                                     ("Sáng 2/2, lúc 7h01", "2024-02-02T07:01:00+07:00")]
    assert len(found) == 3000 and all(text[a:b] == m.text for m in found for a, b in [m.span])
