"""生词本 and 复习 in Chromium, inside the Mini App: opened as Telegram opens it (`/app` with the init
data in the #fragment), refused with forged or expired init data, forget and undo on the page,
and a review on the page that moves a word exactly as the same answer in a chat does.

Each test signs in as a Telegram account of its own, so the module shares one server.
"""

from __future__ import annotations

import datetime as dt

from fsrs import Card as ReviewCard
from playwright.sync_api import Page, expect

from bot.storage import quizzes
from bot.storage.quizzes import Asked
from bot.storage.vocabulary_book import find_entry
from bot.web.reader.audio import card_audio_url
from tests.browser.book_support import (
    Sessions,
    clock_of,
    library_words,
    open_mini_app,
    save_met,
    signed,
    telegram_learner,
)
from tests.browser.mini_app import forged
from tests.browser.reader_server import ReaderServer
from tests.core import quiz_support
from tests.core.fake_platform import FakeChat

SIGN_IN_FIRST = "请先登录"
PLAYING = """suffix => [...document.querySelectorAll("audio")].some(
    audio => !audio.paused && audio.currentTime > 0.05 && audio.src.endsWith(suffix)
)"""


def in_book(sessions: Sessions, telegram_id: int, lemma: str) -> bool:
    """Whether the entry is in the book (and not forgotten), as the storage reads it."""
    with sessions() as session:
        return find_entry(session, learner_id=telegram_learner(session, telegram_id), lemma=lemma) is not None


def test_the_book_opens_in_the_mini_app_with_each_words_sentence_and_sound(
    reader: ReaderServer, module_sessions: Sessions, page: Page
) -> None:
    met = library_words(reader, 3)
    ids = save_met(module_sessions, 5001, met, clock_of(reader).now())
    open_mini_app(page, reader, signed(reader, 5001))
    entries = page.locator("ul.book li.entry")
    expect(entries).to_have_count(len(met))
    expect(page.locator('nav a[aria-current="page"]')).to_have_attribute("href", "/words")
    for item in met:
        entry = page.locator(f"li.entry#word-{ids[item.word.lemma]}")
        expect(entry).to_have_attribute("data-lemma", item.word.lemma)
        expect(entry.locator(".lemma")).to_have_text(item.word.lemma)
        if item.word.phonetic:
            expect(entry.locator(".phonetic")).to_contain_text(item.word.phonetic)
        expect(entry.locator(".gloss")).to_contain_text(item.word.gloss)
        sentence = entry.locator("li.met")
        expect(sentence).to_have_count(1)
        expect(sentence).to_contain_text(" ".join(item.card.en.split()))
        audio = card_audio_url(item.lesson.id, item.card.number)
        expect(sentence.locator("button.play")).to_have_attribute("data-audio", audio)
    first = met[0]
    page.locator(f"li.entry#word-{ids[first.word.lemma]} button.play").click()
    page.wait_for_function(PLAYING, arg=card_audio_url(first.lesson.id, first.card.number), timeout=20_000)
    expect(page.locator("a#export-csv")).to_be_visible()
    expect(page.locator("a#export-anki")).to_be_visible()


def test_forged_init_data_gets_the_sign_in_page_and_no_words(
    reader: ReaderServer, module_sessions: Sessions, page: Page
) -> None:
    save_met(module_sessions, 5002, library_words(reader, 2), clock_of(reader).now())
    open_mini_app(page, reader, forged(signed(reader, 5002)))
    expect(page.locator("main#main")).to_contain_text(SIGN_IN_FIRST)
    expect(page.locator("li.entry")).to_have_count(0)


def test_expired_init_data_gets_the_sign_in_page_and_no_words(
    reader: ReaderServer, module_sessions: Sessions, page: Page
) -> None:
    met = library_words(reader, 2)
    save_met(module_sessions, 5003, met, clock_of(reader).now())
    too_old = clock_of(reader).now() - dt.timedelta(seconds=reader.settings.init_data_max_age + 60)
    open_mini_app(page, reader, signed(reader, 5003, too_old))
    expect(page.locator("main#main")).to_contain_text(SIGN_IN_FIRST)
    expect(page.locator("li.entry")).to_have_count(0)
    expect(page.locator("main#main")).not_to_contain_text(met[0].word.gloss)


def test_forget_hides_a_word_and_undo_brings_it_back(
    reader: ReaderServer, module_sessions: Sessions, page: Page
) -> None:
    met = library_words(reader, 2)
    ids = save_met(module_sessions, 5004, met, clock_of(reader).now())
    gone, kept = met[0].word.lemma, met[1].word.lemma
    open_mini_app(page, reader, signed(reader, 5004))
    page.locator(f"li.entry#word-{ids[gone]} form.forget button").click()
    notice = page.locator(".notice")
    expect(notice).to_contain_text(gone)
    expect(page.locator(f"li.entry#word-{ids[gone]}")).to_have_count(0)
    expect(page.locator(f"li.entry#word-{ids[kept]}")).to_have_count(1)
    assert not in_book(module_sessions, 5004, gone) and in_book(module_sessions, 5004, kept)
    notice.locator("form.undo button").click()
    expect(page.locator(f"li.entry#word-{ids[gone]}")).to_have_count(1)
    expect(page.locator("ul.book li.entry")).to_have_count(2)
    assert in_book(module_sessions, 5004, gone)


def test_a_review_on_the_page_moves_the_word_as_the_same_answer_in_a_chat(
    reader: ReaderServer, module_sessions: Sessions, page: Page
) -> None:
    clock = clock_of(reader)
    now = clock.now()
    word = "moat"
    quiz_support.save(module_sessions, now, word, platform="telegram", user_id="5005")
    quiz_support.save(module_sessions, now, word, platform="fake", user_id="6005")
    chat = FakeChat(reader.conversation, chat_id="6005", user_id="6005")
    open_mini_app(page, reader, signed(reader, 5005))
    due = page.locator("section#due")
    expect(due.locator(".count")).to_have_text("1")
    due.locator("form#start-review button").click()
    expect(page.locator("section#review .question")).to_contain_text(word)
    reader.call(chat.say("/quiz"))
    on_page = web_question(module_sessions, 5005)
    in_chat = quiz_support.asked_now(module_sessions, chat)
    assert on_page.kind == in_chat.kind, "the same word, the same history: the same kind of question"
    assert on_page.correct is not None
    clock.advance(dt.timedelta(seconds=9))  # neither fast nor slow, on both
    page.locator("section#review button.option").nth(on_page.correct).click()
    expect(page.locator("section#review .feedback").first).to_contain_text(word)
    expect(page.locator("section#review .summary")).to_contain_text("1/1")
    reader.call(quiz_support.answer(chat, module_sessions, right=True))
    assert_same_schedule(
        quiz_support.card(module_sessions, word, platform="telegram", user_id="5005"),
        quiz_support.card(module_sessions, word, platform="fake", user_id="6005"),
    )


def web_question(sessions: Sessions, telegram_id: int) -> Asked:
    """The question the page's quiz waits on, in the learner's own web chat, as the core keeps it."""
    with sessions() as session:
        web_chat = f"web-{telegram_learner(session, telegram_id)}"
        quiz = quizzes.live_quiz(session, platform="web", chat_id=web_chat)
        assert quiz is not None and quiz.id is not None, "the page started no quiz"
        asked = quizzes.current_question(session, quiz.id)
        assert asked is not None, "the page's quiz has no question left"
        return asked


def assert_same_schedule(page_card: ReviewCard, chat_card: ReviewCard) -> None:
    assert page_card.last_review is not None, "the answer on the page moved the card"
    assert (page_card.state, page_card.step, page_card.due, page_card.last_review) == (
        chat_card.state,
        chat_card.step,
        chat_card.due,
        chat_card.last_review,
    )
    assert (page_card.stability, page_card.difficulty) == (chat_card.stability, chat_card.difficulty)
