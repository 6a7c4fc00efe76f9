"""The `review-digest` unit as a push process builds it from the settings: its first tick runs at
start, translates with the configured model, auto-approves what passed, and tells the admins."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

from bot.clock import FixedClock
from bot.core.admin import Admins
from bot.core.commands import default_commands
from bot.core.conversation import Conversation
from bot.runtime.review_digest import review_digest
from bot.runtime.units import started
from bot.settings import CalendarSettings, LibrarySettings, LlmSettings, Settings, SourcesSettings
from lessons.deck import DeckBuilder
from lessons.library import Library
from tests import chat_support
from tests.fakes.openai_api import FakeOpenAIServer
from tests.review.review_support import GOOD, MORNING, ZONE, Desk, translator
from tests.review.test_review_digest import Recorder


async def test_the_unit_translates_approves_and_reports_at_its_first_tick(
    tmp_path: Path, builder: DeckBuilder, sessions: Callable[[], Session]
) -> None:
    desk = Desk.made(tmp_path, builder)
    desk.enqueue(GOOD, english_only=True)
    services = chat_support.services(desk.catalog(), builder, sessions, tmp_path / "audio")
    assert isinstance(services.clock, FixedClock)
    services.clock.moment = MORNING
    conversation = Conversation(services, default_commands(Admins.of(["telegram:4242"])))
    telegram = Recorder("telegram")
    async with FakeOpenAIServer() as fake:
        fake.answer = translator(GOOD)
        settings = Settings(
            library=LibrarySettings(path=desk.library_dir, pins=desk.pins),
            calendar=CalendarSettings(start=dt.date(2026, 11, 1), timezone=ZONE),
            sources=SourcesSettings(review=desk.review_dir, auto_approve=True),
            llm=LlmSettings(base_url=fake.base_url, model=fake.model, api_key=fake.api_key, retries=0),
        )
        unit = review_digest(settings)(conversation, [telegram], "worker-1")  # as `assemble` builds it
        async with started([unit]):
            for _ in range(200):  # the head, then the warning (the library has 2 days left)
                if len(telegram.sent.get("4242", [])) == 2:
                    break
                await asyncio.sleep(0.05)
        assert len(fake.requests) == 3  # GOOD's three paragraphs

    assert Library.load(desk.library_dir).posts[GOOD].translated
    head, warning = telegram.texts("4242")
    assert f"自动通过 1 篇（检查全部通过）：{GOOD}" in head and warning.startswith("⚠️ 新课不足 14 天")
    assert any(lesson.post.id == GOOD for lesson in services.shelf.catalog.lessons.values())
