"""Following builders, the review: each queued post's checks, and the admins' decisions in chat.

A new table; nothing moves. The downgrade drops it: the next check of the queue records every
waiting post again, and the buttons of digests already sent answer that the post is unknown (the
queued files themselves stay where they are).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-13
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AWARE = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "post_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.String(length=130), nullable=False),
        sa.Column("queue_dir", sa.String(length=500), nullable=False),
        sa.Column("checked_hash", sa.String(length=16), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("translated", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.String(length=2000), nullable=False),
        sa.Column("checked_at", AWARE, nullable=False),
        sa.Column("shown_on", sa.Date(), nullable=True),
        sa.Column("decision", sa.String(length=12), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", AWARE, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", name="uq_post_reviews_post_id"),
    )


def downgrade() -> None:
    op.drop_table("post_reviews")
