"""The vocabulary book (生词本) as files a learner keeps: a CSV for Excel and an Anki deck.

Input is plain frozen dataclasses, so this module knows nothing about storage; the
storage layer maps its rows to them. An empty book raises `NothingToExport` for both
formats instead of producing a file with no words: the caller tells the learner
that there is nothing saved yet, which is more useful than an empty download.

Anki matches what it imports by ids, so the ids here are fixed on purpose: the note
type and deck ids are stable, and each note's GUID comes from its lemma. Importing a
new export of the same book updates the learner's cards (keeping their review history)
instead of adding duplicates.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import genanki

# Fixed random ids (Anki wants them in [2**30, 2**31)). Changing MODEL_ID makes Anki see a new note
# type on re-import, so every card would arrive a second time: change it only together with FIELDS.
MODEL_ID = 1151492152
MODEL_NAME = "BuildSpeak 生词 (v1)"
FIELDS = ("Word", "Sentence", "Audio", "Phonetic", "Gloss", "Translation", "Note", "Source")
GUID_NAMESPACE = "buildspeak-vocab"  # keeps our GUIDs apart from other decks built with guid_for(word)
MEDIA_PREFIX = "buildspeak-"  # Anki's media folder is shared by all decks of a collection

CSV_HEADER = (
    "单词 word",
    "音标 phonetic",
    "释义 gloss",
    "地道表达 note",
    "例句 sentence",
    "译文 translation",
    "来源 source",
    "链接 link",
    "保存时间 saved",
    "其他例句 more sentences",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FRONT = """{{#Sentence}}<div class="sentence">{{Sentence}}</div>{{/Sentence}}
{{^Sentence}}<div class="word">{{Word}}</div>{{/Sentence}}
{{Audio}}"""
BACK = """{{FrontSide}}
<hr id="answer">
<div class="word">{{Word}}{{#Phonetic}} <span class="phonetic">/{{Phonetic}}/</span>{{/Phonetic}}</div>
{{#Gloss}}<div class="gloss">{{Gloss}}</div>{{/Gloss}}
{{#Translation}}<div class="translation">{{Translation}}</div>{{/Translation}}
{{#Note}}<div class="note">💡 {{Note}}</div>{{/Note}}
{{#Source}}<div class="source">{{Source}}</div>{{/Source}}"""
CSS = """.card { font-family: -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; font-size: 20px;
  text-align: left; line-height: 1.5; }
.target { font-weight: bold; text-decoration: underline; color: #c0392b; }
.word { font-size: 26px; font-weight: bold; }
.phonetic { font-weight: normal; color: #888; }
.translation, .source { color: #666; font-size: 16px; }
.note { margin-top: 8px; }
.nightMode .target { color: #ff7b6b; }"""


class NothingToExport(ValueError):
    """The book has no words; the caller should tell the learner instead of sending a file."""

    def __init__(self) -> None:
        super().__init__("nothing to export")


@dataclass(frozen=True)
class ExportContext:
    """One place the learner met the word: the form as written and its sentence."""

    form: str
    sentence_en: str | None
    sentence_zh: str | None
    lesson_title: str | None
    author: str | None
    source_url: str | None
    saved_at: datetime


@dataclass(frozen=True)
class ExportEntry:
    """One word of the book; `note` is the builder-expression note, when the word has one."""

    lemma: str
    phonetic: str | None
    gloss: str | None
    note: str | None
    contexts: tuple[ExportContext, ...]
    saved_at: datetime


def vocabulary_csv(entries: Sequence[ExportEntry]) -> bytes:
    """One row per word, from its newest context; UTF-8 with a BOM so Excel reads the Chinese right."""
    if not entries:
        raise NothingToExport
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows([_safe_cell(cell) for cell in _csv_row(entry)] for entry in entries)
    return buffer.getvalue().encode("utf-8-sig")


def _csv_row(entry: ExportEntry) -> tuple[str, ...]:
    newest = _newest(entry)
    met = ("", "", "", "")
    if newest is not None:
        met = (
            newest.sentence_en or "",
            newest.sentence_zh or "",
            _source_label(newest),
            newest.source_url or "",
        )
    others = [c.sentence_en for c in entry.contexts if c is not newest and c.sentence_en]
    when = entry.saved_at.strftime("%Y-%m-%d %H:%M")
    return (
        entry.lemma,
        entry.phonetic or "",
        entry.gloss or "",
        entry.note or "",
        *met,
        when,
        "\n".join(others),
    )


def _safe_cell(cell: str) -> str:
    """A leading quote keeps Excel from running a cell as a formula (CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def anki_package(
    entries: Sequence[ExportEntry],
    *,
    path: Path,
    deck_name: str,
    audio_for: Callable[[str], Path | None],
    exported_at: datetime | None = None,
) -> Path:
    """Write the book as an Anki package at `path` and return it.

    `audio_for(sentence)` gives an audio file for a sentence, or None. `exported_at` stamps the
    notes (defaults to the wall clock); Anki only updates an existing note from a newer one, so
    pass the real time of the export, not the time the words were saved.
    """
    if not entries:
        raise NothingToExport
    lemmas = [entry.lemma for entry in entries]
    if len(set(lemmas)) != len(lemmas):
        raise ValueError("duplicate lemma in the vocabulary book; notes would share a GUID")
    deck = genanki.Deck(deck_id(deck_name), deck_name)
    model = _model()
    with tempfile.TemporaryDirectory(prefix="buildspeak-anki-") as media_dir:
        media = _Media(Path(media_dir), audio_for)
        for entry in entries:
            deck.add_note(
                genanki.Note(model=model, fields=_fields(entry, media), guid=note_guid(entry.lemma))
            )
        package = genanki.Package(deck, media_files=media.files())
        package.write_to_file(str(path), timestamp=exported_at.timestamp() if exported_at else None)
    return path


def deck_id(deck_name: str) -> int:
    """A stable id in Anki's range from the name, so re-exporting one learner's book updates one deck."""
    digest = int.from_bytes(hashlib.sha256(deck_name.encode("utf-8")).digest()[:4], "big")
    return (1 << 30) | (digest & ((1 << 30) - 1))


def note_guid(lemma: str) -> str:
    """The same lemma always gets the same GUID, so Anki updates the note instead of duplicating it."""
    return genanki.guid_for(GUID_NAMESPACE, lemma)


def _model() -> genanki.Model:
    """Built per export: genanki fills defaults into the field and template dicts it is given."""
    return genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[{"name": "Sentence → meaning", "qfmt": FRONT, "afmt": BACK}],
        css=CSS,
    )


class _Media:
    """Audio copied under content-hash names: unique plain basenames, one copy per distinct file."""

    def __init__(self, folder: Path, audio_for: Callable[[str], Path | None]) -> None:
        self._folder = folder
        self._audio_for = audio_for
        self._by_sentence: dict[str, str] = {}
        self._files: dict[str, Path] = {}

    def sound_tag(self, sentence: str) -> str:
        if sentence not in self._by_sentence:
            self._by_sentence[sentence] = self._add(self._audio_for(sentence))
        name = self._by_sentence[sentence]
        return f"[sound:{name}]" if name else ""

    def _add(self, source: Path | None) -> str:
        if source is None or not source.is_file():
            return ""
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:20]
        name = f"{MEDIA_PREFIX}{digest}{source.suffix.lower()}"
        if name not in self._files:
            self._files[name] = self._folder / name
            shutil.copyfile(source, self._files[name])
        return name

    def files(self) -> list[str]:
        return [str(file) for file in self._files.values()]


def _fields(entry: ExportEntry, media: _Media) -> list[str]:
    """The note's fields in FIELDS order; everything from the learner's book is HTML-escaped."""
    sentence = sound = translation = source = ""
    newest = _newest(entry)
    if newest is not None:
        if newest.sentence_en:
            sentence = _highlight(newest.sentence_en, newest.form or entry.lemma, entry.lemma)
            sound = media.sound_tag(newest.sentence_en)
        translation, source = html.escape(newest.sentence_zh or ""), _source_html(newest)
    escaped = [html.escape(text or "") for text in (entry.lemma, entry.phonetic, entry.gloss, entry.note)]
    word, phonetic, gloss, note = escaped
    return [word, sentence, sound, phonetic, gloss, translation, note, source]


def _highlight(sentence: str, form: str, lemma: str) -> str:
    """The sentence with the met form in bold, cloze-style; the form is appended when not found in it."""
    for word in (form, lemma):
        match = re.search(rf"(?<![\w'-]){re.escape(word)}(?![\w'-])", sentence, re.IGNORECASE)
        if match:
            before, found, after = sentence[: match.start()], match.group(), sentence[match.end() :]
            return f'{html.escape(before)}<b class="target">{html.escape(found)}</b>{html.escape(after)}'
    return f'{html.escape(sentence)} (<b class="target">{html.escape(form)}</b>)'


def _source_html(context: ExportContext) -> str:
    label = html.escape(_source_label(context))
    url = context.source_url or ""
    if not url.startswith(("https://", "http://")):
        return label
    return f'<a href="{html.escape(url, quote=True)}">{label or "原文"}</a>'


def _source_label(context: ExportContext) -> str:
    return " · ".join(part for part in (context.author, context.lesson_title) if part)


def _newest(entry: ExportEntry) -> ExportContext | None:
    return max(entry.contexts, key=lambda context: context.saved_at, default=None)
