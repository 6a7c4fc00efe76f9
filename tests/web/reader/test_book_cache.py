"""生词本 kept between visits: a visit to an unchanged book is answered from the page kept for it
(after sign-in, one statement: the book's version), and every change to the book, whoever makes it
(the chat's /save and /forget, the page's 忘记 and 撤销, a review in a quiz, a new day, a timezone),
is on the very next visit. A kept page is one learner's, with their own form token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.clock import FixedClock
from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.storage import review_cards
from bot.storage import vocabulary_book as book
from bot.storage.learners import find_learner, update_learner
from bot.storage.tables import ReviewCard, SavedWord
from bot.web.reader import book_pages
from bot.web.reader.book_model import PAGE_SIZE, day_end, version_now
from bot.web.reader.book_reads import book_version, due_count
from bot.web.reader.kept import Kept
from tests.core.fake_platform import FakeChat
from tests.core.quiz_support import answer
from tests.web.reader.reader_support import Visitor, mini_app_visitor, session_visitor
from tests.web.reader.test_book_pages import (
    ME,
    OTHER,
    WORDS,
    counted,
    entries,
    open_card,
    page,
    save_words,
    word_in_two_cards,
)

Sessions = Callable[[], Session]
Client = TestClient[web.Request, web.Application]


@pytest.fixture
def me(sessions: Sessions, clock: FixedClock) -> Visitor:
    return mini_app_visitor(sessions, telegram_id=ME, now=clock.now())


@pytest.fixture
def telegram(conversation: Conversation) -> FakeChat:
    """The learner's private chat with the bot on Telegram: the same learner the Mini App signs in."""
    return FakeChat(conversation, chat_id=str(ME), user_id=str(ME), platform="telegram")


async def visit(client: Client, visitor: Visitor, address: str = "/words") -> str:
    response = await client.get(address, headers=visitor.headers)
    assert response.status == 200 and response.headers["Cache-Control"] == "private, no-store"
    return await response.text()


def due_shown(html: str) -> int:
    count = page(html).select_one("section#due .count")
    assert count is not None
    return int(count.get_text())


def sentences_of(html: str, lemma: str) -> list[str]:
    return [met.get_text() for met in page(html).select(f"li[data-lemma={lemma}] li.met .en")]


# --- kept -----------------------------------------------------------------------------------------


async def test_a_visit_to_an_unchanged_book_is_the_kept_page_for_one_statement(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock, engine: Engine
) -> None:
    save_words(sessions, clock.now(), ME, *[(f"w{n:03d}", "n. 词", f"S {n}.") for n in range(PAGE_SIZE + 5)])
    first = await visit(client, me)
    for address, body in (("/words", first), ("/words?page=2", None), ("/words?q=w00", None)):
        body = body or await visit(client, me, address)
        with counted(engine) as statements:
            again = await visit(client, me, address)
        assert again == body, "the same bytes"
        assert len(statements) == 2, statements  # the sign-in's learner, and the book's version


async def test_each_learner_has_their_own_page(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS[:2])
    save_words(sessions, clock.now(), OTHER, ("secret", "n. 秘密", "A secret word."))
    other = mini_app_visitor(sessions, telegram_id=OTHER, now=clock.now())
    assert entries(await visit(client, me)) == ["engulf", "moat"]
    assert entries(await visit(client, other)) == ["secret"]
    assert entries(await visit(client, me)) == ["engulf", "moat"]


async def test_a_kept_page_carries_the_form_token_of_whoever_asks(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS[:2])
    browsers = [session_visitor(sessions, telegram_id=ME, now=clock.now()) for _ in range(2)]
    for visitor in [me, *browsers, me, *browsers]:  # each twice: built, then kept
        html = page(await visit(client, visitor))
        tokens = {str(field["value"]) for field in html.select("form[method=post] input[name=csrf]")}
        assert tokens == {visitor.csrf}, visitor.via


async def test_a_new_library_generation_builds_the_page_again(
    client: Client, me: Visitor, services: Services, sessions: Sessions, clock: FixedClock, engine: Engine
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS[:2])
    before = await visit(client, me)
    services.shelf.restock(services.shelf.catalog, services.shelf.generation + 1)
    with counted(engine) as statements:
        after = await visit(client, me)
    assert after == before and len(statements) > 2, "read again, the same book"


# --- every change is on the next visit ------------------------------------------------------------


async def test_a_word_saved_in_the_chat(
    client: Client, telegram: FakeChat, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    save_words(sessions, clock.now() - dt.timedelta(hours=1), ME, *WORDS[:2])
    assert entries(await visit(client, me)) == ["engulf", "moat"]
    await telegram.say("/save latency")
    assert entries(await visit(client, me)) == ["latency", "engulf", "moat"]


async def test_a_new_sentence_merged_into_a_word_from_the_chat(
    client: Client, telegram: FakeChat, me: Visitor, services: Services, clock: FixedClock
) -> None:
    form, first, second = word_in_two_cards(services)
    await open_card(telegram, first)
    await telegram.say(f"/save {form}", reply_to=-1)
    shown = page(await visit(client, me)).select("li.entry")
    assert len(shown) == 1
    lemma = str(shown[0]["data-lemma"])
    assert len(sentences_of(await visit(client, me), lemma)) == 1
    clock.advance(dt.timedelta(seconds=20))  # reading on to the next card
    await open_card(telegram, second)
    await telegram.say(f"/save {form}", reply_to=-1)
    assert len(sentences_of(await visit(client, me), lemma)) == 2


async def test_a_word_saved_again_moves_to_the_top(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    """The same sentence again: nothing new in the entry, but it was saved last."""
    save_words(sessions, clock.now(), ME, *WORDS[:2])
    assert entries(await visit(client, me)) == ["engulf", "moat"]
    clock.advance(dt.timedelta(minutes=10))
    save_words(sessions, clock.now(), ME, WORDS[0])
    assert entries(await visit(client, me)) == ["moat", "engulf"]


async def test_forget_and_undo_on_the_page(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS[:3])
    html = page(await visit(client, me))
    assert entries(str(html)) == ["latency", "engulf", "moat"]
    form = html.select_one("li[data-lemma=engulf] form.forget")
    assert form is not None
    forgot = await client.post(str(form["action"]), data=me.with_form(), headers=me.headers)
    assert forgot.status == 200
    assert entries(await visit(client, me)) == ["latency", "moat"]
    undo = page(await forgot.text()).select_one(".notice form.undo")
    assert undo is not None
    back = await client.post(str(undo["action"]), data=me.with_form(), headers=me.headers)
    assert back.status == 200
    assert entries(await visit(client, me)) == ["latency", "engulf", "moat"]


async def test_forget_and_undo_in_the_chat(
    client: Client, telegram: FakeChat, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS[:3])
    assert entries(await visit(client, me)) == ["latency", "engulf", "moat"]
    await telegram.say("/forget engulf")
    assert entries(await visit(client, me)) == ["latency", "moat"]
    await telegram.press("↩️ 撤销")
    assert entries(await visit(client, me)) == ["latency", "engulf", "moat"]


async def test_one_word_forgotten_and_another_brought_back_at_the_same_moment(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    """As many shown, as many forgotten, no clock moved: still another book."""
    save_words(sessions, clock.now(), ME, *WORDS[:3])
    now = clock.now() + dt.timedelta(minutes=5)
    with sessions() as session:
        hidden = book.forget_word(session, learner_id=me.learner_id, lemma="moat", now=now)
    assert hidden is not None
    assert entries(await visit(client, me)) == ["latency", "engulf"]
    with sessions() as session:
        book.forget_word(session, learner_id=me.learner_id, lemma="engulf", now=now)
        outcome, _ = book.undo_forget(session, learner_id=me.learner_id, word_id=hidden.id, now=now)
    assert outcome is book.Undone.RESTORED
    assert entries(await visit(client, me)) == ["latency", "moat"]


async def test_a_review_in_the_chat_and_a_new_day(
    client: Client, telegram: FakeChat, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    save_words(sessions, clock.now(), ME, ("moat", "n. 壕沟, 护城河", "Data is the moat."))
    assert due_shown(await visit(client, me)) == 1
    await telegram.say("/quiz")
    await answer(telegram, sessions, right=True)  # the card moves to a day to come
    assert due_shown(await visit(client, me)) == 0
    with sessions() as session:
        card = review_cards.load_card(session, page_id(await visit(client, me), "moat"))
    assert card is not None
    clock.advance(card.due - clock.now() + dt.timedelta(hours=1))  # that day
    opened_again = mini_app_visitor(sessions, telegram_id=ME, now=clock.now())  # fresh init data
    assert due_shown(await visit(client, opened_again)) == 1


async def test_a_word_due_before_the_end_of_the_day_in_a_new_timezone(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock, services: Services
) -> None:
    save_words(sessions, clock.now(), ME, ("moat", "n. 壕沟, 护城河", "Data is the moat."))
    in_shanghai, in_utc = day_end(services, None), day_end(services, "UTC")
    assert in_shanghai < in_utc, "the bot's default timezone is ahead of UTC"
    with sessions() as session:
        (card,) = session.exec(select(ReviewCard)).all()
        card.due = in_shanghai + dt.timedelta(hours=1)
        session.add(card)
        session.commit()
    assert due_shown(await visit(client, me)) == 0
    with sessions() as session:
        learner = find_learner(session, platform="telegram", user_id=str(ME))
        assert learner is not None
        update_learner(session, learner, now=clock.now(), timezone="UTC")
    assert due_shown(await visit(client, me)) == 1


async def test_a_page_read_while_the_book_changed_is_not_kept(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forgotten by another process after the version was read, brought back before the next
    visit: the version is the first one again, and the page read in between must not be its page."""
    save_words(sessions, clock.now(), ME, *WORDS[:2])
    now = clock.now() + dt.timedelta(minutes=5)
    read_page = book_pages.read_page

    def forgotten_meanwhile(session: Session, *args: object, **kwargs: object) -> object:
        with sessions() as elsewhere:
            book.forget_word(elsewhere, learner_id=me.learner_id, lemma="moat", now=now)
        return read_page(session, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(book_pages, "read_page", forgotten_meanwhile)
    assert entries(await visit(client, me)) == ["engulf"]
    monkeypatch.setattr(book_pages, "read_page", read_page)
    with sessions() as session:
        undone, _ = book.undo_forget(
            session, learner_id=me.learner_id, word_id=word_id(sessions, me, "moat"), now=now
        )
    assert undone is book.Undone.RESTORED
    assert entries(await visit(client, me)) == ["engulf", "moat"]


# --- the version --------------------------------------------------------------------------------


def test_the_versions_due_count_is_the_review_due_count(
    sessions: Sessions, services: Services, clock: FixedClock, me: Visitor
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS)
    now = clock.now()
    with sessions() as session:
        book.forget_word(session, learner_id=me.learner_id, lemma="moat", now=now)
        cards = session.exec(select(ReviewCard).order_by(col(ReviewCard.saved_word_id))).all()
        for days, card in enumerate(cards):
            card.due = now + dt.timedelta(days=days)
            session.add(card)
        session.commit()
        for days in range(len(cards) + 1):
            by = now + dt.timedelta(days=days, hours=1)
            version = book_version(session, learner_id=me.learner_id, by=by)
            assert version.due == due_count(session, learner_id=me.learner_id, by=by)
        end, version = version_now(session, services, me.learner_id, guess=now)  # a wrong guess
        assert end == day_end(services, None) and version == version_now(session, services, me.learner_id)[1]
    assert (version.shown, version.forgotten) == (len(WORDS) - 1, 1)


def test_kept_keeps_the_most_recently_used() -> None:
    kept: Kept[str] = Kept(2)
    kept.put("a", "A")
    kept.put("b", "B")
    assert kept.peek("a") == "A"  # now the most recent
    kept.put("c", "C")
    assert (kept.peek("b"), kept.peek("a"), kept.peek("c"), len(kept)) == (None, "A", "C", 2)
    kept.put("a", "A2")
    assert kept.get("a", lambda: "never made") == "A2"
    assert kept.get("d", lambda: "D") == "D" and kept.peek("c") is None


# --- helpers ----------------------------------------------------------------------------------


def word_id(sessions: Sessions, visitor: Visitor, lemma: str) -> int:
    """The entry's id, forgotten or not."""
    with sessions() as session:
        statement = select(SavedWord.id).where(
            SavedWord.learner_id == visitor.learner_id, SavedWord.lemma == lemma
        )
        found = session.exec(statement).one()
    assert found is not None
    return found


def page_id(html: str, lemma: str) -> int:
    item = page(html).select_one(f"li[data-lemma={lemma}]")
    assert item is not None
    return int(str(item["id"]).removeprefix("word-"))
