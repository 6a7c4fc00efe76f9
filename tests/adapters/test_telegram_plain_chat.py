"""Questions typed in a Telegram chat without replying: python-telegram-bot polling the fake Bot API.

Today's lesson is the HTML-hostile post (tests/adapters/telegram_harness.py), three cards in one
paragraph: the answers must carry its characters as written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.core.turn import Services
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.adapters.telegram_harness import USER, running_bot, tricky_and_long_library
from tests.fakes.telegram_api import FakeTelegramServer, SentMessage

Sessions = Callable[[], Session]
FIRST = "Write <b>tags</b> & *stars* in snake_case_names without fear."
SECOND = "The check is x < y && y > z, nothing more."
THIRD = "Ship it when the tests pass, and not a minute before that happens."
GROUP = -100888
HINT = (
    "想问英文？直接发单词或短语，例如 token、forward pass；或者用中文提问，例如「这句话什么意思？」，"
    "我会结合你最近看的那张卡片讲解。发送 /today 开始今天的课，/help 查看全部命令。"
)


def services_on(sessions: Sessions, tmp_path: Path, builder: DeckBuilder) -> Services:
    """Services as the bot starts them, on the given database: called twice, a restart."""
    library, pins = tmp_path / "library", tmp_path / "pins.toml"
    if not library.exists():
        tricky_and_long_library(library, pins)
    catalog = Catalog.open(CatalogConfig(library, pins, chat_support.CALENDAR_START))
    return chat_support.services(catalog, builder, sessions, tmp_path / "audio")


@pytest.fixture
def services(sessions: Sessions, tmp_path: Path, builder: DeckBuilder) -> Services:
    return services_on(sessions, tmp_path, builder)


def about(message: SentMessage) -> str:
    assert message.text is not None
    return next(line for line in message.text.splitlines() if line.startswith("原句：")).removeprefix(
        "原句："
    )


async def test_a_question_typed_without_replying_is_about_the_card_last_looked_at(services: Services) -> None:
    async with running_bot(services) as bot:
        card = (await bot.say("/today"))[-1]
        await bot.press(card, "下一句 ▶")
        question = (await bot.say("这句话什么意思？"))[-1]
        word = (await bot.say("fear"))[-1]
        greeting = (await bot.say("你好"))[-1]
    assert question.text is not None and question.text.startswith("📚 离线讲解（未配置 AI）")
    assert about(question) == SECOND, "the card now on screen, after ▶"
    assert question.source is not None and "x &lt; y &amp;&amp; y &gt; z" in question.source
    assert [button["text"] for button in question.buttons] == ["🔊 听原句"]
    assert about(word) == FIRST, "a word not on the last card: the lesson's card that has it"
    assert word.text is not None and "fear /" in word.text
    assert greeting.text == "你好 👋 " + HINT and greeting.buttons == []


async def test_the_last_card_survives_a_restart(
    sessions: Sessions, tmp_path: Path, builder: DeckBuilder
) -> None:
    async with FakeTelegramServer() as fake:
        async with running_bot(services_on(sessions, tmp_path, builder), fake=fake) as bot:
            card = (await bot.say("/today"))[-1]
            await bot.press(card, "下一句 ▶")
            await bot.press(bot.fake.messages(USER)[-1], "下一句 ▶")
        async with running_bot(services_on(sessions, tmp_path, builder), fake=fake) as bot:
            answer = (await bot.say("这句话的语法"))[-1]
    assert about(answer) == THIRD


async def test_in_a_group_text_that_is_no_reply_gets_no_answer(services: Services) -> None:
    in_group = {"chat_id": GROUP, "user_id": USER, "chat_type": "group"}
    async with running_bot(services) as bot:
        card = (await bot.say("/today"))[-1]
        await bot.press(card, "下一句 ▶")
        post = (await bot.say("/today", **in_group))[-1]
        for typed in ("这句话什么意思？", "fear", "你好", "👍"):
            await bot.say(typed, **in_group)
        assert bot.fake.messages(GROUP)[-1].message_id == post.message_id, "nothing said in the group"
        answer = (await bot.say("tags 什么意思？", reply_to_message_id=post.message_id, **in_group))[-1]
    assert about(answer) == FIRST, "a reply to the post is answered as before"
