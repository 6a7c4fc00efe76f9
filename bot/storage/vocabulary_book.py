"""The vocabulary book (生词本): a person's saved words, each with the sentences it was met in.

Each entry is also a card on the review schedule (`review_cards`), started when the entry is.
One entry per lemma and learner (whatever platform they saved it from): saving a word again adds the new
sentence to the entry instead of a second entry. /forget only hides an entry (sets
`forgotten_at`) so its undo button can bring it back whole; a forgotten entry whose undo
has expired is deleted by `purge_forgotten`, or replaced when the word is saved again.

Reads return plain frozen dataclasses, never live rows, so callers can use them after
the session is closed. Every write commits before returning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.storage.review_cards import start_card
from bot.storage.tables import SavedWord, WordContext

UNDO_WINDOW = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class NewWord:
    """What the dictionary or glossary says about a word being saved."""

    lemma: str
    phonetic: str | None = None
    gloss: str | None = None
    expression: str | None = None  # the builder-expression note, when it is one


@dataclass(frozen=True)
class NewContext:
    """Where the word was met. `sentence_en` is None when it was typed with no card to go with it."""

    form: str
    sentence_en: str | None = None
    sentence_zh: str | None = None
    lesson_id: str | None = None
    card_number: int | None = None
    author: str | None = None
    source_url: str | None = None


@dataclass(frozen=True)
class SavedContext:
    form: str
    sentence_en: str | None
    sentence_zh: str | None
    lesson_id: str | None
    card_number: int | None
    author: str | None
    source_url: str | None
    saved_at: dt.datetime


@dataclass(frozen=True)
class BookEntry:
    """One word of the book with its contexts, newest first."""

    id: int
    lemma: str
    phonetic: str | None
    gloss: str | None
    expression: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    contexts: tuple[SavedContext, ...]

    @property
    def sentences(self) -> tuple[SavedContext, ...]:
        """The contexts that have a sentence (a word typed in a fresh chat may have none)."""
        return tuple(context for context in self.contexts if context.sentence_en)


class Saved(StrEnum):
    ADDED = "added"  # a new entry
    MERGED = "merged"  # an existing entry got this new sentence
    ALREADY = "already"  # the entry already had this sentence: nothing changed


@dataclass(frozen=True)
class SaveResult:
    outcome: Saved
    entry: BookEntry


@dataclass(frozen=True)
class BookPage:
    entries: tuple[BookEntry, ...]
    total: int
    page: int  # 0-based, clamped into range
    pages: int


class Undone(StrEnum):
    RESTORED = "restored"
    EXPIRED = "expired"  # the minute is over: the entry stays forgotten
    NOTHING = "nothing"  # not forgotten (already back, or saved again) or not this person's


def save_word(
    session: Session,
    *,
    learner_id: int,
    word: NewWord,
    context: NewContext,
    now: dt.datetime,
    undo_window: dt.timedelta = UNDO_WINDOW,
) -> SaveResult:
    """Add a word, or merge it into the entry with the same lemma (any case).

    A forgotten entry still inside its undo minute comes back with its old sentences (the
    person changed their mind); one past it is replaced by a fresh entry. Two saves of a
    new lemma at the same moment meet the unique constraint: the loser merges into the winner.
    """
    existing = _find_row(session, learner_id=learner_id, lemma=word.lemma, lock=True)
    if existing is None:
        row = SavedWord(
            learner_id=learner_id,
            lemma=word.lemma,
            phonetic=word.phonetic,
            gloss=word.gloss,
            expression=word.expression,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            existing = _find_row(session, learner_id=learner_id, lemma=word.lemma, lock=True)
            if existing is None:
                raise
        else:
            assert row.id is not None
            session.add(_context_row(row.id, context, now))
            start_card(session, saved_word_id=row.id, learner_id=learner_id, now=now)
            session.commit()
            return SaveResult(Saved.ADDED, _entry(session, row))
    return _merge(session, existing, word, context, now, undo_window)


def _merge(
    session: Session,
    row: SavedWord,
    word: NewWord,
    context: NewContext,
    now: dt.datetime,
    undo_window: dt.timedelta,
) -> SaveResult:
    assert row.id is not None
    outcome = Saved.MERGED
    if row.forgotten_at is not None:
        if now - row.forgotten_at > undo_window:  # the forget was final: start the entry afresh
            _delete_contexts(session, row.id)
            start_card(session, saved_word_id=row.id, learner_id=row.learner_id, now=now)
            row.created_at = now
            row.phonetic, row.gloss, row.expression = word.phonetic, word.gloss, word.expression
            outcome = Saved.ADDED
        row.forgotten_at = None
    # What the entry lacked, the new save may know (the first save had no dictionary entry).
    row.phonetic = row.phonetic or word.phonetic
    row.gloss = row.gloss or word.gloss
    row.expression = row.expression or word.expression
    known = _contexts(session, [row.id]).get(row.id, [])
    sentence = context.sentence_en
    new_sentence = sentence is not None and all(c.sentence_en != sentence for c in known)
    if new_sentence or not known:
        session.add(_context_row(row.id, context, now))
    elif outcome is Saved.MERGED:
        outcome = Saved.ALREADY
    row.updated_at = now  # saved again counts as saved last: it moves to the top of /words
    session.add(row)
    session.commit()
    return SaveResult(outcome, _entry(session, row))


def find_entry(session: Session, *, learner_id: int, lemma: str) -> BookEntry | None:
    """The person's entry for `lemma` (any case) with all its contexts, unless forgotten."""
    row = _find_row(session, learner_id=learner_id, lemma=lemma)
    if row is None or row.forgotten_at is not None:
        return None
    return _entry(session, row)


def find_by_form(session: Session, *, learner_id: int, form: str) -> BookEntry | None:
    """The person's entry that was met as `form` ("disabled" finds "disable" saved from that form)."""
    statement = (
        select(SavedWord)
        .join(WordContext, col(WordContext.saved_word_id) == col(SavedWord.id))
        .where(
            *_owner(learner_id),
            col(SavedWord.forgotten_at).is_(None),
            func.lower(WordContext.form) == form.lower(),
        )
        .order_by(col(SavedWord.updated_at).desc())
    )
    row = session.exec(statement).first()
    return _entry(session, row) if row is not None else None


def saved_lemmas(session: Session, *, learner_id: int, lemmas: list[str]) -> set[str]:
    """Which of `lemmas` (compared lowercase) the person has in the book now; lowercase."""
    wanted = {lemma.lower() for lemma in lemmas}
    if not wanted:
        return set()
    statement = select(SavedWord.lemma).where(
        *_owner(learner_id),
        col(SavedWord.forgotten_at).is_(None),
        func.lower(SavedWord.lemma).in_(wanted),
    )
    return {lemma.lower() for lemma in session.exec(statement)}


def count_words(session: Session, *, learner_id: int) -> int:
    statement = select(func.count()).where(*_owner(learner_id), col(SavedWord.forgotten_at).is_(None))
    return session.exec(statement).one()


def book_page(session: Session, *, learner_id: int, page: int, size: int) -> BookPage:
    """Page `page` of the book, last saved first; a page past the end shows the last one."""
    total = count_words(session, learner_id=learner_id)
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    statement = (
        select(SavedWord)
        .where(*_owner(learner_id), col(SavedWord.forgotten_at).is_(None))
        .order_by(col(SavedWord.updated_at).desc(), col(SavedWord.id).desc())
        .offset(page * size)
        .limit(size)
    )
    rows = list(session.exec(statement))
    return BookPage(_entries(session, rows), total, page, pages)


def export_entries(session: Session, *, learner_id: int) -> list[BookEntry]:
    """The whole book, last saved first, each entry with all its contexts."""
    statement = (
        select(SavedWord)
        .where(*_owner(learner_id), col(SavedWord.forgotten_at).is_(None))
        .order_by(col(SavedWord.updated_at).desc(), col(SavedWord.id).desc())
    )
    return list(_entries(session, list(session.exec(statement))))


def entries_by_ids(session: Session, *, learner_id: int, ids: list[int]) -> list[BookEntry]:
    """The person's entries with these ids (forgotten ones left out), in the order of `ids`."""
    if not ids:
        return []
    statement = select(SavedWord).where(
        *_owner(learner_id), col(SavedWord.id).in_(ids), col(SavedWord.forgotten_at).is_(None)
    )
    found = {entry.id: entry for entry in _entries(session, list(session.exec(statement)))}
    return [found[word_id] for word_id in ids if word_id in found]


@dataclass(frozen=True)
class MetIn:
    """A sentence an entry was met in, as a quiz asks it (no dates, no source)."""

    form: str
    sentence_en: str | None
    sentence_zh: str | None
    lesson_id: str | None
    card_number: int | None


@dataclass(frozen=True)
class WordSentences:
    """An entry as a quiz needs it: the word, its gloss, its sentences newest first. Read for a push
    page of thousands of entries, it leaves out the dates a `BookEntry` converts (a quarter of the
    time such a read took)."""

    id: int
    lemma: str
    gloss: str | None
    expression: str | None
    contexts: tuple[MetIn, ...]

    @property
    def sentences(self) -> tuple[MetIn, ...]:
        return tuple(context for context in self.contexts if context.sentence_en)


def sentences_by_id(session: Session, ids: list[int]) -> dict[int, WordSentences]:
    """Entries of any learners by id, forgotten ones left out, in two plain queries (rows as tuples)."""
    if not ids:
        return {}
    word = SavedWord.__table__.c  # type: ignore[attr-defined]
    met = WordContext.__table__.c  # type: ignore[attr-defined]
    words = session.execute(
        select(word.id, word.lemma, word.gloss, word.expression).where(
            word.id.in_(ids), word.forgotten_at.is_(None)
        )
    ).all()
    contexts: dict[int, list[MetIn]] = {}
    statement = (
        select(met.saved_word_id, met.form, met.sentence_en, met.sentence_zh, met.lesson_id, met.card_number)
        .where(met.saved_word_id.in_([row.id for row in words]))
        .order_by(met.saved_word_id, met.id.desc())  # saved later, id higher: newest first
    )
    for word_id, *fields in session.execute(statement):
        contexts.setdefault(word_id, []).append(MetIn(*fields))
    return {
        row.id: WordSentences(row.id, row.lemma, row.gloss, row.expression, tuple(contexts.get(row.id, ())))
        for row in words
    }


def forget_word(session: Session, *, learner_id: int, lemma: str, now: dt.datetime) -> BookEntry | None:
    """Hide the entry (its undo can bring it back); None when the person has no such word."""
    row = _find_row(session, learner_id=learner_id, lemma=lemma)
    if row is None or row.forgotten_at is not None:
        return None
    entry = _entry(session, row)
    row.forgotten_at = now
    session.add(row)
    session.commit()
    return entry


def undo_forget(
    session: Session,
    *,
    learner_id: int,
    word_id: int,
    now: dt.datetime,
    undo_window: dt.timedelta = UNDO_WINDOW,
) -> tuple[Undone, BookEntry | None]:
    """Bring a forgotten entry back if its minute is not over. Someone else's entry is never touched."""
    row = session.get(SavedWord, word_id, with_for_update=True)  # a purge running now waits, or wins
    if row is None or row.learner_id != learner_id or row.forgotten_at is None:
        return Undone.NOTHING, None
    if now - row.forgotten_at > undo_window:
        return Undone.EXPIRED, None
    row.forgotten_at = None
    session.add(row)
    session.commit()
    return Undone.RESTORED, _entry(session, row)


def purge_forgotten(
    session: Session,
    *,
    now: dt.datetime,
    undo_window: dt.timedelta = UNDO_WINDOW,
    learner_id: int | None = None,
) -> int:
    """Delete forgotten entries whose undo has expired (one person's, or everyone's); how many went.

    One DELETE that carries the whole condition, its contexts going by the foreign key's cascade:
    choosing ids first and deleting them after would also delete a word saved again (or undone)
    in between, although that person was just told it is saved. PostgreSQL re-checks the condition
    on a row another transaction changed, and SQLite lets no other writer in during the statement.
    """
    expired = [
        col(SavedWord.forgotten_at).is_not(None),
        col(SavedWord.forgotten_at) < now - undo_window,
    ]
    if learner_id is not None:
        expired += _owner(learner_id)
    statement = delete(SavedWord).where(*expired).execution_options(synchronize_session=False)
    deleted = session.exec(statement).rowcount
    session.commit()
    return deleted


# --- helpers -----------------------------------------------------------------------------------


def _owner(learner_id: int) -> tuple[Any, ...]:
    return (col(SavedWord.learner_id) == learner_id,)


def _find_row(session: Session, *, learner_id: int, lemma: str, lock: bool = False) -> SavedWord | None:
    same_lemma = func.lower(SavedWord.lemma) == lemma.lower()
    statement = select(SavedWord).where(*_owner(learner_id), same_lemma)
    if lock:  # PostgreSQL serializes concurrent merges into one entry; SQLite locks the whole file anyway
        statement = statement.with_for_update()
    return session.exec(statement.order_by(col(SavedWord.id))).first()


def _context_row(word_id: int, context: NewContext, now: dt.datetime) -> WordContext:
    return WordContext(
        saved_word_id=word_id,
        form=context.form,
        sentence_en=context.sentence_en,
        sentence_zh=context.sentence_zh,
        lesson_id=context.lesson_id,
        card_number=context.card_number,
        author=context.author,
        source_url=context.source_url,
        saved_at=now,
    )


def _delete_contexts(session: Session, word_id: int) -> None:
    session.exec(delete(WordContext).where(col(WordContext.saved_word_id) == word_id))


def _contexts(session: Session, word_ids: list[int]) -> dict[int, list[WordContext]]:
    if not word_ids:
        return {}
    statement = (
        select(WordContext)
        .where(col(WordContext.saved_word_id).in_(word_ids))
        .order_by(col(WordContext.saved_at).desc(), col(WordContext.id).desc())
    )
    found: dict[int, list[WordContext]] = {}
    for context in session.exec(statement):
        found.setdefault(context.saved_word_id, []).append(context)
    return found


def _entry(session: Session, row: SavedWord) -> BookEntry:
    return _entries(session, [row])[0]


def _entries(session: Session, rows: list[SavedWord]) -> tuple[BookEntry, ...]:
    contexts = _contexts(session, [row.id for row in rows if row.id is not None])
    return tuple(
        BookEntry(
            id=row.id,
            lemma=row.lemma,
            phonetic=row.phonetic,
            gloss=row.gloss,
            expression=row.expression,
            created_at=row.created_at,
            updated_at=row.updated_at,
            contexts=tuple(_saved_context(context) for context in contexts.get(row.id, [])),
        )
        for row in rows
        if row.id is not None
    )


def _saved_context(context: WordContext) -> SavedContext:
    return SavedContext(
        form=context.form,
        sentence_en=context.sentence_en,
        sentence_zh=context.sentence_zh,
        lesson_id=context.lesson_id,
        card_number=context.card_number,
        author=context.author,
        source_url=context.source_url,
        saved_at=context.saved_at,
    )
