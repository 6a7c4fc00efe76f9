"""The learner store's tables.

Chat and user ids are strings: Telegram's integers and Discord's 64-bit snowflakes
both fit in String(64), and the console's names do too. Every moment is stored
timezone-aware (UTC); local dates and clock times are plain `date`/`time` values
read in the subscriber's own timezone.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, Text, UniqueConstraint
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
        Index("ix_subscribers_quiz_due", "platform", "status", "timezone", "quiz_time", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)  # "telegram" | "discord" | "console"
    chat_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)  # who subscribed; in a group, whoever ran /start
    chat_kind: str = Field(max_length=16)  # "private" | "group"
    title: str | None = Field(default=None, max_length=200)
    language: str = Field(default="zh", max_length=16)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)  # IANA name or "UTC+05:30"
    lesson_time: dt.time | None = Field(default=dt.time(8, 0))  # None: the quiz alone (a DM quiz)
    quiz_time: dt.time | None = Field(default=dt.time(21, 0))  # None: /quiztime off
    status: str = Field(default=SubscriberStatus.ACTIVE.value, max_length=16, index=True)
    joined_at: dt.datetime = Field(sa_type=AwareDateTime)
    updated_at: dt.datetime = Field(sa_type=AwareDateTime)


class Learner(SQLModel, table=True):
    """A person who learns, whatever platforms they reach the bot from: their vocabulary book, question
    budget and (next) review schedule belong here, so a quiz answered on Telegram and one on Discord
    are the same review. A preference left empty (None) follows the bot's default."""

    __tablename__ = "learners"

    id: int | None = Field(default=None, primary_key=True)
    timezone: str | None = Field(default=None, max_length=64)  # their "today"; None: the bot's default
    lesson_time: dt.time | None = Field(default=None)
    quiz_time: dt.time | None = Field(default=None)
    # The card they last looked at (lesson key, card number): what a question typed in the private
    # chat, without replying to a card, is about. None: no card yet (today's first card is used).
    last_lesson_key: str | None = Field(default=None, max_length=40)
    last_card: int | None = Field(default=None)
    created_at: dt.datetime = Field(sa_type=AwareDateTime)
    updated_at: dt.datetime = Field(sa_type=AwareDateTime)


class Identity(SQLModel, table=True):
    """A platform account (Telegram user, Discord user, console name) and the learner it belongs to.

    Several identities may point at one learner: linking a second platform is a row here."""

    __tablename__ = "identities"

    platform: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(primary_key=True, max_length=64)
    learner_id: int = Field(sa_column=_cascading_key("learner_id", "learners.id", "fk_identities_learner_id"))
    linked_at: dt.datetime = Field(sa_type=AwareDateTime)


class SavedWord(SQLModel, table=True):
    """An entry in a learner's vocabulary book; the learner owns it wherever they saved it."""

    __tablename__ = "saved_words"
    __table_args__ = (
        UniqueConstraint("learner_id", "lemma", name="uq_saved_words_learner_id_lemma"),
        # 生词本's order and version: a learner's entries, forgotten apart, newest first (0017).
        Index("ix_saved_words_book", "learner_id", "forgotten_at", "updated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=_cascading_key("learner_id", "learners.id", "fk_saved_words_learner_id")
    )
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
    """How many questions a learner asked on one local date: the daily budget's counter."""

    __tablename__ = "question_usage"

    learner_id: int = Field(
        sa_column=Column(
            "learner_id",
            Integer,
            ForeignKey("learners.id", ondelete="CASCADE", name="fk_question_usage_learner_id"),
            primary_key=True,
        )
    )
    local_date: dt.date = Field(primary_key=True)
    questions: int = Field(default=0)


class PlatformReference(SQLModel, table=True):
    """Something a platform handed back that the bot must remember between messages: the file id of
    an uploaded audio (sent again by id, to anyone), a poll's id, a sent message's id.

    The core owns this store (`bot.core.references`); adapters reach it only through the core.
    """

    __tablename__ = "platform_references"
    platform: str = Field(primary_key=True, max_length=16)
    kind: str = Field(primary_key=True, max_length=32)  # "audio-file", "poll", "message"
    key: str = Field(primary_key=True, max_length=128)  # ours: an audio's content hash, a quiz question
    value: str = Field(max_length=255)  # the platform's: a file id, a poll id, "chat:message"
    created_at: dt.datetime = Field(sa_type=AwareDateTime)


class PushState(StrEnum):
    """Where one day's push to one subscriber stands; stored as its plain string value."""

    CLAIMED = "claimed"  # a run took it; nothing has gone out yet (a dead run's are sent again)
    SENDING = "sending"  # its first request may have gone out (a dead run's become uncertain)
    SENT = "sent"
    FAILED = "failed"  # gave up after retries; `reason` says why
    BLOCKED = "blocked"  # the platform said the chat is gone (bot blocked, user deactivated, kicked)
    UNCERTAIN = "uncertain"  # a run died while sending it: maybe delivered, never re-sent
    SKIPPED = "skipped"  # nothing to send this subscriber that day (a quiz with no word due)


class PushKind(StrEnum):
    """What a push delivers; each kind goes to a subscriber at most once per local date."""

    LESSON = "lesson"
    QUIZ = "quiz"
    BROADCAST = "broadcast"  # an admin's announcement


class PushDelivery(SQLModel, table=True):
    """The push ledger: one row per subscriber, kind and local date, claimed before the send and
    settled after it, so a broadcast resumes after a crash without sending anyone a second copy."""

    __tablename__ = "push_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "subscriber_id", "kind", "local_date", name="uq_push_deliveries_subscriber_id_kind_local_date"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(
        sa_column=_cascading_key("subscriber_id", "subscribers.id", "fk_push_deliveries_subscriber_id")
    )
    kind: str = Field(default=PushKind.LESSON.value, max_length=16)
    local_date: dt.date  # the subscriber's date the push is for
    content_id: str = Field(max_length=200)  # what was sent: the lesson's id, the quiz's, the broadcast's
    state: str = Field(max_length=16, index=True)
    run_id: str = Field(max_length=32)  # the worker that claimed it: its claims outlive it only as uncertain
    attempts: int = Field(default=0)
    reason: str | None = Field(default=None, sa_type=Text)
    message_id: str | None = Field(default=None, max_length=64)
    claimed_at: dt.datetime = Field(sa_type=AwareDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)


class Worker(SQLModel, table=True):
    """A running BuildSpeak process: its roles, and a heartbeat it renews while alive.

    Push claims carry the worker's id; only a worker whose heartbeat has expired is taken for dead,
    so a second process starting up never mistakes a live one's sends in flight for a crash's."""

    __tablename__ = "workers"

    id: str = Field(primary_key=True, max_length=32)
    roles: str = Field(max_length=200)  # comma-separated role names, e.g. "telegram,push"
    platforms: str = Field(max_length=100)  # the platforms it sends on, comma-separated
    host: str = Field(max_length=200)
    pid: int
    started_at: dt.datetime = Field(sa_type=AwareDateTime)
    heartbeat_at: dt.datetime = Field(sa_type=AwareDateTime, index=True)
    stopped_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)


class InboxState(StrEnum):
    """Where one received update stands; stored as its plain string value."""

    PENDING = "pending"  # stored (so confirmed to the platform), not answered yet
    REPLYING = "replying"  # its first reply may have gone out (a dead worker's is not answered again)
    DONE = "done"  # answered, or given up on with an apology
    UNCERTAIN = "uncertain"  # a worker died while replying: maybe answered, never answered again
    ABANDONED = "abandoned"  # its handling began `attempts` times and never ended: left alone, logged


class InboxUpdate(SQLModel, table=True):
    """An update a platform sent, written before the platform is told it arrived.

    Telegram forgets an update once a getUpdates confirms it (and a webhook's answer does the
    same), so a stop or a crash between that and the reply would lose it: stored first, it is
    answered by whichever start comes next. The key makes a redelivery (an unconfirmed poll, a
    webhook's retry) a no-op. The payload is emptied once answered: a done row only keeps the key
    (so /deleteme leaves no message text behind for long), and done rows go after two days.
    """

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_platform_state", "platform", "state", "update_id"),)

    platform: str = Field(primary_key=True, max_length=16)
    update_id: int = Field(sa_column=Column("update_id", BigInteger, primary_key=True, autoincrement=False))
    payload: str | None = Field(default=None, sa_type=Text)  # the update as JSON, until answered
    state: str = Field(max_length=16)
    worker_id: str = Field(max_length=32)  # the worker answering it: a live one's are never taken over
    attempts: int = Field(default=1)  # handlings begun: a start takes an unfinished one again, a few times
    received_at: dt.datetime = Field(sa_type=AwareDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)


class ReviewCard(SQLModel, table=True):
    """A saved word's place in the spaced-repetition schedule: an FSRS card, whose id is the entry's.

    Made when the word is saved (due at once: a new word comes up in that evening's quiz) and
    changed by the first answer of each day. `learner_id` repeats the entry's owner so "whose words
    are due by tonight" is one index range, not a join over every saved word."""

    __tablename__ = "review_cards"
    __table_args__ = (Index("ix_review_cards_learner_id_due", "learner_id", "due"),)

    saved_word_id: int = Field(
        sa_column=Column(
            "saved_word_id",
            Integer,
            ForeignKey("saved_words.id", ondelete="CASCADE", name="fk_review_cards_saved_word_id"),
            primary_key=True,
            autoincrement=False,
        )
    )
    learner_id: int = Field(
        sa_column=Column(
            "learner_id",
            Integer,
            ForeignKey("learners.id", ondelete="CASCADE", name="fk_review_cards_learner_id"),
            nullable=False,
        )
    )
    state: int = Field(default=1)  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: int | None = Field(default=None)
    stability: float | None = Field(default=None, sa_type=Float)
    difficulty: float | None = Field(default=None, sa_type=Float)
    due: dt.datetime = Field(sa_type=AwareDateTime)
    last_review: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)


class ReviewLog(SQLModel, table=True):
    """One review that moved a card: FSRS's own log (rating, time, duration) and how it was asked."""

    __tablename__ = "review_logs"

    id: int | None = Field(default=None, primary_key=True)
    saved_word_id: int = Field(
        sa_column=_cascading_key("saved_word_id", "saved_words.id", "fk_review_logs_saved_word_id")
    )
    rating: int  # fsrs.Rating: 1 again, 2 hard, 3 good, 4 easy
    reviewed_at: dt.datetime = Field(sa_type=AwareDateTime)
    duration_ms: int | None = Field(default=None)
    question_type: str = Field(max_length=16)  # meaning | cloze | listening | recall


class QuizOrigin(StrEnum):
    DAILY = "daily"  # pushed at the chat's quiz time
    ASKED = "asked"  # /quiz
    GROUP = "group"  # a group's daily quiz: polls everyone answers


class QuizState(StrEnum):
    READY = "ready"  # pushed, waiting for the learner to start it
    OPEN = "open"
    FINISHED = "finished"
    OVER = "over"  # replaced by a newer quiz in the same chat: its buttons only get a notice


class Quiz(SQLModel, table=True):
    """One quiz in one chat: a learner's, or a group's (no learner: every member answers)."""

    __tablename__ = "quizzes"
    __table_args__ = (
        Index("ix_quizzes_platform_chat_id_state", "platform", "chat_id", "state"),
        UniqueConstraint("daily_key", name="uq_quizzes_daily_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    learner_id: int | None = Field(
        default=None,
        sa_column=Column(
            "learner_id",
            Integer,
            ForeignKey("learners.id", ondelete="CASCADE", name="fk_quizzes_learner_id"),
            nullable=True,
            index=True,
        ),
    )
    origin: str = Field(max_length=16)
    # A pushed quiz's "platform:chat:date": a retried push finds the quiz it already made.
    daily_key: str | None = Field(default=None, max_length=128)
    local_date: dt.date
    state: str = Field(max_length=16)
    scheduling: bool = Field(default=True, sa_type=Boolean)  # False: practice, the schedule stays
    created_at: dt.datetime = Field(sa_type=AwareDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)
    closes_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)  # a group quiz's end
    summary_sent_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)
    # A pushed quiz built ahead of quiz time: what its invitation says (see quiz_view.invitation).
    invitation_mode: str | None = Field(default=None, max_length=16)
    invitation_words: int | None = None
    invitation_overdue: int | None = None
    # A member's quiz started from a group's quiz post (a Discord server's): that post's quiz,
    # whose scoreboard counts this one. Not a foreign key: the scoreboard only reads it.
    parent_id: int | None = Field(default=None, index=True)


class QuizQuestion(SQLModel, table=True):
    """A question as asked, with everything needed to grade and explain it later (after a restart,
    in another process): the word, its sentence, the options shown."""

    __tablename__ = "quiz_questions"
    # Two workers preparing one pushed quiz at once write its questions once.
    __table_args__ = (UniqueConstraint("quiz_id", "position", name="uq_quiz_questions_quiz_id_position"),)

    id: int | None = Field(default=None, primary_key=True)
    quiz_id: int = Field(sa_column=_cascading_key("quiz_id", "quizzes.id", "fk_quiz_questions_quiz_id"))
    position: int
    saved_word_id: int | None = Field(
        default=None,
        sa_column=Column(
            "saved_word_id",
            Integer,
            ForeignKey("saved_words.id", ondelete="SET NULL", name="fk_quiz_questions_saved_word_id"),
            nullable=True,
        ),
    )
    kind: str = Field(max_length=16)  # meaning | cloze | listening | recall
    lemma: str = Field(max_length=100)
    gloss: str = Field(sa_type=Text)
    forms: str = Field(default="", sa_type=Text)  # the forms it was met in, one per line
    sentence_en: str | None = Field(default=None, sa_type=Text)
    sentence_zh: str | None = Field(default=None, sa_type=Text)
    lesson_id: str | None = Field(default=None, max_length=200)
    card_number: int | None = Field(default=None)
    options: str = Field(default="[]", sa_type=Text)  # JSON list of the choices shown, in order
    correct: int | None = Field(default=None)  # the right choice's index; None for a typed answer
    redrill: bool = Field(default=False, sa_type=Boolean)  # a missed word asked again at the end
    asked_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)
    hinted: bool = Field(default=False, sa_type=Boolean)


class QuizAnswer(SQLModel, table=True):
    """Someone's answer to a question: one per person (a second tap of a group poll changes nothing)."""

    __tablename__ = "quiz_answers"

    question_id: int = Field(
        sa_column=Column(
            "question_id",
            Integer,
            ForeignKey("quiz_questions.id", ondelete="CASCADE", name="fk_quiz_answers_question_id"),
            primary_key=True,
        )
    )
    user_id: str = Field(primary_key=True, max_length=64)  # the platform's user id
    learner_id: int | None = Field(
        default=None,
        sa_column=Column(
            "learner_id",
            Integer,
            ForeignKey("learners.id", ondelete="CASCADE", name="fk_quiz_answers_learner_id"),
            nullable=True,
            index=True,
        ),
    )
    user_name: str | None = Field(default=None, max_length=200)
    answer: str = Field(sa_type=Text)
    outcome: str = Field(max_length=16)  # right | typo | hinted | wrong | skipped
    rating: int | None = Field(default=None)  # the FSRS rating it gave; None: it moved no card
    answered_at: dt.datetime = Field(sa_type=AwareDateTime)
    duration_ms: int | None = Field(default=None)


class LearnerDay(SQLModel, table=True):
    """What a learner did on one of their local days: the streak and /stats are read from here."""

    __tablename__ = "learner_days"

    learner_id: int = Field(
        sa_column=Column(
            "learner_id",
            Integer,
            ForeignKey("learners.id", ondelete="CASCADE", name="fk_learner_days_learner_id"),
            primary_key=True,
        )
    )
    local_date: dt.date = Field(primary_key=True)
    cards_read: int = Field(default=0)
    words_saved: int = Field(default=0)
    answered: int = Field(default=0)
    correct: int = Field(default=0)
    quizzes_finished: int = Field(default=0)
    lesson_id: str | None = Field(default=None, max_length=200)  # the lesson last read that day


class Broadcast(SQLModel, table=True):
    """An admin's announcement to every subscriber: written when asked for (its preview), sent by
    the push role once confirmed.

    Its ledger rows (`push_deliveries`, kind broadcast) are dated by the broadcast rather than by a
    day (`bot.storage.broadcasts.ledger_date`), so the ledger's key makes each broadcast reach each
    subscriber once, however many go out in a day and across crashes and restarts."""

    __tablename__ = "broadcasts"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_type=Text)
    author: str = Field(max_length=100)  # who asked: "telegram:123", "discord:456", "cli"
    created_at: dt.datetime = Field(sa_type=AwareDateTime)
    confirmed_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime, index=True)
    confirmed_by: str | None = Field(default=None, max_length=100)
    cancelled_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)


class LibraryReload(SQLModel, table=True):
    """A request to read the content library and its pins again. The newest row's id is the
    library's generation: every running worker that loaded an older one reloads when it next looks."""

    __tablename__ = "library_reloads"

    id: int | None = Field(default=None, primary_key=True)
    requested_by: str = Field(max_length=100)  # "telegram:123", "cli"
    reason: str = Field(max_length=200)  # "reload", "pin 2026-12-01 x-123"
    requested_at: dt.datetime = Field(sa_type=AwareDateTime)


class JobLease(SQLModel, table=True):
    """A slow job a person started (their /export), held by one process until it ends or the lease
    runs out: pressing the command again, in this process or another worker's, does not start it
    twice. A crash leaves the lease to run out by itself."""

    __tablename__ = "job_leases"

    key: str = Field(primary_key=True, max_length=200)  # "export:telegram:123"
    holder: str = Field(max_length=64)  # the process that runs it
    expires_at: dt.datetime = Field(sa_type=AwareDateTime)


class SignInToken(SQLModel, table=True):
    """A /web sign-in link the bot sent in a private chat: it opens a web session for its learner
    once, within minutes. Only the token's hash is kept, so the table read by someone else signs
    no one in."""

    __tablename__ = "sign_in_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)  # sha256 hex of the token in the link
    learner_id: int = Field(
        sa_column=_cascading_key("learner_id", "learners.id", "fk_sign_in_tokens_learner_id")
    )
    created_at: dt.datetime = Field(sa_type=AwareDateTime)
    expires_at: dt.datetime = Field(sa_type=AwareDateTime)
    used_at: dt.datetime | None = Field(default=None, sa_type=AwareDateTime)


class WebSession(SQLModel, table=True):
    """A browser signed in on the open web (the reader's 生词本) after a sign-in link. The cookie
    holds the session id; the row holds only its hash, and the CSRF token the session's forms send
    back. Signing out deletes the row."""

    __tablename__ = "web_sessions"

    id_hash: str = Field(primary_key=True, max_length=64)  # sha256 hex of the cookie's session id
    learner_id: int = Field(
        sa_column=_cascading_key("learner_id", "learners.id", "fk_web_sessions_learner_id")
    )
    csrf: str = Field(max_length=64)
    created_at: dt.datetime = Field(sa_type=AwareDateTime)
    expires_at: dt.datetime = Field(sa_type=AwareDateTime, index=True)
    last_seen_at: dt.datetime = Field(sa_type=AwareDateTime)


# Tables of their own modules, on the same metadata (Alembic's autogenerate and the schema test read it).
from bot.storage import review_tables, source_tables  # noqa: E402, F401
