"""Where English sentences end, decided from the shape of the words around each full stop.

A general-purpose splitter keeps a list of abbreviations and treats anything
that looks like one ("etc.", "I/O.", "LOC.") as never ending a sentence, and it
cuts inside words ("nn.|Module"). Builder posts break both habits. So a
sentence can only end where terminal punctuation is followed by a space, and
the word before it decides what the next word must look like:

- a word that introduces something ("e.g.", "vs.", "Mr.") ends nothing;
- initials ("U.S.", "J.R.R.", "w.r.t.") end a sentence only before a word that
  typically starts one ("The", "I", "But"), since "the U.S. Bureau" goes on;
- a closing abbreviation ("etc.") ends one before a capital, not before "and";
- any other word ends one before a capital, and, outside brackets and quotes,
  before a lower-case word too (many posts are written in lower case);
- "..." ends a sentence only before a capital ("err ... attention... than");
- a smiley (":)", ":D") ends one before a capital ("ty :) I'm getting…");
- a mark that a bracket closes ends only the bracketed aside ("(minutes even,
  sometimes!) for my code"), unless the sentence began inside that bracket;
- "!" or "?" before a line's last, lower-case word is part of a name ("Wow! signal").
A list marker ("1." after a colon or a full stop) starts a sentence instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Span = tuple[int, int]

_TOKEN = re.compile(r"\S+")
_OPENERS = "([{“‘«\"'"
_CLOSERS = ")]}”’»\"'"
_TERMINAL = re.compile(r"(?:[.!?…]+[)\]}”’»\"']*)+$")
_SMILEY = re.compile(r"^(?:[:;=][-']?[()DPpSsO3\]\[/\\|]|<3|\^\^|xD|XD)")
_WHOLE_SMILEY = re.compile(_SMILEY.pattern + r"[)\]}”’»\"']*$")
_ENUMERATOR = re.compile(r"^\(?\d{1,2}[.)]$")
_INITIALS = re.compile(r"^(?:[a-z]{1,2}\.)+[a-z]{1,2}$|^[a-z]$", re.IGNORECASE)

# Words that are followed by what they introduce, never by a new sentence.
_LEADING_ABBREVIATIONS = frozenset(
    {"e.g", "eg", "i.e", "ie", "vs", "cf", "viz", "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr"}
    | {"approx", "ca", "fig", "figs", "eq", "vol", "pp"}
)
# Abbreviations that often close a sentence, but go on before a lower-case word.
_CLOSING_ABBREVIATIONS = frozenset({"etc", "al", "inc", "ltd", "co", "corp"})
# Capitalised words that start sentences far more often than they follow initials.
_SENTENCE_STARTERS = frozenset(
    {"I", "We", "You", "He", "She", "It", "They", "This", "That", "These", "Those", "The", "A", "An"}
    | {"But", "And", "So", "Then", "There", "Here", "If", "When", "What", "Why", "How", "Who", "Where"}
    | {"My", "Our", "Your", "His", "Her", "Its", "Their", "Also", "However", "Now", "Not", "No", "Yes"}
    | {"Just", "In", "On", "At", "For", "As", "Still", "Yet", "Or", "Maybe", "Perhaps", "Thanks", "Thank"}
)


@dataclass(frozen=True)
class _Word:
    """One whitespace-separated token and what the boundary rules need to know about it."""

    text: str
    start: int
    end: int
    depth: int  # brackets and quotes still open after this token

    @property
    def terminal(self) -> str:
        match = _TERMINAL.search(self.text)
        return match.group(0) if match else ""

    @property
    def stem(self) -> str:
        """The word without its end punctuation, opening brackets or closing quotes."""
        core = self.text[: len(self.text) - len(self.terminal)] if self.terminal else self.text
        return core.lstrip(_OPENERS).rstrip(_CLOSERS)

    @property
    def first_letter(self) -> str:
        return self.text.lstrip(_OPENERS)[:1]


def english_sentence_spans(line: str) -> list[Span]:
    """Sentences of one line of English, as (start, end) offsets into it."""
    words = _words(line)
    spans: list[Span] = []
    start = start_depth = 0
    for index, word in enumerate(words[:-1]):
        following = words[index + 1]
        before = words[index - 1] if index else None
        bracketed = start_depth > 0 or line[start] in "([{"
        last = index + 2 == len(words)
        if _is_list_marker(following, word) or _ends_sentence(word, following, before, bracketed, last):
            spans.append((start, word.end))
            start, start_depth = following.start, word.depth
    if words:
        spans.append((start, words[-1].end))
    return spans


def _words(line: str) -> list[_Word]:
    """Tokens with the bracket/quote depth after each; a depth never drops below zero."""
    words: list[_Word] = []
    depth = 0
    for match in _TOKEN.finditer(line):
        text = match.group(0)
        depth = _depth_after(_SMILEY.sub("", text), depth)
        words.append(_Word(text, match.start(), match.end(), depth))
    return words


def _depth_after(token: str, depth: int) -> int:
    for position, char in enumerate(token):
        if char in "([{“":
            depth += 1
        elif char in ")]}”":
            depth = max(0, depth - 1)
        elif char == '"':
            # A straight quote opens at the start of a word and closes at its end.
            if position == 0 or token[position - 1] in _OPENERS:
                depth += 1
            else:
                depth = max(0, depth - 1)
    return depth


def _is_list_marker(word: _Word, before: _Word) -> bool:
    """A "1." or "2)" right after a colon or a sentence's end numbers the sentence it starts."""
    return bool(_ENUMERATOR.match(word.text)) and before.text[-1:] in ":：;；.!?"


def _ends_sentence(word: _Word, following: _Word, before: _Word | None, bracketed: bool, last: bool) -> bool:
    """Whether a sentence ends after `word`. `bracketed`: the sentence so far opens with a
    bracket or inside one; `last`: `following` is the line's last word."""
    if _ENUMERATOR.match(word.text) and (before is None or before.text[-1:] in ":：;；.!?"):
        return False  # the list marker itself: its sentence follows
    terminal = word.terminal
    if not terminal:
        return bool(_WHOLE_SMILEY.match(word.text)) and following.first_letter.isupper()
    if terminal[-1] in ")]}" and not bracketed:
        return False  # "(minutes even, sometimes!) for my code": the mark ends the aside only
    if last and following.first_letter.islower() and "." not in terminal:
        return False  # "Ep 7: Wow! signal": a name, while "…look great. lol" is a sentence
    if "…" in terminal or ".." in terminal:
        return following.first_letter.isupper()
    closed = word.text[: len(word.text) - len(terminal)][-1:] in _CLOSERS  # "… about X). Separately"
    if terminal.rstrip(_CLOSERS) == "." and not closed:
        verdict = _after_abbreviation(word.stem.lower(), following)
        if verdict is not None:
            return verdict
    return _starts_sentence(following, word.depth)


def _after_abbreviation(stem: str, following: _Word) -> bool | None:
    """Whether a full stop after `stem` ends the sentence, when `stem` is an abbreviation or
    initials; None for an ordinary word."""
    if stem in _LEADING_ABBREVIATIONS or (stem == "no" and following.first_letter.isdigit()):
        return False
    if _INITIALS.match(stem):
        return following.text.lstrip(_OPENERS).rstrip(".,;:!?") in _SENTENCE_STARTERS
    if stem in _CLOSING_ABBREVIATIONS:
        return not following.first_letter.islower()
    return None


def _starts_sentence(word: _Word, depth: int) -> bool:
    """Inside brackets or quotes only a capital starts a sentence; outside, anything but
    a closing mark or a word-joining sign does (a smiley too: "Great work. :D")."""
    first = word.first_letter
    if not first:
        return False
    if depth > 0:
        return first.isupper()
    return first not in ",;:)]}”’»&" or bool(_WHOLE_SMILEY.match(word.text))
