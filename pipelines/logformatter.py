"""Log lines that name the URL, never dump a whole page item (whose body can be megabytes)."""

from __future__ import annotations

import logging

from scrapy.logformatter import LogFormatter


def _where(item) -> str:
    if isinstance(item, dict):
        return str(item.get("final_url") or item.get("url") or "?")
    return "?"


class NewsLogFormatter(LogFormatter):
    def scraped(self, item, response, spider):
        return {"level": logging.DEBUG, "msg": "Archived %(url)s", "args": {"url": _where(item)}}

    def dropped(self, item, exception, response, spider):
        level = getattr(exception, "log_level", None) or logging.WARNING
        if isinstance(level, str):
            level = logging.getLevelName(level.upper())
        return {"level": level, "msg": "Skipped %(url)s: %(reason)s",
                "args": {"url": _where(item), "reason": str(exception)}}

    def item_error(self, item, exception, response, spider):
        return {"level": logging.ERROR, "msg": "Pipeline error on %(url)s: %(reason)s",
                "args": {"url": _where(item), "reason": repr(exception)}}
