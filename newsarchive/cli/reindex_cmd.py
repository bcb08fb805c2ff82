"""`newsarchive reindex`: rebuild the archive index from the runs (sealing interrupted runs)."""

from __future__ import annotations

import click

from newsarchive.cli.archive_common import archive_argument, user_errors


@click.command()
@archive_argument
@click.option("--verify", is_flag=True, help="Also check every finished run's files against their manifest sha256.")
def reindex(archive: str, verify: bool) -> None:
    """Rebuild ARCHIVE/index.sqlite (default data/archive) and the search index (search.sqlite) from
    its runs. A run that was killed is sealed first: torn last lines and a torn WARC record are moved
    aside to <file>.torn (reported, never deleted) and a manifest with status "interrupted" is written.
    While a crawl is writing the archive, reindex is refused and changes nothing (exit status 1): run
    it when the crawl has ended.

    \b
    Example:
        newsarchive reindex
        newsarchive reindex /srv/archive --verify
    """
    from newsarchive.archive import layout as L
    from newsarchive.archive.index import reindex as do_reindex
    from newsarchive.archive.runs import verify_run
    from newsarchive.search.index import rebuild as rebuild_search

    with user_errors():
        totals = do_reindex(archive)
        searchable = rebuild_search(archive)   # search.sqlite, derived from the runs too (docs/serve.md)
        problems = []
        if verify:
            for run in L.list_run_dirs(archive):
                problems.extend(verify_run(run))
    for run_id in totals["sealed"]:
        click.echo(f"sealed interrupted run {run_id}")
    click.echo(f"{totals['runs']} runs, {totals['records']} records, {totals['articles']} articles, "
               f"{totals['unchanged']} unchanged re-fetches indexed"
               + (f"; {totals['duplicates']} duplicate versions skipped" if totals["duplicates"] else "")
               + (f"; {totals['torn']} torn lines set aside" if totals["torn"] else ""))
    click.echo(f"search index: {searchable.articles} articles searchable ({searchable.records} versions)")
    for p in problems:
        click.echo(p, err=True)
    if verify:
        click.echo("manifests: " + ("all files match" if not problems else f"{len(problems)} problem(s)"))
    if problems:
        raise SystemExit(1)
