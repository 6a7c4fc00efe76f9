"""Fixtures for the reader's pages: the web app with the reader over the bundled library and this
test's database, a fixed clock (2026-11-22 09:00 in Shanghai), a seeded quiz kit (the same
questions and intervals every run), and an aiohttp test client on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import Session

from bot.clock import FixedClock
from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.settings import WebSettings
from bot.web.app import build_app
from bot.web.health import Health
from bot.web.reader.deps import ReaderDeps
from lessons.catalog import Catalog
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.core.quiz_support import quiz_services
from tests.web.reader.reader_support import TEST_BOT_TOKEN, TEST_BOT_USERNAME

READER_URL = "http://127.0.0.1:8080"


@pytest.fixture
def services(
    catalog: Catalog, builder: DeckBuilder, sessions: Callable[[], Session], audio_dir: Path
) -> Services:
    return quiz_services(chat_support.services(catalog, builder, sessions, audio_dir))


@pytest.fixture
def clock(services: Services) -> FixedClock:
    assert isinstance(services.clock, FixedClock)
    return services.clock


@pytest.fixture
def conversation(services: Services) -> Conversation:
    return Conversation(services)


@pytest.fixture
def reader(conversation: Conversation) -> ReaderDeps:
    settings = WebSettings(public_url=READER_URL)
    return ReaderDeps(conversation, settings, telegram_token=TEST_BOT_TOKEN, bot_username=TEST_BOT_USERNAME)


@pytest.fixture
async def client(reader: ReaderDeps) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async with TestClient(TestServer(build_app(Health([]), reader=reader))) as test_client:
        yield test_client
