"""Which sense a card's gloss shows first: the developer's, for the part of speech met.

A gloss in the bundled dictionary reads "n. 节, 结节, 瘤; [计] 节点, 结点": senses grouped by part
of speech, ECDICT's general senses before its computing ones. A developer needs the computing
sense, and the sense of the part of speech the sentence uses ("implementing the forward pass" is
the verb 实现, not the noun 工具). So a gloss is taken apart into groups, the `[计]` senses are
moved to the front of the group they belong to, the developer glossary's row for the part of
speech met (`lessons/dev_glossary.py`) replaces the dictionary's group for it, and the group for
the part of speech met comes first. The result is written back in the dictionary's own format, so
everything that reads glosses (the quiz's option builder, the vocabulary book) keeps working.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lessons.dev_glossary import DevSense

# How the gloss shows the glossary's parts of speech: ECDICT's own prefixes.
POS_PREFIXES = {"n": "n.", "v": "v.", "adj": "a.", "adv": "adv."}
# ECDICT's prefixes folded to the glossary's parts of speech; others (prep., conj.) stay apart.
_PREFIX_CLASSES = {
    "n": "n",
    "pl": "n",
    "v": "v",
    "vt": "v",
    "vi": "v",
    "a": "adj",
    "adj": "adj",
    "adv": "adv",
}
COMPUTING = "[计]"
# A card has one line for the gloss: the first group whole (at most this many senses)...
MAX_SENSES = 3
# ...then more groups while the gloss stays within this many characters (as the dictionary's do).
MAX_GLOSS_CHARS = 40

_PREFIX = re.compile(r"^((?:[a-z]+\.\s*)+|\[[^\]]+\]\s*)")
_GROUP_SPLIT = re.compile(r";\s+")
_SENSE_SPLIT = re.compile(r",\s*")


@dataclass(frozen=True)
class SenseGroup:
    """Senses of one part of speech: its prefix as shown ("vt.", "[计]", "") and its class, if any."""

    prefix: str
    pos: str | None
    senses: tuple[str, ...]

    def text(self) -> str:
        return f"{self.prefix} {', '.join(self.senses)}".strip()


def parse_gloss(gloss: str) -> list[SenseGroup]:
    """A dictionary gloss ("n. 船, 舰; vt. 运送") as its groups, in order."""
    groups = []
    for part in _GROUP_SPLIT.split(gloss.strip()):
        match = _PREFIX.match(part)
        prefix = match.group(0).strip() if match else ""
        senses = tuple(
            sense.strip() for sense in _SENSE_SPLIT.split(part[len(match.group(0)) if match else 0 :])
        )
        senses = tuple(sense for sense in senses if sense)
        if senses:
            groups.append(SenseGroup(prefix, pos_of_prefix(prefix), senses))
    return groups


def pos_of_prefix(prefix: str) -> str | None:
    """The part of speech a prefix stands for ("vt." and "vi." are both "v"); None for "[计]", "prep."."""
    first = prefix.split(".")[0].strip()
    return _PREFIX_CLASSES.get(first) if prefix.endswith(".") else None


def first_sense(gloss: str) -> str:
    """The sense a learner reads first: the first sense of the first group, without its prefix."""
    groups = parse_gloss(gloss)
    return groups[0].senses[0] if groups else ""


def gloss_classes(gloss: str) -> frozenset[str]:
    """The parts of speech a gloss has groups for."""
    return frozenset(group.pos for group in parse_gloss(gloss) if group.pos)


def computing_first(groups: Sequence[SenseGroup]) -> list[SenseGroup]:
    """The groups with ECDICT's computing senses ("[计] 节点") moved to the front of their own group.

    The `[计]` line has no part of speech: its senses join the adjective or adverb group when they
    read like one (ending in 的, 地) and there is one, else the first group; that group then comes
    first. A gloss with nothing but `[计]` senses keeps them as they are.
    """
    computing = [group for group in groups if group.prefix == COMPUTING]
    rest = [group for group in groups if group.prefix != COMPUTING]
    if not computing or not rest:
        return list(groups)
    senses = tuple(sense for group in computing for sense in group.senses)
    host = _host(rest, senses)
    merged = SenseGroup(host.prefix, host.pos, _unique((*senses, *host.senses)))
    return [merged, *(group for group in rest if group is not host)]


def _host(groups: list[SenseGroup], senses: tuple[str, ...]) -> SenseGroup:
    """The group computing senses belong to: by their shape ("线性的" → adjective), else the first."""
    shape = (
        "adj"
        if all(s.endswith("的") for s in senses)
        else "adv"
        if all(s.endswith("地") for s in senses)
        else None
    )
    return next((group for group in groups if shape and group.pos == shape), groups[0])


def choose_row(rows: Sequence[DevSense], pos: str | None, nearby: frozenset[str]) -> DevSense | None:
    """The glossary row for the part of speech met (any, when unknown), preferring one cued nearby.

    Among the rows that fit: the first whose cue words occur near the word, else the first with no
    cues (the glossary lists a term's most used sense first), else the first. `pos` outside the
    glossary's rows for the term is treated as unknown: the glossary lists every part of speech
    the posts use.
    """
    if not rows:
        return None
    if pos is not None and not any(row.pos == pos for row in rows):
        pos = None
    fitting = [row for row in rows if pos is None or row.pos == pos]
    cued = next((row for row in fitting if row.cues & nearby), None)
    if cued is not None:
        return cued
    general = [row for row in fitting if not row.cues]
    return general[0] if general else fitting[0]


def developer_gloss(
    gloss: str, rows: Sequence[DevSense], pos: str | None = None, nearby: frozenset[str] = frozenset()
) -> str:
    """`gloss` reordered for a developer: the chosen glossary row, then the rest, within the card's line.

    With glossary rows, the dictionary's groups for other parts of speech follow them; its
    groups without one ("[电] 资料组", a lone "[计]" line) are dropped, the glossary says it better.
    With no glossary rows the dictionary's groups are kept, computing senses first and the group of
    the part of speech met (`pos`) before the others.
    """
    groups = computing_first(parse_gloss(gloss))
    row = choose_row(rows, pos, nearby)
    if row is not None:
        glossary_groups = [_group(row), *(_group(other) for other in _others(rows, row))]
        covered = {other.pos for other in rows}
        groups = [*glossary_groups, *(group for group in groups if group.pos and group.pos not in covered)]
    elif pos is not None:
        groups = [group for group in groups if group.pos == pos] + [g for g in groups if g.pos != pos]
    return render(groups)


def render(groups: Sequence[SenseGroup]) -> str:
    """Groups as one gloss line: no sense twice, at most MAX_SENSES a group, about MAX_GLOSS_CHARS."""
    shown: set[str] = set()
    pieces: list[str] = []
    for group in groups:
        senses = [sense for sense in group.senses if sense not in shown][:MAX_SENSES]
        if not senses:
            continue
        piece = SenseGroup(group.prefix, group.pos, tuple(senses))
        while pieces == [] and len(piece.text()) > MAX_GLOSS_CHARS and len(piece.senses) > 1:
            piece = SenseGroup(piece.prefix, piece.pos, piece.senses[:-1])
        if pieces and len("; ".join([*pieces, piece.text()])) > MAX_GLOSS_CHARS:
            break
        pieces.append(piece.text())
        shown.update(piece.senses)
    return "; ".join(pieces)


def _others(rows: Sequence[DevSense], chosen: DevSense) -> list[DevSense]:
    """The rows shown after the chosen one: each other part of speech's default row first, then
    the remaining rows in file order ("interpreter: n. 解释器; n. 口译员"), as the line allows."""
    rest = [row for row in rows if row is not chosen]
    defaults = {}
    for row in rest:
        if row.pos != chosen.pos and not row.cues:
            defaults.setdefault(row.pos, row)
    firsts = list(defaults.values())
    return [*firsts, *(row for row in rest if row not in firsts)]


def _group(row: DevSense) -> SenseGroup:
    return SenseGroup(POS_PREFIXES[row.pos], row.pos, row.senses)


def _unique(senses: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(senses))
