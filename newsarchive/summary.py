"""Short summaries of archive records: how many, and how many have each field."""

from __future__ import annotations

from typing import Any, Iterable

# Fields a reader checks first, in display order.
SUMMARY_FIELDS = ("title", "lead", "body", "published_at", "modified_at", "authors", "sources",
                  "category", "tags", "images", "videos", "canonical_url")


def has_value(value: Any) -> bool:
    return value not in (None, "", [], {})


def field_coverage(records: Iterable[dict[str, Any]], fields: Iterable[str] = SUMMARY_FIELDS) -> tuple[int, dict[str, int]]:
    """(number of records, {field: records where it is filled})."""
    fields = tuple(fields)
    counts = dict.fromkeys(fields, 0)
    total = 0
    for record in records:
        total += 1
        for name in fields:
            if has_value(record.get(name)):
                counts[name] += 1
    return total, counts
