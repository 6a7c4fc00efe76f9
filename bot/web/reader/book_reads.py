"""The vocabulary book as the 生词本 page reads it: one page of a learner's entries (or of a search
in them) with their sentences, the count of words due, and the learner's timezone.

Read as plain rows (SQLAlchemy Core, no ORM objects): the page is asked for far more often than the
book changes, and building ORM rows and then `BookEntry`s for fifty entries took most of the time
a page cost (as `vocabulary_book.sentences_by_id` found for the quiz push). Five small queries
whatever the book's size: the timezone, a count, one page of words, their sentences, the due count.
The order is the chat's book's (last saved first; sentences newest first). Every query is scoped by
the learner. These reads sit beside the page only because `bot.storage.vocabulary_book` had another
owner this time; they follow its rules (session first, keyword arguments, frozen rows out).

`book_version` is what the page asks on every visit before anything else: one statement of small
index reads that moves whenever what the page shows may have changed, so a page built before can be
served again while it has not (see `BookVersion`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, or_, select
from sqlmodel import Session

from bot.storage.tables import Learner, ReviewCard, SavedWord, WordContext
from bot.storage.vocabulary_book import SavedContext

LIKE_ESCAPE = "\\"
WORD = SavedWord.__table__.c  # type: ignore[attr-defined]
MET = WordContext.__table__.c  # type: ignore[attr-defined]
CARD = ReviewCard.__table__.c  # type: ignore[attr-defined]
LEARNER = Learner.__table__.c  # type: ignore[attr-defined]


@dataclass(frozen=True)
class WordRow:
    id: int
    lemma: str
    phonetic: str | None
    gloss: str | None
    expression: str | None
    met: tuple[SavedContext, ...]  # newest first


@dataclass(frozen=True)
class PageRows:
    words: tuple[WordRow, ...]
    total: int  # in the book, or found by the search
    page: int  # 0-based, clamped into range: a page past the end shows the last one
    pages: int


@dataclass(frozen=True)
class BookVersion:
    """Where a learner's book stands, as one value: equal versions, the same page (with the library
    generation, the search and page asked for), so a page kept from an equal version is the page.

    What the page shows changes only through rows of `saved_words` (an entry's words and sentences
    are written with it) and the due count, and each change moves one of these, whichever process
    made it (the chat's /save in another worker, the page's 忘记 and 撤销, a review in a quiz):

    * a word saved: `shown` grows and `newest` becomes its moment;
    * saved again (a new sentence merged in, a missing gloss filled, moved to the top of the book):
      the entry's `updated_at` becomes the saving moment, on the system clock later than every
      save before it, so `newest` moves (a test's clock that stands still must be moved on);
    * forgotten: `shown` shrinks, `forgotten` grows, `last_forgotten` and `forgotten_ids` move;
    * undone (or saved again while forgotten): `shown` grows, `forgotten` and `forgotten_ids` shrink
      (so one forgotten and another brought back at once is still a change: the ids differ; and
      should sums of ids ever coincide, a forget since has its own `last_forgotten`);
    * a forgotten entry purged for good: `forgotten` shrinks (the page is the same: built again);
    * a review moving a word due by tonight, or no longer due: `due`.

    The learner's timezone comes with it, read in the same statement: it says which `by` the due
    count is for, so a caller guessing the end of the learner's day can check its guess.
    """

    shown: int  # entries not forgotten
    newest: dt.datetime | None  # the latest `updated_at` among them
    forgotten: int  # entries hidden by 忘记, their undo minute running (or over, not yet purged)
    last_forgotten: dt.datetime | None
    forgotten_ids: int  # their ids added up: which ones they are, not just how many
    due: int  # words due by the end of the learner's day, as `due_count` counts them
    timezone: str | None  # the learner's, which says when their day ends (None: the bot's default)


def _version_statement() -> Select[Any]:
    """`book_version`'s one statement, built once: its counts and maxima are each one index range
    (the learner's entries shown, or forgotten, over `ix_saved_words_book`; their cards due, over
    `ix_review_cards_learner_id_due`), read together with the learner's timezone."""
    learner, by = bindparam("learner_id"), bindparam("by", type_=CARD.due.type)
    shown = (WORD.learner_id == learner, WORD.forgotten_at.is_(None))
    hidden = (WORD.learner_id == learner, WORD.forgotten_at.is_not(None))
    due_cards = (CARD.learner_id == learner, CARD.due <= by)
    return select(
        select(func.count()).select_from(SavedWord).where(*shown).scalar_subquery(),
        select(func.max(WORD.updated_at)).where(*shown).scalar_subquery(),
        select(func.count()).select_from(SavedWord).where(*hidden).scalar_subquery(),
        select(func.max(WORD.forgotten_at)).where(*hidden).scalar_subquery(),
        select(func.coalesce(func.sum(WORD.id), 0)).where(*hidden).scalar_subquery(),
        select(func.count()).select_from(ReviewCard).where(*due_cards).scalar_subquery(),
        # Of those, the forgotten entries' (asked from the entries' side: they are few, the cards many).
        select(func.count())
        .select_from(SavedWord)
        .where(*hidden, exists().where(CARD.saved_word_id == WORD.id, *due_cards))
        .scalar_subquery(),
        select(LEARNER.timezone).where(LEARNER.id == learner).scalar_subquery(),
    )


VERSION = _version_statement()


def book_version(session: Session, *, learner_id: int, by: dt.datetime) -> BookVersion:
    """The learner's `BookVersion`, words due by `by`: one statement, a few index reads (the due
    count is the cards due by then less those of forgotten entries, which are few). Run on the
    session's connection, as Core: the page asks it on every visit, and the ORM's part of an
    execution cost more than the reads."""
    row = session.connection().execute(VERSION, {"learner_id": learner_id, "by": by}).one()
    shown, newest, forgotten, last_forgotten, forgotten_ids, due, due_forgotten, timezone = row
    return BookVersion(shown, newest, forgotten, last_forgotten, forgotten_ids, due - due_forgotten, timezone)


def page_rows(session: Session, *, learner_id: int, query: str, page: int, size: int) -> PageRows:
    """Page `page` of the learner's book, or of the entries whose lemma, gloss or a form met
    contains `query` (any case; "" for the whole book)."""
    wanted = [WORD.learner_id == learner_id, WORD.forgotten_at.is_(None)]
    if query:
        wanted.append(_matches(query))
    total = session.execute(select(func.count()).select_from(SavedWord).where(*wanted)).scalar_one()
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    words = session.execute(
        select(WORD.id, WORD.lemma, WORD.phonetic, WORD.gloss, WORD.expression)
        .where(*wanted)
        .order_by(WORD.updated_at.desc(), WORD.id.desc())
        .offset(page * size)
        .limit(size)
    ).all()
    met = _met(session, [row.id for row in words])
    found = tuple(WordRow(*row, met=tuple(met.get(row.id, ()))) for row in words)
    return PageRows(found, total, page, pages)


def due_count(session: Session, *, learner_id: int, by: dt.datetime) -> int:
    """How many of the learner's words the schedule wants reviewed by `by` (forgotten ones are off it)."""
    statement = (
        select(func.count())
        .select_from(ReviewCard)
        .join(SavedWord, WORD.id == CARD.saved_word_id)
        .where(CARD.learner_id == learner_id, CARD.due <= by, WORD.forgotten_at.is_(None))
    )
    return session.execute(statement).scalar_one()


def learner_timezone(session: Session, *, learner_id: int) -> str | None:
    """The timezone the learner set (None: they set none, or there is no such learner)."""
    return session.execute(select(LEARNER.timezone).where(LEARNER.id == learner_id)).scalar_one_or_none()


def _met(session: Session, word_ids: list[int]) -> dict[int, list[SavedContext]]:
    if not word_ids:
        return {}
    statement = (
        select(
            MET.saved_word_id,
            MET.form,
            MET.sentence_en,
            MET.sentence_zh,
            MET.lesson_id,
            MET.card_number,
            MET.author,
            MET.source_url,
            MET.saved_at,
        )
        .where(MET.saved_word_id.in_(word_ids))
        .order_by(MET.saved_word_id, MET.saved_at.desc(), MET.id.desc())
    )
    found: dict[int, list[SavedContext]] = {}
    for word_id, *fields in session.execute(statement):
        found.setdefault(word_id, []).append(SavedContext(*fields))
    return found


def _matches(query: str) -> Any:
    pattern = f"%{_escaped(query.lower())}%"
    met_as = (
        select(MET.id)
        .where(MET.saved_word_id == WORD.id, func.lower(MET.form).like(pattern, escape=LIKE_ESCAPE))
        .exists()
    )
    return or_(
        func.lower(WORD.lemma).like(pattern, escape=LIKE_ESCAPE),
        func.lower(WORD.gloss).like(pattern, escape=LIKE_ESCAPE),
        met_as,
    )


def _escaped(text: str) -> str:
    """The query taken literally: % and _ typed are characters to find, not wildcards."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return text
