"""From settings to a running push: the pacer, the pusher and the scheduler job that ticks it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from apscheduler.job import Job
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import Session

from bot.clock import Clock
from bot.delivery.broadcast import PushConfig, PushContent, Pusher, PushSender
from bot.delivery.pacing import Pacer, RateLimits
from bot.delivery.resend import ResendPolicy
from bot.delivery.retry import RetryPolicy
from bot.observability.metrics import Metrics
from bot.settings import PushSettings, ReplySettings


def rate_limits(settings: PushSettings) -> RateLimits:
    return RateLimits(
        per_second=settings.per_second,
        per_chat_per_second=settings.per_chat_per_second,
        group_per_minute=settings.group_per_minute,
        headroom=settings.headroom,
    )


def push_config(settings: PushSettings, *, worker_timeout: float = 30.0) -> PushConfig:
    retry = RetryPolicy(
        attempts=settings.retry_attempts,
        base_delay=settings.retry_base_delay,
        max_delay=settings.retry_max_delay,
        rate_limited_attempts=settings.rate_limited_attempts,
    )
    return PushConfig(
        max_in_flight=settings.max_in_flight,
        batch_size=settings.batch_size,
        retry=retry,
        worker_timeout=worker_timeout,
    )


def resend_policy(settings: ReplySettings) -> ResendPolicy:
    """How replies are sent again: within `give_up_after` seconds of network errors and 5xx."""
    backoff = RetryPolicy(base_delay=settings.retry_base_delay, max_delay=settings.retry_max_delay)
    return ResendPolicy(
        give_up_after=settings.give_up_after,
        rate_limited_attempts=settings.rate_limited_attempts,
        backoff=backoff,
    )


def build_pacer(settings: PushSettings) -> Pacer:
    return Pacer(rate_limits(settings))


def build_pusher(
    settings: PushSettings,
    *,
    sender: PushSender,
    content: PushContent,
    sessions: Callable[[], Session],
    clock: Clock,
    worker_id: str | None = None,
    worker_timeout: float = 30.0,
    metrics: Metrics | None = None,
) -> Pusher:
    config = push_config(settings, worker_timeout=worker_timeout)
    return Pusher(
        sender=sender,
        content=content,
        sessions=sessions,
        clock=clock,
        config=config,
        worker_id=worker_id,
        metrics=metrics,
    )


def job_id(pusher: Pusher) -> str:
    return f"push-{pusher.sender.platform}-{pusher.content.kind.value}"


def schedule_pushes(scheduler: BaseScheduler, pusher: Pusher, *, every: float) -> Job:
    return schedule_ticks(scheduler, pusher.run_once, job=job_id(pusher), every=every)


def schedule_ticks(
    scheduler: BaseScheduler, tick: Callable[[], Awaitable[object]], *, job: str, every: float
) -> Job:
    """Tick every `every` seconds, the first tick at once: a restart sends what was missed today.

    One run at a time (a broadcast to many chats outlasts a tick); ticks missed meanwhile merge.
    Pushers tick this way, and so does the posting of group quiz results.
    """
    return scheduler.add_job(
        tick,
        IntervalTrigger(seconds=every),
        id=job,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=dt.datetime.now(dt.UTC),
    )
