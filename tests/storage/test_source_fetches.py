"""Fetch state of followed sources: validators kept, failures counted, backoff in whole local days;
migration 0015 adds the table and takes it away again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from alembic import command
from sqlalchemy import inspect
from sqlmodel import Session

from bot.storage.engine import alembic_config, create_database_engine, migrate, schema_revision
from bot.storage.source_fetches import (
    MAX_BACKOFF_DAYS,
    backoff_days,
    fetch_states,
    is_due,
    record_failure,
    record_success,
)

NOW = dt.datetime(2026, 11, 19, 23, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 20)


def test_backoff_doubles_from_a_day_up_to_its_cap() -> None:
    assert [backoff_days(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 16, 16]
    assert MAX_BACKOFF_DAYS == 16


def test_success_keeps_the_validators_and_failure_keeps_them_too(sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        assert fetch_states(session) == {} and is_due(None, TODAY)
        record_success(
            session, name="a", now=NOW, today=TODAY, etag='"x"', last_modified="Mon, 05 Jan 2026", new=3
        )
        failed = record_failure(
            session, name="a", now=NOW + dt.timedelta(days=1), today=TODAY, error="boom " * 200
        )
        assert (failed.etag, failed.last_modified, failed.failures, failed.next_try) == (
            '"x"',
            "Mon, 05 Jan 2026",
            1,
            TODAY + dt.timedelta(days=1),
        )
        assert len(failed.last_error or "") == 500
    with sessions() as session:
        (state,) = fetch_states(session).values()
        assert state.last_success_at == NOW and state.last_attempt_at == NOW + dt.timedelta(days=1)
        assert not is_due(state, TODAY) and is_due(state, TODAY + dt.timedelta(days=1))
        again = record_success(
            session, name="a", now=NOW, today=TODAY, etag="W/" + "e" * 600, last_modified=None, new=0
        )
        assert (again.etag, again.failures, again.last_error) == (None, 0, None), (
            "a validator too long is dropped"
        )


def test_migration_0015_adds_the_table_and_its_downgrade_drops_it(database_url: str) -> None:
    engine = create_database_engine(database_url)
    try:
        migrate(engine, revision="0015")
        assert schema_revision(engine) == "0015" and "source_fetches" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            command.downgrade(alembic_config(connection), "0014")
            connection.commit()
        assert schema_revision(engine) == "0014" and "source_fetches" not in inspect(engine).get_table_names()
        migrate(engine)
        assert "source_fetches" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
