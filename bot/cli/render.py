"""Lessons and import reports for the terminal (rich) and as JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from lessons.calendar import Day
from lessons.importing import ImportReport
from lessons.lesson import KIND_LABELS, Lesson, LessonHeader
from lessons.library import format_timestamp
from lessons.post import Engagement


def compact_count(value: int) -> str:
    """31400 -> "31.4K", as the page shows counts."""
    for size, suffix in ((1_000_000, "M"), (1_000, "K")):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return str(value)


def engagement_label(engagement: Engagement) -> str:
    parts = [
        (symbol, value)
        for symbol, value in (
            ("♥", engagement.likes),
            ("↻", engagement.reposts),
            ("💬", engagement.replies),
            ("❝", engagement.quotes),
        )
        if value is not None
    ]
    return "  ".join(f"{symbol} {compact_count(value)}" for symbol, value in parts)


def header_lines(header: LessonHeader) -> list[str]:
    """The header as plain lines, in the order the BuildSpeak page shows it."""
    first = f"{KIND_LABELS[header.kind]} · {header.byline} · {header.date_label} · {header.reading_label}"
    lines = [first]
    if header.title:
        lines.append(f"《{header.title}》")
    if header.part_label:
        lines.append(header.part_label)
    engagement = engagement_label(header.engagement)
    if engagement:
        lines.append(engagement)
    lines.append(f"原文 ↗ {header.source}")
    return lines


def render_lesson(console: Console, lesson: Lesson, day: Day | None = None) -> None:
    title = f"{day.date.isoformat()} 今日一课" if day else lesson.id
    if day and day.pinned:
        title += " (pinned)"
    header = Text("\n".join(header_lines(lesson.header)))
    console.print(Panel(header, title=title, subtitle=lesson.id, expand=False))
    for paragraph in lesson.paragraphs:
        stamp = f"[{format_timestamp(paragraph.start)}] " if paragraph.start is not None else ""
        body = [Text(stamp + paragraph.en, style="bold")]
        body.append(Text(paragraph.zh or "（暂无译文 no translation yet）", style="dim"))
        console.print(Group(*body))
        console.print()


def lesson_json(lesson: Lesson, day: Day | None = None) -> dict[str, Any]:
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
        "paragraphs": [p.model_dump(exclude_none=True) for p in lesson.paragraphs],
    }
    if day:
        data["date"] = day.date.isoformat()
        data["pinned"] = day.pinned
    return data


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
