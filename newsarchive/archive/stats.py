"""Archive statistics: articles per outlet and month, date range, share of records with each field,
error counts from the run manifests; and a plot of articles per day per outlet."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsarchive.archive import layout as L
from newsarchive.archive.runs import run_info
from newsarchive.archive.snapshot import iter_snapshot
from newsarchive.summary import SUMMARY_FIELDS, has_value

ERROR_COUNTS = ("rejects", "fetch_errors", "not_article", "extract_error", "empty", "binary")


@dataclass
class ArchiveStats:
    articles: int = 0
    per_outlet_month: dict[str, dict[str, int]] = field(default_factory=dict)
    per_outlet_day: dict[str, dict[str, int]] = field(default_factory=dict)
    first_published: str | None = None
    last_published: str | None = None
    undated: int = 0
    field_share: dict[str, float] = field(default_factory=dict)
    runs: int = 0
    runs_by_status: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def as_dict(self, with_days: bool = False) -> dict[str, Any]:
        d = dict(self.__dict__)
        if not with_days:
            d.pop("per_outlet_day")
        return d


def archive_stats(root: str | Path, as_of: str | None = None, site: str | None = None) -> ArchiveStats:
    st = ArchiveStats()
    months: dict[str, Counter] = defaultdict(Counter)
    days: dict[str, Counter] = defaultdict(Counter)
    filled: Counter = Counter()
    first = last = None
    for rec in iter_snapshot(root, as_of=as_of, site=site):
        st.articles += 1
        outlet = rec.get("outlet") or rec.get("site") or "(unknown)"
        pub = rec.get("published_at")
        if pub:
            months[outlet][pub[:7]] += 1
            days[outlet][pub[:10]] += 1
            first = pub if first is None or pub < first else first
            last = pub if last is None or pub > last else last
        else:
            months[outlet]["undated"] += 1
            st.undated += 1
        for name in SUMMARY_FIELDS:
            if has_value(rec.get(name)):
                filled[name] += 1
    st.per_outlet_month = {k: dict(sorted(v.items())) for k, v in sorted(months.items())}
    st.per_outlet_day = {k: dict(sorted(v.items())) for k, v in sorted(days.items())}
    st.first_published, st.last_published = first, last
    st.field_share = {n: round(filled[n] / st.articles, 4) if st.articles else 0.0 for n in SUMMARY_FIELDS}
    errors: Counter = Counter()
    status: Counter = Counter()
    for run in L.list_run_dirs(root):
        info = run_info(run)
        st.runs += 1
        status[info.get("status") or ("finished" if info["sealed"] else "running/interrupted")] += 1
        counts = info.get("counts") or {}
        for name in ERROR_COUNTS:
            errors[name] += int(counts.get(name, 0) or 0)
        for name, value in (info.get("crawl_stats") or {}).items():
            if name.startswith("downloader/exception_count") or name == "log_count/ERROR":
                errors[name] += int(value or 0)
            if name.startswith("downloader/response_status_count/") and name[-3:-2] in "45":
                errors["http_" + name.rsplit("/", 1)[1]] += int(value or 0)
    st.runs_by_status = dict(status)
    st.errors = {k: v for k, v in sorted(errors.items()) if v}
    return st


def plot_per_day(st: ArchiveStats, out: str | Path) -> None:
    """Articles per day per outlet as a PNG line chart (matplotlib, headless)."""
    import matplotlib

    matplotlib.use("Agg")
    from datetime import date

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5), dpi=100)
    # one stem per day that has articles (a line would invent values for the days in between)
    for outlet, per_day in st.per_outlet_day.items():
        xs = [date.fromisoformat(d) for d in per_day]
        ys = list(per_day.values())
        points = ax.plot(xs, ys, marker="o", linestyle="none", markersize=4, label=outlet)[0]
        ax.vlines(xs, 0, ys, colors=points.get_color(), linewidth=1)
    ax.set_ylim(bottom=0)
    ax.set_title(f"Articles per day per outlet ({st.articles} articles)")
    ax.set_xlabel("publication date")
    ax.set_ylabel("articles")
    if st.per_outlet_day:
        ax.legend(fontsize="small", ncol=2)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
