"""WARC (ISO 28500, WARC/1.1) captures with warcio: a request and a response record per HTTP exchange.

In a crawl every response Scrapy receives is captured (robots.txt, sitemaps, feeds, home and listing
pages, redirects, 4xx and 5xx, articles: ``pipelines/capture.py``), as the downloader received it,
before any middleware changed it: the body is the entity as sent (a ``Content-Encoding`` such as gzip
is kept, with its header; readers decode it, as warcio's ``content_stream()`` and pywb do), only
transfer chunking is already undone by Twisted. Headers that no longer describe the stored payload
(``Transfer-Encoding``; ``Content-Length`` when it differs) are kept under
``X-Newsarchive-Orig-<name>`` and a correct ``Content-Length`` is written, as replay tools expect.

A response whose payload is byte for byte one the archive holds already for the same URL (same
``WARC-Payload-Digest``) is written as a ``revisit`` record (profile identical-payload-digest, WARC
1.1) naming the earlier capture (``WARC-Refers-To``, ``-Target-URI``, ``-Date``): headers, no second
copy of the body. Every file starts with a ``warcinfo`` record dated when its run started, so before
any capture in it. Each record is its own gzip member, so a record can be read from its (offset,
length) alone and standard tools (``warcio check``, ``warcio index``, cdxj-indexer, pywb) read the files.
A capture of ours may carry ``WARC-Newsarchive-Role`` (what the crawl fetched it as: article, home,
listing, sitemap, feed, robots...), which re-extraction reads.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import platform
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from http.client import responses as REASONS
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.archive.layout import ArchiveError, relative
from newsarchive.archive.lines import NO_SPACE, no_space
from newsarchive.article import Capture

log = logging.getLogger(__name__)

WARC_VERSION = "WARC/1.1"
REQUESTED_URI = "WARC-Newsarchive-Requested-URI"  # the URL first requested, before redirects
ROLE = "WARC-Newsarchive-Role"                      # what the crawl fetched the URL as (request meta "role")
ORIG = "X-Newsarchive-Orig-"
DECODED_ENCODINGS = ("gzip", "x-gzip", "deflate", "br", "identity")   # what warcio's content_stream() undoes
DIGEST = "sha1"   # warcio's default, what replay and dedup tools expect

# Gzip, the largest single cost of archiving a page, is done by zlib-ng when it is installed
# (python-zlib-ng, the maintained zlib fork; the same gzip format). Measured on the test site's real
# 270 KB pages, per page and as a share of the input:
#     zlib level 6 (warcio's own gzip is level 9)   4.99 ms   0.260
#     zlib-ng level 5                               2.31 ms   0.262
#     zlib-ng level 6                               2.78 ms   0.261
#     isal level 2 (not used: 14% larger files)     0.48 ms   0.297
# so zlib-ng at level 5 keeps zlib-6's file size at twice its speed. Without zlib-ng the standard
# library's zlib writes the same format at the same level.
GZIP_LEVEL = 5
try:
    from zlib_ng import zlib_ng as _deflate
except ImportError:  # pragma: no cover - an optional speed-up
    _deflate = zlib


def _whole_seconds(iso: str | None) -> str | None:
    """An ISO time cut to whole seconds (the warcinfo record is then dated no later than any capture)."""
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso).replace(microsecond=0).isoformat()
    except ValueError:
        return None


def _warc_date(iso: str | None) -> str:
    """WARC-Date (UTC, second precision or finer) from an ISO time string; now when missing."""
    try:
        dt = datetime.fromisoformat(iso) if iso else datetime.now(timezone.utc)
    except ValueError:
        dt = datetime.now(timezone.utc)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{dt.microsecond:06d}" if dt.microsecond else "") + "Z"


def _header_list(headers: dict[str, list[str]] | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, values in (headers or {}).items():
        if isinstance(values, (str, bytes)):
            values = [values]
        for value in values:
            out.append((str(name), value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return out


def response_headers(page: dict[str, Any]) -> list[tuple[str, str]]:
    """Response headers for the WARC record, consistent with the (decoded) body Scrapy kept."""
    body = page.get("body") or b""
    out: list[tuple[str, str]] = []
    for name, value in _header_list(page.get("headers")):
        lname = name.lower()
        if lname == "transfer-encoding" or (lname == "content-length" and value.strip() != str(len(body))):
            out.append((ORIG + name, value))
            continue
        if lname == "content-length":
            continue  # re-added below, once
        out.append((name, value))
    out.append(("Content-Length", str(len(body))))
    return out


def request_headers(page: dict[str, Any], url: str) -> list[tuple[str, str]]:
    out = _header_list(page.get("request_headers"))
    if not any(n.lower() == "host" for n, _ in out):
        out.insert(0, ("Host", urlsplit(url).netloc))
    return out


def _digest(*parts: bytes) -> str:
    """A WARC digest value (``sha1:<base32>``, as warcio writes it) of the concatenated parts, in one pass."""
    h = hashlib.new(DIGEST)
    for part in parts:
        h.update(part)
    return f"{DIGEST}:{base64.b32encode(h.digest()).decode('ascii')}"


def payload_digest(body: bytes) -> str:
    """The ``WARC-Payload-Digest`` of a response body (what revisit records are matched on)."""
    return _digest(body)


@dataclass(frozen=True)
class EarlierCapture:
    """A full response record the archive holds, that a revisit record refers to."""

    url: str
    date: str          # its WARC-Date
    record_id: str
    warc_file: str     # relative to the archive root
    offset: int
    length: int

    def capture(self) -> Capture:
        return Capture(warc_file=self.warc_file, offset=self.offset, length=self.length, record_id=self.record_id)


@dataclass
class CaptureWriter:
    """Writes request/response pairs to one WARC file (created with a warcinfo record).

    `prepare` (serialising and compressing a page's records) is thread-safe, and a crawl runs it in a
    thread; `_append` (and so `PendingCapture.finish`) runs on one thread, the reactor's in a crawl."""

    path: Path
    root: Path
    info: dict[str, str]
    # the warcinfo record's WARC-Date: when the run started (so it is dated before every capture in
    # the file; whole seconds, as the captures' dates are); default now
    started_at: str | None = None

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._fh = open(self.path, "ab")
        # where the next record starts: this writer is the file's only writer (the archive's lock), so
        # the end is counted rather than asked of the file after every write
        self._end = os.fstat(self._fh.fileno()).st_size
        # Records are serialised uncompressed by warcio, then each one is gzipped as its own member
        # (GZIP_LEVEL, see above; warcio's own gzip runs at level 9: 3x slower for 2% smaller files).
        self._writer = WARCWriter(io.BytesIO(), gzip=False, warc_version=WARC_VERSION)
        self.records = 0
        self.broken: Exception | None = None
        if new:
            rec = self._writer.create_warcinfo_record(self.path.name, self.info)
            rec.rec_headers.replace_header("WARC-Date", _warc_date(_whole_seconds(self.started_at)))
            self._write(rec)

    @staticmethod
    def _serialise(record) -> bytes:
        """A record as uncompressed WARC bytes (warcio, into a buffer of its own: thread-safe)."""
        buf = io.BytesIO()
        WARCWriter(buf, gzip=False, warc_version=WARC_VERSION).write_record(record)
        return buf.getvalue()

    def _write(self, record) -> tuple[int, int]:
        return self._append([gzip_member(self._serialise(record))])[0]

    def _append(self, members: list[bytes]) -> list[tuple[int, int]]:
        """Append gzip members at the end of the file in one write; their (offset, length) pointers.

        Not thread-safe: call it from one thread (the reactor's, in a crawl)."""
        if self.broken:
            raise ArchiveError(f"{self.path}: writer stopped after an earlier error ({self.broken})")
        data = b"".join(members) if len(members) > 1 else members[0]
        try:
            written = self._fh.write(data)
            self._fh.flush()
        except OSError as exc:
            self.broken = exc
            if exc.errno in NO_SPACE:
                raise no_space(exc, self.path) from None
            raise ArchiveError(f"cannot write {self.path}: {exc}") from None
        if written != len(data):  # never expected from a buffered file: it raises instead
            self.broken = ArchiveError(f"{self.path}: short write ({written} of {len(data)} bytes)")
            raise self.broken
        out, pos = [], self._end
        for member in members:
            out.append((pos, len(member)))
            pos += len(member)
        self._end = pos
        self.records += len(members)
        return out

    def append_members(self, members: list[bytes]) -> list[tuple[int, int]]:
        """Append complete gzip members (records copied byte for byte from another WARC file)."""
        return self._append(members)

    def prepare(self, page: dict[str, Any], *, digest: str | None = None,
                revisit_of: EarlierCapture | None = None, role: str | None = None) -> "PendingCapture":
        """Serialise the response and request records of a page item (uncompressed). Thread-safe.

        `digest`: the body's payload digest if already computed (`payload_digest`); `revisit_of`: an
        earlier capture of the same payload, which makes the response a ``revisit`` record (headers
        only) referring to it; `role`: written as ``WARC-Newsarchive-Role``.
        Then `PendingCapture.compress()` (pure, thread-safe) and `finish()` (appends, on the writer's
        thread) give the Capture pointer. A crawl runs `prepare` and `compress` in a thread: hashing and
        zlib release the GIL, so most of the work runs beside the crawl on another core."""
        url = page.get("final_url") or page["url"]
        date = _warc_date(page.get("fetched_at"))
        protocol = page.get("protocol") or "HTTP/1.1"
        status = int(page.get("status") or 200)
        body = page.get("body") or b""
        digest = digest or _digest(body)

        status_line = f"{status} {REASONS.get(status, 'Unknown')}"
        http = StatusAndHeaders(status_line, response_headers(page), protocol=protocol)
        # Both digests in one pass each over the whole body (warcio would read it in 16 KB pieces, twice);
        # warcio keeps digests it is given. The block is the HTTP header block as warcio writes it + body.
        http.compute_headers_buffer(self._writer.header_filter)
        warc_headers = {"WARC-Date": date}
        if page.get("ip_address"):
            warc_headers["WARC-IP-Address"] = str(page["ip_address"])
        if page.get("url") and page["url"] != url:
            warc_headers[REQUESTED_URI] = page["url"]
        if role:
            warc_headers[ROLE] = str(role)
        if revisit_of is not None:
            # identical-payload-digest: the block is the HTTP header block alone
            warc_headers["WARC-Refers-To"] = revisit_of.record_id
            warc_headers["WARC-Block-Digest"] = _digest(http.headers_buff)
            response = self._writer.create_revisit_record(
                url, digest, revisit_of.url, revisit_of.date, http_headers=http, warc_headers_dict=warc_headers)
        else:
            warc_headers["WARC-Payload-Digest"] = digest
            warc_headers["WARC-Block-Digest"] = _digest(http.headers_buff, body)
            response = self._writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body),
                http_headers=http, warc_headers_dict=warc_headers,
            )
        response_id = response.rec_headers.get_header("WARC-Record-ID")

        split = urlsplit(url)
        target = (split.path or "/") + (f"?{split.query}" if split.query else "")
        req_http = StatusAndHeaders(f"{page.get('method') or 'GET'} {target} {protocol}",
                                    request_headers(page, url), protocol=protocol, is_http_request=True)
        request = self._writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), length=0, http_headers=req_http,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id},
        )
        pending = PendingCapture(self, response_id, [self._serialise(response), self._serialise(request)])
        pending.url, pending.date, pending.digest, pending.revisit_of = url, date, digest, revisit_of
        return pending

    def capture(self, page: dict[str, Any], **kwargs: Any) -> Capture:
        """Write the request and response records of a page item; returns the response's Capture pointer
        (`prepare`'s keywords apply)."""
        pending = self.prepare(page, **kwargs)
        pending.compress()
        return pending.finish()

    def close(self) -> None:
        if self._fh.closed:
            return
        try:
            self._fh.flush()
            if not self.broken:
                os.fsync(self._fh.fileno())
        except OSError as exc:
            if exc.errno in NO_SPACE:
                raise no_space(exc, self.path) from None
            raise
        finally:
            try:
                self._fh.close()
            except OSError:
                pass


def gzip_member(data: bytes | memoryview) -> bytes:
    """`data` as one complete gzip member (so a record can be read from its offset and length alone)."""
    packer = _deflate.compressobj(GZIP_LEVEL, _deflate.DEFLATED, _deflate.MAX_WBITS + 16)
    return packer.compress(data) + packer.flush()


class PendingCapture:
    """The records of one page, serialised, waiting to be compressed and appended (see `CaptureWriter.prepare`).

    The response and its request are appended together, adjacent, in one write: the pointer returned
    by `finish` is exact whatever other captures were appended between `prepare` and `finish`."""

    __slots__ = ("writer", "record_id", "records", "members", "url", "date", "digest", "revisit_of")

    def __init__(self, writer: "CaptureWriter", record_id: str, records: list[bytes]):
        self.writer = writer
        self.record_id = record_id
        self.records: list[bytes] | None = records
        self.members: list[bytes] | None = None
        self.url: str | None = None
        self.date: str | None = None
        self.digest: str | None = None
        self.revisit_of: EarlierCapture | None = None

    def compress(self) -> "PendingCapture":
        """Gzip each record as its own member. Pure and thread-safe (the GIL is released while zlib works)."""
        if self.members is None:
            self.members = [gzip_member(r) for r in self.records or []]
            self.records = None
        return self

    def finish(self) -> Capture:
        """Append the members at the end of the WARC file (on the writer's thread); the response's pointer."""
        self.compress()
        (offset, length), _ = self.writer._append(self.members)
        self.members = None
        w = self.writer
        return Capture(warc_file=relative(w.root, w.path), offset=offset, length=length, record_id=self.record_id)


def warcinfo(software: str, run_id: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    info = {
        "software": software,
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "hostname": platform.node(),
        "isPartOf": run_id,
        "description": "newsarchive crawl captures: HTTP request and response records as delivered by Scrapy "
                       "(bodies de-chunked and decoded; replaced headers kept as X-Newsarchive-Orig-*)",
    }
    info.update(extra or {})
    return info


# --- reading --------------------------------------------------------------------------------


@dataclass
class StoredResponse:
    """A response record read back from a WARC file, as a page item plus where it is stored.

    For a revisit record resolved to the capture it refers to, `offset`, `length` and `record_id` are
    those of that earlier response (where the body is stored), `page` has the revisit's own status,
    headers and date, and `revisit_id` is the revisit record's id."""

    path: str
    offset: int
    length: int
    record_id: str
    page: dict[str, Any]
    revisit_id: str | None = None


def _page_from_record(record, request: dict[str, Any] | None) -> dict[str, Any]:
    http = record.http_headers
    headers: dict[str, list[str]] = {}
    for name, value in http.headers:
        if name.startswith(ORIG):
            continue  # the original value of a header we replaced; the live header follows
        headers.setdefault(name, []).append(value)
    url = record.rec_headers.get_header("WARC-Target-URI")
    page = {
        "url": record.rec_headers.get_header(REQUESTED_URI) or url,
        "final_url": url,
        "status": int(http.get_statuscode() or 0),
        "protocol": http.protocol or None,
        "headers": headers,
        # decoded: warcio undoes a Content-Encoding (gzip, deflate, br) the stored entity has
        "body": record.content_stream().read(),
        "fetched_at": _iso_from_warc_date(record.rec_headers.get_header("WARC-Date")),
        "method": "GET",
        "request_headers": {},
    }
    role = record.rec_headers.get_header(ROLE)
    if role:
        page["role"] = role
    # the body is decoded (warcio reads these encodings): its Content-Encoding no longer describes it
    for name in [n for n in headers if n.lower() == "content-encoding"]:
        if all(v.strip().lower() in DECODED_ENCODINGS for v in ",".join(headers[name]).split(",") if v.strip()):
            headers.pop(name)
    if request:
        page.update(request)
    return page


def _iso_from_warc_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


Resolver = Callable[[str | None, str, str | None], "StoredResponse | None"]


def iter_responses(path: str | Path, resolve: Resolver | None = None) -> Iterator[StoredResponse]:
    """Every response record of a WARC file with its page item (requests are matched by WARC-Concurrent-To).

    Revisit records are yielded when `resolve(refers_to_record_id, target_uri, payload_digest)`
    finds the capture they refer to (see `StoredResponse`), and skipped otherwise (with a count in
    the log). A torn or corrupt tail (a run killed mid-record) ends the iteration with a warning.
    """
    path = Path(path)
    requests: dict[str, dict[str, Any]] = {}
    pending: list[tuple[int, int, Any, dict, str | None]] = []
    unresolved = 0
    try:
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            try:
                for record in it:
                    # read the record before asking for its offset: warcio skips to its end when asked
                    if record.rec_type == "request":
                        target = record.rec_headers.get_header("WARC-Concurrent-To")
                        http = record.http_headers
                        requests[target] = {
                            "method": http.protocol or "GET",  # warcio parses "GET /path HTTP/1.1" as protocol + rest
                            "request_headers": _grouped(http.headers),
                        }
                        record.content_stream().read()
                        continue
                    if record.rec_type == "revisit":
                        rid = record.rec_headers.get_header("WARC-Record-ID")
                        page = _page_from_record(record, None)
                        original = resolve(record.rec_headers.get_header("WARC-Refers-To"),
                                           record.rec_headers.get_header("WARC-Refers-To-Target-URI")
                                           or page["final_url"],
                                           record.rec_headers.get_header("WARC-Payload-Digest")) if resolve else None
                        if original is None:
                            unresolved += 1
                            continue
                        page["body"] = original.page["body"]
                        pending.append((original.offset, original.length, original.record_id, page, rid,
                                        original.path))
                    elif record.rec_type == "response":
                        page = _page_from_record(record, None)
                        rid = record.rec_headers.get_header("WARC-Record-ID")
                        offset, length = it.get_record_offset(), it.get_record_length()
                        pending.append((offset, length, rid, page, None, str(path)))
                    else:
                        continue
                    # requests follow their response in our files; flush all but the newest
                    while len(pending) > 1:
                        yield _finish(pending.pop(0), requests)
            except Exception as exc:  # noqa: BLE001 - warcio raises assorted errors on torn gzip members
                log.warning("%s: unreadable WARC data after byte %s (%s): the rest is ignored", path,
                            it.offset if hasattr(it, "offset") else "?", exc)
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot read ({exc})") from None
    while pending:
        yield _finish(pending.pop(0), requests)
    if unresolved:
        log.warning("%s: %d revisit record(s) whose earlier capture is not at hand were skipped", path, unresolved)


def _finish(item, requests) -> StoredResponse:
    offset, length, rid, page, revisit_id, where = item
    req = requests.pop(revisit_id or rid, None)
    if req:
        page.update(req)
    return StoredResponse(where, offset, length, rid, page, revisit_id)


def _grouped(pairs) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def read_response(root: str | Path, capture: Capture | dict) -> dict[str, Any]:
    """The page item stored at a record's `capture` pointer (reads only that gzip member)."""
    if isinstance(capture, dict):
        capture = Capture(**capture)
    path = Path(root) / capture.warc_file
    with open(path, "rb") as fh:
        fh.seek(capture.offset)
        data = fh.read(capture.length)
    for record in ArchiveIterator(io.BytesIO(data)):
        if record.rec_type == "response":
            if record.rec_headers.get_header("WARC-Record-ID") != capture.record_id:
                raise ArchiveError(f"{path}@{capture.offset}: record id does not match {capture.record_id}")
            return _page_from_record(record, None)
    raise ArchiveError(f"{path}@{capture.offset}: no response record there")


def complete_length(path: str | Path) -> int:
    """Byte length of the part of a WARC file made of complete records (for recovering a killed run).

    A record counts as complete when warcio reads it and its gzip member ends with the gzip trailer
    (a member cut short by a kill never does)."""
    import zlib

    end = 0
    try:
        with open(path, "rb") as fh, open(path, "rb") as check:
            it = ArchiveIterator(fh)
            for record in it:
                record.content_stream().read()
                offset, length = it.get_record_offset(), it.get_record_length()
                check.seek(offset)
                member = check.read(length)
                inflater = zlib.decompressobj(wbits=31)
                inflater.decompress(member)
                if not inflater.eof or offset != end:
                    break
                end = offset + length
    except Exception:  # noqa: BLE001 - a torn member ends the complete part
        pass
    return end
