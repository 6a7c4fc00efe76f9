"""Fixtures for conversation-core tests: a FakeChat over the bundled library and a test database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.core.conversation import Conversation
from bot.core.turn import Services
from lessons.catalog import Catalog
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.core.fake_platform import FakeChat


@pytest.fixture
def services(
    catalog: Catalog, builder: DeckBuilder, sessions: Callable[[], Session], audio_dir: Path
) -> Services:
    return chat_support.services(catalog, builder, sessions, audio_dir)


@pytest.fixture
def conversation(services: Services) -> Conversation:
    return Conversation(services)


@pytest.fixture
def chat(conversation: Conversation) -> FakeChat:
    return FakeChat(conversation)
