"""Talking to a running bot's web app: webhook posts as Telegram (or someone else) makes them,
/healthz, /metrics read with prometheus-client's own parser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.telegram_api import FakeTelegramServer
from tests.process_support import bot_environment, free_port

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_environment(
    fake: FakeTelegramServer, tmp_path: Path, database_url: str, **settings: str
) -> tuple[dict[str, str], str]:
    """A bot process's environment in webhook mode, and the webhook URL it gives Telegram: its own
    web app on a port chosen now (the URL must name it before the process starts)."""
    port = free_port()
    env = bot_environment(fake, tmp_path, database_url, WEB__PORT=str(port), **settings)
    hook = f"http://127.0.0.1:{port}/telegram"
    env["TELEGRAM_WEBHOOK_URL"] = hook
    return env, hook


def message_update(update_id: int, chat_id: int, text: str, message_id: int = 1) -> dict[str, Any]:
    """A private message as Telegram posts it, a leading /command marked as one."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Tester", "language_code": "en"}
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": user,
        "chat": {"id": chat_id, "type": "private", "first_name": "Tester"},
        "date": 1_700_000_000,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


async def post_update(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with (
        aiohttp.ClientSession() as client,
        client.post(url, data=json.dumps(update), headers=headers) as response,
    ):
        return response.status


async def get_json(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status, await response.json()


async def metric_samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """GET /metrics, parsed by prometheus-client: (sample name, labels) -> value."""
    async with aiohttp.ClientSession() as client, client.get(f"{url}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def updates_counted(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> float:
    return samples.get(("buildspeak_updates_total", (("platform", "telegram"),)), 0.0)
