"""Redirect loops are failures, not silently dropped requests.

A page that redirects back to a URL of its own redirect chain (A -> B -> A, or A -> A) never ends.
Scrapy's redirect middlewares send the redirect back through the scheduler, whose dupefilter drops a
URL it has seen (A) without a word: the request never reaches its errback, the article is neither
archived nor counted as failed. (A request with ``dont_filter``, such as a revisit, goes round until
REDIRECT_MAX_TIMES instead.) These subclasses of Scrapy's redirect middlewares (in their places: 600
and, through ``newsarchive.scrapy_ext.metarefresh``, 580) raise ``IgnoreRequest("redirect loop: ...")``
as soon as a redirect goes back into its own chain; the errback counts it as a ``redirect_loop``
failure (``newsarchive.scrapy_ext.failures``). Settings are Scrapy's (REDIRECT_*, METAREFRESH_*).
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware as ScrapyRedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from w3lib.url import canonicalize_url


def loop_of(request, target_url: str) -> list[str] | None:
    """The redirect chain of `request` up to `target_url` when `target_url` is already in it (a loop), else None."""
    chain = [*request.meta.get("redirect_urls", []), request.url]
    seen = {canonicalize_url(u) for u in chain}
    return [*chain, target_url] if canonicalize_url(target_url) in seen else None


class LoopCheck:
    """Mixin for a Scrapy redirect middleware: a redirect into its own chain is a failure."""

    def _redirect(self, redirected, request, reason):
        loop = loop_of(request, redirected.url)
        if loop is not None:
            raise IgnoreRequest("redirect loop: " + " -> ".join(loop))
        return super()._redirect(redirected, request, reason)


class RedirectMiddleware(LoopCheck, ScrapyRedirectMiddleware):
    """Scrapy's RedirectMiddleware (3xx Location), with redirect loops failed at once."""
