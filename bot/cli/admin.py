"""`buildspeak admin stats|pin|preview|broadcast|reload`: the chat's admin commands, from a shell.

They work on the same database as the running bot and show the same views as `/admin …` does.
A broadcast asks first (`--yes` skips the question) and is then sent by the running push role, as
one confirmed in the chat would be; a reload, and a pin, tell the running workers through the
database to read the library again (they follow within a heartbeat).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

import typer

from bot.cli import content
from bot.cli.context import CliContext, context_of

CLI_AUTHOR = "cli"
DateArgument = Annotated[
    dt.datetime | None, typer.Argument(formats=["%Y-%m-%d"], help="YYYY-MM-DD (default: today)")
]


def register(app: typer.Typer) -> None:
    admin = typer.Typer(help="管理 Admin: stats, pins, previews, broadcasts, reloads.", no_args_is_help=True)
    admin.command("stats")(admin_stats)
    admin.command("pin")(admin_pin)
    admin.command("preview")(admin_preview)
    admin.command("broadcast")(admin_broadcast)
    admin.command("reload")(admin_reload)
    app.add_typer(admin, name="admin")


def admin_stats(ctx: typer.Context) -> None:
    """数据 Subscribers, today's push, quizzes, retention, the most saved words (as /admin stats)."""
    from bot.adapters.console import render
    from bot.core.admin.stats import gather
    from bot.core.admin.views import stats_text

    cli = context_of(ctx)
    with cli.migrated_sessions() as sessions, sessions() as session:
        stats = gather(session, cli.clock)
    cli.out.print(render(stats_text(stats)), highlight=False)


def admin_pin(
    ctx: typer.Context,
    date: Annotated[dt.datetime, typer.Argument(formats=["%Y-%m-%d"], help="YYYY-MM-DD")],
    lesson_id: Annotated[str, typer.Argument(help="a lesson id")],
) -> None:
    """置顶 Pin a lesson to a date (today or later), and have the running bot read it."""
    content.lessons_pin(ctx, date, lesson_id)
    _announce(context_of(ctx), f"pin {date.date()} {lesson_id}")


def admin_preview(
    ctx: typer.Context,
    date: DateArgument = None,
    group: Annotated[bool, typer.Option("--group", help="the post a group gets instead")] = False,
) -> None:
    """预览 The day's lesson exactly as the push sends it (a private chat's, or `--group`'s)."""
    from bot.adapters.console import render
    from bot.core.shelf import LessonShelf
    from bot.delivery.content import DailyLessons

    cli = context_of(ctx)
    day = date.date() if date else cli.today
    web = cli.settings.web
    lessons = DailyLessons(
        LessonShelf(cli.catalog, cli.deck_builder), web_url=web.public_url if web.reader else ""
    )
    try:
        replies = lessons.replies_on(day, "group" if group else "private")
    except LookupError:
        start = cli.catalog.config.start
        raise cli.fail(f"{day} 没有课 no lesson that day (the calendar starts {start})") from None
    for reply in replies:
        if reply.text is not None:
            cli.out.print(render(reply.text), highlight=False)
        labels = [f"[{button.label}]" for row in reply.buttons for button in row]
        if labels:
            cli.out.print(" ".join(labels), highlight=False)


def admin_broadcast(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="the announcement (quote it; new lines are kept)")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="send without asking")] = False,
) -> None:
    """群发 Send an announcement to every active subscriber, once each, through the running push."""
    from bot.adapters.console import render
    from bot.core.admin.handlers import MAX_BROADCAST
    from bot.core.admin.views import broadcast_reply
    from bot.storage import broadcasts

    cli = context_of(ctx)
    text = text.strip()
    if not text:
        raise cli.fail("通知是空的 the announcement is empty", code=2)
    if len(text) > MAX_BROADCAST:
        raise cli.fail(f"通知太长了 too long: {len(text)} > {MAX_BROADCAST} characters", code=2)
    preview = broadcast_reply(text).text
    assert preview is not None
    with cli.migrated_sessions() as sessions:
        with sessions() as session:
            audience = broadcasts.audience(session)
        cli.out.print(render(preview), highlight=False)
        platforms = ", ".join(f"{platform} {count}" for platform, count in sorted(audience.items())) or "—"
        cli.out.print(f"→ {sum(audience.values())} 个订阅 subscriptions ({platforms})", highlight=False)
        if not yes and not typer.confirm("确认发送？ Send it?", default=False):
            cli.out.print("已取消 cancelled: nothing sent", highlight=False)
            raise typer.Exit(1)
        with sessions() as session:
            made = broadcasts.create(session, text=text, author=CLI_AUTHOR, now=cli.clock.now())
            assert made.id is not None
            broadcasts.confirm(session, made.id, by=CLI_AUTHOR, now=cli.clock.now())
    cli.out.print(
        f"✅ 广播 #{made.id} 已确认 confirmed: the running push role sends it at its next check, "
        "once to each subscriber",
        highlight=False,
    )


def admin_reload(ctx: typer.Context) -> None:
    """重新读取 Have every running worker read the library and pins again, without a restart."""
    cli = context_of(ctx)
    _announce(cli, "reload")


def _announce(cli: CliContext, reason: str) -> None:
    from bot.core.admin.library import announce

    with cli.migrated_sessions() as sessions:
        generation = asyncio.run(announce(sessions, cli.clock, by=CLI_AUTHOR, reason=reason))
    cli.out.print(
        f"🔄 课程库第 {generation} 版 library generation {generation}: running workers read it again "
        "within a heartbeat",
        highlight=False,
    )
