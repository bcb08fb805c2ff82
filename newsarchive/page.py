"""The page item: one fetched HTTP response, as the spider hands it to the pipelines.

A plain dict (Scrapy passes dicts through pipelines as they are) with these keys:

- ``url``: the URL first requested; ``final_url``: the URL that answered (after redirects)
- ``status``: HTTP status; ``protocol``: e.g. "HTTP/1.1" when known
- ``headers``: response headers, ``{name: [values]}``; ``request_headers``: the same for the request
- ``method``: request method; ``body``: response body bytes
- ``fetched_at``: ISO-8601 UTC time the response arrived
- added by pipelines: ``article`` (an ``Article``) once extracted
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def _headers(headers: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        out[key] = [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in values]
    return out


def page_item_from_response(response: Any) -> dict[str, Any]:
    """Build a page item from a Scrapy response (duck-typed: no Scrapy import here)."""
    request = response.request
    redirects = request.meta.get("redirect_urls") or []
    return {
        "url": redirects[0] if redirects else response.url,
        "final_url": response.url,
        "status": response.status,
        "protocol": getattr(response, "protocol", None),
        "headers": _headers(response.headers),
        "request_headers": _headers(request.headers),
        "method": request.method,
        "body": response.body,
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def header(page: dict[str, Any], name: str) -> str | None:
    """First value of a response header in a page item, case-insensitive."""
    lname = name.lower()
    for key, values in (page.get("headers") or {}).items():
        if key.lower() == lname and values:
            return values[0]
    return None
