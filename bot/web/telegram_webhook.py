"""Telegram's webhook requests: the secret checked first, the update handed to an intake that
stores it, and only then 200.

Telegram sends the `secret_token` given to setWebhook in a header with every request. A request
without it, or with another, is refused with 403 before its body is read: it is logged (method,
path, the address it came from) but neither its body nor the header it sent, and nothing of it
reaches the bot. The intake says whether the update was new; a duplicate (Telegram's retry, or an
update another worker already took) is answered 200 like any other, so Telegram stops sending it.
Anything but 200 makes Telegram send the update again later: a 503 when it could not be stored.
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Intake(Protocol):
    """Where accepted updates go: stored durably before `accept` returns, then handled."""

    async def accept(self, update: dict[str, Any], payload: str) -> bool:
        """Store the update (its JSON as received); True when it was new, False for a duplicate."""
        ...


@dataclass(frozen=True)
class WebhookEndpoint:
    """Where Telegram posts (`path`, as served here), the secret it must send, and the intake."""

    path: str
    secret: str
    intake: Intake

    def route(self) -> web.RouteDef:
        return webhook_route(self.path, self.secret, self.intake)


def webhook_route(path: str, secret: str, intake: Intake) -> web.RouteDef:
    """The POST route Telegram's webhook requests come to."""
    expected = secret.encode()

    async def telegram_webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected):
            log.warning(
                "refused a webhook request (%s secret token): %s %s from %s",
                "no" if given is None else "a wrong", request.method, request.path, request.remote,
            )  # fmt: skip
            return web.Response(status=403, text="Forbidden")
        payload = await request.text()
        update = _update(payload)
        if update is None:
            log.warning("a webhook request with the secret but no update in it, from %s", request.remote)
            return web.Response(status=400, text="Bad Request: not an update")
        try:
            await intake.accept(update, payload)
        except Exception:  # not stored: Telegram sends it again (here or to another worker)
            log.exception("could not store update %s; Telegram will send it again", update["update_id"])
            return web.Response(status=503, text="Service Unavailable")
        return web.Response(status=200)

    return web.post(path, telegram_webhook)


def _update(payload: str) -> dict[str, Any] | None:
    """The update as a dict with an integer update_id, or None for anything else."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return None
    return data
