"""Serving the app: waitress (a production WSGI server, pure Python, threads), on 127.0.0.1 by default.

    with running(archive, port=0) as base_url:      # tests and benchmarks: a free port, a thread
        ...
    serve_forever(archive, host="127.0.0.1", port=8765)   # `newsarchive serve`
"""

from __future__ import annotations

import contextlib
import ipaddress
import threading
from pathlib import Path
from typing import Iterator

LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]", "::1")


def allowed_hosts(host: str, port: int, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The Host header values the app answers: the address it is bound to, with the port, and the
    local names when bound to loopback; anything else is refused (DNS rebinding protection)."""
    names = {host, *extra}
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            names.update(LOCAL_NAMES)
    except ValueError:
        pass
    out = []
    for name in names:
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"
        out += [name, f"{name}:{port}"]
    return sorted(out)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def warm_up(data) -> threading.Thread:
    """Fill the caches of the two costliest first views in the background: the outlets overview and
    the comparison of the last two crawls (the archive library's snapshot query: seconds on a large
    archive). A failure here only means the first visitor waits."""
    def work() -> None:
        with contextlib.suppress(Exception):
            db = data.search_db()     # this thread's own connection
            data.overview(db)
            crawls = [p for p in data.run_points() if p["kind"] == "crawl"]
            if len(crawls) >= 2:
                data.snapshot_diff(db, crawls[-2]["run_id"], crawls[-1]["run_id"], None, False)

    thread = threading.Thread(target=work, name="newsarchive-serve-warm-up", daemon=True)
    thread.start()
    return thread


def make_server(archive: str | Path, host: str = "127.0.0.1", port: int = 8765, threads: int = 4,
                extra_hosts: tuple[str, ...] = ()):
    """A waitress server for the app (not yet serving), and the port it listens on."""
    from waitress.server import create_server

    from newsarchive.serve.app import create_app

    app = create_app(archive)
    warm_up(app.config["ARCHIVE"])
    server = create_server(app, host=host, port=port, threads=threads, ident="newsarchive",
                           clear_untrusted_proxy_headers=True)
    bound = server.effective_port
    app.config["TRUSTED_HOSTS"] = allowed_hosts(host, bound, extra_hosts)
    return server, bound


def _serve_until(server, stop: threading.Event) -> None:
    """waitress's own loop, one poll at a time, until `stop` is set; then every socket is closed on
    this same thread (closing them from another thread while the loop polls them is a race)."""
    loop = server.asyncore.loop
    while not stop.is_set():
        loop(timeout=0.1, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)
    server.task_dispatcher.shutdown()
    for channel in list(server._map.values()):
        with contextlib.suppress(Exception):
            channel.close()


@contextlib.contextmanager
def running(archive: str | Path, host: str = "127.0.0.1", port: int = 0, threads: int = 4) -> Iterator[str]:
    """Serve in a background thread; yields the base URL; stops the server on exit."""
    server, bound = make_server(archive, host, port, threads)
    stop = threading.Event()
    thread = threading.Thread(target=_serve_until, args=(server, stop), name="newsarchive-serve", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{bound}"
    finally:
        stop.set()
        thread.join(timeout=10)
