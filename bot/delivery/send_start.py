"""The moment a push's (or a reply's) first request may go out, recorded before it goes.

Between being claimed and being sent, a push waits for its turn under the rate limits, often for
seconds; a crash in that wait must not cost the subscriber the push, and a crash after the
request left must not send it twice. So the pacer, when it lets a push's first message go, has
the ledger mark the claim `sending` first: a dead worker's `claimed` rows are then known never
to have left and are sent again by whoever takes over, and only its `sending` rows (the few
requests under way at the crash) are uncertain.

The pacer learns which claim it is sending for through a context variable the push sets around
`PushSender.push`: the adapters in between stay as they are, and replies (which no ledger
tracks) pass through the pacer without a mark. Marks are written many to a transaction: while
one batch commits, the next gathers.

Replies use the same mark for their update in the inbox (`Inbox.first_send`): a dead worker's
updates whose replies had not begun are answered by whoever takes over; those whose replies had
begun are not answered again, so nobody gets an answer twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from bot.storage import push_ledger

Database = Callable[..., Awaitable[Any]]
Write = Callable[[list[int]], Awaitable[set[int]]]  # marks these ids; returns those it marked
_first_send: ContextVar[FirstSend | None] = ContextVar("push_first_send", default=None)


class ClaimTakenOver(Exception):
    """Another worker took this claim (or update) over, believing this one dead: it must not be sent."""


class SendMarks:
    """Marks ids as sending, many per transaction: a push run's claims, or a worker's updates."""

    def __init__(self, write: Write) -> None:
        self._write = write
        self._pending: dict[int, asyncio.Future[bool]] = {}
        self._writer: asyncio.Task[None] | None = None

    async def mark(self, delivery_id: int) -> bool:
        """True once the claim is marked; False when it is no longer this run's to send."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending[delivery_id] = future
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="push-send-marks")
        return await future

    async def _write_all(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, {}
            try:
                marked = await self._write(list(batch))
            except Exception as error:  # the database is unreachable: these sends must not go
                for future in batch.values():
                    if not future.done():
                        future.set_exception(error)
                continue
            for delivery_id, future in batch.items():
                if not future.done():
                    future.set_result(delivery_id in marked)


def ledger_marks(db: Database, run_id: str) -> SendMarks:
    """Marks for a push run's claims in the ledger."""

    async def write(delivery_ids: list[int]) -> set[int]:
        marked: set[int] = await db(push_ledger.mark_sending, delivery_ids, run_id=run_id)
        return marked

    return SendMarks(write)


class FirstSend:
    """One claimed push's mark: written before its first request, not again for its later parts
    or for a retry after a 429."""

    def __init__(self, marks: SendMarks, key: int, what: str = "push") -> None:
        self._marks = marks
        self._key = key
        self._what = what
        self.marked = False

    async def __call__(self) -> None:
        if self.marked:
            return
        if not await self._marks.mark(self._key):
            raise ClaimTakenOver(f"{self._what} {self._key} was taken over by another worker")
        self.marked = True


@contextmanager
def sending_for(first: FirstSend) -> Iterator[None]:
    """The sends awaited inside are this claimed push's."""
    token = _first_send.set(first)
    try:
        yield
    finally:
        _first_send.reset(token)


async def about_to_send() -> None:
    """Called by the pacer as it lets a message go: a push records its mark first."""
    first = _first_send.get()
    if first is not None:
        await first()
