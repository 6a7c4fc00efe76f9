"""A thread of its own for a push job's database work, so the event loop keeps sending meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlmodel import Session

T = TypeVar("T")


class DatabaseThread:
    """Runs `function(session, ...)` on one thread, one call at a time, in a session of its own.

    One thread rather than the loop's default pool: a job's queries then never run at once with
    each other (no two transactions of one job contend), and the default pool stays free for the
    conversation's handlers.
    """

    def __init__(self, sessions: Callable[[], Session], *, name: str) -> None:
        self.sessions = sessions
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        def call() -> T:
            with self.sessions() as session:
                return function(session, *args, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def close(self) -> None:
        """Wait for the call under way, then let the thread go."""
        self._executor.shutdown(wait=True)
