"""The browser tests' vocabulary books: key words saved from library cards into a Telegram
account's book, and that account signed in to the Mini App with init data made for the test bot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Page
from sqlmodel import Session

from bot.clock import FixedClock, local_date
from bot.storage.learners import learner_of
from bot.storage.vocabulary_book import NewContext, NewWord, save_word
from lessons.deck import Card
from lessons.lesson import Lesson
from lessons.vocabulary import KeyWord
from tests.browser.conftest import TIMEZONE
from tests.browser.mini_app import app_address, init_data
from tests.browser.reader_server import TEST_BOT_TOKEN, ReaderServer

Sessions = Callable[[], Session]


@dataclass(frozen=True)
class Met:
    """A key word of a library card, as a ⭐ on that card saves it."""

    lesson: Lesson
    card: Card
    word: KeyWord


def clock_of(reader: ReaderServer) -> FixedClock:
    clock = reader.conversation.services.clock
    assert isinstance(clock, FixedClock)
    return clock


def library_words(reader: ReaderServer, count: int) -> list[Met]:
    """The first `count` distinct key words of the library's scheduled lessons, with their cards."""
    shelf = reader.conversation.services.shelf
    found: dict[str, Met] = {}
    for day in shelf.archive(local_date(clock_of(reader), TIMEZONE)):
        for card in shelf.builder.build(day.lesson).cards:
            for word in card.words:
                found.setdefault(word.lemma, Met(day.lesson, card, word))
        if len(found) >= count:
            break
    return list(found.values())[:count]


def save_met(sessions: Sessions, telegram_id: int, met: list[Met], now: dt.datetime) -> dict[str, int]:
    """The words saved into this Telegram account's book from their cards; lemma → entry id."""
    ids: dict[str, int] = {}
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id=str(telegram_id), now=now)
        assert learner.id is not None
        for item in met:
            word = NewWord(item.word.lemma, phonetic=item.word.phonetic, gloss=item.word.gloss)
            context = NewContext(
                form=item.word.word,
                sentence_en=item.card.en,
                sentence_zh=item.card.zh,
                lesson_id=item.lesson.id,
                card_number=item.card.number,
                author=item.lesson.header.author,
            )
            saved = save_word(session, learner_id=learner.id, word=word, context=context, now=now)
            ids[item.word.lemma] = saved.entry.id
    return ids


def signed(reader: ReaderServer, telegram_id: int, auth_date: dt.datetime | None = None) -> str:
    """Init data for this account, signed for the test bot at `auth_date` (default: now)."""
    moment = auth_date or clock_of(reader).now()
    return init_data(bot_token=TEST_BOT_TOKEN, telegram_id=telegram_id, first_name="小林", auth_date=moment)


def open_mini_app(page: Page, reader: ReaderServer, raw: str) -> None:
    """Open `/app` as Telegram opens the Mini App, with `raw` init data in the #fragment."""
    page.goto(app_address(reader.url, raw))


def telegram_learner(session: Session, telegram_id: int) -> int:
    now = dt.datetime.now(dt.UTC)
    learner = learner_of(session, platform="telegram", user_id=str(telegram_id), now=now)
    assert learner.id is not None
    return learner.id
