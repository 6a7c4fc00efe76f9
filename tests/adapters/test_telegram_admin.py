"""Admin commands on Telegram, through real PTB and the fake Bot API: only the admins' own private
chats have them in the command menu, and anyone else's /admin is answered as an unknown command."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.adapters.telegram import TelegramConfig
from bot.core import texts
from bot.core.admin import Admins
from bot.core.commands import Scope, default_commands
from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.runtime.assembly import assemble
from bot.runtime.units import started
from bot.settings import RuntimeSettings
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.adapters.telegram_harness import TEST_PUSH, TEST_REPLIES, RunningBot, tricky_and_long_library
from tests.fakes.telegram_api import FakeTelegramServer


@pytest.fixture
def services(sessions: Callable[[], Session], tmp_path: Path, builder: DeckBuilder) -> Services:
    """A small library (a post pinned to 2026-11-22, the test clock's day) over the test database."""
    library, pins = tmp_path / "library", tmp_path / "pins.toml"
    tricky_and_long_library(library, pins)
    catalog = Catalog.open(CatalogConfig(library, pins, chat_support.CALENDAR_START))
    return chat_support.services(catalog, builder, sessions, tmp_path / "audio")


@asynccontextmanager
async def running_admin_bot(
    services: Services, admins: Admins, fake: FakeTelegramServer | None = None
) -> AsyncIterator[RunningBot]:
    """`running_bot` with these admins, as `buildspeak run` builds them from ADMIN_IDS; `fake`: a
    Bot API server the test keeps across a restart."""
    async with _serving(fake) as server:
        runtime = assemble(
            Conversation(services, default_commands(admins)),
            roles=("telegram", "push"),
            sessions=services.sessions,
            clock=services.clock,
            push=TEST_PUSH,
            runtime=RuntimeSettings(),
            telegram=TelegramConfig(token=server.token, api_base_url=server.url, poll_timeout=1),
            scheduled=False,
            replies=TEST_REPLIES,
        )
        assert runtime.telegram is not None
        async with started(runtime.units):
            yield RunningBot(server, runtime.telegram.application, services, runtime)


@asynccontextmanager
async def _serving(fake: FakeTelegramServer | None) -> AsyncIterator[FakeTelegramServer]:
    if fake is not None:
        yield fake
        return
    async with FakeTelegramServer() as server:
        yield server


def chat_scope(user_id: int) -> dict[str, object]:
    return {"type": "chat", "chat_id": user_id}


def names(commands: list[dict[str, str]]) -> list[str]:
    return [command["command"] for command in commands]


async def test_only_the_admins_private_chats_have_the_admin_menu(services: Services) -> None:
    admins = Admins.of(["telegram:4242", "777", "discord:555"])
    async with running_admin_bot(services, admins) as bot:
        common = bot.fake.commands()
        everyone = [command.name for command in default_commands() if command.scope is not Scope.MEMBER]
        assert names(common) == everyone and "admin" not in names(common)
        for admin in (4242, 777):
            menu = bot.fake.commands(chat_scope(admin))
            assert names(menu) == [*everyone, "admin"]
            assert menu[-1] == {"command": "admin", "description": "管理员命令"}
        assert bot.fake.commands(chat_scope(555)) == []  # a Discord id names no Telegram chat
        assert bot.fake.commands({"type": "all_private_chats"}) == []
        assert bot.fake.commands({"type": "all_group_chats"}) == []


async def test_an_admin_taken_off_the_list_gets_the_common_menu_back(services: Services) -> None:
    async with FakeTelegramServer() as fake:
        async with running_admin_bot(services, Admins.of(["telegram:4242", "telegram:777"]), fake):
            assert "admin" in names(fake.commands(chat_scope(777)))
        async with running_admin_bot(services, Admins.of(["telegram:4242"]), fake):
            assert fake.commands(chat_scope(777)) == []  # the default menu applies again
            assert "admin" in names(fake.commands(chat_scope(4242)))
        async with running_admin_bot(services, Admins(), fake):
            assert fake.commands(chat_scope(4242)) == []
        deletes = [call.params.get("scope") for call in fake.calls_to("deleteMyCommands")]
        assert deletes == [chat_scope(777), chat_scope(4242)]


async def test_someone_elses_admin_is_an_unknown_command_and_the_admins_works(services: Services) -> None:
    unknown = texts.UNKNOWN_COMMAND.format(name="admin")
    async with running_admin_bot(services, Admins.of(["telegram:4242"])) as bot:
        for number, text in enumerate(("/admin", "/admin stats", "/admin broadcast hi", "/admin reload")):
            replies = await bot.say(text, chat_id=5151)
            assert len(replies) == number + 1, "one reply each"
            assert replies[-1].text == unknown and replies[-1].buttons == []
        group = await bot.say("/admin stats", chat_id=-9000, user_id=4242, chat_type="group")
        assert [message.text for message in group] == [unknown]  # an admin, but not in private
        (usage,) = await bot.say("/admin")
        assert usage.text == texts.ADMIN_USAGE
        await bot.say("/admin stats")
        assert bot.fake.messages(4242)[-1].text.startswith("📊 BuildSpeak 数据 Stats")  # type: ignore[union-attr]
        head, card = (await bot.say("/admin preview 2026-11-22"))[-2:]
        assert head.text.startswith("👀 预览 Preview · 2026-11-22 · 第 22 课")  # type: ignore[union-attr]
        assert "下一句 ▶" in [button["text"] for button in card.buttons]
