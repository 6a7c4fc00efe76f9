"""Migration 0009: learners gain the card they last looked at; their rows are kept both ways.

The rows are written with 0008's own tables (reflected, not the code's), as a bot of that
revision left them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from alembic import command
from sqlalchemy import Engine, MetaData, insert, inspect, select, update

from bot.storage.engine import alembic_config, create_database_engine, foreign_keys_off, migrate

MOMENT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
LEARNER = {
    "id": 5,
    "timezone": "Asia/Tokyo",
    "lesson_time": dt.time(7, 0),
    "quiz_time": None,
    "created_at": MOMENT,
    "updated_at": MOMENT,
}
IDENTITY = {"platform": "telegram", "user_id": "1001", "learner_id": 5, "linked_at": MOMENT}


def learners(engine: Engine) -> list[dict[str, Any]]:
    """The learners' rows, moments as naive UTC (a reflected SQLite table reads them naive)."""
    tables = MetaData()
    tables.reflect(engine, only=["learners"])
    with engine.connect() as connection:
        rows = connection.execute(select(tables.tables["learners"])).mappings()
        return [{key: _naive(value) for key, value in row.items()} for row in rows]


def _naive(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


KEPT = {key: _naive(value) for key, value in LEARNER.items()}


def columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("learners")}


def downgrade(engine: Engine, revision: str) -> None:
    with engine.connect() as connection, foreign_keys_off(connection), connection.begin():
        command.downgrade(alembic_config(connection), revision)


def test_learners_keep_their_rows_and_start_with_no_last_card_and_the_downgrade_drops_it(
    database_url: str,
) -> None:
    engine = create_database_engine(database_url)
    try:
        migrate(engine, revision="0008")
        old = MetaData()
        old.reflect(engine)
        with engine.begin() as connection:
            connection.execute(insert(old.tables["learners"]), LEARNER)
            connection.execute(insert(old.tables["identities"]), IDENTITY)

        migrate(engine, revision="0009")
        (learner,) = learners(engine)
        assert learner == KEPT | {"last_lesson_key": None, "last_card": None}

        new = MetaData()
        new.reflect(engine, only=["learners"])
        with engine.begin() as connection:
            connection.execute(update(new.tables["learners"]).values(last_lesson_key="x-1", last_card=3))
        downgrade(engine, "0008")
        assert {"last_lesson_key", "last_card"}.isdisjoint(columns(engine))
        assert learners(engine) == [KEPT]
        with engine.connect() as connection:
            (identity,) = connection.execute(select(old.tables["identities"])).mappings()
        assert identity["learner_id"] == 5, "the learner's identity survived the table's rebuild"
    finally:
        engine.dispose()
