"""newsarchive.scrapy_ext.middlewares and .resolver: private addresses refused without blocking the reactor,
at request time (counted, with the URL) and again at connection time (DNS rebinding).

Host names here are answered by fake resolvers (nothing is looked up) or are ``localhost``; every
connection goes to 127.0.0.1.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from twisted.internet.address import IPv4Address
from twisted.internet.error import DNSLookupError

from newsarchive.scrapy_ext.middlewares import AddressPolicy, ScopeMiddleware
from newsarchive.scrapy_ext.resolver import PublicAddressResolver, address_is_private

PUBLIC = "93.184.216.34"   # an address string only: never connected to


class FakeResolver:
    """An IHostnameResolver that answers when the test says so (as a DNS server that is slow to answer)."""

    def __init__(self, answers: dict[str, list[str]]):
        self.answers = answers
        self.asked: list[str] = []
        self.pending: list[tuple[object, str, int]] = []

    def resolveHostName(self, receiver, hostName, portNumber=0, addressTypes=None, transportSemantics="TCP"):
        self.asked.append(hostName)
        receiver.resolutionBegan(None)
        self.pending.append((receiver, hostName, portNumber))
        return None

    def answer(self):
        pending, self.pending = self.pending, []
        for receiver, host, port in pending:
            for ip in self.answers.get(host, []):
                receiver.addressResolved(IPv4Address("TCP", ip, port))
            receiver.resolutionComplete()


class Received:
    def __init__(self):
        self.addresses: list[str] = []
        self.complete = False

    def resolutionBegan(self, resolution):
        pass

    def addressResolved(self, address):
        self.addresses.append(address.host)

    def resolutionComplete(self):
        self.complete = True


@pytest.fixture
def no_blocking_dns(monkeypatch):
    """Any blocking lookup on the calling thread fails the test."""
    def blocked(*args, **kwargs):
        raise AssertionError("a blocking DNS lookup was made")

    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, blocked)


def fired(d) -> list:
    out: list = []
    d.addBoth(out.append)
    return out


@pytest.mark.parametrize("ip,private", [("127.0.0.1", True), ("10.1.2.3", True), ("192.168.0.1", True),
                                        ("169.254.169.254", True), ("::1", True), ("fe80::1%eth0", True),
                                        ("::ffff:127.0.0.1", True), ("100.64.0.1", True), ("0.0.0.0", True),
                                        ("224.0.0.1", True), (PUBLIC, False), ("2606:4700::1", False)])
def test_which_addresses_are_private(ip, private):
    assert address_is_private(ip) is private


def test_literal_addresses_are_decided_without_a_lookup(no_blocking_dns):
    resolver = FakeResolver({})
    policy = AddressPolicy(False, resolver)
    known, reason = policy.decided("127.0.0.1")
    assert known and "127.0.0.1 resolves to a private/loopback/link-local address" in reason
    assert "--allow-private-addresses" in reason
    assert policy.decided("::1")[1] and policy.decided("[::1]")[1]
    assert policy.decided(PUBLIC) == (True, None)
    assert AddressPolicy(True, resolver).decided("127.0.0.1") == (True, None)
    assert resolver.asked == []


def test_host_names_are_looked_up_without_blocking_once_per_host(no_blocking_dns):
    resolver = FakeResolver({"intranet.test": ["10.0.0.5"], "news.test": [PUBLIC]})
    policy = AddressPolicy(False, resolver)
    assert policy.decided("intranet.test") == (False, None)
    first, second = fired(policy.refusal_later("intranet.test")), fired(policy.refusal_later("intranet.test"))
    public = fired(policy.refusal_later("news.test"))
    assert first == second == public == []          # waiting for the resolver, not blocking on it
    assert resolver.asked == ["intranet.test", "news.test"]   # one lookup per host
    resolver.answer()
    assert first == second and "intranet.test resolves to a private/loopback/link-local address (10.0.0.5)" in first[0]
    assert public == [None]
    # verdicts are remembered: no second lookup
    assert policy.decided("intranet.test") == (True, first[0]) and policy.decided("news.test") == (True, None)
    assert resolver.asked == ["intranet.test", "news.test"]


def test_a_host_with_one_private_address_among_public_ones_is_refused():
    resolver = FakeResolver({"mixed.test": [PUBLIC, "192.168.1.10"]})
    policy = AddressPolicy(False, resolver)
    got = fired(policy.refusal_later("mixed.test"))
    resolver.answer()
    assert "(192.168.1.10)" in got[0]


def test_a_failed_lookup_is_not_remembered():
    resolver = FakeResolver({})
    policy = AddressPolicy(False, resolver)
    got = fired(policy.refusal_later("gone.test"))
    resolver.answer()
    assert got == [None]                            # the download fails and is counted as a DNS failure
    assert policy.decided("gone.test") == (False, None)
    policy.refusal_later("gone.test")
    assert resolver.asked == ["gone.test", "gone.test"]


def test_the_guard_hands_connections_no_private_address():
    inner = FakeResolver({"rebound.test": ["127.0.0.1"], "mixed.test": [PUBLIC, "10.0.0.1"], "news.test": [PUBLIC]})
    guard = PublicAddressResolver(None, inner, allow_private=False)
    received = {h: Received() for h in inner.answers}
    for host, receiver in received.items():
        guard.resolveHostName(receiver, host, 80)
    inner.answer()
    assert received["rebound.test"].addresses == [] and received["rebound.test"].complete
    assert received["mixed.test"].addresses == [PUBLIC] and received["news.test"].addresses == [PUBLIC]
    assert set(guard.refused) == {"rebound.test", "mixed.test"}
    assert "rebound.test resolves to a private/loopback/link-local address (127.0.0.1)" in guard.refused["rebound.test"]


def test_the_guard_lets_private_addresses_through_when_allowed_and_for_proxies():
    inner = FakeResolver({"local.test": ["127.0.0.1"], "proxy.lan": ["192.168.1.2"]})
    allowed, proxied = Received(), Received()
    PublicAddressResolver(None, inner, allow_private=True).resolveHostName(allowed, "local.test", 80)
    PublicAddressResolver(None, inner, allow_private=False, allowed_hosts=["proxy.lan"]).resolveHostName(
        proxied, "proxy.lan", 3128)
    inner.answer()
    assert allowed.addresses == ["127.0.0.1"] and proxied.addresses == ["192.168.1.2"]


class Stats:
    def __init__(self):
        self.values: dict[str, int] = {}

    def inc_value(self, key, count=1, start=0):
        self.values[key] = self.values.get(key, start) + count


def _middleware(resolver, allow=False):
    spider = SimpleNamespace(failures=[])
    spider.note_failure = lambda kind, url, reason: spider.failures.append((kind, url, reason))
    crawler = SimpleNamespace(stats=Stats(), spider=spider)
    mw = ScopeMiddleware(crawler, allow)
    mw.policy = AddressPolicy(allow, resolver)
    return mw, crawler, spider


def test_a_connection_the_guard_refused_is_counted_as_a_refusal_with_its_url():
    """DNS rebinding: the request-time check saw a public address, the connection got a private one."""
    guard = PublicAddressResolver(None, FakeResolver({}), allow_private=False)
    guard.refused["rebound.test"] = "rebound.test resolves to a private/loopback/link-local address (127.0.0.1); ..."
    mw, crawler, spider = _middleware(guard)
    request = Request("http://rebound.test/bai-viet-1.html")
    with pytest.raises(IgnoreRequest):
        mw.process_exception(request, DNSLookupError("no results for hostname lookup: rebound.test"))
    assert crawler.stats.values["newsarchive/refused/private_address"] == 1
    assert spider.failures == [("refused_private_address", request.url, guard.refused["rebound.test"])]
    # ... and the host's next requests are refused before they are sent
    assert mw.policy.decided("rebound.test") == (True, guard.refused["rebound.test"])
    # other failures are left alone (counted by the spider as what they are)
    assert mw.process_exception(Request("http://news.test/"), DNSLookupError("x")) is None


def test_the_guard_refuses_connections_on_a_real_reactor(http_server, tmp_path):
    """Installed the way Scrapy's CrawlerProcess installs TWISTED_DNS_RESOLVER, the guard stops a
    connection to 127.0.0.1 whatever asked for it; with NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES it lets it through."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<html>ok</html>")
    base = http_server(tmp_path / "site")
    script = textwrap.dedent("""
        import sys
        from types import SimpleNamespace
        from scrapy.settings import Settings
        from scrapy.utils.misc import build_from_crawler, load_object
        from twisted.internet import reactor
        from twisted.web.client import Agent, readBody

        allow, url = sys.argv[1] == "allow", sys.argv[2]
        settings = Settings()
        settings.setmodule("newsarchive.settings", priority="project")
        settings.set("NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES", allow, priority="cmdline")
        resolver = build_from_crawler(load_object(settings["TWISTED_DNS_RESOLVER"]),
                                      SimpleNamespace(settings=settings), reactor=reactor)
        resolver.install_on_reactor()
        d = Agent(reactor).request(b"GET", url.encode())
        d.addCallback(lambda response: readBody(response).addCallback(lambda body: print("fetched", body.decode())))
        d.addErrback(lambda failure: print("failed", type(failure.value).__name__, failure.getErrorMessage()))
        d.addBoth(lambda _: print("refused:", list(getattr(resolver, "refused", {}).values())))
        d.addBoth(lambda _: reactor.stop())
        reactor.run()
    """)
    for mode in ("deny", "allow"):
        done = subprocess.run([sys.executable, "-c", script, mode, base + "/index.html"], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
        if mode == "deny":
            assert "failed DNSLookupError" in done.stdout and "127.0.0.1 resolves to a private" in done.stdout, done.stdout
        else:
            assert "fetched <html>ok</html>" in done.stdout, done.stdout + done.stderr[-2000:]


def test_a_crawl_refuses_private_hosts_named_or_literal_and_lists_them(tmp_path):
    """The whole crawl: nothing is fetched from 127.0.0.1 (named localhost or written as an address)
    without --allow-private-addresses; each refusal is counted and listed with its URL, and logged."""
    from crawlsite_server import CrawlSite

    site = CrawlSite()
    site.start()
    try:
        base = site.base
        named = "http://localhost:" + base.rsplit(":", 1)[1] + "/"
        done = subprocess.run([sys.executable, "-c", "from newsarchive.cli import run; run()", "crawl", named,
                               base + "/", "--archive", str(tmp_path / "a")],
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
    finally:
        site.stop()
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert site.requests == [], "nothing reached the server"
    assert "0 pages fetched" in done.stderr
    assert f"refused_private_address {named}  (localhost resolves to a private/loopback/link-local address" in done.stderr
    assert f"refused_private_address {base}/  (127.0.0.1 resolves to a private/loopback/link-local address" in done.stderr
    assert f"Refused {named}" in done.stderr and f"Refused {base}/" in done.stderr   # logged as they happen


def test_proxy_hosts_are_the_proxies_not_the_no_proxy_list(monkeypatch):
    """Hosts in no_proxy are reached directly: they must not skip the connection-time check."""
    from newsarchive.scrapy_ext.resolver import proxy_hosts

    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", "http://proxy.lan:3128")
    monkeypatch.setenv("no_proxy", "localhost,10.0.0.5")
    assert proxy_hosts() == {"proxy.lan"}
