"""The inbox: every update a platform sends is written here before the platform is told it arrived,
so an update confirmed to Telegram and not answered yet (a stop, a crash) is answered by the next
start, and a redelivered one (keyed by platform and update id) is handled once.

A new table; earlier revisions had no such record, so nothing moves. The downgrade drops it:
updates still pending then are lost, as they would have been before 0011.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("worker_id", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("platform", "update_id"),
    )
    op.create_index("ix_inbox_platform_state", "inbox", ["platform", "state", "update_id"])


def downgrade() -> None:
    op.drop_index("ix_inbox_platform_state", table_name="inbox")
    op.drop_table("inbox")
