"""Telegram in the runtime: the connection every Telegram-facing role shares, and the `telegram` role.

The connection (`TelegramPlatform`) is PTB's application initialised (getMe: the bot's name for
links and mentions) with the adapter attached, a pacer and the reply outboxes; the `push` role
sends through it even in a process that does not poll. `TelegramRole` is the `telegram` role:
it registers the command menu, answers what a stopped worker left in the inbox, and takes updates
in, by long polling (`TelegramPolling`, the default) or by webhook (`telegram_webhook.py`). PTB
is driven with initialize/start/stop/shutdown inside our lifespan rather than by `run_polling`,
so other roles share its event loop and its stop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Hashable, Sequence
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.adapters.telegram import PLATFORM, TelegramAdapter, TelegramConfig, build_application
from bot.adapters.telegram_push import TelegramPushSender
from bot.core.conversation import Conversation
from bot.delivery.inbox import Inbox
from bot.delivery.outbox import Outboxes
from bot.delivery.pacing import Pacer
from bot.delivery.resend import ResendPolicy
from bot.delivery.tickets import Tickets
from bot.observability.metrics import reply_counter
from bot.runtime.telegram_polling import MAX_BACKOFF, TicketedUpdates, UpdatePoller
from bot.storage.inbox import Received

log = logging.getLogger(__name__)
PRUNE_EVERY = 3600.0  # seconds between clearing out answered updates older than the inbox keeps


class TelegramPlatform:
    """The unit that opens and closes the Bot API connection; roles use its adapter and sender.

    `inbox` (in a process that polls) learns of each update once all its replies went out.
    """

    name = "telegram connection"
    platform = PLATFORM

    def __init__(
        self,
        conversation: Conversation,
        config: TelegramConfig,
        pacer: Pacer,
        *,
        resend: ResendPolicy | None = None,
        inbox: Inbox | None = None,
    ) -> None:
        self.config = config
        self.pacer = pacer
        self.inbox = inbox
        self.tickets = Tickets(self._answered)
        self.outboxes = Outboxes(self.tickets, first_send=inbox.first_send if inbox is not None else None)
        count = reply_counter(conversation.services.metrics, PLATFORM)
        self.adapter = TelegramAdapter(
            conversation, pacer, outboxes=self.outboxes, resend=resend, count_reply=count
        )
        processor = TicketedUpdates(config.concurrent_updates, self.tickets, quick=config.quick_updates)
        self.application: Application = build_application(config, processor)
        self.adapter.attach(self.application)
        self.sender = TelegramPushSender(self.adapter, self.application.bot)
        self.ended = asyncio.Event()
        self.connected = False  # the bot is initialised (getMe answered): it can send

    async def start(self) -> None:
        await self.application.initialize()
        self.connected = True

    async def stop(self) -> None:
        self.connected = False
        await self.application.shutdown()

    async def idle(self) -> None:
        """Until every update taken is handled and every reply sent (tests wait on it)."""
        await self.application.update_queue.join()
        await self.outboxes.drained()

    def _answered(self, ticket: Hashable) -> None:
        if self.inbox is not None and isinstance(ticket, int):
            self.inbox.done(ticket)


class TelegramRole:
    """The `telegram` role, whichever way updates come: the command menu, what the last run left
    unanswered, then the intake (long polling, or the webhook), and an orderly stop.

    On a stop (`halt` comes first, at the signal) the intake ends at once; updates stored but not
    yet handled are left in the inbox; replies already queued get `stop_grace` seconds from the
    signal to go out, and whatever is still unsent then is answered by the next start.
    """

    name = "telegram"

    def __init__(
        self,
        platform: TelegramPlatform,
        inbox: Inbox,
        *,
        live_workers: Callable[[], Awaitable[Collection[str]]],
        stop_grace: float = 4.0,
        recheck_every: float = 10.0,
    ) -> None:
        self.platform = platform
        self.inbox = inbox
        self.live_workers = live_workers
        self.stop_grace = stop_grace
        self.recheck_every = recheck_every  # how often to look for what a worker that died left
        self.ended = asyncio.Event()
        self._rechecking: asyncio.Task[None] | None = None
        self._halted_at: float | None = None

    async def start(self) -> None:
        application = self.platform.application
        await self.platform.adapter.register_commands(application)
        await application.start()
        await self.inbox.prune()
        await self._take_over()  # before new updates: they are older
        await self._open_intake()
        self._rechecking = asyncio.create_task(self._recheck_forever(), name="inbox recheck")
        log.info("Telegram bot @%s is up", application.bot.username)

    def halt(self) -> None:
        """The stop signal: take in nothing more from now on (the stop that follows does the rest)."""
        if self._halted_at is None:
            self._halted_at = time.monotonic()
            self._halt_intake()

    async def stop(self) -> None:
        self.halt()
        assert self._halted_at is not None
        deadline = self._halted_at + self.stop_grace
        if self._rechecking is not None:
            self._rechecking.cancel()
        await self._close_intake()
        waiting = self._drop_waiting()
        application = self.platform.application
        if application.running:
            try:
                async with asyncio.timeout(max(0.1, deadline - time.monotonic())):
                    await application.stop()  # the handlers under way finish (they only queue sends)
            except TimeoutError:
                log.warning("handlers still running at the stop: their updates are left for the next start")
        unsent = await self.platform.outboxes.close(deadline - time.monotonic())
        await self.inbox.close()
        if waiting or unsent:
            log.info("stopped with %d update(s) not handled and %d reply job(s) unsent: "
                     "the next start answers them", waiting, unsent)  # fmt: skip

    def status(self) -> tuple[bool, str]:
        """For /healthz: whether updates are coming in, in words."""
        raise NotImplementedError

    async def _open_intake(self) -> None:
        """Start taking updates in (after the take-over)."""

    def _halt_intake(self) -> None:
        """Take nothing more in, at once."""

    async def _close_intake(self) -> None:
        """The intake's own orderly end, before the handlers are stopped."""

    def enqueue(self, updates: Sequence[Received]) -> int:
        """Stored updates to the handlers; how many."""
        bot = self.platform.application.bot
        queue = self.platform.application.update_queue
        for item in updates:
            queue.put_nowait(Update.de_json(_loads(item.payload), bot))
        return len(updates)

    def _drop_waiting(self) -> int:
        """Updates queued but not yet handled stay in the inbox instead, for the next start."""
        queue = self.platform.application.update_queue
        dropped = 0
        while not queue.empty():
            queue.get_nowait()
            queue.task_done()
            dropped += 1
        return dropped

    async def _take_over(self) -> None:
        """Answer what gone workers left unanswered in the inbox."""
        live = await self.live_workers()
        self.enqueue(await self.inbox.take_over(live))

    async def _recheck_forever(self) -> None:
        """A worker on another host is known dead only when its heartbeat expires: look again now
        and then, and clear out old answered updates now and then too."""
        since_prune = 0.0
        while True:
            await asyncio.sleep(self.recheck_every)
            try:
                await self._take_over()
                since_prune += self.recheck_every
                if since_prune >= PRUNE_EVERY:
                    since_prune = 0.0
                    await self.inbox.prune()
            except Exception:  # a database hiccup: the next look tries again
                log.exception("looking for unanswered updates failed")


class TelegramPolling(TelegramRole):
    """The `telegram` role by long polling (the default): getUpdates into the inbox, then the handlers."""

    def __init__(
        self,
        platform: TelegramPlatform,
        inbox: Inbox,
        *,
        live_workers: Callable[[], Awaitable[Collection[str]]],
        stop_grace: float = 4.0,
        recheck_every: float = 10.0,
        stale_after: float | None = None,
    ) -> None:
        super().__init__(
            platform, inbox, live_workers=live_workers, stop_grace=stop_grace, recheck_every=recheck_every
        )
        application = platform.application
        self.poller = WatchedPoller(
            application.bot,
            inbox,
            application.update_queue,
            timeout=platform.config.poll_timeout,
            on_fatal=lambda error: self.ended.set(),
        )
        # A healthy long poll answers at least every poll_timeout seconds; failing, it retries at
        # most MAX_BACKOFF apart. Longer than both without an answer: Telegram is out of reach.
        self.stale_after = stale_after or platform.config.poll_timeout + 2 * MAX_BACKOFF

    def status(self) -> tuple[bool, str]:
        if self.ended.is_set():
            return False, "polling ended (Telegram refused the token)"
        since = time.monotonic() - self.poller.last_answer
        if since > self.stale_after:
            return False, f"no getUpdates answer for {since:.0f} s"
        return True, f"polling; the last getUpdates answered {since:.0f} s ago"

    async def _open_intake(self) -> None:
        self.poller.last_answer = time.monotonic()
        await self.poller.start()

    def _halt_intake(self) -> None:
        self.poller.halt()

    async def _close_intake(self) -> None:
        await self.poller.stop()


class WatchedPoller(UpdatePoller):
    """The poller, remembering when getUpdates last answered (for /healthz)."""

    last_answer = 0.0  # time.monotonic() of the last answer

    async def _fetch(self) -> list[Update] | None:
        fetched = await super()._fetch()
        if fetched is not None:
            self.last_answer = time.monotonic()
        return fetched


def _loads(payload: str) -> dict[str, Any]:
    data = json.loads(payload)
    return data if isinstance(data, dict) else {}
