"""Learners and their platform identities; push kinds; workers; platform references; sent_lessons goes.

Every person found in the vocabulary book, the question budget or a subscription becomes a
learner with one identity (platform, user id), and their saved words and question counts move
to that learner: no row is lost. A private subscription's timezone and lesson time become the
learner's preferences. Ledger rows keep their meaning as lesson pushes (`kind` = "lesson");
`lesson_id` is renamed `content_id`, since a quiz or a broadcast is not a lesson.
`sent_lessons` was written before anything was sent and never read: the ledger records real
sends, with their message ids. Audio file ids move into `platform_references`, the core's store
of whatever a platform handed back (kind "audio-file").

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSERT_CHUNK = 5_000


def upgrade() -> None:
    _create_learners()
    _map_people_to_learners()
    _move_saved_words()
    _move_question_usage()
    _add_push_kinds()
    _create_workers()
    _move_audio_uploads()
    op.drop_index("ix_sent_lessons_subscriber_id", table_name="sent_lessons")
    op.drop_table("sent_lessons")


def _move_audio_uploads() -> None:
    op.create_table(
        "platform_references",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "kind", "key"),
    )
    op.execute(
        "INSERT INTO platform_references (platform, kind, key, value, created_at)"
        " SELECT platform, 'audio-file', audio_key, file_id, uploaded_at FROM audio_uploads"
    )
    op.drop_table("audio_uploads")


def _create_learners() -> None:
    op.create_table(
        "learners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("lesson_time", sa.Time(), nullable=True),
        sa.Column("quiz_time", sa.Time(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "identities",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name="fk_identities_learner_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("platform", "user_id"),
    )
    op.create_index("ix_identities_learner_id", "identities", ["learner_id"])


def _map_people_to_learners() -> None:
    """One learner per (platform, user id) met anywhere; ids are given here, so the inserts go in bulk."""
    connection = op.get_bind()
    people = connection.execute(
        sa.text(
            "SELECT platform, user_id FROM saved_words"
            " UNION SELECT platform, user_id FROM question_usage"
            " UNION SELECT platform, user_id FROM subscribers"
            " ORDER BY 1, 2"
        )
    ).all()
    private = {
        (row.platform, row.user_id): row
        for row in connection.execute(
            sa.text(
                "SELECT platform, user_id, timezone, lesson_time FROM subscribers"
                " WHERE chat_kind = 'private' ORDER BY id"
            )
        )
    }
    now = dt.datetime.now(dt.UTC)
    if connection.dialect.name == "sqlite":  # stored as SQLite's AwareDateTime stores it: naive UTC
        now = now.replace(tzinfo=None)
    learners, identities = [], []
    for number, (platform, user_id) in enumerate(people, 1):
        own = private.get((platform, user_id))
        learners.append(
            {
                "id": number,
                "timezone": own.timezone if own else None,
                "lesson_time": own.lesson_time if own else None,
                "created_at": now,
                "updated_at": now,
            }
        )
        identities.append({"platform": platform, "user_id": user_id, "learner_id": number, "linked_at": now})
    learner_table = sa.table(
        "learners",
        sa.column("id"),
        sa.column("timezone"),
        sa.column("lesson_time"),
        sa.column("created_at"),
        sa.column("updated_at"),
    )
    identity_table = sa.table(
        "identities",
        sa.column("platform"),
        sa.column("user_id"),
        sa.column("learner_id"),
        sa.column("linked_at"),
    )
    for start in range(0, len(learners), INSERT_CHUNK):
        connection.execute(learner_table.insert(), learners[start : start + INSERT_CHUNK])
        connection.execute(identity_table.insert(), identities[start : start + INSERT_CHUNK])
    if connection.dialect.name == "postgresql" and learners:
        # Ids were given explicitly: move the sequence past them, or the next learner collides.
        connection.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('learners', 'id'), (SELECT max(id) FROM learners))")
        )


LEARNER_OF_ROW = (
    "(SELECT learner_id FROM identities"
    " WHERE identities.platform = {table}.platform AND identities.user_id = {table}.user_id)"
)


def _move_saved_words() -> None:
    with op.batch_alter_table("saved_words") as table:
        table.add_column(sa.Column("learner_id", sa.Integer(), nullable=True))
    op.execute(f"UPDATE saved_words SET learner_id = {LEARNER_OF_ROW.format(table='saved_words')}")
    with op.batch_alter_table("saved_words") as table:
        table.drop_constraint("uq_saved_words_platform_user_id_lemma", type_="unique")
        table.drop_column("platform")
        table.drop_column("user_id")
        table.alter_column("learner_id", existing_type=sa.Integer(), nullable=False)
        table.create_foreign_key(
            "fk_saved_words_learner_id", "learners", ["learner_id"], ["id"], ondelete="CASCADE"
        )
        table.create_unique_constraint("uq_saved_words_learner_id_lemma", ["learner_id", "lemma"])
        table.create_index("ix_saved_words_learner_id", ["learner_id"])


def _move_question_usage() -> None:
    """Its key changes, so it is rebuilt: a new table, the rows copied over, the old one dropped."""
    op.create_table(
        "question_usage_by_learner",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name="fk_question_usage_learner_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("learner_id", "local_date"),
    )
    op.execute(
        "INSERT INTO question_usage_by_learner (learner_id, local_date, questions)"
        f" SELECT {LEARNER_OF_ROW.format(table='question_usage')}, local_date, questions FROM question_usage"
    )
    op.drop_table("question_usage")
    op.rename_table("question_usage_by_learner", "question_usage")


def _add_push_kinds() -> None:
    with op.batch_alter_table("push_deliveries") as table:
        table.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default=sa.text("'lesson'"))
        )
        table.alter_column("lesson_id", new_column_name="content_id", existing_type=sa.String(length=200))
        table.drop_constraint("uq_push_deliveries_subscriber_id_local_date", type_="unique")
        table.create_unique_constraint(
            "uq_push_deliveries_subscriber_id_kind_local_date", ["subscriber_id", "kind", "local_date"]
        )
    with op.batch_alter_table("push_deliveries") as table:
        table.alter_column("kind", existing_type=sa.String(length=16), server_default=None)


def _create_workers() -> None:
    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("platforms", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_workers_heartbeat_at", "workers", ["heartbeat_at"])


def downgrade() -> None:
    """Back to 0004: each learner's rows go to its first identity; quiz and broadcast pushes are dropped."""
    op.create_table(
        "sent_lessons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(length=200), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"], ["subscribers.id"], name="fk_sent_lessons_subscriber_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sent_lessons_subscriber_id", "sent_lessons", ["subscriber_id"])
    op.create_table(
        "audio_uploads",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("audio_key", sa.String(length=64), nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "audio_key"),
    )
    op.execute(
        "INSERT INTO audio_uploads (platform, audio_key, file_id, uploaded_at)"
        " SELECT platform, key, value, created_at FROM platform_references WHERE kind = 'audio-file'"
    )
    op.drop_table("platform_references")
    op.drop_index("ix_workers_heartbeat_at", table_name="workers")
    op.drop_table("workers")
    op.execute("DELETE FROM push_deliveries WHERE kind <> 'lesson'")
    with op.batch_alter_table("push_deliveries") as table:
        table.drop_constraint("uq_push_deliveries_subscriber_id_kind_local_date", type_="unique")
        table.drop_column("kind")
        table.alter_column("content_id", new_column_name="lesson_id", existing_type=sa.String(length=200))
        table.create_unique_constraint(
            "uq_push_deliveries_subscriber_id_local_date", ["subscriber_id", "local_date"]
        )
    _downgrade_learner_rows()
    op.drop_index("ix_identities_learner_id", table_name="identities")
    op.drop_table("identities")
    op.drop_table("learners")


FIRST_IDENTITY = (
    "(SELECT {column} FROM identities WHERE identities.learner_id = {table}.learner_id"
    " ORDER BY platform, user_id LIMIT 1)"
)


def _downgrade_learner_rows() -> None:
    op.create_table(
        "question_usage_by_user",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", "local_date"),
    )
    platform = FIRST_IDENTITY.format(column="platform", table="question_usage")
    user_id = FIRST_IDENTITY.format(column="user_id", table="question_usage")
    op.execute(
        "INSERT INTO question_usage_by_user (platform, user_id, local_date, questions)"
        f" SELECT {platform}, {user_id}, local_date, questions FROM question_usage"
    )
    op.drop_table("question_usage")
    op.rename_table("question_usage_by_user", "question_usage")
    with op.batch_alter_table("saved_words") as table:
        table.add_column(sa.Column("platform", sa.String(length=16), nullable=True))
        table.add_column(sa.Column("user_id", sa.String(length=64), nullable=True))
    platform = FIRST_IDENTITY.format(column="platform", table="saved_words")
    user_id = FIRST_IDENTITY.format(column="user_id", table="saved_words")
    op.execute(f"UPDATE saved_words SET platform = {platform}, user_id = {user_id}")
    with op.batch_alter_table("saved_words") as table:
        table.drop_index("ix_saved_words_learner_id")
        table.drop_constraint("uq_saved_words_learner_id_lemma", type_="unique")
        table.drop_constraint("fk_saved_words_learner_id", type_="foreignkey")
        table.drop_column("learner_id")
        table.alter_column("platform", existing_type=sa.String(length=16), nullable=False)
        table.alter_column("user_id", existing_type=sa.String(length=64), nullable=False)
        table.create_unique_constraint(
            "uq_saved_words_platform_user_id_lemma", ["platform", "user_id", "lemma"]
        )
