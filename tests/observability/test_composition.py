"""`buildspeak run` wires one `Metrics` through everything that counts: the core, the voices, the
model's calls, and the subscriber gauge read from the database."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

import bot.cli.chat as chat_command
from bot.cli.context import CliContext
from bot.clock import FixedClock
from bot.observability.metrics import Metrics
from bot.settings import AudioSettings, DatabaseSettings, LlmSettings, Settings, WebSettings
from bot.storage.engine import migrate
from tests.chat_support import MORNING
from tests.fakes.openai_api import MODEL, FakeOpenAIServer
from tests.observability.scrape import value


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("BUILDSPEAK_", "TELEGRAM_", "DISCORD_", "LLM_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[Metrics]:
    """The Metrics `build_runtime` makes, kept for the test to read."""
    made: list[Metrics] = []

    class Kept(Metrics):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(chat_command, "Metrics", Kept)
    return made


async def test_the_console_bot_counts_into_one_metrics(tmp_path: Path, made: list[Metrics]) -> None:
    async with FakeOpenAIServer(api_key="sk-cli") as fake:
        fake.reply_with("【这里的意思】吞没。")
        settings = Settings(
            database=DatabaseSettings(url=f"sqlite:///{tmp_path}/buildspeak.db"),
            audio=AudioSettings(cache_dir=tmp_path / "audio", gtts=False),
            llm=LlmSettings(base_url=fake.base_url, model=MODEL, api_key="sk-cli"),
        )
        context = CliContext(settings, FixedClock(MORNING), out=Console(file=io.StringIO(), width=200))
        migrate(context.database_engine)
        lines = iter(["/start", "/today", "/explain engulfed", None])
        runtime = chat_command.build_runtime(context, ("console",), "", read=lambda: next(lines))
        await runtime.run(signals=False)
        context.database_engine.dispose()

    (metrics,) = made
    assert value(metrics, "buildspeak_updates_total", platform="console") == 3
    assert value(metrics, "buildspeak_handler_seconds_count", command="today") == 1
    assert value(metrics, "buildspeak_llm_calls_total", outcome="ok") == 1
    assert value(metrics, "buildspeak_active_subscribers", platform="console") == 1


def test_the_voices_of_the_conversation_count_into_its_metrics(tmp_path: Path) -> None:
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path}/buildspeak.db"),
        web=WebSettings(port=0),  # the console serves the reader: on any free port here
        audio=AudioSettings(cache_dir=tmp_path / "audio", gtts=False, offline_voice=""),
    )
    context = CliContext(settings, FixedClock(MORNING), out=Console(file=io.StringIO(), width=200))
    metrics = Metrics()
    conversation = chat_command.build_conversation(context, offline_audio=True, metrics=metrics)
    speaker = conversation.services.shelf.speaker
    assert speaker is not None and speaker.synthesize("No voice is configured here.") is None
    assert value(metrics, "buildspeak_audio_total", source="none") == 1
    context.database_engine.dispose()
