"""A person's slow job runs once at a time, whichever worker the second press reaches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session

from bot.clock import FixedClock
from bot.core.in_progress import InProgress


def leases(sessions: Callable[[], Session], clock: FixedClock) -> InProgress:
    return InProgress(sessions, clock, what="export", ttl=dt.timedelta(minutes=5))


async def test_a_second_worker_does_not_start_a_job_the_first_is_running(
    sessions: Callable[[], Session],
) -> None:
    clock = FixedClock(dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC))
    first, second = leases(sessions, clock), leases(sessions, clock)  # two processes' views
    assert await first.start("telegram", "7")
    assert not await second.start("telegram", "7"), "running in the first worker"
    assert not await first.start("telegram", "7"), "nor twice in one"
    assert await second.start("discord", "7"), "another person (the same number on Discord)"
    await second.finish("telegram", "7")  # not its lease: the first's stays
    assert not await second.start("telegram", "7")
    await first.finish("telegram", "7")
    assert await second.start("telegram", "7")


async def test_a_lease_left_by_a_crash_runs_out(sessions: Callable[[], Session]) -> None:
    clock = FixedClock(dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC))
    crashed, after_restart = leases(sessions, clock), leases(sessions, clock)
    assert await crashed.start("telegram", "7")
    clock.advance(dt.timedelta(minutes=4, seconds=59))
    assert not await after_restart.start("telegram", "7")
    clock.advance(dt.timedelta(seconds=1))
    assert await after_restart.start("telegram", "7")
