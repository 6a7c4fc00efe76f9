"""What a pushed quiz's invitation says, stored with the quiz when it is built ahead of quiz time.

The quiz push used to work out each learner's quiz while it sent (the words due, the questions
and their options): a fifth of a millisecond per learner of CPU the sends needed. Built ahead,
the quiz row says what its invitation announces (due words or today's lesson, how many, how many
overdue), so at quiz time the push reads it back instead. Quizzes made before this revision have
no invitation stored and are worked out as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quizzes") as table:
        table.add_column(sa.Column("invitation_mode", sa.String(length=16), nullable=True))
        table.add_column(sa.Column("invitation_words", sa.Integer(), nullable=True))
        table.add_column(sa.Column("invitation_overdue", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quizzes") as table:
        table.drop_column("invitation_overdue")
        table.drop_column("invitation_words")
        table.drop_column("invitation_mode")
