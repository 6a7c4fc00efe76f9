"""Active subscribers per platform, counted in the database each time `/metrics` is read."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import pytest
from sqlmodel import Session

from bot.observability.metrics import Metrics, SubscriberGauge
from bot.storage.subscribers import active_per_platform, subscribe, update_subscriber
from bot.storage.tables import SubscriberStatus
from tests.observability.scrape import label_values, value

NOW = dt.datetime(2026, 11, 2, 0, 5, tzinfo=dt.UTC)
GAUGE = "buildspeak_active_subscribers"


def join(session: Session, platform: str, chat_id: str) -> None:
    subscribe(
        session, platform=platform, chat_id=chat_id, user_id=chat_id, chat_kind="private", title=None, now=NOW
    )


def test_active_subscribers_are_counted_per_platform_at_each_scrape(
    sessions: Callable[[], Session], metrics: Metrics
) -> None:
    metrics.watch(SubscriberGauge(sessions, active_per_platform))
    assert label_values(metrics, GAUGE, "platform") == set(), "no subscribers yet"
    with sessions() as session:
        for chat_id in ("1", "2", "3"):
            join(session, "telegram", chat_id)
        join(session, "discord", "9")
        join(session, "discord", "10")

    assert value(metrics, GAUGE, platform="telegram") == 3
    assert value(metrics, GAUGE, platform="discord") == 2

    with sessions() as session:
        stopped, _ = subscribe(
            session, platform="telegram", chat_id="1", user_id="1", chat_kind="private", title=None, now=NOW
        )
        update_subscriber(session, stopped, now=NOW, status=SubscriberStatus.STOPPED)
        blocked, _ = subscribe(
            session, platform="discord", chat_id="9", user_id="9", chat_kind="private", title=None, now=NOW
        )
        update_subscriber(session, blocked, now=NOW, status=SubscriberStatus.BLOCKED)

    assert value(metrics, GAUGE, platform="telegram") == 2, "read again at the next scrape"
    assert value(metrics, GAUGE, platform="discord") == 1


def test_a_database_that_does_not_answer_leaves_the_gauge_out(
    metrics: Metrics, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> Session:
        raise ConnectionError("database unreachable")

    metrics.watch(SubscriberGauge(broken, active_per_platform))
    metrics.updates.labels("telegram").inc()
    with caplog.at_level(logging.ERROR):
        assert value(metrics, "buildspeak_updates_total", platform="telegram") == 1
    assert label_values(metrics, GAUGE, "platform") == set()
    assert "counting active subscribers" in caplog.text
