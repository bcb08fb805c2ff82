"""Vietnamese date and time normalisation.

``parse_date(text)`` turns a date string as found on a Vietnamese page (a byline, a ``<time>``
attribute, a feed's ``pubDate``, a headline with a date in it) into

- a timezone-aware ``datetime`` when the text gives a time of day,
- a ``date`` when it gives only a calendar date,
- ``None`` when it does not name one calendar date with a year (time only, day/month without a
  year, ranges, lunar-calendar dates, impossible values such as day 206 or 29/02/2023).

It never raises. ``parse_date_detailed`` returns a :class:`ParsedDate` with the matched span, the
format family, the precision and warnings (weekday disagreeing with the date, month-first reading,
why nothing was returned...), for a record's ``published_raw`` / provenance.

How it works (fast paths first, dateparser last):

1. The input is HTML-unescaped (``&#x2B;07:00``), NFC-normalised and cut to ``MAX_CHARS``.
2. Whole-string machine families (``WHOLE_FAMILIES``): Unix timestamps and the en-US
   ``M/d/yyyy h:mm:ss AM`` rendering.
3. A scan with one combined regular expression of the digit-led ``SCAN_FAMILIES`` (ISO /
   year-first, RFC 822, day-first numeric, long Vietnamese and English day-first), then, if that
   found nothing and the text has a year-like number, one of the word-led families (JavaScript
   ``Date.toString``, month-first long forms). The first *valid* calendar date in the text wins; a
   time of day is attached when it sits right after or right before the date (``TIME``), then a
   zone (``ZONE``); a weekday just before it is checked (``WEEKDAY_BEFORE``); a second date joined
   to it (``RANGE_*``) or a lunar marker (``LUNAR_*``) rejects it.
4. Relative expressions (``RELATIVE_NUMBER``, ``RELATIVE_WORD``): "vừa xong", "5 phút trước",
   "hôm qua, 10:30" — only with ``now``.
5. dateparser (vi + en, day-first, Vietnam time, absolute dates only) only when none of the above
   recognised anything *and* the text is short and holds a year-like number. A string a fast path
   recognised and rejected (an invalid date, a range, a lunar date, a month without a day) is never
   handed to dateparser.

All times without a zone are Vietnam time (``tz``, default ``VN_TZ`` = UTC+07:00). Times that carry
another zone keep their instant and are converted to ``tz``, so every value in an archive has the
same offset.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Callable

__all__ = [
    "VN_TZ",
    "ParsedDate",
    "parse_date",
    "parse_date_detailed",
    "find_dates",
    "DateMention",
    "to_iso",
    "MAX_CHARS",
    "WHOLE_FAMILIES",
    "SCAN_FAMILIES",
    "DATEPARSER_SETTINGS",
]

VN_TZ = timezone(timedelta(hours=7))

#: Only the first MAX_CHARS characters (after HTML-unescaping) are considered, so any string
#: takes bounded time. Dates in bylines, attributes and headlines sit well inside this.
MAX_CHARS = 400

#: Years outside this range are treated as corrupt values, not dates.
MIN_YEAR, MAX_YEAR = 1800, 2199

#: Unix timestamps are accepted only when they fall in these years (a bare number outside is
#: more likely an id or a count than a time).
UNIX_MIN_YEAR, UNIX_MAX_YEAR = 2000, 2100

#: Two-digit years: 00-69 -> 2000-2069, 70-99 -> 1970-1999 (POSIX strptime's pivot).
TWO_DIGIT_YEAR_PIVOT = 70

#: dateparser, the fallback, configured for Vietnamese pages.
DATEPARSER_SETTINGS: dict[str, Any] = {
    "DATE_ORDER": "DMY",
    "TIMEZONE": "+07:00",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "RETURN_TIME_AS_PERIOD": True,  # tells a date-only string ("day") from one with a time ("time")
    "REQUIRE_PARTS": ["day", "month", "year"],  # never let it invent a year or a day
    "PREFER_DATES_FROM": "past",
    # absolute dates only: relative expressions and timestamps are the fast paths' job, and
    # dateparser's relative parser reads stray words ("2024giờ") as "now"
    "PARSERS": ["custom-formats", "absolute-time"],
}
DATEPARSER_LANGUAGES = ["vi", "en"]
#: dateparser reads a string as a whole; longer leftovers are prose it cannot parse, and its time
#: grows with length, so it is not called on them.
DATEPARSER_MAX_CHARS = 80


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """The result of :func:`parse_date_detailed`."""

    value: datetime | date | None
    """Aware datetime (a time was given), date (only a calendar date), or None."""
    raw: Any
    """The input, unchanged."""
    span: tuple[int, int] | None = None
    """(start, end) of the matched text in ``raw``, or None."""
    family: str | None = None
    """Name of the recognised format family, e.g. "dmy_hm", "iso", "rfc822", "relative"."""
    precision: str | None = None
    """"second", "minute" or "day"; None when there is no value."""
    warnings: tuple[str, ...] = ()
    """Anything odd: weekday disagreeing with the date, month-first reading, why no value..."""

    @property
    def iso(self) -> str | None:
        return to_iso(self.value)


def to_iso(value: datetime | date | None) -> str | None:
    """The record's ISO string: a datetime with its offset, a date as ``YYYY-MM-DD``, or None."""
    if value is None:
        return None
    return value.isoformat()


# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

#: Vietnamese month names after "tháng" (WordPress and Google write "Tháng Sáu", "tháng mười hai").
#: Longest first so "mười một" wins over "mười".
VI_MONTH_WORDS: dict[str, int] = {
    "mười một": 11, "mười hai": 12, "mười": 10, "một": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4,
    "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
}
#: Month names that only exist in the lunar calendar (tháng Giêng = 1st, tháng Chạp = 12th lunar month).
VI_LUNAR_MONTH_WORDS = ("giêng", "chạp")

EN_MONTHS: dict[str, int] = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_EN_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![^\W\d_])"
)
# RFC 822 and JavaScript write three-letter month names.
_EN_MONTH3 = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?![^\W\d_])"
_EN_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
EN_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

#: Vietnamese weekdays: "Thứ hai" (Monday) ... "Thứ bảy" (Saturday), "Chủ nhật" / "CN" (Sunday);
#: numbered "Thứ 2" ... "Thứ 7" and the short "T2" ... "T7".
VI_WEEKDAYS = {
    "hai": 0, "ba": 1, "tư": 2, "bốn": 2, "năm": 3, "sáu": 4, "bảy": 5,
    "2": 0, "3": 1, "4": 2, "5": 3, "6": 4, "7": 5,
}
_WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: Zones written by name.
NAMED_ZONES = {"gmt": 0, "utc": 0, "ut": 0, "z": 0, "ict": 7 * 60,
               "est": -5 * 60, "edt": -4 * 60, "cst": -6 * 60, "cdt": -5 * 60,
               "mst": -7 * 60, "mdt": -6 * 60, "pst": -8 * 60, "pdt": -7 * 60}

# Meridiem markers: English AM/PM, Vietnamese SA (sáng) / CH (chiều), and day-part words.
_AM = frozenset({"am", "a.m.", "a.m", "sa"})
_PM = frozenset({"pm", "p.m.", "p.m", "ch"})


def _ascii_digits(pattern: str) -> str:
    r"""Rewrite \d as 0-9 (inside a class) or [0-9] (outside): \d would also match Arabic-Indic and
    other digits, and pages write ASCII digits only."""
    out: list[str] = []
    in_class = False
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            pair = pattern[i : i + 2]
            out.append(("0-9" if in_class else "[0-9]") if pair == r"\d" else pair)
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            out.append(ch)
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":  # a literal ] first in a class
                out.append("]")
                i += 1
        elif ch == "]" and in_class:
            in_class = False
            out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _rx(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(_ascii_digits(pattern), flags)


# --------------------------------------------------------------------------------------------
# Building blocks: time of day, zone, weekday, and the context checks (range, lunar)
# --------------------------------------------------------------------------------------------

# A time of day: "06:55", "06:55:12(.000)", "06h55", "6h", "20h15'", "10 giờ 30 (phút)", each with
# an optional marker "AM"/"PM"/"SA"/"CH"/"sáng"/"trưa"/"chiều"/"tối"/"đêm".
TIME = (
    r"(?P<H>\d(?<![\d:.,/]\d)\d?)"
    r"(?:"
    r":(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d)(?:[.,]\d{1,9})?)?"
    r"|h(?:(?P<M2>[0-5]\d)'?|(?![^\W\d_]))"
    r"|\s*giờ(?:\s*(?P<M3>[0-5]?\d)(?:\s*phút)?)?"
    r")(?!\d)"
    r"(?:\s*(?P<AP>a\.m\.?|p\.m\.?|am|pm|sa|ch|sáng|trưa|chiều|tối|đêm)(?![^\W\d_]))?"
)

# A time right after a date: "07/06/2024 06:55", "…2024 - 06:55", "…2024, 06:55", "…2024 | 06:55",
# "…2024 lúc 06:55", ISO's "T".
TIME_AFTER = _rx(r"(?:T|[\s,|\-–—]*(?:(?:vào\s+)?lúc\s*)?)" + TIME)
# A time right before a date: "10:30 | 07/06/2024", "23:02 , 06/03/2026", "10:30 ngày 7/6/2024".
# A weekday may sit between them: "06:55 Thứ Sáu, 07/06/2024" (group "bwd", checked like any other).
TIME_BEFORE = _rx(
    TIME + r"[\s,|\-–—]*(?:(?P<bwd>(?:thứ\s*(?:hai|ba|tư|bốn|năm|sáu|bảy|[2-7])|chủ\s*nhật|cn|t[2-7]"
    r"|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?)(?![^\W\d_]))[\s,.\-–|]*)?(?:ngày\s*)?\Z"
)
# A bare time anywhere (only to explain a None: "time without a date").
TIME_ANYWHERE = _rx(TIME)

# A zone after the time: "GMT+7", "(GMT+07:00)", "GMT+0700", "UTC", "Z", "+07:00", "+0700".
ZONE = _rx(
    r"\s*[(\[]?\s*(?:"
    r"(?:GMT|UTC|UT)\s*(?P<zs>[+\-−])\s*(?P<zh>\d{1,2})(?::?(?P<zm>\d{2}))?(?!\d)"
    r"|(?P<os>[+\-−])(?P<oh>\d{2}):?(?P<om>\d{2})(?!\d)"
    r"|(?P<zn>GMT|UTC|UT|ICT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|Z)(?![^\W\d_])"
    r")\s*[)\]]?"
)

# A weekday just before the date (or its time): "Thứ sáu, ", "Thứ 6 ", "CN, ", "T2 - ", "Fri, ".
WEEKDAY_BEFORE = _rx(
    r"(?<![^\W\d_])(?:thứ\s*(?P<vi>hai|ba|tư|bốn|năm|sáu|bảy|[2-7])|(?P<sun>chủ\s*nhật|cn)"
    r"|t(?P<t>[2-7])|(?P<en>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?)(?![^\W\d_])"
    r"[\s,.\-–|:]*(?:ngày[\s:]*)?\Z"
)

# Another date (or day) right after this one makes it a range: "01/06/2024 - 07/06/2024",
# "1/6/2024 đến 7/6/2024", "từ 13h ngày 27-5-2024 đến 20h ngày 30-5-2024".
RANGE_AFTER = _rx(
    r"\s*(?:[\-–—~]|đến|tới|to|until)\s*(?:(?:hết\s+)?ngày\s*)?"
    r"(?:(?:[01]?\d|2[0-3])(?::[0-5]\d|h[0-5]?\d?)\s*,?\s*(?:ngày\s*)?)?"
    r"\d{1,2}\s*(?:[/.\-]\s*\d{1,2}|tháng)"
)
# A day (or day/month) right before this date makes it a range: "1-7/6/2024", "1/6 - 7/6/2024",
# "6 và 7/6/2024", "từ 1 đến 7/6/2024".
RANGE_BEFORE = _rx(
    r"\d(?<![\d:.,/]\d)\d?(?:[/.\-]\d{1,2}\s*[\-–—~]\s*|(?:-|\s*[–—~]\s*)"
    r"|(?:[/.\-]\d{1,2})?\s+(?:đến|tới|và|to|and)\s+)(?:ngày\s+)?\Z"
)
# Lunar-calendar markers next to a date: "15/8/2024 (âm lịch)", "15/8/2024 ÂL", "âm lịch 15/8/2024".
LUNAR_AFTER = _rx(r"\s*[(\[]?\s*(?:âm\s+lịch|âl|al)(?![^\W\d_])")
LUNAR_BEFORE = _rx(r"(?:âm\s+lịch|âl)[\s:,]*(?:ngày\s*)?\Z")

# A year-like number. Every family that names one calendar date with a year needs one (RFC 822's
# two-digit years aside), so without it the month-word families and dateparser are not tried.
YEAR_LIKE = _rx(r"[12](?<![0-9][12])[0-9]{3}(?![0-9])")

# Day/month without a year (only to explain a None).
DAY_MONTH_NO_YEAR = _rx(r"\d(?<![\d/.\-]\d)\d?(?:[/.\-]\d{1,2}(?![\d/.\-]*\d)|\s+tháng\s+\S+)")


# --------------------------------------------------------------------------------------------
# Engine helpers
# --------------------------------------------------------------------------------------------

_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)   # February: in a leap year
_ZONES: dict[int, timezone] = {}


def _is_leap(y: int) -> bool:
    """Gregorian leap year (the one leap-year rule of this module)."""
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _month_days(y: int, m: int) -> int:
    """Days in month m (1-12) of year y."""
    return 28 if m == 2 and not _is_leap(y) else _DAYS_IN_MONTH[m]


def _valid_date(y: int, m: int, d: int) -> bool:
    # _month_days(y, m), with the leap-year test only for 29 February (this runs for every candidate)
    return (MIN_YEAR <= y <= MAX_YEAR and 1 <= m <= 12 and 1 <= d <= _DAYS_IN_MONTH[m]
            and not (m == 2 and d == 29 and not _is_leap(y)))


def _zone(minutes: int) -> timezone:
    z = _ZONES.get(minutes)
    if z is None:
        z = _ZONES[minutes] = timezone(timedelta(minutes=minutes))
    return z


class _Ctx:
    __slots__ = ("text", "tz", "now", "month_first", "warnings", "final", "prose")

    def __init__(self, text: str, tz: tzinfo, now: datetime | None, month_first: bool, prose: bool = False) -> None:
        self.text = text
        self.tz = tz
        self.now = now
        self.month_first = month_first
        self.warnings: list[str] = []
        self.final = False  # a rejection that ends the scan (a range: the next date is its other end)
        self.prose = prose  # find_dates: every date of a text, the two ends of a range included


# A found value: (value, start, end, family, precision). A builder returns one, or a str (the
# reason the text was recognised but rejected: no value, no dateparser), or None (not a date here).
_Found = tuple


def _apply_meridiem(hour: int, marker: str | None, ctx: _Ctx) -> int:
    """12-hour markers; a marker on a 24-hour clock ("18:36 PM", "00:01 AM") is redundant and ignored."""
    if not marker:
        return hour
    mk = marker.lower()
    if mk in _AM:
        if hour == 12:
            return 0
        if hour > 12:
            ctx.warnings.append(f"'{marker}' on a 24-hour time {hour:02d}h; kept {hour:02d}h")
        return hour
    if mk in _PM or mk in ("chiều", "tối"):
        return hour + 12 if 1 <= hour < 12 else hour
    if mk == "trưa":  # noon: "12 giờ trưa", "1 giờ trưa"
        return hour + 12 if 1 <= hour <= 4 else hour
    if mk == "đêm":  # night: "11 giờ đêm" = 23h, "2 giờ đêm" = 02h
        return hour + 12 if 6 <= hour <= 11 else (0 if hour == 12 else hour)
    return hour  # sáng (morning)


def _time_after(text: str, pos: int) -> re.Match[str] | None:
    if pos >= len(text):
        return None
    m = TIME_AFTER.match(text, pos)
    return m if m is not None and int(m.group("H")) < 24 else None


def _time_before(text: str, pos: int) -> re.Match[str] | None:
    if pos == 0:
        return None
    m = TIME_BEFORE.search(text, max(0, pos - 40), pos)
    return m if m is not None and int(m.group("H")) < 24 else None


def _time_parts(m: re.Match[str], ctx: _Ctx) -> tuple[int, int, int, str]:
    hour = int(m.group("H"))  # 0-23: callers check _hour_ok first
    minute = m.group("M") or m.group("M2") or m.group("M3") or "0"
    second = m.group("S")
    hour = _apply_meridiem(hour, m.group("AP"), ctx)
    return hour, int(minute), int(second) if second else 0, "second" if second else "minute"


def _zone_of(m: re.Match[str]) -> tzinfo | None:
    if m.group("zs"):
        sign = -1 if m.group("zs") in "-−" else 1
        minutes = sign * (int(m.group("zh")) * 60 + int(m.group("zm") or 0))
    elif m.group("os"):
        sign = -1 if m.group("os") in "-−" else 1
        minutes = sign * (int(m.group("oh")) * 60 + int(m.group("om")))
    else:
        minutes = NAMED_ZONES[m.group("zn").lower()]
    if abs(minutes) > 14 * 60:
        return None
    return _zone(minutes)


def _make_datetime(y: int, mo: int, d: int, hh: int, mi: int, ss: int, zone: tzinfo | None, ctx: _Ctx) -> datetime:
    if zone is None:
        return datetime(y, mo, d, hh, mi, ss, tzinfo=ctx.tz)
    return datetime(y, mo, d, hh, mi, ss, tzinfo=zone).astimezone(ctx.tz)


def _check_weekday(text: str, start: int, value: date, ctx: _Ctx) -> None:
    m = WEEKDAY_BEFORE.search(text, max(0, start - 30), start)
    if m is None:
        return
    if m.group("vi"):
        wd = VI_WEEKDAYS[m.group("vi").lower()]
    elif m.group("t"):
        wd = VI_WEEKDAYS[m.group("t")]
    elif m.group("sun"):
        wd = 6
    else:
        wd = EN_WEEKDAYS[m.group("en").lower()]
    _warn_weekday(m.group(0).rstrip(" ,.-–|:ngày"), wd, value, ctx)


def _warn_weekday(written: str, wd: int, value: date, ctx: _Ctx) -> None:
    actual = value.weekday()
    if wd != actual:
        ctx.warnings.append(
            f"weekday '{written.strip()}' ({_WEEKDAY_NAMES_EN[wd]}) disagrees with "
            f"{value.isoformat()[:10]} ({_WEEKDAY_NAMES_EN[actual]}); kept the date"
        )


def _finish_calendar(y: int, mo: int, d: int, start: int, end: int, family: str, ctx: _Ctx) -> _Found | str:
    """A valid calendar date at text[start:end]: attach a time before/after it, a zone, check the
    weekday, reject ranges and lunar dates."""
    text = ctx.text
    value: date | datetime = date(y, mo, d)
    day = value
    precision = "day"
    first, last = start, end
    # attach a time of day: right after the date, else right before it
    tm = _time_after(text, end)
    if tm is not None:
        last = tm.end()
    else:
        tm = _time_before(text, start)
        if tm is not None:
            first = tm.start()
    if tm is not None:
        if first != start and tm.group("bwd"):  # a weekday between the time and the date
            _check_weekday(text, start, day, ctx)
        hh, mi, ss, precision = _time_parts(tm, ctx)
        zm = ZONE.match(text, last) if last < len(text) else None
        zone = None
        if zm is not None:
            zone = _zone_of(zm)
            if zone is None:
                ctx.warnings.append(f"zone offset out of range in {zm.group(0).strip()!r}; assumed local time")
            last = zm.end()
        value = _make_datetime(y, mo, d, hh, mi, ss, zone, ctx)
        family += "_hm"
    # (the checks below look only at what is there: nothing after the end, nothing before the start)
    if ctx.prose:  # running text: each end of a range is a date of its own; lunar dates are still not solar
        if (last < len(text) and LUNAR_AFTER.match(text, last)) or (
                first and LUNAR_BEFORE.search(text[max(0, first - 25): first])):
            return f"lunar-calendar date {text[start:end]!r}: not a solar calendar date"
        _check_weekday(text, first, day, ctx)
        return (value, first, last, family, precision)
    if last < len(text) and (LUNAR_AFTER.match(text, last) or RANGE_AFTER.match(text, last)):
        ctx.final = True
        if LUNAR_AFTER.match(text, last):
            return f"lunar-calendar date {text[start:end]!r}: not a solar calendar date"
        return f"date range around {text[start:end]!r}: not one date"
    if first:
        window = text[max(0, first - 25) : first]
        if ("l" in window or "L" in window) and LUNAR_BEFORE.search(window):
            ctx.final = True
            return f"lunar-calendar date {text[start:end]!r}: not a solar calendar date"
        if RANGE_BEFORE.search(window):
            ctx.final = True
            return f"date range around {text[start:end]!r}: not one date"
        _check_weekday(text, first, day, ctx)
    return (value, first, last, family, precision)


def _year(s: str) -> int:
    y = int(s)
    if len(s) == 2:
        y += 2000 if y < TWO_DIGIT_YEAR_PIVOT else 1900
    return y


# --------------------------------------------------------------------------------------------
# Builders, one per family
# --------------------------------------------------------------------------------------------

def _lead(m: re.Match[str], group: str) -> str:
    """Digit-led families capture their first digit as ``lead`` (see SCAN_FAMILIES); add it back."""
    return m.group("lead") + m.group(group)


def _build_ymd(m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    y, mo, d = int(_lead(m, "ymd_y")), int(m.group("ymd_m")), int(m.group("ymd_d"))
    if not _valid_date(y, mo, d):
        return f"invalid date {m.group(0)!r}"
    if m.group("ymd_s") != "-":
        return _finish_calendar(y, mo, d, m.start(), m.end(), "ymd", ctx)
    found = _finish_calendar(y, mo, d, m.start(), m.end(), "iso", ctx)
    if isinstance(found, tuple) and found[3] == "iso_hm":
        found = (found[0], found[1], found[2], "iso", found[4])
    return found


def _build_dmy(m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    sep, ys = m.group("dmy_s"), m.group("dmy_y")
    if len(ys) == 2 and sep in ".,":
        return None  # "1.2.34" is a version or a number, not a date; two-digit years only with / and -
    a, b, y = int(_lead(m, "dmy_a")), int(m.group("dmy_b")), _year(ys)
    first, second = ((a, b), (b, a)) if not ctx.month_first else ((b, a), (a, b))
    d, mo = first
    family = "mdy" if ctx.month_first else "dmy"
    if not _valid_date(y, mo, d):
        d, mo = second
        if not _valid_date(y, mo, d):
            return f"invalid date {m.group(0)!r}"
        family = "dmy" if ctx.month_first else "mdy"
        order = "day-first" if ctx.month_first else "month-first"
        ctx.warnings.append(f"{m.group(0)!r} read {order}: the other order is impossible")
    return _finish_calendar(y, mo, d, m.start(), m.end(), family, ctx)


def _vi_month(word: str) -> int | None:
    w = " ".join(word.lower().split())
    if w.isdigit():
        return int(w)
    return VI_MONTH_WORDS.get(w)


def _long_vi(dd: str, mw: str, ys: str, m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    if mw.lower() in VI_LUNAR_MONTH_WORDS:
        ctx.final = True
        return f"lunar-calendar month in {m.group(0)!r}: not a solar calendar date"
    mo = _vi_month(mw)
    y, d = int(ys), int(dd)
    if mo is None or not _valid_date(y, mo, d):
        return f"invalid date {m.group(0)!r}"
    return _finish_calendar(y, mo, d, m.start(), m.end(), "long_vi", ctx)


def _build_long_vi(m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    return _long_vi(_lead(m, "lv_d"), m.group("lv_m"), m.group("lv_y"), m, ctx)


def _build_long_vi_mf(m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    return _long_vi(m.group("lvm_d"), m.group("lvm_m"), m.group("lvm_y"), m, ctx)


def _long_en(dd: str, mw: str, ys: str, wd: str | None, m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    y, mo, d = int(ys), EN_MONTHS[mw[:3].lower()], int(dd)
    if not _valid_date(y, mo, d):
        return f"invalid date {m.group(0)!r}"
    found = _finish_calendar(y, mo, d, m.start(), m.end(), "long_en", ctx)
    if isinstance(found, tuple) and wd:
        _warn_weekday(wd, EN_WEEKDAYS[wd[:3].lower()], date(y, mo, d), ctx)
    return found


def _build_long_en(m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    return _long_en(_lead(m, "le_d"), m.group("le_m"), m.group("le_y"), None, m, ctx)


def _build_long_en_mf(m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    return _long_en(m.group("lem_d"), m.group("lem_m"), m.group("lem_y"), m.group("lem_wd"), m, ctx)


def _machine(d: str, mon: str, ys: str, hh: str, mi: str, ss: str | None, wd: str | None, family: str,
             m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    """RFC 822 and JavaScript Date.toString(): English names, a time always, a zone after."""
    y, mo, day = _year(ys), EN_MONTHS[mon[:3].lower()], int(d)
    if not _valid_date(y, mo, day):
        return f"invalid date {m.group(0)!r}"
    end = m.end()
    zone = None
    zm = ZONE.match(ctx.text, end)
    if zm is not None:
        zone = _zone_of(zm)
        end = zm.end()
    value = _make_datetime(y, mo, day, int(hh), int(mi), int(ss or 0), zone, ctx)
    if wd:
        _warn_weekday(wd, EN_WEEKDAYS[wd[:3].lower()], date(y, mo, day), ctx)
    else:
        _check_weekday(ctx.text, m.start(), date(y, mo, day), ctx)
    return (value, m.start(), end, family, "second" if ss else "minute")


def _build_rfc822(m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    g = m.group
    return _machine(_lead(m, "r_d"), g("r_mon"), g("r_y"), g("r_H"), g("r_M"), g("r_S"), None, "rfc822", m, ctx)


def _build_month_year(m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    g = m.groupdict()
    if g.get("my_y"):
        mo, y = int(_lead(m, "my_m")), int(g["my_y"])
    elif g.get("my_iy"):
        mo, y = int(g["my_im"]), int(_lead(m, "my_iy"))
    else:
        mo, y = _vi_month(g["myv_m"]) or 0, int(g["myv_y"])
    if not (1 <= mo <= 12 and MIN_YEAR <= y <= MAX_YEAR):
        return None  # "15/2024" is a document number, not a month
    return f"a month and year without a day: {m.group(0)!r}"


def _build_js_date(m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    g = m.group
    return _machine(g("j_d"), g("j_mon"), g("j_y"), g("j_H"), g("j_M"), g("j_S"), g("j_wd"), "js_date", m, ctx)


def _build_unix(m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    digits = m.group("unix_s")
    seconds = int(digits) // 1000 if len(digits) >= 12 else int(digits)
    value = datetime.fromtimestamp(seconds, tz=timezone.utc).astimezone(ctx.tz)
    if not (UNIX_MIN_YEAR <= value.year <= UNIX_MAX_YEAR):
        return None  # a bare number far from our time is an id or a count, not a timestamp
    return (value, m.start(), m.end(), "unix", "second")


def _build_us_general(m: re.Match[str], ctx: _Ctx) -> _Found | str | None:
    y, mo, d = int(m.group("us_y")), int(m.group("us_m")), int(m.group("us_d"))
    if not _valid_date(y, mo, d):
        return f"invalid date {m.group(0)!r}"
    hh = int(m.group("us_H")) % 12 + (12 if m.group("us_ap").lower() == "pm" else 0)
    value = datetime(y, mo, d, hh, int(m.group("us_M")), int(m.group("us_S")), tzinfo=ctx.tz)
    return (value, m.start(), m.end(), "us_general", "second")


# --------------------------------------------------------------------------------------------
# The families, as data
# --------------------------------------------------------------------------------------------

Builder = Callable[[re.Match[str], _Ctx], "_Found | str | None"]

#: Tried first, on the whole (stripped) string only: (name, compiled regex, builder, why).
WHOLE_FAMILIES: tuple[tuple[str, re.Pattern[str], Builder, str], ...] = (
    (
        "unix",
        _rx(r"(?P<unix_s>[1-9]\d{8,9}|[1-9]\d{11,12})(?:\.\d{1,6})?"),
        _build_unix,
        "Unix time in seconds (9-10 digits, optional fraction) or milliseconds (12-13 digits), as pages "
        "store in data attributes; only a whole string, and only if it falls in 2000-2100.",
    ),
    (
        "us_general",
        _rx(r"(?P<us_m>1[0-2]|[1-9])/(?P<us_d>3[01]|[12]\d|[1-9])/(?P<us_y>\d{4}),?\s+"
            r"(?P<us_H>1[0-2]|[1-9]):(?P<us_M>[0-5]\d):(?P<us_S>[0-5]\d)\s*(?P<us_ap>AM|PM)"),
        _build_us_general,
        "The en-US default rendering of .NET (DateTime.ToString(), 'M/d/yyyy h:mm:ss tt') and of "
        "JavaScript's toLocaleString('en-US') ('M/d/yyyy, h:mm:ss AM'), found in title attributes of "
        "ASP.NET sites. It is month-first. It is told apart from Vietnamese day-first writing by its "
        "exact shape: month, day and hour never zero-padded, seconds always present, English AM/PM. "
        "Vietnamese renderings zero-pad (vi-VN 'dd/MM/yyyy'), use a 24-hour clock or SA/CH, and "
        "bylines do not show seconds with AM/PM.",
    ),
)

#: Scanned left to right; the first *valid* calendar date wins. (name, lead, pattern, builder, why).
#: lead "digit": the family starts with a digit, which the scanner captures as group ``lead``
#: (after checking no digit precedes it); the pattern goes on from the *second* character and may
#: look back at the lead. All digit-led families are joined into one regular expression whose
#: first item is a digit, so the regex engine skips quickly to digits (a leading look-behind or a
#: letter would make it try every alternative at every position). lead "word": the family starts
#: with a word; these are scanned only when the digit-led scan found no date and the text holds a
#: year-like number. Group names are prefixed by the family.
SCAN_FAMILIES: tuple[tuple[str, str, str, Builder, str], ...] = (
    (
        "ymd", "digit",
        r"(?<![/.\-]\d)(?P<ymd_y>\d{3})(?P<ymd_s>[\-/.])(?P<ymd_m>\d{1,2})(?P=ymd_s)(?P<ymd_d>\d{1,2})(?!\d)",
        _build_ymd,
        "Year first: ISO-8601 '2024-06-07', '2024-06-07T06:55:00+07:00', '2024-06-07 06:55' (family "
        "'iso'), also with '/' or '.' (family 'ymd'). Fractions are dropped; a space before the "
        "offset is tolerated.",
    ),
    (
        "rfc822", "digit",
        r"(?P<r_d>\d?)\s+(?P<r_mon>" + _EN_MONTH3 + r")\s+(?P<r_y>\d{4}|\d{2})\s+"
        r"(?P<r_H>[01]?\d|2[0-3]):(?P<r_M>[0-5]\d)(?::(?P<r_S>[0-5]\d))?(?!\d)",
        _build_rfc822,
        "RFC 822 / 2822 from feeds: '[Sun, ]09 Aug 2026 16:50:55 +0700', zone also 'GMT', 'GMT+7' or "
        "none (Vietnam time); the weekday before it is checked.",
    ),
    (
        "dmy", "digit",
        r"(?<![/.]\d)(?P<dmy_a>\d{0,2})(?P<dmy_s>[/.\-,])(?P<dmy_b>\d{1,3})(?P=dmy_s)(?P<dmy_y>\d{4}|\d{2})"
        r"(?!\d)(?!(?P=dmy_s)\d)",
        _build_dmy,
        "Day-first numeric dates, the Vietnamese norm: '07/06/2024', '7-6-2024', '26.03.2011', "
        "'7,6,2024', '29/05/13' (two-digit years with / and - only). Month-first only when day-first "
        "is impossible ('2/26/2026') or the caller says the site writes month-first (family 'mdy'). "
        "Deliberately loose (up to 3 digits) so corrupt values such as '206/03/2026' are recognised "
        "and rejected rather than handed to dateparser.",
    ),
    (
        "long_vi", "digit",
        r"(?<![^\W\d_]\d)(?P<lv_d>\d?)\s*(?:tháng|thang|thg|th(?=\s*\d))\.?\s*(?P<lv_m>\d{1,2}|" + "|".join(VI_MONTH_WORDS)
        + "|" + "|".join(VI_LUNAR_MONTH_WORDS) + r")(?![^\W_])\s*(?:,\s*|/\s*|(?:năm|nam)\s+|\s)\s*(?P<lv_y>\d{4})(?!\d)",
        _build_long_vi,
        "Long Vietnamese, day first: 'ngày 7 tháng 6 năm 2024', '7 tháng 6, 2024', '07 Tháng Sáu, 2024', "
        "'7 thg 6, 2024', '7 Th6 2024', unaccented '7 thang 6 nam 2024'. 'tháng Giêng' / 'tháng Chạp' are lunar months: rejected.",
    ),
    (
        "long_en", "digit",
        r"(?<![^\W\d_]\d)(?P<le_d>\d?)(?:st|nd|rd|th)?(?:\s+(?:of\s+)?|-)(?P<le_m>" + _EN_MONTH + r")(?:,?\s+|-)"
        r"(?P<le_y>\d{4})(?!\d)",
        _build_long_en,
        "Long English, day first: '7 June 2024', '7th of June, 2024', '7-Jun-2024' (a weekday before it is checked).",
    ),
    (
        "month_year", "digit",
        r"(?:(?<![/.\-]\d)(?P<my_m>\d?)[/.\-](?P<my_y>\d{4})|(?<![/.\-]\d)(?P<my_iy>\d{3})-(?P<my_im>\d{2}))"
        r"(?![\d/.\-:])",
        _build_month_year,
        "A month and year without a day: '6/2024', '06-2024', ISO '2024-06'. Recognised so that no "
        "day is invented (not handed to dateparser); a later full date in the text still wins.",
    ),
    (
        "js_date", "word",
        r"(?<![^\W\d_])(?P<j_wd>" + _EN_WEEKDAY + r")\s+(?P<j_mon>" + _EN_MONTH3 + r")\s+(?P<j_d>\d{1,2})\s+"
        r"(?P<j_y>\d{4})\s+(?P<j_H>[01]?\d|2[0-3]):(?P<j_M>[0-5]\d)(?::(?P<j_S>[0-5]\d))?(?!\d)",
        _build_js_date,
        "JavaScript Date.toString() left in pages by CMSs: 'Sun Mar 01 2026 09:51:10 GMT+0700 (Indochina Time)'.",
    ),
    (
        "long_vi_mf", "word",
        r"(?<![^\W\d_])(?:tháng|thg)\.?\s*(?P<lvm_m>\d{1,2}|" + "|".join(VI_MONTH_WORDS) + r")\s+"
        r"(?P<lvm_d>\d{1,2}),\s*(?P<lvm_y>\d{4})(?!\d)",
        _build_long_vi_mf,
        "WordPress's Vietnamese 'F j, Y': 'Tháng Sáu 7, 2024', 'Tháng 6 7, 2024' (family 'long_vi').",
    ),
    (
        "month_year_vi", "word",
        r"(?<![^\W\d_])(?:tháng|thg)\.?\s*(?P<myv_m>\d{1,2}|" + "|".join(VI_MONTH_WORDS) + r")(?![^\W_])"
        r"\s*(?:/|-|,|năm)\s*(?P<myv_y>\d{4})(?!\d)",
        _build_month_year,
        "'tháng 6/2024', 'tháng Sáu năm 2024': a month and year without a day.",
    ),
    (
        "long_en_mf", "word",
        r"(?<![^\W\d_])(?:(?P<lem_wd>" + _EN_WEEKDAY + r"),?\s+)?(?P<lem_m>" + _EN_MONTH + r")\s+"
        r"(?P<lem_d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<lem_y>\d{4})(?!\d)",
        _build_long_en_mf,
        "Long English, month first: 'June 7, 2024', 'Friday, June 7, 2024' (family 'long_en').",
    ),
)

_DIGIT_SCAN = _rx(
    r"(?P<lead>\d)(?<!\d\d)(?:"
    + "|".join(f"(?P<{name}>{pattern})" for name, lead, pattern, _b, _w in SCAN_FAMILIES if lead == "digit")
    + ")"
)
_WORD_SCAN = _rx("|".join(f"(?P<{name}>{pattern})" for name, lead, pattern, _b, _w in SCAN_FAMILIES if lead == "word"))
_SCAN_BUILDERS: dict[str, Builder] = {name: builder for name, _l, _p, builder, _w in SCAN_FAMILIES}


def _scan(pattern: re.Pattern[str], ctx: _Ctx) -> tuple[_Found | None, str | None]:
    """The first valid date the pattern finds, and the first rejection met before it."""
    rejected: str | None = None
    text = ctx.text
    for m in pattern.finditer(text):
        # lastgroup: the family's group, the last to close (the digit scan's "lead" closes first)
        found = _SCAN_BUILDERS[m.lastgroup](m, ctx)  # type: ignore[index]
        if isinstance(found, tuple):
            nxt = _DIGIT_SCAN.search(text, found[2]) if found[2] < len(text) else None
            if nxt is not None:
                ctx.warnings.append(f"another date {nxt.group(0)!r} follows; used the first")
            return found, rejected
        if isinstance(found, str) and rejected is None:
            rejected = found
        if ctx.final:
            break
    return None, rejected


# --------------------------------------------------------------------------------------------
# Relative expressions
# --------------------------------------------------------------------------------------------

#: "5 phút trước", "7' trước", "23h trước", "2 tuần trước", "3 hours ago" (digit-led).
RELATIVE_NUMBER = _rx(
    r"(?P<n>\d(?<!\d\d)\d{0,3})\s*(?P<unit>giây|phút|p|'|′|giờ|tiếng|h|ngày|tuần|tháng|năm"
    r"|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s*(?:trước|ago)(?![^\W\d_])"
)
#: "vừa xong", "hôm qua", "hôm kia", "Hôm nay, 10:30", "10:30 hôm qua", "yesterday".
RELATIVE_WORD = _rx(
    r"(?<![^\W\d_])(?:(?P<just>vừa\s+xong|vừa\s+mới|mới\s+đây|just\s+now|vài\s+giây\s+trước)"
    r"|(?P<day>hôm\s+nay|hôm\s+qua|hôm\s+kia|today|yesterday))(?![^\W\d_])"
)
#: RELATIVE_WORD is tried only when the lower-cased text contains one of these.
RELATIVE_WORD_GATE = ("vừa", "mới", "just", "vài", "hôm", "today", "yesterday")
RELATIVE_UNITS: dict[str, str] = {
    "giây": "second", "second": "second", "seconds": "second", "sec": "second", "secs": "second",
    "phút": "minute", "p": "minute", "'": "minute", "′": "minute", "minute": "minute", "minutes": "minute",
    "min": "minute", "mins": "minute",
    "giờ": "hour", "tiếng": "hour", "h": "hour", "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour",
    "ngày": "day", "day": "day", "days": "day",
    "tuần": "week", "week": "week", "weeks": "week",
    "tháng": "month", "month": "month", "months": "month",
    "năm": "year", "year": "year", "years": "year",
}
RELATIVE_DAYS = {"hôm nay": 0, "today": 0, "hôm qua": 1, "yesterday": 1, "hôm kia": 2}


def _minus_months(d: date, months: int) -> date:
    total = d.year * 12 + (d.month - 1) - months
    y, m = divmod(total, 12)
    m += 1
    return date(y, m, min(d.day, _month_days(y, m)))


def _relative(ctx: _Ctx) -> _Found | str | None:
    text = ctx.text
    m = RELATIVE_NUMBER.search(text)
    if m is None:
        low = text.lower()
        if not any(word in low for word in RELATIVE_WORD_GATE):
            return None
        m = RELATIVE_WORD.search(text)
        if m is None:
            return None
    if ctx.now is None:
        return f"relative expression {m.group(0)!r} needs a reference time (now)"
    now = ctx.now.replace(tzinfo=ctx.tz) if ctx.now.tzinfo is None else ctx.now.astimezone(ctx.tz)
    start, end = m.span()
    groups = m.groupdict()
    if groups.get("just"):
        return (now.replace(second=0, microsecond=0), start, end, "relative", "minute")
    if groups.get("n"):
        n = int(m.group("n"))
        unit = RELATIVE_UNITS[m.group("unit").lower()]
        try:
            if unit in ("second", "minute", "hour"):
                delta = timedelta(**{unit + "s": n})
                return ((now - delta).replace(second=0, microsecond=0), start, end, "relative", "minute")
            today = now.date()
            if unit == "day":
                value = today - timedelta(days=n)
            elif unit == "week":
                value = today - timedelta(weeks=n)
            elif unit == "month":
                value = _minus_months(today, n)
            else:
                value = _minus_months(today, 12 * n)
        except (OverflowError, ValueError):
            return f"relative expression {m.group(0)!r} goes out of the calendar"
        return (value, start, end, "relative", "day")
    day = now.date() - timedelta(days=RELATIVE_DAYS[" ".join(m.group("day").lower().split())])
    tm = _time_after(text, end)
    if tm is None:
        tm = _time_before(text, start)
    if tm is None:
        return (day, start, end, "relative", "day")
    hh, mi, ss, precision = _time_parts(tm, ctx)
    value = datetime(day.year, day.month, day.day, hh, mi, ss, tzinfo=ctx.tz)
    return (value, min(start, tm.start()), max(end, tm.end()), "relative", precision)


# --------------------------------------------------------------------------------------------
# Fallback
# --------------------------------------------------------------------------------------------

_DATEPARSER: Any = None


def _dateparser(ctx: _Ctx) -> _Found | str | None:
    global _DATEPARSER
    text = ctx.text
    try:
        if _DATEPARSER is None:
            from dateparser.date import DateDataParser

            _DATEPARSER = DateDataParser(languages=DATEPARSER_LANGUAGES, settings=DATEPARSER_SETTINGS)
        data = _DATEPARSER.get_date_data(text)
    except Exception as exc:  # dateparser's own bugs must not reach the caller
        return f"dateparser failed: {type(exc).__name__}"
    obj = data["date_obj"]
    if obj is None:
        return None
    parts = data["parts"] or ()
    if not {"day", "month", "year"} <= set(parts):
        return None
    if not (MIN_YEAR <= obj.year <= MAX_YEAR):
        return None
    if data["period"] == "time":
        value: date | datetime = obj.astimezone(ctx.tz) if obj.tzinfo else obj.replace(tzinfo=ctx.tz)
        precision = "second" if obj.second else "minute"
    else:
        value, precision = obj.date(), "day"
    start = len(text) - len(text.lstrip())
    return (value, start, len(text.rstrip()), "dateparser", precision)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------

def _prepare(raw: str) -> tuple[str, list[str]]:
    warnings: list[str] = []
    text = raw
    if len(text) > MAX_CHARS * 4:
        text = text[: MAX_CHARS * 4]  # bound the unescaping and normalising work too
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        warnings.append(f"only the first {MAX_CHARS} characters were considered")
    return text, warnings


def _parse(raw: Any, now: datetime | None, tz: tzinfo, month_first: bool) -> tuple[_Found | None, _Ctx | None, list[str]]:
    if not isinstance(raw, str):
        return None, None, [f"not a string: {type(raw).__name__}"]
    text, pre_warnings = _prepare(raw)
    ctx = _Ctx(text, tz, now, month_first)
    ctx.warnings.extend(pre_warnings)
    rejected: str | None = None

    # 1. whole-string machine families
    stripped = text.strip()
    if stripped[:1].isdigit():
        offset = text.find(stripped)
        for _name, pattern, builder, _why in WHOLE_FAMILIES:
            m = pattern.fullmatch(text, offset, offset + len(stripped))
            if m is not None:
                found = builder(m, ctx)
                if isinstance(found, tuple):
                    return found, ctx, ctx.warnings
                if isinstance(found, str):
                    rejected = found
                    break

    # 2. the first valid calendar date: digit-led families, then (with a year-like number) word-led
    has_year: bool | None = None
    if rejected is None:
        found, rejected = _scan(_DIGIT_SCAN, ctx)
        if found is None and not ctx.final and (has_year := YEAR_LIKE.search(text) is not None):
            found, rejected_w = _scan(_WORD_SCAN, ctx)
            rejected = rejected or rejected_w
        if found is not None:
            return found, ctx, ctx.warnings

    if rejected is not None:
        ctx.warnings.append(rejected)
        return None, ctx, ctx.warnings

    # 3. relative expressions
    found = _relative(ctx)
    if isinstance(found, tuple):
        return found, ctx, ctx.warnings
    if isinstance(found, str):
        ctx.warnings.append(found)
        return None, ctx, ctx.warnings

    # 4. dateparser, for the rare short leftovers that plausibly hold a date (a year-like number)
    if has_year is None:
        has_year = YEAR_LIKE.search(text) is not None
    if has_year and len(stripped) <= DATEPARSER_MAX_CHARS:
        found = _dateparser(ctx)
        if isinstance(found, tuple):
            return found, ctx, ctx.warnings
        if isinstance(found, str):
            ctx.warnings.append(found)

    # explain the None
    if TIME_ANYWHERE.search(text):
        ctx.warnings.append("a time without a date")
    elif DAY_MONTH_NO_YEAR.search(text):
        ctx.warnings.append("a day and month without a year")
    else:
        ctx.warnings.append("no date found")
    return None, ctx, ctx.warnings


def parse_date(text: Any, *, now: datetime | None = None, tz: tzinfo = VN_TZ,
               month_first: bool = False) -> datetime | date | None:
    """Normalise a Vietnamese date string.

    Returns an aware ``datetime`` (in ``tz``) when the text gives a time, a ``date`` when it gives only
    a calendar date, ``None`` when it does not name one calendar date with a year. ``now`` anchors
    relative expressions ("2 giờ trước"); without it they give ``None``. ``month_first=True`` is the
    per-site setting for sources that write month-first. Never raises.

    >>> parse_date("Thứ sáu, 07/06/2024 - 06:55")
    datetime.datetime(2024, 6, 7, 6, 55, tzinfo=datetime.timezone(datetime.timedelta(seconds=25200)))
    >>> parse_date("Ngày đăng: 7/6/2024")
    datetime.date(2024, 6, 7)
    >>> parse_date("10:30") is None
    True
    """
    try:
        found, _ctx, _w = _parse(text, now, tz, month_first)
    except Exception:  # pragma: no cover - a bug; parse_date_detailed reports it
        return None
    return None if found is None else found[0]


def parse_date_detailed(text: Any, *, now: datetime | None = None, tz: tzinfo = VN_TZ,
                        month_first: bool = False) -> ParsedDate:
    """Like :func:`parse_date`, with the matched span, format family, precision and warnings."""
    try:
        found, ctx, warnings = _parse(text, now, tz, month_first)
    except Exception as exc:  # pragma: no cover - a bug, reported rather than raised
        return ParsedDate(None, text, warnings=(f"internal error: {type(exc).__name__}: {exc}",))
    if found is None:
        return ParsedDate(None, text, warnings=tuple(warnings))
    value, start, end, family, precision = found
    span: tuple[int, int] | None = (start, end)
    if ctx is not None and ctx.text is not text and text[start:end] != ctx.text[start:end]:
        # the text was unescaped or normalised: find the matched piece in the input, if it is there
        piece = ctx.text[start:end]
        at = text.find(piece)
        span = (at, at + len(piece)) if at >= 0 else None
    return ParsedDate(value, text, span, family, precision, tuple(warnings))


# --------------------------------------------------------------------------------------------
# Dates in running text
# --------------------------------------------------------------------------------------------
#
# ``parse_date`` reads a date line and stays strict: one calendar date with a year, or None.
# ``find_dates`` reads prose ("Chiều nay 12/5, Sở Y tế...", "lúc 9h45phút ngày 3 tháng 2 năm 2015",
# "7h15 sáng qua", "Bản tin 19h (ngày 05/01/2022)", "từ 18h ngày 6/6 đến 6h ngày 7/6") and returns
# every mention of a date or a time of day in it, in text order. A mention is built from atoms
# standing side by side (only spaces, punctuation, brackets and the words "lúc", "vào", "ngày",
# "hôm" between them):
#
# - a calendar date with a year (every family of ``SCAN_FAMILIES``, a time next to it included);
# - a day and month without a year ("7/6", "28.5", "ngày 3 tháng 2") after a word that makes it a
#   date ("sáng", "chiều", "ngày", "hôm", "từ", "đến", a weekday, "("): the year is the one that
#   puts the date nearest to ``now``;
# - a time of day ("7h15", "9h45phút", "10:30", "10 giờ 30"; a bare hour "19h" only next to a
#   date, a day part or a word such as "lúc" that makes it a clock time, not a duration);
# - a day part, alone or with a relative day ("sáng", "trưa", "chiều", "tối", "đêm", "khuya";
#   "sáng nay", "tối qua", "chiều mai"), which also moves an hour to the afternoon or evening
#   ("2h chiều" = 14:00, "8h tối" = 20:00);
# - a relative day ("hôm nay", "hôm qua", "hôm kia", "ngày mai", "ngày kia", "today",
#   "yesterday", "tomorrow") or a relative time ("5 phút trước", "2 giờ trước").
#
# Relative words and year-less dates are resolved against ``now``; without it the mention is still
# reported, with ``value`` None and a warning. A time with no date is reported with ``value`` None.

#: Precision of a mention: a day part is vaguer than a time, finer than a day.
PROSE_PRECISIONS = ("second", "minute", "hour", "part-of-day", "day")

#: Longest texts find_dates reads (a long article body is well inside).
FIND_MAX_CHARS = 200_000


@dataclass(frozen=True, slots=True)
class DateMention:
    """One date or time found by :func:`find_dates`."""

    value: datetime | date | None
    """Aware datetime (a time of day is known), date (a day, or a day part of it), or None (a time
    without a date, or relative words without ``now``)."""
    span: tuple[int, int]
    """(start, end) of the mention in the text."""
    text: str
    """The mention as written."""
    precision: str
    """"second", "minute", "hour", "part-of-day" or "day"."""
    part_of_day: str | None = None
    """The day part written ("sáng", "trưa", "chiều", "tối", "đêm", "khuya"), or None."""
    resolved: tuple[str, ...] = ()
    """The words read against ``now`` or that moved the time: day parts and relative days as
    written ("sáng qua"), and a year-less date ("7/6") whose year came from ``now``."""
    family: str | None = None
    """Format family of the calendar date in it ("dmy", "long_vi"...), "day_month", "relative", or None."""
    warnings: tuple[str, ...] = ()

    @property
    def iso(self) -> str | None:
        return to_iso(self.value)


_DAY_PARTS = r"rạng\s+sáng|sáng\s+sớm|sáng|trưa|chiều|tối|đêm|khuya"
_REL_AFTER_PART = r"hôm\s+nay|hôm\s+qua|hôm\s+kia|ngày\s+mai|ngày\s+kia|nay|qua|mai|mốt"
#: A day part, with the relative day right after it ("sáng nay", "tối qua", "chiều mai").
PROSE_PART = _rx(r"(?<![^\W\d_])(?P<part>" + _DAY_PARTS + r")(?:\s+(?P<rel>" + _REL_AFTER_PART + r"))?(?![^\W\d_])")
#: A relative day standing alone.
PROSE_REL = _rx(r"(?<![^\W\d_])(?P<rel>hôm\s+nay|hôm\s+qua|hôm\s+kia|ngày\s+mai|ngày\s+kia|today|yesterday|tomorrow|tonight)(?![^\W\d_])")
#: A time of day: "7h15", "9h45phút", "19h", "10:30", "10:30:15", "10 giờ 30 phút", "3 PM".
PROSE_TIME = _rx(
    r"(?<![\d:.,/])(?P<H>[01]?\d|2[0-3])(?:"
    r":(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?(?!\d)"
    r"|\s*[hg](?P<M2>[0-5]\d)?\s*(?:phút|ph|p|')?(?![^\W\d_])"
    r"|\s*giờ(?:\s*(?P<M3>[0-5]?\d)\s*(?:phút)?)?(?![^\W\d_])"
    r")(?:\s*(?P<AP>a\.m\.|p\.m\.|am|pm|sa|ch)(?![^\W\d_]))?"
)
#: A day and month without a year: "7/6", "28.5", "2-1", "ngày 3 tháng 2" (a year after it is a full date).
PROSE_DAY_MONTH = _rx(
    r"(?<![\d/.\-,])(?P<d>[0-3]?\d)(?:\s*(?P<sep>[/.\-])\s*(?P<m>[01]?\d)(?![\d%]|[/.\-,]\d)"
    r"|\s+tháng\s+(?P<mw>1[0-2]|0?[1-9])(?![\d/]))"
)
#: Words before a year-less day/month that make it a date ("sáng 7/6", "ngày 28.5", "từ 1-3", "(7/6)").
PROSE_DATE_CUE = _rx(
    r"(?:(?<![^\W\d_])(?:" + _DAY_PARTS + r"|ngày|hôm|nay|qua|mai|từ|đến|tới|lúc|vào|thứ\s*(?:hai|ba|tư|bốn|năm|sáu|bảy|[2-7])"
    r"|chủ\s*nhật|cn|t[2-7])|\()[\s,.:]*\Z"
)
#: Words before a bare hour that make it a clock time ("lúc 19h", "bản tin 19h", "từ 8h").
PROSE_TIME_CUE = _rx(r"(?<![^\W\d_])(?:lúc|vào|từ|đến|tới|khoảng|bản\s+tin|trước|sau|at|by)\s*\Z")
#: What may stand between the atoms of one mention.
PROSE_GLUE = _rx(
    r"[\s,\-–—|()\[\]]*(?:(?:vào|lúc|ngày|hôm|on|at|thứ\s*(?:hai|ba|tư|bốn|năm|sáu|bảy|[2-7])|chủ\s*nhật|cn|t[2-7]"
    r"|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?)(?![^\W\d_])[\s,\-–—|()\[\]]*)*\Z")

#: An upper-case abbreviation right after a time: a zone ("ET", "CET") when ZONE does not know it.
_UNKNOWN_ZONE = re.compile(r"\s*\(?[A-Z]{2,4}\)?(?![^\W\d_])")

_REL_DAYS = {"nay": 0, "hôm nay": 0, "today": 0, "tonight": 0, "qua": -1, "hôm qua": -1, "yesterday": -1,
             "hôm kia": -2, "mai": 1, "ngày mai": 1, "tomorrow": 1, "ngày kia": 2, "mốt": 2}


def _fold_words(s: str) -> str:
    return " ".join(s.lower().split())


def _part_hour(hour: int, part: str | None) -> int:
    """An hour moved by its day part ("2h chiều" = 14, "8h tối" = 20, "11h đêm" = 23)."""
    if not part:
        return hour
    p = part.split()[-1] if part.startswith(("rạng", "sáng sớm")) else part
    if p in ("chiều", "tối"):
        return hour + 12 if 1 <= hour < 12 else hour
    if p == "trưa":
        return hour + 12 if 1 <= hour <= 4 else hour
    if p in ("đêm", "khuya"):
        return hour + 12 if 6 <= hour <= 11 else (0 if hour == 12 else hour)
    return hour  # sáng: the morning


def _nearest_year(day: int, month: int, now: datetime) -> date | None:
    """The date of day/month nearest to ``now`` (this year, the last or the next)."""
    today = now.date()
    best = None
    for y in (today.year - 1, today.year, today.year + 1):
        if _valid_date(y, month, day):
            d = date(y, month, day)
            if best is None or abs((d - today).days) < abs((best - today).days):
                best = d
    return best


def _atoms(text: str, ctx: _Ctx) -> list[dict]:
    """Every atom of the text (see the section comment), without overlaps, in text order."""
    atoms: list[dict] = []
    occupied = bytearray(len(text) + 1)   # 1 where an atom (or a rejected date) already stands

    def free(a: int, b: int) -> bool:
        return occupied.find(1, a, b) == -1

    def take(a: int, b: int) -> None:
        occupied[a:b] = b"\x01" * (b - a)

    for pattern in (_DIGIT_SCAN, _WORD_SCAN):
        for m in pattern.finditer(text):
            if not free(m.start(), m.end()):
                continue
            ctx.warnings = []
            found = _SCAN_BUILDERS[m.lastgroup](m, ctx)  # type: ignore[index]
            if isinstance(found, tuple):
                value, start, end, family, precision = found
                if free(start, end):
                    atoms.append({"kind": "date", "start": start, "end": end, "value": value, "family": family,
                                  "precision": precision, "warnings": list(ctx.warnings)})
                    take(start, end)
            elif isinstance(found, str):
                take(*m.span())  # recognised and rejected (invalid, lunar, a month without a day)
    for m in RELATIVE_NUMBER.finditer(text):
        if free(*m.span()) and not (m.start() and text[m.start() - 1] in "/.,"):  # "1/2 năm trước": half a year
            atoms.append({"kind": "ago", "start": m.start(), "end": m.end(), "m": m})
            take(*m.span())
    for m in PROSE_PART.finditer(text):
        if free(*m.span()):
            atoms.append({"kind": "part", "start": m.start(), "end": m.end(), "part": _fold_words(m.group("part")),
                          "rel": _fold_words(m.group("rel")) if m.group("rel") else None})
            take(*m.span())
    for m in PROSE_REL.finditer(text):
        if free(*m.span()):
            atoms.append({"kind": "rel", "start": m.start(), "end": m.end(), "rel": _fold_words(m.group("rel"))})
            take(*m.span())
    for m in PROSE_DAY_MONTH.finditer(text):
        if not free(*m.span()):
            continue
        d = int(m.group("d"))
        mo = int(m.group("m") or m.group("mw"))
        if not (1 <= d <= 31 and 1 <= mo <= 12):
            continue
        if LUNAR_AFTER.match(text, m.end()) or LUNAR_BEFORE.search(text[max(0, m.start() - 25): m.start()]):
            take(*m.span())  # a lunar-calendar day: not a solar date
            continue
        cue = PROSE_DATE_CUE.search(text, max(0, m.start() - 14), m.start()) is not None
        atoms.append({"kind": "daymonth", "start": m.start(), "end": m.end(), "d": d, "mo": mo, "cue": cue})
        take(*m.span())
    for m in PROSE_TIME.finditer(text):
        if not free(*m.span()):
            continue
        minutes = m.group("M") or m.group("M2") or m.group("M3")
        cue = PROSE_TIME_CUE.search(text, max(0, m.start() - 12), m.start()) is not None
        atoms.append({"kind": "time", "start": m.start(), "end": m.end(), "H": int(m.group("H")),
                      "M": int(minutes) if minutes else None, "S": int(m.group("S")) if m.group("S") else None,
                      "AP": m.group("AP"), "cue": cue})
        take(*m.span())
    atoms.sort(key=lambda a: a["start"])
    return atoms


def _groups(text: str, atoms: list[dict]) -> list[list[dict]]:
    """Atoms side by side (glue only between them), at most one of each kind, form one mention."""
    groups: list[list[dict]] = []
    for atom in atoms:
        if groups:
            last = groups[-1]
            kinds = {a["kind"] for a in last}
            dated = kinds & {"date", "daymonth", "rel", "ago"}
            written = kinds & {"date", "daymonth"}
            joins = (PROSE_GLUE.match(text[last[-1]["end"]: atom["start"]]) is not None
                     and atom["kind"] not in kinds and atom["kind"] != "ago" and "ago" not in kinds
                     # one written date; a relative day may stand beside it ("hôm nay 7/3/2026")
                     and not (atom["kind"] in ("date", "daymonth") and written)
                     and not (atom["kind"] == "rel" and (dated - {"date", "daymonth"}
                                                          or any(a["kind"] == "part" and a["rel"] for a in last))))
            if joins:
                last.append(atom)
                continue
        groups.append([atom])
    return groups


def _mention(text: str, group: list[dict], ctx: _Ctx) -> DateMention | None:
    by = {a["kind"]: a for a in group}
    start, end = group[0]["start"], group[-1]["end"]
    warnings: list[str] = []
    resolved: list[str] = []
    now = ctx.now
    if now is not None:
        now = now.replace(tzinfo=ctx.tz) if now.tzinfo is None else now.astimezone(ctx.tz)
    part = by.get("part")
    time = by.get("time")
    if "ago" in by:  # "5 phút trước": the relative-time path of parse_date
        sub = _Ctx(text[start:end], ctx.tz, now, ctx.month_first)
        found = _relative(sub)
        if not isinstance(found, tuple):
            return DateMention(None, (start, end), text[start:end], "minute", None, (text[start:end],), "relative",
                               (found,) if isinstance(found, str) else ())
        return DateMention(found[0], (start, end), text[start:end], found[4], None, (text[start:end],), "relative")
    # a mention needs a date, a relative day, or a time that is a clock time
    daymonth = by.get("daymonth")
    has_day = "date" in by or "rel" in by or (part is not None and part["rel"])
    before = [a for a in group if a["start"] < (daymonth["start"] if daymonth else 0) and a["kind"] in ("part", "time", "rel")]
    if daymonth is not None and not (daymonth["cue"] or before):
        # "12.5" or "2-1" with nothing saying it is a date: a number (a score, a fraction)
        group = [a for a in group if a is not daymonth]
        daymonth = None
        if not group:
            return None
        start, end = group[0]["start"], group[-1]["end"]
    if not has_day and daymonth is None:
        if time is None:
            return None  # a day part alone ("buổi sáng") names no date
        if time["M"] is None and not time["cue"] and part is None and not time["AP"]:
            return None  # "3h" alone is as likely a duration as a clock time
    # the day
    family = None
    day: date | None = None
    value_time: datetime | None = None
    precision = "day"
    if "date" in by:
        a = by["date"]
        family = a["family"]
        warnings += a["warnings"]
        if isinstance(a["value"], datetime):
            value_time, precision = a["value"], a["precision"]
        else:
            day = a["value"]
    elif daymonth is not None:
        family = "day_month"
        resolved.append(text[daymonth["start"]: daymonth["end"]])
        if now is None:
            warnings.append("a day and month without a year: needs a reference time (now)")
        else:
            day = _nearest_year(daymonth["d"], daymonth["mo"], now)
            if day is None:
                warnings.append(f"invalid date {text[daymonth['start']: daymonth['end']]!r}")
    rel_word = (by["rel"]["rel"] if "rel" in by else part["rel"] if part is not None and part["rel"] else None)
    if rel_word is not None:
        family = family or "relative"
        if now is None:
            warnings.append(f"relative day {rel_word!r} needs a reference time (now)")
        else:
            rel_day = now.date() + timedelta(days=_REL_DAYS[rel_word])
            if day is None and value_time is None:
                day = rel_day
            elif (day or value_time.date()) != rel_day:
                warnings.append(f"{rel_word!r} is {rel_day.isoformat()}, the text says {(day or value_time.date()).isoformat()}; kept the written date")
    if part is not None:
        resolved.insert(0, text[part["start"]: part["end"]])
    elif "rel" in by:
        resolved.insert(0, text[by["rel"]["start"]: by["rel"]["end"]])
    part_word = part["part"] if part is not None else None
    # the time of day
    if time is not None and value_time is None:
        hour = time["H"]
        if time["AP"]:
            hour = _apply_meridiem(hour, time["AP"], ctx)
        else:
            hour = _part_hour(hour, part_word)
        minute = time["M"] or 0
        second = time["S"] or 0
        precision = "second" if time["S"] is not None else ("minute" if time["M"] is not None else "hour")
        zone = None
        zm = ZONE.match(text, time["end"])
        if zm is not None:
            zone = _zone_of(zm)
            end = max(end, zm.end())
        elif _UNKNOWN_ZONE.match(text, time["end"]):
            # "9:24 pm ET": a zone this module does not know; the hour cannot be placed in time
            warnings.append(f"time {text[time['start']: time['end']]!r} in an unknown zone; kept the day")
            time = None
        if time is not None and day is not None:
            value_time = _make_datetime(day.year, day.month, day.day, hour, minute, second, zone, ctx)
        elif time is not None:
            warnings.append("a time without a date")
            return DateMention(None, (start, end), text[start:end], precision, part_word, tuple(resolved), family,
                               tuple(warnings))
        else:
            precision = "day"
    if value_time is not None:
        return DateMention(value_time, (start, end), text[start:end], precision, part_word, tuple(resolved), family,
                           tuple(warnings))
    if part_word is not None:
        precision = "part-of-day"
    return DateMention(day, (start, end), text[start:end], precision, part_word, tuple(resolved), family, tuple(warnings))


def find_dates(text: Any, *, now: datetime | None = None, tz: tzinfo = VN_TZ,
               month_first: bool = False) -> list[DateMention]:
    """Every date and time of day mentioned in a text (a paragraph, a headline, a caption), in text order.

    Unlike :func:`parse_date`, which reads one date line and refuses what is not one calendar date
    with a year, this reads running text: "Chiều nay 12/5", "7h15 sáng qua", "20h tối mai",
    "hết ngày 15.3.2020", "lúc 9h45phút ngày 3 tháng 2 năm 2015", "Bản tin 19h (ngày 05/01/2022)",
    "từ 18h ngày 6/6 đến 6h ngày 7/6" (two mentions). ``now`` resolves relative days ("hôm qua",
    "tối mai") and the year of a day/month without one ("chiều 7/6": the year that puts it nearest
    to ``now``); without it such mentions have ``value`` None and a warning. Spans index the text
    (NFC-normalised first if it was not). Never raises.

    >>> [m.iso for m in find_dates("Sáng 12/1, Ban Thường vụ họp; 7h15 sáng qua có mưa.", now=datetime(2024, 6, 7, 12, tzinfo=VN_TZ))]
    ['2024-01-12', '2024-06-06T07:15:00+07:00']
    """
    if not isinstance(text, str) or not text:
        return []
    try:
        if len(text) > FIND_MAX_CHARS:
            text = text[:FIND_MAX_CHARS]
        if not text.isascii() and not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        ctx = _Ctx(text, tz, now, month_first, prose=True)
        out = []
        for group in _groups(text, _atoms(text, ctx)):
            mention = _mention(text, group, ctx)
            if mention is not None:
                out.append(mention)
        return out
    except Exception:  # pragma: no cover - a bug must not reach the caller
        return []
