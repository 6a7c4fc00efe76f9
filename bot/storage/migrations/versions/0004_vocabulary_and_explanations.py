"""The vocabulary book's context and undo columns, the explanation cache and the question budget.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("saved_words") as table:
        table.add_column(sa.Column("expression", sa.Text(), nullable=True))
        table.add_column(sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("word_contexts") as table:
        table.add_column(sa.Column("card_number", sa.Integer(), nullable=True))
        table.add_column(sa.Column("author", sa.String(length=200), nullable=True))
        table.add_column(sa.Column("source_url", sa.Text(), nullable=True))
    op.create_table(
        "cached_explanations",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "question_usage",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", "local_date"),
    )


def downgrade() -> None:
    op.drop_table("question_usage")
    op.drop_table("cached_explanations")
    with op.batch_alter_table("word_contexts") as table:
        table.drop_column("source_url")
        table.drop_column("author")
        table.drop_column("card_number")
    with op.batch_alter_table("saved_words") as table:
        table.drop_column("forgotten_at")
        table.drop_column("expression")
