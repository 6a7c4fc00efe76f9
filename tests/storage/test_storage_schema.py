"""Migrations: they build exactly the tables the code declares, run twice harmlessly, and keep rows."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, insert, inspect, select
from sqlmodel import SQLModel

from bot.storage.engine import (
    create_database_engine,
    display_url,
    foreign_keys_off,
    head_revision,
    migrate,
    schema_revision,
)

TABLES = {
    "subscribers",
    "learners",
    "identities",
    "saved_words",
    "word_contexts",
    "platform_references",
    "push_deliveries",
    "cached_explanations",
    "question_usage",
    "workers",
    "review_cards",
    "review_logs",
    "quizzes",
    "quiz_questions",
    "quiz_answers",
    "learner_days",
    "inbox",
    "broadcasts",
    "library_reloads",
    "job_leases",
    "sign_in_tokens",
    "web_sessions",
    "source_fetches",
    "post_reviews",
}
MOMENT = dt.datetime(2026, 11, 1, 0, 30, 15, 123456, tzinfo=dt.UTC)
PUSH_ROW = {
    "id": 1,
    "subscriber_id": 7,
    "kind": "lesson",
    "local_date": dt.date(2026, 11, 1),
    "content_id": "x-1",
    "state": "sent",
    "run_id": "w",
    "attempts": 1,
    "claimed_at": MOMENT,
}

# One row in every table of revision 0001, as 0001 defined them.
ROWS_AT_0001: dict[str, dict[str, Any]] = {
    "subscribers": {
        "id": 7,
        "platform": "telegram",
        "chat_id": "1001",
        "user_id": "1001",
        "chat_kind": "private",
        "title": "Ada",
        "language": "zh",
        "timezone": "UTC+05:30",
        "lesson_time": dt.time(7, 45),
        "quiz_time": dt.time(20, 0),
        "status": "paused",
        "joined_at": MOMENT,
        "updated_at": MOMENT,
    },
    "sent_lessons": {
        "id": 3,
        "subscriber_id": 7,
        "lesson_id": "karpathy-2026-10-01",
        "local_date": dt.date(2026, 11, 1),
        "trigger": "push",
        "message_id": "555",
        "sent_at": MOMENT,
    },
    "saved_words": {
        "id": 11,
        "platform": "telegram",
        "user_id": "1001",
        "lemma": "engulf",
        "phonetic": "/ɪnˈɡʌlf/",
        "gloss": "吞没",
        "created_at": MOMENT,
        "updated_at": MOMENT,
    },
    "word_contexts": {
        "id": 5,
        "saved_word_id": 11,
        "form": "engulfed",
        "sentence_en": "The fire engulfed the house.",
        "sentence_zh": "大火吞没了房子。",
        "lesson_id": "karpathy-2026-10-01",
        "saved_at": MOMENT,
    },
}


# What 0005 moved on purpose: sent_lessons went (written before any send, never read), and the
# vocabulary book's owner became a learner (checked through its identity instead).
MOVED_AT_0005: dict[str, tuple[str, ...]] = {"sent_lessons": (), "saved_words": ("platform", "user_id")}

# What 0006 changed on purpose: the default quiz time moved from 20:00 (never settable) to 21:00.
CHANGED_AT_0006: dict[str, dict[str, Any]] = {"subscribers": {"quiz_time": dt.time(21, 0)}}


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_migrate_creates_every_table_and_running_it_again_changes_nothing(engine: Engine) -> None:
    assert table_names(engine) == TABLES
    assert schema_revision(engine) == head_revision() == "0017"
    migrate(engine)
    assert table_names(engine) == TABLES
    assert schema_revision(engine) == "0017"


def test_migrated_schema_matches_the_declared_tables_exactly(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_a_fresh_database_has_no_revision(database_url: str) -> None:
    engine = create_database_engine(database_url)
    try:
        assert schema_revision(engine) is None
    finally:
        engine.dispose()


def test_upgrading_from_0001_to_head_keeps_every_row(database_url: str) -> None:
    engine = create_database_engine(database_url)
    try:
        migrate(engine, revision="0001")
        assert schema_revision(engine) == "0001"
        old = MetaData()
        old.reflect(engine)
        assert set(old.tables) - {"alembic_version"} == set(ROWS_AT_0001)
        with engine.begin() as connection:
            for name, row in ROWS_AT_0001.items():
                connection.execute(insert(old.tables[name]), row)

        migrate(engine)

        assert schema_revision(engine) == head_revision()
        with engine.connect() as connection:
            for name, row in ROWS_AT_0001.items():
                if name in MOVED_AT_0005:
                    continue
                (found,) = connection.execute(select(SQLModel.metadata.tables[name])).mappings().all()
                expected = {
                    key: value for key, value in row.items() if key not in MOVED_AT_0005.get(name, ())
                }
                expected |= CHANGED_AT_0006.get(name, {})
                assert {key: found[key] for key in expected} == expected, name
            (word,) = connection.execute(select(SQLModel.metadata.tables["saved_words"])).mappings().all()
            identities = SQLModel.metadata.tables["identities"]
            (owner,) = connection.execute(select(identities)).mappings().all()
            (card,) = connection.execute(select(SQLModel.metadata.tables["review_cards"])).mappings().all()
            assert (card["saved_word_id"], card["learner_id"], card["state"]) == (
                word["id"],
                owner["learner_id"],
                1,
            )
            assert card["due"] == word["created_at"]
            assert (owner["platform"], owner["user_id"], owner["learner_id"]) == (
                "telegram",
                "1001",
                word["learner_id"],
            )
    finally:
        engine.dispose()


def test_sqlite_file_folder_is_created_and_foreign_keys_are_on(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "buildspeak.db"
    engine = create_database_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert path.parent.is_dir()
        migrate(engine)
        assert path.is_file()
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1, "restored after migrating"
    finally:
        engine.dispose()


def test_in_memory_sqlite_keeps_one_database_across_sessions() -> None:
    engine = create_database_engine("sqlite://")
    try:
        migrate(engine)
        assert table_names(engine) == TABLES
    finally:
        engine.dispose()


def test_a_sqlite_batch_migration_keeps_the_child_rows(engine: Engine) -> None:
    """Batch mode rebuilds a table and drops the old one; with foreign keys on, that would cascade."""
    if engine.dialect.name != "sqlite":
        pytest.skip("batch rebuilds are SQLite's way to alter a table")
    with engine.begin() as connection:
        connection.execute(insert(SQLModel.metadata.tables["subscribers"]), ROWS_AT_0001["subscribers"])
        connection.execute(insert(SQLModel.metadata.tables["push_deliveries"]), PUSH_ROW)
    with engine.connect() as connection, foreign_keys_off(connection), connection.begin():
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table("subscribers", recreate="always") as batch:
            batch.add_column(sa.Column("note", sa.String(10)))
    with engine.connect() as connection:
        assert (
            connection.execute(select(sa.func.count()).select_from(sa.table("push_deliveries"))).scalar() == 1
        )


def test_migrate_leaves_logging_alone(database_url: str) -> None:
    root, alembic_logger = logging.getLogger(), logging.getLogger("alembic")
    before = (list(root.handlers), root.level, list(alembic_logger.handlers), alembic_logger.level)
    engine = create_database_engine(database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    assert (list(root.handlers), root.level, list(alembic_logger.handlers), alembic_logger.level) == before


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://bot:s3cret@db:5432/buildspeak",
            "postgresql+psycopg://bot:***@db:5432/buildspeak",
        ),
        ("sqlite:///data/buildspeak.db", "sqlite:///data/buildspeak.db"),
    ],
)
def test_display_url_hides_the_password(url: str, shown: str) -> None:
    assert display_url(url) == shown


def test_a_failed_migration_leaves_the_database_as_it_was(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction, DDL included, on SQLite too: no half-made tables to trip the next start."""
    import bot.storage.engine as engine_module

    def fails(connection: object) -> None:
        raise RuntimeError("the last step failed")

    engine = create_database_engine(database_url)
    try:
        migrate(engine, revision="0004")
        monkeypatch.setattr(engine_module, "_check_foreign_keys", fails)
        with pytest.raises(RuntimeError, match="last step"):
            migrate(engine)
        assert schema_revision(engine) == "0004"
        assert "learners" not in table_names(engine) and "sent_lessons" in table_names(engine)
        monkeypatch.undo()
        migrate(engine)
        assert schema_revision(engine) == head_revision() and table_names(engine) == TABLES
    finally:
        engine.dispose()
