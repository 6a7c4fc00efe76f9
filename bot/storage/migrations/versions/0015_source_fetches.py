"""Following builders: each followed source's fetch state (validators, failures, next try).

A new table; nothing moves. The downgrade drops it: the next fetch then asks every source
unconditionally once, and a source in backoff is tried at once. The review queue and what was
skipped are files (`[sources] review`), untouched either way.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-13
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AWARE = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "source_fetches",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("last_attempt_at", AWARE, nullable=True),
        sa.Column("last_success_at", AWARE, nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_try", sa.Date(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("last_new", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("source_fetches")
