"""Fetch state of the followed sources: conditional-request validators, failures and backoff.

A source that fails is tried again after 1, 2, 4 … days (at most MAX_BACKOFF_DAYS): a blog that
is down for a week costs a few requests, not one a day, and comes back by itself when it is up.
The days are the calendar's local days, so "tomorrow's fetch" is tomorrow's, whatever the hour
of today's attempt. Functions take the session first and keyword arguments after it, and commit
their own change; only one fetch runs at a time (a job lease), so rows need no locking.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from bot.storage.source_tables import SourceFetch

MAX_BACKOFF_DAYS = 16
MAX_ERROR = 500


def fetch_states(session: Session) -> dict[str, SourceFetch]:
    """Every source's state by name (sources never fetched have none)."""
    return {row.name: row for row in session.exec(select(SourceFetch)).all()}


def is_due(state: SourceFetch | None, today: dt.date) -> bool:
    """Whether the daily fetch takes the source today: never fetched, or its next day has come."""
    return state is None or state.next_try is None or state.next_try <= today


def backoff_days(failures: int) -> int:
    """Days until the next try after `failures` failures in a row: 1, 2, 4 … capped."""
    return min(2 ** max(failures - 1, 0), MAX_BACKOFF_DAYS)


def record_success(
    session: Session,
    *,
    name: str,
    now: dt.datetime,
    today: dt.date,
    etag: str | None,
    last_modified: str | None,
    new: int,
) -> SourceFetch:
    """A fetch that worked (a 304 too): the validators to send next time, and the next day's turn.

    A 304 may omit the validators; the caller passes the ones it sent, so they are kept."""
    state = _row(session, name)
    state.etag, state.last_modified = _fitting(etag, 500), _fitting(last_modified, 100)
    state.last_attempt_at = state.last_success_at = now
    state.failures, state.last_error, state.last_new = 0, None, new
    state.next_try = today + dt.timedelta(days=1)
    return _save(session, state)


def record_failure(
    session: Session, *, name: str, now: dt.datetime, today: dt.date, error: str
) -> SourceFetch:
    """A fetch that failed: one more failure, and the day to try again. Validators stay: the
    server's copy has not been read, so the next request may still be answered 304."""
    state = _row(session, name)
    state.last_attempt_at = now
    state.failures += 1
    state.last_error = error[:MAX_ERROR]
    state.next_try = today + dt.timedelta(days=backoff_days(state.failures))
    return _save(session, state)


def _row(session: Session, name: str) -> SourceFetch:
    return session.get(SourceFetch, name) or SourceFetch(name=name)


def _save(session: Session, state: SourceFetch) -> SourceFetch:
    session.add(state)
    session.commit()
    return state


def _fitting(validator: str | None, length: int) -> str | None:
    """A validator too long for its column is dropped, not cut: sent back cut, it would never match."""
    return validator if validator and len(validator) <= length else None
