"""The pacer on a virtual clock: sends per second overall and per chat, and a 429's pause."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.delivery.pacing import Pacer, RateLimits
from bot.delivery.retry import RetryPolicy
from tests.delivery.push_support import busiest_second


class VirtualTime:
    """monotonic() and sleep() for the pacer: sleeping moves time, nothing waits for real."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


async def send_all(pacer: Pacer, chats: list[str], clock: VirtualTime) -> list[float]:
    sent: list[float] = []
    for chat in chats:  # one sender after another, as fast as the pacer lets it
        await pacer.wait_turn(chat)
        sent.append(clock.now)
    return sent


async def test_no_second_holds_more_than_the_limit_less_headroom() -> None:
    clock = VirtualTime()
    limits = RateLimits(per_second=30, headroom=0.03)
    pacer = Pacer(limits, monotonic=clock.monotonic, sleep=clock.sleep)
    sent = await send_all(pacer, [str(n) for n in range(600)], clock)
    assert busiest_second(sent) <= 30
    achieved = (len(sent) - 1) / (sent[-1] - sent[0])
    assert achieved == pytest.approx(30 * 0.97, rel=0.01)


async def test_one_chat_gets_at_most_one_message_a_second_and_a_group_twenty_a_minute() -> None:
    clock = VirtualTime()
    pacer = Pacer(RateLimits(per_second=1000), monotonic=clock.monotonic, sleep=clock.sleep)
    private = await send_all(pacer, ["42"] * 5, clock)
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(private))
    group: list[float] = []
    for _ in range(4):
        await pacer.wait_turn("-100", group=True)
        group.append(clock.now)
    assert all(later - earlier >= 3.0 for earlier, later in itertools.pairwise(group))


async def test_a_pause_holds_every_send_for_retry_after() -> None:
    clock = VirtualTime()
    pacer = Pacer(RateLimits(per_second=100), monotonic=clock.monotonic, sleep=clock.sleep)
    await pacer.wait_turn("1")
    paused_at = clock.now
    pacer.pause(7)
    await pacer.wait_turn("2")
    assert clock.now >= paused_at + 7


class LateTime(VirtualTime):
    """A busy event loop: every sleep wakes `lateness` seconds after it was due."""

    def __init__(self, lateness: float) -> None:
        super().__init__()
        self.lateness = lateness

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds + self.lateness)


async def test_concurrent_senders_on_a_busy_loop_still_get_the_whole_rate() -> None:
    clock = LateTime(lateness=0.003)
    pacer = Pacer(RateLimits(per_second=1000), monotonic=clock.monotonic, sleep=clock.sleep)
    sent: list[float] = []

    async def sender(chat: str) -> None:
        await pacer.wait_turn(chat)
        sent.append(clock.now)

    await asyncio.gather(*(sender(str(n)) for n in range(3000)))
    assert busiest_second(sent) <= 1000
    achieved = len(sent) / (max(sent) - min(sent))
    assert achieved == pytest.approx(1000 * 0.97, rel=0.02)


async def test_a_cancelled_sender_gives_its_place_up_and_the_rest_go_in_order() -> None:
    clock = VirtualTime()
    pacer = Pacer(RateLimits(per_second=10), monotonic=clock.monotonic, sleep=clock.sleep)
    order: list[str] = []

    async def sender(chat: str) -> None:
        await pacer.wait_turn(chat)
        order.append(chat)

    tasks = {chat: asyncio.create_task(sender(chat)) for chat in "abcde"}
    await asyncio.sleep(0)
    tasks["c"].cancel()
    await asyncio.gather(*tasks.values(), return_exceptions=True)
    assert order == ["a", "b", "d", "e"]


async def test_cancelling_every_sender_during_a_pause_ends_the_wait_at_once() -> None:
    clock = VirtualTime()
    pacer = Pacer(RateLimits(per_second=10), monotonic=clock.monotonic, sleep=asyncio.sleep)
    await pacer.wait_turn("1")
    pacer.pause(3600)  # a shutdown must not sleep out an hour's retry_after
    waiting = [asyncio.create_task(pacer.wait_turn(str(n))) for n in range(3)]
    await asyncio.sleep(0)
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
    await asyncio.sleep(0)
    releasers = [task for task in asyncio.all_tasks() if task.get_name() == "pacer"]
    assert all(task.done() for task in releasers)


async def test_a_sender_arriving_just_after_everyone_else_was_cancelled_still_gets_its_turn() -> None:
    pacer = Pacer(RateLimits(per_second=30))
    await pacer.wait_turn("0")  # the bucket's one token: the next sender has to queue
    cancelled = asyncio.create_task(pacer.wait_turn("a"))
    await asyncio.sleep(0)
    cancelled.cancel()
    latecomer = asyncio.create_task(pacer.wait_turn("b"))  # before the releaser's cancellation lands
    await asyncio.gather(cancelled, return_exceptions=True)
    await asyncio.wait_for(latecomer, 2.0)


async def test_two_messages_to_one_chat_held_by_a_pause_still_go_out_a_chat_interval_apart() -> None:
    limits = RateLimits(per_second=100, per_chat_per_second=10)  # a chat every 0.103 s
    pacer = Pacer(limits)
    loop = asyncio.get_running_loop()
    sent: list[float] = []

    async def send() -> None:
        await pacer.wait_turn("42")
        sent.append(loop.time())

    await pacer.wait_turn("0")
    pacer.pause(0.3)  # both messages to chat 42 pass their booked moments while it lasts
    await asyncio.gather(send(), send())
    assert sent[1] - sent[0] >= limits.chat_interval(group=False) * 0.95


def test_limits_and_retries_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        RateLimits(per_second=0)
    with pytest.raises(ValueError):
        RateLimits(headroom=0.7)
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)


def test_backoff_grows_and_is_jittered_within_its_bounds() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=8)
    assert [policy.backoff(n, lambda: 0.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert [policy.backoff(n, lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
