"""Scrapy's feed exports of the archive records: ``scrapy crawl outlet -O x.jsonl|csv|parquet``.

- `RecordItemPipeline`, the last item pipeline (1000, after the store and the crawl state): a page
  item leaves the pipelines as its archive record (a plain dict, the JSON Schema's fields) — the
  record the store wrote ("new", "changed"), or for an article re-fetched unchanged the record of
  this fetch with the version it matches (the archive writes nothing for it). So ``item_scraped``
  and the feed exporters receive records; the page bytes went to the WARC file as the response
  arrived (pipelines/capture.py) and to extraction inside the page item, never further. A record
  that failed the schema is dropped here (``DropItem``, logged at INFO): it is kept in the run's
  rejects, not exported. Items that are not page items pass unchanged.
- Exporters for the formats whose Scrapy default does not fit a record: ``csv`` (every field; lists
  of strings joined with " | ", nested fields as JSON text, as ``newsarchive export --format csv``)
  and ``parquet`` (typed as ``newsarchive export``: timestamp[us, tz] columns, nested lists and
  structs), registered in ``FEED_EXPORTERS``. ``jsonl``/``jsonlines``/``json`` are Scrapy's own.
"""

from __future__ import annotations

import csv
import io
import logging

from scrapy.exceptions import DropItem
from scrapy.exporters import BaseItemExporter

logger = logging.getLogger(__name__)


class RecordItemPipeline:
    def process_item(self, item, spider=None):
        if not isinstance(item, dict) or item.get("article") is None:
            return item
        if item.get("invalid"):
            raise DropItem("record fails the schema: kept in the run's rejects, not exported", log_level="INFO")
        record = item.get("record")
        if record is None:   # no store pipeline: the extracted record as it is
            record = item["article"].to_dict()
        return dict(record)


class RecordCsvItemExporter(BaseItemExporter):
    """CSV with one column per record field (the schema's order), flattened as ``newsarchive export``."""

    def __init__(self, file, **kwargs):
        super().__init__(dont_fail=True, **kwargs)
        from newsarchive.archive.export import csv_columns

        self.stream = io.TextIOWrapper(file, encoding=self.encoding or "utf-8", newline="", write_through=True)
        self.writer = csv.writer(self.stream)
        self.columns = list(self.fields_to_export or csv_columns())
        self._started = False

    def start_exporting(self):
        from newsarchive.archive.export import csv_note

        self.writer.writerow(self.columns)
        logger.info("%s (see `newsarchive export --format csv` for the CSVW description)", csv_note())

    def export_item(self, item):
        from newsarchive.archive.export import _cell

        item = dict(item)
        self.writer.writerow([_cell(item.get(c)) for c in self.columns])

    def finish_exporting(self):
        self.stream.flush()
        self.stream.detach()   # Scrapy closes the file


class ParquetItemExporter(BaseItemExporter):
    """Typed Parquet (the record's Arrow schema), written in row groups of `BATCH` records."""

    BATCH = 2000

    def __init__(self, file, **kwargs):
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.buffer: list[bytes] = []
        self.writer = None
        self.rows = 0

    def start_exporting(self):
        import pyarrow.parquet as pq

        from newsarchive.archive.tables import arrow_schema

        self.schema = arrow_schema()
        self.writer = pq.ParquetWriter(self.file, self.schema, compression="zstd")

    def export_item(self, item):
        from newsarchive.jsonl import dumps

        self.buffer.append(dumps(dict(item)).encode("utf-8") + b"\n")
        if len(self.buffer) >= self.BATCH:
            self._flush()

    def _flush(self):
        from newsarchive.archive.tables import _read_json_bytes

        if not self.buffer:
            return
        table = _read_json_bytes(io.BytesIO(b"".join(self.buffer)))
        self.writer.write_table(table.select(self.schema.names).cast(self.schema))
        self.rows += table.num_rows
        self.buffer = []

    def finish_exporting(self):
        self._flush()
        if self.rows == 0:
            self.writer.write_table(self.schema.empty_table())
        self.writer.close()
