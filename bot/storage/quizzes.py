"""Quizzes as asked: each quiz, its questions in order, and who answered what.

Everything needed to grade an answer lives here, not in memory: an answer can come after a
restart or reach another process (a Telegram poll answer names only the poll). One answer per
person and question: a repeated one (a double tap, a retried update) meets the primary key and
changes nothing. Functions take the session first and commit their own changes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.learning.quiz_plan import PlannedQuestion, QuestionKind, QuizWord
from bot.learning.review_schedule import Outcome
from bot.storage.tables import Quiz, QuizAnswer, QuizOrigin, QuizQuestion, QuizState

LIVE = (QuizState.READY.value, QuizState.OPEN.value)
QUIZZES: Table = Quiz.__table__  # type: ignore[attr-defined]
QUESTIONS: Table = QuizQuestion.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Asked:
    """A stored question, as the core works with it."""

    id: int
    quiz_id: int
    position: int
    kind: QuestionKind
    word: QuizWord
    options: tuple[str, ...]
    correct: int | None
    redrill: bool
    asked_at: dt.datetime | None
    hinted: bool


@dataclass(frozen=True)
class Tally:
    """A quiz's results from its first answers (a re-drill does not count twice)."""

    right: int
    total: int
    missed: tuple[str, ...]  # lemmas answered wrong, in the order asked


def daily_quiz(
    session: Session,
    *,
    daily_key: str,
    platform: str,
    chat_id: str,
    learner_id: int | None,
    origin: QuizOrigin,
    local_date: dt.date,
    now: dt.datetime,
) -> Quiz:
    """The pushed quiz for this chat and date, made ready on first call; a retried push finds it."""
    found = session.exec(select(Quiz).where(col(Quiz.daily_key) == daily_key)).one_or_none()
    if found is not None:
        return found
    quiz = Quiz(
        platform=platform,
        chat_id=chat_id,
        learner_id=learner_id,
        origin=origin.value,
        daily_key=daily_key,
        local_date=local_date,
        state=QuizState.READY.value,
        created_at=now,
    )
    session.add(quiz)
    try:
        session.commit()
    except IntegrityError:  # another process made it a moment ago
        session.rollback()
        return session.exec(select(Quiz).where(col(Quiz.daily_key) == daily_key)).one()
    return quiz


@dataclass(frozen=True)
class ReadyQuiz:
    """A pushed quiz to make ready, with its questions planned (none: planned when it starts)."""

    daily_key: str
    platform: str
    chat_id: str
    learner_id: int
    local_date: dt.date
    questions: Sequence[PlannedQuestion] = ()
    invitation: Invitation | None = None


@dataclass(frozen=True)
class Invitation:
    """What a pushed quiz's invitation announces: due words (how many, how many overdue) or today's
    lesson's key words. Stored with a quiz built ahead, so the push at quiz time only reads it."""

    mode: str
    words: int
    overdue: int = 0


@dataclass(frozen=True)
class BuiltQuiz:
    """A pushed quiz built ahead of quiz time, as the push reads it back."""

    id: int
    learner_id: int
    invitation: Invitation


def prepare_daily_quizzes(
    session: Session, ready: Sequence[ReadyQuiz], *, now: dt.datetime
) -> dict[str, int]:
    """Make a page of pushed quizzes ready in a few statements: daily key → quiz id.

    A quiz made before (a retried push, another worker's page) is found, not made again; questions
    go in only where a quiz has none, and two workers writing them at once meet the unique
    (quiz, position) and write them once.
    """
    if not ready:
        return {}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [
        {
            "platform": quiz.platform,
            "chat_id": quiz.chat_id,
            "learner_id": quiz.learner_id,
            "origin": QuizOrigin.DAILY.value,
            "daily_key": quiz.daily_key,
            "local_date": quiz.local_date,
            "state": QuizState.READY.value,
            "scheduling": True,
            "created_at": now,
            "invitation_mode": quiz.invitation.mode if quiz.invitation else None,
            "invitation_words": quiz.invitation.words if quiz.invitation else None,
            "invitation_overdue": quiz.invitation.overdue if quiz.invitation else None,
        }
        for quiz in ready
    ]
    session.execute(insert(QUIZZES).on_conflict_do_nothing(index_elements=["daily_key"]), rows)
    keys = [quiz.daily_key for quiz in ready]
    ids = dict(
        session.execute(select(QUIZZES.c.daily_key, QUIZZES.c.id).where(QUIZZES.c.daily_key.in_(keys))).all()
    )
    filled = set(
        session.execute(
            select(QUESTIONS.c.quiz_id).where(QUESTIONS.c.quiz_id.in_(list(ids.values()))).distinct()
        ).scalars()
    )
    questions = [
        _question_values(ids[quiz.daily_key], position, planned)
        for quiz in ready
        if ids[quiz.daily_key] not in filled
        for position, planned in enumerate(quiz.questions)
    ]
    if questions:
        statement = insert(QUESTIONS).on_conflict_do_nothing(index_elements=["quiz_id", "position"])
        session.execute(statement, questions)
    session.commit()
    return ids


def built_quizzes(session: Session, daily_keys: Sequence[str]) -> dict[str, BuiltQuiz]:
    """The pushed quizzes built ahead among these daily keys, still waiting to be started: key →
    quiz. One made before invitations were stored, or already started, is not among them."""
    if not daily_keys:
        return {}
    statement = select(
        QUIZZES.c.daily_key,
        QUIZZES.c.id,
        QUIZZES.c.learner_id,
        QUIZZES.c.invitation_mode,
        QUIZZES.c.invitation_words,
        QUIZZES.c.invitation_overdue,
    ).where(
        QUIZZES.c.daily_key.in_(list(daily_keys)),
        QUIZZES.c.state == QuizState.READY.value,
        QUIZZES.c.invitation_mode.is_not(None),
        QUIZZES.c.learner_id.is_not(None),
    )
    return {
        key: BuiltQuiz(quiz_id, learner_id, Invitation(mode, words or 0, overdue or 0))
        for key, quiz_id, learner_id, mode, words, overdue in session.execute(statement)
    }


def member_scores(session: Session, parent_id: int) -> list[MemberScore]:
    """The members' quizzes started from a group's quiz post: each member's first answers (a
    re-drill does not count twice), best first: most right, then quickest."""
    statement = (
        select(QuizAnswer.user_id, QuizAnswer.user_name, QuizAnswer.outcome, QuizAnswer.duration_ms)
        .join(QuizQuestion, col(QuizQuestion.id) == col(QuizAnswer.question_id))
        .join(Quiz, col(Quiz.id) == col(QuizQuestion.quiz_id))
        .where(col(Quiz.parent_id) == parent_id, col(QuizQuestion.redrill).is_(False))
    )
    by_member: dict[str, MemberScore] = {}
    for user_id, name, outcome, duration_ms in session.exec(statement):
        was = by_member.get(user_id) or MemberScore(name or "?", 0, 0, 0.0)
        right = Outcome(outcome).correct
        by_member[user_id] = MemberScore(
            was.name, was.right + right, was.answered + 1, was.seconds + (duration_ms or 0) / 1000
        )
    return sorted(by_member.values(), key=lambda score: (-score.right, score.seconds, score.name))


@dataclass(frozen=True)
class MemberScore:
    name: str
    right: int
    answered: int
    seconds: float


def has_questions(session: Session, quiz_id: int) -> bool:
    return (
        session.exec(select(QuizQuestion.id).where(QuizQuestion.quiz_id == quiz_id).limit(1)).first()
        is not None
    )


def open_quiz(
    session: Session,
    *,
    platform: str,
    chat_id: str,
    learner_id: int | None,
    origin: QuizOrigin,
    local_date: dt.date,
    scheduling: bool,
    questions: Sequence[PlannedQuestion],
    now: dt.datetime,
    ready: Quiz | None = None,
    parent_id: int | None = None,
) -> Quiz:
    """Start a quiz with these questions (filling a pushed, ready one when given). Any other live
    quiz in the chat is over from now on: its buttons and answers only get a notice."""
    quiz = ready or Quiz(
        platform=platform,
        chat_id=chat_id,
        learner_id=learner_id,
        origin=origin.value,
        local_date=local_date,
        state=QuizState.OPEN.value,
        created_at=now,
        parent_id=parent_id,
    )
    quiz.state, quiz.scheduling = QuizState.OPEN.value, scheduling
    session.add(quiz)
    session.flush()
    assert quiz.id is not None
    _end_others(session, platform=platform, chat_id=chat_id, learner_id=learner_id, keep=quiz.id)
    for position, planned in enumerate(questions):
        session.add(_question_row(quiz.id, position, planned))
    session.commit()
    return quiz


def add_question(session: Session, *, quiz_id: int, planned: PlannedQuestion) -> None:
    """Append a question (a missed word's re-drill) after the last one."""
    last = session.exec(select(func.max(QuizQuestion.position)).where(QuizQuestion.quiz_id == quiz_id)).one()
    session.add(_question_row(quiz_id, (last if last is not None else -1) + 1, planned))
    session.commit()


def get_quiz(session: Session, quiz_id: int) -> Quiz | None:
    return session.get(Quiz, quiz_id)


def live_quiz(session: Session, *, platform: str, chat_id: str) -> Quiz | None:
    """The chat's quiz in progress (or pushed and waiting to start), the newest if several."""
    statement = (
        select(Quiz)
        .where(Quiz.platform == platform, Quiz.chat_id == chat_id, col(Quiz.state).in_(LIVE))
        .order_by(col(Quiz.id).desc())
    )
    return session.exec(statement).first()


def question(session: Session, question_id: int) -> tuple[Asked, Quiz] | None:
    row = session.get(QuizQuestion, question_id)
    if row is None:
        return None
    quiz = session.get(Quiz, row.quiz_id)
    return (_asked(row), quiz) if quiz is not None else None


def questions_of(session: Session, quiz_id: int) -> list[Asked]:
    statement = (
        select(QuizQuestion).where(QuizQuestion.quiz_id == quiz_id).order_by(col(QuizQuestion.position))
    )
    return [_asked(row) for row in session.exec(statement)]


def current_question(session: Session, quiz_id: int) -> Asked | None:
    """The first question nobody has answered yet (a personal quiz has one person answering)."""
    answered = select(QuizAnswer.question_id)
    statement = (
        select(QuizQuestion)
        .where(QuizQuestion.quiz_id == quiz_id, col(QuizQuestion.id).not_in(answered))
        .order_by(col(QuizQuestion.position))
    )
    row = session.exec(statement).first()
    return _asked(row) if row is not None else None


def mark_asked(session: Session, question_id: int, now: dt.datetime) -> None:
    """The moment a question is shown: its answer's time is counted from here. Only the first
    showing counts (a question shown again after a restart keeps its clock)."""
    session.execute(
        update(QuizQuestion)
        .where(col(QuizQuestion.id) == question_id, col(QuizQuestion.asked_at).is_(None))
        .values(asked_at=now)
    )
    session.commit()


def mark_hinted(session: Session, question_id: int) -> None:
    session.execute(update(QuizQuestion).where(col(QuizQuestion.id) == question_id).values(hinted=True))
    session.commit()


def record_answer(
    session: Session,
    *,
    question_id: int,
    user_id: str,
    learner_id: int | None,
    user_name: str | None,
    answer: str,
    outcome: str,
    now: dt.datetime,
    duration_ms: int | None,
) -> bool:
    """Keep an answer; False when this person had already answered this question (nothing changes)."""
    session.add(
        QuizAnswer(
            question_id=question_id,
            user_id=user_id,
            learner_id=learner_id,
            user_name=(user_name or "")[:200] or None,
            answer=answer[:500],
            outcome=outcome,
            answered_at=now,
            duration_ms=duration_ms,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def set_rating(session: Session, *, question_id: int, user_id: str, rating: int) -> None:
    session.execute(
        update(QuizAnswer)
        .where(col(QuizAnswer.question_id) == question_id, col(QuizAnswer.user_id) == user_id)
        .values(rating=rating)
    )
    session.commit()


def finish(session: Session, quiz_id: int, now: dt.datetime) -> bool:
    """Mark the quiz finished; False if it already was (two last answers at once finish it once)."""
    done = session.execute(
        update(Quiz)
        .where(col(Quiz.id) == quiz_id, col(Quiz.state) == QuizState.OPEN.value)
        .values(state=QuizState.FINISHED.value, finished_at=now)
    )
    session.commit()
    return bool(done.rowcount)


def closed_group_quizzes(session: Session, *, platforms: Sequence[str], now: dt.datetime) -> list[Quiz]:
    """Group quizzes whose time is up and whose results nobody has posted yet."""
    statement = (
        select(Quiz)
        .where(
            col(Quiz.origin) == QuizOrigin.GROUP.value,
            col(Quiz.platform).in_(platforms),
            col(Quiz.state) == QuizState.OPEN.value,
            col(Quiz.closes_at) <= now,
            col(Quiz.summary_sent_at).is_(None),
        )
        .order_by(col(Quiz.closes_at))
        .limit(500)
    )
    return list(session.exec(statement))


def claim_results(session: Session, quiz_id: int, now: dt.datetime) -> bool:
    """Close a group quiz and take the posting of its results; False if another worker took it.
    At most once: a crash after this and before the post loses the post, never doubles it."""
    taken = session.execute(
        update(Quiz)
        .where(col(Quiz.id) == quiz_id, col(Quiz.summary_sent_at).is_(None))
        .values(summary_sent_at=now, state=QuizState.FINISHED.value, finished_at=now)
    )
    session.commit()
    return bool(taken.rowcount)


def tally(session: Session, quiz_id: int) -> Tally:
    """Right / total over the first asking of each word; the missed words, in order."""
    statement = (
        select(QuizQuestion.lemma, QuizAnswer.outcome)
        .join(QuizAnswer, col(QuizAnswer.question_id) == col(QuizQuestion.id))
        .where(QuizQuestion.quiz_id == quiz_id, col(QuizQuestion.redrill).is_(False))
        .order_by(col(QuizQuestion.position))
    )
    rows = list(session.exec(statement))
    right = sum(1 for _, outcome in rows if outcome in ("right", "typo", "hinted"))
    missed = tuple(
        dict.fromkeys(lemma for lemma, outcome in rows if outcome not in ("right", "typo", "hinted"))
    )
    return Tally(right, len(rows), missed)


def _end_others(session: Session, *, platform: str, chat_id: str, learner_id: int | None, keep: int) -> None:
    session.execute(
        update(Quiz)
        .where(
            col(Quiz.platform) == platform,
            col(Quiz.chat_id) == chat_id,
            col(Quiz.state).in_(LIVE),
            col(Quiz.id) != keep,
        )
        .values(state=QuizState.OVER.value)
    )


def _question_row(quiz_id: int, position: int, planned: PlannedQuestion) -> QuizQuestion:
    return QuizQuestion(**_question_values(quiz_id, position, planned))


def _question_values(quiz_id: int, position: int, planned: PlannedQuestion) -> dict[str, Any]:
    word = planned.word
    return dict(
        quiz_id=quiz_id,
        position=position,
        saved_word_id=word.saved_word_id,
        kind=planned.kind.value,
        lemma=word.lemma[:100],
        gloss=word.gloss,
        forms="\n".join(dict.fromkeys(form for form in (word.form, *word.forms) if form)),
        sentence_en=word.sentence_en,
        sentence_zh=word.sentence_zh,
        lesson_id=word.lesson_id,
        card_number=word.card_number,
        options=json.dumps(planned.options, ensure_ascii=False),
        correct=planned.correct,
        redrill=planned.redrill,
        hinted=False,
    )


def _asked(row: QuizQuestion) -> Asked:
    assert row.id is not None
    word = QuizWord(
        lemma=row.lemma,
        gloss=row.gloss,
        forms=tuple(form for form in row.forms.split("\n") if form),
        form=None,
        sentence_en=row.sentence_en,
        sentence_zh=row.sentence_zh,
        lesson_id=row.lesson_id,
        card_number=row.card_number,
        saved_word_id=row.saved_word_id,
    )
    return Asked(
        id=row.id,
        quiz_id=row.quiz_id,
        position=row.position,
        kind=QuestionKind(row.kind),
        word=word,
        options=tuple(json.loads(row.options)),
        correct=row.correct,
        redrill=row.redrill,
        asked_at=row.asked_at,
        hinted=row.hinted,
    )
