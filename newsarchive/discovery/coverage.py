"""Coverage: for one outlet and one run, what each discovery source found, what was fetched and
archived, what failed, what was cut, and an estimate of what is still missing.

``Coverage`` is filled by the frontier as the run goes (plain counters and one small int per article
URL: the bit set of the sources that listed it), and ``Coverage.report()`` turns it into the dict the
run manifest keeps under ``coverage`` and ``newsarchive coverage`` prints.

What still missing means here, in order of certainty:

- ``unreached``: listing pages the run knew of and did not read (a walk cut by the page budget or by
  an incremental stop, sections beyond the hub budget, documents that failed);
- ``id_gaps``: most Vietnamese CMSs number their articles in the URL (``...-d538952.html``). When the
  ids the run found are dense enough to be one sequence, the ids between the lowest and the highest
  that no source listed are a ceiling on the articles missed in that range (a ceiling: the same
  sequence usually numbers photos, videos, drafts and deleted items too).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from newsarchive.discovery.urls import numeric_id

# Sources of article URLs, each a bit in Coverage.found ("hub": a page read as a possible listing
# that extraction archived as an article; "memory": listed by an unchanged document or a known walk,
# as remembered; "retry": not archived by an earlier run; "resume": in flight when a run stopped).
SOURCES: tuple[str, ...] = ("sitemap", "news_sitemap", "feed", "home", "listing", "links", "hub", "memory", "retry",
                            "resume")
SOURCE_BIT = {name: 1 << i for i, name in enumerate(SOURCES)}

MAX_LISTED = 50            # failed documents and unreached pages listed by URL (all are counted)
MIN_IDS_FOR_ESTIMATE = 20
MIN_ID_DENSITY = 0.05      # below this share of the id range, ids are not one sequence of articles


@dataclass
class Coverage:
    outlet: str
    found: dict[str, int] = field(default_factory=dict)          # article key -> bit set of sources
    ids: dict[str, int] = field(default_factory=dict)            # article key -> numeric id in its URL
    articles: Counter = field(default_factory=Counter)           # requested, archived_before, fetched, ...
    documents: Counter = field(default_factory=Counter)          # "<kind>_requested", "<kind>_read", ...
    walks: Counter = field(default_factory=Counter)              # started, ended, stopped_*, cut_*
    failed: list[dict[str, Any]] = field(default_factory=list)
    unreached: list[dict[str, Any]] = field(default_factory=list)
    unreached_count: int = 0
    failed_count: int = 0
    whole_site_sources: set[str] = field(default_factory=set)    # whole-site listings read to the end

    # -- filling ----------------------------------------------------------------------------------
    def found_by(self, key: str, url: str, source: str) -> bool:
        """Record that ``source`` listed the article ``key``; True when no source had listed it yet."""
        bit = SOURCE_BIT.get(source, SOURCE_BIT["links"])
        old = self.found.get(key)
        if old is None:
            self.found[key] = bit
            n = numeric_id(url)
            if n is not None:
                self.ids[key] = n
            return True
        self.found[key] = old | bit
        return False

    def document_failed(self, kind: str, url: str, reason: str) -> None:
        self.failed_count += 1
        if len(self.failed) < MAX_LISTED:
            self.failed.append({"kind": kind, "url": url, "reason": reason})

    def not_reached(self, what: str, url: str, why: str, **extra: Any) -> None:
        self.unreached_count += 1
        if len(self.unreached) < MAX_LISTED:
            self.unreached.append({"what": what, "url": url, "why": why, **extra})

    # -- reporting --------------------------------------------------------------------------------
    def sources_report(self) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
        per: dict[str, dict[str, int]] = {}
        pairs: Counter = Counter()
        for bits in self.found.values():
            names = [n for n in SOURCES if bits & SOURCE_BIT[n]]
            for n in names:
                entry = per.setdefault(n, {"found": 0, "only": 0})
                entry["found"] += 1
                if len(names) == 1:
                    entry["only"] += 1
            for a, b in combinations(names, 2):
                pairs[f"{a}+{b}"] += 1
        return ({n: per[n] for n in SOURCES if n in per}, dict(sorted(pairs.items())))

    def id_gaps(self) -> dict[str, Any] | None:
        """The id-sequence estimate (see the module docstring), or None when the ids do not allow one."""
        ids = sorted(set(self.ids.values()))
        if len(ids) < MIN_IDS_FOR_ESTIMATE:
            return None
        # one family only: the most common number of digits (a site may number videos apart)
        width = Counter(len(str(i)) for i in ids).most_common(1)[0][0]
        if width >= 14:
            return None            # ids that are timestamps (yyyymmddhhmmss...): no sequence to count
        ids = [i for i in ids if len(str(i)) == width]
        if len(ids) < MIN_IDS_FOR_ESTIMATE:
            return None
        lo, hi = ids[0], ids[-1]
        span = hi - lo + 1
        density = len(ids) / span
        if density < MIN_ID_DENSITY:
            return {"ids": len(ids), "range": [lo, hi], "density": round(density, 4),
                    "estimate": None, "note": "ids too sparse to be one sequence of articles"}
        gaps = [(a, b) for a, b in zip(ids, ids[1:]) if b - a > 1]
        largest = sorted(gaps, key=lambda g: g[1] - g[0], reverse=True)[:5]
        return {"ids": len(ids), "range": [lo, hi], "density": round(density, 4),
                "estimate": span - len(ids),
                "largest_gaps": [[a + 1, b - 1] for a, b in largest],
                "note": "ids in the range that no source listed: a ceiling on the articles missed there"}

    def report(self, partial: list[str] | None = None, traps: dict[str, Any] | None = None) -> dict[str, Any]:
        sources, overlap = self.sources_report()
        return {
            "outlet": self.outlet,
            "whole_site": not partial,
            "partial": list(partial or []),
            "sources": sources,
            "overlap": overlap,
            "articles": {"found": len(self.found), **dict(sorted(self.articles.items()))},
            "documents": dict(sorted(self.documents.items())),
            "walks": dict(sorted(self.walks.items())),
            "whole_site_listings": sorted(self.whole_site_sources),
            "failed": {"count": self.failed_count, "listed": self.failed},
            "unreached": {"count": self.unreached_count, "listed": self.unreached},
            "traps": traps or {"cut": {}, "examples": {}},
            "id_gaps": self.id_gaps(),
        }
