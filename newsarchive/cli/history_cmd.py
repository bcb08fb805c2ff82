"""`newsarchive history URL`: every version of one article, with what changed each time."""

from __future__ import annotations

import json

import click

from newsarchive.cli.archive_common import archive_option, user_errors


@click.command()
@click.argument("url")
@archive_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per version.")
@click.option("--no-body-diff", is_flag=True, help="Do not print unified diffs of body changes.")
def history(url: str, archive: str, as_json: bool, no_body_diff: bool) -> None:
    """Show every archived version of the article at URL (any URL it was fetched under, its canonical
    URL, or its id): when and in which run, what changed from the version before, and the runs that
    re-fetched it unchanged.

    \b
    Example:
        newsarchive history https://baolamdong.vn/xa-hoi/some-article-123.html
        newsarchive history 3f2a9c0d1e4b5a69 --archive data/archive --json
    """
    from newsarchive.archive.diff import format_change, Change
    from newsarchive.archive.history import history as get_history

    with user_errors():
        versions = get_history(archive, url)
    if as_json:
        for v in versions:
            click.echo(json.dumps(v.as_dict(), ensure_ascii=False))
        return
    first = versions[0].record
    click.echo(f"{first.get('id')}  {first.get('canonical_url') or first.get('url')}")
    click.echo(f"{len(versions)} version(s)")
    for v in versions:
        click.echo("")
        click.echo(f"v{v.version}  run {v.run_id}  fetched {v.fetched_at}  hash {str(v.record.get('content_hash'))[:12]}")
        if v.version == versions[0].version:
            click.echo(f"    first archived: {v.record.get('title')}")
        elif v.changes:
            text = format_change(Change("changed", v.record.get("id"), v.record.get("url"), v.record.get("title"),
                                        v.changes, None if no_body_diff else v.body_diff))
            click.echo("\n".join(text.splitlines()[1:]))
        else:
            click.echo("    no change in the compared fields (white space or minor edits only)")
        if v.seen_unchanged_in:
            click.echo(f"    re-fetched unchanged in: {', '.join(v.seen_unchanged_in)}")
        if v.seen_listed_in:
            click.echo(f"    still listed (not re-fetched) in: {', '.join(v.seen_listed_in)}")
