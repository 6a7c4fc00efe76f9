"""The vocabulary book's order as an index: a learner's entries, forgotten apart, newest first.

生词本 asks on every visit where the learner's book stands (how many entries are shown, the newest
one's moment, which are forgotten) to tell whether the page it kept is still the page, and reads a
page of entries newest first. Both scanned every entry of the learner (a book of 2,000: a
millisecond a visit); over this index they are a few index reads, the page read without a sort.
An index only; nothing moves. The downgrade drops it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-14
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_saved_words_book", "saved_words", ["learner_id", "forgotten_at", "updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_saved_words_book", table_name="saved_words")
