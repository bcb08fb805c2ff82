"""`newsarchive runs`: the runs of an archive (outcome, counts, duration) and outlets that look broken."""

from __future__ import annotations

import json

import click


@click.command("runs")
@click.argument("archive", type=click.Path(file_okay=False), default="data/archive", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object: {runs: [...], outlets: [...]}.")
@click.option("--outlet", help="Only runs of this outlet.")
@click.option("--last", type=click.IntRange(min=1), default=30, show_default=True,
              help="Show the last N runs (flags always look at every run).")
def runs(archive, as_json, outlet, last):
    """List the runs of an archive: outcome, counts, duration; flag outlets that look broken.

    Flags: "failing" when an outlet's last runs failed or were interrupted; "nothing new" when its
    last runs (3 or more) archived no new article for far longer than ever before, usually a sign
    that the site changed. Exit status 0 either way (use --json to act on the flags).

    \b
    Example:
        newsarchive runs data/archive
        newsarchive runs data/archive --outlet lamdongtv.vn --json
    """
    from newsarchive.archive.layout import ArchiveError
    from newsarchive.runs import as_json as to_json
    from newsarchive.runs import format_duration, list_runs, outlet_health

    try:
        all_runs = list_runs(archive)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    health = outlet_health(all_runs)
    if outlet:
        all_runs = [r for r in all_runs if outlet in r.outlets]
        health = [h for h in health if h.outlet == outlet]
    shown = all_runs[-last:]
    if as_json:
        click.echo(json.dumps(to_json(shown, health), ensure_ascii=False, indent=2))
        return
    if not all_runs:
        click.echo(f"No runs in {archive}" + (f" for {outlet}" if outlet else "") + ".")
        return
    rows = [("run", "outlets", "status", "started (UTC)", "duration", "new", "changed", "unchanged", "errors",
             "rejects")]
    for r in shown:
        rows.append((r.run_id + (" *" if r.shared else ""), ", ".join(r.outlets) or "?", r.status,
                     (r.started_at or "-")[:19].replace("T", " "), format_duration(r.duration_s),
                     str(r.new), str(r.changed), str(r.unchanged), str(r.fetch_errors), str(r.rejects)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    click.echo(f"Runs of {archive} (last {len(shown)} of {len(all_runs)}):")
    for row in rows:
        cells = [c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        click.echo("  ".join(cells).rstrip())
    if any(r.shared for r in shown):
        click.echo("* one worker of a crawl shared through Redis (docs/scaling.md)")
    flagged = [h for h in health if h.flags]
    if flagged:
        click.echo("\nOutlets to look at:")
        for h in flagged:
            for flag in h.flags:
                click.echo(f"  {h.outlet}: {flag}")
    else:
        click.echo("\nNo outlet flagged: every outlet's last run finished and archived new articles "
                   "as often as usual.")
