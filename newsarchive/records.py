"""From a fetched page (see `newsarchive.page`) to an archive record, with the capture metadata filled.

Plain library code: the extract pipeline is a thin wrapper around `record_from_page`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from newsarchive.article import Article
from newsarchive.page import header

# Content types we try to read as pages; anything else is recorded as skipped, with its type.
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


@dataclass
class RecordError(Exception):
    """A page that yields no record. `kind` names the stat counter: not_article, empty, binary, extract_error."""

    kind: str
    message: str
    log_level: int = logging.WARNING

    def __str__(self) -> str:
        return self.message


def _looks_binary(body: bytes) -> bool:
    head = body[:4096]
    return b"\x00" in head and head.count(b"\x00") > len(head) // 100


def record_from_page(page: dict[str, Any], *, run_id: str | None = None, site: Any = None) -> Article:
    """Extract the article in `page` and add fetch metadata; raises RecordError when there is none."""
    from newsarchive.extract import NotAnArticle, extract_article

    url = page.get("final_url") or page["url"]
    body = page.get("body") or b""
    ctype = (header(page, "Content-Type") or "").split(";")[0].strip().lower()
    if not body.strip():
        raise RecordError("empty", "empty body")
    if ctype not in HTML_TYPES or _looks_binary(body):
        raise RecordError("binary", f"not an HTML page ({ctype or 'binary body'})")
    try:
        article = extract_article(body, url=url, headers=page.get("headers"), site=site)
    except NotAnArticle as exc:
        raise RecordError("not_article", f"not an article ({exc.reason})", logging.INFO) from None
    except Exception as exc:  # an extractor bug must not stop the crawl; it is counted and logged
        logging.getLogger(__name__).debug("extractor failed on %s", url, exc_info=True)
        raise RecordError("extract_error", f"extraction failed: {exc!r}", logging.ERROR) from None
    article.url = page["url"]
    article.final_url = page.get("final_url") or page["url"]
    article.fetched_at = page.get("fetched_at")
    article.http_status = page.get("status")
    article.run_id = run_id
    return article.finalise()
