"""What people write stays out of the logs at INFO and above, and every line written while an
update is handled names it: a chat turn through the core, with a model that fails (so there is
something to log), logged as the running bot logs (JSON, every level)."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.learning.setup import build_explainer
from bot.logs import configure_logging
from bot.settings import ExplainSettings, LlmSettings
from tests.core.fake_platform import FakeChat
from tests.fakes.openai_api import MODEL, FakeOpenAIServer

MARKER = "zqxwvmarker"
KEY = "sk-test-privacy"


@pytest.fixture
async def chat(services: Services) -> AsyncIterator[tuple[FakeChat, FakeOpenAIServer]]:
    async with FakeOpenAIServer(api_key=KEY) as fake, httpx.AsyncClient() as http:
        llm = LlmSettings(base_url=fake.base_url, api_key=KEY, model=MODEL, timeout=5.0, retries=0)
        explainer = build_explainer(
            llm,
            ExplainSettings(daily_questions=10),
            lessons=services.shelf.catalog.lessons.values(),
            dictionary=services.shelf.builder.dictionary,
            glossary=services.shelf.builder.glossary,
            sessions=services.sessions,
            http=http,
            metrics=services.metrics,
        )
        yield FakeChat(Conversation(dataclasses.replace(services, explainer=explainer))), fake


class Logged:
    """The bot's logging, DEBUG included, as JSON lines read back as objects."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def records(self) -> list[dict[str, str]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def logged() -> Iterator[Logged]:
    """Logging as the running bot logs (the test runner's handlers are put back after)."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logged = Logged()
    configure_logging("DEBUG", secrets=[KEY], stream=logged.stream, format="json")
    try:
        yield logged
    finally:
        root.handlers[:], root.level = saved


async def test_a_chat_turn_logs_no_users_text_at_info(
    chat: tuple[FakeChat, FakeOpenAIServer], logged: Logged
) -> None:
    person, fake = chat
    await person.say("/today")
    await person.say(f"/save {MARKER}")
    fake.fail_next(500, count=2)
    await person.say(f"{MARKER} 在这里是什么意思？", reply_to=-1)
    await person.say(f"/explain {MARKER} engulfed")

    assert sum(MARKER in json.dumps(body, ensure_ascii=False) for body in fake.requests) == 2
    records = logged.records
    failures = [record for record in records if "unavailable" in record["message"]]
    assert len(failures) == 2, "the model's failures were logged (so there was a chance to leak)"
    assert all(record["request_id"].startswith("fake-") for record in failures)
    assert len({record["request_id"] for record in failures}) == 2, "one id per update"
    assert [r for r in records if r["level"] != "DEBUG" and MARKER in json.dumps(r, ensure_ascii=False)] == []
