"""Key words for a sentence card: lemma, phonetic and a short Chinese gloss from a bundled dictionary.

The dictionary is a compact subset of ECDICT (MIT, by skywind3000) built by
scripts/build_dictionary.py; lessons/data/README.md says where it came from. A reader of builder
posts already knows the everyday words, and a card has room for a handful, so `key_words` keeps
the words a Chinese-speaking developer is likely to need explained: not names, acronyms, code or
URLs, and not the words every Chinese school leaver knows.

A gloss shows the developer's sense first ("token: 词元", not "表征"): the dictionary carries the
developer glossary (lessons/dev_glossary.py) and, given the sentence a word was met in, puts the
sense for the part of speech used there first (lessons/gloss_senses.py, lessons/gloss_context.py).
"""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

from lessons.dev_glossary import DevGlossary, default_glossary_path
from lessons.gloss_context import Context, pos_by_form, pos_met
from lessons.gloss_senses import COMPUTING, developer_gloss, gloss_classes

# Where a word stands, for telling names from common words: see _tokens.
Place = Literal["start", "inside", "name"]

DATA_FILE = "ecdict_subset.tsv.gz"
FORMAT_HEADER = "#ecdict_subset v1"

# A word ranked this common or more (smaller of ECDICT's BNC and modern-corpus ranks) is easy:
# the first 2,000 are the core vocabulary of school English ("the", "good", "people", "target").
EASY_RANK = 2000
# Exam lists Chinese learners meet in middle and high school (中考, 高考): known to every reader.
SCHOOL_TAGS = frozenset({"zk", "gk"})
# The earliest exam whose word list has the word says how advanced it is: 中考, 高考, CET-4, 考研,
# CET-6, IELTS, TOEFL, GRE. A word in no list is in the subset for its frequency alone, often a
# derived word ("intelligently") or an everyday one ("setup"): CET-4 level, its rarity says the rest.
EXAM_LEVELS = {"zk": 0, "gk": 1, "cet4": 2, "ky": 3, "cet6": 3, "ielts": 4, "toefl": 4, "gre": 5}
UNTAGGED_LEVEL = 2
# Rank assumed when ECDICT gives none (only exam-listed words, such as "well-known", lack one):
# about the median rank of the exam-listed words, so their exam level decides.
UNRANKED = 8000
MIN_WORD_LENGTH = 3
# Prefixes that hyphenated compounds not in the dictionary start with ("non-trivial", "multi-modal").
COMBINING_PREFIXES = frozenset(
    [
        "anti",
        "auto",
        "bi",
        "co",
        "counter",
        "cross",
        "de",
        "hyper",
        "inter",
        "intra",
        "mega",
        "meta",
        "micro",
        "mid",
        "mini",
        "multi",
        "non",
        "over",
        "post",
        "pre",
        "pro",
        "re",
        "self",
        "semi",
        "sub",
        "super",
        "trans",
        "ultra",
        "un",
        "under",
    ]
)
# ECDICT has thousands of given names and surnames ("claude: n. 克劳德（男子名）"): never vocabulary.
_NAME_MARKERS = ("人名", "男子名", "女子名", "姓氏")

_POSSESSIVE = re.compile(r"(?<=[A-Za-z])(?:['’]s|(?<=s)['’])$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+(?:[-'’][A-Za-z]+)*")
# Punctuation that may wrap a word: quotes, brackets, Markdown emphasis, dashes, sentence marks.
_WRAPPING = "\"'“”‘’()[]{}<>*,.;:!?…—–-"
_SENTENCE_END = re.compile(r"[.!?:…]['\"”’)\]*]*$")
_FLAG = re.compile(r"^--?[A-Za-z]")
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)|^[\w-]+(?:\.[\w-]+)+/", re.IGNORECASE)


@dataclass(frozen=True)
class DictEntry:
    """What the dictionary knows about a word as met in a text (`word`) and its lemma."""

    word: str
    lemma: str
    phonetic: str
    gloss: str
    exam_tags: tuple[str, ...]
    frequency_rank: int | None


@dataclass(frozen=True)
class KeyWord:
    """A word worth explaining on a sentence card, as met in the sentence."""

    word: str
    lemma: str
    phonetic: str
    gloss: str


def default_dictionary_path() -> Path:
    """The ECDICT subset shipped with BuildSpeak."""
    return Path(__file__).resolve().parent / "data" / DATA_FILE


class Dictionary:
    """An English→Chinese dictionary held in dicts: every lookup is a hash look-up, never a scan."""

    def __init__(
        self,
        entries: dict[str, tuple[str, ...]],
        lemmas: dict[str, str],
        forms: dict[str, str],
        glossary: DevGlossary | None = None,
    ):
        """`entries`: lowercase headword → its columns; `lemmas`/`forms`: lowercase form → headword key.

        `lemmas` are forms with a line of their own whose lemma is preferred ("coding" → "code");
        `forms` are inflections with no line of their own ("engulfing" → "engulf"). `glossary`
        gives the developer senses shown first; without one, computing senses still come first.
        """
        self._entries = entries
        self._lemmas = lemmas
        self._forms = forms
        self._glossary = glossary if glossary is not None else DevGlossary()
        self._classes: dict[str, frozenset[str]] = {}

    @classmethod
    def load(cls, path: Path, glossary: DevGlossary | None = None) -> Dictionary:
        """Read a subset written by scripts/build_dictionary.py (gzip TSV, format v1).

        `glossary` defaults to the bundled developer glossary; pass `DevGlossary()` for none.
        """
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        if not lines or not lines[0].startswith(FORMAT_HEADER):
            raise ValueError(f"{path}: not an ECDICT subset ({FORMAT_HEADER} header missing)")
        entries: dict[str, tuple[str, ...]] = {}
        lemmas: dict[str, str] = {}
        forms: dict[str, str] = {}
        for line in lines[1:]:
            word, phonetic, gloss, tags, bnc, frq, lemma, inflections = line.split("\t")
            key = word.lower()
            entries[key] = (word, phonetic, gloss, tags, bnc, frq, inflections)
            if lemma:
                lemmas[key] = lemma.lower()
            for form in inflections.split():
                forms[form] = key
        if glossary is None:
            glossary = DevGlossary.load(default_glossary_path())
        return cls(entries, lemmas, forms, glossary)

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, word: str, *, sentence: str | None = None) -> DictEntry | None:
        """The entry for `word`, any case; an inflected form gives its lemma's entry, `word` as met.

        A possessive ('s, s') is dropped when the word as written is unknown ("model's" → model).
        The gloss gives the developer sense first; with the `sentence` the word was met in, the
        sense of the part of speech used there ("implementing the forward pass": 实现, not 工具).
        """
        met = word.strip()
        key = self._resolve(met.lower())
        if key is None:
            met = _POSSESSIVE.sub("", met)
            key = self._resolve(met.lower())
        return None if key is None else self._entry(key, met, sentence)

    def inflections(self, word: str) -> tuple[str, ...]:
        """The inflected forms on the line `lookup(word)` answers with ("engulfed" → engulfed engulfing
        engulfs), for explanations that show a learner the word's other shapes."""
        key = self._resolve(word.strip().lower())
        if key is None:
            key = self._resolve(_POSSESSIVE.sub("", word.strip()).lower())
        return tuple(self._entries[key][6].split()) if key is not None else ()

    def entries(self) -> Iterator[DictEntry]:
        """Every line once, in file order, for callers that index the whole word list (quiz distractors).

        Unlike `lookup`, an inflected line keeps its own gloss ("taped": "n. 录播, 压胶"); its
        `lemma` names the line it is a form of ("tape"), so a caller can tell forms from lemmas.
        """
        for key, columns in self._entries.items():
            entry = self._entry(key, columns[0])
            lemma = self._lemmas.get(key)
            if lemma is not None and lemma != key and lemma in self._entries:
                entry = replace(entry, lemma=self._entries[lemma][0])
            yield entry

    def headword(self, word: str) -> str | None:
        """How the dictionary spells the line `word` itself is found on ("english" → "English").

        Unlike `lookup` this does not go on to the lemma: it answers whether the dictionary knows
        the word as written in lowercase, or only as a name or acronym.
        """
        key = word.strip().lower()
        if key in self._entries:
            return self._entries[key][0]
        return self._entries[self._forms[key]][0] if key in self._forms else None

    def _resolve(self, key: str) -> str | None:
        """The headword key to answer with: the lemma of a known form, else the word, else None."""
        if self._lemmas.get(key) in self._entries:
            return self._lemmas[key]
        if key in self._entries:
            return key
        return self._forms.get(key)

    def parts_of_speech(self, word: str) -> frozenset[str]:
        """The parts of speech ("n", "v", "adj", "adv") the gloss of `word`'s line has; empty if unknown."""
        key = word.lower()
        if key not in self._classes:
            resolved = self._resolve(key)
            self._classes[key] = gloss_classes(self._entries[resolved][2]) if resolved else frozenset()
        return self._classes[key]

    def _entry(self, key: str, met: str, sentence: str | None = None) -> DictEntry:
        word, phonetic, gloss, tags, bnc, frq = self._entries[key][:6]
        ranks = [rank for rank in (int(bnc), int(frq)) if rank > 0]
        return DictEntry(
            word=met,
            lemma=word,
            phonetic=phonetic,
            gloss=self._gloss(gloss, key, met, sentence),
            exam_tags=tuple(tags.split()),
            frequency_rank=min(ranks) if ranks else None,
        )

    def _gloss(self, gloss: str, key: str, met: str, sentence: str | None) -> str:
        """The line's gloss with the developer sense first, for the part of speech met if known.

        The glossary is asked for the word as met before its lemma ("embedding" has senses of its
        own, "tokens" takes token's). Names keep their gloss, so `_is_name` still sees them.
        """
        term = met.lower() if met.lower() in self._glossary else key
        rows = self._glossary.senses_of(term)
        if _names_someone(gloss):
            return gloss
        if (
            not rows
            and COMPUTING not in gloss
            and (";" not in gloss or (sentence is None and term == met.lower()))
        ):
            return gloss  # general senses only, and one group or nothing met to choose by
        candidates = frozenset(row.pos for row in rows) or gloss_classes(gloss)
        pos, nearby = pos_by_form(met, term, candidates), frozenset[str]()
        if sentence is not None:
            context = _context(sentence)
            index = context.find(met)
            if index is not None:
                pos = pos_met(context, index, term, candidates, self.parts_of_speech)
                nearby = context.nearby(index)
        return developer_gloss(gloss, rows, pos, nearby)


@lru_cache(maxsize=256)
def _context(sentence: str) -> Context:
    """A sentence's tokens, kept for the next word of the same sentence (`key_words` asks for each)."""
    return Context.of(sentence)


def key_words(sentence: str, dictionary: Dictionary, *, limit: int = 6) -> list[KeyWord]:
    """The words of `sentence` worth explaining, hardest first chosen, given back in sentence order.

    At most one per lemma and at most `limit`. Easy words (see `is_easy`) and words the dictionary
    does not have are left out, as are URLs, handles, code, numbers, acronyms and names.
    """
    candidates: list[tuple[int, DictEntry]] = []
    seen: set[str] = set()
    words = [
        (word, _later(place) if index else place)
        for token, place in _tokens(sentence)
        for index, word in enumerate(_split_compound(token, dictionary))
    ]
    for position, (word, place) in enumerate(words):
        entry = _learnable_entry(word, place, dictionary, sentence)
        if entry is None or entry.lemma.lower() in seen:
            continue
        seen.add(entry.lemma.lower())
        candidates.append((position, entry))
    hardest = sorted(candidates, key=lambda item: (-difficulty(item[1]), item[0]))[: max(limit, 0)]
    return [_key_word(entry) for _, entry in sorted(hardest, key=lambda item: item[0])]


def is_easy(entry: DictEntry) -> bool:
    """A word every reader knows: only in school exam lists, or among the EASY_RANK most frequent."""
    if entry.exam_tags and set(entry.exam_tags) <= SCHOOL_TAGS:
        return True
    return entry.frequency_rank is not None and entry.frequency_rank <= EASY_RANK


def difficulty(entry: DictEntry) -> float:
    """Higher for words first met in later exams and for rarer words; ranks the candidates of a card.

    The exam level (0-5) and the rarity (one point each time the rank doubles past EASY_RANK)
    weigh about the same: "pitfall" (GRE, rank 9,580) ≈ 7.3, "coherent" (CET-6, 5,289) ≈ 4.4.
    """
    levels = [EXAM_LEVELS[tag] for tag in entry.exam_tags if tag in EXAM_LEVELS]
    level = min(levels) if levels else UNTAGGED_LEVEL
    rank = entry.frequency_rank or UNRANKED
    return level + math.log2(max(rank, 1) / EASY_RANK)


def _learnable_entry(token: str, place: Place, dictionary: Dictionary, sentence: str) -> DictEntry | None:
    """The dictionary entry of a word token if it may be a key word, else None; glossed for `sentence`."""
    word = _POSSESSIVE.sub("", token)
    if len(word) < MIN_WORD_LENGTH or not _WORD.fullmatch(word) or "'" in word or "’" in word:
        return None  # too short, or a contraction ("don't", "we're"): grammar, not vocabulary
    if word[1:] != word[1:].lower():
        return None  # acronyms (LLM, RLHF) and brand casing (ChatGPT, GitHub, LLMs)
    if word[0].isupper() and place != "start":
        return None  # a name in mid-sentence: "Karpathy", "Python", "Cursor", "Sequoia Ascent"
    entry = dictionary.lookup(word)
    if entry is None or not entry.lemma.islower() or _is_name(entry) or is_easy(entry):
        return None
    return dictionary.lookup(word, sentence=sentence)  # glossed for the sentence: only the words kept


def _split_compound(token: str, dictionary: Dictionary) -> list[str]:
    """A hyphenated word as one word when the dictionary has it ("well-known"), else its parts.

    Prefixes written apart ("non-trivial", "self-driving") are not words to learn on their own.
    """
    if "-" not in token or dictionary.lookup(token) is not None:
        return [token]
    parts = token.split("-")
    return [part for index, part in enumerate(parts) if part and not _is_prefix(part, index, len(parts))]


def _is_prefix(part: str, index: int, count: int) -> bool:
    """Whether a part of a hyphenated compound is a prefix: never its last part ("re-run" → run)."""
    return index < count - 1 and part.lower() in COMBINING_PREFIXES


def _is_name(entry: DictEntry) -> bool:
    """A given name or surname: ECDICT says so in the first sense ("n. 克劳德（男子名）")."""
    return _names_someone(entry.gloss)


def _names_someone(gloss: str) -> bool:
    """Whether a gloss's first sense marks a given name or surname."""
    first_sense = re.split(r"[,;]", gloss, maxsplit=1)[0]
    return any(marker in first_sense for marker in _NAME_MARKERS)


def _tokens(sentence: str) -> list[tuple[str, Place]]:
    """Candidate words in order, each with its place: may it be capitalized as a common word?

    "start": first word of a sentence or list item, capitalized by grammar. "name": one of two or
    more capitalized words in a row ("Sequoia Ascent", "Claude Code") or a capitalized word before a
    version ("Llama 3"), so a name even if each is a dictionary word. "inside": any other word.

    Whole whitespace-separated chunks that are URLs, e-mail addresses, @handles, #hashtags, command
    line flags or inline code are dropped; words joined by "/" come apart ("hints/dreams").
    """
    chunks = sentence.split()
    starts = [True, *(_ends_sentence(chunk) for chunk in chunks[:-1])]
    titled = [_is_titled(chunk) for chunk in chunks]
    tokens: list[tuple[str, Place]] = []
    for index, chunk in enumerate(chunks):
        if _is_code_or_address(chunk):
            continue
        joined_before = index > 0 and titled[index - 1] and not starts[index]
        joined_after = (
            index + 1 < len(chunks)
            and not starts[index + 1]
            and (titled[index + 1] or chunks[index + 1][0].isdigit())
        )
        place: Place = "start" if starts[index] else "inside"
        if titled[index] and (joined_before or joined_after):
            place = "name"
        words = _words(chunk.strip(_WRAPPING))
        tokens.extend((word, _later(place) if i else place) for i, word in enumerate(words))
    return tokens


def _later(place: Place) -> Place:
    """The place of a word after the first in one chunk ("hints/dreams", "agent-native"): never a start."""
    return "inside" if place == "start" else place


def _ends_sentence(chunk: str) -> bool:
    """Whether the next word starts a sentence or list item ("done. Next", "so: The", "1. menugen")."""
    return bool(_SENTENCE_END.search(chunk) or re.fullmatch(r"\(?\d{1,2}[.)]|[-*•]", chunk))


def _is_titled(chunk: str) -> bool:
    """A chunk in Title case ("Sequoia", "(Claude"): the stuff of names. Acronyms and "I" are not."""
    core = chunk.strip(_WRAPPING)
    return len(core) > 1 and core[0].isupper() and any(letter.islower() for letter in core[1:])


def _is_code_or_address(chunk: str) -> bool:
    """URLs, e-mail addresses, @handles, #hashtags, --flags and `code`: never vocabulary."""
    if _URL.search(chunk) or _FLAG.match(chunk) or chunk.startswith("$"):
        return True
    return any(mark in chunk for mark in "@#`_=\\")


def _words(core: str) -> list[str]:
    """The words of one stripped chunk; none when it holds digits, inner dots or other code marks."""
    if _WORD.fullmatch(core):
        return [core]
    parts = core.split("/")
    if len(parts) > 1 and all(_WORD.fullmatch(part) for part in parts):
        return [word for part in parts for word in _words(part)]
    return []


def _key_word(entry: DictEntry) -> KeyWord:
    return KeyWord(word=entry.word, lemma=entry.lemma, phonetic=entry.phonetic, gloss=entry.gloss)
