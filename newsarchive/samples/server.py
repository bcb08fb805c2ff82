"""A small real HTTP server for offline sites (the demo and the crawl tests), on 127.0.0.1 only.

    with serve_directory(path) as base_url:   # e.g. "http://127.0.0.1:40123"
        ...

Files are served as they are, except that the token ``{{BASE}}`` in text files (sitemaps, feeds,
robots.txt) is replaced by the server's own origin, since absolute URLs must name the real port.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

SAMPLE_SITE = Path(__file__).parent / "site"
TEMPLATED = (".xml", ".rss", ".txt", ".atom")


class _Handler(SimpleHTTPRequestHandler):
    base_url = ""

    def log_message(self, format: str, *args) -> None:  # quiet: the crawler logs what matters
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if path.endswith(TEMPLATED) and Path(path).is_file():
            data = Path(path).read_bytes().replace(b"{{BASE}}", self.base_url.encode())
            self.send_response(200)
            ctype = "text/plain; charset=utf-8" if path.endswith(".txt") else "application/xml; charset=utf-8"
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            import io

            return io.BytesIO(data)
        return super().send_head()


# Vietnamese CMSs serve pages under many extensions; all of them are HTML here.
PAGE_EXTENSIONS = (".html", ".htm", ".shtml", ".aspx", ".php", ".chn", ".vnp", ".tpo", ".bbg", ".ldo", ".epi")
_Handler.extensions_map = {**SimpleHTTPRequestHandler.extensions_map,
                           **{ext: "text/html" for ext in PAGE_EXTENSIONS},
                           ".rss": "application/rss+xml"}


@contextlib.contextmanager
def serve_directory(directory: str | Path = SAMPLE_SITE, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `directory` on `host` at a free port in a background thread; yields the base URL."""
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer((host, 0), functools.partial(handler, directory=str(directory)))
    server.daemon_threads = True
    handler.base_url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="sample-site", daemon=True)
    thread.start()
    try:
        yield handler.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
