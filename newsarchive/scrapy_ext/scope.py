"""The ports an outlet is crawled on: the scope check compares origins, not only host names.

An outlet's host names are its profile's (``OutletProfile.owns_url``); its port is its home's. A
home on a scheme's default port (``https://baolamdong.vn/``) may be reached on either default port
(80 and 443: outlets redirect http to https and back); a home on another port
(``http://127.0.0.1:8123/``) only on that one. A URL on any other port of the same host is another
server (an admin panel, a test instance, a proxy) and out of scope, redirect targets included; so
is its robots.txt, which is never fetched (robots.txt is per origin, and the scope check comes first).
"""

from __future__ import annotations

from typing import Iterable
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def effective_port(url: str) -> int | None:
    """The port a URL connects to (its scheme's default when it names none); None when it is not
    an http(s) URL or its port is not a number."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    return port if port is not None else DEFAULT_PORTS.get(parts.scheme.lower())


def outlet_ports(home: str) -> frozenset[int]:
    """The ports an outlet whose start URL is `home` is served on."""
    port = effective_port(home)
    if port is None:
        return frozenset()
    if port == DEFAULT_PORTS.get(urlsplit(home).scheme.lower()):
        return frozenset(DEFAULT_PORTS.values())
    return frozenset({port})


def port_refusal(url: str, homes: Iterable[str]) -> str | None:
    """Why `url` is out of scope by its port (None when its port is one of the outlets' at `homes`;
    also None when no home is known: nothing to compare with)."""
    homes = [h for h in homes if h]
    if not homes:
        return None
    allowed = frozenset().union(*(outlet_ports(h) for h in homes))
    port = effective_port(url)
    if port in allowed:
        return None
    ports = ", ".join(str(p) for p in sorted(allowed)) or "?"
    return f"port {port if port is not None else '?'} is not the outlet's (it is served on port {ports})"
