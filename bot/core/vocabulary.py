"""The vocabulary book's commands and buttons: /save, ⭐ and its word list, /words, /forget and its undo.

The book belongs to a person (their learner), not to a chat: a word saved
in a group lands in the same book as one saved in private. Reading the book
(/words, /export) is for the private chat only, since in a group it would show one
person's list to everyone. Every check of what was typed happens before anything
is looked up (even the message replied to), and a bad request saves nothing. Chinese
is refused too, but only after reading the replied-to card, whose key words may say
which English word was meant.
"""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session

from bot.core import vocabulary_view as view
from bot.core.actions import small_number
from bot.core.messages import Reply, RichText
from bot.core.quoted import LessonContext, quoted_lesson
from bot.core.turn import Turn
from bot.core.word_finder import Found, Pickable, WordFinder, item_name, pickable
from bot.core.word_input import Problem, chinese_of, parse_words
from bot.storage import learner_days
from bot.storage import vocabulary_book as book
from lessons.deck import Card, Deck


async def save(turn: Turn) -> list[Reply]:
    """/save WORD…, or /save in reply to a card (then its ⭐ list), or a friendly reason nothing was saved."""
    rest = turn.arg("words")
    parsed = parse_words(rest)
    if parsed.problem is not None and parsed.problem is not Problem.CHINESE:
        return [view.problem_reply(parsed.problem, parsed.culprit, "save")]
    around = await quoted_lesson(turn)  # only now: finding the quoted card may build a deck
    finder = WordFinder(turn.services.shelf)
    if parsed.problem is Problem.CHINESE:  # refused, but the card may say which English word was meant
        return [view.suggestion_reply(finder.suggest(chinese_of(rest), around, await turn.local_today()))]
    if not parsed.items:
        return [await _without_words(turn, around)]
    today = await turn.local_today()
    found: list[Found] = []
    unknown: list[str] = []
    for item in parsed.items:
        hit = finder.find(item, around, today)
        if hit is None:
            unknown.append(item)
        else:
            found.append(hit)
    return [view.saved_reply(await _save_all(turn, found), unknown)]


async def _without_words(turn: Turn, around: LessonContext | None) -> Reply:
    if around is None:
        return Reply(RichText.of(view.USAGE))
    if around.card is None:
        example = next((card.words[0].word for card in around.deck.cards if card.words), "engulfed")
        return Reply(RichText.of(view.WHOLE_LESSON.format(example=example)))
    if not pickable(around.card):
        return Reply(RichText.of(view.NO_KEY_WORDS))
    return view.picker_reply(around.key, around.card, await _ticks(turn, around.card))


async def star(turn: Turn, key: str, number: str) -> list[Reply]:
    """⭐ on a card: a new message listing the card's key words to pick from."""
    found = _card(turn, key, number)
    if found is None:
        return [Reply(notice=view.STALE_CARD)]
    _, card = found
    if not pickable(card):
        return [Reply(notice=view.NO_KEY_WORDS)]
    return [view.picker_reply(key, card, await _ticks(turn, card))]


async def pick(turn: Turn, key: str, number: str, which: str, tag: str) -> list[Reply]:
    """A word of the ⭐ list (or all of them) saved with its card; the list shows it ticked.

    `tag` names the words the button was made for: a list made before the card's words
    changed saves nothing and asks for a fresh ⭐, rather than a word its label does not show.
    """
    found = _card(turn, key, number)
    if found is None:
        return [Reply(notice=view.STALE_CARD)]
    deck, card = found
    items = pickable(card)
    if not items:
        return [Reply(notice=view.NO_KEY_WORDS)]
    chosen = _chosen(items, which)
    if not chosen or tag != view.words_tag(chosen):
        return [Reply(notice=view.WORD_LIST_CHANGED)]
    finder = WordFinder(turn.services.shelf)
    results = await _save_all(turn, [finder.picked(deck, card, item) for item in chosen])
    notice = _pick_notice(results)
    if turn.is_group:  # the list is everyone's message: don't tick it with one person's book
        return [Reply(notice=notice)]
    ticks = await _ticks(turn, card)
    return [replace(view.picker_reply(key, card, ticks, edit=True), notice=notice)]


def _chosen(items: list[Pickable], which: str) -> list[Pickable]:
    """The items a ⭐ button names: all of them, or the one at its index (none when out of range)."""
    if which == "all":
        return items
    index = small_number(which, digits=3)
    return [items[index]] if index is not None and index < len(items) else []


def _pick_notice(results: list[tuple[Found, book.SaveResult]]) -> str:
    if len(results) != 1:
        return f"⭐ 收藏了 {len(results)} 个词。/words 查看生词本"
    ((_, result),) = results
    if result.outcome is book.Saved.ALREADY:
        return f"✅ {result.entry.lemma} 已经在生词本里了。"
    return f"⭐ 已收藏 {result.entry.lemma}" + (f"：{result.entry.gloss[:60]}" if result.entry.gloss else "")


async def words(turn: Turn) -> list[Reply]:
    """/words: the book's first page; /words WORD: that word with all its sentences."""
    if turn.is_group:
        return [Reply(RichText.of(view.PRIVATE_BOOK.format(command="words")))]
    parsed = parse_words(turn.arg("word"))
    if parsed.problem is not None:
        return [view.problem_reply(parsed.problem, parsed.culprit, "words")]
    if not parsed.items:
        return await words_page(turn, "0", edit=False)
    entry = await _entry(turn, parsed.items[0])
    if entry is None:
        return [Reply(RichText.of(view.NOT_IN_BOOK.format(word=parsed.items[0])))]
    catalog = turn.services.shelf.catalog.lessons
    titles = {
        context.lesson_id: lesson.header.title
        for context in entry.contexts
        if context.lesson_id
        and (lesson := catalog.get(context.lesson_id)) is not None
        and lesson.header.title
    }
    return [view.entry_reply(entry, titles)]


async def words_page(turn: Turn, page: str, *, edit: bool = True) -> list[Reply]:
    """◀ ▶ under the book: the same message, another page."""
    if turn.is_group:
        return [Reply(notice=view.PRIVATE_BOOK.format(command="words")).for_asker()]

    def look(session: Session) -> book.BookPage:
        learner_id = turn.learner_id(session)
        book.purge_forgotten(session, now=turn.now, learner_id=learner_id)
        return book.book_page(
            session, learner_id=learner_id, page=small_number(page) or 0, size=view.PAGE_SIZE
        )

    return [view.page_reply(await turn.db(look), edit=edit, web_url=turn.services.web_url)]


async def forget(turn: Turn) -> list[Reply]:
    """/forget WORD: hidden at once, with an undo button that works for a minute."""
    parsed = parse_words(turn.arg("word"))
    if parsed.problem is not None:
        return [view.problem_reply(parsed.problem, parsed.culprit, "forget")]
    if len(parsed.items) != 1:
        return [Reply(RichText.of(view.FORGET_USAGE))]
    typed = parsed.items[0]
    entry = await _entry(turn, typed)
    if entry is None:
        return [Reply(RichText.of(view.NOT_IN_BOOK.format(word=typed)))]

    def hide(session: Session) -> book.BookEntry | None:
        learner_id = turn.learner_id(session)
        book.purge_forgotten(session, now=turn.now, learner_id=learner_id)
        return book.forget_word(session, learner_id=learner_id, lemma=entry.lemma, now=turn.now)

    forgotten = await turn.db(hide)
    if forgotten is None:
        return [Reply(RichText.of(view.NOT_IN_BOOK.format(word=typed)))]
    return [view.forgotten_reply(forgotten)]


async def undo_forget(turn: Turn, word_id: str) -> list[Reply]:
    """↩️ under a /forget answer: the word comes back whole, if its minute is not over."""
    number = small_number(word_id, digits=12)
    if number is None:
        return [Reply(notice=view.NOTHING_TO_UNDO)]
    outcome, entry = await turn.db(
        lambda session: book.undo_forget(
            session, learner_id=turn.learner_id(session), word_id=number, now=turn.now
        )
    )
    if outcome is book.Undone.RESTORED and entry is not None:
        return [Reply(RichText.of(view.RESTORED.format(lemma=entry.lemma)), edit=True, notice="↩️")]
    if outcome is book.Undone.EXPIRED:
        return [Reply(notice=view.UNDO_EXPIRED)]
    return [Reply(notice=view.NOTHING_TO_UNDO)]


async def _save_all(turn: Turn, found: list[Found]) -> list[tuple[Found, book.SaveResult]]:
    def save_each(session: Session) -> list[tuple[Found, book.SaveResult]]:
        learner = turn.learner(session)
        assert learner.id is not None
        saved = [
            (
                hit,
                book.save_word(
                    session, learner_id=learner.id, word=hit.word, context=hit.context, now=turn.now
                ),
            )
            for hit in found
        ]
        added = sum(result.outcome is book.Saved.ADDED for _, result in saved)
        if added:  # the day's count for /stats and the streak
            learner_days.bump(
                session, learner_id=learner.id, local_date=turn.learner_today(learner), words_saved=added
            )
            session.commit()
        return saved

    return await turn.db(save_each)


async def _entry(turn: Turn, typed: str) -> book.BookEntry | None:
    """The person's entry for a word as typed, as its lemma, as the expression it belongs to, or as met."""
    names = WordFinder(turn.services.shelf).names_for(typed)

    def find(session: Session) -> book.BookEntry | None:
        learner_id = turn.learner_id(session)
        for name in names:
            entry = book.find_entry(session, learner_id=learner_id, lemma=name)
            if entry is not None:
                return entry
        return book.find_by_form(session, learner_id=learner_id, form=typed)

    return await turn.db(find)


async def _ticks(turn: Turn, card: Card) -> set[str]:
    """Which of the card's words to tick: the person's saved ones, but none in a group, where the
    list is everyone's message and would show one person's book."""
    if turn.is_group:
        return set()
    names = [item_name(item) for item in pickable(card)]
    return await turn.db(
        lambda session: book.saved_lemmas(session, learner_id=turn.learner_id(session), lemmas=names)
    )


def _card(turn: Turn, key: str, number: str) -> tuple[Deck, Card] | None:
    lesson = turn.services.shelf.lesson(key)
    index = small_number(number)
    if lesson is None or index is None:
        return None
    deck = turn.services.shelf.deck(lesson)
    return (deck, deck.cards[index - 1]) if 1 <= index <= len(deck.cards) else None
