"""The card a learner last looked at: a question typed in the private chat without replying to a
card is about it, so it must outlive the message that showed it and a restart of the bot.

Two nullable columns on learners (the lesson's key, the card's number); learners of earlier
revisions have none yet and their questions go to today's first card until they open one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("learners") as table:
        table.add_column(sa.Column("last_lesson_key", sa.String(length=40), nullable=True))
        table.add_column(sa.Column("last_card", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("learners") as table:
        table.drop_column("last_card")
        table.drop_column("last_lesson_key")
