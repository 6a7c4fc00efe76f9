"""今日 and 归档 in Chromium: what the page shows against the lesson's own deck, the audio really
playing under the keys, the translations' toggle, the key words' glosses and the archive's pages.

Expected content comes from the shelf's catalog and a deck built here from the same lesson, never
from strings written into the test.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from bot.clock import local_date
from bot.core.shelf import DayLesson, lesson_key
from bot.web.reader.audio import card_audio_url, lesson_audio_url
from lessons.deck import Deck
from tests.browser.conftest import TIMEZONE
from tests.browser.reader_server import ReaderServer

CARDS_SHOWN = """cards => cards.map(card => ({
    id: card.id,
    number: card.dataset.number,
    audio: card.dataset.audio,
    en: card.querySelector(".en").innerText,
    zh: card.querySelector(".zh").textContent,
    zhShown: card.querySelector(".zh").checkVisibility(),
    lemmas: [...card.querySelectorAll("button.word")].map(button => button.dataset.lemma),
    marks: [...card.querySelectorAll("mark.expression")].map(mark => mark.title),
}))"""
PLAYING = """suffix => {
    const player = document.getElementById("player");
    return !player.paused && player.currentTime > 0.05 && player.src.endsWith(suffix);
}"""
NO_TRANSLATION = "（暂无译文）"


def flat(text: str) -> str:
    return " ".join(text.split())


def today(reader: ReaderServer) -> DayLesson:
    services = reader.conversation.services
    day = services.shelf.day(local_date(services.clock, TIMEZONE))
    assert day is not None, "the test clock stands on a day of the calendar"
    return day


def deck_of(reader: ReaderServer, day: DayLesson) -> Deck:
    """The lesson's deck, built here (not the server's kept one) from the same builder."""
    return reader.conversation.services.shelf.builder.build(day.lesson)


def assert_plays(page: Page, audio: str) -> None:
    """`#player` plays `audio`: not paused, its src that file, its time moving on."""
    page.wait_for_function(PLAYING, arg=audio, timeout=20_000)
    at = page.evaluate("document.getElementById('player').currentTime")
    page.wait_for_function("at => document.getElementById('player').currentTime > at", arg=at)


def assert_current(page: Page, number: int) -> None:
    expect(page.locator("section.card.current")).to_have_count(1)
    current = page.locator(f"#card-{number}")
    expect(current).to_have_class(re.compile(r"\bcurrent\b"))
    expect(current).to_have_attribute("aria-current", "true")
    expect(page.locator('section.card[aria-current="true"]')).to_have_count(1)


def assert_cards(page: Page, day: DayLesson, deck: Deck) -> list[dict[str, Any]]:
    """Every card of the deck on the page, in order, with its English, its hidden Chinese, its
    key words and audio; returns what the page showed."""
    shown: list[dict[str, Any]] = page.locator("section.card").evaluate_all(CARDS_SHOWN)
    assert [card["id"] for card in shown] == [f"card-{card.number}" for card in deck.cards]
    for card, got in zip(deck.cards, shown, strict=True):
        assert got["number"] == str(card.number)
        assert got["audio"] == card_audio_url(day.lesson.id, card.number)
        assert flat(card.en) in flat(got["en"]), card.number
        zh = card.zh or NO_TRANSLATION  # its `backticked` runs show as code, without the backticks
        assert flat(got["zh"]) == flat(zh.replace("`", "") if zh.count("`") % 2 == 0 else zh)
        assert not got["zhShown"], f"card {card.number}'s translation shows before it is asked for"
        assert sorted(got["lemmas"]) == sorted(word.lemma for word in card.words)
        assert set(got["marks"]) <= {expression.zh for expression in card.expressions}
    return shown


def test_today_shows_the_header_and_every_card_of_todays_lesson(reader: ReaderServer, page: Page) -> None:
    day = today(reader)
    header = day.lesson.header
    page.goto(f"{reader.url}/")
    expect(page.locator("article.lesson")).to_have_attribute("data-lesson", lesson_key(day.lesson.id))
    post = page.locator("header.post-header")
    for part in (f"第 {day.number} 课", header.author, header.date_label, header.reading_label):
        expect(post).to_contain_text(part)
    expect(post).to_contain_text(header.engagement_label)
    expect(post.locator("a.source")).to_have_attribute("href", header.source)
    assert_cards(page, day, deck_of(reader, day))
    expect(page.locator("audio#player")).to_have_attribute("preload", "none")
    expect(page.locator('nav a[aria-current="page"]')).to_have_attribute("href", "/")
    assert_current(page, 1)


def test_a_past_day_shows_its_lesson_with_the_builder_expressions_marked(
    reader: ReaderServer, page: Page
) -> None:
    shelf = reader.conversation.services.shelf
    decks = [(day, deck_of(reader, day)) for day in shelf.archive(today(reader).date)]
    marked = [(day, deck) for day, deck in decks if any(card.expressions for card in deck.cards)]
    assert marked, "the bundled library's first weeks teach some builder expressions"
    day, deck = marked[0]
    page.goto(f"{reader.url}/day/{day.number}")
    expect(page.locator("article.lesson")).to_have_attribute("data-lesson", lesson_key(day.lesson.id))
    shown = assert_cards(page, day, deck)
    assert any(card["marks"] for card in shown), "an expression of the deck is marked where it stands"
    expect(page.locator('nav a[aria-current="page"]')).to_have_attribute("href", "/archive")


def test_space_plays_and_pauses_the_current_cards_audio(reader: ReaderServer, page: Page) -> None:
    day = today(reader)
    page.goto(f"{reader.url}/")
    assert_current(page, 1)
    page.keyboard.press(" ")
    assert_plays(page, card_audio_url(day.lesson.id, 1))
    longest = max(deck_of(reader, day).cards, key=lambda card: len(card.en))  # still playing when paused
    for _ in range(longest.number - 1):
        page.keyboard.press("ArrowRight")
    assert_plays(page, card_audio_url(day.lesson.id, longest.number))
    page.keyboard.press(" ")
    page.wait_for_function("document.getElementById('player').paused")
    assert_current(page, longest.number)
    page.keyboard.press(" ")
    assert_plays(page, card_audio_url(day.lesson.id, longest.number))


def test_arrows_move_the_highlight_and_play_that_card(reader: ReaderServer, page: Page) -> None:
    day = today(reader)
    page.goto(f"{reader.url}/")
    page.keyboard.press("ArrowRight")
    assert_current(page, 2)
    assert_plays(page, card_audio_url(day.lesson.id, 2))
    expect(page.locator("#card-1")).not_to_have_attribute("aria-current", "true")
    page.keyboard.press("ArrowLeft")
    assert_current(page, 1)
    assert_plays(page, card_audio_url(day.lesson.id, 1))


def test_a_cards_play_button_makes_it_current_and_plays_it(reader: ReaderServer, page: Page) -> None:
    day = today(reader)
    page.goto(f"{reader.url}/")
    page.locator("#card-3 button.play").click()
    assert_current(page, 3)
    assert_plays(page, card_audio_url(day.lesson.id, 3))


def test_play_all_plays_the_whole_text(reader: ReaderServer, page: Page) -> None:
    day = today(reader)
    page.goto(f"{reader.url}/")
    page.locator("#play-all").click()
    assert_plays(page, lesson_audio_url(day.lesson.id))


def test_t_and_the_button_toggle_the_translations_and_the_choice_is_remembered(
    reader: ReaderServer, page: Page
) -> None:
    page.goto(f"{reader.url}/")
    first, toggle = page.locator("#card-1 .zh"), page.locator("#toggle-zh")
    expect(first).to_be_hidden()
    expect(toggle).to_have_text("显示译文")
    page.keyboard.press("t")
    expect(first).to_be_visible()
    expect(page.locator("body")).to_have_class(re.compile(r"\bshow-zh\b"))
    expect(toggle).to_have_text("隐藏译文")
    page.keyboard.press("t")
    expect(first).to_be_hidden()
    toggle.click()
    expect(page.locator("section.card .zh").last).to_be_visible()
    page.reload()
    expect(first).to_be_visible()
    expect(page.locator("#toggle-zh")).to_have_text("隐藏译文")
    page.locator("#toggle-zh").click()
    expect(first).to_be_hidden()
    expect(page.locator("#toggle-zh")).to_have_text("显示译文")


def test_a_key_word_shows_its_gloss_on_a_tap_and_on_enter(reader: ReaderServer, page: Page) -> None:
    deck = deck_of(reader, today(reader))
    glossed = [(card, word) for card in deck.cards for word in card.words]
    assert glossed, "today's lesson teaches a key word"
    card, word = glossed[0]
    page.goto(f"{reader.url}/")
    button = page.locator(f'#card-{card.number} button.word[data-lemma="{word.lemma}"]')
    gloss = page.locator(f"#{button.get_attribute('aria-controls')}")
    expect(gloss).to_be_hidden()
    button.click()
    expect(gloss).to_be_visible()
    expect(gloss).to_contain_text(word.gloss)
    button.focus()
    page.keyboard.press("Enter")
    expect(gloss).to_be_hidden()
    page.keyboard.press("Enter")
    expect(gloss).to_be_visible()


def test_the_archive_pages_newest_first_and_never_shows_a_future_day(
    reader: ReaderServer, page: Page
) -> None:
    day = today(reader)
    numbers = [past.number for past in reader.conversation.services.shelf.archive(day.date)]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] == day.number and len(numbers) > 20
    page.goto(f"{reader.url}/archive")
    links = page.locator("ol.archive li a")
    expect(links).to_have_count(20)
    assert links.evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        f"/day/{number}" for number in numbers[:20]
    ]
    expect(page.locator("a[rel=prev]")).to_have_count(0)
    page.locator("a[rel=next]").click()
    expect(page).to_have_url(re.compile(r"/archive\?page=2$"))
    assert links.evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        f"/day/{number}" for number in numbers[20:]
    ]
    expect(page.locator("a[rel=next]")).to_have_count(0)
    page.locator("a[rel=prev]").click()
    expect(links.first).to_have_attribute("href", f"/day/{day.number}")
    links.last.click()
    oldest = reader.conversation.services.shelf.day_number(numbers[19], day.date)
    assert oldest is not None
    expect(page.locator("article.lesson")).to_have_attribute("data-lesson", lesson_key(oldest.lesson.id))
    answer = page.goto(f"{reader.url}/day/{day.number + 1}")
    assert answer is not None and answer.status == 404
    expect(page.locator("article.lesson")).to_have_count(0)
