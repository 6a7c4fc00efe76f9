"""Quiz options for a saved word, checked against the product's rules on the bundled data; typed answers."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from bot.learning.quiz_words import (
    OPTION_CHARS,
    Match,
    WordChoices,
    gloss_senses,
    grade_typed,
    option_gloss,
    pos_class,
)
from lessons.expressions import Expression, ExpressionGlossary
from lessons.vocabulary import UNRANKED, DictEntry, Dictionary, default_dictionary_path, is_easy

SAMPLE_WORDS = [
    "engulf",
    "moat",
    "leverage",
    "latency",
    "robust",
    "deprecate",
    "intuitive",
    "pipeline",
    "quickly",
    "abandon",
]
# How far a distractor's frequency rank may be from the answer's, as a ratio, in the classes big
# enough to have words of every frequency (a conjunction may have no other of its rank).
RANK_RATIO = 3.0
OPEN_CLASSES = {"noun", "verb", "adj", "adv"}
NAME_MARKERS = ("人名", "男子名", "女子名", "姓氏")


@pytest.fixture(scope="module")
def dictionary() -> Dictionary:
    return Dictionary.load(default_dictionary_path())


@pytest.fixture(scope="module")
def glossary() -> ExpressionGlossary:
    return ExpressionGlossary.default()


@pytest.fixture(scope="module")
def choices(dictionary: Dictionary, glossary: ExpressionGlossary) -> WordChoices:
    return WordChoices(dictionary, glossary)


@pytest.fixture(scope="module")
def by_option(dictionary: Dictionary) -> dict[str, list[DictEntry]]:
    """Dictionary lines by the option their gloss makes, to tell which words a gloss option can be."""
    found: dict[str, list[DictEntry]] = defaultdict(list)
    for entry in dictionary.entries():
        found[option_gloss(entry.gloss)].append(entry)
    return found


def entry_of(dictionary: Dictionary, word: str) -> DictEntry:
    entry = dictionary.lookup(word)
    assert entry is not None, word
    return entry


def word_problems(dictionary: Dictionary, answer: str, candidate: DictEntry) -> list[str]:
    """The rules `candidate` breaks as a distractor for `answer`, checked from the data, not the index."""
    target = entry_of(dictionary, answer)
    word, problems = candidate.word, []
    if dictionary.headword(word) != word or candidate.lemma != word or len(word) < 3:
        problems.append("not a lowercase headword lemma of 3+ letters")
    if (pos_class(candidate.gloss) or "noun") != (pos_class(target.gloss) or "noun"):
        problems.append(f"another part of speech: {candidate.gloss}")
    ours, theirs = target.frequency_rank or UNRANKED, candidate.frequency_rank
    if theirs is None:
        problems.append("unranked")
    elif pos_class(target.gloss) in OPEN_CLASSES and max(ours, theirs) / min(ours, theirs) > RANK_RATIO:
        problems.append(f"rank {theirs} far from {ours}")
    if gloss_senses(candidate.gloss) & gloss_senses(target.gloss):
        problems.append("shares a sense")
    if answer in candidate.gloss.lower():
        problems.append("its gloss names the answer")
    if word[:5] == answer[:5] or word.startswith(answer) or answer.startswith(word):
        problems.append("same stem")
    if word in dictionary.inflections(answer) or entry_of(dictionary, word).lemma == target.lemma:
        problems.append("a form of the answer")
    if any(marker in candidate.gloss for marker in NAME_MARKERS) or pos_class(candidate.gloss) == "abbr":
        problems.append("a name or an abbreviation")
    if is_easy(candidate) and not is_easy(target):
        problems.append("a school word for a harder answer")
    return problems


def assert_words_fit(dictionary: Dictionary, answer: str, words: list[str]) -> None:
    entries = [entry_of(dictionary, word) for word in words]
    assert len(set(words)) == len(words)
    for word, entry in zip(words, entries, strict=True):
        assert word == entry.word, f"{word} is not a headword"
        assert word_problems(dictionary, answer, entry) == [], (answer, word)
    assert_no_shared_sense([entry.gloss for entry in entries])


def assert_glosses_fit(
    dictionary: Dictionary, by_option: dict[str, list[DictEntry]], answer: str, options: list[str]
) -> None:
    """Each option is the option of some word that may be a distractor; options differ in sense."""
    right = option_gloss(entry_of(dictionary, answer).gloss)
    assert len(set(options)) == len(options) and right not in options
    for option in options:
        assert len(option) <= OPTION_CHARS
        assert pos_class(option) == pos_class(right), (answer, option)
        sources = by_option.get(option, [])
        assert any(not word_problems(dictionary, answer, source) for source in sources), (answer, option)
    assert_no_shared_sense(options)


def assert_no_shared_sense(glosses: list[str]) -> None:
    senses = [gloss_senses(gloss) for gloss in glosses]
    for i, mine in enumerate(senses):
        for other in senses[:i]:
            assert not mine & other, glosses


# ---------------------------------------------------------------- dictionary words


@pytest.mark.parametrize("answer", SAMPLE_WORDS)
def test_cloze_distractors_are_other_words_of_the_same_kind_and_level(
    choices: WordChoices, dictionary: Dictionary, answer: str
) -> None:
    for seed in range(5):
        words = choices.word_distractors(answer, 3, random.Random(seed))
        assert len(words) == 3
        assert_words_fit(dictionary, answer, words)


@pytest.mark.parametrize("answer", SAMPLE_WORDS)
def test_gloss_distractors_are_glosses_of_such_words_cut_like_the_answer(
    choices: WordChoices, dictionary: Dictionary, by_option: dict[str, list[DictEntry]], answer: str
) -> None:
    gloss = entry_of(dictionary, answer).gloss
    for seed in range(5):
        options = choices.gloss_distractors(answer, gloss, 3, random.Random(seed))
        assert len(options) == 3
        assert_glosses_fit(dictionary, by_option, answer, options)


def test_the_same_seed_gives_the_same_options_and_another_seed_others(choices: WordChoices) -> None:
    gloss = "vt. 卷入, 吸进, 吞没"
    first = [choices.gloss_distractors("engulf", gloss, 3, random.Random(42)) for _ in range(2)]
    assert first[0] == first[1]
    assert choices.word_distractors("engulf", 3, random.Random(7)) == choices.word_distractors(
        "engulf", 3, random.Random(7)
    )
    others = {tuple(choices.word_distractors("engulf", 3, random.Random(seed))) for seed in range(10)}
    assert len(others) > 5


def test_a_word_met_inflected_is_asked_about_by_its_lemma(
    choices: WordChoices, dictionary: Dictionary
) -> None:
    words = choices.word_distractors("Engulfed", 3, random.Random(1))
    assert_words_fit(dictionary, "engulf", words)


def test_rules_hold_for_300_random_words_of_middle_frequency(
    choices: WordChoices, dictionary: Dictionary, by_option: dict[str, list[DictEntry]]
) -> None:
    candidates = sorted(
        entry.word
        for entry in dictionary.entries()
        if entry.lemma == entry.word
        and entry.word.isalpha()
        and entry.word.islower()
        and 2000 <= (entry.frequency_rank or 0) <= 20000
        and pos_class(entry.gloss) not in (None, "abbr")
        and not any(marker in entry.gloss for marker in NAME_MARKERS)
    )
    rng = random.Random(2024)
    for answer in rng.sample(candidates, 300):
        words = choices.word_distractors(answer, 3, rng)
        assert len(words) == 3, answer
        assert_words_fit(dictionary, answer, words)
        options = choices.gloss_distractors(answer, entry_of(dictionary, answer).gloss, 3, rng)
        assert len(options) == 3, answer
        assert_glosses_fit(dictionary, by_option, answer, options)


def test_a_class_too_small_for_the_rules_gives_fewer_options_rather_than_break_them(
    choices: WordChoices, dictionary: Dictionary
) -> None:
    assert choices.word_distractors("the", 3, random.Random(1)) == []  # the only article left
    modals = choices.word_distractors("should", 3, random.Random(1))
    assert modals and all(pos_class(entry_of(dictionary, word).gloss) == "aux" for word in modals)


def test_a_saved_gloss_without_a_part_of_speech_gets_options_without_one(choices: WordChoices) -> None:
    options = choices.gloss_distractors("kubernetes", "容器编排系统", 3, random.Random(3))
    assert len(options) == 3
    assert all(pos_class(option) is None and len(option) <= OPTION_CHARS for option in options)


# ---------------------------------------------------------------- expressions


def test_moat_saved_as_the_builder_expression_is_asked_with_other_expressions(
    choices: WordChoices, glossary: ExpressionGlossary
) -> None:
    moat = glossary.get("moat")
    assert moat is not None
    meanings = {option_gloss(expression.zh) for expression in glossary if expression is not moat}
    options = choices.gloss_distractors("moat", moat.zh, 3, random.Random(5))
    assert len(set(options)) == 3 and set(options) <= meanings
    assert all("moat" not in option.lower() and len(option) <= OPTION_CHARS for option in options)
    assert_no_shared_sense([moat.zh, *options])


def test_a_phrase_blank_is_filled_with_other_expressions_of_as_many_words(
    choices: WordChoices, glossary: ExpressionGlossary
) -> None:
    phrases = {expression.phrase for expression in glossary}
    for seed in range(5):
        options = choices.word_distractors("napkin math", 3, random.Random(seed))
        assert len(set(options)) == 3 and set(options) <= phrases - {"napkin math"}
        assert all(len(option.replace("-", " ").split()) == 2 for option in options)  # "nerd-sniped" too
        senses = [gloss_senses(glossary.get(option).zh) for option in options]  # type: ignore[union-attr]
        assert not any(sense & gloss_senses(glossary.get("napkin math").zh) for sense in senses)  # type: ignore[union-attr]


def test_expressions_of_one_family_are_never_options_for_each_other(choices: WordChoices) -> None:
    for seed in range(20):
        options = choices.word_distractors("vibe coding", 3, random.Random(seed))
        assert not {"vibe check", "vibes"} & set(options)
        abbreviations = choices.word_distractors("imo", 3, random.Random(seed))
        assert "imho" not in abbreviations  # its meaning names imo


def test_a_small_glossary_falls_back_to_dictionary_nouns_of_middle_frequency(dictionary: Dictionary) -> None:
    expressions = [
        Expression(
            phrase="napkin math", variants=(), kind="idiom", zh="「餐巾纸上的算术」：粗略的估算", example="-"
        ),
        Expression(phrase="ship it", variants=(), kind="idiom", zh="「发出去！」：直接发布上线", example="-"),
    ]
    choices = WordChoices(dictionary, ExpressionGlossary(expressions))
    words = choices.word_distractors("napkin math", 3, random.Random(1))
    assert words[0] == "ship it"
    for word in words[1:]:
        entry = entry_of(dictionary, word)
        assert pos_class(entry.gloss) == "noun" and entry.frequency_rank is not None
        assert UNRANKED / RANK_RATIO <= entry.frequency_rank <= UNRANKED * RANK_RATIO
        assert not word.startswith(("napki", "math"))
    options = choices.gloss_distractors("napkin math", expressions[0].zh, 3, random.Random(1))
    assert options[0] == option_gloss(expressions[1].zh)
    assert all(pos_class(option) is None for option in options)  # formatted like the answer: no "n."


# ---------------------------------------------------------------- option_gloss


def test_option_gloss_keeps_the_part_of_speech_and_two_senses_of_the_first() -> None:
    assert option_gloss("vt. 卷入, 吸进, 吞没") == "vt. 卷入, 吸进"
    assert option_gloss("n. 壕沟, 护城河; vt. 将...围以壕沟") == "n. 壕沟, 护城河"
    assert option_gloss("n. 潜伏, 潜在; [计] 传输时间, 传输延迟时间") == "n. 潜伏, 潜在"
    assert option_gloss("a. 直觉的") == "a. 直觉的"
    assert option_gloss("vt. 卷入, 吸进, 吞没", pos=False) == "卷入, 吸进"
    yak_shaving = "「剃牦牛毛」：为了做 A 得先做 B，为了 B 又得先做 C……一路陷进与原目标相隔很远的琐事里。"
    assert option_gloss(yak_shaving) == "「剃牦牛毛」：为了做 A 得先做 B"  # two senses would be too long


def test_option_gloss_leaves_out_english_that_would_name_the_expression() -> None:
    moat = "「护城河」：企业难以被复制的竞争优势；AI 圈常争论模型公司到底有没有 moat。"
    assert option_gloss(moat) == "「护城河」：企业难以被复制的竞争优势"
    assert (
        option_gloss("「发布 / 上线」：builder 语境里 ship 作动词，指把产品交付给用户") == "「发布 / 上线」"
    )
    assert option_gloss("in my opinion 的缩写，意思是「我觉得 / 依我看」。用来标明") == (
        "in my opinion 的缩写，意思是「我觉得 / 依我看」"
    )


def test_option_gloss_cuts_a_long_sense_to_the_limit() -> None:
    long = "n. " + "很长的一个意思" * 10 + ", 第二个"
    option = option_gloss(long)
    assert len(option) == OPTION_CHARS and option.startswith("n. 很长") and option.endswith("…")


def test_every_dictionary_gloss_makes_an_option_within_the_limit(dictionary: Dictionary) -> None:
    for entry in dictionary.entries():
        option = option_gloss(entry.gloss)
        assert len(option) <= OPTION_CHARS, entry.word
        assert pos_class(option) == pos_class(entry.gloss) or pos_class(entry.gloss) is None


# ---------------------------------------------------------------- typed answers


@pytest.mark.parametrize(
    ("typed", "lemma", "expected"),
    [
        ("engulf", "engulf", Match.EXACT),
        ("ENGULF", "engulf", Match.EXACT),
        ("  engulf!  ", "engulf", Match.EXACT),
        ('"engulf".', "engulf", Match.EXACT),
        ("“engulf”", "engulf", Match.EXACT),
        ("「engulf」。", "engulf", Match.EXACT),
        ("《engulf》！", "engulf", Match.EXACT),
        ("ｅｎｇｕｌｆ", "engulf", Match.EXACT),
        ("engulfed", "engulf", Match.INFLECTED),
        ("Engulfing", "engulf", Match.INFLECTED),
        ("engulfs。", "engulf", Match.INFLECTED),
        ("went", "go", Match.INFLECTED),
        ("latencies", "latency", Match.INFLECTED),
        ("latancy", "latency", Match.TYPO),  # a letter replaced
        ("latnecy", "latency", Match.TYPO),  # neighbours swapped
        ("latenc", "latency", Match.TYPO),  # a letter left out
        ("latencyy", "latency", Match.TYPO),  # a letter added
        ("engulfd", "engulf", Match.TYPO),  # a slip in a form of the word
        ("latanci", "latency", Match.WRONG),  # two slips
        ("modle", "model", Match.WRONG),  # a slip in a 5-letter word
        ("mdoel", "model", Match.WRONG),
        ("effect", "affect", Match.WRONG),  # another word, not a slip
        ("robust", "latency", Match.WRONG),
        ("", "latency", Match.WRONG),
        ("  。！ ", "latency", Match.WRONG),
        ("Napkin   Math", "napkin math", Match.EXACT),
        ("“napkin math”", "napkin math", Match.EXACT),
        ("napkin-math", "napkin math", Match.EXACT),
        ("napkin，math", "napkin math", Match.EXACT),
        ("napkn math", "napkin math", Match.TYPO),
        ("napkn mth", "napkin math", Match.WRONG),
        ("napkin", "napkin math", Match.WRONG),
        ("shipped it", "ship it", Match.INFLECTED),
        ("don’t be a hero", "don't be a hero", Match.EXACT),
        ("it’s so over", "it's so over", Match.EXACT),
        ("tldr", "TL;DR", Match.EXACT),
    ],
)
def test_typed_answers_are_graded_leniently(
    dictionary: Dictionary, typed: str, lemma: str, expected: Match
) -> None:
    assert grade_typed(typed, lemma, dictionary) == expected


def test_the_forms_a_word_was_met_in_count_as_inflections(dictionary: Dictionary) -> None:
    assert grade_typed("vibe-coded", "vibe coding", dictionary) == Match.INFLECTED  # coded, coding: code
    assert grade_typed("skill issues", "skill issue", dictionary) == Match.INFLECTED
    assert grade_typed("nerdsniped", "nerd-sniped", dictionary) == Match.TYPO  # one space left out
    assert grade_typed("nerdsnipe", "nerd-sniped", dictionary) == Match.WRONG
    assert grade_typed("nerdsnipe", "nerd-sniped", dictionary, forms=["nerdsnipe"]) == Match.INFLECTED
    assert grade_typed("finetuned", "finetune", dictionary, forms=["finetuned"]) == Match.INFLECTED
    assert grade_typed("finetunned", "finetune", dictionary, forms=["finetuned"]) == Match.TYPO
