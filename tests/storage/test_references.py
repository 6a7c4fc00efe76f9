"""Platform references: stored once per platform, kind and key; the first value wins, even in a race."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from bot.clock import FixedClock
from bot.core.references import AUDIO_FILE, POLL, References
from bot.storage.references import recall, remember, replace

NOW = dt.datetime(2026, 11, 2, 0, 5, tzinfo=dt.UTC)


def test_a_value_comes_back_per_platform_and_kind(sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        assert recall(session, platform="telegram", kind=AUDIO_FILE, key="abc123") is None
        remember(session, platform="telegram", kind=AUDIO_FILE, key="abc123", value="CQAC-1", now=NOW)
    with sessions() as session:
        assert recall(session, platform="telegram", kind=AUDIO_FILE, key="abc123") == "CQAC-1"
        assert recall(session, platform="discord", kind=AUDIO_FILE, key="abc123") is None
        assert recall(session, platform="telegram", kind=POLL, key="abc123") is None


def test_the_first_value_wins(sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        remember(session, platform="telegram", kind=AUDIO_FILE, key="abc123", value="first", now=NOW)
    with sessions() as session:
        remember(session, platform="telegram", kind=AUDIO_FILE, key="abc123", value="second", now=NOW)
        assert recall(session, platform="telegram", kind=AUDIO_FILE, key="abc123") == "first"


class RacingSession(Session):
    """A session whose look-up misses, as when another worker inserts between the look and the write."""

    def get(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_a_concurrent_duplicate_does_not_raise(engine: Engine, sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        remember(session, platform="telegram", kind=AUDIO_FILE, key="abc123", value="first", now=NOW)
    with RacingSession(engine, expire_on_commit=False) as racing:
        remember(racing, platform="telegram", kind=AUDIO_FILE, key="abc123", value="second", now=NOW)
    with sessions() as session:
        assert recall(session, platform="telegram", kind=AUDIO_FILE, key="abc123") == "first"


async def test_the_cores_store_reads_and_writes_off_the_event_loop(sessions: Callable[[], Session]) -> None:
    store = References(sessions, FixedClock(NOW))
    assert await store.recall("telegram", AUDIO_FILE, "k") is None
    await store.remember("telegram", AUDIO_FILE, "k", "file-1")
    assert await store.recall("telegram", AUDIO_FILE, "k") == "file-1"


def test_a_replaced_value_is_the_latest_choice(sessions: Callable[[], Session]) -> None:
    """A server's channel is chosen again by its admin: the last choice counts, unlike a file id."""
    with sessions() as session:
        replace(session, platform="discord", kind="channel", key="guild-1", value="111", now=NOW)
        replace(session, platform="discord", kind="channel", key="guild-1", value="222", now=NOW)
        replace(session, platform="discord", kind="channel", key="guild-2", value="333", now=NOW)
    with sessions() as session:
        assert recall(session, platform="discord", kind="channel", key="guild-1") == "222"
        assert recall(session, platform="discord", kind="channel", key="guild-2") == "333"
