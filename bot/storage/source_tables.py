"""The followed sources' fetch state: what each source's server last said, and when to try again.

A module of its own beside `tables.py` (registered on the same SQLModel metadata when imported),
so the following feature's table lives with its data functions (`source_fetches.py`). Sources are
configured in a file (`config/sources.toml`) and keyed here by their name: a row appears at a
source's first fetch, and a source renamed in the file starts afresh.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from bot.storage.columns import AwareDateTime


class SourceFetch(SQLModel, table=True):
    """One source's last fetch. `etag` and `last_modified` are sent back on the next request, so an
    unchanged feed answers 304 with no body; `failures` in a row set `next_try`, the first local
    day the daily fetch tries it again (None: at the next daily fetch)."""

    __tablename__ = "source_fetches"

    name: str = Field(primary_key=True, max_length=60)
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    last_attempt_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)
    last_success_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)
    failures: int = Field(default=0)
    next_try: dt.date | None = Field(default=None)
    last_error: str | None = Field(default=None, max_length=500)
    last_new: int = Field(default=0)  # posts the last successful fetch queued
