"""`newsarchive export`: a snapshot as JSON Lines, Parquet (one file or partitioned), CSV or WACZ."""

from __future__ import annotations

import click

from newsarchive.cli.archive_common import archive_argument, user_errors


@click.command()
@archive_argument
@click.option("--format", "fmt", type=click.Choice(["jsonl", "parquet", "csv", "wacz"]),
              help="Output format (default: from the file name, else jsonl).")
@click.option("--as-of", "as_of", metavar="RUN|DATE", help="A run id or a date; default: latest.")
@click.option("--site", help="Only this outlet's domain.")
@click.option("--cumulative", is_flag=True, help="Every article ever archived.")
@click.option("--partition", metavar="KEYS",
              help="Parquet only: hive-partitioned folder by these keys (site, outlet, year, month), e.g. site,year.")
@click.option("--run", "run_id", metavar="RUN",
              help="WACZ only: pack this run's captures (every request and response of the crawl) "
                   "instead of a snapshot's articles.")
@click.option("-o", "--output", required=True, type=click.Path(), help="Output file (a folder with --partition).")
def export(archive: str, fmt: str | None, as_of: str | None, site: str | None, cumulative: bool,
           partition: str | None, run_id: str | None, output: str) -> None:
    """Export the snapshot of ARCHIVE (default data/archive) for analysis or replay: JSON Lines as
    stored, Parquet (typed: timestamp[us, tz] columns, nested lists and structs; pandas, DuckDB, Polars),
    CSV (every field; lists joined with " | ", nested fields as JSON; described in FILE-metadata.json)
    or WACZ (the captures, for ReplayWeb.page and pywb; pages.jsonl lists the articles).

    \b
    Example:
        newsarchive export -o articles.parquet
        newsarchive export --partition site,year -o articles/        # DuckDB/Polars read it as one dataset
        newsarchive export data/archive --format csv --site baolamdong.vn --as-of 2026-03-01 -o march.csv
        newsarchive export --as-of 2026-03-01 -o march.wacz           # the snapshot's articles, for replay
        newsarchive export --run 20260307T081500Z-3fa2 -o run.wacz    # everything one crawl fetched
    """
    from newsarchive.archive.export import csv_note, export as do_export, format_for

    with user_errors():
        kind = format_for(output, fmt or ("parquet" if partition else None))
        if run_id is not None:
            if kind != "wacz":
                raise click.UsageError("--run packs a run as WACZ: give --format wacz or an .wacz file")
            from newsarchive.archive.wacz import export_wacz

            n = export_wacz(archive, output, as_of=run_id, run=True)
            click.echo(f"{n} articles (pages) -> {output}")
            return
        n = do_export(archive, output, fmt, as_of=as_of, site=site, cumulative=cumulative,
                      partition=partition.split(",") if partition else None)
        if kind == "csv":
            from newsarchive.archive.export import csv_metadata_path

            click.echo(f"{csv_note()}; column descriptions in {csv_metadata_path(output)}", err=True)
    click.echo(f"{n} articles -> {output}")
