"""`newsarchive date`: normalise date strings to ISO-8601, one per line."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click


def _parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    from newsarchive.dates import VN_TZ

    try:
        now = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 date-time such as 2024-06-07T12:00:00+07:00")
    if now.tzinfo is None:
        now = now.replace(tzinfo=VN_TZ)
    return now


@click.command("date")
@click.argument("texts", nargs=-1, required=True, metavar="TEXT...")
@click.option("--now", callback=_parse_now, metavar="ISO",
              help="Reference time for relative expressions ('2 giờ trước'); no zone means +07:00.")
@click.option("--month-first", is_flag=True, help="The source writes numeric dates month-first (M/D/Y).")
@click.option("--detail", is_flag=True,
              help="Print a JSON object per input: value, family, span, precision, warnings.")
def date(texts: tuple[str, ...], now: datetime | None, month_first: bool, detail: bool) -> None:
    """Normalise Vietnamese date strings to ISO-8601.

    Prints one value per input: an ISO date-time with offset when the text gives a time, YYYY-MM-DD
    when it gives only a date, or null when it does not name one calendar date with a year. Give
    `-` to read one string per line from standard input.

    \b
    Example:
        newsarchive date "Thứ sáu, 07/06/2024 - 06:55" "Ngày đăng: 7/6/2024"
        newsarchive date "2 giờ trước" --now 2024-06-07T12:00:00+07:00
        printf '10:30 | 07/06/2024\\n09:51\\n' | newsarchive date -
    """
    from newsarchive.dates import parse_date_detailed, to_iso

    def inputs():
        for text in texts:
            if text == "-":
                for line in sys.stdin:
                    yield line.rstrip("\r\n")
            else:
                yield text

    for text in inputs():
        parsed = parse_date_detailed(text, now=now, month_first=month_first)
        if detail:
            click.echo(json.dumps({
                "text": text,
                "value": to_iso(parsed.value),
                "family": parsed.family,
                "span": list(parsed.span) if parsed.span else None,
                "precision": parsed.precision,
                "warnings": list(parsed.warnings),
            }, ensure_ascii=False))
        else:
            click.echo(to_iso(parsed.value) or "null")
