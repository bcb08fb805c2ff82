"""`newsarchive stats`: what the archive holds, per outlet and month, with field coverage and errors."""

from __future__ import annotations

import json

import click

from newsarchive.cli.archive_common import archive_argument, user_errors


@click.command()
@archive_argument
@click.option("--as-of", "as_of", metavar="RUN|DATE", help="Statistics of the snapshot as of a run or date.")
@click.option("--site", help="Only this outlet's domain.")
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@click.option("--plot", type=click.Path(dir_okay=False), metavar="FILE.png",
              help="Also draw articles per day per outlet (needs matplotlib).")
def stats(archive: str, as_of: str | None, site: str | None, as_json: bool, plot: str | None) -> None:
    """Articles per outlet and month, the publication date range, the share of records with each
    field, and error counts of the runs, for ARCHIVE (default data/archive).

    \b
    Example:
        newsarchive stats
        newsarchive stats data/archive --json
        newsarchive stats --plot articles-per-day.png
    """
    from newsarchive.archive.stats import archive_stats, plot_per_day

    with user_errors():
        st = archive_stats(archive, as_of=as_of, site=site)
        if plot:
            plot_per_day(st, plot)
    if as_json:
        click.echo(json.dumps(st.as_dict(), ensure_ascii=False, indent=2))
    else:
        _table(st)
    if plot:
        click.echo(f"plot -> {plot}", err=as_json)


def _table(st) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    console.print(f"{st.articles} articles, {st.runs} runs "
                  f"({', '.join(f'{n} {s}' for s, n in sorted(st.runs_by_status.items())) or 'none'})")
    console.print(f"published: {st.first_published or '-'} .. {st.last_published or '-'}"
                  + (f" ({st.undated} undated)" if st.undated else ""))
    months = sorted({m for per in st.per_outlet_month.values() for m in per})
    table = Table(title="Articles per outlet and month", show_lines=False)
    table.add_column("outlet")
    for m in months:
        table.add_column(m, justify="right")
    table.add_column("total", justify="right")
    for outlet, per in st.per_outlet_month.items():
        table.add_row(outlet, *[str(per.get(m, "")) for m in months], str(sum(per.values())))
    console.print(table)
    fields = Table(title="Share of records with each field")
    fields.add_column("field")
    fields.add_column("share", justify="right")
    for name, share in st.field_share.items():
        fields.add_row(name, f"{share:.0%}")
    console.print(fields)
    console.print("errors: " + (", ".join(f"{k} {v}" for k, v in st.errors.items()) or "none"))
