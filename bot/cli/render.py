"""Lessons and import reports for the terminal (rich) and as JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from lessons.calendar import Day
from lessons.deck import Card, Deck
from lessons.importing import ImportReport
from lessons.lesson import LessonHeader
from lessons.library import format_timestamp


def header_lines(header: LessonHeader) -> list[str]:
    """The header as plain lines, in the order the BuildSpeak page shows it."""
    lines = [header.headline]
    if header.title:
        lines.append(f"《{header.title}》")
    if header.part_label:
        lines.append(header.part_label)
    if header.engagement_label:
        lines.append(header.engagement_label)
    lines.append(f"原文 ↗ {header.source}")
    return lines


def render_lesson(console: Console, deck: Deck, day: Day | None = None) -> None:
    """The header, then each card: English, Chinese, key words, expressions, audio."""
    lesson = deck.lesson
    title = f"{day.date.isoformat()} 今日一课" if day else lesson.id
    if day and day.pinned:
        title += " 📌"
    console.print(
        Panel(Text("\n".join(header_lines(lesson.header))), title=title, subtitle=lesson.id, expand=False)
    )
    for card in deck.cards:
        console.print(_card_text(card, len(deck.cards)))
        console.print()
    if deck.audio:
        console.print(Text(f"🔊 全文 whole text: {deck.audio}", style="cyan"))


def _card_text(card: Card, total: int) -> Text:
    stamp = f"[{format_timestamp(card.start)}] " if card.start is not None else ""
    text = Text.assemble((f"{card.number}/{total}  ", "dim"), (stamp + card.en, "bold"))
    text.append("\n" + (card.zh or "（暂无译文 no translation yet）"), style="green")
    for word in card.words:
        phonetic = f" /{word.phonetic}/" if word.phonetic else ""
        form = word.word if word.word.lower() == word.lemma else f"{word.word} → {word.lemma}"
        text.append(f"\n  📖 {form}{phonetic}  {word.gloss}")
    for expression in card.expressions:
        text.append(f"\n  💡 {expression.phrase}：{expression.zh}", style="yellow")
    if card.audio:
        text.append(f"\n  🔊 {card.audio}", style="cyan")
    return text


def lesson_json(deck: Deck, day: Day | None = None) -> dict[str, Any]:
    lesson = deck.lesson
    header = lesson.header
    data: dict[str, Any] = {
        "id": lesson.id,
        "post_id": lesson.post.id,
        "title": header.title,
        "header": {
            "kind": header.kind,
            "author": header.author,
            "handle": header.handle,
            "date": header.date.isoformat(),
            "words": header.words,
            "minutes": header.minutes,
            "reading": header.reading_label,
            "part": header.part,
            "parts": header.parts,
            "part_label": header.part_label,
            "engagement": header.engagement.model_dump(exclude_none=True),
            "source": header.source,
        },
        "cards": [_card_json(card) for card in deck.cards],
        "audio": str(deck.audio) if deck.audio else None,
    }
    if day:
        data["date"] = day.date.isoformat()
        data["pinned"] = day.pinned
    return data


def _card_json(card: Card) -> dict[str, Any]:
    return {
        "number": card.number,
        "en": card.en,
        "zh": card.zh,
        "start": card.start,
        "words": [
            {"word": w.word, "lemma": w.lemma, "phonetic": w.phonetic, "gloss": w.gloss} for w in card.words
        ],
        "expressions": [
            {"phrase": e.phrase, "kind": e.kind, "zh": e.zh, "example": e.example} for e in card.expressions
        ],
        "audio": str(card.audio) if card.audio else None,
    }


def render_report(console: Console, report: ImportReport, verbose: bool) -> None:
    table = Table(title="导入结果 import summary", show_header=False)
    table.add_row("新增 imported", str(len(report.imported)))
    table.add_row("更新 updated", str(len(report.updated)))
    table.add_row("未变 unchanged", str(len(report.unchanged)))
    table.add_row("太短 too short to teach", str(len(report.too_short)))
    table.add_row("拒绝 rejected", str(len(report.rejected)))
    console.print(table)
    for rejection in report.rejected:
        console.print(Text.assemble(("rejected ", "red"), str(rejection)), soft_wrap=True)
    if verbose:
        for rejection in report.too_short:
            console.print(Text.assemble(("too short ", "yellow"), str(rejection)), soft_wrap=True)
