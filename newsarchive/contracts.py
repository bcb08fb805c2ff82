"""Offline ``scrapy check``: the spider's contracts run against the bundled sample site, served on
127.0.0.1 by this process (newsarchive/samples/site: robots.txt, a sitemap, an RSS feed, a home page,
listings, real article pages).

A callback's docstring says what it must give for one page of that site::

    @sample_site /chuyen-muc/kinh-doanh/ listing
    @returns requests 1
    @returns items 0 0

``@sample_site PATH [KIND]`` is the contract that makes the request: the page PATH of the sample site,
with the meta the spider's own requests carry (``outlet``: the outlet the crawl resolved the site to;
``role`` and ``fetch``: what the page was asked for, as the discovery frontier asks).
``scrapy check`` (newsarchive/commands/check.py) crawls the sample site when no ``-a target=`` is
given, and allows its loopback address; nothing leaves the machine.
"""

from __future__ import annotations

import threading

from scrapy.contracts import Contract

_lock = threading.Lock()
_served: dict[str, tuple] = {}


def sample_site_url(name: str = "") -> str:
    """The base URL of the bundled sample site, served on 127.0.0.1 for the life of this process.

    Each `name` gets a server of its own, on a loopback address of its own (127.0.0.1 for the first,
    then 127.0.0.2, ...): the contracts of one check run in one crawl, and a spider never requests a
    URL twice, so each callback reads its own copy of the site (its own outlet, to the spider) and what
    it returns does not depend on which callback ran first."""
    with _lock:
        if name not in _served:
            from newsarchive.samples.server import SAMPLE_SITE, serve_directory

            cm = serve_directory(SAMPLE_SITE, host=f"127.0.0.{1 + len(_served)}")
            _served[name] = (cm, cm.__enter__())   # a daemon thread: ends with the process
        return _served[name][1]


class SampleSiteContract(Contract):
    """``@sample_site PATH``: request PATH of the bundled sample site (served on 127.0.0.1)."""

    name = "sample_site"

    def adjust_request_args(self, args):
        spider = getattr(args.get("callback"), "__self__", None)   # the bound callback: its spider
        path = self.args[0] if self.args else "/"
        name = getattr(args.get("callback"), "__name__", "")
        args["url"] = sample_site_url(name).rstrip("/") + "/" + path.lstrip("/")
        outlets = getattr(spider, "outlets", None) or {}
        # the outlet the page belongs to: each callback reads its own copy of the site (another port, so
        # another outlet: ports are in the scope), registered with the spider for this check
        owner = next((name for name, f in outlets.items() if getattr(f, "owns", lambda u: False)(args["url"])), None)
        if owner is None and hasattr(spider, "add_outlet"):
            owner = spider.add_outlet(sample_site_url(name).rstrip("/") + "/")
        owner = owner or next(iter(outlets), None)
        meta = {**(args.get("meta") or {}), **({"outlet": owner} if owner else {})}
        if len(self.args) > 1:      # what the spider asked the page for: robots, sitemap, feed, home, listing, article
            meta.update(role=self.args[1], fetch={"url": args["url"], "kind": self.args[1]})
        args["meta"] = meta
        return args
