"""Telegram's updates in through the inbox: nothing is confirmed to Telegram before it is stored.

Why not PTB's `Updater`: it puts each fetched update on the application's queue and confirms the
whole batch at the next getUpdates, and on stop it confirms everything it fetched at once, then
lets the application drain its queue; a stop that outlasts `docker stop`'s 10 seconds (or any
crash) then loses updates Telegram will never send again. Here a poll's batch is written to the
inbox in one transaction first, and only then is the offset moved on; PTB's `Application` still
runs the handlers (its queue, its concurrent update processing, its error handler), and a ticket
per update tells the inbox when its replies have all gone out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import SimpleUpdateProcessor

from bot.adapters.telegram_errors import retry_seconds
from bot.delivery.inbox import Inbox
from bot.delivery.tickets import Tickets
from bot.storage.inbox import Received

log = logging.getLogger(__name__)
MAX_BACKOFF = 30.0  # seconds between polls while Telegram (or the database) keeps failing


class TicketedUpdates(SimpleUpdateProcessor):
    """PTB's concurrent processing of updates, each holding its ticket while its handler runs.

    The ticket opens before the handler and ends when it returns; the sends it posted to the
    outboxes hold it further. A handler cut short (a stop) never ends it: the update stays pending.

    Of the slots, `quick` serve a handler's first `quick_for` seconds; one that takes longer (a
    model's answer, a voice to synthesize) gives its quick slot to the next update and finishes in
    the others. Quick handlers share one event loop and one database: a dozen at once only queue
    for them, each taking longer and none finishing sooner (a burst of 2,000 /today: handling p99
    ~200 ms with 16 at once, ~45 ms with 3, ~30 ms with 2; `benchmarks/burst.py --quick N`). Two
    keep the database busy while the event loop does the rest, and handle well over a hundred
    updates a second: several times what Telegram lets the bot send.
    """

    def __init__(
        self, max_concurrent_updates: int, tickets: Tickets, *, quick: int = 2, quick_for: float = 0.25
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.tickets = tickets
        self.quick_for = quick_for
        self._quick = asyncio.Semaphore(max(1, min(quick, max_concurrent_updates)))

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await self._handle(coroutine)
            return
        self.tickets.open(update.update_id)
        try:
            await self._handle(coroutine)
        except Exception:  # PTB's error handler has had it: the update is over, as well as it went
            self.tickets.end(update.update_id)
            raise
        self.tickets.end(update.update_id)

    async def _handle(self, coroutine: Awaitable[Any]) -> None:
        """Run the handler in a quick slot, and let the slot go if it turns out slow."""
        await self._quick.acquire()
        holding = True
        handling = asyncio.ensure_future(coroutine)
        try:
            done, _ = await asyncio.wait({handling}, timeout=self.quick_for)
            if not done:
                self._quick.release()
                holding = False
            await handling
        except asyncio.CancelledError:
            handling.cancel()
            raise
        finally:
            if holding:
                self._quick.release()


class UpdatePoller:
    """Long polling into the inbox, then the application's queue; `stop` ends the poll at once."""

    def __init__(
        self,
        bot: Bot,
        inbox: Inbox,
        queue: asyncio.Queue[object],
        *,
        timeout: int,
        on_fatal: Callable[[BaseException], None],
        allowed_updates: Sequence[str] = Update.ALL_TYPES,
    ) -> None:
        self.bot = bot
        self.inbox = inbox
        self.queue = queue
        self.timeout = timeout
        self.on_fatal = on_fatal
        self.allowed_updates = list(allowed_updates)
        self._offset = 0  # the first update id not yet stored
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bot.delete_webhook()  # getUpdates is refused while a webhook is set (as PTB does)
        self._task = asyncio.create_task(self._run(), name="telegram polling")

    def enqueue(self, updates: Sequence[Received]) -> int:
        """Updates taken from the inbox (a gone worker's) to the handlers; how many."""
        for item in updates:
            self.queue.put_nowait(Update.de_json(_loads(item.payload), self.bot))
        return len(updates)

    def halt(self) -> None:
        """Fetch nothing more: a poll under way is dropped (Telegram sends it again)."""
        self._stopping.set()

    async def stop(self) -> None:
        """Stop polling now, then confirm what is stored, so that Telegram does not send it again."""
        self.halt()
        if self._task is not None:
            await self._task
        if self._offset:
            try:
                await self.bot.get_updates(offset=self._offset, timeout=0, limit=1)
            except TelegramError as error:  # the inbox de-duplicates what comes again
                log.info("could not confirm the last updates on stop (%s); they will come again", error)

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                updates = await self._fetch()
                if updates:
                    await self._store(updates)
                failures = 0
            except TimedOut:
                continue  # the long poll's HTTP timeout: poll again
            except InvalidToken as error:
                log.error("Telegram refused the token while polling: %s", error)
                self.on_fatal(error)
                return
            except Exception as error:
                failures += 1
                await self._rest(self._backoff(error, failures))

    async def _fetch(self) -> list[Update] | None:
        """One long poll, or None when a stop came first (the poll is dropped, never half-read)."""
        polling = asyncio.ensure_future(
            self.bot.get_updates(
                offset=self._offset, timeout=self.timeout, allowed_updates=self.allowed_updates
            )
        )
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not polling.done():
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await polling
            return None
        return list(polling.result())

    async def _store(self, updates: list[Update]) -> None:
        """Into the inbox first; the new ones to the handlers; only then is the offset moved on, so
        the next poll confirms them. A redelivered update (already stored) is not handled again."""
        batch = [Received(update.update_id, update.to_json()) for update in updates]
        fresh = set(await self.inbox.receive(batch))
        for update in updates:
            if update.update_id in fresh:
                self.queue.put_nowait(update)
        self._offset = updates[-1].update_id + 1

    def _backoff(self, error: Exception, failures: int) -> float:
        if isinstance(error, RetryAfter):
            return retry_seconds(error)
        delay = min(MAX_BACKOFF, 2.0 ** (failures - 1))
        if isinstance(error, Conflict):
            log.warning("another process is polling with this token (%s); again in %.0f s", error, delay)
        elif isinstance(error, TelegramError):
            log.warning("polling failed (%s); again in %.0f s", error, delay)
        else:  # the inbox could not store the batch: it is not confirmed, and comes again
            log.exception("storing updates failed; polling again in %.0f s", delay)
        return delay

    async def _rest(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()


def _loads(payload: str) -> dict[str, Any]:
    data = json.loads(payload)
    return data if isinstance(data, dict) else {}
