"""One platform call, paced, and for a reply sent again until it goes through or time is up.

Two ways to send, because two callers want different things of a failure:

* `once` (the daily push): wait for a token, call; a 429 pauses every send and is raised, since
  the push keeps its own count of tries in its ledger and hands unsent claims back on a stop.
* `surely` (replies): a 429 pauses every send, then the call waits its turn again; a network error
  or a 5xx is retried with exponential backoff and jitter until `give_up_after` seconds have gone
  since the first failure, and only then raised as `GaveUp`, for the apology.

The platform's errors are read through `classify`, which the adapter provides (PTB's `RetryAfter`
is a `SlowDown`, its `NetworkError` a `TemporaryFailure`), so this is written once for every platform.

Each reply message's end is told to `count` (the composition makes it count into the metrics,
kind "reply"): SENT, BLOCKED (the recipient is gone) or FAILED (given up, or refused). A paced call
is a message; an unpaced one (a button's answer) is not, for the platform or for us. A stop tells
nothing: the next start sends.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.delivery.errors import DeliveryError, RecipientGone, SlowDown, TemporaryFailure
from bot.delivery.outbox import Stopped
from bot.delivery.pacing import Pacer
from bot.delivery.retry import RetryPolicy
from bot.delivery.send_start import ClaimTakenOver, about_to_send
from bot.observability.metrics import BLOCKED, FAILED, SENT

__all__ = ["BLOCKED", "FAILED", "SENT", "CountReply", "GaveUp", "ResendPolicy", "Resender"]

T = TypeVar("T")
Classify = Callable[[Exception], DeliveryError | None]
CountReply = Callable[[str], None]  # told how each reply message ended: SENT, BLOCKED or FAILED


@dataclass(frozen=True)
class ResendPolicy:
    """How long a reply is worth trying: Telegram's hiccups pass in seconds, and the person waits."""

    give_up_after: float = 30.0  # seconds of network errors and 5xx, from the first, before giving up
    rate_limited_attempts: int = 10  # 429s honoured for one call
    backoff: RetryPolicy = field(default_factory=lambda: RetryPolicy(base_delay=0.5, max_delay=8.0))

    def __post_init__(self) -> None:
        if self.give_up_after < 0 or self.rate_limited_attempts < 1:
            raise ValueError("give_up_after must be >= 0 and rate_limited_attempts >= 1")


class GaveUp(Exception):
    """A reply could not be sent within the policy; `__cause__` is the platform's last error."""


class Resender:
    """Sends through one pacer; `stopping` (the outboxes') ends every wait of `surely` at once.
    `count` (None: nothing counted) is told how each reply message ended."""

    def __init__(
        self,
        pacer: Pacer | None,
        classify: Classify,
        policy: ResendPolicy | None = None,
        *,
        stopping: asyncio.Event | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        count: CountReply | None = None,
    ) -> None:
        self.pacer = pacer
        self.count = count
        self.classify = classify
        self.policy = policy or ResendPolicy()
        self.stopping = stopping or asyncio.Event()
        self._monotonic = monotonic
        self._sleep = sleep
        self._rand = rand

    async def once(self, chat: str, call: Callable[[], Awaitable[T]], *, group: bool = False) -> T:
        """Wait for the chat's turn and call; a 429 pauses every send before it is raised."""
        if self.pacer is not None:
            await self.pacer.wait_turn(chat, group=group)
        try:
            return await call()
        except Exception as error:
            self._pause_on_429(error)
            raise

    async def surely(
        self,
        chat: str,
        call: Callable[[], Awaitable[T]],
        *,
        group: bool = False,
        paced: bool = True,
        give_up_after: float | None = None,
    ) -> T:
        """Call until it goes through: after a 429 (every send waits it out), and after network errors
        and 5xx within `give_up_after` seconds (default: the policy's). Other errors are raised as
        they are; `GaveUp` when the time or the 429s allowed are used up; `Stopped` on a stop.
        `paced=False` for calls the platform does not count (a button's answer)."""
        if not paced or self.count is None:
            return await self._surely(chat, call, group, paced, give_up_after)
        try:
            result = await self._surely(chat, call, group, paced, give_up_after)
        except (Stopped, ClaimTakenOver):  # nothing was sent: not a failure to count
            raise
        except Exception as error:
            gone = isinstance(self.classify(error), RecipientGone)
            self.count(BLOCKED if gone else FAILED)
            raise
        self.count(SENT)
        return result

    async def _surely(
        self,
        chat: str,
        call: Callable[[], Awaitable[T]],
        group: bool,
        paced: bool,
        give_up_after: float | None,
    ) -> T:
        patience = self.policy.give_up_after if give_up_after is None else give_up_after
        first_failure: float | None = None
        failures = slowdowns = 0
        while True:
            await (self._turn(chat, group) if paced else self._not_stopping())
            try:
                return await call()
            except Exception as error:
                kind = self.classify(error)
                if isinstance(kind, SlowDown):
                    self._pause(kind.retry_after)
                    slowdowns += 1
                    if slowdowns >= self.policy.rate_limited_attempts:
                        raise GaveUp(f"rate limited {slowdowns} times: {kind.reason}") from error
                    if not paced:  # the pacer's pause holds paced calls; this one waits by itself
                        await self._rest(kind.retry_after)
                    continue
                if not isinstance(kind, TemporaryFailure):
                    raise
                failures += 1
                now = self._monotonic()
                first_failure = now if first_failure is None else first_failure
                delay = self.policy.backoff.backoff(failures, self._rand)
                if now + delay - first_failure > patience:
                    raise GaveUp(f"gave up after {failures} tries: {kind.reason}") from error
                await self._rest(delay)

    async def _turn(self, chat: str, group: bool) -> None:
        """The pacer's turn for this chat, unless a stop comes first."""
        self._not_stopping_now()
        if self.pacer is None:
            return
        turn = asyncio.ensure_future(self.pacer.wait_turn(chat, group=group, announce=False))
        await self._until_stopping(turn)
        self._not_stopping_now()
        # Marked only now, past the last point a stop can keep the call from going out: an update
        # marked as being answered and then not answered would never be answered.
        await about_to_send()

    async def _rest(self, seconds: float) -> None:
        """Sleep before a retry, unless a stop comes first."""
        await self._until_stopping(asyncio.ensure_future(self._sleep(seconds)))

    async def _not_stopping(self) -> None:
        self._not_stopping_now()

    def _not_stopping_now(self) -> None:
        if self.stopping.is_set():
            raise Stopped("stopping: not sent")

    async def _until_stopping(self, waiting: asyncio.Future[None]) -> None:
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait({waiting, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not waiting.done():
                waiting.cancel()
        self._not_stopping_now()
        waiting.result()

    def _pause_on_429(self, error: Exception) -> None:
        kind = self.classify(error)
        if isinstance(kind, SlowDown):
            self._pause(kind.retry_after)

    def _pause(self, seconds: float) -> None:
        if self.pacer is not None:
            self.pacer.pause(seconds)
