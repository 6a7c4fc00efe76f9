"""Fixtures for signing in: the web app with the reader over the bundled library and this test's
database (clock fixed at 2026-11-22 09:00 in Shanghai), the bot's core with the reader's address
(so /web makes real links), and a test client on a loopback port. The app also carries two probe
routes that do nothing but ask `auth` who is there, so each sign-in rule is tested on its own."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import DummyCookieJar, web
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
from tests.web.signin.signin_support import BOT_TOKEN, READER_URL, Probe, probe_routes


@pytest.fixture
def services(
    catalog: Catalog, builder: DeckBuilder, sessions: Callable[[], Session], audio_dir: Path
) -> Services:
    plain = chat_support.services(catalog, builder, sessions, audio_dir)
    return dataclasses.replace(plain, web_url=READER_URL, sign_in_minutes=15)


@pytest.fixture
def clock(services: Services) -> FixedClock:
    assert isinstance(services.clock, FixedClock)
    return services.clock


@pytest.fixture
def conversation(services: Services) -> Conversation:
    return Conversation(services)


@pytest.fixture
def web_settings() -> WebSettings:
    return WebSettings(public_url=READER_URL, session_days=30, sign_in_minutes=15, init_data_max_age=3600)


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
async def client(
    conversation: Conversation, web_settings: WebSettings, probe: Probe
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    reader = ReaderDeps(
        conversation, web_settings, telegram_token=BOT_TOKEN, bot_username="BuildSpeakTestBot"
    )
    app = build_app(Health([]), reader=reader)
    app.add_routes(probe_routes(probe))
    # No cookie jar: each request carries exactly the cookies its test gives it.
    async with TestClient(TestServer(app), cookie_jar=DummyCookieJar()) as test_client:
        yield test_client
