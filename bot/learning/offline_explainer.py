"""Answers without an LLM, from what BuildSpeak already has: the dictionary, the expression glossary,
the card's own translation, and the library's other sentences that use the same word.

This is the answer when no model is configured, when the model fails, and when a learner's daily
AI questions are used up, so it must always work and never wait: everything here is in memory.
It returns data, not chat text; `bot/core/explanation_view.py` decides how it reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.learning.questions import Question
from bot.learning.usage_index import Usage, UsageIndex
from lessons.expressions import Expression, ExpressionGlossary
from lessons.vocabulary import EXAM_LEVELS, DictEntry, Dictionary, difficulty, key_words

MAX_WORDS = 4  # dictionary entries in one answer
MAX_EXAMPLES = 3
SENTENCE_WORDS = 5  # a term this long is a sentence: only its harder words are looked up
EXAM_LABELS = {
    "zk": "中考",
    "gk": "高考",
    "cet4": "四级",
    "cet6": "六级",
    "ky": "考研",
    "ielts": "雅思",
    "toefl": "托福",
    "gre": "GRE",
}
_WORD = re.compile(r"[A-Za-z]+(?:[-'’][A-Za-z]+)*")


@dataclass(frozen=True)
class WordNote:
    """A dictionary entry as an answer shows it: the word as asked and its lemma's entry."""

    word: str
    lemma: str
    phonetic: str
    gloss: str
    levels: tuple[str, ...]  # exam lists, in Chinese, easiest first: ("四级", "六级")
    forms: tuple[str, ...]  # the lemma's inflections: ("engulfed", "engulfing", "engulfs")


@dataclass(frozen=True)
class OfflineAnswer:
    """Everything found for a question; `missing` are the terms nothing was found for."""

    question: Question
    words: tuple[WordNote, ...] = ()
    expressions: tuple[Expression, ...] = ()
    examples_of: str | None = None
    examples: tuple[Usage, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to show beyond the card itself."""
        return not (self.words or self.expressions or self.examples)


class OfflineExplainer:
    def __init__(self, dictionary: Dictionary, glossary: ExpressionGlossary, usage: UsageIndex) -> None:
        self.dictionary = dictionary
        self.glossary = glossary
        self.usage = usage

    def explain(self, question: Question) -> OfflineAnswer:
        expressions = self._expressions(question)
        words: list[WordNote] = []
        missing: list[str] = []
        for term in question.focus:
            found = self._word_notes(term, whole_sentence=not question.terms)
            words += [note for note in found if note.lemma not in {w.lemma for w in words}]
            if not found and not any(_mentions(expression, term) for expression in expressions):
                missing.append(term)
        words = words[:MAX_WORDS]
        subject = _example_subject(question, expressions, words, self.dictionary)
        card = question.card
        examples = (
            self.usage.examples(
                subject,
                limit=MAX_EXAMPLES,
                exclude=card.sentence if card else None,
                other_than=card.lesson_id if card else None,
            )
            if subject
            else []
        )
        return OfflineAnswer(
            question=question,
            words=tuple(words),
            expressions=tuple(expressions),
            examples_of=subject if examples else None,
            examples=tuple(examples),
            missing=tuple(missing),
        )

    def _expressions(self, question: Question) -> list[Expression]:
        """Glossary entries asked about, and those of the card's sentence that share a word with them."""
        found: list[Expression] = []
        for term in question.focus:
            found += [e for e in (self.glossary.get(term), *self.glossary.find(term)) if e is not None]
        if question.card is not None and question.terms:
            asked = {word.lower() for term in question.terms for word in _WORD.findall(term)}
            for expression in self.glossary.find(question.card.sentence):
                if asked & {word.lower() for word in _WORD.findall(" ".join(expression.forms))}:
                    found.append(expression)
        return list({expression.phrase: expression for expression in found}.values())

    def _word_notes(self, term: str, *, whole_sentence: bool) -> list[WordNote]:
        """A single word is always looked up (it was asked); in a phrase or sentence, the harder ones."""
        words = _WORD.findall(term)
        if len(words) == 1:
            entry = self.dictionary.lookup(words[0])
            return [self._note(entry)] if entry is not None else []
        limit = MAX_WORDS if whole_sentence or len(words) >= SENTENCE_WORDS else 3
        notes = []
        for key_word in key_words(term, self.dictionary, limit=limit):
            entry = self.dictionary.lookup(key_word.word)
            if entry is not None:
                notes.append(self._note(entry))
        return notes

    def _note(self, entry: DictEntry) -> WordNote:
        tags = sorted((t for t in entry.exam_tags if t in EXAM_LABELS), key=lambda tag: EXAM_LEVELS[tag])
        return WordNote(
            word=entry.word,
            lemma=entry.lemma,
            phonetic=entry.phonetic,
            gloss=entry.gloss,
            levels=tuple(EXAM_LABELS[tag] for tag in tags),
            forms=self.dictionary.inflections(entry.lemma),
        )


def _mentions(expression: Expression, term: str) -> bool:
    lowered = term.lower()
    return any(form.lower() in lowered or lowered in form.lower() for form in expression.forms)


def _example_subject(
    question: Question, expressions: list[Expression], words: list[WordNote], dictionary: Dictionary
) -> str | None:
    """Whose library examples to show: the expression asked about, else the short term asked about,
    else (for a whole sentence) its hardest word."""
    if expressions:
        return expressions[0].phrase
    short = [term for term in question.terms if len(_WORD.findall(term)) < SENTENCE_WORDS]
    if short:
        return short[0]
    if not words:
        return None
    entries = [entry for note in words if (entry := dictionary.lookup(note.lemma)) is not None]
    return max(entries, key=difficulty).lemma if entries else words[0].lemma
