"""The daily quiz end to end: python-telegram-bot polling the local fake Bot API, bundled library.

Every question kind as Telegram shows it (a quiz poll, cloze buttons, a typed word), answers that
move the word's FSRS card (a poll vote even after a restart), the lenient typed grading, the
re-drill of a missed word, stale buttons, /stats' chart, and the evening push with its 开始 ▶.

The kit is seeded and FSRS fuzz is off, so each quiz is the same every run. The question kinds
rotate (meaning poll, cloze, recall, listening) and skip what a word can't be asked: a word saved
with no sentence (`/save engulfed`, in no lesson) is asked by poll or recall only, `/save batch`
takes today's lesson's sentence and so gets a cloze in second place. Words are saved a minute
apart: the quiz asks the most overdue first, so the order they were saved in.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from fsrs import Card, Rating
from PIL import Image
from sqlmodel import Session, col, select

from bot.clock import FixedClock
from bot.core.quiz import QUIZ_OVER
from bot.core.quiz_kit import QuizConfig, QuizKit
from bot.core.shelf import LessonShelf
from bot.core.turn import Services
from bot.learning.progress_chart import CHART_SIZE
from bot.learning.quiz_words import option_gloss
from bot.learning.review_schedule import ScheduleRules
from bot.storage.learners import find_learner, learner_of
from bot.storage.quizzes import questions_of
from bot.storage.review_cards import load_card, review_history
from bot.storage.tables import PlatformReference, PushKind, Quiz, QuizAnswer, ReviewLog, SavedWord
from bot.storage.vocabulary_book import NewContext, NewWord, save_word
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.adapters.telegram_harness import TEST_PUSH, USER, RunningBot, running_bot
from tests.delivery.push_support import ledger
from tests.fakes.telegram_api import FakeTelegramServer, SentMessage, image_size

Sessions = Callable[[], Session]
OTHER = 5151
TODAY_LESSON = "x-1795864908338442609"  # 2026-11-22 in the bundled library: "…increase the batch size…"
ENGULF_GLOSS = "vt. 卷入, 吸进, 吞没"
BATCH_ZH = "我们希望尽可能地增加批处理大小（batch size）"


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audio")


@pytest.fixture(scope="module")
def kit(builder: DeckBuilder) -> QuizKit:
    """Seeded, no fuzz; shared by the module so its distractor index is built once."""
    config = QuizConfig(rules=ScheduleRules(fuzz=False))
    return QuizKit(config, builder.dictionary, builder.glossary, seed=2026)


@pytest.fixture
def services(
    sessions: Sessions, tmp_path: Path, builder: DeckBuilder, audio_dir: Path, kit: QuizKit
) -> Services:
    catalog = chat_support.bundled_catalog(tmp_path)
    shelf = LessonShelf(catalog, builder, chat_support.offline_speaker(audio_dir))
    return Services(shelf=shelf, sessions=sessions, clock=FixedClock(chat_support.MORNING), quizzes=kit)


# --- helpers -------------------------------------------------------------------------------------


def clock_of(services: Services) -> FixedClock:
    assert isinstance(services.clock, FixedClock)
    return services.clock


async def save_in_order(bot: RunningBot, *words: str) -> None:
    """Each word saved a minute after the one before: due in that order, so asked in that order."""
    for word in words:
        reply = (await bot.say(f"/save {word}"))[-1]
        assert "⭐ 已收藏" in (reply.text or ""), reply.text
        clock_of(bot.services).advance(dt.timedelta(minutes=1))


async def ask(bot: RunningBot, text: str) -> list[SentMessage]:
    """Say `text`; the bot's messages it brought (new ones only)."""
    before = len(bot.fake.messages(USER))
    return (await bot.say(text))[before:]


async def press(bot: RunningBot, message: SentMessage, label: str) -> list[SentMessage]:
    before = len(bot.fake.messages(USER))
    await bot.press(message, label)
    return bot.fake.messages(USER)[before:]


async def vote(bot: RunningBot, message: SentMessage, option: int) -> list[SentMessage]:
    """The test user answers the bot's quiz poll; the bot's messages the answer brought."""
    before = len(bot.fake.messages(USER))
    update = bot.fake.answer_poll(USER, message.message_id, [option])
    await bot.handled(update["update_id"])
    return bot.fake.messages(USER)[before:]


def right_option(message: SentMessage) -> int:
    assert message.poll is not None, f"not a poll: {message.kind} {message.text!r}"
    (correct,) = message.poll["correct_option_ids"]
    return correct


def text_of(message: SentMessage) -> str:
    return message.text or ""


def labels(message: SentMessage) -> list[str]:
    return [button["text"] for button in message.buttons]


def word_id(sessions: Sessions, lemma: str) -> int:
    with sessions() as session:
        learner = find_learner(session, platform="telegram", user_id=str(USER))
        assert learner is not None
        found = session.exec(
            select(SavedWord).where(SavedWord.learner_id == learner.id, SavedWord.lemma == lemma)
        ).one()
        assert found.id is not None
        return found.id


def card(sessions: Sessions, lemma: str) -> Card:
    with sessions() as session:
        found = load_card(session, word_id(sessions, lemma))
    assert found is not None
    return found


def reviews(sessions: Sessions, lemma: str) -> list[ReviewLog]:
    with sessions() as session:
        return review_history(session, word_id(sessions, lemma))


def answers(sessions: Sessions) -> list[QuizAnswer]:
    with sessions() as session:
        return list(session.exec(select(QuizAnswer).order_by(col(QuizAnswer.answered_at))))


# --- 1. the meaning poll, answered after a restart ------------------------------------------------


async def test_a_quiz_poll_answered_after_a_restart_moves_the_card_and_asks_the_next_question(
    services: Services, sessions: Sessions
) -> None:
    clock = clock_of(services)
    async with FakeTelegramServer() as fake:
        async with running_bot(services, fake=fake) as bot:
            await save_in_order(bot, "engulfed", "brittle")
            (question,) = await ask(bot, "/quiz")
            first_run = bot.application
        poll = question.poll
        assert poll is not None and poll["type"] == "quiz" and poll["is_anonymous"] is False
        assert poll["question"].startswith("1/2 「engulf」是什么意思？")
        options = [option["text"] for option in poll["options"]]
        correct = right_option(question)
        assert len(options) == 4 and options[correct] == option_gloss(ENGULF_GLOSS)
        assert poll["explanation"].startswith(f"engulf: {ENGULF_GLOSS}")
        with sessions() as session:
            (kept,) = session.exec(select(PlatformReference).where(PlatformReference.kind == "poll")).all()
        assert kept.key == poll["id"] and kept.value.startswith(f"{USER} quiz-question:")
        assert card(sessions, "engulf").last_review is None

        clock.advance(dt.timedelta(seconds=10))  # the bot was down; the vote comes 10 s after the question
        async with running_bot(services, fake=fake) as bot:
            assert bot.application is not first_run, "a new bot: nothing of the first one's memory"
            feedback, following = await vote(bot, question, correct)

    assert text_of(feedback).startswith("✅ 对！ engulf — ")
    assert text_of(following).startswith("2/2 ✍️ 回想 Recall") and "易碎的" in text_of(following)
    assert labels(following) == ["💡 提示 hint", "🤷 不知道"]
    moved = card(sessions, "engulf")
    assert moved.last_review == clock.now() and moved.due > clock.now() + dt.timedelta(hours=12)
    (log,) = reviews(sessions, "engulf")
    assert (log.rating, log.duration_ms, log.question_type) == (Rating.Good, 10_000, "meaning")
    assert card(sessions, "brittle").last_review is None, "only the word answered moves"


# --- 2. cloze buttons -----------------------------------------------------------------------------


async def start_at_the_cloze(bot: RunningBot, *words: str) -> SentMessage:
    """Save engulf (a poll) then `words` (batch second: a cloze), start, answer the poll right."""
    await save_in_order(bot, "engulfed", *words)
    (poll,) = await ask(bot, "/quiz")
    _, cloze = await vote(bot, poll, right_option(poll))
    return cloze


async def test_the_right_cloze_button_marks_the_question_and_sends_the_next(
    services: Services, sessions: Sessions
) -> None:
    async with running_bot(services) as bot:
        cloze = await start_at_the_cloze(bot, "batch", "brittle")
        assert text_of(cloze).startswith("2/3 📝 填空 Fill in the blank")
        assert "increase the _____ size" in text_of(cloze) and BATCH_ZH.replace("batch", "_____") in text_of(
            cloze
        )
        assert "batch" in labels(cloze) and len(labels(cloze)) == 4
        assert all(data.startswith("qp:") for data in cloze.callback_data)
        feedback, following = await press(bot, cloze, "batch")
        marked = bot.fake.message(USER, cloze.message_id)
        answered = bot.fake.callback_answers[-1]
    assert marked is not None and marked.edits == 1 and marked.buttons == []
    assert text_of(marked).startswith("📝 ✅") and "increase the 【batch】 size" in text_of(marked)
    assert "text" not in answered or not answered["text"], "no notice, just the spinner stopped"
    assert text_of(feedback).startswith("✅ 对！ batch")
    assert text_of(following).startswith("3/3 ✍️ 回想 Recall")
    (log,) = reviews(sessions, "batch")
    assert log.question_type == "cloze" and log.rating in (Rating.Good, Rating.Easy)


async def test_a_wrong_cloze_shows_the_answer_in_context_and_the_word_comes_back_once_at_the_end(
    services: Services, sessions: Sessions
) -> None:
    clock = clock_of(services)
    async with running_bot(services) as bot:
        cloze = await start_at_the_cloze(bot, "batch")
        wrong = next(label for label in labels(cloze) if label != "batch")
        feedback, again = await press(bot, cloze, wrong)
        marked = bot.fake.message(USER, cloze.message_id)
        after_miss = card(sessions, "batch")

        clock.advance(dt.timedelta(seconds=30))
        right, summary = await ask(bot, "batch")

    assert marked is not None and marked.buttons == []
    assert text_of(marked).startswith(f"📝 ❌ 你选了 {wrong}") and "【batch】" in text_of(marked)
    lines = text_of(feedback).split("\n")
    assert lines[0].startswith("❌ 正确答案：batch — n. ") and f"（你的答案：{wrong}）" in lines[0]
    assert lines[1].startswith("Few more things to try:") and "increase the batch size" in lines[1]
    assert BATCH_ZH in lines[2], "the sentence's translation"
    assert lines[-1] == "这个词会在本次测验最后再出现一次 🔁"
    assert text_of(again).startswith("3/3 · 再来一次 again ✍️ 回想 Recall"), "asked another way"

    assert text_of(right).startswith("✅ 对！ batch")
    assert text_of(summary).startswith("🏁 测验完成 Quiz done · 1/2 正确")
    assert "要留意的词：batch" in text_of(summary)
    (log,) = reviews(sessions, "batch")
    assert (log.rating, log.question_type) == (Rating.Again, "cloze")
    assert card(sessions, "batch") == after_miss, "the re-drill, answered right, does not move the card again"
    assert after_miss.due > clock.now(), "a miss still waits at least a day (no same-day learning steps)"


# --- 3. typed recall, leniently graded ------------------------------------------------------------


ENGULF_RIGHT = f"✅ 对！ engulf — {ENGULF_GLOSS}"


@pytest.mark.parametrize(
    ("saved", "typed", "rating", "said"),
    [
        pytest.param("engulfed", "ENGULF", Rating.Good, ENGULF_RIGHT, id="case"),
        pytest.param("engulfed", " 「Engulf」。", Rating.Good, ENGULF_RIGHT, id="chinese-quotes"),
        pytest.param("engulfed", "“engulf!”", Rating.Good, ENGULF_RIGHT, id="curly-quotes-and-punctuation"),
        pytest.param("engulfed", "engulfing", Rating.Good, ENGULF_RIGHT, id="inflected"),
        pytest.param(
            "engulfed",
            "engluf",
            Rating.Hard,
            ENGULF_RIGHT + "（拼写小错已原谅：engluf → engulf）",
            id="one-typo-in-a-long-word",
        ),
        pytest.param(
            "moat",
            "maot",
            Rating.Again,
            "❌ 正确答案：moat — n. 护城河; vt. 将...围以壕沟（你的答案：maot）",
            id="one-typo-in-a-short-word",
        ),
    ],
)
async def test_a_typed_recall_forgives_what_is_only_typing(
    services: Services, sessions: Sessions, saved: str, typed: str, rating: Rating, said: str
) -> None:
    lemma = saved.removesuffix("ed")
    async with running_bot(services) as bot:
        await save_in_order(bot, "tedious", saved)
        (poll,) = await ask(bot, "/quiz")
        _, recall = await vote(bot, poll, right_option(poll))
        assert text_of(recall).startswith("2/2 ✍️ 回想 Recall")
        clock_of(services).advance(dt.timedelta(seconds=12))  # neither fast (≤ 8 s) nor slow (> 20 s)
        feedback, *rest = await ask(bot, typed)
    assert text_of(feedback).split("\n")[0] == said
    (log,) = reviews(sessions, lemma)
    assert (log.rating, log.question_type) == (rating, "recall")
    assert card(sessions, lemma).last_review is not None
    kept = answers(sessions)[-1]
    assert (kept.answer, kept.rating) == (typed, int(rating))
    if rating is Rating.Again:
        (again,) = rest
        assert "再来一次 again" in (again.poll or {}).get("question", ""), "the missed word, once more"
    else:
        (summary,) = rest
        assert text_of(summary).startswith("🏁 测验完成 Quiz done · 2/2 正确")


async def test_a_hint_shows_the_first_letter_and_a_right_answer_after_it_is_rated_hard(
    services: Services, sessions: Sessions
) -> None:
    async with running_bot(services) as bot:
        await save_in_order(bot, "tedious", "engulfed")
        (poll,) = await ask(bot, "/quiz")
        _, recall = await vote(bot, poll, right_option(poll))
        (hint,) = await press(bot, recall, "💡 提示 hint")
        feedback, summary = await ask(bot, "engulf")
    assert text_of(hint) == "💡 提示：e _ _ _ _ _（6 个字母）"
    assert text_of(feedback) == ENGULF_RIGHT + "（用了提示）"
    assert text_of(summary).startswith("🏁 测验完成 Quiz done · 2/2 正确")
    (log,) = reviews(sessions, "engulf")
    assert log.rating == Rating.Hard


async def test_i_dont_know_shows_the_answer_counts_as_a_miss_and_asks_the_word_again_another_way(
    services: Services, sessions: Sessions
) -> None:
    async with running_bot(services) as bot:
        await save_in_order(bot, "tedious", "engulfed")
        (poll,) = await ask(bot, "/quiz")
        _, recall = await vote(bot, poll, right_option(poll))
        feedback, again = await press(bot, recall, "🤷 不知道")
    assert text_of(feedback).split("\n") == [
        f"❌ 正确答案：engulf — {ENGULF_GLOSS}",
        "这个词会在本次测验最后再出现一次 🔁",
    ]
    assert again.poll is not None and again.poll["question"].startswith("3/3 · 再来一次 again 「engulf」")
    (log,) = reviews(sessions, "engulf")
    assert (log.rating, log.question_type) == (Rating.Again, "recall")


async def test_cloze_and_recall_questions_do_not_give_the_word_away_in_the_translation(
    services: Services,
) -> None:
    async with running_bot(services) as bot:
        cloze = await start_at_the_cloze(bot, "batch")
        wrong = next(label for label in labels(cloze) if label != "batch")
        _, again = await press(bot, cloze, wrong)
    assert "increase the _____ size" in text_of(cloze) and "例句：" in text_of(again)
    assert "batch" not in text_of(cloze).lower(), "the cloze's translation names the missing word"
    assert "batch" not in text_of(again).lower(), "the recall's example names the word to recall"


# --- 4. buttons of a quiz that is over ------------------------------------------------------------


async def test_a_cloze_button_of_a_quiz_replaced_by_a_new_one_only_gets_a_notice(
    services: Services, sessions: Sessions
) -> None:
    async with running_bot(services) as bot:
        old = await start_at_the_cloze(bot, "batch")
        (newer,) = await ask(bot, "/quiz")
        assert newer.poll is not None and "「batch」" in newer.poll["question"], "the word still due"
        sent = await press(bot, old, "batch")
        unchanged = bot.fake.message(USER, old.message_id)
        answered = bot.fake.callback_answers[-1]
    assert answered["text"] == QUIZ_OVER
    assert sent == [] and unchanged is not None and unchanged.edits == 0
    assert card(sessions, "batch").last_review is None and reviews(sessions, "batch") == []
    assert len(answers(sessions)) == 1, "only the first quiz's poll answer"


async def test_hint_and_skip_of_a_finished_quiz_only_get_a_notice(
    services: Services, sessions: Sessions
) -> None:
    async with running_bot(services) as bot:
        await save_in_order(bot, "tedious", "engulfed")
        (poll,) = await ask(bot, "/quiz")
        _, recall = await vote(bot, poll, right_option(poll))
        _, summary = await ask(bot, "engulf")
        assert text_of(summary).startswith("🏁 测验完成")
        done = card(sessions, "engulf")
        for label in ("💡 提示 hint", "🤷 不知道"):
            assert await press(bot, recall, label) == []
            assert bot.fake.callback_answers[-1]["text"] == QUIZ_OVER
    assert card(sessions, "engulf") == done and len(reviews(sessions, "engulf")) == 1
    assert len(answers(sessions)) == 2


# --- 5. /stats ------------------------------------------------------------------------------------


async def test_stats_sends_the_summary_and_a_png_chart_of_the_chart_size(
    services: Services, sessions: Sessions
) -> None:
    async with running_bot(services) as bot:
        await save_in_order(bot, "engulfed", "brittle")
        line, photo = await ask(bot, "/stats")
        (upload,) = [upload for upload in bot.fake.uploads if upload.method.lower() == "sendphoto"]
    assert text_of(line).startswith("📊 ") and "收藏 2 个词" in text_of(line)
    assert "生词：新 2 / 学习中 0 / 已掌握 0" in text_of(line)
    assert photo.kind == "photo" and photo.caption == text_of(line)
    assert upload.filename == "buildspeak-stats-2026-11-22.png"
    picture = Image.open(io.BytesIO(upload.content))
    assert picture.format == "PNG" and picture.size == CHART_SIZE
    assert image_size(upload.content) == CHART_SIZE, "a PNG Telegram would decode"
    assert photo.photo is not None and (photo.photo[-1]["width"], photo.photo[-1]["height"]) == CHART_SIZE


# --- 6. the evening push --------------------------------------------------------------------------


async def test_the_daily_quiz_push_invites_once_and_its_button_starts_the_quiz(
    services: Services, sessions: Sessions
) -> None:
    clock = clock_of(services)
    async with running_bot(services, scheduled=False) as bot:
        (quiz_pusher,) = [pusher for pusher in bot.runtime.pushers if pusher.content.kind is PushKind.QUIZ]
        await bot.say("/start")
        await save_in_order(bot, "engulfed", "brittle")
        await bot.say("/start", chat_id=OTHER)  # subscribed, but never saved a word nor read a card
        early = await quiz_pusher.run_once()
        # 21:05 in Shanghai: the default quiz time (21:00) has come.
        clock.moment = dt.datetime(2026, 11, 22, 13, 5, tzinfo=dt.UTC)
        before = len(bot.fake.messages(USER))
        evening = await quiz_pusher.run_once()
        (invitation,) = bot.fake.messages(USER)[before:]
        again = await quiz_pusher.run_once()
        assert len(bot.fake.messages(USER)) == before + 1
        (poll,) = await press(bot, invitation, "开始 ▶ Start")
        _, recall = await vote(bot, poll, right_option(poll))
        _, summary = await ask(bot, "brittle")
        other_messages = bot.fake.messages(OTHER)
    assert (early.sent, early.skipped) == (0, 0), "not yet quiz time"
    assert (evening.sent, evening.skipped) == (1, 1)
    assert again.settled == 0, "each subscriber once a day"
    assert text_of(invitation).startswith("🧠 今晚的复习 · 2 个词到期")
    assert labels(invitation) == ["开始 ▶ Start"]
    assert poll.poll is not None and poll.poll["question"].startswith("1/2 「engulf」")
    assert text_of(recall).startswith("2/2 ✍️ 回想 Recall")
    assert text_of(summary).startswith("🏁 测验完成 Quiz done · 2/2 正确")
    assert "下次测验：明天 21:00" in text_of(summary)
    assert all(card(sessions, lemma).due > clock.now() for lemma in ("engulf", "brittle")), "on the schedule"
    assert len(other_messages) == 1, "only the welcome: no quiz message at all"
    rows = ledger(sessions)
    (mine,) = [row for row in rows[str(USER)] if row.kind == "quiz"]
    (theirs,) = [row for row in rows[str(OTHER)] if row.kind == "quiz"]
    assert (mine.state, mine.message_id) == ("sent", str(invitation.message_id))
    assert theirs.state == "skipped"


# --- 7. a group quiz with two members --------------------------------------------------------------

GROUP = -100777
ADA, BOB = 5101, 5102


async def test_a_group_quiz_takes_two_members_votes_and_posts_the_top_scorers(
    services: Services, sessions: Sessions
) -> None:
    """The group's polls go out at its quiz time; Ada saved one of the words, Bob has no book. Both
    vote through Telegram's poll_answer updates; when the quiz closes the results name them in order,
    Ada's vote has moved her own card, and Bob is counted without being made a learner."""
    clock = clock_of(services)
    # Telegram's 20 messages a minute per group would pace the 5 messages 3 s apart.
    fast_groups = TEST_PUSH.model_copy(update={"group_per_minute": 600})
    async with running_bot(services, fast_groups, scheduled=False) as bot:
        (quiz_pusher,) = [pusher for pusher in bot.runtime.pushers if pusher.content.kind is PushKind.QUIZ]
        update = bot.fake.add_bot_to_group(GROUP, "Builders 读书会", by_user_id=ADA, first_name="Ada")
        await bot.handled(update["update_id"])
        clock.moment = dt.datetime(2026, 11, 22, 13, 5, tzinfo=dt.UTC)  # 21:05 in Shanghai
        before = len(bot.fake.messages(GROUP))
        report = await quiz_pusher.run_once()
        opening, *polls = bot.fake.messages(GROUP)[before:]
        assert report.sent == 1 and "今日群测验" in text_of(opening)
        assert len(polls) == 4 and all(poll.poll is not None for poll in polls)
        assert all(
            poll.poll["type"] == "quiz" and not poll.poll["is_anonymous"] for poll in polls if poll.poll
        )

        lemma = group_lemma(sessions, 0)
        ada_word = save_for(sessions, ADA, lemma, clock.now())
        with sessions() as session:
            ada_before = load_card(session, ada_word)
        clock.advance(dt.timedelta(seconds=30))
        for poll in polls:
            right = right_option(poll)
            for user, option in ((ADA, right), (BOB, (right + 1) % 4)):
                name = "Ada" if user == ADA else "Bob"
                update = bot.fake.answer_poll(GROUP, poll.message_id, [option], user_id=user, first_name=name)
                await bot.handled(update["update_id"])
        assert len(bot.fake.messages(GROUP)) == before + 5, "votes in a group are kept silently"

        assert bot.runtime.push is not None and bot.runtime.push.results is not None
        assert await bot.runtime.push.results.run_once() == 0, "not before the quiz closes"
        clock.advance(dt.timedelta(minutes=61))
        assert await bot.runtime.push.results.run_once() == 1
        (results,) = bot.fake.messages(GROUP)[before + 5 :]
    text = text_of(results)
    assert "2 人参与 · 4 道题" in text and "🥇 Ada 4/4" in text and "🥈 Bob 0/4" in text
    assert lemma in text, "every answer is given"
    with sessions() as session:
        ada_after = load_card(session, ada_word)
        assert find_learner(session, platform="telegram", user_id=str(BOB)) is None
        kept = session.exec(select(QuizAnswer)).all()
    assert ada_before is not None and ada_after is not None and ada_after.due > ada_before.due
    assert len(kept) == 8 and {answer.user_name for answer in kept} == {"Ada", "Bob"}


def group_lemma(sessions: Sessions, position: int) -> str:
    """The word the group quiz asks at `position`, as the bot stored it."""
    with sessions() as session:
        quiz = session.exec(select(Quiz).where(Quiz.chat_id == str(GROUP))).one()
        assert quiz.id is not None
        return questions_of(session, quiz.id)[position].word.lemma


def save_for(sessions: Sessions, user_id: int, lemma: str, now: dt.datetime) -> int:
    """A member's own saved word (as /save in a private chat would file it)."""
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id=str(user_id), now=now)
        assert learner.id is not None
        saved = save_word(
            session, learner_id=learner.id, word=NewWord(lemma), context=NewContext(lemma), now=now
        )
        return saved.entry.id
