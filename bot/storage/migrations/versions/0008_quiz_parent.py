"""A member's quiz started from a group's quiz post (a Discord server's): the post's quiz is its
parent, and the day's scoreboard counts the quizzes started from it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quizzes") as table:
        table.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        table.create_index("ix_quizzes_parent_id", ["parent_id"])


def downgrade() -> None:
    with op.batch_alter_table("quizzes") as table:
        table.drop_index("ix_quizzes_parent_id")
        table.drop_column("parent_id")
