"""`buildspeak push status|now`: where today's daily push stands, and a run on demand.

`push now` runs one push as the scheduler would (who is due now and has not had today's
lesson), through the same ledger, so it is safe beside a running bot: nobody gets two.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.context import CliContext, context_of

if TYPE_CHECKING:
    from bot.delivery.broadcast import RunReport
    from bot.delivery.progress import Progress

PLATFORMS = ("telegram",)


def register(app: typer.Typer) -> None:
    push = typer.Typer(help="每日推送 The daily push: progress, and a run on demand.", no_args_is_help=True)
    push.command("status")(push_status)
    push.command("now")(push_now)
    app.add_typer(push, name="push")


def push_status(ctx: typer.Context) -> None:
    """状态 Today's push per platform and kind: due, sent, failed, blocked, skipped, uncertain, remaining."""
    from bot.delivery.progress import push_progress
    from bot.storage.engine import migrate, session_factory
    from bot.storage.tables import PushKind

    cli = context_of(ctx)
    engine = cli.database_engine
    try:
        migrate(engine)
        with session_factory(engine)() as session:
            for platform in PLATFORMS:
                for kind in (PushKind.LESSON, PushKind.QUIZ):
                    progress = push_progress(session, platform=platform, clock=cli.clock, kind=kind)
                    _print_progress(cli, f"{platform} · {kind.value}", progress)
    finally:
        engine.dispose()


def _print_progress(cli: CliContext, platform: str, progress: Progress) -> None:
    dates = sorted(set(progress.zones.values()))
    when = " / ".join(str(date) for date in dates) or "—"
    rows = [
        ("due", progress.due, "到时间的订阅（含已发）"),
        ("sent", progress.sent, "已送达"),
        ("failed", progress.failed, "失败（重试后放弃，见日志）"),
        ("blocked", progress.blocked, "对方已屏蔽或退群"),
        ("skipped", progress.skipped, "当天没有内容（测验：没有到期的词），不发"),
        ("uncertain", progress.uncertain, "进程中断时在途，可能已送达，不重发"),
        ("in flight", progress.in_flight, "正在发送"),
        ("remaining", progress.remaining, "待发送"),
        ("later today", progress.later_today, "今天稍后"),
    ]
    cli.out.print(f"{platform} · today {when} ({len(progress.zones)} timezone(s))", highlight=False)
    for name, count, meaning in rows:
        cli.out.print(f"  {name:<12}{count:>8}  {meaning}", highlight=False)


def push_now(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only count who is due; send nothing")] = False,
) -> None:
    """立即推送 Push today's lesson and quiz now to everyone due who has not had them (Telegram)."""
    cli = context_of(ctx)
    token = cli.settings.telegram.token
    if token is None and not dry_run:
        raise cli.fail("需要 TELEGRAM_BOT_TOKEN 才能推送；--dry-run 只统计不发送。", code=2)
    reports = asyncio.run(_run_push(cli, dry_run=dry_run))
    for kind, report in reports:
        for zone, count in sorted(report.due.items()):
            cli.out.print(f"  {kind} due  {zone}  {count}", highlight=False)
        if dry_run:
            cli.out.print(
                f"{kind} dry run: {sum(report.due.values())} due now, nothing sent", highlight=False
            )
        else:
            cli.out.print(
                f"{kind}: sent {report.sent}, skipped {report.skipped}, failed {report.failed}, "
                f"blocked {report.blocked}, rate-limited {report.rate_limited}, retried {report.retried}",
                highlight=False,
            )


async def _run_push(cli: CliContext, *, dry_run: bool) -> list[tuple[str, RunReport]]:
    """One run through the same units `buildspeak run --roles push` starts, without its timer: the
    worker registered (so nobody takes this run's claims for a dead one's) and the connection open."""
    from bot.adapters.telegram import TelegramConfig
    from bot.cli.chat import build_conversation
    from bot.logs import configure_logging
    from bot.runtime.assembly import assemble
    from bot.runtime.units import started
    from bot.storage.engine import migrate

    settings = cli.settings
    secret = settings.telegram.token.get_secret_value() if settings.telegram.token else "0:dry-run"
    configure_logging(settings.log_level, secrets=[secret], format=settings.log_format)
    if not settings.push.enabled:
        raise cli.fail("push.enabled = false: 推送已关闭。", code=2)
    engine = cli.database_engine
    try:
        migrate(engine)
        conversation = build_conversation(cli, offline_audio=False)
        runtime = assemble(
            conversation,
            roles=("push",),
            sessions=conversation.services.sessions,
            clock=cli.clock,
            push=settings.push,
            runtime=settings.runtime,
            telegram=TelegramConfig(token=secret, api_base_url=settings.telegram.api_base_url),
            scheduled=False,
        )
        pushers = runtime.pushers
        if dry_run:
            return [(pusher.content.kind.value, await pusher.run_once(dry_run=True)) for pusher in pushers]
        async with started(runtime.units):  # each kind in turn: lessons first, then quizzes
            return [(pusher.content.kind.value, await pusher.run_once()) for pusher in pushers]
    finally:
        engine.dispose()
