"""What discovery remembers of an outlet between runs, so that an incremental run stays cheap and
loses nothing.

Kept per outlet, written by a run that finished (``runs/<run_id>/discovery.json.zst``, beside the run's
records; the next run reads the newest one that holds the outlet):

- ``documents``: each sitemap, feed, home and listing page read, with its HTTP validators (``ETag``,
  ``Last-Modified``) for a conditional request next time, the sitemap ``lastmod`` its index gave, when
  it was read, and the article URLs it listed: a document that has not changed (``304``, or a sitemap
  child whose ``lastmod`` is as before) is not read again, and what it listed counts as still listed;
- ``walks``: per listing (its first page), whether a walk ever reached its last page (``complete``),
  every article URL it has listed since (``articles``), and where a walk cut by the page budget
  stopped (``resume``): the next run carries on from there, so a deep listing is read to its end over
  several runs. An incremental run stops a walk in known territory only once the walk has been
  complete, and then counts the listing's remembered articles as still listed;
- ``unfinished``: article URLs that were discovered and not archived (the fetch failed, or the
  --max-articles budget ran out): they are requested again by the next runs (up to
  ``MAX_ATTEMPTS`` times), because the document that listed them may not be read again;
- ``missing``: guessed sitemap and feed paths that were not there (not guessed again for
  ``MISSING_RECHECK``);
- ``adopted``: hosts the outlet moved to (its home page redirected there for good): in scope from
  the start of the next run;
- ``shapes``: the article URL shapes the classifier learnt (``classify.url_shape``), from sitemaps,
  feeds and pages that turned out to be articles;
- ``seen``: how many articles the run saw; a run of the same window that sees far fewer is not taken
  for a whole view of the site (a discovery failure is likelier than mass removals);
- ``window``: the --since/--until window of the run that wrote it. A document read under a window
  skipped the articles outside it, so it is trusted as unchanged only by a run whose window lies
  inside that one.

Nothing here is needed to read the archive: it is derived crawl state, and a run that finds none
(an archive written before it existed, or one whose last runs were killed) simply reads everything.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

log = logging.getLogger(__name__)

FILE = "discovery.json.zst"
FORMAT = "newsarchive-discovery/1"
MAX_ATTEMPTS = 5                          # runs an unfinished article is tried again in
MISSING_RECHECK = timedelta(days=7)       # a guessed path found missing is guessed again after this
NOT_LISTING_RECHECK = timedelta(days=7)   # a page that listed no article is read again after this


@dataclass
class DocumentMemory:
    url: str
    kind: str                                 # sitemap | feed | home | listing
    etag: str | None = None
    last_modified: str | None = None
    lastmod: str | None = None                # what the parent sitemap index said, as written
    read_at: str | None = None                # ISO UTC
    articles: int = 0                         # article URLs it listed when last read
    index: bool = False                       # a sitemap index (its children are read, never it alone)
    links: list[str] | None = None            # the article URLs it listed (sitemap url sets, feeds, home)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, 0, False) or k in ("url", "kind")}


@dataclass
class OutletMemory:
    outlet: str
    documents: dict[str, DocumentMemory] = field(default_factory=dict)     # url_key -> document
    walks: dict[str, dict[str, Any]] = field(default_factory=dict)         # listing root key -> walk
    unfinished: dict[str, dict[str, Any]] = field(default_factory=dict)    # article URL -> source, attempts
    missing: dict[str, str] = field(default_factory=dict)                  # guessed URL -> when found missing
    window: tuple[str | None, str | None] = (None, None)
    run_id: str | None = None
    shapes: list[list] = field(default_factory=list)                      # article URL shapes learnt
    adopted: list[str] = field(default_factory=list)                      # hosts the outlet moved to
    home: str | None = None                   # its home page there
    seen: int = 0                             # articles the run saw (fetched, or archived and listed)
    # -- reading --------------------------------------------------------------------------------
    def trusted_for(self, since: datetime | None, until: datetime | None) -> bool:
        """Can a run with this window take the remembered documents as read? Only if the window they
        were read under holds it (an open window holds every window)."""
        a, b = self.window
        if a and (since is None or since < _dt(a)):
            return False
        if b and (until is None or until > _dt(b)):
            return False
        return True

    def missing_recently(self, url: str, now: datetime) -> bool:
        when = _dt(self.missing.get(url))
        return when is not None and now - when < MISSING_RECHECK

    def to_dict(self) -> dict[str, Any]:
        return {
            "outlet": self.outlet, "run_id": self.run_id, "window": list(self.window),
            "documents": {k: d.to_dict() for k, d in sorted(self.documents.items())},
            "walks": dict(sorted(self.walks.items())),
            "unfinished": dict(sorted(self.unfinished.items())),
            "missing": dict(sorted(self.missing.items())),
            "shapes": self.shapes,
            "adopted": self.adopted,
            "home": self.home,
            "seen": self.seen,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "OutletMemory":
        docs = {}
        for key, d in (data.get("documents") or {}).items():
            if isinstance(d, dict) and d.get("url"):
                docs[key] = DocumentMemory(**{k: d.get(k) for k in DocumentMemory.__dataclass_fields__
                                              if k in d})
        window = data.get("window") or [None, None]
        return cls(outlet=data.get("outlet") or "", documents=docs, walks=dict(data.get("walks") or {}),
                   unfinished=dict(data.get("unfinished") or {}), missing=dict(data.get("missing") or {}),
                   window=(window[0], window[1]) if len(window) == 2 else (None, None),
                   run_id=data.get("run_id"), shapes=[list(s) for s in data.get("shapes") or [] if isinstance(s, list)],
                   adopted=[str(h) for h in data.get("adopted") or []], home=data.get("home"),
                   seen=int(data.get("seen") or 0))


def _dt(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# -- files ------------------------------------------------------------------------------------------
def dumps(memories: Iterable[OutletMemory]) -> bytes:
    import zstandard

    data = {"format": FORMAT, "outlets": {m.outlet: m.to_dict() for m in memories}}
    return zstandard.ZstdCompressor(level=6).compress(json.dumps(data, ensure_ascii=False).encode("utf-8"))


def loads(blob: bytes) -> dict[str, OutletMemory]:
    import zstandard

    try:
        data = json.loads(zstandard.ZstdDecompressor().decompress(blob, max_output_size=1 << 31))
    except zstandard.ZstdError as exc:
        raise ValueError(f"not zstd data ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a discovery memory file")
    return {name: OutletMemory.from_dict(m) for name, m in (data.get("outlets") or {}).items()
            if isinstance(m, dict)}


def load(archive_dir: str | Path | None, outlets: Iterable[str]) -> dict[str, OutletMemory]:
    """The newest memory of each of ``outlets`` in an archive's finished runs ({} for a new archive).

    Only runs with a manifest (finished, never rewritten) count; an unreadable file is skipped with a
    warning (the outlet is then read as if new, which costs requests but loses nothing)."""
    wanted = set(outlets)
    found: dict[str, OutletMemory] = {}
    if not archive_dir or not wanted:
        return found
    runs = Path(archive_dir) / "runs"
    if not runs.is_dir():
        return found
    for run in sorted((p for p in runs.iterdir() if p.is_dir()), reverse=True):
        path = run / FILE
        if not path.is_file() or not (run / "manifest.json").is_file():
            continue
        try:
            memories = loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            log.warning("Discovery memory %s is unreadable (%s); those outlets are read afresh", path, exc)
            continue
        for name in wanted - found.keys():
            if name in memories:
                found[name] = memories[name]
        if found.keys() >= wanted:
            break
    return found
