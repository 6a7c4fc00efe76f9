"""/explain on Discord with the model behind it: answered within Discord's 3 seconds by a
deferral ("BuildSpeak is thinking…"), then the model's answer fills it, for the member alone."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import httpx
import pytest
from sqlmodel import Session

from bot.core.turn import Services
from bot.learning.setup import build_explainer
from bot.settings import ExplainSettings, LlmSettings
from tests.adapters.discord_adapter.harness import School, running_adapter
from tests.fakes.discord_api import FakeDiscordServer
from tests.fakes.openai_api import MODEL, FakeOpenAIServer

Sessions = Callable[[], Session]
DEADLINE = 1.0  # the fake's window for a first answer (Discord's is 3 s); the model takes longer


@pytest.fixture
def interaction_deadline() -> float:
    return DEADLINE


async def test_explain_is_deferred_then_answered_by_the_model(
    services: Services, fake: FakeDiscordServer, world: School
) -> None:
    async with FakeOpenAIServer(api_key="sk-e2e") as model, httpx.AsyncClient() as http:
        model.reply_with("【这里的意思】moat：护城河，指别人难以复制的优势。")
        model.delay_next(DEADLINE + 0.5)
        explainer = build_explainer(
            LlmSettings(base_url=model.base_url, api_key="sk-e2e", model=MODEL, retries=0),
            ExplainSettings(),
            lessons=services.shelf.catalog.lessons.values(),
            dictionary=services.shelf.builder.dictionary,
            glossary=services.shelf.builder.glossary,
            sessions=services.sessions,
            http=http,
        )
        async with running_adapter(dataclasses.replace(services, explainer=explainer)):
            asked = await fake.slash_command(
                "explain", user_id=world.student.id, channel_id=world.general.id,
                options={"text": "What is a moat here?"},
            )  # fmt: skip
            await fake.wait_for_response(asked)
            assert asked.response_type == 5 and asked.ephemeral, "deferred at once, for the member alone"
            (answer,) = await fake.wait_for_followups(asked, count=1, timeout=10)
    assert "护城河" in answer.content and answer.ephemeral
    assert answer.content.startswith("**🤖 AI 讲解 · What is a moat here**")
