"""`newsarchive export`: a snapshot as JSON Lines, Parquet or CSV."""

from __future__ import annotations

import click

from newsarchive.cli.archive_common import archive_argument, user_errors


@click.command()
@archive_argument
@click.option("--format", "fmt", type=click.Choice(["jsonl", "parquet", "csv"]),
              help="Output format (default: from the file name, else jsonl).")
@click.option("--as-of", "as_of", metavar="RUN|DATE", help="A run id or a date; default: latest.")
@click.option("--site", help="Only this outlet's domain.")
@click.option("--cumulative", is_flag=True, help="Every article ever archived.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Output file.")
def export(archive: str, fmt: str | None, as_of: str | None, site: str | None, cumulative: bool, output: str) -> None:
    """Export the snapshot of ARCHIVE (default data/archive) for analysis: JSON Lines as stored,
    Parquet (typed and nested; read with pandas, DuckDB, Polars) or CSV (lists joined with " | ").

    \b
    Example:
        newsarchive export -o articles.parquet
        newsarchive export data/archive --format csv --site baolamdong.vn --as-of 2026-03-01 -o march.csv
    """
    from newsarchive.archive.export import export as do_export

    with user_errors():
        n = do_export(archive, output, fmt, as_of=as_of, site=site, cumulative=cumulative)
    click.echo(f"{n} articles -> {output}")
