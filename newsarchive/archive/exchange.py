"""One HTTP exchange as the downloader received it, as the page dict the WARC writer takes.

Duck-typed over Scrapy's Request and Response (no Scrapy import): the request as it was sent (its
final headers), the response before any downloader middleware changed it: status (3xx, 4xx and 5xx
too), headers and the entity body as sent, with its ``Content-Encoding``. The one exception is an
encoding that WARC readers (warcio, pywb) cannot undo, such as zstd: that body is stored decoded,
and its header kept as ``X-Newsarchive-Orig-Content-Encoding``, so that every stored payload can be
replayed and re-extracted.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from newsarchive.archive.warc import DECODED_ENCODINGS, ORIG
from newsarchive.page import _headers   # {name: [values]} from Scrapy's Headers


def _decode_zstd(body: bytes) -> bytes | None:
    try:
        import zstandard
    except ImportError:  # pragma: no cover - a dependency
        return None
    try:
        return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    except zstandard.ZstdError:
        return None


def _readable(headers: dict[str, list[str]], body: bytes) -> tuple[dict[str, list[str]], bytes]:
    """Headers and body with any encoding WARC readers cannot undo decoded (zstd; others are kept)."""
    name = next((n for n in headers if n.lower() == "content-encoding"), None)
    if name is None:
        return headers, body
    codings = [c.strip().lower() for c in ",".join(headers[name]).split(",") if c.strip()]
    if all(c in DECODED_ENCODINGS for c in codings) or codings != ["zstd"]:
        return headers, body   # readable as it is (or layered codings: kept as sent)
    decoded = _decode_zstd(body)
    if decoded is None:
        return headers, body
    out = {k: v for k, v in headers.items() if k != name}
    out[ORIG + name] = headers[name]
    return out, decoded


def page_from_exchange(request: Any, response: Any, fetched_at: str | None = None) -> dict[str, Any]:
    """The page dict (see `newsarchive.page`) of one exchange, for `CaptureWriter.prepare`."""
    redirects = request.meta.get("redirect_urls") or []
    headers, body = _readable(_headers(response.headers), response.body)
    ip = getattr(response, "ip_address", None)
    return {
        "url": redirects[0] if redirects else request.url,
        "final_url": response.url,
        "status": response.status,
        "protocol": getattr(response, "protocol", None),
        "headers": headers,
        "request_headers": _headers(request.headers),
        "method": request.method,
        "body": body,
        "ip_address": str(ip) if ip is not None else None,
        "fetched_at": fetched_at or datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
