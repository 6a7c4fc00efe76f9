"""Leases on a person's slow jobs, in the database so that every worker sees them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.storage.tables import JobLease

LEASES: Table = JobLease.__table__  # type: ignore[attr-defined]


def take_lease(session: Session, *, key: str, holder: str, now: dt.datetime, ttl: dt.timedelta) -> bool:
    """Hold `key` until `now + ttl`; False when someone holds it and their lease has not run out."""
    session.execute(delete(LEASES).where(LEASES.c.key == key, LEASES.c.expires_at <= now))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(LEASES)
        .values(key=key, holder=holder, expires_at=now + ttl)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(LEASES.c.key)
    )
    taken = session.execute(statement).first() is not None
    session.commit()
    return taken


def drop_lease(session: Session, *, key: str, holder: str) -> None:
    """Give `key` back, if this holder still has it (a lease that ran out may be another's now)."""
    session.execute(delete(LEASES).where(LEASES.c.key == key, LEASES.c.holder == holder))
    session.commit()
