"""Admins' broadcasts, and requests to reload the content library.

`broadcasts` holds each announcement an admin asked for, and whether it was confirmed or cancelled;
its deliveries go in the push ledger as kind `broadcast`, dated by the broadcast (see
`bot.storage.broadcasts`), so the ledger's existing key makes each reach each subscriber once.
`library_reloads` is the library's generation: a worker that loaded an older one reloads.

Two new tables; nothing moves. The downgrade drops them (a broadcast not sent yet is then lost;
its ledger rows stay, as rows of a kind the older code never pushes).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-13
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=100), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_broadcasts_confirmed_at", "broadcasts", ["confirmed_at"])
    op.create_table(
        "library_reloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("library_reloads")
    op.drop_index("ix_broadcasts_confirmed_at", table_name="broadcasts")
    op.drop_table("broadcasts")
