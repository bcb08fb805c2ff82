"""`newsarchive coverage`: what each outlet's last crawl found, from which source, and what it missed."""

from __future__ import annotations

import json

import click

from newsarchive.cli.archive_common import archive_argument, user_errors


@click.command("coverage")
@archive_argument
@click.option("--site", help="Only this outlet (its registry name or host, as runs name it).")
@click.option("--run", "run_id", help="The account of this run (default: each outlet's newest run).")
@click.option("--json", "as_json", is_flag=True, help="The accounts as a JSON list.")
def coverage(archive, site, run_id, as_json):
    """What each outlet's newest crawl found, from which source, and what it may have missed.

    For every outlet: article URLs found by each discovery source (sitemaps, feeds, the home page,
    listings, links on articles...) and by it alone, how the sources overlap, articles fetched and
    archived, discovery documents that failed, listing pages not reached, traps cut (calendars,
    view variants, endless pagination), an estimate from gaps in the numeric article ids, and whether
    the run saw the whole site (only such a run reports articles missing from it as removed).

    \b
    Example:
        newsarchive coverage data/archive
        newsarchive coverage data/archive --site lamdongtv.vn --json
    """
    from newsarchive.archive.coverage import coverage_reports, format_report

    with user_errors():
        reports = coverage_reports(archive, site=site, run=run_id)
    if as_json:
        click.echo(json.dumps(reports, ensure_ascii=False, indent=2))
        return
    if not reports:
        click.echo(f"No run of {archive} kept a coverage account (runs before newsarchive 0.2 did not).")
        return
    click.echo("\n\n".join(format_report(r) for r in reports))
