"""One URL, one key: what makes two discovered URLs the same page, and the form a URL is requested in.

Outlets link the same article in many spellings: with tracking parameters added by share buttons and
newsletters (``?utm_source=zalo``, ``?fbclid=...``), with a session id (``;jsessionid=...``,
``?PHPSESSID=...``), with a ``#comments`` fragment, on ``www.`` and without it, with ``:443`` written
out. Discovery keys everything it has seen by ``url_key`` so that each page is requested once, and
requests ``clean_url`` (the URL without the parts that only identify a visitor or a campaign).

Presentation variants (``?sort=``, ``?view=``...) are not stripped here: they may be the only way a
site pages a listing, so ``newsarchive.discovery.traps`` decides about them and counts what it cuts.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import safe_url_string

# Query parameters that identify a campaign, a referrer or a click, never the page (compared
# lower-cased; a trailing ``*`` is a prefix).
TRACKING_PARAMS: tuple[str, ...] = (
    "utm_*",            # Google Analytics campaigns (utm_source, utm_medium, utm_campaign...)
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",   # ad clicks
    "zarsrc", "gidzl", "zalo_*",   # Zalo shares (very common on Vietnamese outlets)
    "_ga", "_gl", "mc_cid", "mc_eid", "mkt_tok", "igshid", "ocid", "cmpid", "itm_*",
    "fb_action_ids", "fb_action_types", "fb_ref", "fb_source",
    "ref_src", "ref_url", "share", "shared", "from_share",
)

# Parameters (and ``;name=`` path parameters) that carry a session id.
SESSION_PARAMS: tuple[str, ...] = (
    "jsessionid", "phpsessid", "sid", "sessionid", "session_id", "sessid", "aspsessionid*", "cfid", "cftoken",
    "s_id",
)

_UNSAFE = re.compile(r"[\s\"<>\\^`{|}]")
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/?#]*", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    name = name.lower()
    return any(name.startswith(p[:-1]) if p.endswith("*") else name == p for p in patterns)


def is_tracking_param(name: str) -> bool:
    return _matches(name, TRACKING_PARAMS)


def is_session_param(name: str) -> bool:
    return _matches(name, SESSION_PARAMS)


def clean_url(url: str) -> str:
    """``url`` without its fragment, tracking parameters and session ids (else unchanged): the URL to
    request. Returns ``url`` itself when there is nothing to remove."""
    if "#" not in url and "?" not in url and ";" not in url:
        return url
    parts = urlsplit(url)
    path = _PATH_SESSION.sub("", parts.path) if ";" in parts.path else parts.path
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not is_tracking_param(k) and not is_session_param(k)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def url_key(url: str) -> str:
    """The key two spellings of one page share: scheme and host lower-cased, ``www.`` and a default
    port dropped, the path percent-encoded as it is requested, a trailing slash dropped, the query
    without tracking/session parameters and sorted, no fragment."""
    url = clean_url(url)
    # (safe_url_string only for what needs escaping: most URLs are plain ASCII already)
    parts = urlsplit(url if url.isascii() and not _UNSAFE.search(url) else safe_url_string(url, "utf-8"))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True))) if parts.query else ""
    # the scheme is left out: http:// and https:// spellings of one page are one page
    return urlunsplit(("", netloc, path, query, ""))[2:]


def numeric_id(url: str) -> int | None:
    """The numeric article id most Vietnamese CMSs put in an article URL (the last run of 4-19 digits in
    the last path segment: ``...-d538952.html``, ``/12345/slug``, ``-20240607065500123.htm``), or None."""
    path = urlsplit(url).path.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    found = re.findall(r"\d{4,19}", last)
    if not found:
        segs = [s for s in path.split("/") if s]
        found = re.findall(r"^\d{4,19}$", segs[-2]) if len(segs) >= 2 else []
    return int(found[-1]) if found else None
