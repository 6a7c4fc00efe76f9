"""The fake OpenAI server, spoken to with plain httpx, so the client tests built on it can be trusted.

These pin down the wire format (answer and error shapes), the checks OpenAI makes (key, body), and that
each scripted behaviour does what it says, one request at a time.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fakes.openai_api import MODEL, FakeOpenAIServer

KEY = "test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
HELLO = [{"role": "user", "content": "What does 'engulfed' mean?"}]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAIServer]:
    async with FakeOpenAIServer(api_key=KEY) as server:
        yield server


# Each httpx client loads the CA bundle (~60 ms); these tests speak plain HTTP, so one context is shared.
SSL_CONTEXT = ssl.create_default_context()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0, verify=SSL_CONTEXT) as client:
        yield client


async def chat(
    http: httpx.AsyncClient, fake: FakeOpenAIServer, body: Any = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    payload = {"model": MODEL, "messages": HELLO} if body is None else body
    return await http.post(
        f"{fake.base_url}/chat/completions", json=payload, headers=AUTH if headers is None else headers
    )


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The error object, after checking it has exactly OpenAI's four fields."""
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


async def test_answers_in_the_chat_completion_format(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    response = await chat(http, fake)

    assert response.status_code == 200
    data = response.json()
    assert data["object"] == "chat.completion"
    assert data["id"].startswith("chatcmpl-")
    assert data["model"] == MODEL
    assert abs(data["created"] - time.time()) < 60
    assert data["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": data["choices"][0]["message"]["content"]},
            "finish_reason": "stop",
        }
    ]
    usage = data["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


async def test_default_answer_is_chinese_and_quotes_the_last_user_message(
    fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    messages = [
        {"role": "system", "content": "You explain English."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "x" * 30 + "0123456789ABCDEF"},
    ]
    first = (await chat(http, fake, {"model": MODEL, "messages": messages})).json()
    second = (await chat(http, fake, {"model": MODEL, "messages": messages})).json()

    content = first["choices"][0]["message"]["content"]
    assert "回答" in content
    assert "x" * 30 + "0123456789" in content
    assert "A" not in content  # only the first 40 characters are quoted
    assert content == second["choices"][0]["message"]["content"]


async def test_reply_with_and_a_callable_answer(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    fake.reply_with("固定回答")
    assert (await chat(http, fake)).json()["choices"][0]["message"]["content"] == "固定回答"

    fake.answer = lambda body: f"{len(body['messages'])} 条消息"
    assert (await chat(http, fake)).json()["choices"][0]["message"]["content"] == "1 条消息"


async def test_records_request_bodies_and_headers(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    body = {"model": MODEL, "messages": HELLO, "max_tokens": 50, "temperature": 0.2}
    await chat(http, fake, body)

    assert fake.requests == [body]
    assert fake.calls[0].headers["Authorization"] == f"Bearer {KEY}"
    assert fake.calls[0].status == 200


async def test_lists_its_model(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    response = await http.get(f"{fake.base_url}/models", headers=AUTH)

    assert response.status_code == 200
    assert response.json()["object"] == "list"
    assert [model["id"] for model in response.json()["data"]] == [MODEL]
    assert fake.requests == []  # only chat completions count as requests


async def test_unknown_paths_get_an_openai_404(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    response = await http.post(f"{fake.base_url}/completions", json={}, headers=AUTH)

    assert response.status_code == 404
    assert error_of(response)["message"] == "Invalid URL (POST /v1/completions)"


# --- Authentication --------------------------------------------------------------------------------------


async def test_a_missing_key_is_refused(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    response = await chat(http, fake, headers={})

    assert response.status_code == 401
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert "didn't provide an API key" in error["message"]


async def test_a_wrong_key_is_refused_without_echoing_it(
    fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    response = await chat(http, fake, headers={"Authorization": "Bearer sk-wrong-but-long-key"})

    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "invalid_api_key"
    assert "sk-wrong-but-long-key" not in error["message"]
    assert (await http.get(f"{fake.base_url}/models", headers={})).status_code == 401


async def test_without_a_key_anything_goes(http: httpx.AsyncClient) -> None:
    async with FakeOpenAIServer(api_key=None) as fake:
        assert (await chat(http, fake, headers={})).status_code == 200
        assert (await chat(http, fake, headers={"Authorization": "Bearer whatever"})).status_code == 200


# --- Validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"messages": HELLO}, "model", None),
        ({"model": MODEL}, "messages", "missing_required_parameter"),
        ({"model": MODEL, "messages": "hi"}, "messages", "invalid_type"),
        ({"model": MODEL, "messages": []}, "messages", "empty_array"),
        ({"model": MODEL, "messages": ["hi"]}, "messages[0]", "invalid_type"),
        ({"model": MODEL, "messages": [{"content": "hi"}]}, "messages[0].role", "missing_required_parameter"),
        (
            {"model": MODEL, "messages": [{"role": "robot", "content": "hi"}]},
            "messages[0].role",
            "invalid_value",
        ),
        (
            {"model": MODEL, "messages": [{"role": "user"}]},
            "messages[0].content",
            "missing_required_parameter",
        ),
        (
            {"model": MODEL, "messages": [{"role": "user", "content": 3}]},
            "messages[0].content",
            "invalid_type",
        ),
        ({"model": MODEL, "messages": HELLO, "max_tokens": 0}, "max_tokens", "integer_below_min_value"),
        ({"model": MODEL, "messages": HELLO, "max_tokens": "9"}, "max_tokens", "invalid_type"),
        ({"model": MODEL, "messages": HELLO, "temperature": 2.5}, "temperature", "decimal_above_max_value"),
    ],
)
async def test_refuses_bodies_openai_refuses(
    fake: FakeOpenAIServer, http: httpx.AsyncClient, body: dict[str, Any], param: str, code: str | None
) -> None:
    response = await chat(http, fake, body)

    assert response.status_code == 400
    error = error_of(response)
    assert (error["param"], error["code"], error["type"]) == (param, code, "invalid_request_error")
    assert fake.requests == [body]  # refused requests are recorded too


async def test_refuses_a_body_that_is_not_json(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    response = await http.post(f"{fake.base_url}/chat/completions", content=b"{not json", headers=AUTH)

    assert response.status_code == 400
    assert "could not parse the JSON body" in error_of(response)["message"]
    assert fake.calls[0].raw == b"{not json"
    assert fake.requests == []


async def test_another_model_is_not_found(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    response = await chat(http, fake, {"model": "gpt-nope", "messages": HELLO})

    assert response.status_code == 404
    assert error_of(response)["code"] == "model_not_found"


# --- Scripted trouble ------------------------------------------------------------------------------------


async def test_fail_next_fails_that_many_requests_then_answers(
    fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    fake.fail_next(503, count=2)

    statuses = [(await chat(http, fake)).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert [call.status for call in fake.calls] == [503, 503, 200]


async def test_a_scripted_failure_comes_before_the_key_check(
    fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    fake.fail_next(500)

    response = await chat(http, fake, headers={})

    assert response.status_code == 500
    assert error_of(response)["type"] == "server_error"
    assert "retry-after" not in response.headers


async def test_a_429_says_retry_after(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    fake.fail_next(429, retry_after=7)
    fake.fail_next(429)

    first, second = await chat(http, fake), await chat(http, fake)

    assert (first.status_code, first.headers["Retry-After"]) == (429, "7")
    assert error_of(first)["code"] == "rate_limit_exceeded"
    assert second.headers["Retry-After"] == "1"


async def test_fail_next_with_a_custom_code(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    fake.fail_next(429, code="insufficient_quota", message="You exceeded your current quota.")

    error = error_of(await chat(http, fake))

    assert (error["code"], error["message"]) == ("insufficient_quota", "You exceeded your current quota.")


async def test_delay_next_holds_the_answer(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    fake.delay_next(0.3)

    started = time.monotonic()
    await chat(http, fake)
    delayed = time.monotonic() - started
    started = time.monotonic()
    await chat(http, fake)

    assert delayed >= 0.3
    assert time.monotonic() - started < 0.3


async def test_a_client_that_gives_up_on_a_delay_is_recorded(
    fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    fake.delay_next(5)

    with pytest.raises(httpx.ReadTimeout):
        await http.post(
            f"{fake.base_url}/chat/completions",
            json={"model": MODEL, "messages": HELLO},
            headers=AUTH,
            timeout=0.2,
        )

    assert len(fake.requests) == 1  # recorded on arrival, not on answer
    assert (await chat(http, fake)).status_code == 200


async def test_disconnect_next_drops_the_connection(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    fake.disconnect_next()

    with pytest.raises(httpx.RemoteProtocolError):
        await chat(http, fake)

    assert fake.calls[0].status == 0
    assert (await chat(http, fake)).status_code == 200


async def test_raw_next_sends_any_body(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    fake.raw_next("<html>Bad Gateway</html>", status=502)
    fake.raw_next({"choices": []})

    first, second = await chat(http, fake), await chat(http, fake)

    assert (first.status_code, first.text) == (502, "<html>Bad Gateway</html>")
    assert (second.status_code, second.json()) == (200, {"choices": []})


async def test_scripted_steps_run_in_order(fake: FakeOpenAIServer, http: httpx.AsyncClient) -> None:
    fake.fail_next(500)
    fake.raw_next("{}", status=200)
    fake.fail_next(429)

    statuses = [(await chat(http, fake)).status_code for _ in range(4)]

    assert statuses == [500, 200, 429, 200]
    assert fake.calls[1].status == 200 and fake.calls[3].status == 200


async def test_base_url_needs_a_running_server() -> None:
    fake = FakeOpenAIServer()
    with pytest.raises(RuntimeError):
        _ = fake.base_url
    async with fake:
        assert fake.base_url.startswith("http://127.0.0.1:")
        assert fake.base_url.endswith("/v1")
    with pytest.raises(RuntimeError):
        _ = fake.base_url
