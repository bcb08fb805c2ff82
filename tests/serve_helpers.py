"""The archive the search and serve tests share: two real crawls of a copy of the sample site.

Between the crawls one article is edited (a sentence added to its body), one taken off the site and
one added, as in tests/test_archive_crawl.py; one page carries a script that probes what it can reach
from where it is replayed (the browser tests read its findings). Built once per test session.
"""

from __future__ import annotations

import json
from pathlib import Path

from archive_helpers import REVISIT_ALL, add_copy, copy_site, edit_body, local_crawl_settings, page_file, run_records
from newsarchive.archive import layout as L
from newsarchive.archive.lines import iter_lines
from newsarchive.search.fold import fold, tokens

EDIT = "Cập nhật lúc 15 giờ: số liệu đã được điều chỉnh."
NEW_URL = "https://baomoi-tinh.example.vn/bai-moi-them-vao-789.html"
PROBE_PAGE = "bai-viet/co-phieu-flc-duoc-giao-dich-tro-lai-2495349.html"
CANARY = "newsarchive-canary"

# What the captured page's own script tries when it is replayed: read and write the app's page, its
# cookies and its storage. Each result is written on the page's own <html> element for the test.
PROBE = """<script>
(function () {
  var r = {};
  function t(name, f) { try { r[name] = "ok: " + String(f()); } catch (e) { r[name] = "blocked: " + e.name; } }
  t("parent_document", function () { return parent.document.title; });
  t("parent_cookie", function () { return parent.document.cookie; });
  t("own_cookie", function () { return document.cookie; });
  t("set_cookie", function () { document.cookie = "stolen=1; path=/"; return document.cookie; });
  t("local_storage", function () { return localStorage.getItem("%s"); });
  t("parent_storage", function () { return parent.localStorage.getItem("%s"); });
  t("top_title", function () { top.document.title = "pwned"; return top.document.title; });
  t("origin", function () { return self.origin; });
  document.documentElement.setAttribute("data-probe", JSON.stringify(r));
})();
</script>""" % (CANARY, CANARY)

_built: dict[str, dict] = {}


def sample_archive(tmp_path_factory) -> dict:
    """{"archive", "run1", "edited", "removed", "added", "probe"}: built on first use, then shared."""
    if "sample" in _built:
        return _built["sample"]
    from crawling import run_spider
    from newsarchive.samples.server import serve_directory

    tmp = tmp_path_factory.mktemp("serve-archive")
    site = copy_site(tmp / "site")
    probe_file = site / PROBE_PAGE
    probe_file.write_text(probe_file.read_text("utf-8").replace("</body>", PROBE + "</body>", 1), "utf-8")
    archive = tmp / "archive"
    settings = local_crawl_settings(archive, **REVISIT_ALL)
    with serve_directory(site) as base:
        first = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run1"}, start_urls=[base + "/"])
        assert first.finish_reason == "finished"
        records = sorted(run_records(archive, "run1"), key=lambda r: r["final_url"])
        edited, removed, model = records[0], records[1], records[2]
        edit_body(site, edited, EDIT)
        page_file(site, removed).unlink()
        add_copy(site, model, "bai-moi-them-vao-20260308090000789.htm", NEW_URL)
        second = run_spider("outlet", {**settings, "ARCHIVE_RUN_ID": "run2"}, start_urls=[base + "/"])
        assert second.finish_reason == "finished"
    added = [r for r in run_records(archive, "run2") if r["version"] == 1]
    assert len(added) == 1
    probe = next(r for r in records if r["final_url"].endswith(PROBE_PAGE))
    _built["sample"] = {"archive": archive, "run1": records, "edited": edited, "removed": removed,
                        "added": added[0], "probe": probe}
    return _built["sample"]


def latest_records(archive: Path) -> dict[str, dict]:
    """The highest version of every article in every run's records: a plain scan, no index."""
    latest: dict[str, dict] = {}
    for run in L.list_run_dirs(archive):
        path = run / L.ARTICLES
        if not path.exists():
            continue
        for _, line in iter_lines(path):
            rec = json.loads(line)
            if rec["id"] not in latest or rec["version"] > latest[rec["id"]]["version"]:
                latest[rec["id"]] = rec
    return latest


def scan(archive: Path, words: list[str]) -> set[str]:
    """Ids of the articles whose title, lead or body holds every word (folded), by reading every record."""
    wanted = [t for w in words for t in tokens(fold(w))]
    out = set()
    for aid, rec in latest_records(archive).items():
        have = set(tokens(fold(" ".join(rec.get(k) or "" for k in ("title", "lead", "body")))))
        if all(t in have for t in wanted):
            out.add(aid)
    return out
