"""How often and how long to retry a send that failed for a passing reason."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # sends in all, the first included, for network errors and 5xx
    base_delay: float = 1.0
    max_delay: float = 60.0
    rate_limited_attempts: int = 10  # 429s honoured for one message before it counts as failed

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.rate_limited_attempts < 1:
            raise ValueError("attempts must be at least 1")
        if not 0 <= self.base_delay <= self.max_delay:
            raise ValueError("needs 0 <= base_delay <= max_delay")

    def backoff(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after the `failures`-th failure: exponential, half of it jittered, so
        many chats failing together (a Telegram hiccup) don't retry in one burst."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
        return ceiling / 2 + rand() * ceiling / 2
