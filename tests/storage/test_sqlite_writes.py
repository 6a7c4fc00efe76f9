"""SQLite writers in one process take turns on a lock: none meets SQLite's busy sleeps, and a turn is
given back however its transaction ends."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.storage import inbox
from bot.storage.inbox import Received

NOW = dt.datetime(2026, 12, 12, 9, 0, tzinfo=dt.UTC)
Sessions = Callable[[], Session]


@pytest.fixture(autouse=True)
def sqlite_only(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the write turn is SQLite's: PostgreSQL lets writers work side by side")


def store(session: Session, update_id: int) -> None:
    inbox.receive(session, [Received(update_id, "{}")], platform="telegram", worker_id="w", now=NOW)


def test_a_turn_is_given_back_by_a_rollback_as_well_as_a_commit(sessions: Sessions) -> None:
    with sessions() as session:  # wrote, then closed without committing: rolled back
        session.exec(inbox.INBOX.insert().values(  # type: ignore[call-overload]
            platform="telegram", update_id=1, state="pending", worker_id="w", attempts=1, received_at=NOW
        ))  # fmt: skip
    done = threading.Event()

    def other_thread() -> None:
        with sessions() as session:
            store(session, 2)
        done.set()

    threading.Thread(target=other_thread).start()
    assert done.wait(2.0), "the turn was left held (a waiter would give up only after 5 s)"
    with sessions() as session:
        assert inbox.pending_count(session, platform="telegram") == 1, "the first write was rolled back"


def test_many_threads_writing_at_once_all_get_through(sessions: Sessions) -> None:
    failures: list[BaseException] = []

    def writer(first: int) -> None:
        try:
            for update_id in range(first, first + 20):
                with sessions() as session:
                    store(session, update_id)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n * 100,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with sessions() as session:
        assert inbox.pending_count(session, platform="telegram") == 160
