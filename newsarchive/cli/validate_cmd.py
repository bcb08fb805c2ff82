"""`newsarchive validate`: check archive files against the record schema."""

from __future__ import annotations

from pathlib import Path

import click

from newsarchive.jsonl import record_files
from newsarchive.validate import validate_file


def _expand(paths: tuple[str, ...]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(record_files(p))  # a folder: its record files, not the rejects
        else:
            out.append(p)
    return out


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--quiet", "-q", is_flag=True, help="Print only problems and the final count.")
def validate(paths: tuple[str, ...], quiet: bool) -> None:
    """Check JSON Lines archive files (or every archive file under a folder) against the schema.

    Prints each bad line as FILE:LINE: problem, then a count; exits 1 when any line is bad.

    \b
    Example:
        newsarchive validate data/demo
        newsarchive validate data/archive/runs/*/articles.jsonl.zst
    """
    files = _expand(paths)
    if not files:
        raise click.ClickException("no archive files (*.jsonl, *.jsonl.gz, *.jsonl.zst) found under " + ", ".join(paths))
    bad = 0
    total = 0
    for f in files:
        report = validate_file(f)
        total += report.records
        if report.fatal:
            bad += 1
            click.echo(f"{f}: {report.fatal}", err=True)
        for p in report.problems:
            bad += 1
            click.echo(f"{f}:{p.line}: {p.message}", err=True)
        if not quiet:
            click.echo(f"{f}: {report.valid}/{report.records} records valid")
    click.echo(f"{total} records in {len(files)} file(s), {bad} problem(s)")
    if bad:
        raise SystemExit(1)
