"""Request ids: every log line names the update or interaction it was written for.

Why a context variable: PTB and discord.py handle each update in a task of its own, and a task
runs in a copy of the context it was started from, so an id set while an update is handled stays
with that update (its handler, the sends it posts) and never leaks into another's lines. Code that
runs the work of an update later, in another task (the reply outboxes), takes the id along.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

NO_REQUEST = "-"  # a line written outside any update: start-up, the push, a stop

_REQUEST_ID: ContextVar[str] = ContextVar("buildspeak_request_id", default=NO_REQUEST)


def current_request_id() -> str:
    return _REQUEST_ID.get()


def begin_request(request_id: str) -> Token[str]:
    """Name the update this task handles from now on (until the task ends or another begins)."""
    return _REQUEST_ID.set(request_id)


@contextmanager
def request_scope(request_id: str) -> Iterator[None]:
    """The id for the lines written inside the block, the earlier one after it."""
    token = _REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        _REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id` to every record a handler emits, from any logger (a handler's
    filter sees all of them; a logger's would see only its own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _REQUEST_ID.get()
        return True
