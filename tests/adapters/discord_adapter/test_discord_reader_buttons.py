"""The reader's 🌐 阅读页 on Discord, which has no Mini Apps: a link button (style 5) to the page,
through the real discord.py client and the local fake Discord."""

from __future__ import annotations

import dataclasses

import discord
import pytest

from bot.adapters.discord import CoreButton, view_of
from bot.clock import local_date
from bot.core.messages import Button, keyboard
from bot.core.turn import Services
from tests.adapters.discord_adapter.harness import School, running_adapter
from tests.fakes.discord_api import FakeDiscordServer, StoredMessage

READER = "https://read.example.com"
LINK_STYLE = 5


@pytest.fixture
def reader_services(services: Services) -> Services:
    return dataclasses.replace(services, web_url=READER)


def reader_button(message: StoredMessage) -> dict[str, object]:
    found = [
        component
        for row in message.components
        for component in row.get("components", [])
        if component.get("label") == "🌐 阅读页"
    ]
    assert len(found) == 1, message.components
    return found[0]


async def test_todays_card_links_to_the_day_on_the_reader(
    reader_services: Services, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(reader_services):
        today = await fake.wait_for_response(
            await fake.slash_command("today", user_id=world.student.id, channel_id=world.general.id)
        )
    assert today.message is not None
    button = reader_button(today.message)
    assert button["style"] == LINK_STYLE and "custom_id" not in button
    day = reader_services.shelf.day(local_date(reader_services.clock, reader_services.defaults.timezone))
    assert day is not None and button["url"] == f"{READER}/day/{day.number}"


async def test_the_vocabulary_book_links_to_the_book_in_a_browser(
    reader_services: Services, fake: FakeDiscordServer, world: School
) -> None:
    """The Mini App's entry means nothing outside Telegram: the button's browser address is used."""
    async with running_adapter(reader_services):
        words = await fake.wait_for_response(
            await fake.slash_command("words", user_id=world.student.id, channel_id=world.general.id)
        )
    assert words.message is not None
    button = reader_button(words.message)
    assert (button["style"], button["url"]) == (LINK_STYLE, f"{READER}/words")


def test_a_web_app_alone_is_a_link_to_it() -> None:
    view = view_of(keyboard([Button("🌐 阅读页", web_app=f"{READER}/day/3")]), CoreButton)
    assert view is not None
    (item,) = view.children
    assert isinstance(item, discord.ui.Button)
    assert (item.style, item.url) == (discord.ButtonStyle.link, f"{READER}/day/3")
