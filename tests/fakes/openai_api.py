"""A local fake of the OpenAI chat-completions API, served over HTTP, for tests of the real LLM client.

Why a server and not a mock: what goes wrong with an LLM API happens below the call a mock replaces:
how httpx encodes the JSON and the Authorization header, how a 429's Retry-After reaches the client,
what a request that hangs does to a deadline, what a dropped connection raises, what an error body
looks like. This fake speaks the wire format, so `ChatClient` runs unchanged with a real
`httpx.AsyncClient` and `base_url=fake.base_url`.

What it reproduces, after OpenAI's API reference and the errors it actually sends:

* `POST /v1/chat/completions` answers `{"id", "object": "chat.completion", "created", "model",
  "choices": [{"index": 0, "message": {"role": "assistant", "content"}, "finish_reason": "stop"}],
  "usage"}`. `GET /v1/models` lists the one model. Other paths get OpenAI's 404 "Invalid URL".
* Errors have OpenAI's shape `{"error": {"message", "type", "param", "code"}}`: 401 for a missing or
  wrong bearer key (when the fake has a key), 400 for a body that is not JSON, lacks `model` or
  `messages`, has a message whose role is not system/user/assistant or whose content is not a string,
  or a bad `max_tokens`/`temperature`; 404 `model_not_found` for another model.
* Scripted behaviour, one step per chat-completion request in the order scripted: `fail_next`,
  `delay_next`, `disconnect_next`, `raw_next`. An empty script means a normal answer.

Deliberately left out: streaming, tools, images, token counting (usage is a rough estimate).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

JSON = dict[str, Any]
MODEL = "fake-model"
ROLES = ("system", "user", "assistant")
DEFAULT_ERRORS: dict[int, tuple[str, str, str | None]] = {  # status -> message, type, code
    429: ("Rate limit reached for requests. Please try again later.", "requests", "rate_limit_exceeded"),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    502: ("Bad gateway.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


class OpenAIError(Exception):
    """An OpenAI error answer: raised while handling a request, it becomes the response."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: JSON = {"error": {"message": message, "type": type, "param": param, "code": code}}
        self.retry_after = retry_after

    def response(self) -> web.Response:
        headers = {} if self.retry_after is None else {"Retry-After": f"{self.retry_after:g}"}
        return web.json_response(self.body, status=self.status, headers=headers)


@dataclass
class Call:
    """One request as received. `body` is None unless it was a JSON object; `status` is None while
    the request is being answered, 499 if the client hung up first, 0 if the fake hung up."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: JSON | None
    status: int | None = None


@dataclass(frozen=True)
class _Step:
    """What the fake does with one chat-completion request instead of (or before) answering it."""

    kind: str  # "answer", "fail", "delay", "disconnect" or "raw"
    error: OpenAIError | None = None
    seconds: float = 0.0
    status: int = 200
    text: str = ""


def default_answer(body: JSON) -> str:
    """A deterministic Chinese answer quoting the last user message, so a test sees what reached it."""
    users = [message["content"] for message in body["messages"] if message["role"] == "user"]
    return f"这是测试模型的回答：「{(users[-1] if users else '')[:40]}」"


class FakeOpenAIServer:
    """The chat-completions API on 127.0.0.1 (a free port), served by aiohttp in the test's own loop.

    `async with FakeOpenAIServer(api_key="test-key") as fake:`, then use `fake.base_url`. Read
    `requests` (the JSON bodies received) or `calls` (with headers and status); set the answer with
    `reply_with(text)` or `fake.answer = lambda body: text`; script trouble with `fail_next`,
    `delay_next`, `disconnect_next` and `raw_next`.
    """

    def __init__(self, *, api_key: str | None = "test-key", model: str = MODEL) -> None:
        self.api_key = api_key
        self.model = model
        self.answer: Callable[[JSON], str] = default_answer
        self.calls: list[Call] = []
        self._script: deque[_Step] = deque()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # Lifecycle

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("the fake OpenAI server is not running")
        return f"http://127.0.0.1:{self._port}/v1"

    async def start(self) -> Self:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        app.router.add_get("/v1/models", self._models)
        app.router.add_route("*", "/{path:.*}", self._unknown)
        # handler_cancellation: a delayed answer whose client gave up ends instead of lingering.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._port = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # Test controls

    @property
    def requests(self) -> list[JSON]:
        """The JSON bodies of chat-completion requests, in order, including refused and failed ones."""
        return [
            call.body for call in self.calls if call.path == "/v1/chat/completions" and call.body is not None
        ]

    def reply_with(self, text: str) -> None:
        self.answer = lambda body: text

    def fail_next(
        self,
        status: int,
        count: int = 1,
        retry_after: float | None = None,
        *,
        message: str | None = None,
        code: str | None = None,
    ) -> None:
        """The next `count` requests get this error before anything is checked; a 429 says Retry-After."""
        if status == 429 and retry_after is None:
            retry_after = 1
        default = DEFAULT_ERRORS.get(
            status, ("Error.", "server_error" if status >= 500 else "api_error", None)
        )
        error = OpenAIError(
            status,
            message or default[0],
            type=default[1],
            code=code or default[2],
            retry_after=retry_after,
        )
        self._script.extend(_Step("fail", error=error) for _ in range(count))

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """The next `count` requests wait `seconds` before being answered (to run into client deadlines)."""
        self._script.extend(_Step("delay", seconds=seconds) for _ in range(count))

    def disconnect_next(self, count: int = 1) -> None:
        """The next `count` requests are read, then the connection is dropped without a response."""
        self._script.extend(_Step("disconnect") for _ in range(count))

    def raw_next(self, body: str | JSON, status: int = 200, count: int = 1) -> None:
        """The next `count` requests get exactly this body (a JSON object is encoded), valid or not."""
        text = body if isinstance(body, str) else json.dumps(body)
        self._script.extend(_Step("raw", status=status, text=text) for _ in range(count))

    # HTTP

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        call = await self._receive(request)
        step = self._script.popleft() if self._script else _Step("answer")
        try:
            response = await self._perform(step, request, call)
        except asyncio.CancelledError:
            call.status = 499
            raise
        call.status = 0 if step.kind == "disconnect" else response.status
        return response

    async def _perform(self, step: _Step, request: web.Request, call: Call) -> web.Response:
        if step.kind == "disconnect":
            if request.transport is not None:
                request.transport.abort()  # httpx then raises RemoteProtocolError
            return web.Response()
        if step.kind == "raw":
            return web.Response(status=step.status, text=step.text, content_type="application/json")
        await asyncio.sleep(step.seconds)
        try:
            if step.error is not None:
                raise step.error
            self._authorize(request)
            return web.json_response(self._completion(_checked_body(call)))
        except OpenAIError as error:
            return error.response()

    async def _models(self, request: web.Request) -> web.Response:
        call = await self._receive(request)
        try:
            self._authorize(request)
            owner = "buildspeak-tests"
            model = {"id": self.model, "object": "model", "created": 0, "owned_by": owner}
            response = web.json_response({"object": "list", "data": [model]})
        except OpenAIError as error:
            response = error.response()
        call.status = response.status
        return response

    async def _unknown(self, request: web.Request) -> web.Response:
        call = await self._receive(request)
        call.status = 404
        return OpenAIError(404, f"Invalid URL ({request.method} {request.path})").response()

    async def _receive(self, request: web.Request) -> Call:
        """Record the request at once, so a test sees it even while the answer is delayed."""
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else None
        call = Call(request.method, request.path, dict(request.headers), raw, body)
        self.calls.append(call)
        return call

    def _authorize(self, request: web.Request) -> None:
        if self.api_key is None:
            return
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise OpenAIError(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization "
                "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        key = header.removeprefix("Bearer ")
        if key != self.api_key:
            shown = f"{key[:3]}***{key[-4:]}" if len(key) > 8 else "***"
            raise OpenAIError(401, f"Incorrect API key provided: {shown}.", code="invalid_api_key")

    def _completion(self, body: JSON) -> JSON:
        if body["model"] != self.model:
            raise OpenAIError(
                404,
                f"The model `{body['model']}` does not exist or you do not have access to it.",
                code="model_not_found",
            )
        content = self.answer(body)
        prompt = sum(len(message["content"]) for message in body["messages"]) // 4 + 1
        completion = len(content) // 4 + 1
        return {
            "id": f"chatcmpl-fake{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }


def _checked_body(call: Call) -> JSON:
    """The request body if OpenAI would accept it; otherwise the 400 OpenAI sends."""
    body = call.body
    if body is None:
        raise OpenAIError(
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
            "using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
        )
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise OpenAIError(400, "you must provide a model parameter", param="model")
    _check_messages(body.get("messages"))
    _check_number(body, "max_tokens", "integer", 1, None)
    _check_number(body, "temperature", "decimal", 0, 2)
    return body


def _check_messages(messages: object) -> None:
    if messages is None:
        raise _missing("messages")
    if not isinstance(messages, list):
        raise _wrong_type("messages", "an array", messages)
    if not messages:
        raise OpenAIError(
            400,
            "Invalid 'messages': empty array. Expected an array with minimum length 1, "
            "but got an empty array instead.",
            param="messages",
            code="empty_array",
        )
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            raise _wrong_type(where, "an object", message)
        if "role" not in message:
            raise _missing(f"{where}.role")
        if message["role"] not in ROLES:
            supported = ", ".join(f"'{role}'" for role in ROLES)
            raise OpenAIError(
                400,
                f"Invalid value: '{message['role']}'. Supported values are: {supported}.",
                param=f"{where}.role",
                code="invalid_value",
            )
        if "content" not in message:
            raise _missing(f"{where}.content")
        if not isinstance(message["content"], str):
            raise _wrong_type(f"{where}.content", "a string", message["content"])


def _check_number(body: JSON, name: str, kind: str, low: float, high: float | None) -> None:
    """`kind` is "integer" or "decimal", the words OpenAI's range errors use."""
    value = body.get(name)
    if value is None:
        return
    allowed = int if kind == "integer" else int | float
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise _wrong_type(name, "an integer" if kind == "integer" else "a number", value)
    if value < low:
        raise _out_of_range(
            name, f"{kind} below minimum value", f">= {low}", f"{kind}_below_min_value", value
        )
    if high is not None and value > high:
        raise _out_of_range(
            name, f"{kind} above maximum value", f"<= {high}", f"{kind}_above_max_value", value
        )


def _out_of_range(name: str, problem: str, expected: str, code: str, value: object) -> OpenAIError:
    return OpenAIError(
        400,
        f"Invalid '{name}': {problem}. Expected a value {expected}, but got {value} instead.",
        param=name,
        code=code,
    )


def _missing(param: str) -> OpenAIError:
    return OpenAIError(
        400, f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter"
    )


def _wrong_type(param: str, expected: str, value: object) -> OpenAIError:
    got = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )
    return OpenAIError(
        400,
        f"Invalid type for '{param}': expected {expected}, but got {got} instead.",
        param=param,
        code="invalid_type",
    )
