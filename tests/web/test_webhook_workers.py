"""Two webhook workers behind one load balancer, on one PostgreSQL database: any of them may take
any update, and an update that reaches both (Telegram's retry landing on the other one) is
answered once. Real `python -m bot run --roles telegram` processes; the test is the balancer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.runtime.telegram_webhook import derive_secret
from tests.fakes.telegram_api import FakeTelegramServer
from tests.process_support import start_bot, stop_bot, web_url
from tests.web.web_support import message_update, metric_samples, post_update, webhook_environment

PEOPLE = list(range(80_000, 80_040))
# Heartbeats a second apart: two workers starting together wait for each other's first beat.
SETTINGS = {"PUSH__PER_SECOND": "500", "RUNTIME__HEARTBEAT_EVERY": "1", "RUNTIME__WORKER_TIMEOUT": "5"}


@pytest.fixture(autouse=True)
def postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share one database on PostgreSQL; SQLite is the one-process default")


async def test_two_workers_take_any_update_and_answer_one_that_reached_both_once(
    tmp_path: Path, database_url: str
) -> None:
    async with FakeTelegramServer() as fake:
        secret = derive_secret(fake.token)
        first_env, _ = webhook_environment(fake, tmp_path, database_url, **SETTINGS)
        second_env, _ = webhook_environment(fake, tmp_path, database_url, **SETTINGS)
        second_env["TELEGRAM_WEBHOOK_URL"] = first_env["TELEGRAM_WEBHOOK_URL"]  # one public URL
        first = await start_bot(first_env, tmp_path, "--roles", "telegram")
        second = await start_bot(second_env, tmp_path, "--roles", "telegram")
        try:
            doors = [f"{await web_url(first)}/telegram", f"{await web_url(second)}/telegram"]
            updates = [message_update(50_000 + n, person, "/today") for n, person in enumerate(PEOPLE)]
            # Half go to one worker or the other; the rest reach both at once.
            alone = [post_update(doors[n % 2], update, secret) for n, update in enumerate(updates[:20])]
            both = [post_update(door, update, secret) for update in updates[20:] for door in doors]
            answers = await asyncio.gather(*alone, *both)
            await fake.wait_for(
                lambda call: call.method == "sendMessage" and call.ok, count=len(PEOPLE), timeout=60
            )
            await asyncio.sleep(1.0)  # a second answer would have come by now
            counted = [await metric_samples(door.removesuffix("/telegram")) for door in doors]
        finally:
            logs = [await stop_bot(first), await stop_bot(second)]
    assert first.returncode == second.returncode == 0, logs
    assert answers == [200] * (20 + 2 * 20), "every request stored (or known) and answered 200"
    assert fake.message_counts() == dict.fromkeys(PEOPLE, 1), "each person answered once"
    handled = [
        samples.get(("buildspeak_updates_total", (("platform", "telegram"),)), 0) for samples in counted
    ]
    assert sum(handled) == len(PEOPLE) and min(handled) > 0, f"both workers handled updates: {handled}"
