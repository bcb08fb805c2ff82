"""Reading the coverage accounts that crawl runs keep in their manifests (``coverage``, one per
outlet: see ``newsarchive.discovery.coverage``), and saying them in plain words.

``coverage_reports(archive)`` gives the account of each outlet from the newest finished run that
crawled it (or from one run: ``run=``), with the run's id, status and whether the run as a whole is
complete; ``format_report`` writes one account as the text ``newsarchive coverage`` prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from newsarchive.archive import layout as L
from newsarchive.archive.layout import ArchiveError
from newsarchive.archive.runs import read_json

# How the sources are named for people (newsarchive.discovery.coverage.SOURCES).
SOURCE_NAMES = {
    "sitemap": "sitemaps", "news_sitemap": "news sitemaps", "feed": "feeds", "home": "home page",
    "listing": "listings", "links": "links on articles", "hub": "pages read as sections that were articles",
    "memory": "unchanged documents (remembered)", "retry": "retried from earlier runs",
    "resume": "resumed in-flight requests",
}


def coverage_reports(root: str | Path, site: str | None = None, run: str | None = None) -> list[dict[str, Any]]:
    """The newest coverage account of every outlet (or of ``site``), newest run first per outlet."""
    root = Path(root)
    if not L.is_archive(root):
        raise ArchiveError(f"{root} is not an archive (no runs/ folder)")
    dirs = L.list_run_dirs(root)
    if run is not None:
        dirs = [d for d in dirs if d.name == run]
        if not dirs:
            raise ArchiveError(f"no run {run!r} in {root}")
    found: dict[str, dict[str, Any]] = {}
    for run_dir in reversed(dirs):
        manifest = read_json(run_dir / L.MANIFEST)
        if not manifest:
            continue
        for outlet, report in (manifest.get("coverage") or {}).items():
            if not isinstance(report, dict) or outlet in found or (site and outlet != site):
                continue
            found[outlet] = {**report, "run_id": manifest.get("run_id") or run_dir.name,
                             "run_status": manifest.get("status"), "run_complete": bool(manifest.get("complete")),
                             "finished_at": manifest.get("finished_at")}
    if site and site not in found:
        raise ArchiveError(f"no run of {root} kept a coverage account for {site!r}")
    return [found[k] for k in sorted(found)]


def _n(d: dict[str, Any], key: str) -> int:
    return int(d.get(key) or 0)


def format_report(r: dict[str, Any]) -> str:
    """One outlet's account, for people."""
    lines = [f"{r['outlet']}  (run {r['run_id']}, {r.get('run_status') or '?'}; "
             + ("seen whole: a run that can report removals)" if r.get("whole_site") else "not seen whole)")]
    for reason in r.get("partial") or []:
        lines.append(f"  not whole: {reason}")
    arts = r.get("articles") or {}
    lines.append(f"  articles: {_n(arts, 'found')} found, {_n(arts, 'requested')} requested, "
                 f"{_n(arts, 'fetched')} fetched, {_n(arts, 'archived')} archived, "
                 f"{_n(arts, 'archived_before')} archived before (not fetched again), "
                 f"{_n(arts, 'out_of_window')} outside the window")
    trouble = [f"{_n(arts, k)} {label}" for k, label in (("failed", "failed (retried next run)"), ("gone", "gone (404/410)"),
                                                          ("refused", "refused (robots.txt, scope)"),
                                                          ("not_archived", "fetched, not archived (not articles, "
                                                                           "outside the window, invalid)"))
               if _n(arts, k)]
    if trouble:
        lines.append("            " + ", ".join(trouble))
    sources = r.get("sources") or {}
    if sources:
        lines.append("  found by (only by):")
        for name, counts in sources.items():
            lines.append(f"    {SOURCE_NAMES.get(name, name):42} {counts.get('found', 0):>6} ({counts.get('only', 0)})")
    overlap = r.get("overlap") or {}
    if overlap:
        top = sorted(overlap.items(), key=lambda kv: -kv[1])[:6]
        lines.append("  overlap: " + ", ".join(f"{k.replace('+', ' & ')} {v}" for k, v in top))
    docs = r.get("documents") or {}
    kinds = sorted({k.rsplit("_", 1)[0] for k in docs})
    if kinds:
        parts = []
        for kind in kinds:
            read, unchanged, asked = _n(docs, f"{kind}_read"), _n(docs, f"{kind}_unchanged"), _n(docs, f"{kind}_requested")
            parts.append(f"{kind} {read} read" + (f" + {unchanged} unchanged" if unchanged else "") + f" of {asked} asked")
        lines.append("  documents: " + "; ".join(parts))
    walks = r.get("walks") or {}
    if walks:
        lines.append("  listing walks: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in walks.items()))
    failed = r.get("failed") or {}
    if failed.get("count"):
        lines.append(f"  documents failed: {failed['count']}")
        for f in failed.get("listed") or []:
            lines.append(f"    {f.get('kind')}: {f.get('url')} ({f.get('reason')})")
    unreached = r.get("unreached") or {}
    if unreached.get("count"):
        lines.append(f"  not reached: {unreached['count']}")
        for u in (unreached.get("listed") or [])[:10]:
            lines.append(f"    {u.get('what')}: {u.get('url')} ({u.get('why')})")
    traps = (r.get("traps") or {}).get("cut") or {}
    if traps:
        lines.append("  traps cut: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in traps.items()))
    gaps = r.get("id_gaps")
    if gaps:
        if gaps.get("estimate") is None:
            lines.append(f"  article ids: {gaps.get('ids')} seen in {gaps['range'][0]}-{gaps['range'][1]}: "
                         f"{gaps.get('note')}")
        else:
            lines.append(f"  article ids: {gaps.get('ids')} seen in {gaps['range'][0]}-{gaps['range'][1]} "
                         f"(density {gaps.get('density')}): up to {gaps['estimate']} more ids no source listed "
                         "(a ceiling: ids also number photos, videos and deleted items)")
    return "\n".join(lines)
