"""Where "now" comes from. Code asks a clock instead of the system, so tests move time."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from bot.core.timezones import zone_of


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current moment, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware moment")
        self.moment = moment

    def now(self) -> dt.datetime:
        return self.moment

    def advance(self, delta: dt.timedelta) -> None:
        self.moment += delta


def local_date(clock: Clock, timezone: str) -> dt.date:
    """Today's date in `timezone` (an IANA name or our "UTC+05:30" form)."""
    return clock.now().astimezone(zone_of(timezone)).date()
