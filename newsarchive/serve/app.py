"""The web app of `newsarchive serve`: browse, search and compare an archive, read-only.

Flask (WSGI, synchronous: SQLite is read with plain blocking calls, one connection per request) and
Jinja2 templates with autoescaping; served by waitress (newsarchive.serve.server). No page runs a
script: charts are SVG drawn on the server, forms are plain GET forms.

Safety, by default:
- only GET and HEAD exist (no endpoint writes anything; the archive is opened read-only);
- a request whose Host is not the address served is refused (DNS rebinding: a web page cannot
  rename the local server to read it);
- every page carries a strict Content-Security-Policy (nothing from elsewhere, no script at all) and
  may not be framed by another site;
- a captured page is never rendered in the app's origin: it is served with a CSP ``sandbox``
  directive (an opaque origin, whoever frames or opens it) and shown in an ``<iframe sandbox>``
  without ``allow-same-origin``; its scripts run only when asked (``?scripts=on``), and then still in
  the opaque origin, unable to read the app's pages, cookies or storage; nothing it names is fetched;
- query parameters are checked, and a bad one is a 400 page saying what is wrong; page sizes are bounded.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, g, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException, SecurityError

from newsarchive.archive.coverage import SOURCE_NAMES
from newsarchive.archive.layout import ArchiveError
from newsarchive.search.query import QueryError, parse_day, parse_filters, parse_query
from newsarchive.serve.data import Archive, NotFound, default_range

log = logging.getLogger(__name__)

PER_PAGE = 50
MAX_PAGE = 10_000
MAX_CHART_DAYS = 3 * 366

APP_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; "
           "base-uri 'none'; frame-ancestors 'none'")


def capture_csp(scripts: bool) -> str:
    """The policy of a replayed page: an opaque origin (sandbox), nothing fetched from anywhere,
    inline styles kept so the page looks like itself; inline scripts only when asked."""
    sandbox = "sandbox allow-scripts" if scripts else "sandbox"
    script = "script-src 'unsafe-inline'" if scripts else "script-src 'none'"
    return (f"{sandbox}; default-src 'none'; {script}; style-src 'unsafe-inline'; img-src data:; font-src data:; "
            "form-action 'none'; base-uri 'none'; frame-ancestors 'self'")


class BadParam(ValueError):
    """A query parameter the user must correct (HTTP 400)."""


def int_arg(name: str, default: int, lo: int = 1, hi: int = MAX_PAGE) -> int:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadParam(f"{name}: a whole number between {lo} and {hi}, not {raw[:40]!r}") from None
    if not lo <= value <= hi:
        raise BadParam(f"{name}: a whole number between {lo} and {hi}, not {value}")
    return value


def str_arg(name: str, max_len: int = 300) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return None
    if len(raw) > max_len:
        raise BadParam(f"{name}: at most {max_len} characters")
    return raw.strip()


def choice_arg(name: str, choices: tuple[str, ...], default: str) -> str:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        raise BadParam(f"{name}: one of {', '.join(choices)}, not {raw[:40]!r}")
    return raw


def create_app(archive: str | Path, allowed_hosts: list[str] | None = None) -> Flask:
    """The app over one archive. `allowed_hosts`: Host header values accepted (None: any, for tests)."""
    data = Archive(archive)
    app = Flask(__name__)
    app.config["ARCHIVE"] = data
    if allowed_hosts is not None:
        app.config["TRUSTED_HOSTS"] = allowed_hosts
    app.jinja_env.filters.update(marked=marked, when=when, day=day_of, duration=duration, segs=segments,
                                 pct=pct, num=num)
    app.jinja_env.globals.update(archive_root=str(data.root))

    def sdb():
        if "sdb" not in g:
            g.sdb = data.search_db()
        return g.sdb

    @app.before_request
    def _start() -> None:
        g.t0 = time.perf_counter()
        if request.method not in ("GET", "HEAD"):
            abort(405)

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", APP_CSP)
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        resp.headers.setdefault("Cache-Control", "no-cache")
        if "t0" in g:
            resp.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - g.t0) * 1000:.1f}"
        return resp

    # --- errors: a page saying what is wrong, never a traceback --------------------------------------
    def error_page(code: int, title: str, message: str):
        try:
            return render_template("error.html", code=code, title=title, message=message), code
        except Exception:  # noqa: BLE001 - e.g. no URL adapter for a refused Host: plain text then
            return Response(f"{code} {title}: {message}\n", code, mimetype="text/plain")

    @app.errorhandler(SecurityError)
    def _untrusted_host(exc):
        # a Host that is not the address served: DNS rebinding, or --host/--allow-host missing
        return Response(f"400 Bad Request: {exc.description} This server answers only the address it was "
                        "started on (newsarchive serve --host, --allow-host).\n", 400, mimetype="text/plain")

    @app.errorhandler(BadParam)
    @app.errorhandler(QueryError)
    def _bad(exc):
        return error_page(400, "Bad request", str(exc))

    @app.errorhandler(NotFound)
    def _missing(exc):
        return error_page(404, "Not found", str(exc))

    @app.errorhandler(ArchiveError)
    def _archive(exc):
        return error_page(503, "The archive cannot be read", str(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return error_page(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def _crash(exc):
        log.exception("error while serving %s", request.full_path)
        return error_page(500, "Internal error", "Something went wrong while reading the archive; the server's "
                                                 "log has the details.")

    # --- views -------------------------------------------------------------------------------------
    @app.get("/")
    def outlets():
        db = sdb()
        return render_template("outlets.html", overview=data.overview(db), nav="outlets")

    @app.get("/outlets/<path:site>")
    def outlet(site: str):
        db = sdb()
        info = data.outlet(db, site)
        start, end = default_range(info.get("last_day"))
        since, until = parse_day(str_arg("since", 10), "since"), parse_day(str_arg("until", 10), "until")
        if since or until:
            start = since or (until or end) - (end - start)
            end = until or max(start, end)
        if start > end:
            raise BadParam(f"since ({start}) is after until ({end})")
        if (end - start).days + 1 > MAX_CHART_DAYS:
            raise BadParam(f"the chart shows at most {MAX_CHART_DAYS} days; choose a shorter range")
        from newsarchive.serve.charts import per_day_svg

        counts = data.per_day(db, site, start, end)
        page = int_arg("page", 1)
        articles = data.outlet_articles(db, site, page, PER_PAGE)
        total, coverage = data.coverage(db, site)
        return render_template("outlet.html", o=info, chart=Markup(per_day_svg(counts, start, end)),
                               start=start, end=end, in_range=sum(counts.values()), articles=articles,
                               coverage=coverage, covered=total, runs=data.outlet_runs(db, site),
                               discovery=data.discovery(site), source_names=SOURCE_NAMES, nav="outlets")

    @app.get("/runs")
    def runs():
        page = int_arg("page", 1)
        return render_template("runs.html", runs=data.runs(sdb(), page, PER_PAGE), nav="runs")

    @app.get("/runs/<run_id>")
    def run(run_id: str):
        db = sdb()
        detail = data.run(db, run_id)
        page = int_arg("page", 1)
        rejects, n_rejects = data.run_rejects(run_id)
        return render_template("run.html", r=detail, run_id=run_id, records=data.run_records(db, run_id, page, PER_PAGE),
                               rejects=rejects, n_rejects=n_rejects, nav="runs")

    @app.get("/find")
    def find():
        url = str_arg("url", 2000)
        if not url:
            raise BadParam("url: give the URL of an article (any URL it was fetched under, or its id)")
        ids = data.ids_for_url(url)
        if len(ids) == 1:
            return redirect(url_for("article", aid=ids[0]))
        if not ids:
            raise NotFound(f"no archived article was fetched under {url}")
        return error_page(300, "Several articles", "That URL names several articles: " + ", ".join(ids))

    @app.get("/articles/<aid>")
    def article(aid: str):
        db = sdb()
        versions = data.versions(db, aid)
        latest = versions[-1]["version"]
        v = int_arg("v", latest, 1, 1_000_000)
        if v not in {x["version"] for x in versions}:
            raise NotFound(f"article {aid} has no version {v}")
        rec = data.record(db, aid, v)
        return render_template("article.html", aid=aid, rec=rec, v=v, versions=versions, latest=latest,
                               sightings=data.sightings(aid), nav="outlets")

    @app.get("/articles/<aid>/v<int:v>.json")
    def article_json(aid: str, v: int):
        body = data.record_line(sdb(), aid, v)
        return Response(body + b"\n", mimetype="application/json")

    @app.get("/articles/<aid>/diff")
    def article_diff(aid: str):
        db = sdb()
        versions = data.versions(db, aid)
        numbers = [x["version"] for x in versions]
        b = int_arg("b", numbers[-1], 1, 1_000_000)
        a = int_arg("a", numbers[-2] if len(numbers) > 1 else numbers[-1], 1, 1_000_000)
        for n in (a, b):
            if n not in numbers:
                raise NotFound(f"article {aid} has no version {n} (its versions: {', '.join(map(str, numbers))})")
        from newsarchive.serve.worddiff import collapse, compare

        ra, rb = data.record(db, aid, a), data.record(db, aid, b)
        fields = compare(ra, rb)
        for f in fields:
            if f.kind == "body":
                f.rows = collapse(f.rows)
        by_v = {x["version"]: x for x in versions}
        return render_template("article_diff.html", aid=aid, a=a, b=b, ra=ra, rb=rb, fields=fields,
                               va=by_v[a], vb=by_v[b], versions=versions, nav="outlets")

    @app.get("/articles/<aid>/v<int:v>/capture")
    def capture(aid: str, v: int):
        scripts = choice_arg("scripts", ("on", "off"), "off") == "on"
        rec, page = data.capture_page(sdb(), aid, v)
        headers = [(k, val) for k, vals in (page.get("headers") or {}).items() for val in vals]
        return render_template("capture.html", aid=aid, v=v, rec=rec, page=page, headers=headers, scripts=scripts,
                               size=len(page.get("body") or b""), nav="outlets")

    @app.get("/captures/<aid>/v<int:v>")
    def capture_raw(aid: str, v: int):
        """The stored response body, in a sandbox: never a page of the app's origin."""
        scripts = choice_arg("scripts", ("on", "off"), "off") == "on"
        _rec, page = data.capture_page(sdb(), aid, v)
        ctype = _content_type(page)
        resp = Response(page.get("body") or b"", status=200)
        resp.headers["Content-Type"] = ctype
        if not ctype.startswith(("text/html", "application/xhtml+xml", "text/plain", "image/")):
            resp.headers["Content-Type"] = "application/octet-stream"
            resp.headers["Content-Disposition"] = "attachment"
        resp.headers["Content-Security-Policy"] = capture_csp(scripts)
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        return resp

    @app.get("/diff")
    def snapshot_diff():
        db = sdb()
        points = data.run_points()
        a, b = str_arg("a", 100), str_arg("b", 100)
        site = str_arg("site", 253)
        cumulative = choice_arg("cumulative", ("on", "off"), "off") == "on"
        kind = choice_arg("kind", ("added", "removed", "changed"), "changed")
        page = int_arg("page", 1)
        crawls = [p for p in points if p["kind"] == "crawl"] or points
        if not a and not b:
            if len(crawls) < 2:
                return render_template("snapshot_diff.html", diff=None, points=points, a=a, b=b, site=site,
                                       cumulative=cumulative, sites=data.sites(db), nav="diff")
            a, b = crawls[-2]["run_id"], crawls[-1]["run_id"]
        if not a or not b:
            raise BadParam("a and b: give both snapshots to compare (a run id, or a date YYYY-MM-DD)")
        diff = data.snapshot_diff(db, a, b, site, cumulative)
        items = diff.items[kind]
        total = len(items)
        if (page - 1) * PER_PAGE >= max(total, 1) and page > 1:
            raise BadParam(f"page {page}: there are {max(1, -(-total // PER_PAGE))} page(s)")
        rows = data.diff_rows(db, items[(page - 1) * PER_PAGE: page * PER_PAGE])
        return render_template("snapshot_diff.html", diff=diff, rows=rows, kind=kind, page=page, total=total,
                               pages=max(1, -(-total // PER_PAGE)), points=points, a=a, b=b, site=site,
                               cumulative=cumulative, sites=data.sites(db), nav="diff")

    @app.get("/search")
    def search():
        from newsarchive.search.find import PER_PAGE as SEARCH_PER_PAGE, search as run_search

        db = sdb()
        text = str_arg("q", 300) or ""
        filters = parse_filters(str_arg("site", 253), str_arg("province", 100), str_arg("since", 10),
                                str_arg("until", 10))
        page = int_arg("page", 1)
        query = parse_query(text)
        results = None
        if query is not None or filters.active():
            results = run_search(db, query, filters, page, SEARCH_PER_PAGE)
        return render_template("search.html", q=text, f=filters, results=results, sites=data.sites(db),
                               provinces=data.provinces(db), nav="search")

    return app


def _content_type(page: dict[str, Any]) -> str:
    for name, values in (page.get("headers") or {}).items():
        if name.lower() == "content-type" and values:
            value = str(values[0]).replace("\r", " ").replace("\n", " ").strip()
            return value or "application/octet-stream"
    return "text/html"


# --- template filters -----------------------------------------------------------------------------

def marked(m) -> Markup:
    """A Marked text (newsarchive.search.snippets) as HTML, the query's words in <mark>."""
    out = [Markup("…")] if m.cut_start else []
    for text, hit in m.pieces():
        out.append(Markup("<mark>%s</mark>") % text if hit else escape(text))
    if m.cut_end:
        out.append(Markup("…"))
    return Markup("").join(out)


def segments(segs) -> Markup:
    """Word-diff segments as HTML: deletions in <del>, insertions in <ins>."""
    out = []
    for op, text in segs or []:
        if op == "del":
            out.append(Markup("<del>%s</del>") % text)
        elif op == "ins":
            out.append(Markup("<ins>%s</ins>") % text)
        else:
            out.append(escape(text))
    return Markup("").join(out)


def when(value: Any) -> str:
    """An ISO time shortened for tables: 2026-03-07 08:47 (+07:00 kept visible when not UTC)."""
    if not value:
        return "—"
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    off = dt.strftime("%z")
    zone = "UTC" if off in ("+0000", "") else f"{off[:3]}:{off[3:]}"
    return dt.strftime("%Y-%m-%d %H:%M") + " " + zone


def day_of(value: Any) -> str:
    return str(value)[:10] if value else "—"


def duration(seconds: Any) -> str:
    from newsarchive.runs import format_duration

    return format_duration(seconds)


def pct(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "—"


def num(n: Any) -> str:
    return f"{n:,}" if isinstance(n, int) else ("—" if n is None else str(n))


