"""The vocabulary book's storage: saving, merging, paging, forgetting with undo; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, func, select

import bot.storage.vocabulary_book as book
from bot.storage.learners import learner_of
from bot.storage.subscribers import forget_user
from bot.storage.tables import SavedWord, WordContext
from bot.storage.vocabulary_book import NewContext, NewWord, Saved, Undone

NOW = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)
Sessions = Callable[[], Session]
# The people of these tests, as learners made in this order by the autouse fixture below.
ME = {"learner_id": 1}  # telegram 42
OTHER = {"learner_id": 2}  # telegram 43
ON_DISCORD = {"learner_id": 3}  # discord 42: the same user id on another platform is someone else


@pytest.fixture(autouse=True)
def people(sessions: Sessions) -> None:
    with sessions() as session:
        made = [
            learner_of(session, platform=platform, user_id=user_id, now=NOW).id
            for platform, user_id in (("telegram", "42"), ("telegram", "43"), ("discord", "42"))
        ]
    assert made == [ME["learner_id"], OTHER["learner_id"], ON_DISCORD["learner_id"]]


ENGULF = NewWord("engulf", "in'gʌlf", "vt. 吞没", None)


def met(
    sentence: str | None = "The wave engulfed the town.", form: str = "engulfed", **more: object
) -> NewContext:
    return NewContext(
        form=form,
        sentence_en=sentence,
        sentence_zh="海浪吞没了小镇。" if sentence else None,
        lesson_id="x-1",
        card_number=3,
        author="Andrej Karpathy",
        source_url="https://x.com/karpathy/status/1",
        **more,  # type: ignore[arg-type]
    )


def save(
    session: Session,
    word: NewWord = ENGULF,
    context: NewContext | None = None,
    now: dt.datetime = NOW,
    **owner: int,
) -> book.SaveResult:
    return book.save_word(session, **(owner or ME), word=word, context=context or met(), now=now)


def rows(session: Session, table: type) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def test_a_new_word_is_stored_with_its_context(sessions: Sessions) -> None:
    with sessions() as session:
        result = save(session)
    assert result.outcome is Saved.ADDED
    entry = result.entry
    assert (entry.lemma, entry.phonetic, entry.gloss) == ("engulf", "in'gʌlf", "vt. 吞没")
    (context,) = entry.contexts
    assert context.form == "engulfed" and context.sentence_zh == "海浪吞没了小镇。"
    assert (context.lesson_id, context.card_number, context.author) == ("x-1", 3, "Andrej Karpathy")
    assert context.saved_at == NOW and entry.created_at == NOW


def test_saving_again_adds_the_new_sentence_to_the_same_entry(sessions: Sessions) -> None:
    later = NOW + dt.timedelta(hours=2)
    with sessions() as session:
        save(session)
        result = save(session, context=met("Doubt engulfs us all.", form="engulfs"), now=later)
        again = save(session, context=met("Doubt engulfs us all.", form="engulfs"), now=later)
        assert rows(session, SavedWord) == 1 and rows(session, WordContext) == 2
    assert result.outcome is Saved.MERGED
    assert [c.form for c in result.entry.contexts] == ["engulfs", "engulfed"], "newest first"
    assert again.outcome is Saved.ALREADY and len(again.entry.contexts) == 2


def test_the_lemma_matches_in_any_case_and_fills_what_was_missing(sessions: Sessions) -> None:
    with sessions() as session:
        save(session, NewWord("LLM"), met("LLMs are people spirits.", form="LLMs"))
        result = save(session, NewWord("llm", None, "大语言模型"), met("An llm is a program.", form="llm"))
    assert result.outcome is Saved.MERGED
    assert result.entry.lemma == "LLM" and result.entry.gloss == "大语言模型"


def test_a_word_without_a_sentence_keeps_its_form_and_gains_sentences_later(sessions: Sessions) -> None:
    with sessions() as session:
        first = save(session, context=NewContext(form="engulfed"))
        bare_again = save(session, context=NewContext(form="engulf"))
        with_sentence = save(session, context=met())
    assert first.outcome is Saved.ADDED and first.entry.sentences == ()
    assert bare_again.outcome is Saved.ALREADY
    assert with_sentence.outcome is Saved.MERGED and len(with_sentence.entry.sentences) == 1


def test_books_are_per_person_and_platform(sessions: Sessions) -> None:
    with sessions() as session:
        save(session)
        save(session, **OTHER)
        save(session, **ON_DISCORD)
        assert book.count_words(session, **ME) == 1
        assert rows(session, SavedWord) == 3


def test_pages_are_newest_first_by_last_save(sessions: Sessions) -> None:
    with sessions() as session:
        for number in range(7):
            save(session, NewWord(f"word{number}"), now=NOW + dt.timedelta(minutes=number))
        save(session, NewWord("word0"), met("A new sentence."), now=NOW + dt.timedelta(hours=1))
        first = book.book_page(session, **ME, page=0, size=5)
        second = book.book_page(session, **ME, page=1, size=5)
        beyond = book.book_page(session, **ME, page=9, size=5)
    assert [e.lemma for e in first.entries] == ["word0", "word6", "word5", "word4", "word3"]
    assert [e.lemma for e in second.entries] == ["word2", "word1"]
    assert (first.total, first.pages, second.page) == (7, 2, 1)
    assert beyond.page == 1 and beyond.entries == second.entries


def test_an_empty_book_has_one_empty_page(sessions: Sessions) -> None:
    with sessions() as session:
        page = book.book_page(session, **ME, page=0, size=5)
    assert (page.entries, page.total, page.pages, page.page) == ((), 0, 1, 0)


def test_forget_hides_the_entry_and_undo_brings_it_back_whole(sessions: Sessions) -> None:
    with sessions() as session:
        save(session)
        save(session, context=met("Doubt engulfs us.", form="engulfs"))
        forgotten = book.forget_word(session, **ME, lemma="Engulf", now=NOW)
        assert forgotten is not None
        assert book.find_entry(session, **ME, lemma="engulf") is None
        assert book.count_words(session, **ME) == 0
        assert book.export_entries(session, **ME) == []
        assert book.forget_word(session, **ME, lemma="engulf", now=NOW) is None, "already forgotten"
        undone, entry = book.undo_forget(
            session, **ME, word_id=forgotten.id, now=NOW + dt.timedelta(seconds=59)
        )
    assert undone is Undone.RESTORED and entry is not None and len(entry.contexts) == 2


def test_undo_after_a_minute_expires_and_changes_nothing(sessions: Sessions) -> None:
    with sessions() as session:
        save(session)
        forgotten = book.forget_word(session, **ME, lemma="engulf", now=NOW)
        assert forgotten is not None
        late = NOW + dt.timedelta(seconds=61)
        undone, entry = book.undo_forget(session, **ME, word_id=forgotten.id, now=late)
        assert (undone, entry) == (Undone.EXPIRED, None)
        assert book.find_entry(session, **ME, lemma="engulf") is None


def test_nobody_else_can_undo_and_undo_twice_does_nothing(sessions: Sessions) -> None:
    with sessions() as session:
        save(session)
        forgotten = book.forget_word(session, **ME, lemma="engulf", now=NOW)
        assert forgotten is not None
        other, _ = book.undo_forget(session, **OTHER, word_id=forgotten.id, now=NOW)
        assert other is Undone.NOTHING
        assert book.undo_forget(session, **ME, word_id=forgotten.id, now=NOW)[0] is Undone.RESTORED
        assert book.undo_forget(session, **ME, word_id=forgotten.id, now=NOW)[0] is Undone.NOTHING
        assert book.undo_forget(session, **ME, word_id=999_999, now=NOW)[0] is Undone.NOTHING


def test_saving_a_forgotten_word_within_the_minute_restores_it_with_its_sentences(sessions: Sessions) -> None:
    with sessions() as session:
        save(session)
        book.forget_word(session, **ME, lemma="engulf", now=NOW)
        result = save(
            session, context=met("Doubt engulfs us.", form="engulfs"), now=NOW + dt.timedelta(seconds=30)
        )
    assert result.outcome is Saved.MERGED and len(result.entry.contexts) == 2


def test_saving_a_word_forgotten_long_ago_starts_it_afresh(sessions: Sessions) -> None:
    later = NOW + dt.timedelta(days=1)
    with sessions() as session:
        save(session)
        book.forget_word(session, **ME, lemma="engulf", now=NOW)
        result = save(
            session, NewWord("engulf", None, "新释义"), met("Doubt engulfs us.", form="engulfs"), later
        )
        assert rows(session, SavedWord) == 1
    assert result.outcome is Saved.ADDED
    assert [c.form for c in result.entry.contexts] == ["engulfs"] and result.entry.gloss == "新释义"
    assert result.entry.created_at == later


def test_purge_deletes_only_expired_forgotten_entries(sessions: Sessions) -> None:
    with sessions() as session:
        save(session)
        save(session, NewWord("moat"))
        save(session, NewWord("slop"))
        save(session, NewWord("moat"), **OTHER)
        book.forget_word(session, **ME, lemma="engulf", now=NOW)
        book.forget_word(session, **ME, lemma="moat", now=NOW + dt.timedelta(seconds=50))
        book.forget_word(session, **OTHER, lemma="moat", now=NOW)
        later = NOW + dt.timedelta(seconds=70)
        assert book.purge_forgotten(session, now=later, **ME) == 1, "engulf only: moat's minute is not over"
        assert book.purge_forgotten(session, now=later) == 1, "everyone's: the other person's moat"
        assert rows(session, SavedWord) == 2 and rows(session, WordContext) == 2


def test_saved_lemmas_answers_which_words_are_in_the_book(sessions: Sessions) -> None:
    with sessions() as session:
        save(session)
        save(session, NewWord("moat"))
        book.forget_word(session, **ME, lemma="moat", now=NOW)
        found = book.saved_lemmas(session, **ME, lemmas=["Engulf", "moat", "slop"])
    assert found == {"engulf"}


def test_deleteme_removes_forgotten_and_kept_words(sessions: Sessions) -> None:
    with sessions() as session:
        save(session)
        save(session, NewWord("moat"))
        book.forget_word(session, **ME, lemma="moat", now=NOW)
        forget_user(session, platform="telegram", user_id="42", chat_id="42")
        assert rows(session, SavedWord) == 0 and rows(session, WordContext) == 0


def test_a_save_that_loses_the_race_for_a_new_lemma_merges_into_the_winner(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other save commits between this one's look-up and its insert: the unique constraint decides."""
    real_find = book._find_row
    raced = []

    def find_then_lose_the_race(session: Session, **where: object) -> SavedWord | None:
        if not raced:
            raced.append(True)
            with sessions() as other:
                save(other, context=met("The other sentence engulfed it."))
            return None
        return real_find(session, **where)  # type: ignore[arg-type]

    monkeypatch.setattr(book, "_find_row", find_then_lose_the_race)
    with sessions() as session:
        result = save(session)
        assert rows(session, SavedWord) == 1
    assert result.outcome is Saved.MERGED and len(result.entry.contexts) == 2


def test_concurrent_saves_of_one_new_word_make_one_entry(sessions: Sessions, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("one process serializes SQLite writes; the race is PostgreSQL's")
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            with sessions() as session:
                start.wait()
                save(session, context=met(f"Sentence {number % 3} engulfed it."))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sessions() as session:
        assert rows(session, SavedWord) == 1
        (entry,) = book.export_entries(session, **ME)
    assert len(entry.contexts) == 3, "one per distinct sentence, none twice"


def test_a_word_saved_again_while_the_purge_runs_is_kept(sessions: Sessions, engine: Engine) -> None:
    """The re-save commits after the purge began and before it deletes: the word the person was told
    is saved stays saved (a purge that deleted by ids chosen earlier lost it)."""
    later = NOW + dt.timedelta(minutes=5)
    with sessions() as session:
        save(session)
        book.forget_word(session, **ME, lemma="engulf", now=NOW)
    raced: list[bool] = []
    resaved: list[book.SaveResult] = []

    def resave_before_the_first_delete(
        _connection: object, _cursor: object, statement: str, *_: object
    ) -> None:
        if raced or not statement.lstrip().upper().startswith("DELETE"):
            return
        raced.append(True)
        with sessions() as other:
            resaved.append(save(other, context=met("Doubt engulfs us.", form="engulfs"), now=later))

    event.listen(engine, "before_cursor_execute", resave_before_the_first_delete)
    try:
        with sessions() as session:
            book.purge_forgotten(session, now=later)
    finally:
        event.remove(engine, "before_cursor_execute", resave_before_the_first_delete)
    with sessions() as session:
        entry = book.find_entry(session, **ME, lemma="engulf")
        assert rows(session, WordContext) == 1
    assert [result.outcome for result in resaved] == [Saved.ADDED]
    assert entry is not None and [c.form for c in entry.contexts] == ["engulfs"]


def test_a_purge_that_meets_a_save_in_progress_waits_and_keeps_the_word(
    sessions: Sessions, database_url: str
) -> None:
    """PostgreSQL: the save holds the entry's row; the purge waits for it, re-checks, and skips it."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer in at a time; the interleaving is PostgreSQL's")
    later = NOW + dt.timedelta(minutes=5)
    with sessions() as session:
        save(session)
        book.forget_word(session, **ME, lemma="engulf", now=NOW)
    purged: list[int] = []

    def purge() -> None:
        with sessions() as session:
            purged.append(book.purge_forgotten(session, now=later))

    with sessions() as saving:
        row = book._find_row(saving, **ME, lemma="engulf", lock=True)  # the save's first step
        assert row is not None
        purging = threading.Thread(target=purge)
        purging.start()
        purging.join(timeout=0.5)
        assert purging.is_alive(), "the purge waits for the save's lock"
        context = met("Doubt engulfs us.", form="engulfs")
        result = book._merge(saving, row, ENGULF, context, later, book.UNDO_WINDOW)
    purging.join()
    assert purged == [0] and result.outcome is Saved.ADDED
    with sessions() as session:
        entry = book.find_entry(session, **ME, lemma="engulf")
    assert entry is not None and [c.form for c in entry.contexts] == ["engulfs"]
