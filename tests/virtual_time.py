"""A clock for pacers and senders that moves by itself: sleeping jumps to the moment the sleeper
wakes, so a test of a minute's sends runs in milliseconds and its times are exact."""

from __future__ import annotations

import asyncio


class VirtualTime:
    """`monotonic()` and `sleep()`. Sleepers that overlap wake at their own moments (time moves on to
    the latest wake seen), not one after another."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = self.now + max(seconds, 0.0)
        await asyncio.sleep(0)
        self.now = max(self.now, wake)
