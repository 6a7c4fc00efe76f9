"""The developer glossary: what builders mean by "token", "ship", "repo", "kernel", per part of speech.

ECDICT gives a word's senses in general-dictionary order, so a developer reading Karpathy meets
"token: 表征, 记号, 代币" and "repo: 购回债券". The glossary in ``lessons/data/dev_glossary.tsv``
is written by hand from the words of the bundled library and says, per part of speech, the Chinese
a developer uses (词元, 代码仓库). Its senses are shown before the dictionary's
(`lessons/gloss_senses.py`); the part of speech met in the sentence (`lessons/gloss_context.py`)
picks among a word's rows.

A term may have several rows: one per part of speech where the posts use more than one ("ship" the
verb is 发布, the noun is 船), and, within one part of speech, rows that only apply near certain
words (`cues`: "commit" near "git" or "changes" is 提交, near "perjury" 犯). Rows of kind
``everyday`` give the general sense where the dictionary's first or computing sense misleads
("developer: [计] 显影器", "timing: [计] 定时器时钟").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

GlossPos = Literal["n", "v", "adj", "adv"]
SenseKind = Literal["dev", "everyday"]
POS_NAMES: tuple[str, ...] = get_args(GlossPos)
KINDS: tuple[str, ...] = get_args(SenseKind)

DATA_FILE = "dev_glossary.tsv"
COLUMNS = ("term", "pos", "zh", "kind", "cues", "note")
# Senses of one row are separated like ECDICT's: "代码仓库, 仓库".
SENSE_SEPARATOR = ", "
NO_CUES = "-"

_TERM = re.compile(r"^[a-z0-9][a-z0-9.+-]*(?: [a-z0-9][a-z0-9.+-]*)*$", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class DevSense:
    """One glossary row: a term's Chinese senses for one part of speech, maybe only near `cues`."""

    term: str
    pos: GlossPos
    senses: tuple[str, ...]
    kind: SenseKind
    cues: frozenset[str]
    note: str

    @property
    def key(self) -> str:
        """How the term is looked up: lowercase, as the dictionary's keys are."""
        return self.term.lower()


class GlossaryFileError(ValueError):
    """A glossary line that cannot be read, with its line number, for a person to fix."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path, self.line, self.reason = path, line, reason


def default_glossary_path() -> Path:
    """The glossary shipped with BuildSpeak."""
    return Path(__file__).resolve().parent / "data" / DATA_FILE


class DevGlossary:
    """The rows of the glossary by term, in file order (a term's most common sense first)."""

    def __init__(self, senses: Iterable[DevSense] = ()) -> None:
        self._by_term: dict[str, list[DevSense]] = {}
        for sense in senses:
            self._by_term.setdefault(sense.key, []).append(sense)

    @classmethod
    def load(cls, path: Path) -> DevGlossary:
        """Read a glossary TSV (columns: term, pos, zh, kind, cues, note; `#` lines are comments)."""
        rows: list[DevSense] = []
        seen: set[tuple[str, str, frozenset[str]]] = set()
        header_seen = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            if not header_seen:
                if tuple(line.split("\t")) != COLUMNS:
                    raise GlossaryFileError(path, number, f"header must be {' '.join(COLUMNS)}")
                header_seen = True
                continue
            sense = _parse_row(path, number, line)
            identity = (sense.key, sense.pos, sense.cues)
            if identity in seen:
                raise GlossaryFileError(path, number, f"{sense.term} ({sense.pos}) is listed twice")
            seen.add(identity)
            rows.append(sense)
        if not header_seen:
            raise GlossaryFileError(path, 1, "no header line")
        return cls(rows)

    def senses_of(self, term: str) -> tuple[DevSense, ...]:
        """The rows for `term` (any case), in file order; empty when the glossary does not have it."""
        return tuple(self._by_term.get(term.strip().lower(), ()))

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and term.strip().lower() in self._by_term

    def __len__(self) -> int:
        """The number of distinct terms (not rows)."""
        return len(self._by_term)

    def __iter__(self) -> Iterator[DevSense]:
        """Every row, term by term."""
        for rows in self._by_term.values():
            yield from rows

    def terms(self) -> tuple[str, ...]:
        """The terms, lowercase, in file order."""
        return tuple(self._by_term)


def _parse_row(path: Path, number: int, line: str) -> DevSense:
    """One data line as a DevSense, or a GlossaryFileError saying what is wrong with it."""
    columns = line.split("\t")
    if len(columns) != len(COLUMNS):
        raise GlossaryFileError(
            path, number, f"expected {len(COLUMNS)} tab-separated columns, got {len(columns)}"
        )
    term, pos, zh, kind, cues, note = (column.strip() for column in columns)
    if not _TERM.match(term):
        raise GlossaryFileError(path, number, f"term {term!r} is not a word or phrase")
    if pos not in POS_NAMES:
        raise GlossaryFileError(path, number, f"pos {pos!r} is not one of {', '.join(POS_NAMES)}")
    if kind not in KINDS:
        raise GlossaryFileError(path, number, f"kind {kind!r} is not one of {', '.join(KINDS)}")
    senses = tuple(sense.strip() for sense in zh.split(SENSE_SEPARATOR.strip()) if sense.strip())
    if not senses or not all(_CJK.search(sense) for sense in senses):
        raise GlossaryFileError(path, number, f"zh {zh!r} must list Chinese senses separated by ', '")
    if not note:
        raise GlossaryFileError(path, number, "the note is empty")
    cue_words = frozenset() if cues == NO_CUES else frozenset(cues.lower().split())
    if cues != NO_CUES and not cue_words:
        raise GlossaryFileError(path, number, f"cues must be words or {NO_CUES!r}")
    return DevSense(term, pos, senses, kind, cue_words, note)  # type: ignore[arg-type]
