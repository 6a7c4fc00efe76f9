"""Audio upload ids: stored once per platform and file; the first id wins, even in a race."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from bot.storage.audio_uploads import audio_file_id, remember_audio_file_id

NOW = dt.datetime(2026, 11, 2, 0, 5, tzinfo=dt.UTC)


def test_an_uploaded_file_id_comes_back_per_platform(sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        assert audio_file_id(session, platform="telegram", audio_key="abc123") is None
        remember_audio_file_id(session, platform="telegram", audio_key="abc123", file_id="CQAC-1", now=NOW)
    with sessions() as session:
        assert audio_file_id(session, platform="telegram", audio_key="abc123") == "CQAC-1"
        assert audio_file_id(session, platform="discord", audio_key="abc123") is None


def test_the_first_file_id_wins(sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        remember_audio_file_id(session, platform="telegram", audio_key="abc123", file_id="first", now=NOW)
    with sessions() as session:
        remember_audio_file_id(session, platform="telegram", audio_key="abc123", file_id="second", now=NOW)
        assert audio_file_id(session, platform="telegram", audio_key="abc123") == "first"


class RacingSession(Session):
    """A session whose look-up misses, as when another worker inserts between the look and the write."""

    def get(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_a_concurrent_duplicate_does_not_raise(engine: Engine, sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        remember_audio_file_id(session, platform="telegram", audio_key="abc123", file_id="first", now=NOW)
    with RacingSession(engine, expire_on_commit=False) as racing:
        remember_audio_file_id(racing, platform="telegram", audio_key="abc123", file_id="second", now=NOW)
    with sessions() as session:
        assert audio_file_id(session, platform="telegram", audio_key="abc123") == "first"
