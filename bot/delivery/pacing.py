"""Pacing sends under a platform's limits by our own schedule, so its flood control never fires.

Telegram allows about 30 messages a second overall, one a second per chat and 20 a minute per
group. The overall limit is a token bucket; per chat, each send books the next free moment,
and is held back if the chat's previous message went out later than booked (a 429's pause).
A little headroom stays unused: the server counts arrivals, and requests reach it a few
milliseconds apart from when we released them.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.delivery.send_start import about_to_send

BURST_SECONDS = 0.005  # how much sending the bucket may bunch up after the event loop was busy
PRUNE_AT = 10_000  # per-chat bookings kept before the expired ones are dropped
# A token, give or take rounding: refilled by float arithmetic, a bucket may stop at 0.9999999999,
# and a wait for the rest would be too short for the clock to move.
WHOLE = 1 - 1e-9


@dataclass(frozen=True)
class RateLimits:
    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    group_per_minute: float = 20.0
    headroom: float = 0.03  # the share of each limit left unused

    def __post_init__(self) -> None:
        if min(self.per_second, self.per_chat_per_second, self.group_per_minute) <= 0:
            raise ValueError("rate limits must be positive")
        if not 0 <= self.headroom < 0.5:
            raise ValueError("headroom must be in [0, 0.5)")

    @property
    def rate(self) -> float:
        """Messages a second we actually release overall."""
        return self.per_second * (1 - self.headroom)

    def chat_interval(self, *, group: bool) -> float:
        """Seconds between two sends to one chat."""
        per_second = self.per_chat_per_second
        if group:
            per_second = min(per_second, self.group_per_minute / 60)
        return 1 / (per_second * (1 - self.headroom))


class Pacer:
    """`await pacer.wait_turn(chat)` before every send; `pacer.pause(s)` when the platform says 429."""

    def __init__(
        self,
        limits: RateLimits,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._monotonic = monotonic
        self._sleep = sleep
        self._rate = limits.rate
        self._capacity = _capacity(limits.rate)
        self._tokens = 1.0
        self._filled_at = monotonic()
        self._paused_until = 0.0
        self._queue: deque[asyncio.Future[None]] = deque()  # senders waiting for a token
        self._releaser: asyncio.Task[None] | None = None
        self._chat_free_at: dict[str, float] = {}  # per chat, the next moment booked for it
        self._chat_sent_at: dict[str, float] = {}  # per chat, when its last message went out

    async def wait_turn(self, chat: str, *, group: bool = False, announce: bool = True) -> None:
        """Return when a message to `chat` may go out now. With `announce`, a push's is marked as
        sending first (`send_start`); a caller that may still hold the message back after its turn
        (a stop) marks it itself, once it surely goes."""
        interval = self.limits.chat_interval(group=group)
        await self._chat_turn(chat, interval)
        while True:
            await self._overall_turn()
            now = self._monotonic()
            too_soon = self._chat_sent_at.get(chat, -math.inf) + interval - now
            if too_soon <= 0:
                break
            # A 429's pause held this chat's previous message back until just now: give the
            # token back rather than send the two together.
            self._tokens += 1
            await self._sleep(too_soon)
        self._chat_sent_at[chat] = now
        if announce:
            await about_to_send()

    async def _overall_turn(self) -> None:
        if not self._queue and self._take_token(self._monotonic()):
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(turn)  # FIFO: whoever waits longest goes first
        if self._releaser is None or self._releaser.done():
            self._releaser = asyncio.create_task(self._release_queue(), name="pacer")
        try:
            await turn
        except asyncio.CancelledError:
            self._stop_releaser_if_nobody_waits()
            raise

    @property
    def rate(self) -> float:
        """Messages a second this pacer releases overall: its share of the limit's rate."""
        return self._rate

    def share(self, workers: int) -> None:
        """Take one `workers`-th of the overall rate: that many processes send with one bot token.

        The split is explicit rather than a budget negotiated per message: each live worker that
        sends on the platform counts itself and the others at every heartbeat, so N workers never
        exceed the limit together (per-chat limits stay whole: a chat's messages are few).
        """
        self._refill(self._monotonic())
        self._rate = self.limits.rate / max(1, workers)
        self._capacity = _capacity(self._rate)
        self._tokens = min(self._tokens, self._capacity)

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (the platform's retry_after), and start again gently."""
        until = self._monotonic() + max(0.0, seconds)
        if until > self._paused_until:
            self._paused_until = until
            self._tokens = 0.0
            self._filled_at = until

    async def _release_queue(self) -> None:
        """Hand every token that is due to a waiter in one go.

        One task sleeps for the whole queue and wakes as many senders as there are tokens: were
        each sender to wake and take its own token, a busy event loop would release one send per
        turn of the loop, and the tokens it could not hand out in time would spill out of the
        bucket and be lost.
        """
        while self._queue:
            wait = self._time_to_wait(self._monotonic())
            if wait > 0:
                await self._sleep(wait)
                continue
            while self._queue and self._tokens >= WHOLE:
                turn = self._queue.popleft()
                if not turn.done():  # a cancelled sender gives its place up
                    turn.set_result(None)
                    self._tokens -= 1

    def _stop_releaser_if_nobody_waits(self) -> None:
        """A shutdown cancels the senders; the releaser then need not sleep out a 429's pause."""
        if all(turn.done() for turn in self._queue) and self._releaser is not None:
            self._queue.clear()
            self._releaser.cancel()
            self._releaser = None  # it ends only on the loop's next turn: a sender due sooner starts another

    def _take_token(self, now: float) -> bool:
        if self._time_to_wait(now) > 0:
            return False
        self._tokens -= 1
        return True

    def _time_to_wait(self, now: float) -> float:
        """Seconds until the next send may go out overall (0: now)."""
        if now < self._paused_until:
            return self._paused_until - now
        self._refill(now)
        if self._tokens >= WHOLE:
            return 0.0
        return (1 - self._tokens) / self._rate

    def _refill(self, now: float) -> None:
        if now > self._filled_at:
            self._tokens = min(self._capacity, self._tokens + (now - self._filled_at) * self._rate)
            self._filled_at = now

    async def _chat_turn(self, chat: str, interval: float) -> None:
        """Book the chat's next free moment and wait for it."""
        now = self._monotonic()
        if len(self._chat_free_at) > PRUNE_AT:
            self._chat_free_at = {key: at for key, at in self._chat_free_at.items() if at > now}
        if len(self._chat_sent_at) > PRUNE_AT:
            recent = now - self.limits.chat_interval(group=True)  # the longest a send still counts
            self._chat_sent_at = {key: at for key, at in self._chat_sent_at.items() if at > recent}
        slot = max(now, self._chat_free_at.get(chat, 0.0))
        self._chat_free_at[chat] = slot + interval
        if slot > now:
            await self._sleep(slot - now)


def _capacity(rate: float) -> float:
    """The bucket holds one send plus what `BURST_SECONDS` of lateness earns. One alone (what a low
    rate like Telegram's 30/s got before) let every late wake-up of the releaser lose its lateness:
    a millisecond a turn cost 30/s four percent of its rate."""
    return 1.0 + rate * BURST_SECONDS
