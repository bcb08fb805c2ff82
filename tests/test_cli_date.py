"""`newsarchive date`, run through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from newsarchive.cli import main


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["date", *args], input=input)


def test_prints_one_iso_value_per_argument():
    result = run("Thứ sáu, 07/06/2024 - 06:55", "Ngày đăng: 7/6/2024", "09:51", "30/47/2023")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["2024-06-07T06:55:00+07:00", "2024-06-07", "null", "null"]


def test_reads_lines_from_stdin_with_dash():
    result = run("-", input="10:30 | 07/06/2024\n\n3/5/2026 3:34:00 PM\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["2024-06-07T10:30:00+07:00", "null", "2026-03-05T15:34:00+07:00"]


def test_now_anchors_relative_expressions():
    assert run("2 giờ trước").output.strip() == "null"
    result = run("2 giờ trước", "hôm qua", "--now", "2024-06-07T12:00:00+07:00")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["2024-06-07T10:00:00+07:00", "2024-06-06"]
    # a naive --now is Vietnam time
    assert run("5 phút trước", "--now", "2024-06-07T12:00").output.strip() == "2024-06-07T11:55:00+07:00"


def test_month_first_option():
    assert run("06/07/2024").output.strip() == "2024-07-06"
    assert run("06/07/2024", "--month-first").output.strip() == "2024-06-07"


def test_detail_prints_json_with_family_and_warnings():
    result = run("--detail", "Thứ Sáu, ngày 02/02/2019 10:00 AM (GMT+7)")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["value"] == "2019-02-02T10:00:00+07:00"
    assert record["family"] == "dmy_hm"
    assert record["precision"] == "minute"
    assert record["span"] == [14, 41]
    assert len(record["warnings"]) == 1 and "Saturday" in record["warnings"][0]


def test_bad_now_is_a_clear_error_not_a_traceback():
    result = run("hôm qua", "--now", "yesterday-ish")
    assert result.exit_code == 2
    assert "Invalid value for '--now'" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_text_is_required():
    result = run()
    assert result.exit_code == 2
    assert "Missing argument" in result.output


def test_help_has_an_example():
    result = run("--help")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "newsarchive date" in result.output.split("Example:")[1]


def test_find_prints_every_mention_of_running_text():
    result = run("--find", "Chiều 6/6 họp; 20h tối mai khai mạc", "--now", "2024-06-07T12:00:00+07:00")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["text"], r["value"], r["precision"]) for r in rows] == [
        ("Chiều 6/6", "2024-06-06", "part-of-day"), ("20h tối mai", "2024-06-08T20:00:00+07:00", "hour")]
    assert rows[1]["resolved"] == ["tối mai"] and rows[1]["part_of_day"] == "tối"
    # without --now the relative mention is printed with a null value and the reason
    rows = [json.loads(line) for line in run("--find", "20h tối mai").output.splitlines()]
    assert rows[0]["value"] is None and rows[0]["warnings"]


def test_find_help_has_an_example():
    result = CliRunner().invoke(main, ["date", "--help"])
    assert "--find" in result.output and 'newsarchive date --find' in result.output
