"""Which questions a quiz asks: a type for each word (rotating), its options, its right answer.

Every question is built from the learner's own sentence when there is one: the word in the
sentence it was saved from (meaning), that sentence with the word blanked (cloze), heard
(listening), or its Chinese to recall the English from (recall). A word saved with no sentence
can only be asked for its meaning or recalled from its gloss.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.learning.quiz_words import WordChoices, option_gloss

BLANK = "_____"
CHOICES = 4  # options in a multiple-choice question: the answer and three distractors


class QuestionKind(StrEnum):
    MEANING = "meaning"  # the word in its sentence → its Chinese gloss among 4 (a quiz poll)
    CLOZE = "cloze"  # the sentence with a blank and its Chinese → the word among 4 buttons
    LISTENING = "listening"  # the sentence heard, with a blank → type the word
    RECALL = "recall"  # the Chinese gloss and the sentence's translation → type the word

    @property
    def typed(self) -> bool:
        return self in (QuestionKind.LISTENING, QuestionKind.RECALL)


ROTATION = (QuestionKind.MEANING, QuestionKind.CLOZE, QuestionKind.RECALL, QuestionKind.LISTENING)
POLL_KINDS = (QuestionKind.MEANING, QuestionKind.CLOZE)  # what a group quiz can ask: polls everyone answers


@dataclass(frozen=True)
class QuizWord:
    """A word to ask about, with the sentence it was met in (if any). `saved_word_id` is None for a
    word of today's lesson that is not in the book: asked, but no schedule moves."""

    lemma: str
    gloss: str
    forms: tuple[str, ...] = ()
    form: str | None = None  # as written in the sentence
    sentence_en: str | None = None
    sentence_zh: str | None = None
    lesson_id: str | None = None
    card_number: int | None = None
    saved_word_id: int | None = None


@dataclass(frozen=True)
class PlannedQuestion:
    word: QuizWord
    kind: QuestionKind
    options: tuple[str, ...] = ()
    correct: int | None = None
    redrill: bool = False


def plan_quiz(
    words: Sequence[QuizWord],
    choices: WordChoices,
    rng: random.Random,
    *,
    kinds: Sequence[QuestionKind] = ROTATION,
) -> list[PlannedQuestion]:
    """One question per word, the types taking turns so a quiz never asks the same way twice running."""
    planned: list[PlannedQuestion] = []
    for number, word in enumerate(words):
        kind = _kind_for(word, number, kinds)
        planned.append(plan_question(word, kind, choices, rng))
    return planned


def plan_redrill(missed: PlannedQuestion, choices: WordChoices, rng: random.Random) -> PlannedQuestion:
    """A missed word, once more at the end, asked another way when it can be (a new angle, not a repeat)."""
    turn = ROTATION.index(missed.kind) + 1
    order = ROTATION[turn:] + ROTATION[:turn]
    kind = next((kind for kind in order if eligible(missed.word, kind)), missed.kind)
    return replace(plan_question(missed.word, kind, choices, rng), redrill=True)


def plan_question(
    word: QuizWord, kind: QuestionKind, choices: WordChoices, rng: random.Random
) -> PlannedQuestion:
    if kind is QuestionKind.MEANING:
        right = option_gloss(word.gloss)
        return _shuffled(
            word, kind, right, choices.gloss_distractors(word.lemma, word.gloss, CHOICES - 1, rng), rng
        )
    if kind is QuestionKind.CLOZE:
        return _shuffled(word, kind, word.lemma, choices.word_distractors(word.lemma, CHOICES - 1, rng), rng)
    return PlannedQuestion(word, kind)


def eligible(word: QuizWord, kind: QuestionKind) -> bool:
    if kind in (QuestionKind.MEANING, QuestionKind.RECALL):
        return bool(word.gloss)
    return blanked(word) is not None


def blanked(word: QuizWord) -> str | None:
    """The sentence with the word (as met) replaced by a blank, or None when it can't be found in it."""
    if not word.sentence_en:
        return None
    for form in _forms_longest_first(word):
        found = find_whole(word.sentence_en, form)
        if found is not None:
            start, end = found
            return word.sentence_en[:start] + BLANK + word.sentence_en[end:]
    return None


def find_whole(sentence: str, form: str) -> tuple[int, int] | None:
    """Where `form` stands in `sentence` as a whole word (any case), or None: "moat" in "moats" or
    "remoat" is not it. A plain search, not a regex: a day's quizzes look up thousands of different
    words, and compiling a pattern for each costs more than all the rest of planning them."""
    if not form:
        return None
    lowered, wanted = sentence.lower(), form.lower()
    if len(lowered) != len(sentence):  # a letter whose lowercase is longer (İ): positions would shift
        found = re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", sentence, re.IGNORECASE)
        return found.span() if found else None
    start = lowered.find(wanted)
    while start >= 0:
        end = start + len(wanted)
        before = lowered[start - 1] if start else " "
        after = lowered[end] if end < len(lowered) else " "
        if not _joins(before) and not _joins(after):
            return start, end
        start = lowered.find(wanted, start + 1)
    return None


def _joins(char: str) -> bool:
    """A character that would make the found form part of a longer word."""
    return char.isalnum() or char in "_-"


def _forms_longest_first(word: QuizWord) -> list[str]:
    forms = [form for form in (word.form, *word.forms, word.lemma) if form]
    return sorted(dict.fromkeys(forms), key=len, reverse=True)


def _kind_for(word: QuizWord, number: int, kinds: Sequence[QuestionKind]) -> QuestionKind:
    turn = number % len(kinds)
    order = list(kinds[turn:]) + list(kinds[:turn])
    return next((kind for kind in order if eligible(word, kind)), QuestionKind.MEANING)


def _shuffled(
    word: QuizWord, kind: QuestionKind, right: str, others: Sequence[str], rng: random.Random
) -> PlannedQuestion:
    """The right option among the others at a random place. Too few distractors (a rare word with
    no neighbours) leaves a question that can't be multiple choice: it is asked as a recall."""
    if len(others) < 1:
        return PlannedQuestion(word, QuestionKind.RECALL)
    options = [right, *others[: CHOICES - 1]]
    rng.shuffle(options)
    return PlannedQuestion(word, kind, tuple(options), options.index(right))
