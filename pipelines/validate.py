"""Validate pipeline: every record is checked against the published JSON Schema before it is stored."""

from __future__ import annotations

from newsarchive.schema import record_errors


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
        errors = record_errors(article.to_dict())
        if errors:
            self.stats.inc_value("newsarchive/invalid_records")
            item["invalid"] = errors
            spider_logger = getattr(spider, "logger", None)
            if spider_logger:
                spider_logger.warning("Record fails the schema, kept in rejects: %s: %s",
                                      item.get("final_url"), "; ".join(errors[:3]))
        return item
