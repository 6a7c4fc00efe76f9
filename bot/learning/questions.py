"""A learner's question as the explainers need it: what was asked, about which English, on which card.

People ask the way they talk: "engulfed 在这里什么意思？", "why 'the the'?", "这句话的语法",
"what does ship it mean". The English they ask about is what an offline answer can look up and
what the model should focus on, so `asked_about` pulls it out: quoted English first (the
learner marked it), else the English runs of the question without the English question words
around them ("what does … mean"). Nothing left means the question is about the whole sentence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.learning.text_patterns import has_chinese

MAX_TERMS = 4
MAX_TERM_CHARS = 200

# Quotes a learner puts around the words they mean: '…' "…" “…” ‘…’ 「…」 『…』 `…` 《…》.
# A straight single quote between letters is an apostrophe ("what's"), not a quote.
_QUOTED = re.compile(
    r"""(?<![A-Za-z])'([^']+)'(?![A-Za-z])|"([^"]+)"|“([^”]+)”|‘([^’]+)’|「([^」]+)」|『([^』]+)』|`([^`]+)`|《([^》]+)》"""
)
_ENGLISH_WORD = re.compile(r"[A-Za-z0-9]*[A-Za-z](?:[A-Za-z0-9]|['’-][A-Za-z0-9])*")
# A run of English words with only spaces or light punctuation between them ("ship it", "e.g. this").
_ENGLISH_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*(?:[ \t,.;:/&]+[A-Za-z0-9][A-Za-z0-9'’\-]*)*")
# The English a question is made of, as opposed to the English it is about. Only these are cut
# from both ends of a run; the small words that follow them at the start ("what is *the meaning
# of* X") are cut too, but never small words at the end: "ship it" and "all in" must survive.
QUESTION_WORDS = frozenset(
    """
    what whats what's does do did is are was mean means meaning meant why how explain explanation
    please pls plz tell translate translation grammar tone usage difference example examples here
    there
    """.split()  # noqa: SIM905 - a word list reads better as words
)
_AFTER_QUESTION_WORDS = frozenset("the a an of it this that word phrase expression term between".split())  # noqa: SIM905
_CONTEXT_TAIL = re.compile(
    r"\s+(?:in|of|for)\s+(?:this|the|that)\s+(?:sentence|context|case|post|line|card|paragraph)$",
    re.IGNORECASE,
)
_TRAILING = "?？!！。.,，;；:：~～ \t\n"
# What makes a group reply a question for the bot rather than talk between people ("nice post").
# Simplified and traditional; "意思" alone is left out, since "有意思" is "interesting".
_CHINESE_ASKING = re.compile(
    "什么|什麼|甚麼|怎么|怎麼|为什么|為什麼|为啥|啥|吗|嗎|如何|哪|请问|請問|"
    "解释|解釋|翻译|翻譯|语法|語法|用法|区别|區別|发音|發音"
)
_ENGLISH_ASKING = re.compile(
    r"(?<![A-Za-z])(?:what|what's|whats|why|how|mean|means|meaning|meant|explain|difference|translate)"
    r"(?![A-Za-z])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CardContext:
    """The lesson card a question is about, as much of it as the explainers use."""

    sentence: str
    translation: str | None = None
    author: str | None = None
    title: str | None = None
    lesson_id: str | None = None


@dataclass(frozen=True)
class Question:
    """`terms` is the English asked about; empty means the card's whole sentence (there is then a card)."""

    text: str
    terms: tuple[str, ...]
    card: CardContext | None = None

    def __post_init__(self) -> None:
        if not self.terms and self.card is None:
            raise ValueError("a question needs English to explain or a card to explain")

    @property
    def focus(self) -> tuple[str, ...]:
        """What to explain: the terms, or else the card's sentence."""
        if self.terms:
            return self.terms
        assert self.card is not None
        return (self.card.sentence,)


def asked_about(text: str) -> tuple[str, ...]:
    """The English `text` asks about: quoted English, else its English runs minus question words."""
    quoted = [next(group for group in match.groups() if group) for match in _QUOTED.finditer(text)]
    terms = [_tidy(part) for part in quoted if _ENGLISH_WORD.search(part)]
    if not terms:
        terms = [_strip_question_words(run.group()) for run in _ENGLISH_RUN.finditer(text)]
    unique = dict.fromkeys(term[:MAX_TERM_CHARS] for term in terms if term and _ENGLISH_WORD.search(term))
    return tuple(unique)[:MAX_TERMS]


def looks_like_question(text: str) -> bool:
    """A question mark, a question word (什么, 为什么, 吗, what, why, how, mean…) or quoted English.

    Deliberately loose: it only decides whether a reply in a group is for the bot at all.
    """
    if "?" in text or "？" in text or _CHINESE_ASKING.search(text) or _ENGLISH_ASKING.search(text):
        return True
    quoted = (next(group for group in match.groups() if group) for match in _QUOTED.finditer(text))
    return any(has_english(part) for part in quoted)


def has_english(text: str) -> bool:
    return _ENGLISH_WORD.search(text) is not None


def normalised(text: str) -> str:
    """A question's identity for the cache: width, case, spacing and end punctuation do not count."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split()).strip(_TRAILING)


def explain_terms(text: str) -> tuple[str, ...]:
    """What `/explain TEXT` asks about: English alone is taken as it is (a word, phrase or sentence);
    with Chinese around it, it is a question like any other."""
    tidy = _tidy(text)
    if has_chinese(tidy) or _QUOTED.search(tidy):
        return asked_about(tidy)
    return (tidy[:MAX_TERM_CHARS],) if has_english(tidy) else ()


def _strip_question_words(run: str) -> str:
    """ "what does engulfed mean here" → "engulfed"; a run of nothing but question words → ""."""
    words = _CONTEXT_TAIL.sub("", _tidy(run)).split()
    asked = False
    while words and (
        _bare(words[0]) in QUESTION_WORDS or (asked and _bare(words[0]) in _AFTER_QUESTION_WORDS)
    ):
        asked = asked or _bare(words[0]) in QUESTION_WORDS
        words.pop(0)
    while words and _bare(words[-1]) in QUESTION_WORDS:
        words.pop()
        words = _CONTEXT_TAIL.sub("", " ".join(words)).split()
    return _tidy(" ".join(words))


def _bare(word: str) -> str:
    return word.strip(_TRAILING + "'’").lower()


def _tidy(term: str) -> str:
    return " ".join(term.split()).strip(_TRAILING)
