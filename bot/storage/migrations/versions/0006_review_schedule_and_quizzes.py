"""The review schedule (one FSRS card per saved word, and its review log), quizzes, and learner days.

Every word already saved gets a card due at once, so the first evening quiz after the upgrade
asks about it, as it would have if the word had been saved today. A chat's quiz time becomes
optional (NULL: /quiztime off), and the default moves to 21:00; no one could set it before this
revision, so every stored 20:00 was the old default and follows the new one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AWARE = sa.DateTime(timezone=True)
OLD_DEFAULT, NEW_DEFAULT = dt.time(20, 0), dt.time(21, 0)


def _time(name: str, value: dt.time) -> sa.BindParameter[dt.time]:
    """A time as the column stores it (SQLite keeps text; SQLAlchemy's Time type writes it)."""
    return sa.bindparam(name, value, type_=sa.Time())


def upgrade() -> None:
    _create_review_schedule()
    _create_quizzes()
    _create_learner_days()
    with op.batch_alter_table("subscribers") as table:
        table.alter_column("quiz_time", existing_type=sa.Time(), nullable=True)
    # The quiz push asks "whose quiz time has come?" as the lesson push asks about lesson time.
    op.create_index(
        "ix_subscribers_quiz_due", "subscribers", ["platform", "status", "timezone", "quiz_time", "id"]
    )
    op.execute(
        sa.text("UPDATE subscribers SET quiz_time = :new WHERE quiz_time = :old").bindparams(
            _time("new", NEW_DEFAULT), _time("old", OLD_DEFAULT)
        )
    )
    # Cards for the words saved before this revision: new (state 1, learning), due since they were saved.
    op.execute(
        "INSERT INTO review_cards (saved_word_id, learner_id, state, due)"
        " SELECT id, learner_id, 1, created_at FROM saved_words"
    )


def _create_review_schedule() -> None:
    op.create_table(
        "review_cards",
        sa.Column("saved_word_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", AWARE, nullable=False),
        sa.Column("last_review", AWARE, nullable=True),
        sa.ForeignKeyConstraint(
            ["saved_word_id"], ["saved_words.id"], name="fk_review_cards_saved_word_id", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name="fk_review_cards_learner_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("saved_word_id"),
    )
    op.create_index("ix_review_cards_learner_id_due", "review_cards", ["learner_id", "due"])
    op.create_table(
        "review_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("saved_word_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", AWARE, nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("question_type", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["saved_word_id"], ["saved_words.id"], name="fk_review_logs_saved_word_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_logs_saved_word_id", "review_logs", ["saved_word_id"])


def _create_quizzes() -> None:
    op.create_table(
        "quizzes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("daily_key", sa.String(length=128), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("scheduling", sa.Boolean(), nullable=False),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("finished_at", AWARE, nullable=True),
        sa.Column("closes_at", AWARE, nullable=True),
        sa.Column("summary_sent_at", AWARE, nullable=True),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name="fk_quizzes_learner_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("daily_key", name="uq_quizzes_daily_key"),
    )
    op.create_index("ix_quizzes_learner_id", "quizzes", ["learner_id"])
    op.create_index("ix_quizzes_platform_chat_id_state", "quizzes", ["platform", "chat_id", "state"])
    op.create_table(
        "quiz_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("saved_word_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("lemma", sa.String(length=100), nullable=False),
        sa.Column("gloss", sa.Text(), nullable=False),
        sa.Column("forms", sa.Text(), nullable=False),
        sa.Column("sentence_en", sa.Text(), nullable=True),
        sa.Column("sentence_zh", sa.Text(), nullable=True),
        sa.Column("lesson_id", sa.String(length=200), nullable=True),
        sa.Column("card_number", sa.Integer(), nullable=True),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=True),
        sa.Column("redrill", sa.Boolean(), nullable=False),
        sa.Column("asked_at", AWARE, nullable=True),
        sa.Column("hinted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name="fk_quiz_questions_quiz_id", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["saved_word_id"], ["saved_words.id"], name="fk_quiz_questions_saved_word_id", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("quiz_id", "position", name="uq_quiz_questions_quiz_id_position"),
    )
    op.create_index("ix_quiz_questions_quiz_id", "quiz_questions", ["quiz_id"])
    op.create_table(
        "quiz_answers",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(length=200), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("answered_at", AWARE, nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["question_id"], ["quiz_questions.id"], name="fk_quiz_answers_question_id", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name="fk_quiz_answers_learner_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("question_id", "user_id"),
    )
    op.create_index("ix_quiz_answers_learner_id", "quiz_answers", ["learner_id"])


def _create_learner_days() -> None:
    op.create_table(
        "learner_days",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("cards_read", sa.Integer(), nullable=False),
        sa.Column("words_saved", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("quizzes_finished", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name="fk_learner_days_learner_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("learner_id", "local_date"),
    )


def downgrade() -> None:
    """Back to 0005: the schedule, quizzes and learner days go; a chat with quizzes off gets 20:00."""
    op.execute(
        sa.text(
            "UPDATE subscribers SET quiz_time = :old WHERE quiz_time IS NULL OR quiz_time = :new"
        ).bindparams(_time("old", OLD_DEFAULT), _time("new", NEW_DEFAULT))
    )
    op.drop_index("ix_subscribers_quiz_due", table_name="subscribers")
    with op.batch_alter_table("subscribers") as table:
        table.alter_column("quiz_time", existing_type=sa.Time(), nullable=False)
    op.drop_table("learner_days")
    op.drop_index("ix_quiz_answers_learner_id", table_name="quiz_answers")
    op.drop_table("quiz_answers")
    op.drop_index("ix_quiz_questions_quiz_id", table_name="quiz_questions")
    op.drop_table("quiz_questions")
    op.drop_index("ix_quizzes_platform_chat_id_state", table_name="quizzes")
    op.drop_index("ix_quizzes_learner_id", table_name="quizzes")
    op.drop_table("quizzes")
    op.drop_index("ix_review_logs_saved_word_id", table_name="review_logs")
    op.drop_table("review_logs")
    op.drop_index("ix_review_cards_learner_id_due", table_name="review_cards")
    op.drop_table("review_cards")
