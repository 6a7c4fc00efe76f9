"""Small talk in a private chat: greetings, thanks and bare emoji get a hint, never an explanation.

Everything else typed in a private chat is taken as a question about a card, and a model's
answer costs one of the person's daily AI questions: "你好" or "👍" explained as if it were
English would cost one for nothing. Told from the text alone, so an adapter deciding whether to
show "typing…" gets the same answer as the handler.
"""

from __future__ import annotations

import re
import unicodedata

from bot.core import texts


def _phrases(*lines: str) -> frozenset[str]:
    """Phrases written "a/b/c", as `_plain` leaves them: lowercase, single-spaced, no punctuation."""
    return frozenset(phrase for line in lines for phrase in line.split("/"))


GREETINGS = _phrases(
    "你好/您好/你们好/大家好/哈喽/嗨/嘿/在吗/在么/在嘛/在不在/有人吗/早/早安/早上好/下午好/晚上好/晚安",
    "hi/hello/hey/hiya/yo/morning/hi there/hello there/hey there",
    "good morning/good afternoon/good evening/good night",
)
THANKS = _phrases(
    "谢谢/谢谢你/谢谢您/多谢/感谢/谢了/3q",
    "thanks/thx/ty/thank you/thanks a lot/thank you so much/many thanks",
)
# Saying "got it" is not asking: these get the plain hint.
ACKNOWLEDGEMENTS = _phrases(
    "好/好的/好滴/嗯/嗯嗯/哦/噢/收到/明白/明白了/懂了/知道了/了解/哈哈/哈哈哈",
    "ok/okay/k/cool/nice",
)
# Sentence-final particles that do not change what is said: "你好呀", "在吗~", "谢谢啦".
_PARTICLES = "啊呀呢哦噢喔啦吧嘛哈"
_NOT_WORD = re.compile(r"[^\w\s]|_")  # punctuation, symbols and emoji


def hint_for(text: str) -> str | None:
    """The hint that answers `text` if it is small talk or has no words at all, else None."""
    said = _plain(text)
    if not any(char.isalpha() for char in said):
        return texts.CHAT_HINT  # emoji, punctuation, digits, nothing
    if said in GREETINGS:
        return texts.GREETING_HINT
    if said in THANKS:
        return texts.THANKS_HINT
    if said in ACKNOWLEDGEMENTS:
        return texts.CHAT_HINT
    return None


def _plain(text: str) -> str:
    """Lowercase words only, single-spaced, without punctuation, emoji or trailing particles."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    said = " ".join(_NOT_WORD.sub(" ", folded).split())
    stripped = said.rstrip(_PARTICLES).rstrip()
    return stripped or said
