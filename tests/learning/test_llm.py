"""The real ChatClient and a real httpx.AsyncClient against the local fake OpenAI server.

Backoff sleeps go to a recorder instead of the clock, so retry tests are instant and can check the
delays; only the timeout tests spend real (sub-second) time.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.learning.llm import (
    BACKOFF_BASE,
    MAX_RETRY_AFTER,
    ChatClient,
    LlmConfig,
    LlmUnavailable,
    bound_prompt,
    cut,
)
from tests.fakes.openai_api import MODEL, FakeOpenAIServer

KEY = "test-key-0123456789"
QUESTION = [
    {"role": "system", "content": "你是英语老师。"},
    {"role": "user", "content": "Explain: 'ship it'"},
]


class SleepRecorder:
    """Stands in for asyncio.sleep: remembers each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAIServer]:
    async with FakeOpenAIServer(api_key=KEY) as server:
        yield server


# Each httpx client loads the CA bundle (~60 ms); these tests speak plain HTTP, so one context is shared.
SSL_CONTEXT = ssl.create_default_context()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(verify=SSL_CONTEXT) as client:
        yield client


@pytest.fixture
def sleep() -> SleepRecorder:
    return SleepRecorder()


def make_client(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder, **overrides: object
) -> ChatClient:
    options: dict[str, object] = {"base_url": fake.base_url, "api_key": KEY, "model": MODEL} | overrides
    return ChatClient(LlmConfig(**options), http, sleep=sleep, random=lambda: 0.5)  # type: ignore[arg-type]


# --- Answers ---------------------------------------------------------------------------------------------


async def test_returns_the_stripped_answer(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    fake.reply_with("\n  “ship it” 意思是：发布吧。  \n")

    answer = await make_client(fake, http, sleep).complete(QUESTION)

    assert answer == "“ship it” 意思是：发布吧。"
    assert sleep.delays == []


async def test_the_default_answer_quotes_our_question(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    answer = await make_client(fake, http, sleep).complete(QUESTION)

    assert "Explain: 'ship it'" in answer


async def test_the_request_carries_model_messages_and_limits(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    client = make_client(fake, http, sleep, max_answer_tokens=321)

    await client.complete(QUESTION, temperature=0.7)

    assert fake.requests == [{"model": MODEL, "messages": QUESTION, "max_tokens": 321, "temperature": 0.7}]
    assert fake.calls[0].path == "/v1/chat/completions"


async def test_a_trailing_slash_in_base_url_is_fine(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    await make_client(fake, http, sleep, base_url=fake.base_url + "/").complete(QUESTION)

    assert fake.calls[0].path == "/v1/chat/completions"


async def test_sends_the_bearer_key(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    await make_client(fake, http, sleep).complete(QUESTION)

    assert fake.calls[0].headers["Authorization"] == f"Bearer {KEY}"


async def test_no_key_no_authorization_header(http: httpx.AsyncClient, sleep: SleepRecorder) -> None:
    async with FakeOpenAIServer(api_key=None) as keyless:  # like a local Ollama
        await make_client(keyless, http, sleep, api_key=None).complete(QUESTION)

        assert "Authorization" not in keyless.calls[0].headers


# --- Retries ---------------------------------------------------------------------------------------------


async def test_a_429_waits_as_long_as_retry_after_says(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    fake.fail_next(429, retry_after=7)

    answer = await make_client(fake, http, sleep).complete(QUESTION)

    assert "ship it" in answer
    assert sleep.delays == [7]
    assert len(fake.requests) == 2


async def test_retry_after_is_capped(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    fake.fail_next(429, retry_after=3600)

    await make_client(fake, http, sleep).complete(QUESTION)

    assert sleep.delays == [MAX_RETRY_AFTER]


async def test_an_interactive_client_caps_retry_after_at_its_own_limit(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    fake.fail_next(429, retry_after=30, count=2)
    config = LlmConfig(base_url=fake.base_url, api_key=KEY, model=MODEL)

    await ChatClient(config, http, sleep=sleep, max_retry_after=2.5).complete(QUESTION)

    assert sleep.delays == [2.5, 2.5], "a learner is waiting: not 30 s, twice"
    fake.fail_next(429, retry_after=1)
    await ChatClient(config, http, sleep=sleep, max_retry_after=2.5).complete(QUESTION)
    assert sleep.delays[-1] == 1, "a shorter Retry-After is kept"


async def test_two_500s_then_success_backs_off_exponentially(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next(500, count=2)

    with caplog.at_level(logging.INFO, logger="bot.learning.llm"):
        answer = await make_client(fake, http, sleep).complete(QUESTION)

    assert "ship it" in answer
    assert sleep.delays == [BACKOFF_BASE * 1.5, BACKOFF_BASE * 2 * 1.5]  # random() is 0.5
    assert [call.status for call in fake.calls] == [500, 500, 200]
    retries = [record for record in caplog.records if record.levelno == logging.INFO]
    assert len(retries) == 2 and "HTTP 500" in retries[0].getMessage()


async def test_jitter_spreads_the_backoff(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    fake.fail_next(502)
    config = LlmConfig(base_url=fake.base_url, api_key=KEY, model=MODEL)

    await ChatClient(config, http, sleep=sleep, random=lambda: 0.0).complete(QUESTION)
    fake.fail_next(502)
    await ChatClient(config, http, sleep=sleep, random=lambda: 0.99).complete(QUESTION)

    assert sleep.delays[0] == BACKOFF_BASE
    assert BACKOFF_BASE * 1.9 < sleep.delays[1] < BACKOFF_BASE * 2


async def test_persistent_503_gives_up_after_retries_plus_one_attempts(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next(503, count=10)

    with pytest.raises(LlmUnavailable) as raised:
        await make_client(fake, http, sleep, retries=3).complete(QUESTION)

    assert len(fake.requests) == 4
    assert len(sleep.delays) == 3
    assert raised.value.reason == "HTTP 503 after 4 attempts"
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1 and "HTTP 503 after 4 attempts" in warnings[0].getMessage()


async def test_a_dropped_connection_is_retried(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    fake.disconnect_next()

    answer = await make_client(fake, http, sleep).complete(QUESTION)

    assert "ship it" in answer
    assert len(sleep.delays) == 1


async def test_nobody_listening_is_unavailable(http: httpx.AsyncClient, sleep: SleepRecorder) -> None:
    async with FakeOpenAIServer() as gone:
        base_url = gone.base_url  # a port that is free again once the fake stops
    config = LlmConfig(base_url=base_url, api_key=None, model=MODEL, retries=1)

    with pytest.raises(LlmUnavailable, match="connection failed"):
        await ChatClient(config, http, sleep=sleep).complete(QUESTION)

    assert len(sleep.delays) == 1


# --- Failures that are not retried -----------------------------------------------------------------------


async def test_a_timeout_is_unavailable_quickly_and_not_retried(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    fake.delay_next(5, count=3)
    client = make_client(fake, http, sleep, timeout=0.3)

    started = time.monotonic()
    with pytest.raises(LlmUnavailable) as raised:
        await client.complete(QUESTION)

    assert time.monotonic() - started < 1.5
    assert raised.value.reason == "timed out after 0.3 s"
    assert len(fake.requests) == 1
    assert sleep.delays == []


async def test_a_wrong_key_is_not_retried_and_never_logged(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(fake, http, sleep, api_key="sk-wrong-secret-value")

    with caplog.at_level(logging.DEBUG), pytest.raises(LlmUnavailable) as raised:
        await client.complete(QUESTION)

    assert raised.value.reason == "HTTP 401: the API key was refused"
    assert len(fake.requests) == 1
    assert sleep.delays == []
    assert "sk-wrong-secret-value" not in caplog.text
    assert KEY not in caplog.text


async def test_a_403_is_not_retried(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    fake.fail_next(403, message="Country, region, or territory not supported")

    with pytest.raises(LlmUnavailable, match="HTTP 403"):
        await make_client(fake, http, sleep).complete(QUESTION)

    assert len(fake.requests) == 1


async def test_another_4xx_is_not_retried_and_says_why(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    with pytest.raises(LlmUnavailable) as raised:
        await make_client(fake, http, sleep, model="gpt-nope").complete(QUESTION)

    assert raised.value.reason.startswith("HTTP 404: The model `gpt-nope` does not exist")
    assert len(fake.requests) == 1


async def test_out_of_quota_is_not_retried(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    fake.fail_next(429, code="insufficient_quota", count=3)

    with pytest.raises(LlmUnavailable, match="insufficient_quota"):
        await make_client(fake, http, sleep).complete(QUESTION)

    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("this is not json", "malformed answer"),
        ({"choices": []}, "malformed answer"),
        ({"id": "x"}, "malformed answer"),
        ({"choices": [{"message": {"role": "assistant", "content": None}}]}, "empty answer"),
        ({"choices": [{"message": {"role": "assistant", "content": "  \n "}}]}, "empty answer"),
    ],
)
async def test_a_malformed_answer_is_unavailable(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder, body: object, reason: str
) -> None:
    fake.raw_next(body)  # type: ignore[arg-type]

    with pytest.raises(LlmUnavailable, match=reason):
        await make_client(fake, http, sleep).complete(QUESTION)

    assert len(fake.requests) == 1


async def test_an_html_error_page_from_a_proxy_is_handled(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    fake.raw_next("<html>502 Bad Gateway</html>", status=502)

    assert "ship it" in await make_client(fake, http, sleep).complete(QUESTION)
    assert len(sleep.delays) == 1


# --- Bounds ----------------------------------------------------------------------------------------------


async def test_the_prompt_is_bounded_by_cutting_the_longest_user_message(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    system = {"role": "system", "content": "S" * 50}
    post = {"role": "user", "content": "Translate this post: " + "word " * 200}
    question = {"role": "user", "content": "Keep it short."}

    await make_client(fake, http, sleep, max_prompt_chars=300).complete([system, post, question])

    sent = fake.requests[0]["messages"]
    assert sum(len(message["content"]) for message in sent) <= 300
    assert sent[0] == system and sent[2] == question
    assert sent[1]["content"].startswith("Translate this post: word")
    assert sent[1]["content"].endswith("…")
    assert len(post["content"]) > 1000  # the caller's messages are left alone


async def test_the_answer_is_bounded(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, sleep: SleepRecorder
) -> None:
    fake.reply_with("很长的解释。" * 100)

    answer = await make_client(fake, http, sleep, max_answer_chars=50).complete(QUESTION)

    assert len(answer) == 50
    assert answer.startswith("很长的解释。") and answer.endswith("…")


def test_bound_prompt_cuts_several_messages_when_one_is_not_enough() -> None:
    messages = [
        {"role": "system", "content": "s" * 10},
        {"role": "user", "content": "a" * 30},
        {"role": "assistant", "content": "b" * 25},
    ]

    bounded = bound_prompt(messages, 20)

    assert [message["content"] for message in bounded] == ["s" * 10, "…", "b" * 8 + "…"]


def test_bound_prompt_never_cuts_system_messages() -> None:
    messages = [{"role": "system", "content": "s" * 40}, {"role": "user", "content": "hi"}]

    assert bound_prompt(messages, 10) == [
        {"role": "system", "content": "s" * 40},
        {"role": "user", "content": "…"},
    ]


def test_cut_leaves_short_text_alone() -> None:
    assert cut("short", 5) == "short"
    assert cut("longer text", 8) == "longer…"


def test_config_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        LlmConfig(base_url="api.openai.com/v1", api_key=None, model=MODEL)
    with pytest.raises(ValueError):
        LlmConfig(base_url="http://127.0.0.1:11434/v1", api_key=None, model=MODEL, timeout=0)
    with pytest.raises(ValueError):
        ChatClient(
            LlmConfig(base_url="http://127.0.0.1:1/v1", api_key=None, model=MODEL), None, max_retry_after=-1
        )  # type: ignore[arg-type]
