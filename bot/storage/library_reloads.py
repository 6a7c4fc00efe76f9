"""The content library's generation: a row per request to read the library and pins again.

Lessons are files every worker reads at start-up. An admin's `/admin reload` (or a pin) adds a row
here; the newest row's id is the generation every worker should have loaded, and each compares it
with its own when it next looks (`bot.core.admin.library.LibraryWatch`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlmodel import Session

from bot.storage.tables import LibraryReload


def request_reload(session: Session, *, requested_by: str, reason: str, now: dt.datetime) -> int:
    """A new generation; returns its number."""
    row = LibraryReload(requested_by=requested_by, reason=reason[:200], requested_at=now)
    session.add(row)
    session.commit()
    assert row.id is not None
    return row.id


def latest_generation(session: Session) -> int:
    """The newest generation, 0 before any reload was asked for."""
    return int(session.execute(select(func.max(LibraryReload.id))).scalar() or 0)  # type: ignore[arg-type]
