"""`newsarchive demo`: the whole job on the bundled offline sample site."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click


DEFAULT_DIR = "data/demo"


@click.command()
@click.option("--archive", "archive_dir", default=DEFAULT_DIR, show_default=True, type=click.Path(file_okay=False),
              help="Where to write the demo archive (emptied first).")
@click.option("--log-level", default="WARNING", show_default=True, help="Scrapy log level during the crawl.")
def demo(archive_dir: str, log_level: str) -> None:
    """Serve the bundled sample site on 127.0.0.1, crawl it with the real spider and pipelines,
    write the archive and print a summary (articles archived, how many have each field, files).

    \b
    Example:
        newsarchive demo
        newsarchive demo --archive /tmp/demo-archive --log-level INFO
    """
    from newsarchive.crawler import run_crawl
    from newsarchive.jsonl import iter_lines, record_files
    from newsarchive.samples.server import SAMPLE_SITE, serve_directory
    from newsarchive.summary import field_coverage
    from newsarchive.validate import validate_file

    root = Path(archive_dir)
    marker = root / ".newsarchive-demo"
    if root.exists() and any(root.iterdir()):
        if not marker.exists() and root != Path(DEFAULT_DIR):  # data/demo is the demo's own folder
            raise click.ClickException(
                f"{root} is not empty and was not made by `newsarchive demo`: refusing to empty it "
                "(give --archive an empty or new folder)")
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    marker.write_text("made by `newsarchive demo`; the next demo empties this folder\n", "utf-8")
    with serve_directory(SAMPLE_SITE) as base:
        click.echo(f"Serving the sample site ({SAMPLE_SITE}) at {base}")
        result = run_crawl(
            [base + "/"],
            settings={
                "ARCHIVE_DIR": str(root),
                "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": True,
                "AUTOTHROTTLE_ENABLED": False,
                "DOWNLOAD_DELAY": 0,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
                "LOG_LEVEL": log_level.upper(),
            },
        )
    files = record_files(root)
    records = [json.loads(line) for f in files for _, line in iter_lines(f)]
    total, counts = field_coverage(records)
    s = result.stats
    click.echo("")
    click.echo(f"Crawl {result.finish_reason or 'did not finish'}: "
               f"{s.get('downloader/response_count', 0)} responses "
               f"({s.get('newsarchive/discovery/sitemaps_read', 0)} sitemap(s) read), "
               f"{s.get('newsarchive/pages_seen', 0)} article pages fetched, "
               f"{s.get('newsarchive/skipped/not_article', 0)} skipped as not articles, "
               f"{s.get('newsarchive/fetch_errors', 0)} fetch error(s), "
               f"{s.get('newsarchive/invalid_records', 0)} invalid records")
    if s.get("newsarchive/fetch_errors"):
        click.echo("  (the sample home page links one removed article on purpose: its 404 is counted and logged)")
    click.echo(f"Articles archived: {total}")
    width = max(len(k) for k in counts)
    for name, n in counts.items():
        click.echo(f"  {name:<{width}}  {n:>3}/{total}")
    valid = sum(validate_file(f).valid for f in files)
    click.echo(f"Valid against the record schema: {valid}/{total}")
    click.echo("Archive files:")
    for f in sorted(p for p in root.rglob("*") if p.is_file()):
        click.echo(f"  {f}  ({f.stat().st_size:,} bytes)")
    if records:
        sample = records[0]
        click.echo("")
        click.echo("First record (abridged):")
        abridged = {k: (v[:160] + "…" if isinstance(v, str) and len(v) > 160 else v)
                    for k, v in sample.items() if k in ("url", "title", "lead", "published_at", "published_raw",
                                                         "published_from", "authors", "category", "word_count")}
        click.echo(json.dumps(abridged, ensure_ascii=False, indent=2))
    if not result.ok or total == 0 or valid != total:
        raise SystemExit(1)
