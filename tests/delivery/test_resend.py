"""Sending a reply again, on a virtual clock: a 429 waits out retry_after (and pauses every send), a
network error or 5xx is retried with backoff until the time allowed is up, then `GaveUp`."""

from __future__ import annotations

import asyncio

import pytest

from bot.delivery.errors import DeliveryError, SlowDown, TemporaryFailure
from bot.delivery.outbox import Stopped
from bot.delivery.pacing import Pacer, RateLimits
from bot.delivery.resend import GaveUp, Resender, ResendPolicy
from bot.delivery.retry import RetryPolicy
from tests.virtual_time import VirtualTime


def as_is(error: Exception) -> DeliveryError | None:
    return error if isinstance(error, DeliveryError) else None


class Platform:
    """A call that fails with the given errors in turn, then succeeds; it notes when it was made."""

    def __init__(self, clock: VirtualTime, *failures: Exception) -> None:
        self.clock = clock
        self.failures = list(failures)
        self.calls: list[float] = []

    async def send(self) -> str:
        self.calls.append(self.clock.now)
        if self.failures:
            raise self.failures.pop(0)
        return "sent"


POLICY = ResendPolicy(give_up_after=10.0, backoff=RetryPolicy(base_delay=0.5, max_delay=4.0))


def resender(clock: VirtualTime, policy: ResendPolicy = POLICY) -> tuple[Resender, Pacer]:
    pacer = Pacer(RateLimits(per_second=30), monotonic=clock.monotonic, sleep=clock.sleep)
    sender = Resender(pacer, as_is, policy, monotonic=clock.monotonic, sleep=clock.sleep, rand=lambda: 0.5)
    return sender, pacer


async def test_a_429_pauses_every_send_and_the_reply_goes_out_after_retry_after() -> None:
    clock = VirtualTime()
    sender, _ = resender(clock)
    platform = Platform(clock, SlowDown("Too Many Requests: retry after 2", 2.0))
    assert await sender.surely("42", platform.send) == "sent"
    first, second = platform.calls
    assert second - first >= 2.0
    other = Platform(clock)
    assert await sender.surely("43", other.send) == "sent"
    assert other.calls[0] >= first + 2.0, "the pause held every chat"


async def test_a_5xx_twice_then_success_backs_off_between_tries() -> None:
    clock = VirtualTime()
    sender, _ = resender(clock)
    platform = Platform(
        clock, TemporaryFailure("Bad Gateway"), TemporaryFailure("Internal Server Error (500)")
    )
    assert await sender.surely("42", platform.send) == "sent"
    first, second, third = platform.calls
    assert second - first >= 0.375 and third - second >= 0.75, "exponential, half of it jittered"


async def test_a_failure_that_does_not_pass_gives_up_within_the_time_allowed() -> None:
    clock = VirtualTime()
    sender, _ = resender(clock)
    platform = Platform(clock, *(TemporaryFailure(f"Bad Gateway #{n}") for n in range(100)))
    with pytest.raises(GaveUp) as raised:
        await sender.surely("42", platform.send)
    spent = platform.calls[-1] - platform.calls[0]
    assert POLICY.give_up_after - POLICY.backoff.max_delay <= spent <= POLICY.give_up_after
    assert isinstance(raised.value.__cause__, TemporaryFailure), "the platform's last error is the cause"
    assert "Bad Gateway" in str(raised.value)


async def test_an_error_that_retrying_cannot_fix_is_raised_at_once() -> None:
    clock = VirtualTime()
    sender, _ = resender(clock)
    platform = Platform(clock, DeliveryError("Bad Request: can't parse entities"))
    with pytest.raises(DeliveryError):
        await sender.surely("42", platform.send)
    assert len(platform.calls) == 1


async def test_429s_without_end_give_up_after_the_attempts_allowed() -> None:
    clock = VirtualTime()
    policy = ResendPolicy(rate_limited_attempts=3)
    sender, _ = resender(clock, policy)
    platform = Platform(clock, *(SlowDown("retry after 1", 1.0) for _ in range(5)))
    with pytest.raises(GaveUp, match="rate limited 3 times"):
        await sender.surely("42", platform.send)


async def test_once_pauses_on_a_429_and_raises_it_for_the_push_to_count() -> None:
    clock = VirtualTime()
    sender, pacer = resender(clock)
    platform = Platform(clock, SlowDown("retry after 5", 5.0))
    with pytest.raises(SlowDown):
        await sender.once("42", platform.send)
    await pacer.wait_turn("43")
    assert clock.now >= platform.calls[0] + 5.0


async def test_an_unpaced_call_waits_out_its_own_429() -> None:
    clock = VirtualTime()
    sender, _ = resender(clock)
    platform = Platform(clock, SlowDown("retry after 3", 3.0))
    assert await sender.surely("42", platform.send, paced=False) == "sent"
    assert platform.calls[1] - platform.calls[0] >= 3.0


async def test_a_stop_ends_a_wait_before_a_retry_and_sends_nothing_more() -> None:
    sender = Resender(
        None, as_is, ResendPolicy(give_up_after=600, backoff=RetryPolicy(base_delay=60, max_delay=60))
    )
    calls: list[str] = []

    async def fails() -> None:
        calls.append("try")
        raise TemporaryFailure("Bad Gateway")

    sending = asyncio.create_task(sender.surely("42", fails))
    await asyncio.sleep(0.01)  # the first try failed; a minute's backoff has begun
    sender.stopping.set()
    with pytest.raises(Stopped):
        await asyncio.wait_for(sending, 1.0)
    assert calls == ["try"]
