"""`newsarchive snapshot`: the latest version of every article as of a run or a date."""

from __future__ import annotations

import sys

import click

from newsarchive.cli.archive_common import archive_argument, user_errors


@click.command()
@archive_argument
@click.option("--as-of", "as_of", metavar="RUN|DATE", help="A run id (or prefix) or a date/ISO time; default: latest.")
@click.option("--site", help="Only this outlet's domain, e.g. baolamdong.vn.")
@click.option("--cumulative", is_flag=True,
              help="Every article ever archived, also those a later complete crawl no longer found.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file (.jsonl, .jsonl.gz or .jsonl.zst), or - for standard output.")
def snapshot(archive: str, as_of: str | None, site: str | None, cumulative: bool, output: str) -> None:
    """Write the latest version of every article in ARCHIVE (default data/archive) as of a point in
    time, as JSON Lines. Per site, an article is in the snapshot if the last complete crawl up to that
    point saw it, or a later (partial, interrupted) crawl did.

    \b
    Example:
        newsarchive snapshot -o latest.jsonl.zst
        newsarchive snapshot data/archive --as-of 2026-03-01 --site baolamdong.vn -o march.jsonl
        newsarchive snapshot --as-of 20260307T081500Z-3fa2 -o - | head -1
    """
    from newsarchive.archive.snapshot import iter_snapshot_lines, write_snapshot

    with user_errors():
        if output == "-":
            n = 0
            for line in iter_snapshot_lines(archive, as_of=as_of, site=site, cumulative=cumulative):
                sys.stdout.write(line)
                n += 1
            click.echo(f"{n} articles", err=True)
            return
        n = write_snapshot(archive, output, as_of=as_of, site=site, cumulative=cumulative)
    click.echo(f"{n} articles -> {output}")
