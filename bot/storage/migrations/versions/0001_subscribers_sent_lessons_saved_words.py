"""Subscribers and what they were sent; saved words and where they were met.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("chat_kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("lesson_time", sa.Time(), nullable=False),
        sa.Column("quiz_time", sa.Time(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "chat_id", name="uq_subscribers_platform_chat_id"),
    )
    op.create_index("ix_subscribers_status", "subscribers", ["status"])

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
        "saved_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("lemma", sa.String(length=100), nullable=False),
        sa.Column("phonetic", sa.String(length=100), nullable=True),
        sa.Column("gloss", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "user_id", "lemma", name="uq_saved_words_platform_user_id_lemma"),
    )

    op.create_table(
        "word_contexts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("saved_word_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=100), nullable=False),
        sa.Column("sentence_en", sa.Text(), nullable=True),
        sa.Column("sentence_zh", sa.Text(), nullable=True),
        sa.Column("lesson_id", sa.String(length=200), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["saved_word_id"], ["saved_words.id"], name="fk_word_contexts_saved_word_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_word_contexts_saved_word_id", "word_contexts", ["saved_word_id"])


def downgrade() -> None:
    op.drop_index("ix_word_contexts_saved_word_id", table_name="word_contexts")
    op.drop_table("word_contexts")
    op.drop_table("saved_words")
    op.drop_index("ix_sent_lessons_subscriber_id", table_name="sent_lessons")
    op.drop_table("sent_lessons")
    op.drop_index("ix_subscribers_status", table_name="subscribers")
    op.drop_table("subscribers")
