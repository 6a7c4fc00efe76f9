"""Quiz tests' helpers: a deterministic quiz kit, words saved straight into a book, answering
whatever question is on screen, and reading a word's review card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from fsrs import Card
from sqlmodel import Session

from bot.core.messages import PollAnswer, Reply
from bot.core.quiz_kit import QuizConfig, QuizKit
from bot.core.quiz_view import poll_key
from bot.core.turn import Services
from bot.learning.quiz_plan import QuestionKind
from bot.learning.review_schedule import ScheduleRules
from bot.storage import quizzes, review_cards
from bot.storage.learners import learner_of
from bot.storage.quizzes import Asked
from bot.storage.vocabulary_book import NewContext, NewWord, find_entry, save_word
from tests.core.fake_platform import FakeChat

Sessions = Callable[[], Session]

# Words with the sentence each was saved from (as a ⭐ on a lesson card saves them).
SENTENCES = {
    "moat": ("n. 壕沟, 护城河", "Data is the moat.", "数据就是护城河。"),
    "leverage": ("n. 杠杆作用, 杠杆装置", "Use leverage wisely.", "明智地利用杠杆。"),
    "latency": (
        "n. 潜伏, 潜在; [计] 传输延迟时间",
        "Latency kills the user experience.",
        "延迟毁掉用户体验。",
    ),
    "engulf": ("vt. 卷入, 吸进, 吞没", "The wave engulfed the town.", "海浪吞没了小镇。"),
}
FORMS = {"engulf": "engulfed", "latency": "Latency"}


def quiz_services(services: Services, **config: object) -> Services:
    """The same services with a seeded quiz kit and no fuzzing: the same quiz, the same intervals."""
    builder = services.shelf.builder
    rules = ScheduleRules(fuzz=False)
    kit = QuizKit(QuizConfig(rules=rules, **config), builder.dictionary, builder.glossary, seed=7)  # type: ignore[arg-type]
    return replace(services, quizzes=kit)


def save(
    sessions: Sessions, now: dt.datetime, *lemmas: str, platform: str = "fake", user_id: str = "1001"
) -> None:
    with sessions() as session:
        learner = learner_of(session, platform=platform, user_id=user_id, now=now)
        assert learner.id is not None
        for lemma in lemmas:
            gloss, english, chinese = SENTENCES[lemma]
            context = NewContext(form=FORMS.get(lemma, lemma), sentence_en=english, sentence_zh=chinese)
            save_word(
                session, learner_id=learner.id, word=NewWord(lemma, gloss=gloss), context=context, now=now
            )


def card(sessions: Sessions, lemma: str, *, platform: str = "fake", user_id: str = "1001") -> Card:
    with sessions() as session:
        learner = learner_of(session, platform=platform, user_id=user_id, now=dt.datetime.now(dt.UTC))
        assert learner.id is not None
        entry = find_entry(session, learner_id=learner.id, lemma=lemma)
        assert entry is not None, lemma
        found = review_cards.load_card(session, entry.id)
        assert found is not None
        return found


def asked_now(sessions: Sessions, chat: FakeChat) -> Asked:
    """The question the chat's quiz waits on, from the database (as the bot itself knows it)."""
    with sessions() as session:
        quiz = quizzes.live_quiz(session, platform=chat.platform, chat_id=chat.chat_id)
        assert quiz is not None and quiz.id is not None, "no quiz in progress"
        found = quizzes.current_question(session, quiz.id)
        assert found is not None, "the quiz has no question left"
        return found


async def answer(chat: FakeChat, sessions: Sessions, *, right: bool) -> list[Reply]:
    """Answer the question on screen, right or wrong, the way its kind is answered."""
    asked = asked_now(sessions, chat)
    if asked.kind is QuestionKind.MEANING:
        assert asked.correct is not None
        choice = asked.correct if right else (asked.correct + 1) % len(asked.options)
        incoming = replace(chat._incoming(), poll_answer=PollAnswer(poll_key(asked.id), (choice,)))
        return await chat._send(incoming, None)
    if asked.kind is QuestionKind.CLOZE:
        assert asked.correct is not None
        choice = asked.correct if right else (asked.correct + 1) % len(asked.options)
        return await chat.press(asked.options[choice])
    return await chat.say(asked.word.lemma if right else "zzzz")
