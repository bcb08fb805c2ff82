"""Links out of a fetched article page ("Tin liên quan", "Đọc thêm", the category, the menu), fast.

Every article page is read for its links, so this runs once per page in the crawl process: it scans
the raw bytes with one regular expression instead of building a tree (about 0.5 ms for a 170 KB page
against 4 ms for lxml), and resolves each distinct ``href`` once per outlet (``LinkCache``): most of a
page's links (menus, footers, "most read" boxes) repeat on every page of the site.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

# <a ... href="...">, quoted either way or not at all
HREF = re.compile(rb"""<a\s(?:[^>]*?\s)?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.I)   # not data-href
BASE = re.compile(rb"""<base\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
SKIP = (b"javascript:", b"mailto:", b"tel:", b"#", b"data:", b"sms:", b"zalo:", b"viber:")
# Where links are not links: scripts, styles, templates and comments (an ``<a href>`` written into a
# JavaScript string or commented out is no page of the site)
HIDDEN_START = re.compile(rb"<(?:script|style|template)\b|<!--", re.I)
BAD_CHARS = re.compile(r"[\s<>\"'{}\\^`|]")


class LinkCache:
    """``href`` bytes (with the page's directory when the link is relative) -> absolute URL or None,
    bounded: past ``limit`` entries it is cleared and starts again."""

    def __init__(self, limit: int = 50_000):
        self.limit = limit
        self._cache: dict[tuple[bytes, str], str | None] = {}

    def resolve(self, raw: bytes, base: str, base_dir: str) -> str | None:
        if raw[:4].lower() == b"http":
            key = (raw, "")               # absolute: the same URL on every page
        elif raw[:1] == b"?":
            key = (raw, base)             # a query on this very page
        else:
            key = (raw, base_dir)         # relative to the page's directory (or its host, same thing here)
        try:
            return self._cache[key]
        except KeyError:
            pass
        if len(self._cache) >= self.limit:
            self._cache.clear()
        url = _resolve(raw, base)
        self._cache[key] = url
        return url


def _resolve(raw: bytes, base: str) -> str | None:
    if raw.lstrip()[:12].lower().startswith(SKIP):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = html.unescape(text).strip()
    if not text or BAD_CHARS.search(text):
        return None
    url = urljoin(base, text)
    if not url.startswith(("http://", "https://")):
        return None
    return url.split("#", 1)[0]


def _hidden_spans(body: bytes) -> list[tuple[int, int]]:
    """(start, end) of every script, style, template and comment, in order (one forward scan)."""
    out = []
    pos = 0
    while True:
        m = HIDDEN_START.search(body, pos)
        if m is None:
            return out
        start = m.start()
        if m.group() == b"<!--":
            end = body.find(b"-->", start + 4)
            end = len(body) if end < 0 else end + 3
        else:
            close = b"</" + m.group()[1:].lower()
            end = body.find(close, start)
            if end < 0:
                end = body.find(close.upper(), start)
            end = len(body) if end < 0 else end
        out.append((start, end))
        pos = max(end, start + 1)


def page_links(body: bytes, base_url: str, cache: LinkCache | None = None) -> list[str]:
    """Absolute http(s) URLs of the ``<a href>`` links of a page, in page order, without repeats."""
    cache = cache or LinkCache()
    m = BASE.search(body, 0, 20_000)
    if m:
        base = _resolve(m.group(1) or m.group(2) or b"", base_url) or base_url
    else:
        base = base_url
    parts = urlsplit(base)
    base_dir = f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/', 1)[0]}/"
    visible, pos = [], 0
    for a, b in _hidden_spans(body):
        visible.append(body[pos:a])
        pos = b
    visible.append(body[pos:])
    # (the three groups of each match: one is the href; dict.fromkeys keeps page order, drops repeats)
    raws = dict.fromkeys(HREF.findall(b"".join(visible)))
    seen: set[str] = set()
    out: list[str] = []
    resolve = cache.resolve
    for groups in raws:
        raw = groups[0] or groups[1] or groups[2]
        if not raw:
            continue
        url = resolve(raw, base, base_dir)
        if url is not None and url not in seen:
            seen.add(url)
            out.append(url)
    return out
