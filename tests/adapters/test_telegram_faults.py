"""Replies under faults and a burst, through the real PTB stack against the fake Bot API.

A 429 or a passing 5xx costs a reply nothing but time; a failure that does not pass ends in the
apology, logged with its cause. An update is stored before Telegram is told it arrived: one
Telegram sends again is handled once, and one a stopped worker left is answered by the next start.
A burst's first replies come at the pacer's rate, none held behind another chat's second message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.core import texts
from bot.core.turn import Services
from bot.delivery.pacing import Pacer, RateLimits
from bot.storage import inbox
from bot.storage.inbox import Received
from bot.storage.tables import InboxUpdate
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.adapters.telegram_harness import MORNING, USER, running_bot, tricky_and_long_library
from tests.fakes.telegram_api import FakeTelegramServer
from tests.virtual_time import VirtualTime

Sessions = Callable[[], Session]
NOW = MORNING


@pytest.fixture
def services(sessions: Sessions, tmp_path: Path, builder: DeckBuilder) -> Services:
    library, pins = tmp_path / "library", tmp_path / "pins.toml"
    tricky_and_long_library(library, pins)
    catalog = Catalog.open(CatalogConfig(library, pins, chat_support.CALENDAR_START))
    return chat_support.services(catalog, builder, sessions, tmp_path / "audio")


def texts_in(fake: FakeTelegramServer, chat: int = USER) -> list[str]:
    return [message.text or "" for message in fake.messages(chat)]


def outcomes(fake: FakeTelegramServer, method: str) -> list[int]:
    return [call.status for call in fake.calls_to(method)]


# --- A reply is never lost to a passing failure ---------------------------------------------------


async def test_a_reply_answered_with_429_is_sent_after_retry_after_and_no_apology(services: Services) -> None:
    async with running_bot(services) as bot:
        bot.fake.fail_next("sendMessage", 429, retry_after=1)
        await bot.say("/help")
        refused, accepted = bot.fake.calls_to("sendMessage")
        assert (refused.status, accepted.status) == (429, 200)
        assert accepted.at - refused.at >= 0.99, "sent again once retry_after was waited out"
        (sent,) = texts_in(bot.fake)
    assert "BuildSpeak 每日 builder 文摘" in sent, "the help itself, not the apology"


async def test_a_5xx_twice_then_success_delivers_the_reply(services: Services) -> None:
    async with running_bot(services) as bot:
        bot.fake.fail_next("sendMessage", 502, count=2)
        await bot.say("/help")
        assert outcomes(bot.fake, "sendMessage") == [502, 502, 200]
        (sent,) = texts_in(bot.fake)
    assert "BuildSpeak 每日 builder 文摘" in sent


async def test_a_failure_that_does_not_pass_ends_in_the_apology_logged_with_its_cause(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """The harness allows a reply one second of 5xx; 🔊's upload keeps failing past it."""
    async with running_bot(services) as bot:
        card = (await bot.say("/today"))[-1]
        bot.fake.fail_next("sendAudio", 500, "Internal Server Error", count=10_000)
        with caplog.at_level(logging.INFO):
            data = next(b["callback_data"] for b in card.buttons if b["text"] == "🔊")
            update = bot.fake.press_button(card.message_id, USER, data)
            await bot.handled(update["update_id"])
        tries = outcomes(bot.fake, "sendAudio")
        assert len(tries) > 2 and set(tries) == {500}, "retried with backoff, not once"
        assert texts_in(bot.fake)[-1] == texts.APOLOGY
        assert len(bot.fake.callback_answers) == 1, "the button still stopped spinning"
    failure = next(r for r in caplog.records if "no answer could be sent" in r.getMessage())
    assert f"update {update['update_id']}" in failure.getMessage()
    assert "gave up after" in failure.getMessage() and "NetworkError" in failure.getMessage()


async def test_429s_on_an_edit_and_on_a_buttons_answer_are_waited_out(services: Services) -> None:
    async with running_bot(services) as bot:
        card = (await bot.say("/today"))[-1]
        bot.fake.fail_next("editMessageText", 429, retry_after=1)
        bot.fake.fail_next("answerCallbackQuery", 502)
        await bot.press(card, "下一句 ▶")
        assert outcomes(bot.fake, "editMessageText") == [429, 200]
        assert outcomes(bot.fake, "answerCallbackQuery") == [502, 200]
        assert "【2/3】" in bot.fake.message(USER, card.message_id).text
        assert texts.APOLOGY not in texts_in(bot.fake)


async def test_a_button_on_a_message_telegram_no_longer_shows_sends_the_card_anew(services: Services) -> None:
    """PTB 22.8 hands such a message (date 0) over as a `Message`; its date says it is inaccessible."""
    async with running_bot(services) as bot:
        card = (await bot.say("/today"))[-1]
        data = next(b["callback_data"] for b in card.buttons if b["text"] == "下一句 ▶")
        update = bot.fake.press_button(card.message_id, USER, data)
        chat = update["callback_query"]["message"]["chat"]
        # As Telegram sends it: only the chat, the id and date 0 (changed before the bot polls it).
        update["callback_query"]["message"] = {"message_id": card.message_id, "date": 0, "chat": chat}
        await bot.handled(update["update_id"])
        assert bot.fake.calls_to("editMessageText") == [], "no edit Telegram would refuse"
        latest = bot.fake.messages(USER)[-1]
    assert latest.message_id != card.message_id and "【2/3】" in latest.text


# --- No update lost, none handled twice ----------------------------------------------------------


async def test_an_update_telegram_sends_again_is_handled_once(services: Services) -> None:
    async with running_bot(services) as bot:
        first = bot.fake.send_text(USER, "/help")
        await bot.handled(first["update_id"])
        bot.fake.push_update(dict(first))  # redelivered, same update_id (a webhook's retry, a lost offset)
        later = bot.fake.send_text(USER, "/status")
        await bot.handled(later["update_id"])
        sent = texts_in(bot.fake)
    assert len(sent) == 2 and "BuildSpeak 每日 builder 文摘" in sent[0]


async def test_what_a_stopped_worker_left_unanswered_is_answered_once_at_start(
    services: Services, sessions: Sessions
) -> None:
    """Stored, not answered, and (the worker was killed) not confirmed: Telegram sends it again too."""
    async with FakeTelegramServer() as fake:
        update = fake.send_text(USER, "/help")
        payload = Received(update["update_id"], json.dumps(update))
        with sessions() as session:
            inbox.receive(session, [payload], platform="telegram", worker_id="killed", now=NOW)
        async with running_bot(services, fake=fake) as bot:
            await bot.handled(update["update_id"])
            assert bot.runtime.inbox is not None
            await bot.runtime.inbox.flush()
            sent = texts_in(fake)
    assert len(sent) == 1 and "BuildSpeak 每日 builder 文摘" in sent[0]
    with sessions() as session:
        (row,) = session.exec(select(InboxUpdate)).all()
    assert (row.state, row.attempts, row.payload) == ("done", 2, None)


async def test_an_update_that_keeps_killing_its_handler_is_given_up(
    services: Services, sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeTelegramServer() as fake:
        update = {
            "update_id": 99,
            "message": {"message_id": 1, "date": 0, "chat": {"id": USER, "type": "private"}},
        }
        with sessions() as session:
            inbox.receive(
                session, [Received(99, json.dumps(update))], platform="telegram", worker_id="w", now=NOW
            )
            session.exec(select(InboxUpdate)).one().attempts = 3
            session.commit()
        with caplog.at_level(logging.ERROR):
            async with running_bot(services, fake=fake):
                pass
    assert "given up" in caplog.text
    with sessions() as session:
        assert session.exec(select(InboxUpdate)).one().state == "abandoned"


# --- A burst: every first reply within the pacer's floor ----------------------------------------


async def test_a_burst_of_200_gets_every_first_reply_within_the_rates_floor(services: Services) -> None:
    """On a virtual clock the pacer's releases are exact: the k-th send goes at k / rate. With one
    message per /today and the waits in the outboxes, every chat's first reply is among the first
    200 released, so within 200 / 30 s (the floor) × 1.2."""
    clock = VirtualTime()
    limits = RateLimits(per_second=30, per_chat_per_second=1, headroom=0.03)
    pacer = Pacer(limits, monotonic=clock.monotonic, sleep=clock.sleep)
    first_release: dict[str, float] = {}
    wait_turn = pacer.wait_turn

    async def noted(chat: str, *, group: bool = False, announce: bool = True) -> None:
        await wait_turn(chat, group=group, announce=announce)
        first_release.setdefault(chat, clock.now)

    pacer.wait_turn = noted  # type: ignore[method-assign]
    chats = [70_000 + n for n in range(200)]
    async with running_bot(services, pacer=pacer) as bot:
        began = clock.now
        updates = [bot.fake.send_text(chat, "/today") for chat in chats]
        await bot.handled(updates[-1]["update_id"])
        counts = bot.fake.message_counts()
    assert all(counts.get(chat) == 1 for chat in chats), "one message each: the card, the hint in it"
    floor = len(chats) / limits.per_second
    latest = max(first_release[str(chat)] - began for chat in chats)
    assert latest <= 1.2 * floor, f"the last first reply at {latest:.2f} s of pacer time, floor {floor:.2f} s"
