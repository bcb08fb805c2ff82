"""Extract pipeline: page item -> Article record (calls `newsarchive.extract`)."""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from newsarchive.records import RecordError, record_from_page

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Turns each fetched page into an `Article`; pages that are not articles are counted and skipped."""

    def __init__(self, stats, run_id: str | None):
        self.stats = stats
        self.run_id = run_id

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.get("ARCHIVE_RUN_ID"))

    def process_item(self, item, spider=None):
        self.stats.inc_value("newsarchive/pages_seen")
        try:
            item["article"] = record_from_page(item, run_id=self.run_id)
        except RecordError as exc:
            self.stats.inc_value(f"newsarchive/skipped/{exc.kind}")
            raise DropItem(exc.message, log_level=exc.log_level) from None
        self.stats.inc_value("newsarchive/articles_extracted")
        return item
