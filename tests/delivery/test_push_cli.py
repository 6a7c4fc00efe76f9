"""`buildspeak push status` and `push now`: every answer an operator can get."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import build_app
from tests.delivery.push_support import Sessions, add_subscribers
from tests.fakes.telegram_api import FakeTelegramServer


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "BUILDSPEAK_DATABASE__URL": database_url,
        "BUILDSPEAK_CALENDAR__START": "2020-01-01",
        "BUILDSPEAK_LIBRARY__PINS": str(tmp_path / "pins.toml"),
        "TELEGRAM_BOT_TOKEN": "",
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args), env=env)
    return result.exit_code, result.output


def counts(output: str) -> dict[str, str]:
    """The status's `  name  count  meaning` rows, names of one or two words."""
    found = (re.match(r"\s+(\D+?)\s+(\d+)\s", line) for line in output.splitlines())
    return {match[1]: match[2] for match in found if match}


def test_status_counts_who_is_due_now_and_later(env: dict[str, str], sessions: Sessions) -> None:
    add_subscribers(sessions, [1, 2], timezone="UTC", lesson_time=dt.time(0, 0))
    add_subscribers(sessions, [3], timezone="UTC", lesson_time=dt.time(23, 59, 59))
    code, output = run(env, "push", "status")
    assert code == 0, output
    assert output.startswith("telegram · lesson · today ") and "telegram · quiz · today " in output
    figures = counts(output.split("telegram · quiz")[0])  # the lesson's rows
    assert figures["due"] == figures["remaining"] == "2" and figures["sent"] == "0"
    assert figures["later today"] == "1" or dt.datetime.now(dt.UTC).time() >= dt.time(23, 59, 59)
    assert "不重发" in output  # every row says what it means in Chinese


def test_a_dry_run_lists_who_is_due_and_sends_nothing(env: dict[str, str], sessions: Sessions) -> None:
    add_subscribers(sessions, [1, 2, 3], timezone="UTC", lesson_time=dt.time(0, 0))
    code, output = run(env, "push", "now", "--dry-run")
    assert code == 0, output
    assert f"due  UTC {dt.datetime.now(dt.UTC).date()}  3" in output
    assert "lesson dry run: 3 due now, nothing sent" in output
    assert counts(run(env, "push", "status")[1].split("telegram · quiz")[0])["remaining"] == "3"


def test_push_now_without_a_token_says_what_is_missing(env: dict[str, str]) -> None:
    code, output = run(env, "push", "now")
    assert code == 2 and "TELEGRAM_BOT_TOKEN" in output and "--dry-run" in output


def test_push_now_when_the_push_is_switched_off(env: dict[str, str]) -> None:
    code, output = run({**env, "BUILDSPEAK_PUSH__ENABLED": "false"}, "push", "now", "--dry-run")
    assert code == 2 and "推送已关闭" in output


async def test_push_now_sends_through_the_configured_bot_api_once(
    env: dict[str, str], sessions: Sessions
) -> None:
    add_subscribers(sessions, [1, 2], timezone="UTC", lesson_time=dt.time(0, 0))
    async with FakeTelegramServer() as fake:
        live = {**env, "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.url}
        code, output = await asyncio.to_thread(run, live, "push", "now")
        assert code == 0, output
        assert "lesson: sent 2, skipped 0, failed 0, blocked 0" in output
        again = await asyncio.to_thread(run, live, "push", "now")
        assert "lesson: sent 0," in again[1]  # the ledger: nobody twice
        assert sorted(fake.message_counts().items()) == [(1, 1), (2, 1)]
    assert fake.token not in output
