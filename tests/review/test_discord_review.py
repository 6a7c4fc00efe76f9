"""The review on Discord, through the real discord.py client and the local fake Discord: the digest
reaches the admin by DM with 通过 / 跳过 / 预览全文, and 通过 edits it in place and joins the library."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.adapters.discord import DiscordConfig
from bot.adapters.discord_push import DiscordPushSender
from bot.clock import FixedClock
from bot.core.admin import Admins
from bot.core.commands import default_commands
from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.runtime.discord import discord_pacer
from lessons.deck import DeckBuilder
from lessons.library import Library
from tests import chat_support
from tests.adapters.discord_adapter.harness import School, point_discord_py_at, running_adapter, school
from tests.fakes.discord_api import TOKEN, FakeDiscordServer, StoredMessage
from tests.review.review_support import GOOD, MORNING, Desk
from tests.review.test_review_digest import digest_of

APPROVE, SKIP, WHOLE = "✅ 通过", "⏭ 跳过", "📄 预览全文"


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscordServer]:
    async with FakeDiscordServer(heartbeat_interval=0.5, interaction_deadline=10.0) as server:
        point_discord_py_at(server, monkeypatch)
        yield server


@pytest.fixture
def world(fake: FakeDiscordServer) -> School:
    return school(fake)


@pytest.fixture
def desk(tmp_path: Path, builder: DeckBuilder) -> Desk:
    return Desk.made(tmp_path / "desk", builder)


@pytest.fixture
def services(desk: Desk, builder: DeckBuilder, sessions: Callable[[], Session], tmp_path: Path) -> Services:
    made = chat_support.services(desk.catalog(), builder, sessions, tmp_path / "audio")
    assert isinstance(made.clock, FixedClock)
    made.clock.moment = MORNING
    return made


def button(message: StoredMessage, label: str) -> str:
    return next(
        item["custom_id"]
        for row in message.components
        for item in row["components"]
        if item["label"] == label
    )


async def test_the_digest_reaches_a_discord_admin_by_dm_and_approving_works_there(
    desk: Desk, services: Services, fake: FakeDiscordServer, world: School
) -> None:
    desk.enqueue(GOOD)
    teacher = world.teacher.id
    admins = Admins.of([f"discord:{teacher}"])
    async with running_adapter(services, commands=default_commands(admins)) as running:
        references = Conversation(services).references
        sender = DiscordPushSender(
            running.client, references, running.adapter.buttons, discord_pacer(DiscordConfig(token=TOKEN))
        )
        digest = digest_of(desk, services, [])
        digest.senders, digest.admins = (sender,), admins
        assert (await digest.run_once()).reached == 1

        dm = fake.dm_channel(teacher).id
        head, good, warning = fake.messages(dm)
        assert "待审文章 Review" in head.content + str(head.embeds)
        assert [item["label"] for row in good.components for item in row["components"]] == [
            APPROVE,
            SKIP,
            WHOLE,
        ]
        assert "⚠️ 新课不足 14 天" in warning.content + str(warning.embeds)
        assert fake.messages(world.general.id) == []  # nothing in the server's channels

        pressed = await fake.wait_for_response(
            await fake.press_button(good, button(good, APPROVE), user_id=teacher)
        )
        assert pressed.response_type == 7  # the digest message edited in place
        assert good.components == [] and "✅ 已通过" in good.content + str(good.embeds)
    assert Library.load(desk.library_dir).posts[GOOD].translated
    assert desk.queue().posts() == []
