"""The `buildspeak` command line; `main()` builds the app and runs it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.cli import admin, backup, chat, content, database, push, sources, translate
from bot.cli.context import CliContext
from bot.clock import SystemClock
from bot.settings import SettingsError, load_settings


def build_app() -> typer.Typer:
    app = typer.Typer(
        help="BuildSpeak 每日 builder 文摘: learn English from what the best builders write.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(_configure)
    app.command("run")(chat.run_command)
    content.register(app)
    database.register(app)
    push.register(app)
    translate.register(app)
    admin.register(app)
    backup.register(app)
    sources.register(app)
    return app


def _configure(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option(help="settings file (default: config/buildspeak.toml)")
    ] = None,
) -> None:
    """Load settings once for whichever command runs."""
    try:
        settings = load_settings(config)
    except SettingsError as error:
        Console(stderr=True).print(str(error), markup=False, highlight=False)
        raise typer.Exit(2) from None
    ctx.obj = CliContext(settings=settings, clock=SystemClock())


def main() -> None:
    # PTB 22's opt-in to its next major version: durations such as RetryAfter.retry_after as
    # timedelta (we read both forms), without a deprecation warning on every 429.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    build_app()(prog_name="buildspeak")
