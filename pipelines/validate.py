"""Validate pipeline: every record is checked against the published JSON Schema before it is stored.

The check is `newsarchive.schema.record_errors` (jsonschema, Draft 2020-12, date-time formats checked),
which takes ~3 ms a record. A crawl first runs the same schema compiled to Python by
``fastjsonschema`` (~0.02 ms): a record it accepts is valid, and any record it rejects goes through
`record_errors`, whose messages are the ones kept. fastjsonschema is never more lenient here: formats
are checked by jsonschema's own format checker, and its other differences (``$`` read as ``\\Z``)
only make it stricter, which costs a second look, never a wrong verdict
(tests/test_validate_pipeline.py checks both verdicts agree on many broken records).
"""

from __future__ import annotations

import logging

import copy
import functools
from typing import Any, Callable

from newsarchive.schema import load_schema, record_errors


def _formats(schema: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        if isinstance(schema.get("format"), str):
            found.add(schema["format"])
        for value in schema.values():
            found |= _formats(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _formats(value)
    return found


@functools.cache
def fast_check() -> Callable[[Any], bool] | None:
    """A ``record -> bool`` pre-check compiled from the shipped schema; None without fastjsonschema."""
    try:
        import fastjsonschema
        from jsonschema import Draft202012Validator
    except ImportError:
        return None
    schema = copy.deepcopy(load_schema())   # fastjsonschema annotates the schema it compiles
    checker = Draft202012Validator.FORMAT_CHECKER   # the checker `record_errors` uses
    formats = {name: functools.partial(lambda fmt, value: checker.conforms(value, fmt), name)
               for name in _formats(schema)}
    compiled = fastjsonschema.compile(schema, formats=formats)

    def check(record: Any) -> bool:
        try:
            compiled(record)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return check


def schema_errors(record: Any) -> list[str]:
    """`record_errors(record)`, answered at once for records the compiled pre-check accepts."""
    check = fast_check()
    if check is not None and check(record):
        return []
    return record_errors(record)


logger = logging.getLogger(__name__)


class ValidatePipeline:
    """Marks records that break the schema (`item["invalid"]`); the store keeps them apart, never drops them."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item, spider=None):
        article = item.get("article")
        if article is None:
            return item
        errors = schema_errors(article.to_dict())
        if errors:
            self.stats.inc_value("newsarchive/invalid_records")
            item["invalid"] = errors
            logger.warning("Record fails the schema, kept in rejects: %s: %s",
                           item.get("final_url"), "; ".join(errors[:3]))
        return item
