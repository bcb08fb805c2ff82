"""Naming a failed fetch: DNS, timeout, HTTP 4xx/5xx, truncated body, refused, connection, parse."""

from __future__ import annotations

# (kind, exception class names that mean it), checked in order against the failure's class and its bases.
# Names, not classes: nothing is imported, so a name a Scrapy or Twisted version lacks costs nothing.
# Scrapy's download handlers (2.19) raise Scrapy's own exceptions in place of Twisted's (from
# scrapy.exceptions: CannotResolveHostError for DNSLookupError, DownloadTimeoutError for TimeoutError,
# ResponseDataLossError, DownloadConnectionRefusedError, DownloadFailedError for ResponseFailed);
# older versions raise Twisted's: both are listed.
FAILURE_KINDS: list[tuple[str, tuple[str, ...]]] = [
    ("dns", ("DNSLookupError", "DNSNotFound", "gaierror", "CannotResolveHostError")),
    ("timeout", ("TimeoutError", "TCPTimedOutError", "UserTimeout", "DeferredTimeoutError",
                 "DownloadTimeoutError")),
    ("truncated", ("ResponseFailed", "PotentialDataLoss", "_DataLoss", "ResponseNeverReceived",
                   "ResponseDataLossError")),
    # Scrapy 2.19's HTTP/1.1 handler cancels a download only when it is over DOWNLOAD_MAXSIZE: with a
    # message when Content-Length said so (also caught by the message test below), without one when
    # a body sent in chunks grew past it
    ("too_large", ("DownloadMaxSizeExceeded", "DownloadCancelledError")),
    ("refused", ("IgnoreRequest",)),
    ("connection", ("ConnectionRefusedError", "DownloadConnectionRefusedError", "DownloadFailedError",
                    "ConnectionLost", "ConnectionDone", "ConnectError")),
]


def failure_kind(exc: BaseException, status: int | None = None) -> str:
    """A short stable name for why a fetch failed (stat counter suffix and summary column)."""
    if status is not None:
        return f"http_{status // 100}xx"
    names = {cls.__name__ for cls in type(exc).__mro__}
    message = str(exc).lower()
    # over DOWNLOAD_MAXSIZE: Scrapy cancels the download ("... larger than download max size (N) ...")
    if "maxsize" in message or "download max size" in message:
        return "too_large"
    for kind, classes in FAILURE_KINDS:
        if names & set(classes):
            return kind
    return "other"
