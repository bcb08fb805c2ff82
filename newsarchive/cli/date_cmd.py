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
@click.option("--find", "find", is_flag=True,
              help="Find every date and time in running text: one JSON object per mention (text, value, "
                   "span, precision, part_of_day, resolved, family, warnings).")
def date(texts: tuple[str, ...], now: datetime | None, month_first: bool, detail: bool, find: bool) -> None:
    """Normalise Vietnamese date strings to ISO-8601.

    Prints one value per input: an ISO date-time with offset when the text gives a time, YYYY-MM-DD
    when it gives only a date, or null when it does not name one calendar date with a year. Give
    `-` to read one string per line from standard input.

    With --find, each input is running text (a sentence, a paragraph) and every date and time in it
    is printed as one JSON object per line, in text order: relative days and day parts ("sáng nay",
    "7h15 sáng qua", "chiều 7/6") are resolved against --now; without it they print a null value.

    \b
    Example:
        newsarchive date "Thứ sáu, 07/06/2024 - 06:55" "Ngày đăng: 7/6/2024"
        newsarchive date "2 giờ trước" --now 2024-06-07T12:00:00+07:00
        printf '10:30 | 07/06/2024\\n09:51\\n' | newsarchive date -
        newsarchive date --find "Chiều 6/6 họp; 20h tối mai khai mạc" --now 2024-06-07T12:00:00+07:00
    """
    from newsarchive.dates import find_dates, parse_date_detailed, to_iso

    def inputs():
        for text in texts:
            if text == "-":
                for line in sys.stdin:
                    yield line.rstrip("\r\n")
            else:
                yield text

    for text in inputs():
        if find:
            for m in find_dates(text, now=now, month_first=month_first):
                click.echo(json.dumps({
                    "text": m.text, "value": m.iso, "span": list(m.span), "precision": m.precision,
                    "part_of_day": m.part_of_day, "resolved": list(m.resolved), "family": m.family,
                    "warnings": list(m.warnings),
                }, ensure_ascii=False))
            continue
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
