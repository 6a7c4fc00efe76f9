"""`buildspeak sources list|fetch|review|approve|skip`: following builders from a shell.

The fetch puts new posts in the review queue (`[sources] review`), which the calendar never
reads; approving moves a post into the library, joining the lesson queue at its end on the first
day no subscriber has begun (`joining_day`: today's lesson may be out already), and tells the
running workers to read the library again (as `buildspeak admin reload` does).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.context import CliContext, context_of
from bot.cli.sources_review import ReviewSession, print_outcome, print_queue, print_sources
from lessons.following.config import SourcesFileError, load_sources
from lessons.following.days_left import joining_day
from lessons.following.queue import NotInQueue, QueueInLibrary, ReviewQueue, check_apart
from lessons.library import Library

if TYPE_CHECKING:
    from sqlmodel import Session

    from bot.sources.outcomes import FetchRun

CLI_HOLDER = "cli"
IdsArgument = Annotated[list[str], typer.Argument(help="queued post ids, as `sources list` prints them")]


def register(app: typer.Typer) -> None:
    sources = typer.Typer(
        help="关注 Follow builders: fetch their feeds into a review queue, then approve or skip.",
        no_args_is_help=True,
    )
    sources.command("list")(sources_list)
    sources.command("fetch")(sources_fetch)
    sources.command("review")(sources_review)
    sources.command("approve")(sources_approve)
    sources.command("skip")(sources_skip)
    app.add_typer(sources, name="sources")


def sources_list(ctx: typer.Context) -> None:
    """列表 Each source's fetch state (last fetch, ETag, failures, next try), then the posts waiting."""
    from bot.storage.source_fetches import fetch_states

    cli = context_of(ctx)
    settings = cli.settings.sources
    broken = False
    try:
        followed = load_sources(settings.path)
    except SourcesFileError as error:
        cli.err.print(str(error), markup=False, highlight=False)
        followed, broken = [], True
    with cli.migrated_sessions() as sessions, sessions() as session:
        states = fetch_states(session)
    print_sources(cli.out, settings.path, followed, states, cli.settings.calendar.timezone)
    queue = _queue(cli)
    print_queue(cli.out, queue.posts())
    if broken:
        raise typer.Exit(1)


def sources_fetch(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None, typer.Argument(help="source names (default: every enabled source)")
    ] = None,
) -> None:
    """抓取 Fetch now into the review queue: every enabled source, or the named ones (even disabled)."""
    cli = context_of(ctx)
    with cli.migrated_sessions() as sessions:
        run = asyncio.run(_fetch(cli, sessions, names or []))
    if not run.outcomes:
        cli.out.print("没有要抓取的来源 no source to fetch: enable one in the sources file", highlight=False)
    for outcome in run.outcomes:
        print_outcome(cli.out, outcome)
    cli.out.print(
        f"新增 {len(run.new)} 篇待审 new posts queued; `buildspeak sources review` to go through them",
        highlight=False,
    )
    if run.failed:
        raise typer.Exit(1)


async def _fetch(cli: CliContext, sessions: Callable[[], Session], names: list[str]) -> FetchRun:
    import httpx

    from bot.sources.fetching import FetchBusy, SourceFetcher, UnknownSource
    from bot.sources.setup import fetch_config

    try:
        config = fetch_config(cli.settings)
    except QueueInLibrary as error:
        raise cli.fail(str(error), 2) from None
    async with httpx.AsyncClient() as client:
        fetcher = SourceFetcher(config, sessions=sessions, clock=cli.clock, client=client, holder=CLI_HOLDER)
        try:
            return await fetcher.fetch(names)
        except SourcesFileError as error:
            raise cli.fail(str(error)) from None
        except UnknownSource as error:
            raise cli.fail(f"没有这个来源 no source named {error} in {cli.settings.sources.path}") from None
        except FetchBusy as error:
            raise cli.fail(str(error)) from None


def sources_review(ctx: typer.Context) -> None:
    """审阅 Go through the queue: 通过 approve / 跳过 skip / 预览全文 preview, post by post."""
    cli = context_of(ctx)
    queue = _queue(cli)
    session = ReviewSession(cli, queue, _library(cli))
    approved = session.run()
    if approved:
        _announce(cli, f"sources approved {len(approved)}")


def sources_approve(ctx: typer.Context, post_ids: IdsArgument) -> None:
    """通过 Approve queued posts: each joins the library tomorrow (`joining_day`), at the end of the
    lesson queue."""
    cli = context_of(ctx)
    queue, library = _queue(cli), _library(cli)
    approved, missing = [], []
    joins = joining_day(cli.today, cli.clock.now())
    for post_id in post_ids:
        try:
            approval = queue.approve(post_id, library, joins)
        except NotInQueue:
            missing.append(post_id)
            continue
        approved.append(post_id)
        cli.out.print(_approved_line(approval.outcome, post_id, joins), highlight=False)
    if approved:
        _announce(cli, f"sources approved {len(approved)}")
    _fail_missing(cli, missing)


def sources_skip(ctx: typer.Context, post_ids: IdsArgument) -> None:
    """跳过 Skip queued posts for good: they stay out of the library and are never queued again."""
    cli = context_of(ctx)
    queue = _queue(cli)
    missing = []
    for post_id in post_ids:
        try:
            queue.skip(post_id)
        except NotInQueue:
            missing.append(post_id)
            continue
        cli.out.print(f"⏭ 已跳过 skipped {post_id}: it will not be queued again", highlight=False)
    _fail_missing(cli, missing)


def _approved_line(outcome: str, post_id: str, joins: dt.date) -> str:
    if outcome == "already":
        return f"✅ {post_id} 已在课程库 was already in the library: the queued copy is dropped"
    return f"✅ 已通过 approved {post_id}: in the library from {joins}, at the end of the lesson queue"


def _fail_missing(cli: CliContext, missing: list[str]) -> None:
    if missing:
        raise cli.fail(
            f"队列里没有 not in the review queue: {', '.join(missing)} (see `buildspeak sources list`)"
        )


def _queue(cli: CliContext) -> ReviewQueue:
    try:
        check_apart(cli.settings.sources.review, cli.settings.library.path)
    except QueueInLibrary as error:
        raise cli.fail(str(error), 2) from None
    queue = ReviewQueue.open(cli.settings.sources.review)
    for error in queue.errors:
        cli.err.print(f"[yellow]skipped review file[/yellow] {error}", highlight=False)
    return queue


def _library(cli: CliContext) -> Library:
    return Library.load(cli.settings.library.path)


def _announce(cli: CliContext, reason: str) -> None:
    """Running workers read the library again, so the approved posts are theirs too."""
    from bot.core.admin.library import announce

    with cli.migrated_sessions() as sessions:
        generation = asyncio.run(announce(sessions, cli.clock, by=CLI_HOLDER, reason=reason))
    cli.out.print(
        f"🔄 课程库第 {generation} 版 library generation {generation}: running workers read it again",
        highlight=False,
    )
