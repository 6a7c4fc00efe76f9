"""The daily fetch as a job of the push role: at fetch time in the calendar's zone, caught up when
the process starts late, fetching only what is due, never raising into the scheduler."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlmodel import Session

from bot.clock import FixedClock
from bot.runtime.push import PushRole
from bot.settings import Settings
from bot.sources.daily import JOB_ID, DailyFetch
from bot.sources.outcomes import FetchRun
from bot.sources.setup import daily_fetch, fetch_config
from bot.storage.leases import take_lease
from tests.fakes.feed_server import Feed, FeedServer, items_for, rss_feed
from tests.sources.conftest import Following, source

SITE = "https://notes.example"
SIX = dt.time(6, 0)


def daily(following: Following, sessions: Callable[[], Session], clock: FixedClock) -> DailyFetch:
    return DailyFetch(following.config, at=SIX, sessions=sessions, clock=clock, holder="worker-1")


def test_the_job_runs_at_fetch_time_in_the_calendar_zone_and_catches_up_when_late(
    following: Following, sessions: Callable[[], Session], clock: FixedClock
) -> None:
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    daily(following, sessions, clock).schedule(scheduler)  # 07:00 in Shanghai: today's 06:00 has passed
    job = scheduler.get_job(JOB_ID)
    assert isinstance(job.trigger, CronTrigger)
    assert str(job.trigger) == "cron[hour='6', minute='0']" and str(job.trigger.timezone) == "Asia/Shanghai"
    assert scheduler.get_job(f"{JOB_ID}-catch-up") is not None

    early = AsyncIOScheduler(timezone=dt.UTC)
    daily(following, sessions, FixedClock(dt.datetime(2026, 11, 19, 21, 0, tzinfo=dt.UTC))).schedule(early)
    assert early.get_job(JOB_ID) is not None and early.get_job(f"{JOB_ID}-catch-up") is None


async def test_the_push_role_schedules_it(following: Following, sessions: Callable[[], Session]) -> None:
    before_six = FixedClock(dt.datetime(2026, 11, 19, 21, 0, tzinfo=dt.UTC))
    role = PushRole([], every=60, sources=daily(following, sessions, before_six))
    await role.start()
    try:
        assert [job.id for job in role.scheduler.get_jobs()] == [JOB_ID]
    finally:
        await role.stop()


async def test_a_run_fetches_what_is_due_once_a_day(
    feeds: FeedServer, following: Following, sessions: Callable[[], Session], clock: FixedClock
) -> None:
    feeds.routes["/rss.xml"] = Feed(rss_feed("N", SITE, items_for(SITE, [1, 2]), author="A"))
    following.write_sources(source("notes", feeds.url("/rss.xml")))
    job = daily(following, sessions, clock)
    first = await job.run_once()
    assert len(first.new) == 2
    assert (await job.run_once()).outcomes == [], "a second worker's run, or a restart: nothing is due"
    assert len(feeds.seen) == 1
    clock.advance(dt.timedelta(days=1))
    assert [o.status for o in (await job.run_once()).outcomes] == ["unchanged"]


async def test_what_follows_the_fetch_hears_each_run_and_cannot_break_it(
    feeds: FeedServer,
    following: Following,
    sessions: Callable[[], Session],
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    feeds.routes["/rss.xml"] = Feed(rss_feed("N", SITE, items_for(SITE, [1]), author="A"))
    following.write_sources(source("notes", feeds.url("/rss.xml")))
    heard: list[list[str]] = []

    async def vet(run: FetchRun) -> None:
        heard.append(run.new)
        if len(heard) == 2:
            raise RuntimeError("the model is down")

    job = DailyFetch(following.config, at=SIX, sessions=sessions, clock=clock, holder="w", after=vet)
    assert len((await job.run_once()).new) == 1
    with caplog.at_level(logging.ERROR, logger="bot.sources.daily"):
        assert (await job.run_once()).outcomes == []
    assert heard == [["blog-notes-example-posts-note-1"], []]
    assert "what follows the fetch failed" in caplog.text


async def test_a_broken_sources_file_or_a_busy_lease_is_logged_not_raised(
    following: Following,
    sessions: Callable[[], Session],
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    job = daily(following, sessions, clock)
    with caplog.at_level(logging.INFO, logger="bot.sources.daily"):
        assert (await job.run_once()).outcomes == []  # no sources file at all
        following.write_sources(source("notes", "https://notes.example/feed.xml"))
        with sessions() as session:
            take_lease(
                session, key="sources:fetch", holder="other", now=clock.now(), ttl=dt.timedelta(hours=1)
            )
        assert (await job.run_once()).outcomes == []
    messages = [record.message for record in caplog.records]
    assert any("找不到来源文件 sources file not found" in message for message in messages)
    assert any("another fetch is running" in message for message in messages)


def test_settings_make_the_job(sessions: Callable[[], Session], clock: FixedClock) -> None:
    settings = Settings(sources={"fetch_time": "05:30", "max_bytes": 1_000_000, "concurrency": 2})
    job = daily_fetch(settings, sessions=sessions, clock=clock)
    config = fetch_config(settings)
    assert job.at == dt.time(5, 30) and job.config == config and job.holder.endswith(f":{os.getpid()}")
    assert (config.limits.max_bytes, config.concurrency, config.timezone) == (1_000_000, 2, "Asia/Shanghai")
    assert config.library_dir == settings.library.path and config.review_dir.name == "review"
