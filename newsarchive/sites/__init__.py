"""The registry of provincial outlets: site knowledge as data, never as code.

Two files in this package hold it:

- ``outlets.tsv``: one row per domain (province, province_2025, kind, outlet_name, domain, evidence,
  notes), copied from the shared outlet list, with the reference outlet lamdongtv.vn moved first;
- ``profiles.toml``: optional per-outlet hints (start URL, extra domains, sitemaps, feeds, listing
  pages, article URL patterns, date order, extractor selector overrides), keyed by registry name.

``load_registry()`` joins them into ``OutletProfile`` objects; ``Registry.lookup()`` finds an outlet by
its name, any of its domains, or any URL on it. ``profile_for_url()`` makes an ad-hoc profile for an
outlet that is not in the registry, so it can be crawled from its URL alone.
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

KINDS = ("broadcaster", "newspaper", "merged", "portal")

_PROFILE_KEYS = {
    "home", "extra_domains", "sitemaps", "feeds", "listings", "article_patterns",
    "not_article_patterns", "month_first", "selectors",
}


class RegistryError(ValueError):
    """The registry data is malformed (a bad row, an unknown key, a pattern that does not compile)."""


@dataclass
class OutletProfile:
    """One outlet: who it is, where it lives, and what helps crawl it."""

    name: str                                   # registry name: the outlet's main domain
    domains: list[str]                          # main domain first; subdomains are always in scope
    outlet_name: str = ""                       # e.g. "Đài Phát thanh và Truyền hình Lâm Đồng"
    province: str = ""                          # province before the July 2025 merger
    province_2025: str = ""                     # province since the merger
    kind: str = ""                              # broadcaster | newspaper | merged | portal
    home: str = ""                              # start URL
    sitemaps: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)
    article_patterns: list[str] = field(default_factory=list)
    not_article_patterns: list[str] = field(default_factory=list)
    month_first: bool = False
    selectors: dict[str, list[str]] = field(default_factory=dict)
    notes: str = ""
    in_registry: bool = True                    # False for an outlet known only by a URL

    def __post_init__(self) -> None:
        self.domains = [normalise_host(d) for d in self.domains if d]
        if not self.home:
            self.home = f"https://{self.domains[0]}/"
        for pattern in [*self.article_patterns, *self.not_article_patterns]:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise RegistryError(f"{self.name}: bad URL pattern {pattern!r}: {exc}") from None

    def owns_host(self, host: str | None) -> bool:
        """True when ``host`` is one of the outlet's domains or a subdomain of one."""
        if not host:
            return False
        host = normalise_host(host)
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def owns_url(self, url: str) -> bool:
        return self.owns_host(urlsplit(url).hostname)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalise_host(host: str) -> str:
    """Lower-case host without a trailing dot or a leading ``www.``."""
    host = host.strip().lower().rstrip(".")
    if "://" in host:
        host = urlsplit(host).hostname or ""
    return host[4:] if host.startswith("www.") else host


def profile_for_url(url: str) -> OutletProfile:
    """An ad-hoc profile for an outlet given only by a URL: its host is its domain, its URL the start."""
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistryError(f"not a web address: {url!r}")
    host = normalise_host(parts.hostname)
    return OutletProfile(name=host, domains=[host], home=url, in_registry=False)


class Registry:
    """All known outlets, in the order of outlets.tsv."""

    def __init__(self, profiles: Iterable[OutletProfile]):
        self.profiles = list(profiles)
        self._by_name = {p.name: p for p in self.profiles}

    def __iter__(self):
        return iter(self.profiles)

    def __len__(self) -> int:
        return len(self.profiles)

    def get(self, name: str) -> OutletProfile | None:
        return self._by_name.get(normalise_host(name))

    def lookup(self, target: str) -> OutletProfile | None:
        """Find an outlet by registry name, one of its domains, or a URL on one of its hosts.

        The most specific match wins: ``dongkhoi.baovinhlong.vn`` finds the outlet whose domain is
        exactly that host before the one that owns ``baovinhlong.vn``.
        """
        target = target.strip()
        if not target:
            return None
        host = urlsplit(target).hostname if "://" in target else target.split("/")[0]
        host = normalise_host(host or "")
        if not host:
            return None
        exact = self.get(host)
        if exact is not None:
            return exact
        best: tuple[int, OutletProfile] | None = None
        for profile in self.profiles:
            for domain in profile.domains:
                if host == domain or host.endswith("." + domain):
                    if best is None or len(domain) > best[0]:
                        best = (len(domain), profile)
        return best[1] if best else None

    def select(self, province: str | None = None, kind: str | None = None) -> list[OutletProfile]:
        """Outlets of a province (before or after the 2025 merger, accents and case ignored) and/or kind."""
        out = []
        for p in self.profiles:
            if province and _fold(province) not in (_fold(p.province), _fold(p.province_2025)):
                continue
            if kind and kind.lower() != p.kind:
                continue
            out.append(p)
        return out

    def resolve(self, target: str) -> OutletProfile:
        """A registry outlet for ``target`` if there is one, else an ad-hoc profile from the URL."""
        found = self.lookup(target)
        if found is not None:
            if "://" in target and urlsplit(target).path not in ("", "/"):
                # a start URL deeper in a known outlet: keep the profile, start there
                return OutletProfile(**{**found.to_dict(), "home": target})
            return found
        return profile_for_url(target)


def _fold(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFD", text.strip().lower()).replace("đ", "d")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"^(tp\.?|thanh pho|tinh)\s+", "", re.sub(r"\s+", " ", text))


def _read_rows(text: str, source: str) -> list[dict[str, str]]:
    reader = csv.DictReader(text.splitlines(), delimiter="\t")
    required = {"province", "province_2025", "kind", "outlet_name", "domain"}
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise RegistryError(f"{source}: missing columns {sorted(missing)}")
    rows = []
    for lineno, row in enumerate(reader, start=2):
        if not (row.get("domain") or "").strip():
            raise RegistryError(f"{source}:{lineno}: empty domain")
        if row["kind"] not in KINDS:
            raise RegistryError(f"{source}:{lineno}: unknown kind {row['kind']!r}")
        rows.append(row)
    return rows


def build_registry(tsv_text: str, profiles: dict[str, Any], source: str = "outlets.tsv") -> Registry:
    """Join outlet rows with their profiles (both as text/data, so tests can feed their own)."""
    out = []
    seen: set[str] = set()
    for row in _read_rows(tsv_text, source):
        name = normalise_host(row["domain"])
        if name in seen:
            raise RegistryError(f"{source}: domain {name} listed twice")
        seen.add(name)
        hints = dict(profiles.get(name, {}))
        unknown = set(hints) - _PROFILE_KEYS
        if unknown:
            raise RegistryError(f"profiles.toml [{name}]: unknown keys {sorted(unknown)}")
        extra = hints.pop("extra_domains", [])
        out.append(OutletProfile(
            name=name, domains=[name, *extra], outlet_name=row["outlet_name"].strip(),
            province=row["province"].strip(), province_2025=row["province_2025"].strip(),
            kind=row["kind"].strip(), notes=(row.get("notes") or "").strip(), **hints,
        ))
    orphans = set(profiles) - seen
    if orphans:
        raise RegistryError(f"profiles.toml: profiles for outlets not in {source}: {sorted(orphans)}")
    return Registry(out)


@lru_cache(maxsize=4)
def load_registry(tsv_path: str | None = None, profiles_path: str | None = None) -> Registry:
    """The bundled registry (or one read from the given files)."""
    pkg = resources.files(__name__)
    tsv = Path(tsv_path).read_text(encoding="utf-8") if tsv_path else (pkg / "outlets.tsv").read_text("utf-8")
    toml_text = (Path(profiles_path).read_text(encoding="utf-8") if profiles_path
                 else (pkg / "profiles.toml").read_text("utf-8"))
    try:
        profiles = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"profiles.toml: {exc}") from None
    return build_registry(tsv, profiles, source=tsv_path or "outlets.tsv")
