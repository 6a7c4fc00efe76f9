"""The push ledger, and an index for finding who is due.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "push_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("lesson_id", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_push_deliveries_subscriber_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "subscriber_id", "local_date", name="uq_push_deliveries_subscriber_id_local_date"
        ),
    )
    op.create_index("ix_push_deliveries_state", "push_deliveries", ["state"])
    op.create_index("ix_push_deliveries_subscriber_id", "push_deliveries", ["subscriber_id"])
    op.create_index(
        "ix_subscribers_due", "subscribers", ["platform", "status", "timezone", "lesson_time", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_subscribers_due", table_name="subscribers")
    op.drop_index("ix_push_deliveries_subscriber_id", table_name="push_deliveries")
    op.drop_index("ix_push_deliveries_state", table_name="push_deliveries")
    op.drop_table("push_deliveries")
