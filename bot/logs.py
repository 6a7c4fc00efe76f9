"""Logging for the running bot: one stderr handler, and secrets never printed.

Bot API URLs carry the token (`/bot<token>/sendMessage`), and HTTP errors
quote their URL, so a formatter masks every configured secret in the whole
formatted record, traceback included. httpx's per-request lines are turned
down for the same reason and because they drown everything else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import IO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "«secret»"
CHATTY_LOGGERS = ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler", "alembic")


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self.secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def configure_logging(
    level: str, secrets: Iterable[str] = (), stream: IO[str] | None = None
) -> logging.Handler:
    """Install the redacting handler on the root logger (replacing earlier ones); returns it."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return handler
