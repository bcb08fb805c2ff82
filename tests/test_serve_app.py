"""The web app of `newsarchive serve` through Flask's test client: every view on a real archive, what a
snapshot diff reports against `newsarchive diff`, the safety rules (read-only, sandboxed captures,
strict CSP, Host check, checked parameters, bounded pages) and the command itself."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive.archive import layout as L
from newsarchive.cli import main
from newsarchive.serve.app import create_app
from serve_helpers import EDIT, sample_archive


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_archive(tmp_path_factory)


@pytest.fixture(scope="module")
def client(sample):
    return create_app(sample["archive"]).test_client()


def get(client, url, status=200):
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:2000])
    return resp


def text(resp) -> str:
    return resp.get_data(as_text=True)


def test_every_view_renders(client, sample):
    edited = sample["edited"]["id"]
    for url in ["/", "/outlets/127.0.0.1", "/outlets/127.0.0.1?since=2026-01-01&until=2026-03-31&page=1", "/runs",
                "/runs/run1", "/runs/run2", f"/articles/{edited}", f"/articles/{edited}?v=1",
                f"/articles/{edited}/diff", f"/articles/{edited}/diff?a=2&b=1", f"/articles/{edited}/v2/capture",
                f"/articles/{edited}/v1.json", "/diff", "/diff?a=run1&b=run2&kind=added", "/search",
                "/search?q=Đà+Nẵng", "/search?site=127.0.0.1"]:
        resp = get(client, url)
        assert "Traceback" not in text(resp)


def test_outlets_and_outlet_views_count_the_articles(client, sample):
    n = len({r["id"] for r in sample["run1"]}) + 1          # run2 added one
    page = text(get(client, "/"))
    assert re.search(rf">\s*{n}\s*</b>articles", page), page[:3000]
    assert "/outlets/127.0.0.1" in page
    outlet = text(get(client, "/outlets/127.0.0.1?since=2000-01-01&until=2002-12-31"))
    assert "at most" in outlet or "<svg" in outlet
    outlet = text(get(client, "/outlets/127.0.0.1?since=2026-01-01&until=2026-03-31"))
    assert outlet.count('class="bar"') >= 2 and "<title>2026-03-07:" in outlet
    assert 'id="coverage"' in outlet and 'id="outlet-runs"' in outlet
    assert "run2" in outlet and "complete" in outlet
    # the newest crawl's discovery account: every source it read, with what each found
    from newsarchive.archive.coverage import SOURCE_NAMES, coverage_reports

    (report,) = coverage_reports(sample["archive"], site="127.0.0.1")
    assert report["run_id"] == "run2" and report["sources"]
    assert 'id="discovery-sources"' in outlet and "seen whole" in outlet
    for source, n in report["sources"].items():
        assert f"<td>{SOURCE_NAMES[source]}</td><td class=\"n\">{n['found']}</td>" in outlet, source


def test_run_view_shows_manifest_counts_failures_and_records(client):
    page = text(get(client, "/runs/run2"))
    assert "failed fetch: http_4xx" in page                 # the sample site's dead link
    assert 'id="records"' in page and "body" in page        # the changed record and what changed
    assert "manifest.json" not in page or "The whole manifest" in page
    assert "captures.warc.gz" in page                       # the file table with sha256


def test_article_view_versions_and_word_level_diff(client, sample):
    edited = sample["edited"]
    page = text(get(client, f"/articles/{edited['id']}"))
    assert page.count('href="/articles/%s?v=' % edited["id"]) >= 2
    assert "compare with v1" in page and "Version 2 of 2" in page
    diff = text(get(client, f"/articles/{edited['id']}/diff?a=1&b=2"))
    ins = re.findall(r"<ins>(.*?)</ins>", diff, re.S)
    assert any(EDIT.split(":")[0] in x for x in ins), ins
    assert "Changed: <b>Body</b>" in diff
    swapped = text(get(client, f"/articles/{edited['id']}/diff?a=2&b=1"))
    assert any(EDIT.split(":")[0] in x for x in re.findall(r"<del>(.*?)</del>", swapped, re.S))
    get(client, f"/articles/{edited['id']}/diff?a=1&b=7", 404)


def test_record_json_is_the_line_as_stored(client, sample):
    from archive_helpers import run_records

    rec = next(r for r in run_records(sample["archive"], "run2") if r["id"] == sample["edited"]["id"])
    resp = get(client, f"/articles/{rec['id']}/v2.json")
    assert resp.mimetype == "application/json" and json.loads(resp.data) == rec


def test_snapshot_diff_reports_what_newsarchive_diff_reports(client, sample):
    res = CliRunner().invoke(main, ["diff", "run1", "run2", "--archive", str(sample["archive"]), "--json"])
    assert res.exit_code == 0, res.output
    cli: dict[str, set] = {"added": set(), "removed": set(), "changed": set()}
    for line in res.output.splitlines():
        item = json.loads(line)
        if item["type"] in cli:
            cli[item["type"]].add(item["id"])
    assert cli == {"added": {sample["added"]["id"]}, "removed": {sample["removed"]["id"]},
                   "changed": {sample["edited"]["id"]}}
    for kind, expected in cli.items():
        page = text(get(client, f"/diff?a=run1&b=run2&kind={kind}"))
        shown = set(re.findall(r'<tr class="change-%s">.*?href="/articles/([0-9a-f]+)' % kind, page, re.S))
        assert shown == expected, kind
    page = text(get(client, "/diff?a=run1&b=run2"))
    assert "Added <b>1</b>, removed <b>1</b>, changed <b>1</b>" in page
    assert f'/articles/{sample["edited"]["id"]}/diff?a=1&amp;b=2' in page
    # the default compares the last two crawls; a date works as in `newsarchive diff`
    assert "Added <b>1</b>, removed <b>1</b>, changed <b>1</b>" in text(get(client, "/diff"))
    get(client, "/diff?a=2001-01-01&b=run2", 503)           # no run before then: said, not a traceback


def test_search_view_with_and_without_diacritics(client):
    a = text(get(client, "/search?q=Đà+Nẵng"))
    b = text(get(client, "/search?q=da+nang"))
    ids = [set(re.findall(r'<li data-id="([0-9a-f]+)"', x)) for x in (a, b)]
    assert ids[0] and ids[0] == ids[1]
    assert "<mark>Đà Nẵng</mark>" in a or "<mark>Đà</mark>" in a


# --- safety -------------------------------------------------------------------------------------------

def test_app_pages_forbid_scripts_framing_and_foreign_content(client):
    resp = get(client, "/")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp
    assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in text(resp)


def test_captures_are_served_in_a_sandbox_never_in_the_app_origin(client, sample):
    probe = sample["probe"]["id"]
    wrapper = text(get(client, f"/articles/{probe}/v1/capture"))
    frame = re.search(r"<iframe[^>]*>", wrapper).group(0)
    assert 'sandbox=""' in frame and "allow-same-origin" not in frame
    raw = get(client, f"/captures/{probe}/v1")
    csp = raw.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "allow-same-origin" not in csp and "script-src 'none'" in csp
    assert "default-src 'none'" in csp and raw.headers["X-Content-Type-Options"] == "nosniff"
    assert b"data-probe" in raw.data                       # the stored page, byte for byte
    scripted = get(client, f"/captures/{probe}/v1?scripts=on")
    csp = scripted.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts;") and "allow-same-origin" not in csp
    frame = re.search(r"<iframe[^>]*>", text(get(client, f"/articles/{probe}/v1/capture?scripts=on"))).group(0)
    assert 'sandbox="allow-scripts"' in frame


def test_only_get_and_head(client):
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/search?q=x").status_code == 405
    assert client.head("/").status_code == 200


@pytest.mark.parametrize("url, status, message", [
    ("/runs?page=abc", 400, "page: a whole number"),
    ("/runs?page=0", 400, "between 1 and"),
    ("/search?q=x&page=999999", 400, "page"),
    ("/search?q=x&since=07/03/2026", 400, "YYYY-MM-DD"),
    ("/search?q=x&since=2026-03-08&until=2026-03-01", 400, "after"),
    ("/search?q=a*", 400, "at least 2 letters"),
    ("/search?q=" + "x" * 400, 400, "at most"),
    ("/outlets/127.0.0.1?since=2000-01-01&until=2026-01-01", 400, "at most"),
    ("/outlets/127.0.0.1?since=nonsense", 400, "YYYY-MM-DD"),
    ("/articles/abc/v1/capture?scripts=maybe", 400, "scripts: one of"),
    ("/diff?a=run1", 400, "give both"),
    ("/diff?a=run1&b=run2&kind=everything", 400, "kind: one of"),
    ("/runs/..%2F..%2Fetc", 404, ""),
    ("/runs/nosuchrun", 404, "no run"),
    ("/articles/ffffffffffffffff", 404, "no article"),
    ("/outlets/no.such.outlet", 404, "no outlet"),
    ("/find?url=https://nowhere.example/x", 404, "no archived article"),
])
def test_bad_parameters_are_a_clear_error_page(client, url, status, message):
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    body = text(resp)
    assert message in body and "Traceback" not in body


def test_find_by_url_redirects_to_the_article(client, sample):
    rec = sample["edited"]
    resp = client.get("/find", query_string={"url": rec["url"]})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/articles/{rec['id']}")


def test_requests_for_another_host_are_refused(sample):
    app = create_app(sample["archive"], allowed_hosts=["127.0.0.1:8765", "localhost:8765"])
    c = app.test_client()
    assert c.get("/", headers={"Host": "localhost:8765"}).status_code == 200
    resp = c.get("/", headers={"Host": "attacker.example"})
    assert resp.status_code == 400 and b"not trusted" in resp.data


def test_serving_writes_nothing(sample, client):
    archive = sample["archive"]

    def state():
        # SQLite's readers of a WAL database (index.sqlite) keep a shared-memory lock table in its -shm
        # file and may create an empty -wal beside it: they hold no data (checked below)
        return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(archive.rglob("*"))
                if p.is_file() and not p.name.endswith(("-shm", "-wal"))}

    before = state()
    test_every_view_renders(client, sample)
    assert state() == before
    wal = archive / (L.INDEX + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


# --- the command ----------------------------------------------------------------------------------------

def listening_addresses(port: int) -> set[str]:
    """The IPv4 addresses a TCP port listens on, from the kernel's table (Linux)."""
    import socket
    import struct

    table = Path("/proc/net/tcp")
    if not table.exists():
        pytest.skip("no /proc/net/tcp to read the listening address from")
    out = set()
    for line in table.read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, hexport = local.split(":")
        if state == "0A" and int(hexport, 16) == port:
            out.add(socket.inet_ntoa(struct.pack("<I", int(addr, 16))))
    return out


def test_serve_command_binds_loopback_and_serves(sample, tmp_path):
    """`newsarchive serve` in its own process: the default address, a page, a clean stop on SIGTERM."""
    proc = subprocess.Popen([sys.executable, "-c", "from newsarchive.cli import run; run()", "serve",
                             str(sample["archive"]), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "read-only" in line, line + proc.stderr.read()
        url = re.search(r"http://\S+/", line).group(0)
        assert url.startswith("http://localhost:")
        port = int(url.rsplit(":", 1)[1].strip("/"))
        deadline = time.time() + 20
        while True:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        assert "Outlets" in page
        assert listening_addresses(port) == {"127.0.0.1"}     # loopback only, by default
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_serve_command_clear_errors(tmp_path, sample):
    res = CliRunner().invoke(main, ["serve", str(tmp_path / "nothing")])
    assert res.exit_code == 1 and "not an archive" in res.output
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        res = CliRunner().invoke(main, ["serve", str(sample["archive"]), "--port", str(busy), "--no-update"])
    assert res.exit_code == 1 and "choose another --port" in res.output


def test_a_running_app_sees_new_runs_and_a_rebuilt_index(sample, tmp_path):
    import shutil

    from archive_helpers import article
    from newsarchive.archive.writer import RunWriter
    from newsarchive.search.index import rebuild

    archive = tmp_path / "archive"
    shutil.copytree(sample["archive"], archive)
    c = create_app(archive).test_client()
    assert 'id="hits"' in text(get(c, "/search?q=zyxwquux")) and "data-id" not in text(get(c, "/search?q=zyxwquux"))
    with RunWriter(archive, "run3") as run:           # a crawl finishing while the app runs
        run.add(article(1, body="Một từ hiếm: zyxwquux."))
    assert text(get(c, "/search?q=zyxwquux")).count("data-id=") == 1
    assert "run3" in text(get(c, "/runs"))
    rebuild(archive)                                  # `newsarchive reindex` swaps a new file in
    assert text(get(c, "/search?q=zyxwquux")).count("data-id=") == 1
