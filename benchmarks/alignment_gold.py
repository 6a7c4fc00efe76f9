"""The hand-aligned gold set, written as text so that no segmenter's cut is built into it.

Each post is one file in tests/fixtures/alignment_gold/, named by the post's id:

    # why this post is here, what is hard in it (comments start with "#")
    split: held-out

    == 0
    en: The first English sentence.
    zh: 第一句的译文。

    en: Two English sentences that the translator merged.
    en: The second of them.
    zh: 合并成一句的译文。

    en: :D

"== N" starts paragraph N of the post; a blank line ends a unit. A unit holds the
exact English sentence(s) and the exact Chinese sentence(s) that translate each
other, by meaning: a unit without "zh:" is English the translation left out
(an English-only card), one without "en:" is Chinese with no English (a
translator's note). The units of a paragraph, in order, must give back the
paragraph's text (whitespace aside): `check` says where they do not, so a gold
file cannot drift from the library unnoticed.

"split" is "tune" (the aligner may be changed while looking at its errors
there) or "held-out" (only its figures are read). Held-out posts are drawn by
sha256 of the post id among the translated posts no gold file covers yet, and
written before the aligner is run on them. Once a held-out post's errors have
been looked at, it moves to tune for good and a new draw replaces it: the 45
posts of the first draw are tune now (their header says so), the 50 of the
second draw are held out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lessons.post import Post

GOLD_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "alignment_gold"

Split = Literal["tune", "held-out"]
SPLITS: tuple[Split, ...] = ("tune", "held-out")

_PARAGRAPH = re.compile(r"^==\s*(\d+)\s*$")
_LINE = re.compile(r"^(en|zh):\s?(.*)$")
_SPLIT = re.compile(r"^split:\s*(tune|held-out)\s*$")


@dataclass(frozen=True)
class Unit:
    """English sentence(s) and the Chinese sentence(s) that translate them."""

    en: tuple[str, ...]
    zh: tuple[str, ...]


@dataclass(frozen=True)
class GoldPost:
    """One post's units, paragraph by paragraph (index into the post's paragraphs)."""

    id: str
    split: Split
    paragraphs: dict[int, tuple[Unit, ...]]


class GoldFileError(ValueError):
    """A gold file that cannot be read or no longer matches its post, with where and why."""


def load_gold(directory: Path = GOLD_DIR) -> list[GoldPost]:
    """Every gold post in `directory`, in file-name order."""
    return [
        parse_gold(path.read_text(encoding="utf-8"), path.stem) for path in sorted(directory.glob("*.txt"))
    ]


def parse_gold(text: str, post_id: str) -> GoldPost:
    """One gold file's text; raises GoldFileError naming the line that is wrong."""
    split: Split | None = None
    paragraphs: dict[int, list[Unit]] = {}
    current: list[Unit] | None = None
    en: list[str] = []
    zh: list[str] = []

    def close_unit() -> None:
        if en or zh:
            assert current is not None
            current.append(Unit(tuple(en), tuple(zh)))
        en.clear()
        zh.clear()

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if line.startswith("#"):
            continue
        if not line.strip():
            close_unit()
        elif match := _SPLIT.match(line):
            split = match.group(1)  # type: ignore[assignment]
        elif match := _PARAGRAPH.match(line):
            close_unit()
            current = paragraphs.setdefault(int(match.group(1)), [])
        elif (match := _LINE.match(line)) and current is not None:
            (en if match.group(1) == "en" else zh).append(match.group(2).strip())
        else:
            raise GoldFileError(f"{post_id}:{number}: expected '== N', 'en: …', 'zh: …' or a blank line")
    close_unit()
    if split is None:
        raise GoldFileError(f"{post_id}: no 'split: tune' or 'split: held-out' line")
    return GoldPost(post_id, split, {index: tuple(units) for index, units in paragraphs.items()})


def check(gold: GoldPost, post: Post) -> None:
    """Raise GoldFileError unless the units give back every paragraph of `post`, in order."""
    if set(gold.paragraphs) != set(range(len(post.paragraphs))):
        raise GoldFileError(
            f"{gold.id}: paragraphs {sorted(gold.paragraphs)}, post has {len(post.paragraphs)}"
        )
    for index, units in gold.paragraphs.items():
        paragraph = post.paragraphs[index]
        for side, text in (("en", paragraph.en), ("zh", paragraph.zh or "")):
            written = squeeze("".join(s for unit in units for s in getattr(unit, side)))
            if written != squeeze(text):
                raise GoldFileError(f"{gold.id} paragraph {index} ({side}): {_difference(written, text)}")


def _difference(written: str, text: str) -> str:
    """Where the gold's text first parts from the post's, with a little context."""
    expected = squeeze(text)
    at = next((i for i, (a, b) in enumerate(zip(written, expected, strict=False)) if a != b), None)
    at = min(len(written), len(expected)) if at is None else at
    around = slice(max(0, at - 20), at + 20)
    return f"the post has {expected[around]!r}, the gold {written[around]!r}"


def squeeze(text: str) -> str:
    """The text without whitespace: gold and cards are compared on what a reader sees."""
    return "".join(text.split())
