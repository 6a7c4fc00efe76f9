"""How often a key word's gloss shows the right sense first, measured on the hand-written gold set.

The gold set (tests/fixtures/gloss_senses.tsv) pairs a sentence from the bundled library with a
word in it and the Chinese the first sense shown must contain ("token" → 词元, "implementing"
→ 实现). Each word is glossed as a card glosses it: `Dictionary.lookup(word, sentence=...)`, with
the bundled developer glossary. The share right is printed for each half of the set; the split
is fixed by a hash of the sentence, so no row moves between halves. Target: ≥ 0.95 held out.

    .venv/bin/python benchmarks/glosses.py [--show-errors]

--show-errors lists the misses of the tune half only: the held-out misses are not for looking at
while changing the glossary or the sense rules. --show-held-errors lists them, for a final look
once tuning is over.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lessons.gloss_senses import first_sense  # noqa: E402
from lessons.vocabulary import Dictionary, default_dictionary_path  # noqa: E402

GOLD = ROOT / "tests" / "fixtures" / "gloss_senses.tsv"
SPLITS = ("tune", "held")
TARGET = 0.95


@dataclass(frozen=True)
class GoldSense:
    """One gold row: in `sentence`, `word` must be glossed with one of `expected` in its first sense."""

    split: str
    word: str
    expected: tuple[str, ...]
    sentence: str


@dataclass(frozen=True)
class Miss:
    """A row whose first sense shown has none of the expected keywords."""

    row: GoldSense
    gloss: str


@dataclass
class Tally:
    """Rows scored on one half, and its misses."""

    rows: int = 0
    right: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.right / self.rows if self.rows else 0.0


def split_of(sentence: str) -> str:
    """The half a sentence belongs to, from its text alone: "held" when its sha256 is odd."""
    return "held" if int(hashlib.sha256(sentence.encode("utf-8")).hexdigest(), 16) % 2 else "tune"


def load_gold(path: Path = GOLD) -> list[GoldSense]:
    """The gold rows (`#` lines and the column header skipped)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("split\t"):
            continue
        split, word, expected, sentence = line.split("\t")
        rows.append(GoldSense(split, word, tuple(expected.split("|")), sentence))
    return rows


def score(rows: list[GoldSense], dictionary: Dictionary) -> dict[str, Tally]:
    """Each half's tally: a row is right when the first sense shown contains an expected keyword."""
    tallies = {split: Tally() for split in SPLITS}
    for row in rows:
        tally = tallies[row.split]
        tally.rows += 1
        entry = dictionary.lookup(row.word, sentence=row.sentence)
        gloss = entry.gloss if entry is not None else ""
        if any(keyword in first_sense(gloss) for keyword in row.expected):
            tally.right += 1
        else:
            tally.misses.append(Miss(row, gloss))
    return tallies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true", help="list the tune half's misses")
    parser.add_argument("--show-held-errors", action="store_true", help="list the held-out misses")
    args = parser.parse_args(argv)
    rows = load_gold()
    tallies = score(rows, Dictionary.load(default_dictionary_path()))
    for split in SPLITS:
        tally = tallies[split]
        print(f"{split:>4}: {tally.right}/{tally.rows} right = {tally.share:.3f}")
    print(f"target: held >= {TARGET}")
    shown = [
        split for split, wanted in (("tune", args.show_errors), ("held", args.show_held_errors)) if wanted
    ]
    for split in shown:
        for miss in tallies[split].misses:
            print(f"\n[{split}] {miss.row.word} → want {'|'.join(miss.row.expected)}, shown: {miss.gloss}")
            print(f"    {miss.row.sentence}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
