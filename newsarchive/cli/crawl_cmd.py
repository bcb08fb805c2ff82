"""`newsarchive crawl`: crawl outlets into an archive, politely, incrementally, resumably."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from newsarchive.distributed import redis_option
from newsarchive.schedule.lock import EX_TEMPFAIL
from newsarchive.sites import RegistryError, load_registry


def url_problem(target: str) -> str | None:
    """Why `target` (a start URL, or a domain to crawl over https) cannot be crawled, or None."""
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "contains control characters (a tab or a line break?)"
    url = target if "://" in target else "https://" + target
    try:
        parts = urlsplit(url)
        port = parts.port   # ValueError for a port that is not a number or out of range
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if any(c.isspace() for c in parts.netloc):
        return "has spaces in its host name"
    if parts.scheme not in ("http", "https"):
        return "cannot be crawled: only http:// and https:// URLs can"
    host = parts.hostname or ""
    if not host:
        return "has no host name"
    if port == 0:
        return "has port 0"
    if not host.startswith("[") and ":" not in host:
        try:
            host.encode("idna")
        except UnicodeError:
            return f"has a host name that is not valid ({host!r})"
    return None


def resolve_targets(targets: tuple[str, ...], province: str | None, kind: str | None) -> list[str]:
    """Registry names for known outlets, start URLs for the rest; UsageError for what is neither."""
    try:
        registry = load_registry()
    except RegistryError as exc:
        raise click.ClickException(f"outlet registry is broken: {exc}") from None
    out: list[str] = []
    if province or kind:
        chosen = registry.select(province=province, kind=kind)
        if not chosen:
            raise click.UsageError(f"no outlet in the registry for province={province!r} kind={kind!r} "
                                   "(see `newsarchive sites`)")
        out += [p.name for p in chosen]
    for t in targets:
        t = t.strip()
        if "://" in t and not t.lower().startswith(("http://", "https://")):
            raise click.UsageError(f"{t!r}: only http:// and https:// URLs can be crawled")
        if "://" in t or "." in t or ":" in t:
            problem = url_problem(t)
            if problem:
                raise click.UsageError(f"{t!r} {problem}")
        found = registry.lookup(t)
        if found is not None and "://" not in t:
            out.append(found.name)
        elif "://" in t or "." in t:
            try:
                registry.resolve(t)   # what the spider will do with it
            except (RegistryError, ValueError) as exc:
                raise click.UsageError(f"{t!r}: {exc}") from None
            out.append(t)
        else:
            raise click.UsageError(f"{t!r} is neither an outlet of the registry nor a URL "
                                   "(see `newsarchive sites`, or give https://...)")
    if not out:
        raise click.UsageError("give at least one TARGET (outlet name, domain or URL), or --province/--kind")
    return list(dict.fromkeys(out))


class Progress:
    """Live display on a terminal (rich), a plain log line every `every` seconds otherwise."""

    def __init__(self, crawler, tty: bool, every: float = 30.0):
        self.crawler = crawler
        self.tty = tty
        self.every = every
        self.started = time.monotonic()
        self.last_line = 0.0
        self.live = None

    def snapshot(self) -> dict[str, Any]:
        s = self.crawler.stats.get_stats()
        spider = self.crawler.spider
        elapsed = max(1e-6, time.monotonic() - self.started)
        pages = s.get("response_received_count", 0)
        inflight = getattr(spider, "inflight", {}) or {}
        current = next(iter(inflight.values()), {}).get("outlet", "") if inflight else ""
        return {"pages": pages, "archived": s.get("newsarchive/articles_archived", 0),
                "errors": s.get("newsarchive/fetch_errors", 0), "rate": pages / elapsed * 60,
                "outlet": current}

    def render(self):
        from rich.table import Table

        snap = self.snapshot()
        table = Table.grid(padding=(0, 2))
        table.add_row("pages fetched", str(snap["pages"]), "articles archived", str(snap["archived"]))
        table.add_row("errors", str(snap["errors"]), "rate", f"{snap['rate']:.0f} pages/min")
        table.add_row("outlet", snap["outlet"] or "-", "", "")
        return table

    def start(self):
        from twisted.internet import task

        if self.tty:
            from rich.live import Live

            self.live = Live(self.render(), refresh_per_second=2, transient=True)
            self.live.start()
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(1.0, now=False)

    def tick(self):
        if self.live is not None:
            self.live.update(self.render())
        elif time.monotonic() - self.last_line >= self.every:
            self.last_line = time.monotonic()
            snap = self.snapshot()
            logging.getLogger("newsarchive.crawl").info(
                "progress: %(pages)d pages, %(archived)d articles archived, %(errors)d errors, "
                "%(rate).0f pages/min, outlet %(outlet)s", snap)

    def stop(self):
        if getattr(self, "loop", None) is not None and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            self.live.stop()


def not_article_lines(stats: dict[str, Any]) -> list[str]:
    """The summary's lines about pages fetched as articles that the extractor judged not articles (by
    kind of page), and about articles archived although it was not sure (see newsarchive.extract.classify)."""
    lines = []
    judged = {k.rsplit("/", 1)[-1]: v for k, v in stats.items() if k.startswith("newsarchive/not_article/") and v}
    if judged:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(judged.items(), key=lambda kv: (-kv[1], kv[0])))
        lines.append(f"Judged not articles: {sum(judged.values())} ({kinds}); kept in the WARC and listed in the run's "
                     "not_articles.tsv.zst (`newsarchive reextract RUN --not-articles` tries them again).")
    if stats.get("newsarchive/articles_unsure"):
        lines.append(f"Archived with a warning, not sure they are articles: {stats['newsarchive/articles_unsure']}.")
    return lines


def summarise(stats: dict[str, Any], failures: list[tuple[str, str, str]], reason: str | None, elapsed: float) -> list[str]:
    lines = [
        f"Crawl {reason or 'did not finish'} in {elapsed:.0f} s: "
        f"{stats.get('response_received_count', 0)} pages fetched, "
        f"{stats.get('newsarchive/articles_archived', 0)} articles archived, "
        f"{stats.get('newsarchive/fetch_errors', 0)} fetch errors.",
    ]
    skipped = {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
               if k.startswith(("newsarchive/skipped/", "newsarchive/refused/"))}
    if stats.get("newsarchive/discovery/out_of_window"):
        skipped["out of window (not fetched)"] = stats["newsarchive/discovery/out_of_window"]
    if skipped:
        lines.append("Skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(skipped.items())))
    lines.extend(not_article_lines(stats))
    if stats.get("newsarchive/revisits"):
        lines.append(f"Revisited (recent articles, revisit schedule): {stats['newsarchive/revisits']}")
    outlets = stats.get("newsarchive/discovery/outlets")
    if outlets:
        whole = stats.get("newsarchive/discovery/whole_site_outlets") or 0
        lines.append(f"Seen whole: {whole} of {outlets} outlet(s)"
                     + ("" if whole == outlets else " (the others report no removals this time)")
                     + "; `newsarchive coverage` says what each source found and what was missed.")
    if failures:
        lines.append(f"Failures ({len(failures)}):")
        for kind, url, why in failures[:50]:
            lines.append(f"  {kind:<18} {url}  ({why})")
        if len(failures) > 50:
            lines.append(f"  ... and {len(failures) - 50} more (see the log)")
    return lines


@click.command("crawl")
@click.argument("targets", nargs=-1)
@click.option("--province", help="Crawl every registry outlet of this province (pre- or post-2025 name).")
@click.option("--kind", type=click.Choice(["broadcaster", "newspaper", "merged", "portal"]),
              help="With --province (or alone): only outlets of this kind.")
@click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD, Vietnam time).")
@click.option("--until", help="Only articles published on or before this date (YYYY-MM-DD, inclusive).")
@click.option("--archive", "archive_dir", type=click.Path(file_okay=False), default="data/archive",
              show_default=True, help="Archive directory (created if missing).")
@click.option("--max-articles", type=click.IntRange(min=1), help="Stop after fetching this many articles.")
@click.option("--allow-private-addresses", is_flag=True,
              help="Allow crawling loopback/private/link-local addresses (local test sites).")
@click.option("--revisit", help='Revisit schedule, AGE=INTERVAL,... (default "1d=0,7d=1d,30d=7d").')
@click.option("--no-resume", is_flag=True, help="Start afresh instead of resuming a stopped crawl.")
@click.option("--full", is_flag=True,
              help="Read every sitemap, feed and listing page to its end, as on a first crawl, instead of "
                   "stopping where earlier runs left off (articles archived already are still not fetched).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Any Scrapy/newsarchive setting, e.g. -s DOWNLOAD_DELAY=2.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and the summary.")
@redis_option
def crawl(targets, province, kind, since, until, archive_dir, max_articles, allow_private_addresses,
          revisit, no_resume, full, overrides, quiet, redis):
    """Crawl outlets into an archive.

    TARGET is an outlet of the registry (name or domain, see `newsarchive sites`) or a start URL for
    an outlet that has no profile. Discovery reads every source at once: robots.txt, sitemaps, feeds,
    the home page, its sections and their pages, and links between articles; pages outside
    --since/--until are not fetched. Articles archived by an earlier run are not fetched again (recent
    ones are revisited on the revisit schedule), and documents unchanged since the last run are not
    read again (--full reads them). `newsarchive coverage` tells what each source found. A crawl
    stopped by Ctrl-C, SIGTERM or a crash continues where it left off when run again with the same
    targets and window. Several outlets are crawled in parallel, each at its own polite pace.

    Exit status: 0 when the crawl finished, 1 when it failed (nothing archived and fetches failed,
    or it stopped abnormally, or the archive cannot be written), 2 for usage errors, 75 when another
    run is writing the archive (a crawl, `newsarchive reindex`): the crawl was not started and
    nothing was changed.

    \b
    Example:
        newsarchive crawl lamdongtv.vn --since 2024-06-01 --until 2024-06-30
        newsarchive crawl --province "Lâm Đồng" --since 2025-07-01
        newsarchive crawl https://baolamdong.vn/ --max-articles 50 --archive data/archive
    """
    from newsarchive.discovery.window import DateWindow

    names = resolve_targets(targets, province, kind)
    try:
        window = DateWindow.from_strings(since, until)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    settings: dict[str, Any] = {"ARCHIVE_DIR": archive_dir}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"-s expects NAME=VALUE, got {item!r}")
        settings[key.strip()] = value
    if allow_private_addresses:
        settings["NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES"] = True
    if revisit is not None:
        from newsarchive.crawlstate import RevisitSchedule

        try:
            RevisitSchedule.parse(revisit)
        except ValueError as exc:
            raise click.UsageError(f"--revisit: {exc}") from None
        settings["NEWSARCHIVE_REVISIT"] = revisit
    if quiet:
        settings["LOG_LEVEL"] = "WARNING"
    from newsarchive.crawler import SettingError, check_settings

    try:
        for warning in check_settings(settings):
            click.echo(f"Warning: {warning}", err=True)
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None
    from newsarchive.crawlstate import jobdir_for

    jobdir = jobdir_for(archive_dir, names, window.describe())
    settings["JOBDIR"] = str(jobdir)
    settings.update(redis)  # --redis: shared queue and seen-set (newsarchive.distributed)
    try:
        Path(archive_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"cannot create the archive folder {archive_dir}: {exc.strerror or exc}") from None
    if no_resume and jobdir.exists():
        _forget_jobdir(Path(archive_dir), jobdir)
    code = run(names, settings, since=since, until=until, max_articles=max_articles, full="1" if full else None)
    sys.exit(code)


def _forget_jobdir(archive: Path, jobdir: Path) -> None:
    """--no-resume: remove the stopped crawl's JOBDIR, under the archive's lock (never a running crawl's)."""
    import shutil

    from newsarchive.archive.runs import ArchiveBusy, archive_lock

    try:
        with archive_lock(archive, "newsarchive crawl --no-resume"):
            shutil.rmtree(jobdir, ignore_errors=True)
    except ArchiveBusy as exc:
        click.echo(f"Error: the crawl was not started: {exc}; nothing was changed (try again when it has ended).",
                   err=True)
        sys.exit(EX_TEMPFAIL)


def run(targets: list[str], settings: dict[str, Any], **spider_kwargs: Any) -> int:
    """Run one crawl in this process (blocking) with a live display, print its summary, return the exit status."""
    from newsarchive.crawler import CrawlStartError, crawl_settings, run_crawl

    tty = sys.stderr.isatty()
    level = crawl_settings(settings).get("LOG_LEVEL", "INFO")
    shown: dict[str, Progress] = {}

    def opened(crawler):
        shown["progress"] = Progress(crawler, tty)
        shown["progress"].start()

    def closed(crawler):
        if "progress" in shown:
            shown["progress"].stop()

    try:
        result = run_crawl(targets, settings=settings, on_open=opened, on_close=closed,
                           # on a terminal the live display replaces the INFO lines
                           console_level="WARNING" if tty and level == "INFO" else None, **spider_kwargs)
    except CrawlStartError as exc:
        from newsarchive.archive.layout import ArchiveError
        from newsarchive.archive.runs import ArchiveBusy

        if isinstance(exc.__cause__, ArchiveBusy):
            click.echo(f"Error: the crawl was not started: {exc}; nothing was changed (try again when it has "
                       "ended).", err=True)
            sys.exit(EX_TEMPFAIL)
        if isinstance(exc.__cause__, (OSError, ArchiveError)):
            raise click.ClickException(f"the crawl could not start: {exc}") from None
        raise click.UsageError(f"the crawl could not start: {exc}") from None
    for line in summarise(result.stats, result.failures, result.finish_reason, result.elapsed):
        click.echo(line, err=True)
    if result.error:
        click.echo(f"Error: the crawl broke: {result.error} (see the log)", err=True)
    if result.stopped:
        click.echo("Stopped before the end; run the same command again to resume.", err=True)
    return result.exit_status
