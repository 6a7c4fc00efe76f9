"""How right the sentence cards are, measured against the hand-aligned gold set.

The gold set (tests/fixtures/alignment_gold/, see benchmarks/alignment_gold.py)
is written as text, so it does not inherit our segmenter's cuts: the cards
the learner would see are mapped back onto the gold units by their characters,
and a missed or extra sentence boundary shows up as a wrong card.

A card is
- exact: its English and its Chinese are those of one gold unit (a Chinese-only
  unit riding along is allowed: the card is the only place it can go);
- coarse: it covers several whole gold units, English and Chinese alike (right,
  but the learner gets more than one sentence at once);
- mispaired: anything else. Its Chinese translates some other sentence than its
  English, or a sentence is cut between two cards. Target: none.
Precision is exact cards over cards, recall exact cards over gold units with
English. Target: F1 >= 0.97 on the held-out posts. Sentence boundaries are
scored too, on both sides, so a segmentation error is named as such.

    .venv/bin/python benchmarks/alignment.py [--show-errors]

--show-errors lists the wrong cards of the tune posts only: the held-out posts'
errors are not for looking at while changing the aligner.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.alignment_gold import SPLITS, GoldPost, Unit, check, load_gold, squeeze  # noqa: E402
from lessons.cards import CardText, paragraph_cards, sentence_spans  # noqa: E402
from lessons.library import Library  # noqa: E402
from lessons.post import Paragraph  # noqa: E402

TARGET_F1 = 0.97

Range = tuple[int, int]


@dataclass
class Tally:
    """Counts over a set of posts; the figures are computed from them."""

    posts: int = 0
    units: int = 0
    cards: int = 0
    exact: int = 0
    coarse: int = 0
    mispaired: int = 0
    boundaries: dict[str, list[int]] = field(default_factory=lambda: {"en": [0, 0, 0], "zh": [0, 0, 0]})

    @property
    def precision(self) -> float:
        return self.exact / self.cards if self.cards else 0.0

    @property
    def recall(self) -> float:
        return self.exact / self.units if self.units else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def boundary_figures(self, side: str) -> tuple[float, float]:
        """Precision and recall of the sentence boundaries found on one side."""
        right, found, gold = self.boundaries[side]
        return (right / found if found else 1.0), (right / gold if gold else 1.0)


@dataclass(frozen=True)
class _Side:
    """One language of a paragraph, whitespace removed: which unit owns each character."""

    text: str
    owner: list[int]
    extent: dict[int, Range]
    boundaries: set[int]

    @classmethod
    def of(cls, units: tuple[Unit, ...], side: str) -> _Side:
        owner: list[int] = []
        extent: dict[int, Range] = {}
        boundaries: set[int] = set()
        for number, unit in enumerate(units):
            start = len(owner)
            for sentence in getattr(unit, side):
                owner.extend([number] * len(squeeze(sentence)))
                boundaries.add(len(owner))
            if len(owner) > start:
                extent[number] = (start, len(owner))
        boundaries.discard(len(owner))
        text = "".join(squeeze(s) for unit in units for s in getattr(unit, side))
        return cls(text, owner, extent, boundaries)

    def units_in(self, cut: Range) -> set[int]:
        return set(self.owner[cut[0] : cut[1]])

    def whole(self, cut: Range, units: set[int]) -> bool:
        return all(cut[0] <= self.extent[u][0] and self.extent[u][1] <= cut[1] for u in units)


def judge(en_cut: Range | None, zh_cut: Range | None, en: _Side, zh: _Side, units: tuple[Unit, ...]) -> str:
    """The verdict ("exact", "coarse" or "mispaired") on a card covering these stretches."""
    if en_cut is None:
        return "mispaired"
    en_units = en.units_in(en_cut)
    zh_units = zh.units_in(zh_cut) if zh_cut else set()
    if not (en.whole(en_cut, en_units) and (zh_cut is None or zh.whole(zh_cut, zh_units))):
        return "mispaired"
    covered = en_units | zh_units
    for number in covered:
        unit = units[number]
        if (unit.en and number not in en_units) or (unit.zh and number not in zh_units):
            return "mispaired"
    return "exact" if sum(1 for n in covered if units[n].en) == 1 else "coarse"


def score_paragraph(paragraph: Paragraph, index: int, units: tuple[Unit, ...], tally: Tally) -> list[str]:
    """Add one paragraph's cards and boundaries to `tally`; return a line per wrong card."""
    en, zh = _Side.of(units, "en"), _Side.of(units, "zh")
    tally.units += sum(1 for unit in units if unit.en)
    _count_boundaries(tally, "en", paragraph.en, en)
    if paragraph.zh:
        _count_boundaries(tally, "zh", paragraph.zh, zh)
    errors: list[str] = []
    en_from = zh_from = 0
    for card in paragraph_cards(paragraph, index):
        en_cut, zh_cut = _find(en.text, card.en, en_from), _find(zh.text, card.zh, zh_from)
        en_from, zh_from = (en_cut or (en_from, en_from))[1], (zh_cut or (zh_from, zh_from))[1]
        lost = card.zh is not None and zh_cut is None
        verdict = "mispaired" if lost else judge(en_cut, zh_cut, en, zh, units)
        tally.cards += 1
        setattr(tally, verdict, getattr(tally, verdict) + 1)
        if verdict != "exact":
            errors.append(_describe(verdict, card, units, en, zh, en_cut, zh_cut))
    return errors


def _find(whole: str, text: str | None, start: int) -> Range | None:
    if not text:
        return None
    at = whole.find(squeeze(text), start)
    return (at, at + len(squeeze(text))) if at >= 0 else None


def _count_boundaries(tally: Tally, side: str, text: str, gold: _Side) -> None:
    found = {len(squeeze(text[:end])) for _, end in sentence_spans(text, side)[:-1]}
    counts = tally.boundaries[side]
    counts[0] += len(found & gold.boundaries)
    counts[1] += len(found)
    counts[2] += len(gold.boundaries)


def _describe(
    verdict: str,
    card: CardText,
    units: tuple[Unit, ...],
    en: _Side,
    zh: _Side,
    en_cut: Range | None,
    zh_cut: Range | None,
) -> str:
    touched = sorted((en.units_in(en_cut) if en_cut else set()) | (zh.units_in(zh_cut) if zh_cut else set()))
    gold = " | ".join(f"{' '.join(units[n].en)} <> {''.join(units[n].zh) or '-'}" for n in touched)
    return f"  {verdict}: {card.en!r} <> {card.zh!r}\n    gold: {gold}"


def score(library: Library, gold: list[GoldPost], show_errors: bool = False) -> dict[str, Tally]:
    """Figures per split; errors of tune posts printed when asked (never those held out)."""
    tallies = {split: Tally() for split in SPLITS}
    for post in gold:
        library_post = library.posts[post.id]
        check(post, library_post)
        tally = tallies[post.split]
        tally.posts += 1
        for index, units in sorted(post.paragraphs.items()):
            errors = score_paragraph(library_post.paragraphs[index], index, units, tally)
            if show_errors and post.split == "tune" and errors:
                print(f"{post.id} paragraph {index}:", *errors, sep="\n")
    return tallies


def main(show_errors: bool) -> None:
    tallies = score(Library.load(ROOT / "lessons" / "library"), load_gold(), show_errors)
    for split, t in tallies.items():
        print(f"{split:>8}: {t.posts} posts, {t.units} gold units, {t.cards} cards")
        print(f"          precision {t.precision:.3f}  recall {t.recall:.3f}  F1 {t.f1:.3f}")
        print(f"          coarse cards {t.coarse}, mispaired cards {t.mispaired}")
        print("          sentence boundaries: " + ", ".join(_boundaries(t, side) for side in ("en", "zh")))
    held = tallies["held-out"]
    met = held.f1 >= TARGET_F1 and held.mispaired == 0 and tallies["tune"].mispaired == 0
    print(f"target held-out F1 >= {TARGET_F1} and no mispaired card -> {'met' if met else 'MISSED'}")


def _boundaries(tally: Tally, side: str) -> str:
    precision, recall = tally.boundary_figures(side)
    return f"{side} P {precision:.3f} R {recall:.3f}"


if __name__ == "__main__":
    main("--show-errors" in sys.argv)
