"""The conversation core counts every update per platform and times its handling per command,
labelled by a small fixed set: never by what someone typed."""

from __future__ import annotations

import dataclasses

from bot.core import texts
from bot.core.conversation import Conversation, request_id
from bot.core.messages import Incoming, Reply
from bot.core.turn import Services, Turn
from bot.observability.metrics import Metrics
from tests.core.fake_platform import FakeChat, with_handler
from tests.observability.scrape import label_values, value

MARKER = "zqxwvmarker"


async def test_each_update_is_counted_for_its_platform(chat: FakeChat, metrics: Metrics) -> None:
    await chat.say("/help")
    await chat.say("/today")
    other = dataclasses.replace(chat, platform="elsewhere", shown=[])
    await other.say("/help")

    assert value(metrics, "buildspeak_updates_total", platform="fake") == 2
    assert value(metrics, "buildspeak_updates_total", platform="elsewhere") == 1


async def test_handling_is_timed_per_command_and_a_few_fixed_words(chat: FakeChat, metrics: Metrics) -> None:
    await chat.say("/help")
    await chat.say("/help")
    await chat.say("/today")
    await chat.press("下一句 ▶")
    await chat.say(f"/save {MARKER}")
    await chat.say(f"what does {MARKER} mean?")
    await chat.say(f"/{MARKER} please")

    name = "buildspeak_handler_seconds_count"
    assert value(metrics, name, command="help") == 2
    assert label_values(metrics, name, "command") == {
        "help",
        "today",
        "button",
        "save",
        "text",
        "unknown_command",
    }
    assert value(metrics, "buildspeak_handler_seconds_sum", command="today") > 0
    assert value(metrics, "buildspeak_handler_seconds_bucket", command="help", le="+Inf") == 2


async def test_a_failing_handler_is_timed_too(services: Services, metrics: Metrics) -> None:
    async def broken(turn: Turn) -> list[Reply]:
        raise RuntimeError("a bug")

    conversation = Conversation(services)
    chat = FakeChat(Conversation(services, with_handler(conversation.commands, "help", broken)))
    await chat.say("/help")

    assert chat.text == texts.APOLOGY
    assert value(metrics, "buildspeak_handler_seconds_count", command="help") == 1


async def test_without_metrics_nothing_is_counted(services: Services, metrics: Metrics) -> None:
    chat = FakeChat(Conversation(dataclasses.replace(services, metrics=None)))
    await chat.say("/help")
    assert value(metrics, "buildspeak_updates_total", platform="fake") == 0


def test_a_request_id_names_the_platforms_update() -> None:
    telegram = Incoming(platform="telegram", chat_id="1", user_id="1", ref="update 42")
    discord = Incoming(platform="discord", chat_id="1", user_id="1", ref="interaction 1234567")
    console = Incoming(platform="console", chat_id="1", user_id="1")

    assert request_id(telegram) == "tg-42"
    assert request_id(discord) == "dc-1234567"
    assert request_id(console).startswith("console-") and request_id(console) != request_id(console)
