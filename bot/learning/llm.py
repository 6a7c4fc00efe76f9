"""A small client for OpenAI-compatible chat completions (OpenAI, Ollama, vLLM, DeepSeek, ...).

The bot asks a model to explain words and sentences while a learner waits, so this client is
built around bounded waiting and bounded cost rather than features: one POST per attempt, a hard
deadline on each attempt, a few retries only where a retry can help (429, 5xx, dropped
connections), the prompt and the answer cut to size. Every failure becomes `LlmUnavailable`, so
callers have one thing to catch and can fall back to the dictionary.

The `httpx.AsyncClient` is passed in: the composition root owns its pool and its lifetime.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random as random_module
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

_LOGGER = logging.getLogger(__name__)

BACKOFF_BASE = 0.5  # seconds before the first retry, doubled for each later one, plus jitter
MAX_RETRY_AFTER = 30.0  # never wait longer than this, whatever Retry-After says (batch work)
CUT_MARK = "…"

Message = dict[str, str]


@dataclass(frozen=True)
class LlmConfig:
    """Where the model is and how much of it we may use; `timeout` bounds each whole attempt."""

    base_url: str
    api_key: str | None
    model: str
    timeout: float = 20.0
    max_answer_tokens: int = 700
    max_prompt_chars: int = 8000
    retries: int = 2
    max_answer_chars: int = 4000

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("LlmConfig.base_url must start with http:// or https://")
        if self.timeout <= 0 or self.retries < 0 or self.max_answer_chars < 2 or self.max_prompt_chars < 2:
            raise ValueError("LlmConfig needs timeout > 0, retries >= 0 and limits of at least 2 characters")

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/chat/completions"


class LlmUnavailable(Exception):
    """No usable answer from the model; `reason` is short English for logs, never shown to learners."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Retryable(Exception):
    """An attempt that may succeed if repeated; `wait` is the server's Retry-After, when it sent one."""

    def __init__(self, failure: str, wait: float | None = None) -> None:
        super().__init__(failure)
        self.failure = failure
        self.wait = wait


class ChatClient:
    """Chat completions with retries, a per-attempt deadline and bounded prompt and answer.

    `max_retry_after` caps a server's Retry-After: a translation in the background can wait the
    default 30 s, a learner waiting in a chat should not (the bot passes a few seconds). `sleep` and
    `random` are injectable so tests can record backoff delays instead of waiting.
    """

    def __init__(
        self,
        config: LlmConfig,
        http: httpx.AsyncClient,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        random: Callable[[], float] = random_module.random,
        *,
        max_retry_after: float = MAX_RETRY_AFTER,
    ) -> None:
        if max_retry_after < 0:
            raise ValueError("ChatClient max_retry_after must be >= 0")
        self.config = config
        self._http = http
        self._sleep = sleep
        self._random = random
        self.max_retry_after = max_retry_after
        self._headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}

    async def complete(self, messages: list[Message], *, temperature: float = 0.3) -> str:
        """The model's answer to `messages`, stripped and cut to `max_answer_chars`."""
        body = {
            "model": self.config.model,
            "messages": bound_prompt(messages, self.config.max_prompt_chars),
            "max_tokens": self.config.max_answer_tokens,
            "temperature": temperature,
        }
        try:
            answer = _content(await self._post_with_retries(body))
        except LlmUnavailable as error:
            _LOGGER.warning("LLM %s unavailable: %s", self.config.model, error.reason)
            raise
        return cut(answer, self.config.max_answer_chars)

    async def _post_with_retries(self, body: dict[str, Any]) -> httpx.Response:
        """Up to `retries` retryable failures are waited out; the last attempt's failure is final."""
        attempts = self.config.retries + 1
        for attempt in range(1, attempts):
            try:
                return await self._attempt(body)
            except _Retryable as error:
                delay = self._delay(attempt, error.wait)
                retry = f"retry {attempt}/{attempts - 1} in {delay:.1f} s"
                _LOGGER.info("LLM %s: %s, %s", self.config.model, error.failure, retry)
                await self._sleep(delay)
        try:
            return await self._attempt(body)
        except _Retryable as error:
            raise LlmUnavailable(f"{error.failure} after {attempts} attempts") from None

    async def _attempt(self, body: dict[str, Any]) -> httpx.Response:
        """One POST under a deadline for the whole exchange (httpx's own timeouts are per phase).

        A timed-out attempt is not retried: the learner has already waited the whole budget.
        """
        timeout = self.config.timeout
        try:
            async with asyncio.timeout(timeout):
                response = await self._http.post(
                    self.config.url, json=body, headers=self._headers, timeout=timeout
                )
        except (TimeoutError, httpx.TimeoutException):
            raise LlmUnavailable(f"timed out after {timeout:g} s") from None
        except httpx.TransportError as error:
            raise _Retryable(f"connection failed ({type(error).__name__})") from error
        except httpx.HTTPError as error:
            raise LlmUnavailable(f"request failed ({type(error).__name__})") from None
        _check_status(response)
        return response

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """The server's Retry-After, capped, else our backoff."""
        return self._backoff(attempt) if retry_after is None else min(retry_after, self.max_retry_after)

    def _backoff(self, attempt: int) -> float:
        """Exponential, with up to as much again of jitter so many clients do not retry in step."""
        return BACKOFF_BASE * 2 ** (attempt - 1) * (1 + self._random())


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if response.is_success:
        return
    if status in (401, 403):  # a wrong key, or a key without access to this model, project or region
        raise LlmUnavailable(
            f"HTTP {status}: " + ("the API key was refused" if status == 401 else "forbidden")
        )
    code = _error_field(response, "code")
    if status == 429 and code == "insufficient_quota":  # OpenAI's "out of credit": waiting won't help
        raise LlmUnavailable("HTTP 429: insufficient_quota")
    if status == 429 or status >= 500:
        raise _Retryable(f"HTTP {status}", _retry_after(response))
    message = _error_field(response, "message") or code or response.reason_phrase
    raise LlmUnavailable(f"HTTP {status}: {message[:200]}")


def _error_field(response: httpx.Response, field: str) -> str:
    """A field of OpenAI's error body {"error": {...}}; Ollama sometimes sends {"error": "text"}."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    if isinstance(error, str):
        return error if field == "message" else ""
    value = error.get(field) if isinstance(error, dict) else None
    return value if isinstance(value, str) else ""


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds; the HTTP-date form is rare on these APIs and falls back to backoff."""
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _content(response: httpx.Response) -> str:
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LlmUnavailable("malformed answer: no choices[0].message.content") from None
    if not isinstance(content, str) or not content.strip():
        raise LlmUnavailable("empty answer")
    return content.strip()


def cut(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its start and a mark, `limit` characters in all."""
    return text if len(text) <= limit else text[: limit - len(CUT_MARK)].rstrip() + CUT_MARK


def bound_prompt(messages: list[Message], limit: int) -> list[Message]:
    """A copy of `messages` whose contents total at most `limit` characters.

    The longest non-system message (usually the pasted post) is cut first, keeping its start;
    system messages are ours and are never cut.
    """
    bounded = [dict(message) for message in messages]
    excess = sum(len(message["content"]) for message in bounded) - limit
    while excess > 0:
        cuttable = [m for m in bounded if m["role"] != "system" and len(m["content"]) > len(CUT_MARK)]
        if not cuttable:
            break
        longest = max(cuttable, key=lambda message: len(message["content"]))
        before = len(longest["content"])
        longest["content"] = cut(longest["content"], max(before - excess, len(CUT_MARK)))
        excess -= before - len(longest["content"])
    return bounded
