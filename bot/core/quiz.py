"""The quiz in a conversation: /quiz, the pushed quiz's start button, answers (a button, a poll
vote, a typed word), hints, and the summary at the end.

A personal quiz asks one question at a time: each answer brings the next, so the time an answer
took is the time since its question was shown. Only the first answer a word gets on a learner's
local day moves its FSRS card; a missed word is asked once more at the end of the same quiz
(a re-drill, which moves nothing). Every decision is made from the database, so an answer that
comes after a restart, or to another process, is graded the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from bot.core import group_quiz, quiz_view, texts
from bot.core.actions import small_number
from bot.core.messages import Audio, ChatKind, Reply, RichText
from bot.core.quiz_kit import end_of_day, start_of_day
from bot.core.quiz_sources import book_word, lesson_words
from bot.core.quiz_view import Mode, Summary
from bot.core.times import format_time_of_day
from bot.core.timezones import zone_of
from bot.core.turn import Turn
from bot.learning.quiz_plan import PlannedQuestion, QuestionKind, QuizWord, plan_quiz, plan_redrill
from bot.learning.quiz_words import Match, grade_typed
from bot.learning.review_schedule import Outcome
from bot.storage import learner_days, quizzes, review_cards
from bot.storage.learners import find_learner
from bot.storage.quizzes import Asked
from bot.storage.tables import Learner, Quiz, QuizOrigin, QuizState, Subscriber, SubscriberStatus
from bot.storage.vocabulary_book import book_page, entries_by_ids

QUIZ_OVER = "这次测验已经结束了 🙂 发送 /quiz 开始新的一轮。"
ANSWERED = "这道题已经答过了。"
NOT_YOURS = "这是别人的测验 🙂 发送 /quiz 开始你自己的。"
NOTHING_TO_QUIZ = (
    "还没有可以测验的词 📭\n生词本是空的，今天也还没读课。发送 /today 读今天的课，点 ⭐ 收藏生词，"
    "它们会按间隔重复（spaced repetition）出现在每晚的测验里。"
)


@dataclass(frozen=True)
class Opened:
    quiz_id: int
    mode: str
    count: int


@dataclass(frozen=True)
class Graded:
    """What an answer did, for the replies: the feedback, then the next question or the summary."""

    asked: Asked
    outcome: Outcome
    answer: str
    redrill: bool
    next_question: Asked | None
    number: int
    total: int
    summary: Summary | None


# How an answer went, from the question: None when the answer is not one of its options.
Grader = Callable[[Asked], "tuple[Outcome, str] | None"]


# --- starting ----------------------------------------------------------------------------------


async def quiz_command(turn: Turn) -> list[Reply]:
    """/quiz: a quiz now, on what is due, else today's lesson, else recent words (practice)."""
    if turn.is_group:
        return [Reply(RichText.of(texts.PRIVATE_ONLY))]
    opened = await turn.db(lambda session: _open(turn, session, QuizOrigin.ASKED, ready=None))
    if opened is None:
        return [Reply(RichText.of(NOTHING_TO_QUIZ))]
    return await _first_question(turn, opened)


async def quiz_now(turn: Turn, parent: str) -> list[Reply]:
    """开始我的测验 under a server's quiz post: this member's own quiz, as /quiz, counted in that
    post's scoreboard (`parent`: the post's quiz)."""
    if turn.is_group:
        return [Reply(RichText.of(texts.PRIVATE_ONLY))]
    parent_id = small_number(parent, digits=12)

    def open_(session: Session) -> Opened | None:
        return _open(turn, session, QuizOrigin.ASKED, ready=None, parent_id=parent_id)

    opened = await turn.db(open_)
    if opened is None:
        return [Reply(RichText.of(NOTHING_TO_QUIZ))]
    return await _first_question(turn, opened)


async def start_pressed(turn: Turn, quiz_id: str) -> list[Reply]:
    """开始 ▶ under a pushed quiz: build it from what is due now and ask the first question."""

    def start(session: Session) -> Opened | str:
        number = small_number(quiz_id, digits=12)
        quiz = quizzes.get_quiz(session, number) if number is not None else None
        if quiz is None or quiz.state not in (QuizState.READY, QuizState.OPEN):
            return QUIZ_OVER
        if quiz.learner_id != _learner_id_of(turn, session):
            return NOT_YOURS
        if quiz.state == QuizState.OPEN:  # pressed twice: carry on where it stands
            return Opened(quiz.id or 0, Mode.DUE, 0)
        if quizzes.has_questions(session, quiz.id or 0):  # planned with the push: open it as it is
            quizzes.open_quiz(
                session,
                platform=quiz.platform,
                chat_id=quiz.chat_id,
                learner_id=quiz.learner_id,
                origin=QuizOrigin.DAILY,
                local_date=quiz.local_date,
                scheduling=True,
                questions=(),
                now=turn.now,
                ready=quiz,
            )
            return Opened(quiz.id or 0, Mode.DUE, 0)
        return _open(turn, session, QuizOrigin.DAILY, ready=quiz) or QUIZ_OVER

    opened = await turn.db(start)
    if isinstance(opened, str):
        return [Reply(notice=opened)]
    if opened.count == 0:
        return await _ask_current(turn, opened.quiz_id)
    return await _first_question(turn, opened)


def _open(
    turn: Turn, session: Session, origin: QuizOrigin, *, ready: Quiz | None, parent_id: int | None = None
) -> Opened | None:
    learner = turn.learner(session)
    assert learner.id is not None
    words, mode = _words_for(turn, session, learner, asked=origin is QuizOrigin.ASKED)
    if not words:
        if ready is not None:
            ready.state = QuizState.OVER.value
            session.add(ready)
            session.commit()
        return None
    planned = plan_quiz(words, turn.quizzes.choices, turn.quizzes.rng((learner.id, turn.now)))
    quiz = quizzes.open_quiz(
        session,
        platform=turn.incoming.platform,
        chat_id=turn.incoming.chat_id,
        learner_id=learner.id,
        origin=origin,
        local_date=turn.learner_today(learner),
        scheduling=mode == Mode.DUE,
        questions=planned,
        now=turn.now,
        ready=ready,
        parent_id=parent_id,
    )
    assert quiz.id is not None
    return Opened(quiz.id, mode, len(planned))


def _words_for(turn: Turn, session: Session, learner: Learner, *, asked: bool) -> tuple[list[QuizWord], str]:
    """Due words, most overdue first; else today's lesson's key words; else (on request) recent ones."""
    assert learner.id is not None
    config = turn.quizzes.config
    zone = zone_of(turn.learner_zone(learner))
    today = turn.learner_today(learner)
    due = review_cards.due_words(
        session, learner_id=learner.id, by=end_of_day(today, zone), limit=config.max_questions
    )
    if due:
        entries = entries_by_ids(session, learner_id=learner.id, ids=[word.saved_word_id for word in due])
        return [book_word(entry) for entry in entries], Mode.DUE
    day = learner_days.day_of(session, learner_id=learner.id, local_date=today)
    if day is not None and day.lesson_id:
        words = lesson_words(turn.services.shelf, day.lesson_id, config.today_words)
        if words:
            return words, Mode.TODAY
    if asked:
        recent = book_page(session, learner_id=learner.id, page=0, size=config.max_questions).entries
        return [book_word(entry) for entry in recent], Mode.PRACTICE
    return [], Mode.DUE


async def _first_question(turn: Turn, opened: Opened) -> list[Reply]:
    opening = [quiz_view.opening(opened.mode, opened.count)] if opened.mode != Mode.DUE else []
    return opening + await _ask_current(turn, opened.quiz_id)


async def _ask_current(turn: Turn, quiz_id: int) -> list[Reply]:
    def current(session: Session) -> tuple[Asked | None, int]:
        return quizzes.current_question(session, quiz_id), len(quizzes.questions_of(session, quiz_id))

    asked, total = await turn.db(current)
    if asked is None:
        return [Reply(notice=QUIZ_OVER)]
    return await _show(turn, asked, total)


async def _show(turn: Turn, asked: Asked, total: int) -> list[Reply]:
    """The question as a message; its clock starts now (a question shown again keeps its first time)."""
    audio = await _audio(turn, asked) if asked.kind is QuestionKind.LISTENING else None
    reply = quiz_view.question_reply(asked, asked.position + 1, total, audio)
    await turn.db(lambda session: quizzes.mark_asked(session, asked.id, turn.now))
    return [reply]


async def _audio(turn: Turn, asked: Asked) -> Audio | None:
    """The sentence spoken (the card's cached file, reused by its key on every platform)."""
    sentence = asked.word.sentence_en
    if not sentence:
        return None
    return await turn.services.shelf.audio(sentence, "BuildSpeak · 听写", performer="BuildSpeak")


# --- answering ---------------------------------------------------------------------------------


async def picked(turn: Turn, question_id: str, option: str) -> list[Reply]:
    """A cloze's word button: the message is marked right or wrong, then what comes next."""
    picked = small_number(option, digits=3)
    index = picked if picked is not None else -1

    def grade(asked: Asked) -> tuple[Outcome, str] | None:
        if not 0 <= index < len(asked.options):
            return None
        return (Outcome.RIGHT if index == asked.correct else Outcome.WRONG), asked.options[index]

    graded = await _answer(turn, question_id, grade)
    if isinstance(graded, list):
        return graded
    return [quiz_view.graded_cloze(graded.asked, index), *await _after(turn, graded)]


async def poll_answered(turn: Turn, key: str, options: Sequence[int]) -> list[Reply]:
    """A vote in a quiz poll. A group's poll is answered by many, silently; a learner's own quiz
    goes on to the next question. A vote taken back (no options) changes nothing."""
    question_id = quiz_view.question_id_of(key)
    if question_id is None or not options:
        return []
    choice = options[0]
    if await turn.db(lambda session: _group_vote(turn, session, question_id, choice)):
        return []  # a group's poll: the vote is kept, the results come when the quiz closes

    def grade(asked: Asked) -> tuple[Outcome, str] | None:
        if not 0 <= choice < len(asked.options):
            return None
        return (Outcome.RIGHT if choice == asked.correct else Outcome.WRONG), asked.options[choice]

    graded = await _answer(turn, str(question_id), grade)
    if isinstance(graded, list):
        return graded
    return await _after(turn, graded)


def _group_vote(turn: Turn, session: Session, question_id: int, choice: int) -> bool:
    """A vote in a group quiz's poll, kept while the quiz is open; False: not a group quiz's poll."""
    found = quizzes.question(session, question_id)
    if found is None or found[1].origin != QuizOrigin.GROUP:
        return False
    asked, quiz = found
    if quiz.state == QuizState.OPEN:
        group_quiz.vote(
            session,
            kit=turn.quizzes,
            asked=asked,
            quiz=quiz,
            platform=turn.incoming.platform,
            user_id=turn.incoming.user_id,
            user_name=turn.incoming.user_name,
            choice=choice,
            now=turn.now,
            default_zone=turn.services.defaults.timezone,
        )
    return True


async def typed(turn: Turn) -> list[Reply] | None:
    """Text in a private chat while a typed question waits: the answer (None: no such question)."""
    if turn.incoming.chat_kind is not ChatKind.PRIVATE:
        return None

    def waiting(session: Session) -> Asked | None:
        quiz = quizzes.live_quiz(session, platform=turn.incoming.platform, chat_id=turn.incoming.chat_id)
        if quiz is None or quiz.id is None or quiz.state != QuizState.OPEN:
            return None
        current = quizzes.current_question(session, quiz.id)
        return current if current is not None and current.kind.typed and current.asked_at else None

    asked = await turn.db(waiting)
    if asked is None:
        return None
    text = turn.incoming.text
    dictionary = turn.quizzes.dictionary

    def grade(question: Asked) -> tuple[Outcome, str]:
        match = grade_typed(text, question.word.lemma, dictionary, forms=question.word.forms)
        if match is Match.WRONG:
            return Outcome.WRONG, text
        if match is Match.TYPO:
            return Outcome.TYPO, text
        return (Outcome.HINTED if question.hinted else Outcome.RIGHT), text

    graded = await _answer(turn, str(asked.id), grade)
    if isinstance(graded, list):
        return graded
    return await _after(turn, graded)


async def hint(turn: Turn, question_id: str) -> list[Reply]:
    """💡: the first letter and the length; a right answer after it is rated Hard."""

    def give(session: Session) -> Asked | str:
        found = _live_question(turn, session, question_id)
        if isinstance(found, str):
            return found
        quizzes.mark_hinted(session, found.id)
        return found

    found = await turn.db(give)
    if isinstance(found, str):
        return [Reply(notice=found)]
    return [quiz_view.hint_reply(found)]


async def skipped(turn: Turn, question_id: str) -> list[Reply]:
    """🤷 不知道: counted as a miss (Again), with the answer shown."""
    graded = await _answer(turn, question_id, lambda asked: (Outcome.SKIPPED, ""))
    if isinstance(graded, list):
        return graded
    return await _after(turn, graded)


async def _answer(turn: Turn, question_id: str, grade: Grader) -> Graded | list[Reply]:
    """Grade and keep an answer, move the card, queue a re-drill, and find what comes next, all in
    one go in the database; a reply list instead when the answer can't count (and changes nothing)."""

    def work(session: Session) -> Graded | str | None:
        found = _live_question(turn, session, question_id)
        if isinstance(found, str):
            return found
        graded = grade(found)
        if graded is None:
            return texts.STALE_BUTTON
        return _keep(turn, session, found, *graded)

    result = await turn.db(work)
    if result is None:
        return []
    if isinstance(result, str):  # a notice: a toast for a button, a short message for a vote or a word
        return [Reply(notice=result)]
    return result


def _live_question(turn: Turn, session: Session, question_id: str) -> Asked | str:
    """The question a button or vote is about, if it can still be answered by this person."""
    number = small_number(question_id, digits=12)
    found = quizzes.question(session, number) if number is not None else None
    if found is None:
        return texts.STALE_BUTTON
    asked, quiz = found
    if quiz.state != QuizState.OPEN:
        return QUIZ_OVER
    if quiz.learner_id is not None and quiz.learner_id != _learner_id_of(turn, session):
        return NOT_YOURS
    current = quizzes.current_question(session, asked.quiz_id)
    if current is None or current.id != asked.id:
        return ANSWERED
    return asked


def _keep(turn: Turn, session: Session, asked: Asked, outcome: Outcome, answer: str) -> Graded | str:
    learner = turn.learner(session)
    assert learner.id is not None
    now = turn.now
    duration = _duration_ms(asked, now)
    kept = quizzes.record_answer(
        session,
        question_id=asked.id,
        user_id=turn.incoming.user_id,
        learner_id=learner.id,
        user_name=turn.incoming.user_name,
        answer=answer,
        outcome=outcome.value,
        now=now,
        duration_ms=duration,
    )
    if not kept:
        return ANSWERED
    quiz = quizzes.get_quiz(session, asked.quiz_id)
    assert quiz is not None
    _move_card(turn, session, learner, quiz, asked, outcome, duration)
    today = turn.learner_today(learner)
    learner_days.bump(
        session, learner_id=learner.id, local_date=today, answered=1, correct=int(outcome.correct)
    )
    session.commit()
    redrill = not outcome.correct and not asked.redrill
    if redrill:
        again = plan_redrill(_planned(asked), turn.quizzes.choices, turn.quizzes.rng((asked.id, "again")))
        quizzes.add_question(session, quiz_id=asked.quiz_id, planned=again)
    following = quizzes.current_question(session, asked.quiz_id)
    total = len(quizzes.questions_of(session, asked.quiz_id))
    summary = None if following is not None else _finish(turn, session, learner, quiz)
    return Graded(asked, outcome, answer, redrill, following, asked.position + 2, total, summary)


def _move_card(
    turn: Turn,
    session: Session,
    learner: Learner,
    quiz: Quiz,
    asked: Asked,
    outcome: Outcome,
    duration_ms: int | None,
) -> None:
    """The first answer of the day for a word on the schedule rates its card; nothing else does."""
    word_id = asked.word.saved_word_id
    if not quiz.scheduling or asked.redrill or word_id is None:
        return
    turn.quizzes.rate(
        session,
        saved_word_id=word_id,
        asked=asked,
        user_id=turn.incoming.user_id,
        outcome=outcome,
        duration_ms=duration_ms,
        timed=True,
        now=turn.now,
        day_start=start_of_day(turn.learner_today(learner), zone_of(turn.learner_zone(learner))),
    )


def _finish(turn: Turn, session: Session, learner: Learner, quiz: Quiz) -> Summary:
    assert learner.id is not None and quiz.id is not None
    today = turn.learner_today(learner)
    if quizzes.finish(session, quiz.id, turn.now):
        learner_days.bump(session, learner_id=learner.id, local_date=today, quizzes_finished=1)
        session.commit()
    return Summary(
        tally=quizzes.tally(session, quiz.id),
        streak=learner_days.streak(session, learner_id=learner.id, today=today),
        next_quiz=_next_quiz(turn, session),
        scheduling=quiz.scheduling,
    )


def _next_quiz(turn: Turn, session: Session) -> str:
    """When the next pushed quiz comes, or how to get one: this chat's quiz time, today's if it is
    still ahead, else tomorrow's."""
    subscriber: Subscriber | None = turn.subscriber(session)
    if subscriber is None or subscriber.status == SubscriberStatus.STOPPED:
        subscribe = turn.incoming.subscribe_with
        return f"想每晚收到测验？发送 {subscribe} 订阅。" if subscribe else "想复习时，随时发送 /quiz。"
    if subscriber.quiz_time is None:
        return "每日测验推送已关闭：/quiztime 21:00 打开。"
    if subscriber.status != SubscriberStatus.ACTIVE:
        return "推送已暂停：/resume 恢复。"
    local = turn.now.astimezone(zone_of(subscriber.timezone))
    day = "今天" if local.time().replace(tzinfo=None) < subscriber.quiz_time else "明天"
    return f"下次测验：{day} {format_time_of_day(subscriber.quiz_time)}"


async def _after(turn: Turn, graded: Graded) -> list[Reply]:
    """The feedback, then the next question, or the summary when there is none."""
    replies = [quiz_view.feedback(graded.asked, graded.outcome, graded.answer, will_redrill=graded.redrill)]
    if graded.next_question is not None:
        return replies + await _show(turn, graded.next_question, graded.total)
    if graded.summary is not None:
        replies.append(quiz_view.summary_reply(graded.summary))
    return replies


def _learner_id_of(turn: Turn, session: Session) -> int | None:
    learner = find_learner(session, platform=turn.incoming.platform, user_id=turn.incoming.user_id)
    return learner.id if learner is not None else None


def _duration_ms(asked: Asked, now: dt.datetime) -> int | None:
    if asked.asked_at is None:
        return None
    return max(0, int((now - asked.asked_at).total_seconds() * 1000))


def _planned(asked: Asked) -> PlannedQuestion:
    return PlannedQuestion(asked.word, asked.kind, asked.options, asked.correct, asked.redrill)
