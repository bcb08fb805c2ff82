"""newsarchive.timeutil: one reading of machine-written ISO-8601 timestamps for every module."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from newsarchive.crawlstate import _when
from newsarchive.dates import VN_TZ
from newsarchive.discovery.window import parse_bound
from newsarchive.runs import _time
from newsarchive.timeutil import iso_or_none, parse_iso

NOON_UTC = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["2024-06-01T12:00:00Z", "2024-06-01T12:00:00z", "2024-06-01 12:00Z",
                                  "2024-06-01T12:00:00+00:00", "2024-06-01T19:00:00+07:00", " 2024-06-01T12:00:00Z "])
def test_z_and_offsets_are_the_same_instant(text):
    assert parse_iso(text) == NOON_UTC and parse_iso(text).utcoffset() is not None


def test_a_time_without_a_zone_is_taken_in_the_zone_asked_for():
    assert parse_iso("2024-06-01T12:00:00") == NOON_UTC
    assert parse_iso("2024-06-01T19:00:00", naive_tz=VN_TZ) == NOON_UTC
    assert parse_iso("2024-06-01T12:00:00", naive_tz=None).tzinfo is None


@pytest.mark.parametrize("bad", ["", "Z", "yesterday", "2024-13-01T00:00:00Z", "01/06/2024"])
def test_what_is_not_iso_is_a_value_error_or_none(bad):
    with pytest.raises(ValueError):
        parse_iso(bad)
    assert iso_or_none(bad) is None


def test_values_read_from_files_that_are_not_strings_are_none():
    assert iso_or_none(None) is None and iso_or_none(1717243200) is None and iso_or_none({"at": "x"}) is None


def test_crawl_state_run_manifests_and_crawl_windows_read_timestamps_alike():
    for text in ("2024-06-01T12:00:00Z", "2024-06-01T12:00:00z", "2024-06-01T19:00:00+07:00"):
        assert _when(text) == _time(text) == parse_bound(text) == NOON_UTC
    # without a zone: the archive's times are UTC; a --since/--until datetime is Vietnam time
    assert _when("2024-06-01T12:00:00") == _time("2024-06-01T12:00:00") == NOON_UTC
    assert parse_bound("2024-06-01T12:00:00") == NOON_UTC + timedelta(hours=-7)
