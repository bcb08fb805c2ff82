"""Private-address safety at connection time: a name resolver that never hands out a private address.

``ScopeMiddleware`` refuses a request whose host is, or resolves to, a loopback, private, link-local
(and the like) address before it is downloaded, and counts the refusal. It resolves through the
reactor's name resolver, so the first request to a host never blocks the reactor. But a host name is
resolved again when the download connects, and a DNS server may answer differently the second time
("DNS rebinding": a public address for the check, 127.0.0.1 for the connection). ``PublicAddressResolver``
closes that gap: installed as the reactor's name resolver (``TWISTED_DNS_RESOLVER``, set in
``newsarchive.settings``; Scrapy's ``CrawlerProcess`` installs it, which is what ``newsarchive crawl``,
``scrapy crawl`` and scrapyd run), it wraps Scrapy's own resolver (``NEWSARCHIVE_DNS_RESOLVER``,
default ``scrapy.resolver.CachingThreadedResolver``) and drops every private address from what it
hands to a connection, literal IP addresses in URLs included, unless
``NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES`` is set. A connection then finds no address and fails; the
host is remembered in ``refused``, and the middleware counts the request as refused (not as a DNS
failure) and refuses the host's next requests at once.

The hosts of the HTTP(S) proxies named in the environment (``http_proxy``...) are let through: a
proxy on the local network is the user's choice, and the proxy, not this process, then connects to
the outlet.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any, Iterable

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer

logger = logging.getLogger(__name__)

DEFAULT_INNER_RESOLVER = "scrapy.resolver.CachingThreadedResolver"


def address_is_private(ip: str) -> bool:
    """Loopback, private (RFC 1918 / ULA), link-local, shared, reserved, multicast or unspecified."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return not addr.is_global or addr.is_multicast


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
        return True
    except ValueError:
        return False


def refusal(host: str, addresses: Iterable[str]) -> str | None:
    """Why `host` may not be fetched given the addresses it resolves to, or None."""
    bad = [ip for ip in addresses if is_ip(ip) and address_is_private(ip)]
    if not bad:
        return None
    return (f"{host} resolves to a private/loopback/link-local address ({bad[0]}); "
            "use --allow-private-addresses to crawl it")


def proxy_hosts() -> set[str]:
    """Hosts of the proxies the environment names (they may be private: the user chose them)."""
    from urllib.parse import urlsplit
    from urllib.request import getproxies

    hosts = set()
    for scheme, url in getproxies().items():
        if scheme == "no":   # no_proxy: hosts reached *without* a proxy, not proxies
            continue
        try:
            host = urlsplit(url if "://" in url else "http://" + url).hostname
        except ValueError:
            continue
        if host:
            hosts.add(host.lower())
    return hosts


@implementer(IResolutionReceiver)
class _PublicOnly:
    """Passes a resolution on to `receiver` without its private addresses (noted in `refused`)."""

    def __init__(self, receiver, host: str, refused: dict[str, str]):
        self.receiver = receiver
        self.host = host
        self.refused = refused
        self.dropped: list[str] = []

    def resolutionBegan(self, resolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address) -> None:
        ip = getattr(address, "host", "")
        if is_ip(ip) and address_is_private(ip):
            self.dropped.append(ip)
            return
        self.receiver.addressResolved(address)

    def resolutionComplete(self) -> None:
        if self.dropped:
            reason = refusal(self.host, self.dropped) or ""
            if self.host not in self.refused:
                logger.warning("Refused to connect: %s", reason)
            self.refused[self.host] = reason
        self.receiver.resolutionComplete()


@implementer(IResolutionReceiver)
class _Collect:
    """Collects a resolution's addresses into a Deferred list of IP strings."""

    def __init__(self):
        self.addresses: list[str] = []
        self.done: Deferred = Deferred()

    def resolutionBegan(self, resolution) -> None:
        pass

    def addressResolved(self, address) -> None:
        self.addresses.append(getattr(address, "host", ""))

    def resolutionComplete(self) -> None:
        self.done.callback(self.addresses)


def lookup(resolver, host: str) -> Deferred:
    """All addresses of `host` through an IHostnameResolver, as a Deferred list (empty when it failed)."""
    collect = _Collect()
    try:
        resolver.resolveHostName(collect, host, 0)
    except Exception as exc:   # a resolver that raises instead of reporting no address
        logger.debug("looking up %s failed: %r", host, exc)
        if not collect.done.called:
            collect.done.callback([])
    return collect.done


@implementer(IHostnameResolver)
class PublicAddressResolver:
    """The reactor's name resolver for crawls: Scrapy's resolver without private addresses."""

    def __init__(self, reactor, inner, allow_private: bool, allowed_hosts: Iterable[str] = ()):
        self.reactor = reactor
        self.inner = inner                 # Scrapy's resolver (simple or hostname resolver)
        self.allow_private = allow_private
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.unfiltered: Any = None        # the name resolver `inner` installed (set on install)
        self.refused: dict[str, str] = {}  # host -> why its connection found no address

    @classmethod
    def from_crawler(cls, crawler, reactor):
        from scrapy.utils.misc import build_from_crawler, load_object

        settings = crawler.settings
        inner_cls = load_object(settings.get("NEWSARCHIVE_DNS_RESOLVER") or DEFAULT_INNER_RESOLVER)
        inner = build_from_crawler(inner_cls, crawler, reactor=reactor)
        return cls(reactor, inner, settings.getbool("NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES", False), proxy_hosts())

    def install_on_reactor(self) -> None:
        self.inner.install_on_reactor()
        self.unfiltered = self.reactor.nameResolver
        self.reactor.installNameResolver(self)

    def resolveHostName(self, resolutionReceiver, hostName: str, portNumber: int = 0,
                        addressTypes=None, transportSemantics: str = "TCP"):
        resolver = self.unfiltered if self.unfiltered is not None else self.inner
        if self.allow_private or hostName.lower() in self.allowed_hosts:
            return resolver.resolveHostName(resolutionReceiver, hostName, portNumber, addressTypes,
                                            transportSemantics)
        return resolver.resolveHostName(_PublicOnly(resolutionReceiver, hostName, self.refused), hostName,
                                        portNumber, addressTypes, transportSemantics)
