"""Benchmark: newsarchive.parse_date against dateparser on the same real date strings, in one run.

Strings: tests/fixtures/dates/vietnamese_dates.tsv (real strings, annotated) plus
tests/fixtures/dates/extra_dates.tsv (the families of the issue, written for the tests). Relative
strings are resolved against the reference time 2024-06-07T12:00:00+07:00 by both.

dateparser is configured as a careful user would: languages vi + en, DATE_ORDER DMY, TIMEZONE +07:00,
RETURN_AS_TIMEZONE_AWARE, RELATIVE_BASE = the reference time, and RETURN_TIME_AS_PERIOD so that a
date-only string can be scored as a date rather than as midnight.

Prints the accuracy of each against the annotations, the throughput of each (strings per second)
and the ratio. Run by hand:

    .venv/bin/python benchmarks/dates.py [--seconds 2] [--show-errors]
"""

from __future__ import annotations

import argparse
import csv
import time
from datetime import datetime
from pathlib import Path

from newsarchive.dates import VN_TZ, parse_date, to_iso

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "tests/fixtures/dates/vietnamese_dates.tsv", ROOT / "tests/fixtures/dates/extra_dates.tsv"]
NOW = datetime(2024, 6, 7, 12, 0, tzinfo=VN_TZ)


def load() -> list[tuple[str, str]]:
    rows = []
    for path in FILES:
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                rows.append((row["text"], row["expected"]))
    return rows


def make_dateparser():
    from dateparser.date import DateDataParser

    parser = DateDataParser(
        languages=["vi", "en"],
        settings={
            "DATE_ORDER": "DMY",
            "TIMEZONE": "+07:00",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "RETURN_TIME_AS_PERIOD": True,
            "RELATIVE_BASE": NOW.replace(tzinfo=None),
        },
    )

    def parse(text: str) -> str:
        data = parser.get_date_data(text)
        obj = data["date_obj"]
        if obj is None:
            return "null"
        if data["period"] != "time":
            return obj.date().isoformat()
        return obj.astimezone(VN_TZ).isoformat()

    return parse


def ours(text: str) -> str:
    return to_iso(parse_date(text, now=NOW)) or "null"


def throughput(fn, texts: list[str], seconds: float) -> float:
    n = 0
    start = time.perf_counter()
    while True:
        for t in texts:
            fn(t)
        n += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="minimum time spent timing each parser")
    ap.add_argument("--show-errors", action="store_true", help="list the strings each parser gets wrong")
    args = ap.parse_args()

    rows = load()
    texts = [t for t, _ in rows]
    dp = make_dateparser()
    dp(texts[0])  # load dateparser's language data before timing

    results = {}
    for name, fn in (("newsarchive.parse_date", ours), ("dateparser", dp)):
        wrong = [(t, e, fn(t)) for t, e in rows if fn(t) != e]
        results[name] = (1 - len(wrong) / len(rows), throughput(fn, texts, args.seconds), wrong)

    print(f"{len(rows)} strings ({', '.join(p.name for p in FILES)}); reference time {NOW.isoformat()}")
    print(f"{'parser':24} {'accuracy':>9} {'correct':>9} {'strings/s':>12}")
    for name, (acc, rate, wrong) in results.items():
        print(f"{name:24} {acc:9.1%} {len(rows) - len(wrong):>4}/{len(rows):<4} {rate:12,.0f}")
    ratio = results["newsarchive.parse_date"][1] / results["dateparser"][1]
    print(f"throughput ratio newsarchive / dateparser: {ratio:,.0f}x")
    if args.show_errors:
        for name, (_acc, _rate, wrong) in results.items():
            print(f"\n{name} errors:")
            for text, expected, got in wrong:
                print(f"  {text[:70]!r}: expected {expected}, got {got}")


if __name__ == "__main__":
    main()
