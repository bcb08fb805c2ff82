"""`newsarchive reextract`: re-run extraction over stored WARC captures, offline, into a new run."""

from __future__ import annotations

import json

import click

from newsarchive.cli.archive_common import archive_option, user_errors


# what the counts a crawl's full WARC adds mean
EXPLAIN = {"other_captures": "  (robots.txt, sitemaps, feeds, home and listing pages: not fetched as articles)",
           "not_ok": "  (responses that were not 2xx: redirects, errors)"}


@click.command()
@click.argument("sources", nargs=-1, required=True)
@archive_option
@click.option("--into", type=click.Path(file_okay=False), help="Write the new run into this archive instead.")
@click.option("--run-id", help="Id of the new run (default: start time + random suffix).")
@click.option("--all", "include_superseded", is_flag=True,
              help="Also re-extract captures older than the article's latest fetch.")
@click.option("--not-articles", "not_articles_only", is_flag=True,
              help="Only the pages the runs judged not articles (their not_articles.tsv.zst).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def reextract(sources: tuple[str, ...], archive: str, into: str | None, run_id: str | None,
              include_superseded: bool, not_articles_only: bool, as_json: bool) -> None:
    """Re-extract articles from stored captures (SOURCES: run ids, run folders or WARC files) with
    today's extractor, without re-crawling, into a new run. Records whose content did not change are
    counted, not written; changed ones become the next version and keep their original capture.
    Pages still judged not articles are listed in the new run's not_articles.tsv.zst;
    --not-articles re-extracts only the pages the runs listed there (after an extractor upgrade).

    \b
    Example:
        newsarchive reextract 20260301T020000Z-1a2b
        newsarchive reextract 20260301T020000Z-1a2b --not-articles
        newsarchive reextract data/archive/runs/*/captures.warc.gz --into /tmp/reextracted
    """
    from newsarchive.archive.reextract import reextract as run_reextract

    with user_errors():
        result = run_reextract(archive, sources, into=into, run_id=run_id, include_superseded=include_superseded,
                               not_articles_only=not_articles_only)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"run {result['run_id']} in {result['archive']}: {result.get('captures', 0)} captures read")
    for key in ("new", "changed", "unchanged", "superseded", "not_article", "empty", "binary", "extract_error",
                "other_captures", "not_ok"):
        if result.get(key):
            click.echo(f"  {key:<14} {result[key]}" + EXPLAIN.get(key, ""))
