"""The quiz in a conversation, with a clock the tests move: what is asked, how answers move the
review schedule, and what a learner is told."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from fsrs import Rating, State
from sqlmodel import select

from bot.clock import FixedClock
from bot.core.conversation import Conversation
from bot.core.messages import PollAnswer
from bot.core.quiz_view import poll_key
from bot.core.turn import Services
from bot.storage import review_cards
from bot.storage.learners import find_learner
from bot.storage.tables import QuizAnswer, ReviewCard, ReviewLog, SavedWord
from tests.core.fake_platform import FakeChat
from tests.core.quiz_support import Sessions, answer, asked_now, card, quiz_services, save

DAY = dt.timedelta(days=1)


@pytest.fixture
def quiz_chat(services: Services) -> FakeChat:
    return FakeChat(Conversation(quiz_services(services)))


def clock_of(chat: FakeChat) -> FixedClock:
    clock = chat.conversation.services.clock
    assert isinstance(clock, FixedClock)
    return clock


async def test_a_word_saved_today_is_asked_tonight_and_a_right_answer_pushes_it_days_out(
    quiz_chat: FakeChat, sessions: Sessions
) -> None:
    now = clock_of(quiz_chat).now()
    save(sessions, now, "moat")
    assert card(sessions, "moat").due == now, "due as soon as it is saved"
    (question,) = await quiz_chat.say("/quiz")
    assert question.poll is not None and "「moat」在这句里是什么意思？" in question.poll.question
    assert "Data is the moat." in question.poll.question
    clock_of(quiz_chat).advance(dt.timedelta(seconds=9))  # neither fast nor slow: Good
    feedback, summary = await answer(quiz_chat, sessions, right=True)
    assert feedback.text is not None and feedback.text.plain.startswith("✅ 对！ moat")
    assert summary.text is not None and "1/1 正确" in summary.text.plain
    moved = card(sessions, "moat")
    assert moved.state is State.Review and moved.last_review == now + dt.timedelta(seconds=9)
    assert moved.due - moved.last_review >= 2 * DAY


async def test_a_wrong_answer_brings_the_word_back_tomorrow_and_once_more_in_the_same_quiz(
    quiz_chat: FakeChat, sessions: Sessions
) -> None:
    now = clock_of(quiz_chat).now()
    save(sessions, now, "moat")
    await quiz_chat.say("/quiz")
    wrong, again = await answer(quiz_chat, sessions, right=False)
    assert wrong.text is not None
    assert "❌ 正确答案：moat" in wrong.text.plain and "Data is the moat." in wrong.text.plain
    assert "数据就是护城河。" in wrong.text.plain and "再出现一次" in wrong.text.plain
    assert again.text is not None and "再来一次" in again.text.plain, "asked another way, at the end"
    missed = card(sessions, "moat")
    assert missed.due - now == DAY
    *_, summary = await answer(quiz_chat, sessions, right=True)
    assert card(sessions, "moat") == missed, "the re-drill moves nothing: only the first answer counts"
    assert summary.text is not None and "0/1 正确" in summary.text.plain and "moat" in summary.text.plain


async def test_only_the_first_answer_of_the_day_moves_a_card(quiz_chat: FakeChat, sessions: Sessions) -> None:
    now = clock_of(quiz_chat).now()
    save(sessions, now, "moat")
    await quiz_chat.say("/quiz")
    await answer(quiz_chat, sessions, right=True)
    first = card(sessions, "moat")
    (opening, _) = await quiz_chat.say("/quiz")  # nothing due now: practice on recent words
    assert opening.text is not None and "不影响复习计划" in opening.text.plain
    await answer(quiz_chat, sessions, right=False)
    assert card(sessions, "moat") == first
    with sessions() as session:
        assert len(session.exec(select(ReviewLog)).all()) == 1


async def test_words_come_due_on_the_schedule_overdue_first(quiz_chat: FakeChat, sessions: Sessions) -> None:
    clock = clock_of(quiz_chat)
    save(sessions, clock.now(), "moat")
    clock.advance(DAY)
    save(sessions, clock.now(), "leverage")
    await quiz_chat.say("/quiz")
    assert asked_now(sessions, quiz_chat).word.lemma == "moat", "the longest overdue comes first"


async def test_typed_recall_takes_an_inflection_and_rates_a_hint_hard(
    services: Services, sessions: Sessions
) -> None:
    chat = FakeChat(Conversation(quiz_services(services)))
    now = clock_of(chat).now()
    save(sessions, now, "moat", "leverage", "engulf")  # the third word is asked as a recall
    await chat.say("/quiz")
    await answer(chat, sessions, right=True)
    await answer(chat, sessions, right=True)
    asked = asked_now(sessions, chat)
    assert asked.kind.typed and asked.word.lemma == "engulf"
    (hint,) = await chat.press("💡 提示 hint")
    assert hint.text is not None and "e _ _ _ _ _" in hint.text.plain and "6 个字母" in hint.text.plain
    feedback, _summary = await chat.say("「Engulfed」")
    assert feedback.text is not None and "✅" in feedback.text.plain and "用了提示" in feedback.text.plain
    with sessions() as session:
        rating = session.exec(select(QuizAnswer.rating).where(QuizAnswer.answer == "「Engulfed」")).one()
    assert rating == Rating.Hard


async def test_a_typo_in_a_long_word_is_forgiven_as_hard_but_not_in_a_short_one(
    services: Services, sessions: Sessions
) -> None:
    chat = FakeChat(Conversation(quiz_services(services)))
    save(sessions, clock_of(chat).now(), "moat", "leverage", "latency")
    await chat.say("/quiz")
    await answer(chat, sessions, right=True)
    await answer(chat, sessions, right=True)
    assert asked_now(sessions, chat).word.lemma == "latency"
    feedback, _summary = await chat.say("latancy")
    assert feedback.text is not None and "拼写小错已原谅：latancy → latency" in feedback.text.plain
    with sessions() as session:
        assert (
            session.exec(select(QuizAnswer.rating).where(QuizAnswer.answer == "latancy")).one() == Rating.Hard
        )


async def test_nothing_due_but_a_lesson_read_today_quizzes_its_key_words(
    quiz_chat: FakeChat, sessions: Sessions
) -> None:
    await quiz_chat.say("/today")
    opening, question = await quiz_chat.say("/quiz")
    assert opening.text is not None and "今天课上的重点词" in opening.text.plain
    asked = asked_now(sessions, quiz_chat)
    assert asked.word.saved_word_id is None and asked.word.lesson_id, "a lesson word, not a saved one"
    assert question.shows_something
    with sessions() as session:
        assert not session.exec(select(ReviewCard)).all(), "nobody's schedule changes"


async def test_with_nothing_saved_and_nothing_read_quiz_says_how_to_begin(quiz_chat: FakeChat) -> None:
    (reply,) = await quiz_chat.say("/quiz")
    assert reply.text is not None and "/today" in reply.text.plain and "⭐" in reply.text.plain


async def test_a_button_of_a_quiz_that_is_over_gets_a_notice_and_changes_nothing(
    services: Services, sessions: Sessions
) -> None:
    chat = FakeChat(Conversation(quiz_services(services)))
    save(sessions, clock_of(chat).now(), "moat", "leverage")
    await chat.say("/quiz")
    await answer(chat, sessions, right=True)  # now the cloze's buttons are on screen
    cloze = asked_now(sessions, chat)
    await chat.say("/quiz")  # a new quiz: the old one is over
    before = card(sessions, "leverage")
    (stale,) = await chat.press(cloze.options[0])
    assert stale.notice is not None and "结束" in stale.notice
    assert card(sessions, "leverage") == before


async def test_forget_takes_a_word_off_the_schedule_and_undo_brings_it_back_with_its_history(
    quiz_chat: FakeChat, sessions: Sessions
) -> None:
    now = clock_of(quiz_chat).now()
    save(sessions, now, "moat")
    await quiz_chat.say("/quiz")
    await answer(quiz_chat, sessions, right=True)
    reviewed = card(sessions, "moat")
    clock_of(quiz_chat).advance(30 * DAY)
    await quiz_chat.say("/forget moat")
    (nothing,) = await quiz_chat.say("/quiz")
    assert nothing.text is not None and "还没有可以测验的词" in nothing.text.plain, "off the schedule"
    await quiz_chat.press("↩️ 撤销")
    assert card(sessions, "moat") == reviewed, "back with its state"
    with sessions() as session:
        assert len(session.exec(select(ReviewLog)).all()) == 1, "and its history"


async def test_deleteme_erases_the_review_history_too(quiz_chat: FakeChat, sessions: Sessions) -> None:
    save(sessions, clock_of(quiz_chat).now(), "moat")
    await quiz_chat.say("/quiz")
    await answer(quiz_chat, sessions, right=True)
    await quiz_chat.say("/deleteme")
    await quiz_chat.press("确认删除")
    with sessions() as session:
        for table in (ReviewCard, ReviewLog, QuizAnswer, SavedWord):
            assert not session.exec(select(table)).all(), table.__name__
        assert find_learner(session, platform="fake", user_id="1001") is None


async def test_the_summary_counts_the_streak_of_days_read_or_quizzed(
    quiz_chat: FakeChat, sessions: Sessions
) -> None:
    clock = clock_of(quiz_chat)
    await quiz_chat.say("/today")  # day 1: read
    clock.advance(DAY)
    save(sessions, clock.now(), "moat")
    await quiz_chat.say("/quiz")
    _feedback, summary = await answer(quiz_chat, sessions, right=True)
    assert summary.text is not None and "🔥 连续 2 天" in summary.text.plain


async def test_quiztime_sets_the_chats_quiz_time_or_turns_it_off(quiz_chat: FakeChat) -> None:
    await quiz_chat.say("/start")
    (done,) = await quiz_chat.say("/quiztime 21:30")
    assert done.text is not None and "21:30 推送测验" in done.text.plain and "测验：21:30" in done.text.plain
    (off,) = await quiz_chat.say("/quiztime off")
    assert off.text is not None and "不再推送每日测验" in off.text.plain and "测验：关闭" in off.text.plain
    (bad,) = await quiz_chat.say("/quiztime soon")
    assert bad.text is not None and "看不懂这个时间" in bad.text.plain and "/quiztime off" in bad.text.plain
    (help_,) = await quiz_chat.say("/help")
    assert help_.text is not None and "测验：关闭" in help_.text.plain, "the bad input changed nothing"


async def test_stats_sends_a_picture_and_a_line(quiz_chat: FakeChat, sessions: Sessions) -> None:
    save(sessions, clock_of(quiz_chat).now(), "moat", "leverage")
    await quiz_chat.say("/quiz")
    await answer(quiz_chat, sessions, right=True)
    line, picture = await quiz_chat.say("/stats")
    assert line.text is not None and "生词：新 1 / 学习中 1 / 已掌握 0" in line.text.plain
    assert "测验正确率 100%（1/1）" in line.text.plain
    assert picture.photo is not None and picture.photo.data.startswith(b"\x89PNG")


async def test_a_review_card_reads_back_in_utc_on_either_database(sessions: Sessions) -> None:
    now = dt.datetime(2026, 11, 22, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    save(sessions, now, "moat")
    loaded = card(sessions, "moat")
    assert loaded.due.tzinfo is dt.UTC and loaded.due == now
    with sessions() as session:
        (word_id,) = session.exec(select(SavedWord.id)).all()
        due = review_cards.due_words(session, learner_id=1, by=now, limit=8)
    assert [(word.saved_word_id, word.due.tzinfo) for word in due] == [(word_id, dt.UTC)]


async def test_question_types_take_turns_and_listening_sends_the_sentence_spoken(
    quiz_chat: FakeChat, sessions: Sessions
) -> None:
    """Four words with their sentences: meaning (a poll), cloze (buttons), recall, then listening,
    whose audio is the sentence and whose blank takes the word as it was met ("engulfed")."""
    clock = clock_of(quiz_chat)
    for lemma in ("moat", "leverage", "latency", "engulf"):
        save(sessions, clock.now(), lemma)
        clock.advance(dt.timedelta(minutes=1))
    (meaning,) = await quiz_chat.say("/quiz")
    assert meaning.poll is not None
    _, cloze = await answer(quiz_chat, sessions, right=True)
    assert cloze.text is not None and "填空" in cloze.text.plain and "Use _____ wisely." in cloze.text.plain
    assert {button.label for row in cloze.buttons for button in row} >= {"leverage"}
    _edit, _feedback, recall = await answer(quiz_chat, sessions, right=True)
    assert recall.text is not None and "回想" in recall.text.plain
    assert "延迟毁掉用户体验。" in recall.text.plain, "the sentence's translation, as the hint of use"
    _feedback, listening = await answer(quiz_chat, sessions, right=True)
    assert listening.text is not None and "听写" in listening.text.plain
    assert "The wave _____ the town." in listening.text.plain
    assert listening.audio is not None and listening.audio.path.is_file()
    feedback, summary = await quiz_chat.say("engulfed")
    assert feedback.text is not None and feedback.text.plain.startswith("✅ 对！ engulf")
    assert summary.text is not None and "4/4 正确" in summary.text.plain


@pytest.mark.parametrize(
    ("setup", "said"),
    [
        ((), "想每晚收到测验？发送 /start 订阅。"),
        (("/start",), "下次测验：今天 21:00"),  # 09:00 in Shanghai: tonight's is still to come
        (("/start", "/pause"), "推送已暂停：/resume 恢复。"),
        (("/start", "/quiztime off"), "每日测验推送已关闭：/quiztime 21:00 打开。"),
    ],
)
async def test_the_summary_says_when_the_next_quiz_comes_or_how_to_get_one(
    quiz_chat: FakeChat, sessions: Sessions, setup: tuple[str, ...], said: str
) -> None:
    for command in setup:
        await quiz_chat.say(command)
    save(sessions, clock_of(quiz_chat).now(), "moat")
    await quiz_chat.say("/quiz")
    _feedback, summary = await answer(quiz_chat, sessions, right=True)
    assert summary.text is not None and summary.text.plain.endswith(said)


async def test_someone_elses_quiz_question_is_refused_and_changes_nothing(
    quiz_chat: FakeChat, sessions: Sessions
) -> None:
    save(sessions, clock_of(quiz_chat).now(), "moat")
    await quiz_chat.say("/quiz")
    asked = asked_now(sessions, quiz_chat)  # one word: its meaning poll
    other = FakeChat(quiz_chat.conversation, chat_id=quiz_chat.chat_id, user_id="2002")
    vote = replace(other._incoming(), poll_answer=PollAnswer(poll_key(asked.id), (0,)))
    (refused,) = await other._send(vote, None)
    assert refused.notice is not None and "别人的测验" in refused.notice
    assert asked_now(sessions, quiz_chat).id == asked.id, "still waiting for its owner"
