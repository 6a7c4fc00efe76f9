"""Push tests run over the bundled library (a lesson for every date) and a clock they move."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.turn import Services
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.delivery.push_support import Sessions


@pytest.fixture
def services(sessions: Sessions, tmp_path: Path, builder: DeckBuilder) -> Services:
    catalog = chat_support.bundled_catalog(tmp_path)
    return chat_support.services(catalog, builder, sessions, tmp_path / "audio")
