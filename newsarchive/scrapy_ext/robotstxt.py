"""robots.txt obeyed as Scrapy obeys it, with one log line (not a traceback) when it cannot be fetched.

Scrapy's RobotsTxtMiddleware (2.19) fetches an outlet's robots.txt before the first request to each
host:port, through the whole downloader chain (so RetryMiddleware retries it first). When that fetch
fails (DNS failure, connection refused, timeout...), Scrapy logs an ERROR with the full traceback,
counts ``robotstxt/exception_count/<exception class>``, remembers "no parser" for that host:port and
from then on lets every request to it through, as if robots.txt allowed everything; robots.txt is not
asked for again in that crawl. This middleware does exactly the same, except that the failure is one
WARNING line naming the robots.txt and the reason, counted in ``newsarchive/robots_unavailable``.

A robots.txt request that another middleware refused (IgnoreRequest: out of scope, a private address)
is, as in Scrapy, not logged here: the middleware that refused it says why.

In Scrapy 2.19 the failure is logged inside ``robot_parser`` itself (no separate method to override),
so ``robot_parser`` is overridden: it takes the same steps in the same order (one robots.txt request per
host:port, same priority and meta, parsed by Scrapy's ``_parse_robots``, failures handed to Scrapy's
``_robots_error``, ``robotstxt/request_count`` counted once), only the log call differs.
Settings are Scrapy's: ROBOTSTXT_OBEY, ROBOTSTXT_PARSER, ROBOTSTXT_USER_AGENT.
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from newsarchive.scrapy_ext.failures import failure_kind

logger = logging.getLogger(__name__)

UNAVAILABLE_STAT = "newsarchive/robots_unavailable"


def unavailable_message(origin: str, exc: BaseException, fetched: bool = False) -> str:
    """The one line logged when the robots.txt of ``origin`` (scheme://host:port) could not be fetched
    (or, ``fetched``, was fetched but could not be read)."""
    reason = " ".join((str(exc).strip().rstrip(".") or type(exc).__name__).split())
    what = "was fetched but could not be read" if fetched else "could not be fetched"
    return (f"robots.txt of {origin} {what} ({failure_kind(exc)}: {reason}); "
            f"crawling {origin} as if robots.txt allowed everything (not asked for again in this crawl)")


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware (in its place, 100); a robots.txt that cannot be fetched is one
    warning line and ``newsarchive/robots_unavailable``, not an ERROR with a traceback."""

    async def robot_parser(self, request: Request):
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc in self._parsers:
            # a parser, None (robots.txt unavailable or refused), or a fetch still under way: Scrapy's
            # own code returns it (awaiting the fetch when there is one)
            return await super().robot_parser(request)

        self._parsers[netloc] = Deferred()
        origin = f"{url.scheme}://{netloc}"
        robots_request = Request(
            f"{origin}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        fetched = False
        try:
            response = await self.crawler.engine.download_async(robots_request)
            fetched = True
            await self._parse_robots(response, netloc, request)
        except Exception as exc:
            if not isinstance(exc, IgnoreRequest):
                self._stats.inc_value(UNAVAILABLE_STAT)
                logger.warning("%s", unavailable_message(origin, exc, fetched),
                               extra={"spider": self.crawler.spider})
            self._robots_error(exc, netloc)
        self._stats.inc_value("robotstxt/request_count")
        return await super().robot_parser(request)
