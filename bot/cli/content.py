"""Commands for the content side: import sources, read lessons, manage the calendar."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.cli.context import CliContext, context_of
from bot.cli.render import lesson_json, render_lesson, render_report
from lessons.calendar import Day
from lessons.catalog import UnknownLesson
from lessons.following.days_left import WARN_BELOW_DAYS, days_left
from lessons.importers import Importer, ImportOptions, available
from lessons.importing import SourceError, import_sources, read_source, source_paths
from lessons.lesson import Lesson
from lessons.library import Library
from lessons.seeds import SOURCES_DIR, import_seeds

DateOption = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON instead of text")]


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    lesson = typer.Typer(help="读一课 Read a lesson.", no_args_is_help=True)
    lesson.command("today")(lesson_today)
    lesson.command("show")(lesson_show)
    app.add_typer(lesson, name="lesson")
    lessons = typer.Typer(help="课程表 The lesson calendar and library.", no_args_is_help=True)
    lessons.command("list")(lessons_list)
    lessons.command("archive")(lessons_archive)
    lessons.command("pin")(lessons_pin)
    lessons.command("unpin")(lessons_unpin)
    lessons.command("import-seeds")(lessons_import_seeds)
    app.add_typer(lessons, name="lessons")


def import_command(
    ctx: typer.Context,
    format: Annotated[str, typer.Argument(help="x-archive | page | transcript | markdown | feed")],
    paths: Annotated[
        list[str], typer.Argument(help="files, http(s) URLs, or folders (markdown: a blog's checkout)")
    ],
    added: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="day the posts join the lesson queue (default: today)"),
    ] = None,
    author: Annotated[str | None, typer.Option(help="author name, for sources without one")] = None,
    handle: Annotated[str | None, typer.Option(help="author's X handle")] = None,
    date: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="post date, for sources without one")
    ] = None,
    url: Annotated[str | None, typer.Option(help="source link, for one source without one")] = None,
    title: Annotated[str | None, typer.Option(help="title, for sources without one")] = None,
    library: Annotated[Path | None, typer.Option(help="library folder (default: settings)")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="list every skipped post")] = False,
) -> None:
    """导入 Import builder posts into the library (re-importing the same source changes nothing)."""
    cli = context_of(ctx)
    importer = available().get(format)
    if importer is None:
        raise cli.fail(f"unknown format {format!r}; choose one of: {', '.join(available())}", 2)
    options = ImportOptions(
        added=added.date() if added else cli.today,
        sizing=cli.sizing,
        author=author,
        handle=handle,
        date=date.date() if date else None,
        url=url,
        title=title,
    )
    locations, unreadable = _locations(cli, importer, paths)
    if url and len(locations) > 1:
        raise cli.fail(f"--url is one post's link: give it with one file, not {len(locations)}", 2)
    sources, unread = _read_sources(cli, locations)
    unreadable += unread
    target = Library.load(library or cli.settings.library.path)
    with _progress(cli) as progress:
        task = progress.add_task(f"importing {format}", total=None)
        report = import_sources(
            importer,
            sources,
            target,
            options,
            on_entries=lambda total: progress.update(task, total=total),
            on_progress=lambda: progress.advance(task),
        )
    render_report(cli.out, report, verbose)
    if unreadable:
        raise typer.Exit(1)


def _locations(cli: CliContext, importer: Importer, paths: list[str]) -> tuple[list[str], int]:
    """Every file to read: the paths as given, a folder replaced by the files the importer picks in it."""
    locations, unreadable = [], 0
    for path in paths:
        try:
            locations.extend(source_paths(importer, path))
        except SourceError as error:
            cli.err.print(f"[red]{error}[/red]", highlight=False)
            unreadable += 1
    return locations, unreadable


def _read_sources(cli: CliContext, locations: list[str]) -> tuple[list, int]:
    sources, unreadable = [], 0
    with httpx.Client(timeout=cli.settings.http.timeout) as client:
        for location in locations:
            try:
                sources.append(read_source(location, client))
            except SourceError as error:
                cli.err.print(f"[red]{error}[/red]", highlight=False)
                unreadable += 1
    return sources, unreadable


def _progress(cli: CliContext) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=cli.err,
        transient=False,
    )


AudioOption = Annotated[bool, typer.Option("--audio", help="build the audio and print the file paths")]


def lesson_today(
    ctx: typer.Context, date: DateOption = None, as_json: JsonOption = False, audio: AudioOption = False
) -> None:
    """今日一课 Show the day's lesson card by card (today in the configured timezone, or --date)."""
    cli = context_of(ctx)
    day_date = date.date() if date else cli.today
    day = cli.catalog.day(day_date)
    if day is None:
        raise cli.fail(
            f"{day_date} 没有课程 no lesson: the calendar starts {cli.settings.calendar.start} "
            "and the library must not be empty"
        )
    _show(cli, day.lesson, day, as_json, audio)


def lesson_show(
    ctx: typer.Context,
    lesson_id: Annotated[str, typer.Argument(help="a lesson id, as `lessons list` prints")],
    as_json: JsonOption = False,
    audio: AudioOption = False,
) -> None:
    """显示 Show one lesson by id, card by card."""
    cli = context_of(ctx)
    try:
        lesson = cli.catalog.lesson(lesson_id)
    except UnknownLesson:
        raise cli.fail(
            f"没有这一课 no lesson with id {lesson_id!r} (see `buildspeak lessons list`)"
        ) from None
    _show(cli, lesson, None, as_json, audio)


def _show(cli: CliContext, lesson: Lesson, day: Day | None, as_json: bool, audio: bool) -> None:
    deck = cli.deck_builder.build(lesson, cli.speaker() if audio else None)
    if as_json:
        cli.out.print_json(json.dumps(lesson_json(deck, day), ensure_ascii=False))
    else:
        render_lesson(cli.out, deck, day)


def lessons_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """列表 List every lesson in the library, why a lesson is left off the calendar, and how many days
    of new lessons are left after today."""
    cli = context_of(ctx)
    lessons = sorted(cli.catalog.lessons.values(), key=lambda lesson: (lesson.header.date, lesson.id))
    teaching = cli.catalog.teaching
    if as_json:
        rows = [
            {
                "id": x.id,
                "date": x.header.date.isoformat(),
                "author": x.header.author,
                "sentences": x.sentences,
                "words": x.header.words,
                "part": x.header.part,
                "parts": x.header.parts,
                "teaching_value": round(teaching.value(x).score, 2),
                "scheduled": teaching.schedules(x),
                "reason": teaching.reason(x),
            }
            for x in lessons
        ]
        cli.out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    width = max((len(lesson.id) for lesson in lessons), default=2)
    for lesson in lessons:
        part = lesson.header.part_label or ""
        facts = f"{lesson.header.date}  {lesson.sentences:>2} 句  {part:<12}"
        reason = teaching.reason(lesson)
        line = f"{lesson.id:<{width}}  {facts} {_opening(lesson)}" + (f"  ⛔ {reason}" if reason else "")
        cli.out.print(line, markup=False, highlight=False, soft_wrap=True)
    left_out = sum(1 for lesson in lessons if not teaching.schedules(lesson))
    cli.out.print(
        f"{len(lessons)} lessons, {left_out} 不排课 not scheduled "
        f"(teaching value below {teaching.min_score:g}, [lessons] min_teaching_value)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    left = days_left(cli.catalog, cli.today)
    cli.out.print(left.line(WARN_BELOW_DAYS), markup=False, highlight=False, soft_wrap=True)


def _opening(lesson: Lesson, length: int = 48) -> str:
    first = lesson.paragraphs[0].en.splitlines()[0]
    return first if len(first) <= length else first[: length - 1] + "…"


def lessons_archive(
    ctx: typer.Context,
    days: Annotated[int | None, typer.Option(min=1, help="only the last N days")] = None,
    until: DateOption = None,
    as_json: JsonOption = False,
) -> None:
    """归档 List past days and their lessons, newest first."""
    cli = context_of(ctx)
    last = until.date() if until else cli.today
    archive = cli.catalog.archive(last, days)
    if as_json:
        rows = [{"date": d.date.isoformat(), "lesson": d.lesson.id, "pinned": d.pinned} for d in archive]
        cli.out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    width = max((len(day.lesson.id) for day in archive), default=2) + 2
    for number, day in enumerate(archive):
        lesson_id = day.lesson.id + (" 📌" if day.pinned else "")
        line = f"{len(archive) - number:>4}. {day.date}  {lesson_id:<{width}} {_opening(day.lesson)}"
        cli.out.print(line, markup=False, highlight=False, soft_wrap=True)
    if not archive:
        cli.out.print("归档为空 the archive is empty: the calendar has not started yet.")


def lessons_pin(
    ctx: typer.Context,
    date: Annotated[dt.datetime, typer.Argument(formats=["%Y-%m-%d"], help="YYYY-MM-DD")],
    lesson_id: Annotated[str, typer.Argument(help="a lesson id")],
) -> None:
    """置顶 Pin a lesson to a date (today or later)."""
    cli = context_of(ctx)
    try:
        cli.catalog.pin(date.date(), lesson_id, cli.today)
    except UnknownLesson:
        raise cli.fail(f"没有这一课 no lesson with id {lesson_id!r}") from None
    except ValueError as error:
        raise cli.fail(str(error)) from None
    cli.out.print(f"📌 {date.date()} → {lesson_id}", highlight=False)
    reason = cli.catalog.teaching.reason(cli.catalog.lesson(lesson_id))
    if reason:
        cli.out.print(
            f"注意：已按你的选择置顶 note: pinned anyway; on its own it is {reason}", highlight=False
        )


def lessons_unpin(
    ctx: typer.Context,
    date: Annotated[dt.datetime, typer.Argument(formats=["%Y-%m-%d"], help="YYYY-MM-DD")],
) -> None:
    """取消置顶 Remove the pin from a date."""
    cli = context_of(ctx)
    try:
        removed = cli.catalog.unpin(date.date(), cli.today)
    except ValueError as error:
        raise cli.fail(str(error)) from None
    cli.out.print(f"unpinned {date.date()}" if removed else f"{date.date()} had no pin", highlight=False)


def lessons_import_seeds(
    ctx: typer.Context,
    library: Annotated[Path | None, typer.Option(help="library folder (default: settings)")] = None,
    sources: Annotated[Path, typer.Option(help="folder of the seed documents")] = SOURCES_DIR,
) -> None:
    """种子库 (Re)build the bundled library from the seed documents in lessons/sources/."""
    cli = context_of(ctx)
    target = Library.load(library or cli.settings.library.path)
    with _progress(cli) as progress:
        task = progress.add_task("importing seeds", total=None)
        reports = import_seeds(target, cli.sizing, sources, on_progress=lambda: progress.advance(task))
    for name, report in reports.items():
        cli.out.print(name, highlight=False)
        render_report(cli.out, report, verbose=False)
