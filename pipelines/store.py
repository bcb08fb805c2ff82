"""Store pipeline: appends records to the archive's JSON Lines file (one flushed line per record)."""

from __future__ import annotations

from pathlib import Path

from newsarchive.jsonl import dumps


class StorePipeline:
    def __init__(self, stats, archive_dir: str):
        self.stats = stats
        self.archive_dir = Path(archive_dir)
        self.files: dict[str, object] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.get("ARCHIVE_DIR"))

    def _file(self, name: str):
        fh = self.files.get(name)
        if fh is None:
            self.archive_dir.mkdir(parents=True, exist_ok=True)
            fh = self.files[name] = open(self.archive_dir / name, "a", encoding="utf-8")
        return fh

    def process_item(self, item, spider=None):
        article = item.get("article")
        if article is None:
            return item
        record = article.to_dict()
        if item.get("invalid"):
            fh = self._file("rejects.jsonl")
            fh.write(dumps({"errors": item["invalid"], "record": record}) + "\n")
        else:
            fh = self._file("articles.jsonl")
            fh.write(dumps(record) + "\n")
            self.stats.inc_value("newsarchive/articles_archived")
        fh.flush()
        return item

    def close_spider(self, spider=None):
        for fh in self.files.values():
            fh.close()
        self.files.clear()
