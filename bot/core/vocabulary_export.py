"""/export: the vocabulary book as two files, a CSV for spreadsheets and an Anki deck with audio.

The files are built from the book as it is now and sent as documents; nothing is
kept on disk. Each Anki card speaks its sentence: the voice is the same one the
🔊 button uses (cached by text, so sentences heard before cost nothing), made in
worker threads a few at a time (a voice like gTTS takes a second or more per
sentence, and one after another 200 would take minutes), and capped so that a very
large book still exports in reasonable time; cards past the cap simply have no sound.

A person runs one export at a time: pressing /export again while the files are being
made only says so, instead of making them twice side by side (`Services.exports`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path

from sqlmodel import Session

from bot.core import vocabulary_view as view
from bot.core.messages import Audio, Document, Reply, RichText
from bot.core.shelf import LessonShelf
from bot.core.turn import Turn
from bot.learning.export import ExportContext, ExportEntry, anki_package, vocabulary_csv
from bot.storage import vocabulary_book as book

DECK_NAME = "BuildSpeak 生词本"
MAX_SPOKEN = 200  # sentences given audio per export, newest words first
SPOKEN_AT_ONCE = 4  # worker threads one export keeps busy with the voice
BUSY = "正在导出，请稍候：文件做好就发给你。"
CSV_CAPTION = "📒 生词本 CSV（{count} 个词）：Excel / Numbers / WPS 可直接打开。"
ANKI_CAPTION = (
    "🗂 Anki 卡组（{count} 张卡）：在 Anki 里「文件 → 导入」打开。"
    "正面是例句和朗读，背面是音标、释义和译文。再次导出后导入会更新原卡片，不会重复。"
)


async def export(turn: Turn) -> list[Reply]:
    """The book as `buildspeak-words-<date>.csv` and `.apkg`, or a friendly word when it is empty."""
    if turn.is_group:
        return [Reply(RichText.of(view.PRIVATE_BOOK.format(command="export")))]
    person = (turn.incoming.platform, turn.incoming.user_id)
    running = turn.services.exports
    assert running is not None  # Services makes one
    if not await running.start(*person):
        return [Reply(RichText.of(BUSY))]
    try:
        return await _export(turn)
    finally:
        await running.finish(*person)


async def _export(turn: Turn) -> list[Reply]:

    def read(session: Session) -> tuple[list[book.BookEntry], dt.date]:
        entries = book.export_entries(session, learner_id=turn.learner_id(session))
        return entries, turn.today(turn.subscriber(session))

    entries, today = await turn.db(read)
    if not entries:
        return [Reply(RichText.of(view.EMPTY_BOOK))]
    shelf = turn.services.shelf
    exported = [export_entry(entry, shelf) for entry in entries]
    deck = await anki_document(exported, shelf, now=turn.now, today=today)
    return [Reply(document=csv_document(exported, today)), Reply(document=deck)]


def csv_document(exported: list[ExportEntry], today: dt.date) -> Document:
    """The book as a spreadsheet file, named for the person's `today`: what /export sends first,
    and what the web page's CSV download serves."""
    caption = CSV_CAPTION.format(count=len(exported))
    return Document(f"{file_stem(today)}.csv", vocabulary_csv(exported), caption)


async def anki_document(
    exported: list[ExportEntry], shelf: LessonShelf, *, now: dt.datetime, today: dt.date
) -> Document:
    """The book as an Anki deck with its sentences spoken: what /export sends second, and what the
    web page's Anki download serves (the same file, so a re-import updates the same cards)."""
    spoken = await _audio(shelf, exported)
    deck = await asyncio.to_thread(_anki_bytes, exported, spoken, now)
    return Document(f"{file_stem(today)}.apkg", deck, ANKI_CAPTION.format(count=len(exported)))


def file_stem(today: dt.date) -> str:
    return f"buildspeak-words-{today.isoformat()}"


def export_entry(entry: book.BookEntry, shelf: LessonShelf) -> ExportEntry:
    """A book entry as the exporter takes it; the lesson's title comes from the library, if still there."""
    return ExportEntry(
        lemma=entry.lemma,
        phonetic=entry.phonetic,
        gloss=entry.gloss,
        note=entry.expression,
        contexts=tuple(_export_context(context, shelf) for context in entry.contexts),
        saved_at=entry.created_at,
    )


def _export_context(context: book.SavedContext, shelf: LessonShelf) -> ExportContext:
    lesson = shelf.catalog.lessons.get(context.lesson_id) if context.lesson_id else None
    return ExportContext(
        form=context.form,
        sentence_en=context.sentence_en,
        sentence_zh=context.sentence_zh,
        lesson_title=lesson.header.title if lesson is not None else None,
        author=context.author,
        source_url=context.source_url,
        saved_at=context.saved_at,
    )


async def _audio(shelf: LessonShelf, entries: list[ExportEntry]) -> dict[str, Path]:
    """Each card's sentence (its newest one, as the deck shows it) spoken, for the first MAX_SPOKEN."""
    sentences: list[str] = []
    for entry in entries:
        newest = max(entry.contexts, key=lambda context: context.saved_at, default=None)
        if newest is not None and newest.sentence_en and newest.sentence_en not in sentences:
            sentences.append(newest.sentence_en)
    sentences = sentences[:MAX_SPOKEN]
    turns = asyncio.Semaphore(SPOKEN_AT_ONCE)

    async def speak(sentence: str) -> Audio | None:
        async with turns:
            return await shelf.audio(sentence, "BuildSpeak")

    made = await asyncio.gather(*(speak(sentence) for sentence in sentences))
    return {
        sentence: audio.path for sentence, audio in zip(sentences, made, strict=True) if audio is not None
    }


def _anki_bytes(entries: list[ExportEntry], spoken: dict[str, Path], now: dt.datetime) -> bytes:
    with tempfile.TemporaryDirectory(prefix="buildspeak-export-") as folder:
        path = anki_package(
            entries,
            path=Path(folder) / "words.apkg",
            deck_name=DECK_NAME,
            audio_for=spoken.get,
            exported_at=now,
        )
        return path.read_bytes()
