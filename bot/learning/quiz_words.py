"""Wrong options for a quiz about a saved word, and lenient grading of a typed answer.

A multiple-choice question teaches only if every wrong option is plausible: a real word of the
same part of speech and about as common as the answer, so the learner cannot rule it out by
its shape, register or length. It must also be unambiguously wrong: never a synonym, another
sense of the answer or a word of its family, or a learner who knows the word could pick it and
be told they are wrong. `WordChoices` indexes the dictionary once so that a question costs
microseconds; a review session builds many.

A typed answer is graded for knowing the word, not for typing on a phone with a Chinese
keyboard: case, full-width letters, Chinese quotes and punctuation, another form of the word and
a single slip in a long word all pass (`grade_typed`).
"""

from __future__ import annotations

import random
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from itertools import chain

from lessons.expressions import Expression, ExpressionGlossary
from lessons.vocabulary import UNRANKED, DictEntry, Dictionary, is_easy

# A poll option holds 100 characters; a gloss option keeps to this so that the right one, cut the
# same way, never stands out by its length.
OPTION_CHARS = 40
OPTION_SENSES = 2
MIN_DISTRACTOR_LENGTH = 3
# Words sharing this many first letters are taken for one family ("deprecate", "deprecation").
STEM_LETTERS = 5
# The rank window around the answer's is widened by these factors until enough words pass; past
# the last one the answer's whole part of speech is searched, nearest rank first.
RANK_FACTORS = (1.15, 1.3, 1.6, 2.0, 3.0)
# Random draws in one window before widening it: a few per option wanted, as most candidates pass.
DRAWS_PER_OPTION = 4
EXTRA_DRAWS = 8
# A typed word this long may have one slip (Damerau-Levenshtein distance 1) and still count.
TYPO_MIN_LETTERS = 6
PROFILE_CACHE_SIZE = 65_536  # two keys a word (with and without its gloss): the vocabulary of 100,000 books

# ECDICT's part-of-speech prefixes, folded into the classes a distractor must share.
POS_CLASSES = {
    "n": "noun",
    "pl": "noun",
    "vbl": "noun",
    "v": "verb",
    "vt": "verb",
    "vi": "verb",
    "aux": "aux",
    "a": "adj",
    "adj": "adj",
    "adv": "adv",
    "prep": "prep",
    "pron": "pron",
    "num": "num",
    "conj": "conj",
    "art": "art",
    "interj": "interj",
    "int": "interj",
    "abbr": "abbr",
}
# The class asked about with when there is no other: a gloss with no POS prefix ("[计] 数据") is
# nearly always a noun's, and abbreviations are never distractors.
DEFAULT_POS = "noun"
# Parts of speech whose words with neither an exam tag nor a phonetic are mostly real
# ("needlessly", "beveled"); in the other classes such words are mostly corpus noise ("lin", "xiv").
OPEN_CLASSES = frozenset(["adv", "adj", "verb"])
# Phrase words too common to make two expressions one family ("that ship has sailed" and "ship it" are).
PHRASE_STOPWORDS = frozenset(
    ["that", "this", "with", "from", "into", "your", "have", "just", "what", "it's", "don't", "let's"]
)

# A gloss's POS prefix, the first of stacked ones kept ("vt.vi. 细看" is a verb's).
_POS_PREFIX = re.compile(r"^\s*([a-z]+)\.(?:[a-z]+\.)*\s*")
# Senses are split on these; "。" too, which only the glossary's Chinese prose uses.
_SENSE_SEPARATOR = re.compile(r"[,;，；。]")
# Where a gloss's second part of speech or field begins ("n. 壕沟, 护城河; vt. 将...围以壕沟").
_NEXT_POS = re.compile(r"[;；]\s*(?:[a-z]+\.\s|\[)")
_BRACKETED = re.compile(r"\[[^\]]*\]|【[^】]*】|<[^>]*>|（[^）]*）|\([^)]*\)")
_SENSE_EDGES = " \t\u3000.…「」『』“”\"'：:"
# Names, places and brands are never distractors. ECDICT marks them in a bracketed note: "（人名）",
# "（女名）", "（英国一城市）", "（…品牌名）", or a note cut short ("（希腊神话中男子名, …"); "[人名]"
# glosses have no POS prefix and are out already.
_PROPER_NOTE = re.compile(r"[（(][^）)]*(?:名|城市|郡|州|国|市|岛|品牌|公司)|人名|姓氏|地名")
_HAS_LATIN = re.compile(r"[A-Za-z]{2}")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_DICTIONARY_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "`": "'"})
_TYPED_GAP = re.compile(r"[\s\-\u2010-\u2015,、]+")  # spaces, hyphens and dashes, commas


# ---------------------------------------------------------------- glosses


def option_gloss(gloss: str, *, pos: bool = True) -> str:
    """A gloss cut to fit a poll option: its first part of speech, at most two senses, ≤ 40 characters.

    The quiz formats the right answer with this too, so that it cannot be told from the wrong
    ones by being longer or differently written. `pos=False` drops the prefix, for options next
    to an answer that has none (a glossary expression's meaning). English after the meaning is
    left out, a second sense or what follows "「…」：": in the glossary's prose it is mostly an
    example that names the expression ("…；AI 圈常争论模型公司到底有没有 moat"), a giveaway.
    """
    text = " ".join(gloss.split())
    prefix, body = "", text
    match = _POS_PREFIX.match(text)
    if match and match.group(1) in POS_CLASSES:
        prefix, body = f"{match.group(1)}. " if pos else "", text[match.end() :]
    body = _NEXT_POS.split(body, maxsplit=1)[0]
    cuts = [separator.start() for separator in _SENSE_SEPARATOR.finditer(body)]
    option = prefix + body
    for senses in range(OPTION_SENSES, 0, -1):
        end = cuts[senses - 1] if len(cuts) >= senses else len(body)
        if senses > 1 and cuts and _HAS_LATIN.search(body[cuts[0] : end]):
            continue
        kept, colon, explained = body[:end].partition("：")
        if not colon or not _HAS_LATIN.search(explained):
            kept = body[:end]  # else "「发布 / 上线」：builder 语境里 ship 作动词" → "「发布 / 上线」"
        option = prefix + kept.strip(" ,;，；。")
        if len(option) <= OPTION_CHARS:
            return option
    return option[: OPTION_CHARS - 1].rstrip() + "…"


def gloss_senses(gloss: str) -> frozenset[str]:
    """The Chinese senses of a gloss, bare: "vt. (使)结合; [计] 连接" → {"结合", "连接"}.

    Two words that share one of these are synonyms to a learner: never an answer and its
    distractor, nor two distractors of one question.
    """
    senses = set()
    for part in _SENSE_SEPARATOR.split(_BRACKETED.sub("", gloss)):
        sense = _POS_PREFIX.sub("", part).strip(_SENSE_EDGES)
        if sense:
            senses.add(sense)
    return frozenset(senses)


def pos_class(gloss: str) -> str | None:
    """The part of speech a gloss starts with, folded ("vt." and "vi." are both "verb"), if any."""
    match = _POS_PREFIX.match(gloss)
    return POS_CLASSES.get(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class _Senses:
    """A gloss's senses, kept ready for `_clash`: the set, and those of two characters or more joined."""

    all: frozenset[str]
    long: tuple[str, ...]
    joined: str
    single: tuple[str, ...]  # one-character senses: 吞 (gulp) is a near-synonym of 吞没 (engulf)

    @classmethod
    def of(cls, senses: frozenset[str]) -> _Senses:
        long = tuple(sense for sense in senses if len(sense) >= 2)
        single = tuple(sense for sense in senses if len(sense) == 1 and "\u4e00" <= sense <= "\u9fff")
        return cls(senses, long, "\0".join(long), single)


def _clash(ours: _Senses, theirs: _Senses) -> bool:
    """Whether two glosses share a sense, or a sense of two characters or more holds one of the other.

    Containment catches the near-synonyms the exact test misses ("吞没" and "吞没一切"). A sense of
    one Chinese character counts when another's sense holds it ("吞" for gulp and "吞没" for
    engulf): a one-character sense is a whole meaning, not a fragment of one.
    """
    if not ours.all.isdisjoint(theirs.all):
        return True
    for sense in (*ours.long, *ours.single):  # loops, not any(): this runs for every candidate drawn
        if sense in theirs.joined:
            return True
    for sense in (*theirs.long, *theirs.single):  # noqa: SIM110 - as above
        if sense in ours.joined:
            return True
    return False


# ---------------------------------------------------------------- what is indexed


@dataclass(frozen=True, slots=True)
class _Word:
    """A dictionary word that may be offered as a wrong option, with what the checks need precomputed."""

    word: str
    stem: str
    rank: int
    senses: _Senses
    gloss: str
    option: str
    latin: str  # the gloss in lowercase if it has Latin letters ("(=tarpaulin)防水布"), else ""
    easy: bool

    def shown(self, pos: bool) -> str:
        """Its option: as indexed, or without the POS prefix next to an answer that has none (rare)."""
        return self.option if pos else option_gloss(self.gloss, pos=False)


@dataclass(frozen=True, slots=True)
class _Phrase:
    """A glossary expression that may be offered as a wrong option."""

    phrase: str
    keys: tuple[str, ...]
    stems: frozenset[str]
    senses: _Senses
    options: tuple[str, str]  # its meaning as an option: without, with a POS prefix (if it has one)
    zh_lower: str
    abbreviation: bool
    length: int


@dataclass(frozen=True, slots=True)
class _Answer:
    """What the checks need to know about the right answer, worked out once per word."""

    key: str
    family: frozenset[str]
    stems: frozenset[str]
    short_stems: tuple[str, ...]
    senses: _Senses
    glosses: str  # its glosses in lowercase, to find a word they name ("= tarpaulin")
    pos: str
    rank: int
    easy: bool
    has_pos: bool
    expression: bool
    abbreviation: bool
    length: int


# ---------------------------------------------------------------- choosing


class WordChoices:
    """Distractors for quiz questions, from the dictionary and the glossary indexed once.

    Dictionary words are grouped by part of speech and sorted by frequency rank, so a question
    only bisects to the answer's rank and draws around it; every rule a wrong option must meet
    is a set, prefix or substring test on data prepared here.
    """

    def __init__(self, dictionary: Dictionary, glossary: ExpressionGlossary) -> None:
        self._dictionary = dictionary
        self._glossary = glossary
        pools: dict[str, list[_Word]] = {}
        for entry in dictionary.entries():
            word = _distractor_word(entry)
            if word is not None:
                pools.setdefault(pos_class(entry.gloss) or DEFAULT_POS, []).append(word)
        self._pools = {pos: sorted(words, key=lambda w: (w.rank, w.word)) for pos, words in pools.items()}
        self._ranks = {pos: [word.rank for word in words] for pos, words in self._pools.items()}
        self._phrases = [_phrase(expression) for expression in glossary]
        # Expressions by shape: (abbreviation?, number of words), and (abbreviation?, None) for any number.
        self._alike: dict[tuple[bool, int | None], list[_Phrase]] = {}
        for phrase in self._phrases:
            for length in (phrase.length, None):
                self._alike.setdefault((phrase.abbreviation, length), []).append(phrase)
        self._profiles: dict[tuple[str, str | None], _Answer] = {}

    def gloss_distractors(self, lemma: str, gloss: str, count: int, rng: random.Random) -> list[str]:
        """Glosses of `count` other words to offer next to `gloss` in "what does `lemma` mean?".

        Formatted by `option_gloss`, without the POS prefix when `gloss` has none. Fewer than
        `count` only if the dictionary has no more words that meet every rule.
        """
        answer = self._profile(lemma, gloss)
        if not answer.expression:
            return [word.shown(answer.has_pos) for word in self._pick_words(answer, count, rng)]
        found = [phrase.options[answer.has_pos] for phrase in self._pick_phrases(answer, count, rng)]
        if len(found) < count:
            found += [
                word.shown(answer.has_pos) for word in self._pick_middle(answer, count - len(found), rng)
            ]
        return found

    def word_distractors(self, lemma: str, count: int, rng: random.Random) -> list[str]:
        """`count` other words (expressions, for an expression) to offer in a fill-the-blank question."""
        answer = self._profile(lemma, None)
        if not answer.expression:
            return [word.word for word in self._pick_words(answer, count, rng)]
        found = [phrase.phrase for phrase in self._pick_phrases(answer, count, rng, by_length=True)]
        if len(found) < count:
            found += [word.word for word in self._pick_middle(answer, count - len(found), rng)]
        return found

    # ------------------------------------------------------------ the answer

    def _profile(self, lemma: str, gloss: str | None) -> _Answer:
        """The answer's profile, cached: a review asks about the same few hundred words again and again."""
        profile = self._profiles.get((lemma, gloss))
        if profile is None:
            if len(self._profiles) >= PROFILE_CACHE_SIZE:
                self._profiles.clear()
            profile = self._profiles[lemma, gloss] = self._build_profile(lemma, gloss)
        return profile

    def _build_profile(self, lemma: str, gloss: str | None) -> _Answer:
        """Decide between dictionary and glossary, and gather all the answer must not share.

        A single dictionary word is asked about with dictionary words; a phrase, or a word saved
        with its glossary meaning ("moat" as 「护城河」：竞争优势), with other expressions.
        """
        key, spelled = _phrase_key(lemma), lemma.strip().lower()  # "well known", "well-known"
        expression = self._glossary.get(key)
        entry = self._dictionary.lookup(spelled) if spelled and len(spelled.split()) == 1 else None
        glosses = [text for text in (gloss, entry.gloss if entry else None) if text]
        family = {key, spelled}
        if entry is not None:
            family.update(
                [entry.lemma.lower(), *(form.lower() for form in self._dictionary.inflections(spelled))]
            )
        if expression is not None:
            glosses.append(expression.zh)
            family.update(_phrase_key(form) for form in expression.forms)
        by_meaning = expression is not None and gloss is not None and _same_meaning(gloss, expression.zh)
        pos = pos_class(gloss or "") or (pos_class(entry.gloss) if entry else None) or DEFAULT_POS
        stems = {spelled[:STEM_LETTERS], entry.lemma.lower()[:STEM_LETTERS]} if entry else _content_stems(key)
        return _Answer(
            key=key,
            family=frozenset(family),
            stems=frozenset(stems),
            short_stems=tuple(stem for stem in stems if len(stem) < STEM_LETTERS),
            senses=_Senses.of(frozenset().union(*(gloss_senses(text) for text in glosses))),
            glosses=" ".join(glosses).lower(),
            pos=pos if pos in self._pools else DEFAULT_POS,
            rank=(entry.frequency_rank if entry else None) or UNRANKED,
            easy=entry is not None and is_easy(entry),
            has_pos=gloss is None or pos_class(gloss) is not None,
            expression=(entry is None and (expression is not None or len(key.split()) > 1)) or by_meaning,
            abbreviation=expression is not None and expression.kind == "abbreviation",
            length=len(key.split()),
        )

    def _pick_middle(self, answer: _Answer, count: int, rng: random.Random) -> list[_Word]:
        """Nouns of middle frequency: the fallback when the glossary runs out of expressions."""
        return self._pick_words(replace(answer, pos=DEFAULT_POS, rank=UNRANKED, easy=False), count, rng)

    # ------------------------------------------------------------ dictionary words

    def _pick_words(self, answer: _Answer, count: int, rng: random.Random) -> list[_Word]:
        """Draw at random in a rank window around the answer's, widening it until `count` words pass."""
        chosen: list[_Word] = []
        if count <= 0:
            return chosen
        pool, ranks = self._pools[answer.pos], self._ranks[answer.pos]
        tried: set[int] = set()
        draw = rng.random
        for factor in RANK_FACTORS:
            lo, hi = bisect_left(ranks, answer.rank / factor), bisect_right(ranks, answer.rank * factor)
            size = hi - lo
            for _ in range(min(DRAWS_PER_OPTION * (count - len(chosen)) + EXTRA_DRAWS, 2 * size)):
                index = lo + int(draw() * size)
                if index not in tried:
                    tried.add(index)
                    if _word_fits(pool[index], answer, chosen):
                        chosen.append(pool[index])
                        if len(chosen) == count:
                            return chosen
        for index in _outward(bisect_left(ranks, answer.rank), len(pool)):
            if index not in tried and _word_fits(pool[index], answer, chosen):
                chosen.append(pool[index])
                if len(chosen) == count:
                    break
        return chosen

    # ------------------------------------------------------------ glossary expressions

    def _pick_phrases(
        self, answer: _Answer, count: int, rng: random.Random, *, by_length: bool = False
    ) -> list[_Phrase]:
        """Other expressions, alike ones first: abbreviations for an abbreviation, and for a blank the
        same number of words, so that no option gives itself away by its shape."""
        tiers = [self._alike.get((answer.abbreviation, answer.length), [])] if by_length else []
        tiers += [self._alike.get((answer.abbreviation, None), []), self._phrases]
        chosen: list[_Phrase] = []
        for members in tiers:
            if len(chosen) < count:
                _add_phrases(members, answer, count, rng, chosen)
        return chosen


def _add_phrases(
    members: Sequence[_Phrase], answer: _Answer, count: int, rng: random.Random, chosen: list[_Phrase]
) -> None:
    """Add expressions from `members` to `chosen` until it holds `count`: random draws, then a scan."""
    size = len(members)
    if not size:
        return
    tried: set[int] = set()
    draws = DRAWS_PER_OPTION * (count - len(chosen)) + EXTRA_DRAWS
    start = int(rng.random() * size)
    for index in chain(_draws(rng, size, draws), _outward(start, size)):
        if index in tried:
            continue
        tried.add(index)
        phrase = members[index]
        if all(phrase is not other for other in chosen) and _phrase_fits(phrase, answer, chosen):
            chosen.append(phrase)
            if len(chosen) == count:
                return


def _draws(rng: random.Random, size: int, draws: int) -> Iterable[int]:
    """`draws` random indices of a list of `size`, drawn only as needed."""
    for _ in range(draws):
        yield int(rng.random() * size)


def _outward(start: int, size: int) -> Iterable[int]:
    """Every index of a list of `size`, nearest to `start` first: once random draws fall short."""
    for distance in range(size + 1):
        for index in (start - distance - 1, start + distance):
            if 0 <= index < size:
                yield index


# ---------------------------------------------------------------- the rules


def _word_fits(word: _Word, answer: _Answer, chosen: Sequence[_Word]) -> bool:
    """Whether a dictionary word may be a wrong option for `answer` next to those already chosen."""
    if word.easy and not answer.easy:
        return False  # a school word next to a harder one is ruled out at a glance
    if _kin(word, answer) or (word.latin and any(form in word.latin for form in answer.family)):
        return False  # a form of the answer explains it ("wimpy: 懦弱的(=wimpish)" for "impish")
    if word.word in answer.glosses and _mentions(answer.glosses, word.word):
        return False  # the answer's gloss names it ("= tarpaulin")
    if _clash(word.senses, answer.senses):
        return False
    for other in chosen:
        if _same_family(word.word, other.word) or _clash(word.senses, other.senses):
            return False
    return True


def _kin(word: _Word, answer: _Answer) -> bool:
    """Whether `word` is of the answer's family: a form of it, a shared stem, or one starting the other."""
    if word.word in answer.family or word.stem in answer.stems:
        return True
    if any(word.word.startswith(stem) for stem in answer.short_stems):
        return True
    return len(word.word) < STEM_LETTERS and any(stem.startswith(word.word) for stem in answer.stems)


def _same_family(word: str, other: str) -> bool:
    """Whether two words look like one family to a learner: a shared stem, or one starting the other."""
    return word[:STEM_LETTERS] == other[:STEM_LETTERS] or word.startswith(other) or other.startswith(word)


def _phrase_fits(phrase: _Phrase, answer: _Answer, chosen: Sequence[_Phrase]) -> bool:
    """Whether an expression may be a wrong option for `answer` next to those already chosen."""
    if not answer.family.isdisjoint(phrase.keys) or not phrase.stems.isdisjoint(answer.stems):
        return False
    if any(_mentions(phrase.zh_lower, form) for form in answer.family) or any(
        _mentions(answer.glosses, key) for key in phrase.keys
    ):
        return False  # one explains itself by the other ("imho: 比 imo 多一层客气")
    if _clash(phrase.senses, answer.senses):
        return False
    return not any(
        not phrase.stems.isdisjoint(other.stems) or _clash(phrase.senses, other.senses) for other in chosen
    )


def _mentions(text: str, words: str) -> bool:
    """Whether `text` (lowercase) has `words` as whole words: "imo" is in "比 imo 多", not in "imoji"."""
    if words not in text:
        return False
    return re.search(rf"(?<![a-z0-9]){re.escape(words)}(?![a-z0-9])", text) is not None


# ---------------------------------------------------------------- indexing


def _distractor_word(entry: DictEntry) -> _Word | None:
    """The entry as a possible distractor, or None for what must never be one.

    Inflected lines ("taped") repeat their lemma; names, places, brands, acronyms, capitalised and
    unranked words and glosses with no Chinese sense are ruled out here, once. ECDICT also has
    lowercase proper nouns from corpus counts ("lanka: n. 兰卡", "warwick: n. 沃里克（英国…城市）"):
    those with neither exam tag nor phonetic, or with a bracketed note naming a place or brand, go too.
    """
    word, gloss = entry.word, entry.gloss
    if entry.lemma != word or entry.frequency_rank is None or not _DICTIONARY_WORD.fullmatch(word):
        return None
    pos = pos_class(gloss)
    if pos in (None, "abbr") or len(word) < MIN_DISTRACTOR_LENGTH or _PROPER_NOTE.search(gloss):
        return None
    if pos not in OPEN_CLASSES and not entry.exam_tags and not entry.phonetic:
        return None
    option = option_gloss(gloss)
    senses = gloss_senses(gloss)
    if not senses or not _CJK.search(option):
        return None
    return _Word(
        word=word,
        stem=word[:STEM_LETTERS],
        rank=entry.frequency_rank,
        senses=_Senses.of(senses),
        gloss=gloss,
        option=option,
        latin=gloss.lower() if _HAS_LATIN.search(_POS_PREFIX.sub("", gloss)) else "",
        easy=is_easy(entry),
    )


def _phrase(expression: Expression) -> _Phrase:
    keys = tuple(dict.fromkeys(_phrase_key(form) for form in expression.forms))
    return _Phrase(
        phrase=expression.phrase,
        keys=keys,
        stems=frozenset().union(*(_content_stems(key) for key in keys)),
        senses=_Senses.of(gloss_senses(expression.zh)),
        options=(option_gloss(expression.zh, pos=False), option_gloss(expression.zh)),
        zh_lower=expression.zh.lower(),
        abbreviation=expression.kind == "abbreviation",
        length=len(keys[0].split()),
    )


def _phrase_key(text: str) -> str:
    """A word or phrase as compared: lowercase, straight apostrophes, hyphens as spaces, single-spaced."""
    return " ".join(text.lower().translate(_APOSTROPHES).replace("-", " ").split())


def _content_stems(key: str) -> frozenset[str]:
    """The stems that make two expressions one family ("vibe coding", "vibes"); a word's own stem."""
    words = key.split()
    if len(words) <= 1:
        return frozenset(word[:STEM_LETTERS] for word in words)
    return frozenset(w[:STEM_LETTERS] for w in words if len(w) >= 4 and w not in PHRASE_STOPWORDS)


def _same_meaning(gloss: str, zh: str) -> bool:
    """Whether a saved gloss is an expression's meaning, in full or cut as an option shows it."""
    return option_gloss(gloss) == option_gloss(zh)


# ---------------------------------------------------------------- typed answers


class Match(StrEnum):
    """How a typed answer compares with the word asked for."""

    EXACT = "exact"  # right
    INFLECTED = "inflected"  # another form of the same lemma: right ("engulfed" for engulf)
    TYPO = "typo"  # one typo in a word of 6+ letters: right, but with a hint (rated Hard)
    WRONG = "wrong"


def grade_typed(typed: str, lemma: str, dictionary: Dictionary, *, forms: Iterable[str] = ()) -> Match:
    """Grade a typed answer for knowing `lemma`, forgiving what is only typing.

    Case, full-width letters, surrounding punctuation and quotes (Chinese ones too), curly
    apostrophes and extra spaces never count; any form of the lemma (the dictionary's, or one of
    `forms`, those the word was met in) is right. One slip (an insertion, deletion, substitution
    or swap of neighbours) in a word of six letters or more is a typo; in a shorter word it is
    too likely another word. A slip that makes another dictionary word ("effect" for "affect")
    is a confusion, not a typo. A phrase is compared word by word, with one slip in all.
    """
    answer, target = typed_words(typed), typed_words(lemma)
    if not answer or not target:
        return Match.WRONG
    if answer == target:
        return Match.EXACT
    accepted = [typed_words(form) for form in forms]
    if answer in accepted:
        return Match.INFLECTED
    if len(answer) == len(target):
        alike = [form for form in accepted if len(form) == len(target)]
        grades = [
            _grade_word(word, target[i], {form[i] for form in alike}, dictionary)
            for i, word in enumerate(answer)
        ]
        return _combine(grades)
    whole = " ".join(answer)
    if any(_is_typo(whole, " ".join(form)) for form in (target, *accepted)):
        return Match.TYPO  # a slip across words: "set up" for "setup", "napkinmath" for "napkin math"
    return Match.WRONG


def typed_words(text: str) -> list[str]:
    """A typed answer as the words it is compared by: NFKC, lowercase, letters, digits and apostrophes.

    Hyphens count as spaces ("low-hanging" = "low hanging"); other punctuation, quotes and
    symbols are dropped, so 「engulf」, “engulf”, engulf。 and "engulf!" are all engulf, and
    "tldr" is "TL;DR". Apostrophes stay inside a word ("don't"), straightened.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    words = (_letters(word) for word in _TYPED_GAP.split(folded))
    return [word for word in words if word]


def _letters(word: str) -> str:
    """`word`'s letters, digits and inner apostrophes, of any script."""
    kept = "".join(char for char in word if char == "'" or unicodedata.category(char)[0] in "LN")
    return kept.strip("'")


def _grade_word(typed: str, target: str, met_forms: set[str], dictionary: Dictionary) -> Match:
    """One word against one word of the answer: the same, another form, a slip, or wrong."""
    if typed == target:
        return Match.EXACT
    accepted = {target, *met_forms, *(form.lower() for form in dictionary.inflections(target))}
    if typed in accepted or _same_lemma(typed, target, dictionary):
        return Match.INFLECTED
    if not any(_is_typo(typed, form) for form in accepted):
        return Match.WRONG
    return Match.WRONG if dictionary.lookup(typed) is not None else Match.TYPO


def _same_lemma(typed: str, target: str, dictionary: Dictionary) -> bool:
    """Whether the dictionary leads both words to one lemma ("went" and "go", "coded" and "coding")."""
    typed_entry = dictionary.lookup(typed)
    if typed_entry is None:
        return False
    target_entry = dictionary.lookup(target)
    return typed_entry.lemma.lower() in {target, target_entry.lemma.lower() if target_entry else target}


def _combine(grades: Sequence[Match]) -> Match:
    """A phrase's grade from its words': one slip in all is a typo, two are wrong."""
    if Match.WRONG in grades or grades.count(Match.TYPO) > 1:
        return Match.WRONG
    if Match.TYPO in grades:
        return Match.TYPO
    return Match.INFLECTED if Match.INFLECTED in grades else Match.EXACT


def _is_typo(typed: str, target: str) -> bool:
    """Damerau-Levenshtein distance exactly 1 from a target of TYPO_MIN_LETTERS letters or more."""
    if typed == target or abs(len(typed) - len(target)) > 1:
        return False
    if sum(letter.isalpha() for letter in target) < TYPO_MIN_LETTERS:
        return False
    i = 0
    while i < min(len(typed), len(target)) and typed[i] == target[i]:
        i += 1
    if len(typed) == len(target):
        if typed[i + 1 :] == target[i + 1 :]:
            return True  # one letter replaced
        swapped = i + 1 < len(typed) and typed[i] == target[i + 1] and typed[i + 1] == target[i]
        return swapped and typed[i + 2 :] == target[i + 2 :]
    longer, shorter = (typed, target) if len(typed) > len(target) else (target, typed)
    return longer[i + 1 :] == shorter[i:]  # one letter added or left out
