"""Times of day as people type them."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.times import format_time_of_day, parse_time_of_day


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("08:00", dt.time(8, 0)),
        ("8:30", dt.time(8, 30)),
        ("7", dt.time(7, 0)),
        ("20点", dt.time(20, 0)),
        ("8点半", dt.time(8, 30)),
        ("21点15分", dt.time(21, 15)),
        ("８：３０", dt.time(8, 30)),
        ("23:59", dt.time(23, 59)),
        ("0:00", dt.time(0, 0)),
        (" 9.45 ", dt.time(9, 45)),
    ],
)
def test_accepted(typed: str, meant: dt.time) -> None:
    assert parse_time_of_day(typed) == meant


@pytest.mark.parametrize("typed", ["", "24:00", "8:60", "soon", "8:5", "-1", "8 am", "1234"])
def test_rejected(typed: str) -> None:
    assert parse_time_of_day(typed) is None


def test_format_is_24_hour_with_two_digits() -> None:
    assert format_time_of_day(dt.time(7, 5)) == "07:05"
