"""`buildspeak translate ID`: fill in a post's missing Chinese with the configured model and write it
into the post's file, so the library keeps it and cards pair it sentence by sentence."""

from __future__ import annotations

import asyncio
from typing import Annotated

import httpx
import typer

from bot.cli.context import CliContext, context_of
from bot.learning.llm import ChatClient
from bot.learning.setup import llm_config
from bot.learning.translation import TranslationReport, translate_post, translation_config
from lessons.catalog import UnknownLesson
from lessons.library import Library
from lessons.post import Post

NO_MODEL = (
    "没有配置模型 no LLM configured: set LLM_BASE_URL and LLM_MODEL (and LLM_API_KEY if the endpoint "
    "needs one), e.g. LLM_BASE_URL=https://api.deepseek.com/v1 LLM_MODEL=deepseek-chat, or [llm] in "
    "config/buildspeak.toml."
)


def register(app: typer.Typer) -> None:
    app.command("translate")(translate_command)


def translate_command(
    ctx: typer.Context,
    post_id: Annotated[str, typer.Argument(help="a post id, or a lesson id (its post is translated)")],
    retranslate: Annotated[
        bool, typer.Option("--all", help="translate every paragraph again, not only the missing ones")
    ] = False,
) -> None:
    """翻译 Translate a post's missing Chinese with the configured LLM and save it in the post file."""
    cli = context_of(ctx)
    if not cli.settings.llm.configured:
        raise cli.fail(NO_MODEL, code=2)
    library = Library.load(cli.settings.library.path)
    post = _find_post(cli, library, post_id)
    missing = sum(1 for paragraph in post.paragraphs if not paragraph.zh)
    if not missing and not retranslate:
        cli.out.print(f"{post.id} 已有完整译文 already translated (--all translates it again).")
        return
    todo = len(post.paragraphs) if retranslate else missing
    cli.out.print(f"翻译 translating {post.id}: {todo} paragraph(s) with {cli.settings.llm.model} …")
    report = asyncio.run(_translate(cli, post, retranslate))
    if report.translated:
        path = library.update(report.post)
        cli.out.print(f"写入 saved {report.translated} paragraph(s) to {path}", highlight=False)
    for number, reason in report.failed:
        cli.err.print(f"[yellow]paragraph {number} not translated:[/yellow] {reason}", highlight=False)
    if report.failed:
        raise cli.fail("部分段落未翻译 some paragraphs failed; run the command again to retry only those.")


async def _translate(cli: CliContext, post: Post, retranslate: bool) -> TranslationReport:
    config = translation_config(llm_config(cli.settings.llm))
    async with httpx.AsyncClient() as http:
        client = ChatClient(config, http)
        return await translate_post(
            post,
            client,
            retranslate=retranslate,
            on_paragraph=lambda done, total: cli.out.print(f"  {done}/{total}", highlight=False),
        )


def _find_post(cli: CliContext, library: Library, wanted: str) -> Post:
    if wanted in library.posts:
        return library.posts[wanted]
    try:
        return library.posts[cli.catalog.lesson(wanted).post.id]
    except (UnknownLesson, KeyError):
        raise cli.fail(
            f"没有这篇 no post or lesson with id {wanted!r} (see `buildspeak lessons list`)"
        ) from None
