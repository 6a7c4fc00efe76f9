"""Where a quiz's words come from: a learner's vocabulary book, or a lesson's key words."""

from __future__ import annotations

from bot.core.shelf import LessonShelf
from bot.learning.quiz_plan import QuizWord
from bot.storage.vocabulary_book import BookEntry, WordSentences


def book_word(entry: BookEntry | WordSentences) -> QuizWord:
    """A saved word with the sentence it was saved from (the newest one that has a sentence)."""
    context = entry.sentences[0] if entry.sentences else (entry.contexts[0] if entry.contexts else None)
    forms = tuple(dict.fromkeys(c.form for c in entry.contexts if c.form))
    return QuizWord(
        lemma=entry.lemma,
        gloss=entry.gloss or entry.expression or "",
        forms=forms,
        form=context.form if context else None,
        sentence_en=context.sentence_en if context else None,
        sentence_zh=context.sentence_zh if context else None,
        lesson_id=context.lesson_id if context else None,
        card_number=context.card_number if context else None,
        saved_word_id=entry.id,
    )


def lesson_words(shelf: LessonShelf, lesson_id: str, limit: int) -> list[QuizWord]:
    """A lesson's key words, one per card in turn so the quiz covers the whole text."""
    lesson = shelf.catalog.lessons.get(lesson_id)
    if lesson is None:
        return []
    words: dict[str, QuizWord] = {}
    cards = shelf.deck(lesson).cards
    for rank in range(max((len(card.words) for card in cards), default=0)):
        for card in cards:
            if rank < len(card.words) and len(words) < limit:
                key = card.words[rank]
                words.setdefault(
                    key.lemma.lower(),
                    QuizWord(
                        lemma=key.lemma,
                        gloss=key.gloss,
                        forms=(key.word,),
                        form=key.word,
                        sentence_en=card.en,
                        sentence_zh=card.zh,
                        lesson_id=lesson_id,
                        card_number=card.number,
                    ),
                )
    return list(words.values())
