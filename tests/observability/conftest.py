"""Fixtures for the metrics and log tests: services over the bundled library that count into a
fresh `Metrics`, and a reader of what `/metrics` would show."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.observability.metrics import Metrics
from lessons.catalog import Catalog
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.core.fake_platform import FakeChat


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def services(
    catalog: Catalog, builder: DeckBuilder, sessions: Callable[[], Session], audio_dir: Path, metrics: Metrics
) -> Services:
    plain = chat_support.services(catalog, builder, sessions, audio_dir)
    return dataclasses.replace(plain, metrics=metrics)


@pytest.fixture
def chat(services: Services) -> FakeChat:
    return FakeChat(Conversation(services))
