"""The part of speech a word is used as in a sentence, from its form and its neighbours.

"implementing the forward pass" needs implement's verb sense (实现), "a chip that inferences LLMs"
the verb of inference, "the launch of" the noun of launch. A full tagger would need a model
download; builder posts are short and the cases that matter are few, so a handful of rules over
the word's form and the words around it decide, and say nothing (None) when unsure so that the
glossary's own order stands:

- the form met: "-ing" or "-ed" on a word whose lemma lacks it is a verb, "-ly" an adverb;
- the word before: "to", a modal or a subject pronoun → verb; a determiner, a preposition, a
  number or an adjective → noun (or adjective, when the next word is a noun);
- the word after: "it", "them", "the", "every" → verb (it takes an object); "of" → noun; a noun
  after a word that can be an adjective makes it one ("custom kernels");
- after "and"/"or", the part of speech of the word before the conjunction.

The rules read the dictionary only through `classes_of` (the parts of speech a word's gloss has),
so this module knows nothing of how the dictionary is stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

ClassesOf = Callable[[str], frozenset[str]]


def _words(text: str) -> frozenset[str]:
    """A word list written as one string, for the closed word classes below."""
    return frozenset(text.split())


# Words before a verb's bare form.
MODALS = _words(
    "can could will would shall should may might must cannot can't won't wouldn't couldn't shouldn't "
    "don't doesn't didn't do does did let's please i'll we'll you'll they'll i'd we'd you'd they'd"
)
SUBJECTS = _words("i we you they he she it who which that people someone everyone")
# Words before a noun.
DETERMINERS = _words(
    "a an the this these those my your our their its his her each every some any no another what "
    "whose one two three several many few much more most such less fewer"
)
PREPOSITIONS = _words(
    "of in on for with by from about into per over via at without between through across under "
    "onto within during after before than like behind beyond toward towards upon among"
)
# Words after a verb: its object.
OBJECTS = _words(
    "it them me us him her this that these those everything something anything all every "
    "the a an my your our their his its some any"
)
BE = _words("is are was were be been being am 's 're")
HAVE = _words("have has had 've")
DEGREE = _words("too very so quite really pretty fully less more most rather fairly")
_IS_CONTRACTIONS = _words("it's that's what's there's here's he's she's let's who's where's")
CONJUNCTIONS = _words("and or but nor so because if while as though although")
_CLOSED = MODALS | SUBJECTS | DETERMINERS | PREPOSITIONS | OBJECTS | BE | HAVE | DEGREE | CONJUNCTIONS
NEARBY_WINDOW = 5
# Words looked past when reading the word before: "to just prompt", "to kind of hack".
_ADVERBS = _words("just also really actually basically simply even still only always never not then first")
_HEDGES = _words("kind sort")
_NOT_ADVERBS = _words("only early daily family supply reply apply rely fly july italy")

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?(?:[-.][A-Za-z0-9]+)*|[^\sA-Za-z0-9]")
_NUMBER = re.compile(r"^[0-9][0-9.,]*[a-zA-Z]{0,2}$")


@dataclass(frozen=True)
class Context:
    """A sentence as lowercase tokens (words and single punctuation marks), ready for look-ups."""

    tokens: tuple[str, ...]

    @classmethod
    def of(cls, sentence: str) -> Context:
        return cls(tuple(token.lower().replace("’", "'") for token in _TOKEN.findall(sentence)))

    def find(self, word: str) -> int | None:
        """Where `word` (any case) first stands as a whole token, else as part of a hyphenated one
        ("agent" in "agent-native"), or None."""
        key = word.lower().replace("’", "'")
        whole = next((i for i, token in enumerate(self.tokens) if token == key), None)
        if whole is not None or "-" in key:
            return whole
        return next((i for i, token in enumerate(self.tokens) if key in token.split("-")), None)

    def nearby(self, index: int, window: int = NEARBY_WINDOW) -> frozenset[str]:
        """The words within `window` tokens of `index`, for a glossary row's cues."""
        return frozenset(self.tokens[max(index - window, 0) : index + window + 1]) - {self.tokens[index]}


def pos_met(
    context: Context, index: int, lemma: str, candidates: frozenset[str], classes_of: ClassesOf
) -> str | None:
    """The part of speech ("n", "v", "adj") the word at `index` is used as, among `candidates`.

    None when unsure, so that the glossary's order (its most used sense first) stands.
    """
    if len(candidates) < 2:
        return next(iter(candidates), None)
    tokens = context.tokens
    word = tokens[index]
    before = _word_before(tokens, index)
    after = tokens[index + 1] if index + 1 < len(tokens) else "."
    guess = _by_form(word, lemma.lower())
    if guess is None:
        guess = _by_neighbours(word, lemma.lower(), before, after, candidates, classes_of, tokens[:index])
    return guess if guess in candidates else None


def pos_by_form(word: str, lemma: str, candidates: frozenset[str]) -> str | None:
    """The part of speech the form alone shows, for a word met outside any sentence ("deployed" → v)."""
    if len(candidates) < 2:
        return next(iter(candidates), None)
    guess = _by_form(word.lower(), lemma.lower())
    return guess if guess in candidates else None


def _by_form(word: str, lemma: str) -> str | None:
    """Inflections only verbs have ("implementing", "deployed"; not "training", a word of its own),
    and the "-ly" of adverbs ("poorly")."""
    if word.endswith("ly") and len(word) > 4:
        return "adv"
    if word == lemma:
        return None
    if word.endswith("ing") and not lemma.endswith("ing"):
        return "v"
    if word.endswith("ed") and not lemma.endswith("ed"):
        return "v"
    return None


def _by_neighbours(
    word: str,
    lemma: str,
    before: str,
    after: str,
    candidates: frozenset[str],
    classes_of: ClassesOf,
    preceding: Sequence[str],
) -> str | None:
    """The part of speech the words around a bare or "-s" form call for."""
    plural = word != lemma and word.endswith("s")
    modifies = "adj" in candidates and _is_nounish(after, classes_of)
    if before == "to" or before in MODALS:
        return "v"
    if before in SUBJECTS and before not in DETERMINERS:
        return "v"
    if before in DEGREE and "adj" in candidates:
        return "adj"
    if before in BE:
        return "adj" if "adj" in candidates else "n"
    if modifies and not plural:
        return "adj"
    if before in {"and", "or"}:
        return _like_conjunct(preceding, candidates, classes_of)
    if before in DETERMINERS or before in PREPOSITIONS or _NUMBER.match(before) or _is_possessive(before):
        return "n"
    if classes_of(before) == frozenset({"adj"}) or after == "of":
        return "n"
    if not plural and after in OBJECTS:
        return "v"
    return None


def _like_conjunct(preceding: Sequence[str], candidates: frozenset[str], classes_of: ClassesOf) -> str | None:
    """After "and"/"or", the part of speech of the word before it, when the dictionary has only one.

    "permeate and mess with" → verb, "containers and tap" → noun.
    """
    if len(preceding) < 2:
        return None
    classes = classes_of(preceding[-2]) & {"n", "v"}
    return next(iter(classes)) if len(classes) == 1 and classes <= candidates else None


def _word_before(tokens: Sequence[str], index: int) -> str:
    """The token before `index` that says something: hedges and adverbs are looked past.

    "possible to kind of hack it" and "going to just prompt" are read as "to hack", "to prompt".
    """
    position = index - 1
    while position >= 0:
        token = tokens[position]
        if token == "of" and position > 0 and tokens[position - 1] in _HEDGES:
            position -= 2
        elif token in _ADVERBS or (token.endswith("ly") and len(token) > 4 and token not in _NOT_ADVERBS):
            position -= 1
        else:
            return token
    return "."


def _is_possessive(token: str) -> bool:
    """A possessive ("Karpathy's") before a word makes it a noun; "it's", "that's" (is) do not."""
    return token.endswith("'s") and token not in _IS_CONTRACTIONS


def _is_nounish(token: str, classes_of: ClassesOf) -> bool:
    """Whether a following token reads as the noun an adjective would modify ("custom kernels")."""
    if not token[:1].isalnum() or token in _CLOSED or token.endswith("ly"):
        return False
    classes = classes_of(token)
    return not classes or "n" in classes
