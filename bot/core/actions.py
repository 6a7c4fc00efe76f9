"""Button payloads: short strings that come back to the core when a button is pressed.

They must stay within the smallest platform limit (Telegram's 64 bytes of
callback data), and must keep working on old messages, so they name lessons
by a stable key rather than by anything held in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64


@dataclass(frozen=True)
class Action:
    verb: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        payload = ":".join((self.verb, *self.args))
        if len(payload.encode()) > MAX_BYTES:
            raise ValueError(f"button payload longer than {MAX_BYTES} bytes: {payload!r}")
        return payload


def small_number(text: str, *, digits: int = 6) -> int | None:
    """A non-negative ASCII number of at most `digits` digits, else None ("²" and "99999999999" are not)."""
    if not text or len(text) > digits or not all("0" <= char <= "9" for char in text):
        return None
    return int(text)


def decode(payload: str) -> Action:
    verb, *args = payload.split(":")
    return Action(verb, tuple(args))


# The verbs the core understands.
CARD = "c"  # show card N of a lesson (edits the message)
AUDIO = "a"  # send card N's audio
FULL = "f"  # send the whole text and its audio
ARCHIVE = "ar"  # show a page of the archive
OPEN = "o"  # open a lesson at card 1 (from the archive list)
DELETE = "del"  # confirm or cancel /deleteme
NOOP = "x"  # a button that only answers with a notice
STAR = "st"  # ⭐ on card N: list its key words to save
PICK_WORD = "sp"  # save key word I of card N (or "all") to the vocabulary book, if its tag still matches
WORDS_PAGE = "wp"  # show page P of the vocabulary book (edits the message)
UNDO_FORGET = "wu"  # undo /forget of saved word ID, within a minute
QUIZ_START = "qs"  # start pushed quiz ID
QUIZ_PICK = "qp"  # answer question ID with option I
QUIZ_HINT = "qh"  # a hint for typed question ID
QUIZ_SKIP = "qk"  # "I don't know" on typed question ID
QUIZ_NOW = "qn"  # the presser's own quiz now, as /quiz, from group quiz ID's post (its scoreboard)
