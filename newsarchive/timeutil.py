"""Machine-written ISO-8601 timestamps (run manifests, records, the crawl state, --since/--until): one parser.

``datetime.fromisoformat`` reads ISO-8601, and since Python 3.11 a trailing ``Z``; this adds a lower-case
``z`` and gives every reader the same rule for a timestamp without a zone. Human-written dates (pages,
feeds, sitemaps) go through ``newsarchive.dates.parse_date`` instead.
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from typing import Any


def parse_iso(text: str, naive_tz: tzinfo | None = timezone.utc) -> datetime:
    """An ISO-8601 date or datetime; ``Z``/``z`` means UTC; a value without a zone is taken in
    `naive_tz` (UTC unless told; None keeps it naive). ValueError when `text` is not ISO-8601."""
    text = text.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    value = datetime.fromisoformat(text)
    if value.tzinfo is None and naive_tz is not None:
        value = value.replace(tzinfo=naive_tz)
    return value


def iso_or_none(value: Any, naive_tz: tzinfo | None = timezone.utc) -> datetime | None:
    """`parse_iso` for a value read from a file: None when it is missing, not a string or not ISO-8601."""
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_iso(value, naive_tz)
    except ValueError:
        return None
