"""The `telegram` role by webhook: Telegram posts each update to the bot's own HTTP app.

The same durability as polling: an update is written to the inbox before Telegram hears 200 (it
sends again whatever got no 2xx), then handled exactly as a polled one is (PTB's queue, tickets,
outboxes). A duplicate update_id (Telegram's retry, or an update another worker behind the same
load balancer already took) is answered 200 and not handled again: the inbox's key decides, on
the one database all workers share. What a worker leaves unanswered (killed, or stopped with a
backlog) is taken over by the others, as with polling.

Requests that arrive together are stored together (`GroupedReceive`): one transaction for all the
updates that came while the previous one was being written, so a burst costs a commit per batch
rather than per update, and a lone update waits for nothing.

The webhook is set (`WebhookRegistration`) only once the HTTP app listens, and never deleted on a
stop: the other workers still serve it. Polling deletes it when a process starts polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError

from bot.delivery.inbox import Inbox
from bot.runtime.telegram import TelegramPlatform, TelegramRole
from bot.settings import TelegramSettings
from bot.storage.inbox import Received

log = logging.getLogger(__name__)
SECRET_LABEL = b"BuildSpeak Telegram webhook secret_token"
MAX_BACKOFF = 30.0  # seconds between attempts to set the webhook while Telegram refuses


def derive_secret(token: str) -> str:
    """The secret_token when none is configured: an HMAC of the bot token, so every worker of one
    bot agrees on it without being told, and it reveals nothing of the token. 64 hex digits:
    within Telegram's 1-256 characters of A-Z a-z 0-9 _ -."""
    return hmac.new(token.encode(), SECRET_LABEL, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebhookConfig:
    """The public https URL Telegram posts to, and the secret it sends with every request."""

    url: str
    secret: str


Pending = tuple[Received, dict[str, Any], "asyncio.Future[bool]"]


class GroupedReceive:
    """Updates stored in batches: whatever arrived while a write was under way goes in the next.

    Fresh updates go to `on_fresh` (the handlers) as soon as they are stored, before the requests
    are answered: a request cut short after that (a stop) does not lose the handling.
    """

    def __init__(self, inbox: Inbox, on_fresh: Callable[[dict[str, Any]], None]) -> None:
        self.inbox = inbox
        self.on_fresh = on_fresh
        self._waiting: list[Pending] = []
        self._writing: asyncio.Task[None] | None = None

    async def receive(self, item: Received, update: dict[str, Any]) -> bool:
        """Store one update; True when it was new (and is now being handled)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, update, future))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_all(), name="webhook inbox")
        return await future

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            await self._write(batch)

    async def _write(self, batch: list[Pending]) -> None:
        unique = list({item.update_id: item for item, _, _ in reversed(batch)}.values())
        try:
            fresh = set(await self.inbox.receive(sorted(unique, key=lambda item: item.update_id)))
        except Exception as error:
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for item, update, future in batch:
            new = item.update_id in fresh
            fresh.discard(item.update_id)  # the same update twice in one batch: handled once
            if new:
                self._hand_on(item.update_id, update)
            if not future.done():
                future.set_result(new)

    def _hand_on(self, update_id: int, update: dict[str, Any]) -> None:
        """To the handlers; one that cannot be read stays pending (a later take-over gives up on it),
        and the requests stored with it are still answered."""
        try:
            self.on_fresh(update)
        except Exception:
            log.exception("webhook update %d could not be handed to the handlers", update_id)


class TelegramWebhook(TelegramRole):
    """The `telegram` role when TELEGRAM_WEBHOOK_URL is set; the web app's intake for updates."""

    def __init__(
        self,
        platform: TelegramPlatform,
        inbox: Inbox,
        config: WebhookConfig,
        *,
        live_workers: Callable[[], Awaitable[Collection[str]]],
        stop_grace: float = 4.0,
        recheck_every: float = 10.0,
    ) -> None:
        super().__init__(
            platform, inbox, live_workers=live_workers, stop_grace=stop_grace, recheck_every=recheck_every
        )
        self.config = config
        self.registered = False
        self.registration_error = "not set yet"
        self._grouped = GroupedReceive(inbox, self._handle)

    async def accept(self, update: dict[str, Any], payload: str) -> bool:
        """The web app's intake: store, hand a new update to the handlers; False for a duplicate."""
        return await self._grouped.receive(Received(int(update["update_id"]), payload), update)

    def _handle(self, update: dict[str, Any]) -> None:
        application = self.platform.application
        application.update_queue.put_nowait(Update.de_json(update, application.bot))

    async def register(self) -> bool:
        """setWebhook with the URL, the secret and the update types polling asks for; False when
        Telegram could not be reached or refused (try again later). A refused token ends the run."""
        try:
            await self.platform.application.bot.set_webhook(
                self.config.url,
                secret_token=self.config.secret,
                allowed_updates=list(Update.ALL_TYPES),
                drop_pending_updates=False,
            )
        except InvalidToken:
            raise
        except TelegramError as error:
            self.registration_error = str(error)
            return False
        self.registered = True
        log.info("Telegram webhook set: updates come to %s", self.config.url)
        return True

    def status(self) -> tuple[bool, str]:
        if not self.registered:
            return False, f"setWebhook has not succeeded: {self.registration_error}"
        return True, f"webhook set at {self.config.url}"


class WebhookRegistration:
    """The unit that sets the webhook, started after the web app listens: Telegram's first request
    must find it. While Telegram refuses (or cannot be reached) it tries again in the background
    and /healthz says so; the other workers may be serving the webhook meanwhile."""

    name = "telegram webhook"

    def __init__(self, role: TelegramWebhook) -> None:
        self.role = role
        self.ended = asyncio.Event()
        self._retrying: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if not await self.role.register():
            log.warning("could not set the Telegram webhook (%s); trying again", self.role.registration_error)
            self._retrying = asyncio.create_task(self._retry(), name="set webhook")

    async def stop(self) -> None:
        """The webhook stays set: other workers serve it, and a restart sets it again anyway."""
        if self._retrying is not None:
            self._retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retrying

    async def _retry(self) -> None:
        delay = 1.0
        began = time.monotonic()
        while True:
            await asyncio.sleep(delay)
            try:
                if await self.role.register():
                    log.info("the webhook is set after %.0f s", time.monotonic() - began)
                    return
            except InvalidToken as error:
                log.error("Telegram refused the token while setting the webhook: %s", error)
                self.ended.set()
                return
            delay = min(MAX_BACKOFF, delay * 2)
            log.warning("setting the Telegram webhook failed again (%s); next try in %.0f s",
                        self.role.registration_error, delay)  # fmt: skip


def webhook_config(settings: TelegramSettings, token: str) -> WebhookConfig | None:
    """Webhook mode when TELEGRAM_WEBHOOK_URL is set (else None: polling), with the configured
    secret or, without one, the one derived from the token."""
    if settings.webhook_url is None:
        return None
    configured = settings.webhook_secret
    secret = configured.get_secret_value() if configured is not None else derive_secret(token)
    return WebhookConfig(settings.webhook_url, secret)
