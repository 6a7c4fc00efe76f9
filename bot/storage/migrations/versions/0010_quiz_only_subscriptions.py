"""A subscription may take the daily quiz without the lesson: a Discord member's DM quiz, whose
lessons come in their server's channel. `subscribers.lesson_time` NULL means no lesson push.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers") as table:
        table.alter_column("lesson_time", existing_type=sa.Time(), nullable=True)


def downgrade() -> None:
    # The older schema cannot say "the quiz alone": such a subscription is kept, stopped (it would
    # otherwise start pushing lessons), with a lesson time for the column to hold.
    op.execute(
        sa.text(
            "UPDATE subscribers SET lesson_time = :time, status = 'stopped' WHERE lesson_time IS NULL"
        ).bindparams(sa.bindparam("time", dt.time(8, 0), type_=sa.Time()))
    )
    with op.batch_alter_table("subscribers") as table:
        table.alter_column("lesson_time", existing_type=sa.Time(), nullable=False)
