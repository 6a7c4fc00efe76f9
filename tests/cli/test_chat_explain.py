"""The composition root's explainer: the model from settings when configured, its client closed at the end."""

from __future__ import annotations

import io
import os
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from bot.cli.chat import build_conversation, build_runtime
from bot.cli.context import CliContext
from bot.clock import FixedClock
from bot.settings import AudioSettings, DatabaseSettings, ExplainSettings, LlmSettings, Settings, WebSettings
from bot.storage.engine import migrate
from tests.chat_support import MORNING
from tests.fakes.openai_api import MODEL, FakeOpenAIServer


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("BUILDSPEAK_", "TELEGRAM_", "LLM_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def context_for(tmp_path: Path, llm: LlmSettings, explain: ExplainSettings | None = None) -> CliContext:
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path}/buildspeak.db"),
        web=WebSettings(port=0),  # the console serves the reader: on any free port here
        audio=AudioSettings(cache_dir=tmp_path / "audio"),
        llm=llm,
        explain=explain or ExplainSettings(),
    )
    context = CliContext(settings, FixedClock(MORNING), out=Console(file=io.StringIO(), width=200))
    migrate(context.database_engine)
    return context


async def test_a_configured_model_answers_in_the_console_and_its_client_is_closed(tmp_path: Path) -> None:
    async with FakeOpenAIServer(api_key="sk-cli") as fake:
        fake.reply_with("【这里的意思】吞没。")
        context = context_for(tmp_path, LlmSettings(base_url=fake.base_url, model=MODEL, api_key="sk-cli"))
        lines = iter(["/explain engulfed", None])
        runtime = build_runtime(context, ("console",), "", read=lambda: next(lines))
        (close,) = runtime.closers
        http = close.__self__  # type: ignore[attr-defined]
        await runtime.run(signals=False)
        assert isinstance(http, httpx.AsyncClient) and http.is_closed, "closed when the runtime ends"
        assert len(fake.requests) == 1
        assert "🤖 AI 讲解 · engulfed" in context.out.file.getvalue()  # type: ignore[attr-defined]
        context.database_engine.dispose()


def test_without_a_model_the_conversation_explains_offline(tmp_path: Path) -> None:
    context = context_for(tmp_path, LlmSettings())
    explainer = build_conversation(context, offline_audio=True).services.explainer
    assert explainer is not None and explainer.ai is None
    context.database_engine.dispose()
