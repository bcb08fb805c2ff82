"""Naming a failed fetch: DNS, timeout, HTTP 4xx/5xx, truncated body, refused, connection, parse...

Scrapy's components raise ``IgnoreRequest`` for two different things: to *refuse* a request
(robots.txt forbids it; newsarchive's scope middleware refuses an off-site or private address; an
article archived meanwhile is dropped), decided and counted where it was refused; and to *give up* on
a request that failed (RedirectMiddleware: "max redirections reached", a redirect loop;
HttpCompressionMiddleware: a body that inflates past DOWNLOAD_MAXSIZE, a gzip bomb; HttpCacheMiddleware:
not in the cache). `refusal` tells the first from the second; every IgnoreRequest that is not a known
refusal is a failure, named by `failure_kind` ("ignored" when its message is not known either), so a
fetch that failed is never mistaken for a refusal and left uncounted.
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


# request.meta key: (kind, reason) set by a middleware that gave up on the request while it still had an
# answer (BackoffRetryMiddleware: a Retry-After over its cap); the errback records that failure.
GAVE_UP = "newsarchive_gave_up"


class Refused(IgnoreRequest):
    """A request newsarchive refused on purpose (``kind``: offsite, offsite_redirect, private_address,
    already_archived, robots_txt), counted by the component that refused it."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind


# Refusals raised by Scrapy's own components (plain IgnoreRequest), known by their message (lower case).
REFUSAL_MESSAGES: list[tuple[str, str]] = [
    ("robots_txt", "forbidden by robots.txt"),          # RobotsTxtMiddleware
    ("offsite", "filtered offsite request"),            # OffsiteMiddleware (spiders with allowed_domains)
]

# IgnoreRequests that end a failed fetch, known by their message (lower case): (kind, fragments).
IGNORED_FAILURES: list[tuple[str, tuple[str, ...]]] = [
    ("redirect_loop", ("max redirections", "redirect loop")),             # RedirectMiddleware (REDIRECT_MAX_TIMES)
    # HttpCompressionMiddleware: "... exceeded DOWNLOAD_MAXSIZE (N B) during decompression."
    ("too_large", ("download_maxsize", "download max size", "maxsize")),
    ("not_cached", ("not in cache",)),                                    # HttpCacheMiddleware (HTTPCACHE_IGNORE_MISSING)
]

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
    ("tls", ("SSLError", "TLSError", "CertificateError", "VerificationError")),
    ("connection", ("ConnectionRefusedError", "DownloadConnectionRefusedError", "DownloadFailedError",
                    "ConnectionLost", "ConnectionDone", "ConnectError")),
]


# What OpenSSL's errors say (lower case), inside the connection failures that carry them.
TLS_MESSAGES = ("openssl.ssl.error", "ssl routines", "sslerror", "certificate verify failed", "tlsv1 alert",
                "sslv3 alert", "handshake failure")


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def refusal(exc: BaseException) -> str | None:
    """The kind of refusal `exc` is (robots_txt, offsite, offsite_redirect, private_address,
    already_archived...), or None when it is not one: a failure to count (`failure_kind`)."""
    if isinstance(exc, Refused):
        return exc.kind
    names = _names(exc)
    if "IgnoreRequest" not in names or "HttpError" in names:
        return None
    message = str(exc).lower()
    for kind, fragment in REFUSAL_MESSAGES:
        if fragment in message:
            return kind
    return None


def failure_kind(exc: BaseException, status: int | None = None) -> str:
    """A short stable name for why a fetch failed (stat counter suffix and summary column); "refused"
    for a refusal (see `refusal`)."""
    if status is not None:
        return f"http_{status // 100}xx"
    names = _names(exc)
    message = str(exc).lower()
    if "IgnoreRequest" in names:
        if refusal(exc) is not None:
            return "refused"
        for kind, fragments in IGNORED_FAILURES:
            if any(f in message for f in fragments):
                return kind
        return "http" if "HttpError" in names else "ignored"
    # over DOWNLOAD_MAXSIZE: Scrapy cancels the download ("... larger than download max size (N) ...")
    if "maxsize" in message or "download max size" in message:
        return "too_large"
    # a failed TLS handshake: OpenSSL's error, wrapped by Twisted and Scrapy in a connection failure
    if any(m in message for m in TLS_MESSAGES):
        return "tls"
    for kind, classes in FAILURE_KINDS:
        if names & set(classes):
            return kind
    return "other"


def describe_failure(exc: BaseException, status: int | None = None, meta: dict | None = None) -> tuple[str, str]:
    """(kind, reason) of a failed fetch, for the crawl's list of failures: what a middleware that gave
    up on it recorded (``GAVE_UP``), else `failure_kind` and the HTTP status or the exception's message."""
    gave_up = (meta or {}).get(GAVE_UP)
    if gave_up:
        return str(gave_up[0]), str(gave_up[1])
    kind = failure_kind(exc, status)
    reason = f"HTTP {status}" if status is not None else (" ".join(str(exc).split()) or type(exc).__name__)
    return kind, reason
