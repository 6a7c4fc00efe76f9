"""Logs: one line per event, as text or JSON (python-json-logger), each naming its request; never
a secret, even inside an exception's text and traceback."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bot.logs import configure_logging
from bot.observability.requests import request_scope

TOKEN = "123456:SECRET-token"
API_KEY = 'sk-odd"key\\with-escapes'  # JSON escapes it: masked as written there too


@contextmanager
def logging_to(stream: io.StringIO, level: str = "INFO", **options: object) -> Iterator[None]:
    """The bot's logging, into `stream`, with the test runner's own handlers put back after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(level, stream=stream, **options)  # type: ignore[arg-type]
        yield
    finally:
        root.handlers[:], root.level = saved


def test_token_is_masked_in_messages_and_tracebacks() -> None:
    stream = io.StringIO()
    with logging_to(stream, secrets=[TOKEN]):
        log = logging.getLogger("buildspeak.test")
        log.info("POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
        try:
            raise ConnectionError(f"https://api.telegram.org/bot{TOKEN}/getUpdates unreachable")
        except ConnectionError:
            log.exception("polling failed")
        logging.getLogger("httpx").info("HTTP Request: POST .../bot%s/getMe", TOKEN)
    text = stream.getvalue()
    assert TOKEN not in text
    assert (
        "bot«secret»/sendMessage" in text and "ConnectionError: https://api.telegram.org/bot«secret»" in text
    )
    assert "getMe" not in text, "httpx's per-request lines are turned down"


def test_text_lines_name_their_request() -> None:
    stream = io.StringIO()
    with logging_to(stream):
        log = logging.getLogger("buildspeak.test")
        log.info("starting")
        with request_scope("tg-42"):
            log.warning("slow reply")
    starting, slow = stream.getvalue().splitlines()
    assert starting.endswith("INFO buildspeak.test [-]: starting")
    assert slow.endswith("WARNING buildspeak.test [tg-42]: slow reply")


def test_json_lines_carry_level_logger_message_and_request_id() -> None:
    stream = io.StringIO()
    with logging_to(stream, format="json"):
        log = logging.getLogger("buildspeak.test")
        with request_scope("dc-7"):
            log.info("answered %d of %d", 1, 2)
        log.debug("not shown at INFO")
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert {key: record[key] for key in ("level", "logger", "message", "request_id")} == {
        "level": "INFO",
        "logger": "buildspeak.test",
        "message": "answered 1 of 2",
        "request_id": "dc-7",
    }
    assert record["timestamp"].endswith("+00:00")


def test_json_lines_mask_secrets_in_the_message_and_the_traceback() -> None:
    stream = io.StringIO()
    with logging_to(stream, secrets=[TOKEN, API_KEY], format="json"):
        log = logging.getLogger("buildspeak.test")
        try:
            raise PermissionError(f"key {API_KEY} refused at /bot{TOKEN}/getMe")
        except PermissionError:
            log.exception("calling with %s failed", API_KEY)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, "one line per event, the traceback inside it"
    record = json.loads(lines[0])
    assert record["level"] == "ERROR" and record["message"] == "calling with «secret» failed"
    assert "PermissionError: key «secret» refused at /bot«secret»/getMe" in record["exc_info"]
    assert TOKEN not in lines[0] and API_KEY not in lines[0] and "SECRET-token" not in lines[0]
    assert json.dumps(API_KEY)[1:-1] not in lines[0]
