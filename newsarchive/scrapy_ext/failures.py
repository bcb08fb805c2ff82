"""Naming a failed fetch: DNS, timeout, HTTP 4xx/5xx, truncated body, refused, connection, parse."""

from __future__ import annotations

# (kind, exception class names that mean it), checked in order against the failure's class and its bases
FAILURE_KINDS: list[tuple[str, tuple[str, ...]]] = [
    ("dns", ("DNSLookupError", "DNSNotFound", "gaierror")),
    ("timeout", ("TimeoutError", "TCPTimedOutError", "UserTimeout", "DeferredTimeoutError")),
    ("truncated", ("ResponseFailed", "PotentialDataLoss", "_DataLoss", "ResponseNeverReceived")),
    ("too_large", ("DownloadMaxSizeExceeded",)),
    ("refused", ("IgnoreRequest",)),
    ("connection", ("ConnectionRefusedError", "DownloadConnectionRefusedError", "DownloadFailedError", "ConnectionLost", "ConnectionDone", "ConnectError")),
]


def failure_kind(exc: BaseException, status: int | None = None) -> str:
    """A short stable name for why a fetch failed (stat counter suffix and summary column)."""
    if status is not None:
        return f"http_{status // 100}xx"
    names = {cls.__name__ for cls in type(exc).__mro__}
    message = str(exc)
    if "exceeds DOWNLOAD_MAXSIZE" in message or "maxsize" in message.lower():
        return "too_large"
    for kind, classes in FAILURE_KINDS:
        if names & set(classes):
            return kind
    return "other"
