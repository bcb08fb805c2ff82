"""The date window of a crawl (--since/--until) and the dates discovery knows before fetching.

Every date string met in sitemaps, feeds and listing pages goes through ``newsarchive.dates.parse_date``
(via ``parse_when``), so "2024-06-07T06:55:00+07:00", "Fri, 07 Jun 2024 06:55:00 +0700" and
"Thứ sáu, 07/06/2024 - 06:55" all become the same aware datetime. Dates without a zone are Vietnam
time (+07:00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from newsarchive.dates import VN_TZ, parse_date
from newsarchive.timeutil import parse_iso


def parse_when(text: str | None, month_first: bool = False) -> datetime | None:
    """An aware datetime for a date string from a sitemap, feed or listing page, or None.

    A date without a time of day becomes midnight Vietnam time of that day.
    """
    if not text or not text.strip():
        return None
    value = parse_date(text.strip(), month_first=month_first)
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), VN_TZ)
    return value if value.tzinfo else value.replace(tzinfo=VN_TZ)


# Dates written into article URLs: /2024/06/07/..., -20240607065500123.htm (ChannelVN-style ids).
URL_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # /2024/06/07/ or /2024-06-07/ path segments
    ("path_ymd", re.compile(r"/(?P<y>20\d\d)[/-](?P<m>0[1-9]|1[0-2])[/-](?P<d>0[1-9]|[12]\d|3[01])(?:/|$|-)")),
    # ...-20260307075519174.htm: a 17-digit id that starts with yyyymmddhhmmss
    ("id_yyyymmddhhmmss", re.compile(r"[-/](?P<y>20\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?P<H>[01]\d|2[0-3])(?P<M>[0-5]\d)(?P<S>[0-5]\d)\d{0,4}\.[a-z]{2,5}$")),
]


def date_from_url(url: str) -> datetime | None:
    """A publication date written in the URL itself, when the URL has one of the known shapes."""
    for _name, pattern in URL_DATE_PATTERNS:
        m = pattern.search(url.split("?", 1)[0])
        if m:
            g = m.groupdict()
            try:
                return datetime(int(g["y"]), int(g["m"]), int(g["d"]), int(g.get("H") or 0),
                                int(g.get("M") or 0), int(g.get("S") or 0), tzinfo=VN_TZ)
            except ValueError:
                continue
    return None


def parse_bound(text: str, end: bool = False) -> datetime:
    """A --since/--until value: a date (whole day, Vietnam time) or a full ISO datetime.

    ``end=True`` makes a bare date mean the end of that day, so --until 2024-06-30 includes June 30.
    """
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            d = date.fromisoformat(text)
            t = time(23, 59, 59, 999999) if end else time(0)
            return datetime.combine(d, t, VN_TZ)
        return parse_iso(text, naive_tz=VN_TZ)
    except ValueError:
        raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD or an ISO-8601 datetime)") from None


@dataclass(frozen=True)
class DateWindow:
    """Published between ``since`` and ``until`` (each optional, both inclusive)."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def from_strings(cls, since: str | None, until: str | None) -> "DateWindow":
        window = cls(parse_bound(since) if since else None, parse_bound(until, end=True) if until else None)
        if window.since and window.until and window.since > window.until:
            raise ValueError(f"--since {since} is after --until {until}")
        return window

    @property
    def open(self) -> bool:
        return self.since is None and self.until is None

    def contains(self, when: datetime | None) -> bool | None:
        """True/False when ``when`` is known, None when it is not (the caller then fetches to find out)."""
        if when is None:
            return None
        if self.since and when < self.since:
            return False
        if self.until and when > self.until:
            return False
        return True

    def older_than_since(self, when: datetime | None) -> bool:
        return bool(when and self.since and when < self.since)

    def all_older_than_since(self, dates) -> bool:
        """True when at least one of ``dates`` is known and every known one is before --since
        (unknown ones, None, say nothing either way)."""
        known = [d for d in dates if d is not None]
        return bool(known) and all(self.older_than_since(d) for d in known)

    def describe(self) -> str:
        if self.open:
            return "any date"
        a = self.since.isoformat() if self.since else "…"
        b = self.until.isoformat() if self.until else "…"
        return f"{a} to {b}"
