"""The webhook route over real HTTP, with an intake that records: the secret decides before the body
is read; refusals are logged without the body or the secret sent; a store that fails is a 503 so
Telegram sends the update again. Then the intake behind it: updates arriving together are stored in
one transaction, and an update_id seen twice is handled once."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from sqlmodel import Session

from bot.clock import SystemClock
from bot.delivery.inbox import Inbox
from bot.runtime.telegram_webhook import GroupedReceive, derive_secret
from bot.runtime.web import WebServer
from bot.storage.inbox import Received
from bot.web.app import build_app
from bot.web.health import Health
from bot.web.telegram_webhook import SECRET_HEADER, WebhookEndpoint

SECRET = "s3cret-token_ok"
MARKER = "PRIVATE-MESSAGE-TEXT-71"


class Recording:
    """An intake that remembers what it accepted; fresh unless told otherwise."""

    def __init__(self) -> None:
        self.accepted: list[tuple[dict[str, Any], str]] = []
        self.seen: set[int] = set()
        self.failing = False

    async def accept(self, update: dict[str, Any], payload: str) -> bool:
        if self.failing:
            raise RuntimeError("database gone")
        self.accepted.append((update, payload))
        fresh = update["update_id"] not in self.seen
        self.seen.add(update["update_id"])
        return fresh


@asynccontextmanager
async def serving(intake: Recording) -> AsyncIterator[str]:
    app = build_app(Health([]), webhook=WebhookEndpoint("/telegram", SECRET, intake))
    server = WebServer(app, host="127.0.0.1", port=0)
    await server.start()
    try:
        yield f"{server.url}/telegram"
    finally:
        server.halt()
        await server.stop()


def update(update_id: int, text: str = "/today") -> dict[str, Any]:
    chat = {"id": 4242, "type": "private", "first_name": "Tester"}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": {"id": 4242, "is_bot": False}, "text": text}
    return {"update_id": update_id, "message": message}


async def post(url: str, body: str, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"} | ({SECRET_HEADER: secret} if secret is not None else {})
    async with aiohttp.ClientSession() as client, client.post(url, data=body, headers=headers) as response:
        return response.status


async def test_the_right_secret_is_stored_and_answered_200() -> None:
    intake = Recording()
    async with serving(intake) as url:
        body = json.dumps(update(5))
        assert await post(url, body, SECRET) == 200
        assert await post(url, body, SECRET) == 200, "a duplicate is answered 200 too: Telegram stops"
    assert [(seen["update_id"], payload) for seen, payload in intake.accepted] == [(5, body), (5, body)]


async def test_a_missing_or_wrong_secret_is_403_logged_without_the_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    intake = Recording()
    caplog.set_level(logging.DEBUG)
    body = json.dumps(update(6, f"/explain {MARKER}"))
    async with serving(intake) as url:
        missing = await post(url, body, None)
        wrong = await post(url, body, "not-the-secret")
        wrong_case = await post(url, body, SECRET.upper())
        non_ascii = await post(url, body, "sécret")
    assert (missing, wrong, wrong_case, non_ascii) == (403, 403, 403, 403)
    assert intake.accepted == [], "nothing reached the intake"
    refusals = [r for r in caplog.records if r.levelno == logging.WARNING and "refused" in r.getMessage()]
    assert len(refusals) == 4
    assert "no secret token" in refusals[0].getMessage()
    assert all(re.search(r"POST /telegram from 127\.0\.0\.1", r.getMessage()) for r in refusals)
    assert MARKER not in caplog.text and "not-the-secret" not in caplog.text


async def test_not_an_update_is_400_and_a_store_that_fails_is_503() -> None:
    intake = Recording()
    async with serving(intake) as url:
        assert await post(url, "{not json", SECRET) == 400
        assert await post(url, json.dumps({"update_id": "7"}), SECRET) == 400
        assert await post(url, json.dumps([1, 2]), SECRET) == 400
        intake.failing = True
        assert await post(url, json.dumps(update(8)), SECRET) == 503, "Telegram sends it again"


async def test_only_post_is_served_on_the_webhook_path() -> None:
    async with (
        serving(Recording()) as url,
        aiohttp.ClientSession() as client,
        client.get(url, headers={SECRET_HEADER: SECRET}) as response,
    ):
        assert response.status == 405


def test_the_derived_secret_is_the_same_for_every_worker_and_fits_telegrams_rules() -> None:
    first, again, other = derive_secret("123:abc"), derive_secret("123:abc"), derive_secret("123:abd")
    assert first == again != other
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", first)
    assert "abc" not in first


class CountingInbox(Inbox):
    """The real inbox, counting its writes."""

    writes: list[list[int]]

    async def receive(self, updates: Any) -> list[int]:
        self.writes.append([item.update_id for item in updates])
        return await super().receive(updates)


async def test_updates_arriving_together_are_stored_together_and_each_handled_once(
    sessions: Callable[[], Session],
) -> None:
    inbox = CountingInbox(sessions, SystemClock(), platform="telegram", worker_id="w1")
    inbox.writes = []
    handled: list[int] = []
    grouped = GroupedReceive(inbox, lambda data: handled.append(data["update_id"]))

    def receive(update_id: int) -> Any:
        return grouped.receive(Received(update_id, json.dumps(update(update_id))), update(update_id))

    try:
        first = await receive(1)
        together = await asyncio.gather(*(receive(n) for n in [2, 3, 4, 3, 5, 1]))
    finally:
        await inbox.close()
    assert first is True
    assert together == [True, True, True, False, True, False], "3 twice in one batch, 1 stored before"
    assert sorted(handled) == [1, 2, 3, 4, 5], "each handled once"
    assert len(inbox.writes) <= 3, f"a write per batch, not per update: {inbox.writes}"


async def test_an_update_the_handlers_cannot_take_does_not_hold_the_others(
    sessions: Callable[[], Session],
) -> None:
    inbox = Inbox(sessions, SystemClock(), platform="telegram", worker_id="w1")
    handled: list[int] = []

    def hand_on(data: dict[str, Any]) -> None:
        if data["update_id"] == 2:
            raise ValueError("unreadable")
        handled.append(data["update_id"])

    grouped = GroupedReceive(inbox, hand_on)
    try:
        answers = await asyncio.wait_for(
            asyncio.gather(*(grouped.receive(Received(n, "{}"), update(n)) for n in (1, 2, 3))), 5
        )
    finally:
        await inbox.close()
    assert answers == [True, True, True] and handled == [1, 3]
