"""A news site on 127.0.0.1 that misbehaves on demand: the fault-injection suite's server.

``FaultSite`` serves a small outlet made of the real article pages of ``tests/fixtures/pages`` (the
UTF-8 ones that have an answer key beside them), each under a URL of its own (its canonical link and
``og:url`` rewritten to it, so every copy is an article of its own):

- ``/robots.txt`` (``Sitemap:`` line), ``/sitemap.xml`` (a regular sitemap of every article, with
  ``lastmod``: a whole-site listing), ``/`` (a home page without article links, so discovery goes through the sitemap);
- ``/bai-viet/<slug>-<n>.html``: the articles.

Any path can be given a *fault* (``site.fault(path, kind, **params)``, changed at any time, e.g.
between two crawls so that a revisit meets it), one of ``FAULTS``:

``status``          answer ``code`` (404, 410, 500...) with ``headers``
``retry_after``     503 with ``Retry-After: seconds`` every time
``redirect_endless`` 302 to a new URL every time (``?hop=N+1``)
``redirect_loop``   302 to ``?loop`` and back to the page, for ever (A -> B -> A)
``redirect_port``   302 to the same path on another server of the same host (``site.other``, another port)
``gzip_bomb``       ``Content-Encoding: gzip`` of ``megabytes`` MB of zeros
``reset``           reads the request, then resets the connection (RST), before or after ``after`` bytes
``slowloris``       sends the headers, then one byte of the body every ``every`` seconds, for ever
``lying_length``    ``Content-Length`` twice the body's length, sends the body, closes
``wrong_type``      the page with ``Content-Type: ctype`` (default image/jpeg)
``huge_headers``    the page behind ``count`` response headers of ``size`` bytes each
``not_http``        answers with bytes that are not HTTP, then closes
``cut_sitemap_entity`` (``/sitemap.xml`` only) a sitemap whose every URL uses a custom XML entity
``hold``            answers normally once ``site.release`` is set (or after ``timeout`` seconds)

Every request is counted in ``site.hits`` (path without query -> count) and logged in ``site.log``.

``FaultSite(tls=True)`` serves the site over HTTPS with a self-signed certificate made for the test
(``self_signed_context``, with the ``cryptography`` package Scrapy itself depends on).
"""

from __future__ import annotations

import gzip
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

PAGES = Path(__file__).parent / "fixtures" / "pages"

from newsarchive.samples.make_site import without_site_links  # noqa: E402
FAULTS = ("status", "retry_after", "redirect_endless", "redirect_loop", "redirect_port", "gzip_bomb", "reset",
          "slowloris", "lying_length", "wrong_type", "huge_headers", "not_http", "cut_sitemap_entity", "hold")

SITEMAP_DELAY = 0.3

_CANONICAL = [re.compile(r'(<link[^>]+rel=["\']canonical["\'][^>]+href=["\'])([^"\']+)', re.I),
              re.compile(r'(<link[^>]+href=["\'])([^"\']+)(["\'][^>]+rel=["\']canonical)', re.I),
              re.compile(r'(<meta[^>]+property=["\']og:url["\'][^>]+content=["\'])([^"\']+)', re.I)]


def article_sources() -> list[Path]:
    """The real article pages the site is made of: UTF-8 pages of tests/fixtures/pages with an answer key."""
    out = []
    for page in sorted(PAGES.glob("*/*.html")):
        if not page.with_suffix(".json").exists():
            continue
        try:
            page.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        out.append(page)
    return out


def _slug(page: Path) -> str:
    return re.sub(r"[^a-z0-9]+", "-", page.stem.lower()).strip("-")


@lru_cache(maxsize=4)
def gzip_of_zeros(megabytes: int) -> bytes:
    """gzip of `megabytes` MB of zeros (about a thousandth of that size)."""
    import io

    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        block = b"\0" * (1 << 20)
        for _ in range(megabytes):
            gz.write(block)
    return buf.getvalue()


def self_signed_context():
    """A server-side TLS context with a fresh self-signed certificate for 127.0.0.1 (no CA knows it)."""
    import datetime
    import ipaddress
    import ssl
    import tempfile

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    with tempfile.TemporaryDirectory() as tmp:
        pem = Path(tmp) / "site.pem"
        pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pem)
    return ctx


@dataclass
class Fault:
    kind: str
    params: dict = field(default_factory=dict)


class FaultSite:
    """The site and its server (and a second server on another port of the same host, ``other``)."""

    def __init__(self, sources: list[Path] | None = None, copies: int = 1, lastmod: str = "2024-06-01",
                 tls: bool = False):
        self.tls = tls
        self.sources = sources or article_sources()
        self.lastmod = lastmod
        # path -> source page
        self.articles: dict[str, Path] = {}
        for copy in range(copies):
            for i, page in enumerate(self.sources):
                n = 2024_000_000 + copy * 1000 + i
                self.articles[f"/bai-viet/{_slug(page)}-{n}.html"] = page
        self.faults: dict[str, Fault] = {}
        self.hits: Counter[str] = Counter()
        self.log: list[tuple[str, str]] = []          # (server: "main" or "other", path with query)
        self._lock = threading.Lock()
        self._bodies: dict[Path, str] = {}
        self.base = ""
        self.other_base = ""
        self.other_hits: Counter[str] = Counter()
        self.release = threading.Event()     # lets the requests held by a "hold" fault through
        self.held = threading.Event()        # set when a request is being held
        self._servers: list[ThreadingHTTPServer] = []

    # -- set-up ----------------------------------------------------------------------------------
    def fault(self, path: str, kind: str, **params) -> None:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}")
        self.faults[path] = Fault(kind, params)

    def clear(self, path: str | None = None) -> None:
        if path is None:
            self.faults.clear()
        else:
            self.faults.pop(path, None)

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def article_urls(self) -> list[str]:
        return [self.url(p) for p in self.articles]

    def __enter__(self) -> "FaultSite":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        for role in ("main", "other"):
            handler = type("Handler", (_Handler,), {"site": self, "role": role})
            server = _Server(("127.0.0.1", 0), handler)
            server.daemon_threads = True
            server.stopping = False
            scheme = "http"
            if self.tls and role == "main":
                server.socket = self_signed_context().wrap_socket(server.socket, server_side=True)
                scheme = "https"
            threading.Thread(target=server.serve_forever, name=f"faultsite-{role}", daemon=True).start()
            self._servers.append(server)
            base = f"{scheme}://127.0.0.1:{server.server_address[1]}"
            if role == "main":
                self.base = base
            else:
                self.other_base = base

    def stop(self) -> None:
        self.release.set()
        for server in self._servers:
            server.stopping = True
            server.shutdown()
            server.server_close()
        self._servers.clear()

    # -- content -----------------------------------------------------------------------------------
    def page(self, path: str, base: str | None = None) -> bytes:
        src = self.articles[path]
        if src not in self._bodies:
            # (the original site's own links would 404 here: a test site links only pages it has)
            self._bodies[src] = without_site_links(src.read_bytes()).decode("utf-8")
        html = self._bodies[src]
        own = (base or self.base) + path
        for pattern in _CANONICAL:
            if pattern.groups == 3:
                html = pattern.sub(lambda m: m.group(1) + own + m.group(3), html)
            else:
                html = pattern.sub(lambda m: m.group(1) + own, html)
        return html.encode("utf-8")

    def home(self) -> bytes:
        # no article links: discovery reads the sitemap (a home page listing the same articles races
        # with it in the spider: whichever is read first schedules them; see the report of issue 13)
        return ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Báo Thử Nghiệm</title></head>'
                '<body><h1>Báo Thử Nghiệm</h1><p>Tin tức mới nhất ở sơ đồ trang.</p></body></html>').encode("utf-8")

    def sitemap(self, entity: bool = False) -> bytes:
        entries = [f"<url><loc>{self.base}{p}</loc><lastmod>{self.lastmod}</lastmod></url>" for p in self.articles]
        doctype = ""
        if entity:
            # a custom entity (100 KB) used in every <url>: libxml2's amplification guard
            # stopped the parse part-way (only the URLs before that point were read), silently
            name = "x" * 100_000
            doctype = f'<!DOCTYPE urlset [<!ENTITY site "{name}">]>'
            entries = [f"<url><loc>{self.base}{p}</loc><lastmod>{self.lastmod}</lastmod><note>&site;</note></url>"
                       for p in self.articles]
        return ('<?xml version="1.0" encoding="UTF-8"?>' + doctype +
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(entries) +
                "</urlset>").encode("utf-8")

    def robots(self) -> bytes:
        return f"User-agent: *\nAllow: /\nSitemap: {self.base}/sitemap.xml\n".encode()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass    # a client that hung up (killed, timed out, refused the body): nothing to report


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: FaultSite
    role: str

    def log_message(self, format, *args):   # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
              headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(body)

    def _content(self, path: str) -> tuple[int, bytes, str] | None:
        site = self.site
        base = site.base if self.role == "main" else site.other_base
        if path == "/robots.txt":
            return 200, site.robots(), "text/plain; charset=utf-8"
        if path == "/sitemap.xml":
            # answered a little late, so that the home page is always read first: the spider counts a
            # regular sitemap as a whole-site listing only once it has yielded all its URLs, and a home
            # page read meanwhile ends discovery first, leaving the run partial (reported to the lead)
            time.sleep(SITEMAP_DELAY)
            return 200, site.sitemap(), "application/xml; charset=utf-8"
        if path == "/":
            return 200, site.home(), "text/html; charset=utf-8"
        if path in site.articles:
            return 200, site.page(path, base), "text/html; charset=utf-8"
        return None

    def _reset(self) -> None:
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def do_GET(self):  # noqa: C901 - one branch per fault
        site = self.site
        parts = urlsplit(self.path)
        path = parts.path
        with site._lock:
            site.log.append((self.role, self.path))
            (site.hits if self.role == "main" else site.other_hits)[path] += 1
        if self.role == "other":
            found = self._content(path)
            if found is None:
                self._send(404, b"not found")
            else:
                self._send(*found)
            return
        fault = site.faults.get(path)
        found = self._content(path)
        if fault is None:
            if found is None:
                self._send(404, b"<html><body>Not found</body></html>")
            else:
                self._send(*found)
            return
        p = fault.params
        kind = fault.kind
        status, body, ctype = found if found else (200, b"<html><body>page</body></html>", "text/html; charset=utf-8")
        if kind == "status":
            self._send(p.get("code", 500), b"<html><body>error</body></html>", headers=p.get("headers"))
        elif kind == "retry_after":
            self._send(503, b"<html><body>busy</body></html>", headers={"Retry-After": p.get("seconds", 599)})
        elif kind == "redirect_endless":
            hop = int((parts.query.partition("hop=")[2] or "0").split("&")[0] or 0)
            self._send(302, b"", headers={"Location": f"{path}?hop={hop + 1}"})
        elif kind == "redirect_loop":
            target = path if parts.query == "loop" else f"{path}?loop"
            self._send(302, b"", headers={"Location": target})
        elif kind == "redirect_port":
            self._send(302, b"", headers={"Location": site.other_base + path})
        elif kind == "gzip_bomb":
            bomb = gzip_of_zeros(p.get("megabytes", 64))
            self._send(200, bomb, ctype, headers={"Content-Encoding": "gzip"})
        elif kind == "reset":
            after = p.get("after", 0)
            if after:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:after])
            self._reset()
        elif kind == "slowloris":
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            server = self.server
            try:
                for i in range(len(body)):
                    if getattr(server, "stopping", False):
                        break
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(p.get("every", 0.5))
            except OSError:     # the crawler gave up (DOWNLOAD_TIMEOUT) and hung up
                pass
            self.close_connection = True
        elif kind == "lying_length":
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(2 * len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
        elif kind == "wrong_type":
            self._send(status, body, p.get("ctype", "image/jpeg"))
        elif kind == "huge_headers":
            extra = {f"X-Padding-{i}": "a" * p.get("size", 8000) for i in range(p.get("count", 40))}
            self._send(status, body, ctype, headers=extra)
        elif kind == "not_http":
            self.wfile.write(b"\x16\x03\x01\x02\x00garbage that is not HTTP at all\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
        elif kind == "hold":
            site.held.set()
            site.release.wait(p.get("timeout", 120))
            self._send(status, body, ctype)
        elif kind == "cut_sitemap_entity":
            self._send(200, site.sitemap(entity=True), "application/xml; charset=utf-8")
