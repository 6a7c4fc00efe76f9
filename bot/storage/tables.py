"""The learner store's tables.

Chat and user ids are strings: Telegram's integers and Discord's 64-bit snowflakes
both fit in String(64), and the console's names do too. Every moment is stored
timezone-aware (UTC); local dates and clock times are plain `date`/`time` values
read in the subscriber's own timezone.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.columns import AwareDateTime


class SubscriberStatus(StrEnum):
    """Whether daily pushes go to a chat; stored as its plain string value."""

    ACTIVE = "active"
    PAUSED = "paused"  # the subscriber asked for a break
    BLOCKED = "blocked"  # the platform refused delivery (bot blocked or removed)
    STOPPED = "stopped"  # the subscriber unsubscribed


def _cascading_key(column: str, target: str, name: str) -> Column[int]:
    """A NOT NULL, indexed foreign key whose rows go when their parent goes."""
    return Column(
        column, Integer, ForeignKey(target, ondelete="CASCADE", name=name), nullable=False, index=True
    )


class Subscriber(SQLModel, table=True):
    """A chat that receives the daily lesson: a private chat, or a group someone subscribed."""

    __tablename__ = "subscribers"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id", name="uq_subscribers_platform_chat_id"),
        # The push's question, "who on this platform in this timezone is due by now?", is a range scan.
        Index("ix_subscribers_due", "platform", "status", "timezone", "lesson_time", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)  # "telegram" | "discord" | "console"
    chat_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)  # who subscribed; in a group, whoever ran /start
    chat_kind: str = Field(max_length=16)  # "private" | "group"
    title: str | None = Field(default=None, max_length=200)
    language: str = Field(default="zh", max_length=16)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)  # IANA name or "UTC+05:30"
    lesson_time: dt.time = Field(default=dt.time(8, 0))
    quiz_time: dt.time = Field(default=dt.time(20, 0))
    status: str = Field(default=SubscriberStatus.ACTIVE.value, max_length=16, index=True)
    joined_at: dt.datetime = Field(sa_type=AwareDateTime)
    updated_at: dt.datetime = Field(sa_type=AwareDateTime)


class SentLesson(SQLModel, table=True):
    """One lesson sent to one subscriber: the history behind /today, /lesson and the daily push."""

    __tablename__ = "sent_lessons"

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(
        sa_column=_cascading_key("subscriber_id", "subscribers.id", "fk_sent_lessons_subscriber_id")
    )
    lesson_id: str = Field(max_length=200)
    local_date: dt.date  # the subscriber's date when it was sent
    trigger: str = Field(max_length=16)  # "today" | "lesson" | "push" | "start"
    message_id: str | None = Field(default=None, max_length=64)
    sent_at: dt.datetime = Field(sa_type=AwareDateTime)


class SavedWord(SQLModel, table=True):
    """An entry in a person's vocabulary book; a person owns it wherever they saved it."""

    __tablename__ = "saved_words"
    __table_args__ = (
        UniqueConstraint("platform", "user_id", "lemma", name="uq_saved_words_platform_user_id_lemma"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64)
    lemma: str = Field(max_length=100)
    phonetic: str | None = Field(default=None, max_length=100)
    gloss: str | None = Field(default=None, sa_type=Text)
    expression: str | None = Field(default=None, sa_type=Text)  # the builder-expression note, when it is one
    created_at: dt.datetime = Field(sa_type=AwareDateTime)
    updated_at: dt.datetime = Field(sa_type=AwareDateTime)
    # /forget hides an entry at once and deletes it once its undo has expired.
    forgotten_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)


class WordContext(SQLModel, table=True):
    """Where a saved word was met: the form and the sentence, so reviews can show it in use."""

    __tablename__ = "word_contexts"

    id: int | None = Field(default=None, primary_key=True)
    saved_word_id: int = Field(
        sa_column=_cascading_key("saved_word_id", "saved_words.id", "fk_word_contexts_saved_word_id")
    )
    form: str = Field(max_length=100)  # as met in the text, e.g. "engulfed"
    sentence_en: str | None = Field(default=None, sa_type=Text)
    sentence_zh: str | None = Field(default=None, sa_type=Text)
    lesson_id: str | None = Field(default=None, max_length=200)
    card_number: int | None = Field(default=None)
    author: str | None = Field(default=None, max_length=200)
    source_url: str | None = Field(default=None, sa_type=Text)
    saved_at: dt.datetime = Field(sa_type=AwareDateTime)


class CachedExplanation(SQLModel, table=True):
    """An LLM's answer to a question about a card, so the same question is not paid for twice."""

    __tablename__ = "cached_explanations"

    key: str = Field(primary_key=True, max_length=64)  # hash of (card, normalised question, model)
    answer: str = Field(sa_type=Text)
    created_at: dt.datetime = Field(sa_type=AwareDateTime)


class QuestionUsage(SQLModel, table=True):
    """How many questions a person asked on one local date: the daily budget's counter."""

    __tablename__ = "question_usage"

    platform: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(primary_key=True, max_length=64)
    local_date: dt.date = Field(primary_key=True)
    questions: int = Field(default=0)


class AudioUpload(SQLModel, table=True):
    """A platform's id for an audio file it already holds, so each file is uploaded once."""

    __tablename__ = "audio_uploads"
    platform: str = Field(primary_key=True, max_length=16)
    audio_key: str = Field(primary_key=True, max_length=64)  # the audio file's content hash
    file_id: str = Field(max_length=255)
    uploaded_at: dt.datetime = Field(sa_type=AwareDateTime)


class PushState(StrEnum):
    """Where one day's push to one subscriber stands; stored as its plain string value."""

    CLAIMED = "claimed"  # a run took it and is sending it now
    SENT = "sent"
    FAILED = "failed"  # gave up after retries; `reason` says why
    BLOCKED = "blocked"  # the platform said the chat is gone (bot blocked, user deactivated, kicked)
    UNCERTAIN = "uncertain"  # claimed by a run that died mid-send: maybe delivered, never re-sent


class PushDelivery(SQLModel, table=True):
    """The push ledger: one row per subscriber and local date, claimed before the send and
    settled after it, so a broadcast resumes after a crash without sending anyone a second copy."""

    __tablename__ = "push_deliveries"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "local_date", name="uq_push_deliveries_subscriber_id_local_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(
        sa_column=_cascading_key("subscriber_id", "subscribers.id", "fk_push_deliveries_subscriber_id")
    )
    local_date: dt.date  # the subscriber's date the lesson is for
    lesson_id: str = Field(max_length=200)
    state: str = Field(max_length=16, index=True)
    run_id: str = Field(max_length=32)  # which run claimed it: a claim from a dead run is uncertain
    attempts: int = Field(default=0)
    reason: str | None = Field(default=None, sa_type=Text)
    message_id: str | None = Field(default=None, max_length=64)
    claimed_at: dt.datetime = Field(sa_type=AwareDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)
