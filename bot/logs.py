"""Logging for the running bot: one stderr handler, one line per event, and secrets never printed.

Two formats: text for a terminal, JSON (`LOG_FORMAT=json`, python-json-logger's formatter) for a
log collector, one object per line with `timestamp`, `level`, `logger`, `message`, `request_id`
and, after an error, `exc_info`. Every line carries the request id of the update it was written
for (`bot.observability.requests`), so one person's trouble can be followed across modules.

Bot API URLs carry the token (`/bot<token>/sendMessage`), and HTTP errors quote their URL, so
every configured secret is masked in the whole formatted line, traceback included, in either
format. httpx's per-request lines are turned down for the same reason and because they drown
everything else. What people write is never logged at INFO or above: it is theirs, not ours.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import IO, Literal

from pythonjsonlogger.json import JsonFormatter

from bot.observability.requests import RequestIdFilter

LogFormat = Literal["text", "json"]
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
JSON_FIELDS = ("levelname", "name", "request_id", "message")
JSON_NAMES = {"levelname": "level", "name": "logger"}
MASK = "«secret»"
CHATTY_LOGGERS = ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler", "alembic")


class RedactingFormatter(logging.Formatter):
    """Formats with `inner` (text by default), then masks each secret wherever it appears,
    also as JSON writes it (escaped), so neither format can print one."""

    def __init__(self, secrets: Iterable[str], inner: logging.Formatter | None = None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter(FORMAT)
        self.secrets = _spellings(secret for secret in secrets if secret)

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def _spellings(secrets: Iterable[str]) -> list[str]:
    """Each secret as written and as a JSON string holds it; the longest first, so a secret that
    contains another is masked whole."""
    found = set()
    for secret in secrets:
        found.update({secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]})
    return sorted(found, key=len, reverse=True)


def json_formatter() -> logging.Formatter:
    """python-json-logger's formatter: one JSON object per line, with an ISO 8601 UTC `timestamp`."""
    return JsonFormatter(list(JSON_FIELDS), rename_fields=JSON_NAMES, timestamp=True, json_ensure_ascii=False)


def configure_logging(
    level: str,
    secrets: Iterable[str] = (),
    stream: IO[str] | None = None,
    format: LogFormat = "text",
) -> logging.Handler:
    """Install the redacting handler on the root logger (replacing earlier ones); returns it."""
    handler = logging.StreamHandler(stream)
    inner = json_formatter() if format == "json" else None
    handler.setFormatter(RedactingFormatter(secrets, inner))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return handler
