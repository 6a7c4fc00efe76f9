"""生词本 on the page: the signed-in learner's entries with their sentences and sounds, search,
paging, forget with undo, the CSV and Anki downloads, and every refusal (not signed in, a bad CSRF
token, another learner's word) changing nothing and showing nothing of anyone's words."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from bs4 import BeautifulSoup
from sqlalchemy import Engine, event
from sqlmodel import Session

from bot.clock import FixedClock, local_date
from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.storage import review_cards
from bot.storage import vocabulary_book as book
from bot.storage.learners import learner_of
from bot.web.reader.audio import card_audio_url
from bot.web.reader.book_model import PAGE_SIZE
from bot.web.signin.auth import web_user_id
from tests.core.fake_platform import FakeChat
from tests.web.reader.reader_support import Visitor, init_data, mini_app_visitor, session_visitor

Sessions = Callable[[], Session]
Client = TestClient[web.Request, web.Application]
ME, OTHER = 1001, 2002  # Telegram user ids


def page(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def entries(html: str) -> list[str]:
    return [str(item["data-lemma"]) for item in page(html).select("ul.book > li.entry")]


def save_words(sessions: Sessions, now: dt.datetime, telegram_id: int, *words: tuple[str, str, str]) -> None:
    """(lemma, gloss, sentence) entries saved through the book's own function, a minute apart."""
    with sessions() as session:
        learner = learner_of(session, platform="telegram", user_id=str(telegram_id), now=now)
        assert learner.id is not None
        for index, (lemma, gloss, sentence) in enumerate(words):
            book.save_word(
                session,
                learner_id=learner.id,
                word=book.NewWord(lemma, phonetic=f"{lemma}-ipa", gloss=gloss),
                context=book.NewContext(form=lemma, sentence_en=sentence),
                now=now + dt.timedelta(minutes=index),
            )


def book_of(sessions: Sessions, learner_id: int) -> list[str]:
    with sessions() as session:
        return [entry.lemma for entry in book.export_entries(session, learner_id=learner_id)]


@pytest.fixture
def telegram(conversation: Conversation) -> FakeChat:
    """The learner's private chat with the bot on Telegram: the same learner the Mini App signs in."""
    return FakeChat(conversation, chat_id=str(ME), user_id=str(ME), platform="telegram")


@pytest.fixture
def me(sessions: Sessions, clock: FixedClock) -> Visitor:
    return mini_app_visitor(sessions, telegram_id=ME, now=clock.now())


async def open_card(chat: FakeChat, number: int) -> None:
    await chat.say("/today")
    for _ in range(number - 1):
        await chat.press("下一句 ▶")


def word_in_two_cards(services: Services) -> tuple[str, int, int]:
    """A key word of today's lesson met on two of its cards: its form and the two cards' numbers."""
    today = services.shelf.day(local_date(services.clock, services.defaults.timezone))
    assert today is not None
    first: dict[str, int] = {}
    for card in services.shelf.deck(today.lesson).cards:
        for word in card.words:
            if word.lemma in first:
                return word.word, first[word.lemma], card.number
            first[word.lemma] = card.number
    raise AssertionError("today's lesson repeats no key word")


# --- what the book shows -------------------------------------------------------------------------


async def test_the_book_shows_each_word_saved_in_the_chat_with_every_sentence_and_its_sound(
    client: Client, telegram: FakeChat, me: Visitor, sessions: Sessions, services: Services
) -> None:
    form, first, second = word_in_two_cards(services)
    await open_card(telegram, first)
    await telegram.say(f"/save {form}", reply_to=-1)
    await open_card(telegram, second)
    await telegram.say(f"/save {form}", reply_to=-1)  # the same word from another card: a second sentence
    await telegram.say("/save engulfed")
    response = await client.get("/words", headers=me.headers)
    assert response.status == 200 and response.headers["Cache-Control"] == "private, no-store"
    html = page(await response.text())
    with sessions() as session:
        saved = book.export_entries(session, learner_id=me.learner_id)
    assert entries(str(html)) == [entry.lemma for entry in saved], "newest first, as the chat's book"
    for entry in saved:
        item = html.select_one(f"li#word-{entry.id}")
        assert item is not None and item["data-lemma"] == entry.lemma
        assert item.select_one(".lemma").get_text() == entry.lemma  # type: ignore[union-attr]
        if entry.phonetic:
            assert item.select_one(".phonetic").get_text() == f"/{entry.phonetic}/"  # type: ignore[union-attr]
        assert item.select_one(".gloss").get_text() == entry.gloss  # type: ignore[union-attr]
        sentences = item.select("li.met")
        assert [met.select_one(".en").get_text() for met in sentences] == [  # type: ignore[union-attr]
            context.sentence_en for context in entry.sentences
        ]
        for met, context in zip(sentences, entry.sentences, strict=True):
            assert met.select_one(".en b").get_text().lower() == context.form.lower()  # type: ignore[union-attr]
            play = met.select_one("button.play")
            if context.lesson_id and context.card_number:
                assert play is not None and play["data-audio"] == card_audio_url(
                    context.lesson_id, context.card_number
                )
            if context.sentence_zh:
                assert met.select_one(".met-zh").get_text() == context.sentence_zh  # type: ignore[union-attr]
    twice = saved[1]
    assert len(twice.sentences) == 2, "both cards' sentences"
    audio = html.select_one(f"li#word-{twice.id} button.play")
    assert audio is not None
    sound = await client.get(str(audio["data-audio"]))
    assert sound.status == 200 and sound.headers["Content-Type"] == "audio/mpeg", "the chat's 🔊 file"


async def test_an_empty_book_says_how_to_fill_it(client: Client, me: Visitor) -> None:
    html = page(await (await client.get("/words", headers=me.headers)).text())
    assert html.select("li.entry") == [] and "生词本还是空的" in html.get_text()
    assert "/save" in html.get_text()


async def test_saved_text_is_escaped(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    script = "<script>alert(1)</script>"
    save_words(sessions, clock.now(), ME, ("moat", f"n. {script}", f"A moat {script}."))
    body = await (await client.get("/words", headers=me.headers)).text()
    assert script not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body


async def test_the_due_words_and_the_review_button(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    now = clock.now()
    save_words(
        sessions,
        now,
        ME,
        ("moat", "n. 护城河", "Data is the moat."),
        ("leverage", "n. 杠杆", "Use leverage."),
    )
    with sessions() as session:
        due = review_cards.due_words(
            session, learner_id=me.learner_id, by=now + dt.timedelta(hours=14), limit=99
        )
    html = page(await (await client.get("/words", headers=me.headers)).text())
    section = html.select_one("section#due")
    assert section is not None and section.select_one(".count").get_text() == str(len(due)) == "2"  # type: ignore[union-attr]
    start = section.select_one("form#start-review")
    assert start is not None and start["method"] == "post" and start["action"] == "/review"
    assert start.select_one("button").get_text() == "开始复习"  # type: ignore[union-attr]


# --- search and paging ---------------------------------------------------------------------------

WORDS = [
    ("moat", "n. 壕沟, 护城河", "Data is the moat."),
    ("engulf", "vt. 吞没", "The wave engulfed the town."),
    ("latency", "n. 延迟", "Latency kills."),
    ("percent", "n. 百分比", "It is 100% done."),
]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("MOAT", ["moat"]),  # the lemma, any case
        ("Engulfed", ["engulf"]),  # a form it was met as
        ("延迟", ["latency"]),  # the gloss
        ("AT", ["latency", "moat"]),  # a part of a lemma, newest first
        ("%", []),  # typed characters, not wildcards
        ("_", []),
        ("  moat  ", ["moat"]),  # spaces around do not matter
    ],
)
async def test_search_finds_a_lemma_a_form_met_or_a_gloss(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock, query: str, found: list[str]
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS)
    with sessions() as session:  # a form met that is not the lemma
        book.save_word(
            session,
            learner_id=me.learner_id,
            word=book.NewWord("engulf"),
            context=book.NewContext(form="engulfed", sentence_en="Engulfed by work."),
            now=clock.now() - dt.timedelta(days=1),
        )
    response = await client.get("/words", params={"q": query}, headers=me.headers)
    html = await response.text()
    assert response.status == 200 and entries(html) == found
    search = page(html).select_one("form.search")
    assert search is not None and search["method"] == "get"
    assert search.select_one("input[name=q]")["value"] == query.strip()  # type: ignore[index]
    if not found:
        assert "没有找到" in page(html).get_text()


async def test_paging_shows_fifty_newest_first_with_links_both_ways(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    words = [(f"word{n:03d}", f"n. 词 {n}", f"Sentence {n}.") for n in range(2 * PAGE_SIZE + 7)]
    save_words(sessions, clock.now(), ME, *words)
    newest_first = [lemma for lemma, _, _ in reversed(words)]
    first = page(await (await client.get("/words", headers=me.headers)).text())
    assert entries(str(first)) == newest_first[:PAGE_SIZE]
    assert first.select("a[rel=prev]") == [] and first.select_one("a[rel=next]")["href"] == "/words?page=2"  # type: ignore[index]
    second = page(await (await client.get("/words?page=2", headers=me.headers)).text())
    assert entries(str(second)) == newest_first[PAGE_SIZE : 2 * PAGE_SIZE]
    assert second.select_one("a[rel=prev]")["href"] == "/words"  # type: ignore[index]
    last = page(await (await client.get("/words?page=3", headers=me.headers)).text())
    assert entries(str(last)) == newest_first[2 * PAGE_SIZE :] and last.select("a[rel=next]") == []
    beyond = await client.get("/words?page=99", headers=me.headers)
    assert entries(await beyond.text()) == newest_first[2 * PAGE_SIZE :], "past the end: the last page"
    nonsense = await client.get("/words?page=-1x", headers=me.headers)
    assert entries(await nonsense.text()) == newest_first[:PAGE_SIZE]


async def test_search_results_page_with_the_query_kept(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    words = [(f"alpha{n:03d}", "n. 词", f"Alpha {n}.") for n in range(PAGE_SIZE + 3)]
    save_words(sessions, clock.now(), ME, *words, ("beta", "n. 贝塔", "Beta."))
    html = page(await (await client.get("/words?q=alpha", headers=me.headers)).text())
    assert len(entries(str(html))) == PAGE_SIZE and "找到 53 个" in html.get_text()
    assert html.select_one("a[rel=next]")["href"] == "/words?q=alpha&page=2"  # type: ignore[index]
    second = await client.get("/words?q=alpha&page=2", headers=me.headers)
    assert entries(await second.text()) == ["alpha002", "alpha001", "alpha000"]


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_page_of_a_big_book_costs_a_few_queries_not_one_per_entry(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock, engine: Engine
) -> None:
    save_words(sessions, clock.now(), ME, *[(f"w{n:04d}", "n. 词", f"S {n}.") for n in range(3 * PAGE_SIZE)])
    for address in ("/words", "/words?q=w0&page=2"):
        with counted(engine) as statements:
            response = await client.get(address, headers=me.headers)
        assert len(entries(await response.text())) == PAGE_SIZE
        assert len(statements) <= 8, statements


# --- forget and undo -----------------------------------------------------------------------------


async def test_forget_hides_the_word_and_undo_brings_it_back(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS[:2])
    html = page(await (await client.get("/words", headers=me.headers)).text())
    form = html.select_one("li[data-lemma=moat] form.forget")
    assert form is not None and form.select_one("button").get_text() == "忘记"  # type: ignore[union-attr]
    forgot = await client.post(str(form["action"]), data=me.with_form(), headers=me.headers)
    after = page(await forgot.text())
    assert forgot.status == 200 and entries(str(after)) == ["engulf"]
    assert book_of(sessions, me.learner_id) == ["engulf"]
    notice = after.select_one(".notice")
    assert notice is not None and "moat" in notice.get_text() and "撤销" in notice.get_text()
    undo = notice.select_one("form.undo")
    assert undo is not None and undo.select_one("button").get_text() == "↩️ 撤销"  # type: ignore[union-attr]
    back = await client.post(str(undo["action"]), data=me.with_form(), headers=me.headers)
    shown = page(await back.text())
    assert back.status == 200 and entries(str(shown)) == ["engulf", "moat"]
    assert "回到生词本" in shown.select_one(".notice").get_text()  # type: ignore[union-attr]
    assert book_of(sessions, me.learner_id) == ["engulf", "moat"]
    twice = await client.post(str(undo["action"]), data=me.with_form(), headers=me.headers)
    assert twice.status == 404 and "没有需要撤销的了" in await twice.text()
    assert book_of(sessions, me.learner_id) == ["engulf", "moat"]


async def test_undo_after_its_minute_says_so_and_the_word_stays_gone(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS[:1])
    (word_id,) = [
        entry["id"]
        for entry in page(await (await client.get("/words", headers=me.headers)).text()).select("li.entry")
    ]
    number = str(word_id).removeprefix("word-")
    await client.post(f"/words/{number}/forget", data=me.with_form(), headers=me.headers)
    clock.advance(dt.timedelta(seconds=61))
    late = await client.post(f"/words/{number}/undo", data=me.with_form(), headers=me.headers)
    assert late.status == 200 and "撤销已过期" in page(await late.text()).select_one(".notice").get_text()  # type: ignore[union-attr]
    assert book_of(sessions, me.learner_id) == []


async def test_forget_keeps_the_search_and_page_it_came_from(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS)
    html = page(await (await client.get("/words?q=at", headers=me.headers)).text())
    form = html.select_one("li[data-lemma=moat] form.forget")
    assert form is not None
    fields = {str(field["name"]): str(field["value"]) for field in form.select("input")}
    assert fields == {"csrf": "", "q": "at"}
    after = await client.post(str(form["action"]), data=fields, headers=me.headers)
    assert entries(await after.text()) == ["latency"]


async def test_another_learners_word_cannot_be_forgotten_or_brought_back_from_here(
    client: Client, me: Visitor, sessions: Sessions, clock: FixedClock
) -> None:
    now = clock.now()
    save_words(
        sessions, now, OTHER, ("secret", "n. 秘密", "A secret word."), ("hidden", "n. 隐藏", "Hidden.")
    )
    other = mini_app_visitor(sessions, telegram_id=OTHER, now=now)
    with sessions() as session:
        theirs = {
            entry.lemma: entry.id for entry in book.export_entries(session, learner_id=other.learner_id)
        }
        book.forget_word(session, learner_id=other.learner_id, lemma="hidden", now=now)
    refused = await client.post(f"/words/{theirs['secret']}/forget", data=me.with_form(), headers=me.headers)
    body = await refused.text()
    assert refused.status == 404 and "secret" not in body and "秘密" not in body
    undone = await client.post(f"/words/{theirs['hidden']}/undo", data=me.with_form(), headers=me.headers)
    assert undone.status == 404 and "hidden" not in await undone.text()
    assert book_of(sessions, other.learner_id) == ["secret"], (
        "theirs as it was: one kept, one still forgotten"
    )


@pytest.mark.parametrize("word_id", ["abc", "1234567890123", "-1", "0"])
async def test_a_word_id_that_is_no_word_is_not_found(client: Client, me: Visitor, word_id: str) -> None:
    for action in ("forget", "undo"):
        response = await client.post(f"/words/{word_id}/{action}", data=me.with_form(), headers=me.headers)
        assert response.status == 404 and page(await response.text()).select_one("section.error") is not None


# --- sign-in and CSRF ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "address"),
    [
        ("GET", "/words"),
        ("GET", "/words?q=moat"),
        ("GET", "/words/export.csv"),
        ("GET", "/words/export.apkg"),
        ("POST", "/words/1/forget"),
        ("POST", "/words/1/undo"),
    ],
)
async def test_without_sign_in_the_answer_is_401_and_shows_no_words(
    client: Client, sessions: Sessions, clock: FixedClock, method: str, address: str
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS[:1])
    mine = mini_app_visitor(sessions, telegram_id=ME, now=clock.now())
    stale = init_data(telegram_id=ME, auth_date=clock.now() - dt.timedelta(days=2))
    forged = init_data(telegram_id=ME, auth_date=clock.now(), bot_token="654321:SOMEONE-ELSES-BOT")
    for headers in ({}, {"Authorization": f"tma {stale}"}, {"Authorization": f"tma {forged}"}):
        response = await client.request(method, address, headers=headers)
        body = await response.text()
        assert response.status == 401 and "请先登录" in body
        assert "moat" not in body and "护城河" not in body
    with sessions() as session:
        assert book.count_words(session, learner_id=mine.learner_id) == 1, "nothing changed"


async def test_a_browser_session_sees_its_book_and_its_forms_carry_the_csrf_token(
    client: Client, sessions: Sessions, clock: FixedClock
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS[:2])
    browser = session_visitor(sessions, telegram_id=ME, now=clock.now())
    html = page(await (await client.get("/words", headers=browser.headers)).text())
    assert entries(str(html)) == ["engulf", "moat"]
    tokens = {str(field["value"]) for field in html.select("form[method=post] input[name=csrf]")}
    assert tokens == {browser.csrf}
    form = html.select_one("li[data-lemma=moat] form.forget")
    assert form is not None
    forgot = await client.post(str(form["action"]), data=browser.with_form(), headers=browser.headers)
    assert forgot.status == 200 and book_of(sessions, browser.learner_id) == ["engulf"]


@pytest.mark.parametrize("csrf", [None, "", "wrong-token"])
async def test_a_form_without_the_right_csrf_token_is_refused_and_changes_nothing(
    client: Client, sessions: Sessions, clock: FixedClock, csrf: str | None
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS[:1])
    browser = session_visitor(sessions, telegram_id=ME, now=clock.now())
    (word,) = page(await (await client.get("/words", headers=browser.headers)).text()).select("li.entry")
    number = str(word["id"]).removeprefix("word-")
    data = {} if csrf is None else {"csrf": csrf}
    refused = await client.post(f"/words/{number}/forget", data=data, headers=browser.headers)
    assert refused.status == 403 and "moat" not in await refused.text()
    assert book_of(sessions, browser.learner_id) == ["moat"]


# --- exports -------------------------------------------------------------------------------------


async def test_the_csv_download_is_the_file_the_chat_exports(
    client: Client, telegram: FakeChat, me: Visitor
) -> None:
    await open_card(telegram, 5)
    await telegram.say("/save weights", reply_to=-1)
    await telegram.say("/save engulfed")
    (chat_csv, _deck) = [
        reply.document for reply in await telegram.say("/export") if reply.document is not None
    ]
    response = await client.get("/words/export.csv", headers=me.headers)
    assert response.status == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{chat_csv.filename}"'
    assert response.headers["Cache-Control"] == "private, no-store"
    assert await response.read() == chat_csv.data


async def test_the_anki_download_is_a_deck_with_a_note_per_word(
    client: Client, telegram: FakeChat, me: Visitor, tmp_path: Path
) -> None:
    await telegram.say("/save engulfed")
    await telegram.say("/save moat")
    response = await client.get("/words/export.apkg", headers=me.headers)
    assert response.status == 200
    filename = (
        response.headers["Content-Disposition"].removeprefix('attachment; filename="').removesuffix('"')
    )
    assert filename.startswith("buildspeak-words-") and filename.endswith(".apkg")
    with zipfile.ZipFile(io.BytesIO(await response.read())) as archive:
        (tmp_path / "collection.anki2").write_bytes(archive.read("collection.anki2"))
    database = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        (notes,) = database.execute("SELECT count(*) FROM notes").fetchone()
    finally:
        database.close()
    assert notes == 2


async def test_a_second_anki_download_while_one_is_made_is_asked_to_wait(
    client: Client, me: Visitor, services: Services, sessions: Sessions, clock: FixedClock
) -> None:
    save_words(sessions, clock.now(), ME, *WORDS[:1])
    running = services.exports
    assert running is not None
    person = ("web", web_user_id(me.learner_id))
    assert await running.start(*person), "as an export being made holds it"
    busy = await client.get("/words/export.apkg", headers=me.headers)
    assert (
        busy.status == 429 and "正在导出" in await busy.text() and "Content-Disposition" not in busy.headers
    )
    await running.finish(*person)
    done = await client.get("/words/export.apkg", headers=me.headers)
    assert done.status == 200 and zipfile.is_zipfile(io.BytesIO(await done.read()))


@pytest.mark.parametrize("address", ["/words/export.csv", "/words/export.apkg"])
async def test_an_empty_book_has_nothing_to_download_and_says_so(
    client: Client, me: Visitor, address: str
) -> None:
    response = await client.get(address, headers=me.headers)
    assert response.status == 404 and "Content-Disposition" not in response.headers
    assert "没有可以导出的词" in await response.text()


async def test_links_to_the_downloads_are_on_the_page(client: Client, me: Visitor) -> None:
    html = page(await (await client.get("/words", headers=me.headers)).text())
    assert html.select_one("a#export-csv")["href"] == "/words/export.csv"  # type: ignore[index]
    assert html.select_one("a#export-anki")["href"] == "/words/export.apkg"  # type: ignore[index]


async def test_a_page_number_that_is_no_ascii_number_shows_the_first_page(
    client: TestClient[web.Request, web.Application], services: Services
) -> None:
    """ "²" passes str.isdigit() but not int(): the book's first page, never a server error."""
    visitor = mini_app_visitor(services.sessions, telegram_id=4242, now=services.clock.now())
    for page in ("²", "٣", "-1", "99999999999"):
        response = await client.get("/words", params={"page": page}, headers=visitor.headers)
        assert response.status == 200, page
