"""A tiny library for explanation tests: three posts whose sentences use "engulf" and "ship it"."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

from lessons.catalog import Catalog, CatalogConfig
from lessons.sizing import LessonSizing

POSTS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "x-100": (
        "Ada Builder",
        [
            (
                "The flood engulfed the town. We ship it when the tests pass.",
                "洪水吞没了小镇。测试通过我们就发布。",
            ),
            ("Nothing else engulfs attention like a demo.", "没有什么比 demo 更吸引注意力。"),
        ],
    ),
    "x-200": (
        "Bo Hacker",
        [
            (
                "An agent engulfs the whole context window. That is fine.",
                "一个 agent 吞掉了整个上下文窗口。这没问题。",
            )
        ],
    ),
    "x-300": ("Cy Founder", [("Engulfing software is what LLMs do.", "吞噬软件，这就是 LLM 正在做的事。")]),
}


def write_library(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for post_id, (author, paragraphs) in POSTS.items():
        body = "\n\n".join(f"{en}\n\n> {zh}" for en, zh in paragraphs)
        front = textwrap.dedent(
            f"""\
            ---
            id: {post_id}
            kind: post
            author: {author}
            date: '2025-01-03'
            source: https://x.com/someone/status/{post_id.removeprefix("x-")}
            added: '2026-11-01'
            ---

            """
        )
        (folder / f"{post_id}.md").write_text(front + body + "\n", encoding="utf-8")


def small_catalog(tmp_path: Path) -> Catalog:
    """Every post is a lesson, however short."""
    write_library(tmp_path / "library")
    sizing = LessonSizing(min_sentences=1, min_words=1, target_sentences=10, max_sentences=15)
    config = CatalogConfig(tmp_path / "library", tmp_path / "pins.toml", dt.date(2026, 11, 1), sizing)
    return Catalog.open(config)
