"""A subscribed group's daily quiz: a few quiz polls on the group's recent lessons, answered by
every member at once, and the day's results with its top scorers when the quiz closes.

A member's vote is kept (one per member and question) and counts on the scoreboard whoever they
are; it moves a review card only when the word is in that member's own vocabulary book, and only
as their first answer to it that day. A member the bot has no book for is counted, not scheduled:
the group quiz never makes learners of people who never asked for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.core import quiz_view
from bot.core.messages import Reply, RichText, Span
from bot.core.quiz_kit import QuizKit, start_of_day
from bot.core.quiz_sources import lesson_words
from bot.core.shelf import LessonShelf
from bot.core.timezones import zone_of
from bot.learning.quiz_plan import POLL_KINDS, QuizWord, plan_quiz
from bot.learning.review_schedule import Outcome
from bot.storage import learner_days, quizzes
from bot.storage.learners import find_learner
from bot.storage.quizzes import Asked
from bot.storage.tables import Quiz, QuizAnswer, QuizOrigin, QuizQuestion, QuizState, SavedWord

RECENT_DAYS = 3  # the lessons a group quiz draws on: today's and the two before
MEDALS = ("🥇", "🥈", "🥉")


@dataclass(frozen=True)
class Score:
    name: str
    right: int
    answered: int
    seconds: float  # total answer time, the tie-breaker: quicker ranks higher


def build(
    session: Session,
    *,
    shelf: LessonShelf,
    kit: QuizKit,
    platform: str,
    chat_id: str,
    local_date: dt.date,
    now: dt.datetime,
) -> list[Reply]:
    """The group's quiz for `local_date`, made once (a retried push finds it): its polls, or nothing
    when the group has no recent lesson to be asked about."""
    key = f"{platform}:{chat_id}:{local_date.isoformat()}"
    quiz = quizzes.daily_quiz(
        session,
        daily_key=key,
        platform=platform,
        chat_id=chat_id,
        learner_id=None,
        origin=QuizOrigin.GROUP,
        local_date=local_date,
        now=now,
    )
    assert quiz.id is not None
    if quiz.state == QuizState.READY.value:
        words = recent_words(shelf, local_date, kit.config.group_questions)
        if not words:
            quiz.state = QuizState.OVER.value
            session.add(quiz)
            session.commit()
            return []
        planned = plan_quiz(words, kit.choices, kit.rng((chat_id, local_date)), kinds=POLL_KINDS)
        quiz.closes_at = now + dt.timedelta(minutes=kit.config.group_minutes)
        quizzes.open_quiz(
            session,
            platform=platform,
            chat_id=chat_id,
            learner_id=None,
            origin=QuizOrigin.GROUP,
            local_date=local_date,
            scheduling=True,
            questions=planned,
            now=now,
            ready=quiz,
        )
    asked = quizzes.questions_of(session, quiz.id)
    if not asked:
        return []
    for question in asked:
        quizzes.mark_asked(session, question.id, now)
    return [_opening(len(asked), kit.config.group_minutes), *_polls(asked)]


def members_post(
    session: Session, *, kit: QuizKit, platform: str, chat_id: str, local_date: dt.date, now: dt.datetime
) -> list[Reply]:
    """A group's daily quiz where each member takes their own (a Discord server): one post, its
    quiz (made once: a retried push finds it) open for `group_minutes`, then the scoreboard of
    the members' quizzes started from it."""
    key = f"{platform}:{chat_id}:{local_date.isoformat()}"
    post = quizzes.daily_quiz(
        session, daily_key=key, platform=platform, chat_id=chat_id, learner_id=None,
        origin=QuizOrigin.GROUP, local_date=local_date, now=now,
    )  # fmt: skip
    assert post.id is not None
    if post.state == QuizState.READY.value:
        post.state = QuizState.OPEN.value
        post.closes_at = now + dt.timedelta(minutes=kit.config.group_minutes)
        session.add(post)
        session.commit()
    return [quiz_view.members_invitation(post.id, kit.config.group_minutes)]


def members_results(ranking: list[quizzes.MemberScore]) -> Reply:
    """The day's scoreboard of a members' quiz post, for its discussion thread."""
    lines: list[str | tuple[Span, ...]] = [
        (Span("🏆 今日测验成绩 Today's scoreboard", bold=True),),
        f"{len(ranking)} 人参与" if ranking else "今天没人参加测验，明天再来 💪",
    ]
    for place, score in enumerate(ranking[:10]):
        medal = MEDALS[place] if place < len(MEDALS) else f"{place + 1}."
        lines.append(f"{medal} {score.name} {score.right}/{score.answered}")
    if ranking:
        lines += ["", "每个人的题都来自自己的生词本；没参加的随时可以发送 /quiz。"]
    return Reply(RichText.of(*lines), in_thread=True)


def recent_words(shelf: LessonShelf, today: dt.date, count: int) -> list[QuizWord]:
    """Key words of the group's recent lessons, the newest lesson first, spread over its cards."""
    words: dict[str, QuizWord] = {}
    for back in range(RECENT_DAYS):
        day = shelf.day(today - dt.timedelta(days=back))
        if day is None:
            continue
        for word in lesson_words(shelf, day.lesson.id, count):
            if len(words) < count:
                words.setdefault(word.lemma.lower(), word)
    return list(words.values())


def vote(
    session: Session,
    *,
    kit: QuizKit,
    asked: Asked,
    quiz: Quiz,
    platform: str,
    user_id: str,
    user_name: str | None,
    choice: int,
    now: dt.datetime,
    default_zone: str,
) -> None:
    """Keep a member's vote and, for a word in their own book, let it rate their card."""
    if not 0 <= choice < len(asked.options):
        return
    outcome = Outcome.RIGHT if choice == asked.correct else Outcome.WRONG
    learner = find_learner(session, platform=platform, user_id=user_id)
    duration = int((now - asked.asked_at).total_seconds() * 1000) if asked.asked_at else None
    kept = quizzes.record_answer(
        session,
        question_id=asked.id,
        user_id=user_id,
        learner_id=learner.id if learner is not None else None,
        user_name=user_name,
        answer=asked.options[choice],
        outcome=outcome.value,
        now=now,
        duration_ms=duration,
    )
    if not kept or learner is None or learner.id is None:
        return
    zone = zone_of(learner.timezone or default_zone)
    today = now.astimezone(zone).date()
    learner_days.bump(
        session, learner_id=learner.id, local_date=today, answered=1, correct=int(outcome.correct)
    )
    session.commit()
    own = _own_word(session, learner.id, asked.word.lemma)
    if own is None:
        return
    kit.rate(
        session,
        saved_word_id=own,
        asked=asked,
        user_id=user_id,
        outcome=outcome,
        duration_ms=duration,
        timed=False,
        now=now,
        day_start=start_of_day(today, zone),
    )


def scores(session: Session, quiz_id: int) -> list[Score]:
    """Everyone who voted, best first: most right, then quickest."""
    statement = (
        select(QuizAnswer)
        .join(QuizQuestion, col(QuizQuestion.id) == col(QuizAnswer.question_id))
        .where(QuizQuestion.quiz_id == quiz_id)
    )
    by_member: dict[str, Score] = {}
    for answer in session.exec(statement):
        was = by_member.get(answer.user_id) or Score(answer.user_name or "?", 0, 0, 0.0)
        by_member[answer.user_id] = Score(
            was.name,
            was.right + (answer.outcome == Outcome.RIGHT.value),
            was.answered + 1,
            was.seconds + (answer.duration_ms or 0) / 1000,
        )
    return sorted(by_member.values(), key=lambda score: (-score.right, score.seconds, score.name))


def results(asked: list[Asked], ranking: list[Score]) -> Reply:
    """The day's results: who took part, the top scorers, and every answer with its sentence."""
    lines: list[str | tuple[Span, ...]] = [
        (Span("🏁 今日群测验结果 Group quiz results", bold=True),),
        f"{len(ranking)} 人参与 · {len(asked)} 道题",
    ]
    if ranking:
        top = [
            f"{MEDALS[place]} {score.name} {score.right}/{len(asked)}"
            for place, score in enumerate(ranking[: len(MEDALS)])
        ]
        lines.append("  ".join(top))
    else:
        lines.append("今天没人作答，明天再来 💪")
    lines.append("")
    lines.append((Span("答案 Answers", bold=True),))
    for number, question in enumerate(asked, 1):
        lines.append(
            (Span(f"{number}. "), Span(question.word.lemma, bold=True), Span(f" — {question.word.gloss}"))
        )
    lines += ["", "想把这些词加进自己的复习？私聊我发送 /today，点 ⭐ 收藏。"]
    return Reply(RichText.of(*lines))


def _opening(count: int, minutes: int) -> Reply:
    text = (
        f"🧠 今日群测验 · {count} 道题，来自最近的课。直接在投票里作答，{minutes} 分钟后公布结果和前三名！\n"
        "Today's group quiz: answer in the polls; results and top scorers soon."
    )
    return Reply(RichText.of(text))


def _polls(asked: list[Asked]) -> list[Reply]:
    total = len(asked)
    polls = []
    for question in asked:
        head = f"{question.position + 1}/{total}"
        make = quiz_view.cloze_poll if question.kind.value == "cloze" else quiz_view.meaning_poll
        polls.append(Reply(poll=make(question, head)))
    return polls


def _own_word(session: Session, learner_id: int, lemma: str) -> int | None:
    """The member's own entry for this word, if they saved it (and did not forget it)."""
    statement = select(SavedWord.id).where(
        SavedWord.learner_id == learner_id,
        func.lower(SavedWord.lemma) == lemma.lower(),
        col(SavedWord.forgotten_at).is_(None),
    )
    return session.exec(statement).first()
