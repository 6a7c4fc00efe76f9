"""What every Discord end-to-end test stands on: the bundled library's services, the fake Discord
that discord.py is pointed at, and a server with a teacher, a student and two channels."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.core.turn import Services
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.adapters.discord_adapter.harness import School, point_discord_py_at, school
from tests.fakes.discord_api import FakeDiscordServer


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by a module's tests: the offline voice speaks each sentence once."""
    return tmp_path_factory.mktemp("audio")


@pytest.fixture
def services(
    sessions: Callable[[], Session], tmp_path: Path, builder: DeckBuilder, audio_dir: Path
) -> Services:
    catalog = chat_support.bundled_catalog(tmp_path)
    return chat_support.services(catalog, builder, sessions, audio_dir)


@pytest.fixture
def interaction_deadline() -> float:
    """The fake's window for an interaction's first answer: generous (the machine is slow); a test
    of deferral narrows it."""
    return 10.0


@pytest.fixture
async def fake(
    monkeypatch: pytest.MonkeyPatch, interaction_deadline: float
) -> AsyncIterator[FakeDiscordServer]:
    async with FakeDiscordServer(heartbeat_interval=0.5, interaction_deadline=interaction_deadline) as server:
        point_discord_py_at(server, monkeypatch)
        yield server


@pytest.fixture
def world(fake: FakeDiscordServer) -> School:
    return school(fake)
