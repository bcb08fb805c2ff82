"""`newsarchive diff A B`: articles added, removed and changed between two runs, dates or files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import click

from newsarchive.cli.archive_common import archive_option, user_errors


def side_lines(spec: str, archive: str, site: str | None, cumulative: bool) -> tuple[Iterator[str], str]:
    """Raw JSON lines for a diff side: a JSON Lines file, or a snapshot as of a run id or date."""
    from newsarchive.archive.layout import ArchiveError
    from newsarchive.archive.snapshot import iter_snapshot_lines

    path = Path(spec)
    if path.is_file():
        if site:
            raise ArchiveError("--site applies to runs and dates, not to files")
        return str(path), spec  # diff_records streams files itself (plain .jsonl through pyarrow)
    if not Path(archive).is_dir():
        raise ArchiveError(f"{spec}: no such file, and no archive at {archive} to find it as a run or date in")
    return iter_snapshot_lines(archive, as_of=spec, site=site, cumulative=cumulative, raw=True), spec


@click.command()
@click.argument("a")
@click.argument("b")
@archive_option
@click.option("--site", help="Only this outlet's domain (for runs and dates).")
@click.option("--cumulative", is_flag=True, help="Snapshots keep articles later crawls no longer found.")
@click.option("--min-change", default=1, show_default=True, type=click.IntRange(min=1),
              help="Ignore edits of a text field touching fewer characters than this.")
@click.option("--whitespace", is_flag=True, help="Count white-space-only edits as changes too.")
@click.option("--no-body-diff", is_flag=True, help="Do not print unified diffs of changed bodies.")
@click.option("--json", "as_json", is_flag=True,
              help="JSON Lines for tools: one object per change, then one {\"type\": \"summary\"} line.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when anything was added, removed or changed.")
def diff(a: str, b: str, archive: str, site: str | None, cumulative: bool, min_change: int, whitespace: bool,
         no_body_diff: bool, as_json: bool, fail_on_change: bool) -> None:
    """Report articles added, removed and changed from A to B, with field-level changes (title, lead,
    body, authors, dates, images, tags) and unified diffs of changed bodies. A and B are each a run id,
    a date (the snapshot as of then) or a JSON Lines file. Streams: memory stays small however large
    the inputs.

    \b
    Example:
        newsarchive diff 20260301T020000Z-1a2b 20260308T020000Z-3c4d
        newsarchive diff 2026-03-01 2026-03-08 --site baolamdong.vn --min-change 20
        newsarchive diff old.jsonl.zst new.jsonl.zst --json > changes.jsonl
    """
    from newsarchive.archive.diff import DiffOptions, DiffSummary, diff_records, format_change, format_summary

    opts = DiffOptions(ignore_whitespace=not whitespace, min_change=min_change, body_diff=not no_body_diff)
    summary = None
    with user_errors():
        a_lines, la = side_lines(a, archive, site, cumulative)
        b_lines, lb = side_lines(b, archive, site, cumulative)
        for item in diff_records(a_lines, b_lines, opts, labels=(la, lb)):
            if isinstance(item, DiffSummary):
                summary = item
                continue
            if as_json:
                click.echo(json.dumps(item.as_dict(), ensure_ascii=False))
            else:
                click.echo(format_change(item))
    assert summary is not None
    if as_json:
        click.echo(json.dumps({"type": "summary", "a": la, "b": lb, **summary.as_dict()}, ensure_ascii=False))
    else:
        click.echo(("\n" if summary.added + summary.removed + summary.changed else "") + format_summary(summary, (la, lb)))
    if fail_on_change and (summary.added or summary.removed or summary.changed):
        raise SystemExit(1)
