"""`buildspeak run` as a real process serving its web app: Telegram's webhook (the secret accepted,
refused, missing), /healthz healthy and failing, /metrics with its counters moving, and polling
still the default. Every request goes over HTTP to the running process; the Bot API is the fake."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.runtime.telegram_webhook import derive_secret
from tests.fakes.telegram_api import Call, FakeTelegramServer
from tests.process_support import bot_environment, start_bot, stop_bot, web_url
from tests.web.web_support import (
    get_json,
    message_update,
    metric_samples,
    post_update,
    updates_counted,
    webhook_environment,
)

MARKER = "PRIVATE-WORDS-4711"  # in the body of a refused request: must appear nowhere


def sent_to(chat_id: int) -> object:
    return lambda call: (
        call.method == "sendMessage" and call.ok and str(call.params.get("chat_id")) == str(chat_id)
    )


async def test_a_webhook_process_answers_telegram_and_refuses_requests_without_the_secret(
    tmp_path: Path, database_url: str
) -> None:
    async with FakeTelegramServer() as fake:
        env, hook = webhook_environment(fake, tmp_path, database_url, LOG_LEVEL="DEBUG")
        secret = derive_secret(fake.token)
        process = await start_bot(env, tmp_path)
        try:
            url = await web_url(process)
            await fake.wait_for("setWebhook", timeout=30)
            assert fake.webhook_url == hook
            fake.send_text(4242, "/today")  # Telegram posts it, with the secret
            (card,) = await fake.wait_for(sent_to(4242), timeout=30)
            assert "【1/" in card.result["text"]
            assert fake.webhook_deliveries[0].ok and fake.webhook_deliveries[0].secret_token == secret
            refused = message_update(90_001, 777, f"/explain {MARKER}")
            assert await post_update(hook, refused, None) == 403
            assert await post_update(hook, refused, "not-the-secret") == 403
            again = message_update(90_002, 888, "/today")  # Telegram's retry of an update it sent
            assert [await post_update(hook, again, secret) for _ in range(2)] == [200, 200]
            await fake.wait_for(sent_to(888), timeout=30)
            status, health = await get_json(f"{url}/healthz")
            await asyncio.sleep(0.5)  # a second answer to 888 would have come by now
            counted = updates_counted(await metric_samples(url))
        finally:
            log = await stop_bot(process)
    assert process.returncode == 0, log
    assert fake.messages(777) == [], "a refused request never reaches the bot"
    assert len(fake.messages(888)) == 1, "a duplicate update_id is handled once"
    assert counted == 2, "the core counted /today twice: 4242's and 888's once"
    assert status == 200 and health["checks"]["telegram"] == {"ok": True, "detail": f"webhook set at {hook}"}
    assert "refused a webhook request (no secret token): POST /telegram from 127.0.0.1" in log
    assert "refused a webhook request (a wrong secret token): POST /telegram from 127.0.0.1" in log
    assert MARKER not in log and "not-the-secret" not in log, "refusals are logged without the body"
    assert secret not in log and fake.token.split(":")[1] not in log, "secrets stay out of the log"
    assert fake.webhook_url == hook, "the webhook stays set at a stop: other workers serve it"


async def test_healthz_is_503_naming_telegram_until_the_webhook_is_set(
    tmp_path: Path, database_url: str
) -> None:
    async with FakeTelegramServer() as fake:
        fake.fail_next("setWebhook", 502, count=2)
        env, hook = webhook_environment(fake, tmp_path, database_url)
        process = await start_bot(env, tmp_path)
        try:
            url = await web_url(process)
            status, failing = await get_json(f"{url}/healthz")
            deadline = time.monotonic() + 30
            while (found := await get_json(f"{url}/healthz"))[0] != 200 and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            healed, healthy = found
        finally:
            log = await stop_bot(process)
    assert process.returncode == 0, log
    assert status == 503 and failing["failing"] == ["telegram"]
    assert failing["checks"]["telegram"]["detail"].startswith("setWebhook has not succeeded")
    assert failing["checks"]["database"]["ok"] and failing["checks"]["scheduler"]["ok"]
    assert healed == 200 and healthy["failing"] == [], "set on a later try"
    assert len(fake.calls_to("setWebhook")) == 3 and fake.webhook_url == hook
    assert "could not set the Telegram webhook" in log


async def test_polling_stays_the_default_and_serves_healthz_and_metrics(
    tmp_path: Path, database_url: str
) -> None:
    async with FakeTelegramServer() as fake:
        env = bot_environment(fake, tmp_path, database_url)
        process = await start_bot(env, tmp_path)
        try:
            url = await web_url(process)
            before = updates_counted(await metric_samples(url))
            fake.send_text(4242, "/today")
            await fake.wait_for(sent_to(4242), timeout=30)
            after = updates_counted(await metric_samples(url))
            status, health = await get_json(f"{url}/healthz")
        finally:
            log = await stop_bot(process)
    assert process.returncode == 0, log
    assert fake.webhook_url == "" and fake.calls_to("deleteWebhook"), "polling, after deleteWebhook"
    assert (before, after) == (0, 1), "buildspeak_updates_total moved with the update"
    assert status == 200 and set(health["checks"]) == {"database", "telegram", "scheduler"}
    assert health["checks"]["telegram"]["detail"].startswith("polling; the last getUpdates answered")


async def test_a_killed_webhook_workers_stored_updates_are_answered_once_by_the_next_start(
    tmp_path: Path, database_url: str
) -> None:
    """Stored (Telegram had its 200) but unanswered when the worker died: the next one answers those
    whose replies had not begun, and not the one whose reply was on the wire (it may have arrived:
    settled as uncertain, never answered twice)."""
    people = list(range(60_000, 60_010))
    async with FakeTelegramServer() as fake:
        for person in people:
            fake.slow_chat(person, 120.0)  # a reply that leaves stays on the wire
        # One message a second: when the first reply is on the wire, the others wait for their turn.
        env, hook = webhook_environment(fake, tmp_path, database_url, PUSH__PER_SECOND="1")
        secret = derive_secret(fake.token)
        first = await start_bot(env, tmp_path)
        try:
            await web_url(first)
            await fake.wait_for("setWebhook", timeout=30)
            updates = [message_update(70_000 + n, person, "/today") for n, person in enumerate(people)]
            answers = await asyncio.gather(*(post_update(hook, update, secret) for update in updates))
            assert answers == [200] * len(people)
            await fake.wait_for(lambda call: call.method == "sendMessage", count=1, timeout=30)
        finally:
            first.kill()
            await first.wait()
        assert fake.message_counts() == {}
        on_the_wire = {int(call.params["chat_id"]) for call in fake.calls_to("sendMessage")}
        waiting = [person for person in people if person not in on_the_wire]
        assert on_the_wire and len(waiting) >= len(people) // 2
        for person in people:
            fake.slow_chat(person, 0)
        second = await start_bot(env, tmp_path)
        try:
            await fake.wait_for(lambda call: _answered(call, waiting), count=len(waiting), timeout=60)
            await asyncio.sleep(1.5)  # a second answer, or one to a reply on the wire, would come by now
        finally:
            log = await stop_bot(second)
    assert second.returncode == 0, log
    assert "left unanswered by a stopped worker" in log
    assert fake.message_counts() == dict.fromkeys(waiting, 1), "each waiting one answered once, none twice"


def _answered(call: Call, people: list[int]) -> bool:
    return call.method == "sendMessage" and call.ok and int(call.params.get("chat_id")) in people
