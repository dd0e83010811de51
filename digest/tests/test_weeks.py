"""ISO weeks and their bounds in a person's timezone, DST weeks included."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from digest.weeks import (
    Week,
    WeekError,
    week_current,
    week_last_completed,
    week_of,
    week_parse,
)


@pytest.mark.parametrize(
    ("text", "week"),
    [
        ("2026-W01", Week(2026, 1)),
        ("2026-W53", Week(2026, 53)),  # 2026 has 53 ISO weeks
        ("2020-W53", Week(2020, 53)),
        ("2025-W09", Week(2025, 9)),
    ],
)
def test_parse_valid_weeks(text, week):
    assert week_parse(text) == week
    assert str(week) == text


@pytest.mark.parametrize(
    "text",
    ["", "2026-W54", "2025-W53", "2026-W00", "2026-W5", "2026W05", "2026-w05", "26-W05",
     "2026-W05 ", "1999-W10", "2026-W05/", "x"],
)  # fmt: skip
def test_parse_refuses_anything_else(text):
    with pytest.raises(WeekError):
        week_parse(text)


def test_shift_crosses_years():
    assert Week(2026, 1).shifted(-1) == Week(2025, 52)
    assert Week(2026, 53).shifted(1) == Week(2027, 1)
    assert Week(2026, 10).shifted(0) == Week(2026, 10)


def test_bounds_are_local_midnights():
    start, end = Week(2026, 5).bounds("Asia/Tokyo")
    assert start == datetime(2026, 1, 26, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert start.astimezone(UTC) == datetime(2026, 1, 25, 15, tzinfo=UTC)
    assert end - start == timedelta(days=7)


def test_dst_week_lengths_exactly():
    la = ZoneInfo("America/Los_Angeles")

    def hours(week):
        start, end = week.bounds(la)
        return (end.astimezone(UTC) - start.astimezone(UTC)) / timedelta(hours=1)

    assert hours(Week(2026, 10)) == 167  # spring forward on Sunday 8 March
    assert hours(Week(2026, 44)) == 169  # fall back on Sunday 1 November
    assert hours(Week(2026, 20)) == 168
    assert hours(Week(2026, 10)) != 168


@pytest.mark.parametrize(
    ("utc", "tz", "week"),
    [
        # Sunday 23:30 and Monday 00:30 local time, for Los Angeles (UTC-8 in winter)...
        (datetime(2026, 2, 2, 7, 30, tzinfo=UTC), "America/Los_Angeles", Week(2026, 5)),
        (datetime(2026, 2, 2, 8, 30, tzinfo=UTC), "America/Los_Angeles", Week(2026, 6)),
        # ... and Tokyo (UTC+9).
        (datetime(2026, 2, 1, 14, 30, tzinfo=UTC), "Asia/Tokyo", Week(2026, 5)),
        (datetime(2026, 2, 1, 15, 30, tzinfo=UTC), "Asia/Tokyo", Week(2026, 6)),
        # Los Angeles across the spring DST change: Sunday 8 March is in PDT (UTC-7).
        (datetime(2026, 3, 9, 6, 30, tzinfo=UTC), "America/Los_Angeles", Week(2026, 10)),
        (datetime(2026, 3, 9, 7, 30, tzinfo=UTC), "America/Los_Angeles", Week(2026, 11)),
    ],
)
def test_week_of_an_instant_depends_on_the_timezone(utc, tz, week):
    assert week_of(utc, tz) == week


def test_current_and_last_completed_week():
    now = datetime(2026, 2, 1, 20, 0, tzinfo=UTC)  # Sunday in London, Monday in Tokyo
    assert week_current("Europe/London", now=now) == Week(2026, 5)
    assert week_current("Asia/Tokyo", now=now) == Week(2026, 6)
    assert week_last_completed("Asia/Tokyo", now=now) == Week(2026, 5)


def test_label():
    assert Week(2026, 6).label() == "2 – 8 Feb 2026"
    assert Week(2026, 5).label() == "26 Jan – 1 Feb 2026"
    assert Week(2026, 1).label() == "29 Dec 2025 – 4 Jan 2026"
