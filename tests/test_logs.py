"""Logs never show a secret, even inside an exception's text and traceback."""

from __future__ import annotations

import io
import logging

from bot.logs import configure_logging


def test_token_is_masked_in_messages_and_tracebacks() -> None:
    token = "123456:SECRET-token"
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("INFO", secrets=[token], stream=stream)
        log = logging.getLogger("buildspeak.test")
        log.info("POST https://api.telegram.org/bot%s/sendMessage", token)
        try:
            raise ConnectionError(f"https://api.telegram.org/bot{token}/getUpdates unreachable")
        except ConnectionError:
            log.exception("polling failed")
        logging.getLogger("httpx").info("HTTP Request: POST .../bot%s/getMe", token)
    finally:
        root.handlers[:], root.level = saved
    text = stream.getvalue()
    assert token not in text
    assert (
        "bot«secret»/sendMessage" in text and "ConnectionError: https://api.telegram.org/bot«secret»" in text
    )
    assert "getMe" not in text, "httpx's per-request lines are turned down"
