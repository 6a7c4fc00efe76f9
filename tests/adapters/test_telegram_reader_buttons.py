"""The reader's buttons on Telegram, through python-telegram-bot and the fake Bot API: 🌐 阅读页 opens
the Mini App in a private chat and is a plain link in a group (Telegram refuses Web App buttons
there, and on http://); /web's sign-in link is a plain link, in a private chat only."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, select
from telegram import InlineKeyboardButton, WebAppInfo

from bot.adapters.telegram import _core_button
from bot.clock import local_date
from bot.core.messages import Button
from bot.core.turn import Services
from bot.storage.tables import SignInToken
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.adapters.telegram_harness import USER, RunningBot, running_bot, tricky_and_long_library
from tests.fakes.telegram_api import SentMessage

GROUP = -100778
READER = "https://read.example.com"
Sessions = Callable[[], Session]


def _services(sessions: Sessions, tmp_path: Path, builder: DeckBuilder, web_url: str) -> Services:
    library, pins = tmp_path / "library", tmp_path / "pins.toml"
    tricky_and_long_library(library, pins)
    catalog = Catalog.open(CatalogConfig(library, pins, chat_support.CALENDAR_START))
    plain = chat_support.services(catalog, builder, sessions, tmp_path / "audio")
    return dataclasses.replace(plain, web_url=web_url)


@pytest.fixture
def services(sessions: Sessions, tmp_path: Path, builder: DeckBuilder) -> Services:
    return _services(sessions, tmp_path, builder, READER)


async def joined(bot: RunningBot) -> None:
    """The bot added to the group, and its welcome there sent: the group is subscribed."""
    bot.fake.add_bot_to_group(GROUP, "Builders", by_user_id=7)
    await bot.fake.wait_for(
        lambda call: call.method == "sendMessage" and str(call.params.get("chat_id")) == str(GROUP)
    )


def reader_button(message: SentMessage) -> dict[str, object]:
    (button,) = [b for b in message.buttons if b["text"] == "🌐 阅读页"]
    return button


def day_number(services: Services) -> int:
    day = services.shelf.day(local_date(services.clock, services.defaults.timezone))
    assert day is not None
    return day.number


async def test_a_private_chat_opens_the_day_as_a_mini_app_even_after_an_edit(services: Services) -> None:
    day_page = f"{READER}/day/{day_number(services)}"
    async with running_bot(services) as bot:
        card = (await bot.say("/today"))[-1]
        assert reader_button(card) == {"text": "🌐 阅读页", "web_app": {"url": day_page}}
        await bot.press(card, "下一句 ▶")
        edited = bot.fake.message(USER, card.message_id)
    assert edited.edits == 1 and "【2/3】" in edited.text
    assert reader_button(edited) == {"text": "🌐 阅读页", "web_app": {"url": day_page}}


async def test_a_group_gets_a_plain_link_to_the_day(services: Services) -> None:
    day_page = f"{READER}/day/{day_number(services)}"
    async with running_bot(services) as bot:
        bot.fake.add_bot_to_group(GROUP, "Builders", by_user_id=7)
        post = (await bot.say("/today", chat_id=GROUP, user_id=8, chat_type="group"))[-1]
    assert reader_button(post) == {"text": "🌐 阅读页", "url": day_page}


async def test_the_daily_push_renders_the_button_per_kind_of_chat(services: Services) -> None:
    """The push renders one reply once for everyone: a group's copy must not reuse a private chat's
    Mini App button (Telegram would refuse it), nor the other way round."""
    async with running_bot(services) as bot:
        await bot.say("/start")
        await joined(bot)  # the group subscribes itself
        report = await bot.pusher.run_once()
        private = bot.fake.messages(USER)[-1]
        group = bot.fake.messages(GROUP)[-1]
    assert report.sent == 2, "09:00 in Shanghai: both are due for the 08:00 lesson"
    assert "web_app" in reader_button(private)
    assert "url" in reader_button(group) and "web_app" not in reader_button(group)


async def test_the_vocabulary_book_opens_the_mini_app(services: Services) -> None:
    async with running_bot(services) as bot:
        page = (await bot.say("/words"))[-1]
    assert reader_button(page) == {"text": "🌐 阅读页", "web_app": {"url": f"{READER}/app"}}


async def test_an_http_reader_is_a_plain_link_even_in_a_private_chat(
    sessions: Sessions, tmp_path: Path, builder: DeckBuilder
) -> None:
    services = _services(sessions, tmp_path, builder, "http://reader.example.com")
    async with running_bot(services) as bot:
        card = (await bot.say("/today"))[-1]
    assert reader_button(card) == {
        "text": "🌐 阅读页",
        "url": f"http://reader.example.com/day/{day_number(services)}",
    }


async def test_no_reader_no_button(sessions: Sessions, tmp_path: Path, builder: DeckBuilder) -> None:
    services = _services(sessions, tmp_path, builder, "")
    async with running_bot(services) as bot:
        card = (await bot.say("/today"))[-1]
        (reply,) = (await bot.say("/web"))[-1:]
    assert "🌐 阅读页" not in [b["text"] for b in card.buttons]
    assert "还没有开通网页阅读页" in reply.text and reply.buttons == []


async def test_web_sends_a_sign_in_link_privately_and_none_in_a_group(
    services: Services, sessions: Sessions
) -> None:
    async with running_bot(services) as bot:
        link = (await bot.say("/web"))[-1]
        await joined(bot)
        refused = (await bot.say("/web", chat_id=GROUP, user_id=8, chat_type="group"))[-1]
    (button,) = link.buttons
    assert str(button["url"]).startswith(f"{READER}/signin?token=") and "web_app" not in button
    assert "15 分钟内有效" in link.text and "只能用一次" in link.text
    assert "私聊" in refused.text and refused.buttons == [] and "signin" not in refused.text
    with sessions() as session:
        assert len(session.exec(select(SignInToken)).all()) == 1, "only the private chat's link was made"


def test_a_mini_app_button_reads_back_as_the_core_made_it() -> None:
    """A reply to a message quotes its buttons: a Web App button is the core's web_app again."""
    telegram_button = InlineKeyboardButton("🌐 阅读页", web_app=WebAppInfo(f"{READER}/app"))
    assert _core_button(telegram_button, "BuildSpeakBot") == Button("🌐 阅读页", web_app=f"{READER}/app")
