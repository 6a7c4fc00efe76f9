"""Replies sent, blocked and failed, per platform (kind "reply"): counted where each message goes
out, by the platform-neutral `Resender` (Telegram's outboxes) and Discord's responder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.adapters.discord import DiscordConfig
from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.delivery.errors import DeliveryError, RecipientGone, TemporaryFailure
from bot.delivery.outbox import Outboxes, Stopped
from bot.delivery.resend import GaveUp, Resender, ResendPolicy
from bot.observability.metrics import Metrics, reply_counter
from bot.observability.requests import current_request_id, request_scope
from bot.runtime.discord import DiscordPlatform
from tests.adapters.discord_adapter.harness import point_discord_py_at, running_adapter, school
from tests.adapters.telegram_harness import USER, running_bot
from tests.fakes.discord_api import FakeDiscordServer
from tests.observability.scrape import value

MESSAGES = "buildspeak_messages_total"
NO_PATIENCE = ResendPolicy(give_up_after=0.0)


def as_is(error: Exception) -> DeliveryError | None:
    return error if isinstance(error, DeliveryError) else None


def sender(metrics: Metrics, outboxes: Outboxes | None = None) -> Resender:
    stopping = outboxes.stopping if outboxes is not None else None
    count = reply_counter(metrics, "telegram")
    return Resender(None, as_is, NO_PATIENCE, stopping=stopping, count=count)


def replies(metrics: Metrics, outcome: str, platform: str = "telegram") -> float:
    return value(metrics, MESSAGES, platform=platform, kind="reply", outcome=outcome)


async def failing(error: Exception) -> None:
    raise error


async def test_each_reply_message_is_counted_by_how_it_ended(metrics: Metrics) -> None:
    resender = sender(metrics)

    async def ok() -> str:
        return "sent"

    await resender.surely("1", ok)
    await resender.surely("1", ok)
    with pytest.raises(RecipientGone):
        await resender.surely("2", lambda: failing(RecipientGone("Forbidden: bot was blocked by the user")))
    with pytest.raises(GaveUp):
        await resender.surely("3", lambda: failing(TemporaryFailure("Bad Gateway")))
    with pytest.raises(DeliveryError):
        await resender.surely("4", lambda: failing(DeliveryError("Bad Request: can't parse entities")))

    assert (replies(metrics, "sent"), replies(metrics, "blocked"), replies(metrics, "failed")) == (2, 1, 2)


async def test_a_buttons_answer_and_a_stopped_send_are_not_counted(metrics: Metrics) -> None:
    outboxes = Outboxes()
    resender = sender(metrics, outboxes)

    async def ok() -> str:
        return "answered"

    await resender.surely("1", ok, paced=False)  # a callback answer: not a message
    outboxes.stopping.set()
    with pytest.raises(Stopped):
        await resender.surely("1", ok)

    assert replies(metrics, "sent") == replies(metrics, "failed") == 0


async def test_an_outbox_job_sends_under_the_request_id_of_the_update_that_posted_it(
    metrics: Metrics,
) -> None:
    outboxes = Outboxes()
    resender = sender(metrics, outboxes)
    seen: list[str] = []

    async def send() -> None:
        seen.append(current_request_id())
        await asyncio.sleep(0)

    def job() -> object:
        return resender.surely("1", send)

    with request_scope("tg-1"):
        outboxes.post("1", job)
    with request_scope("tg-2"):
        outboxes.post("1", job)
    await outboxes.drained()

    assert seen == ["tg-1", "tg-2"]
    assert replies(metrics, "sent") == 2


# --- Through the real platforms' clients and the local fakes ----------------------------------------


async def test_telegram_replies_are_counted_sent_and_blocked(services: Services, metrics: Metrics) -> None:
    async with running_bot(services) as bot:
        await bot.say("/help")
        sent = replies(metrics, "sent")
        assert sent >= 1
        bot.fake.block_chat(USER)
        await bot.say("/help")

    assert replies(metrics, "sent") == sent
    assert replies(metrics, "blocked") >= 1
    assert value(metrics, "buildspeak_updates_total", platform="telegram") == 2
    assert value(metrics, "buildspeak_handler_seconds_count", command="help") == 2


@pytest.fixture
async def discord_fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscordServer]:
    async with FakeDiscordServer(heartbeat_interval=0.5, interaction_deadline=10.0) as server:
        point_discord_py_at(server, monkeypatch)
        yield server


async def test_discord_replies_are_counted(
    services: Services, metrics: Metrics, discord_fake: FakeDiscordServer
) -> None:
    world = school(discord_fake)
    async with running_adapter(services) as running:
        running.adapter.count_reply = reply_counter(metrics, "discord")  # as DiscordPlatform does
        interaction = await discord_fake.slash_command(
            "help", user_id=world.student.id, channel_id=world.general.id
        )
        await discord_fake.wait_for_response(interaction)

    assert replies(metrics, "sent", platform="discord") >= 1
    assert value(metrics, "buildspeak_updates_total", platform="discord") == 1


def test_the_platforms_take_the_services_metrics(services: Services, metrics: Metrics) -> None:
    platform = DiscordPlatform(Conversation(services), DiscordConfig(token="test"))
    assert platform.adapter.count_reply is not None
    platform.adapter.count_reply("sent")
    assert replies(metrics, "sent", platform="discord") == 1
