"""The review in chat: the admins' daily digest of queued posts, and its buttons 通过 / 跳过 / 预览全文.

Each queued post is one message: its header, whether it passed the checks (and why not), its
first cards, and the three buttons. The buttons carry the post's review id (`post_reviews`), so
they keep working after a restart and in any worker. Approving moves the post into the library
through the review queue (`lessons/following/queue.py`), joining the calendar's queue at its end
on the first day no one has begun (`joining_day`: no day anyone may have had changes), and
reloads the library in every worker; skipping sets it aside for good. Only an admin in a private
chat may press them: anyone else gets what a stale button gets, and nothing changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.clock import local_date
from bot.core import texts
from bot.core.actions import Action, small_number
from bot.core.admin.library import reload_everywhere
from bot.core.messages import Button, Line, Reply, RichText, Span, keyboard
from bot.core.turn import Turn
from bot.storage import post_reviews
from bot.storage.review_tables import PostReview
from lessons.catalog import Catalog
from lessons.following.days_left import DaysLeft, first_day, joining_day
from lessons.following.queue import NotInQueue, ReviewQueue
from lessons.following.summary import QueuedSummary, summarize
from lessons.library import Library
from lessons.post import Post

REVIEW = "rv"  # "rv:ok:17" approves review #17, "rv:no:17" skips it, "rv:all:17" shows its text
APPROVE, SKIP, WHOLE = "ok", "no", "all"
LABELS = {APPROVE: "✅ 通过", SKIP: "⏭ 跳过", WHOLE: "📄 预览全文"}
DECIDED = {"approved": "通过", "skipped": "跳过", "auto": "自动通过"}
GONE = "这篇已不在审核队列（可能已在终端通过或跳过）。"
NO_TRANSLATION = "（暂无译文）"


@dataclass(frozen=True)
class QueuedPost:
    """A post in the digest: its review id (the buttons'), what a reviewer sees, the verdict."""

    review_id: int
    summary: QueuedSummary
    passed: bool
    reasons: tuple[str, ...]

    @classmethod
    def of(cls, post: Post, row: PostReview, catalog: Catalog) -> QueuedPost:
        assert row.id is not None
        reasons = tuple(line for line in row.reasons.split("\n") if line)
        return cls(row.id, summary_of(post, catalog), row.passed, reasons)


def summary_of(post: Post, catalog: Catalog) -> QueuedSummary:
    """The post cut and judged as the library would cut and judge it."""
    config = catalog.config
    return summarize(
        post, sizing=config.sizing, words_per_minute=config.words_per_minute, rule=catalog.teaching
    )


# ---------------------------------------------------------------- what admins get


def digest_head(new: int, waiting: int, days: DaysLeft, approved: Sequence[str]) -> Reply:
    """The digest's first message: what is new, what waits in all, and the days of lessons left."""
    lines: list[str | Span | Line] = [Span(f"📬 待审文章 Review · {days.today.isoformat()}", bold=True)]
    lines.append(f"新到 {new} 篇，共 {waiting} 篇等你审核；通过的排在现有课程之后，已排的日子不变。")
    if approved:
        lines.append(f"自动通过 {len(approved)} 篇（检查全部通过）：{'、'.join(approved[:5])}")
    lines.append(days.label)
    return Reply(RichText.of(*lines))


def post_reply(queued: QueuedPost) -> Reply:
    """One queued post with 通过 / 跳过 / 预览全文."""
    buttons = [Button(LABELS[answer], action=_action(answer, queued.review_id)) for answer in LABELS]
    return Reply(post_text(queued), buttons=keyboard(buttons))


def post_text(queued: QueuedPost) -> RichText:
    summary = queued.summary
    header = summary.header
    title = f"《{header.title}》" if header.title else _opening(summary.post)
    lines: list[str | Span | Line] = [Span(f"📝 #{queued.review_id} {title}", bold=True)]
    lines.append(header.headline)
    lines.append((Span("原文 ↗", url=header.source), Span(" · ID "), Span(summary.post.id, code=True)))
    lines.append(_verdict(queued, min(value.score for value in summary.lessons)))
    lines += [f"· {reason}" for reason in queued.reasons]
    for number, card in enumerate(summary.first_cards, 1):
        lines += ["", (Span(f"{number}. ", bold=True), Span(card.en))]
        lines.append(Span(card.zh) if card.zh else Span(NO_TRANSLATION, italic=True))
    return RichText.of(*lines)


def _opening(post: Post, length: int = 40) -> str:
    first = post.paragraphs[0].en.split("\n", 1)[0]
    return first if len(first) <= length else first[: length - 1] + "…"


def _verdict(queued: QueuedPost, score: float) -> str:
    if queued.passed:
        return f"✅ 检查通过 passed：卡片对齐，教学价值 {score:.2f}"
    return f"⏸ 需要人工审核 waits for a person（教学价值 {score:.2f}）："


def whole_text(post: Post) -> Reply:
    """预览全文: every paragraph, its Chinese under it (not hidden: the reviewer checks it)."""
    lines: list[str | Span | Line] = [Span(f"📄 全文预览 · {post.title or post.id}", bold=True)]
    lines.append(f"{post.author} · {post.date.isoformat()} · {post.words} 词")
    for paragraph in post.paragraphs:
        lines += ["", *paragraph.en.split("\n")]
        chinese = paragraph.zh.split("\n") if paragraph.zh else [NO_TRANSLATION]
        lines += [Span(line, italic=True) for line in chinese]
    return Reply(RichText.of(*lines))


def warning(days: DaysLeft, waiting: int, limit: int) -> Reply:
    """The daily warning when fewer than `limit` days of new lessons are left."""
    lines: list[str | Span | Line] = [
        Span(f"⚠️ 新课不足 {limit} 天 · fewer than {limit} days of lessons", bold=True)
    ]
    lines.append(days.label)
    if waiting:
        lines.append(f"审核队列里有 {waiting} 篇等你通过（见今天的待审消息）。")
    lines.append("也可以 buildspeak import 导入新文章，或 buildspeak sources fetch 抓取关注的来源。")
    lines.append("新课用完后，日历会重复旧课。After that the calendar repeats old lessons.")
    return Reply(RichText.of(*lines))


def _action(answer: str, review_id: int) -> str:
    return Action(REVIEW, (answer, str(review_id))).encode()


# ---------------------------------------------------------------- the buttons


async def pressed(turn: Turn, is_admin: bool) -> list[Reply]:
    """A digest button: `turn.args` is (answer, review id); `is_admin` says whether the presser may."""
    answer, number = (*turn.args, "", "")[:2]
    review_id = small_number(number, digits=12)
    if not is_admin or review_id is None or answer not in LABELS:
        return [Reply(notice=texts.STALE_BUTTON)]
    row = await turn.db(lambda session: post_reviews.review(session, review_id))
    if row is None:
        return [Reply(notice=GONE)]
    if answer == WHOLE:
        return await _whole(row)
    if row.decision is not None:
        done = f"已由 {row.decided_by} {DECIDED.get(row.decision, row.decision)}。"
        return [Reply(notice=done)]
    return await (_approve(turn, row) if answer == APPROVE else _skip(turn, row))


async def _whole(row: PostReview) -> list[Reply]:
    try:
        post = await asyncio.to_thread(_queued, row, lambda queue: None)
    except NotInQueue:
        return [Reply(notice=GONE)]
    return [whole_text(post)]


async def _approve(turn: Turn, row: PostReview) -> list[Reply]:
    shelf, who, today = turn.services.shelf, _who(turn), _today(turn)
    library_dir, joins = shelf.catalog.config.library_dir, joining_day(today, turn.now)
    try:
        post = await asyncio.to_thread(
            _queued, row, lambda queue: queue.approve(row.post_id, Library.load(library_dir), joins)
        )
    except NotInQueue:
        return [Reply(notice=GONE)]
    await _decide(turn, row, "approved")
    try:
        await reload_everywhere(
            shelf, turn.services.sessions, turn.services.clock, by=who, reason=f"approve {row.post_id}"
        )
    except Exception as error:  # the post is in the library: the next reload picks it up
        return [Reply(RichText.of(texts.ADMIN_RELOAD_FAILED.format(error=error)))]
    first = await asyncio.to_thread(first_day, shelf.catalog, row.post_id, today)
    when = f"第一次推送 {first.isoformat()}" if first else "但教学价值不足，日历不会排它（可用 /admin pin）"
    return [await _done(turn, row, post, f"✅ 已通过（{who}）：{when}")]


async def _skip(turn: Turn, row: PostReview) -> list[Reply]:
    try:
        post = await asyncio.to_thread(_queued, row, lambda queue: queue.skip(row.post_id))
    except NotInQueue:
        return [Reply(notice=GONE)]
    await _decide(turn, row, "skipped")
    return [await _done(turn, row, post, f"⏭ 已跳过（{_who(turn)}）：不会再被抓取进队列。")]


def _queued(row: PostReview, then: Callable[[ReviewQueue], object]) -> Post:
    """The queued post as it is now, after `then` did its work on the queue (raises NotInQueue)."""
    queue = ReviewQueue.open(Path(row.queue_dir))
    post = queue.post(row.post_id)
    then(queue)
    return post


async def _decide(turn: Turn, row: PostReview, decision: str) -> None:
    assert row.id is not None
    review_id, who, now = row.id, _who(turn), turn.now
    await turn.db(lambda s: post_reviews.decide(s, review_id=review_id, decision=decision, by=who, now=now))


async def _done(turn: Turn, row: PostReview, post: Post, line: str) -> Reply:
    """The digest message again, its buttons replaced by what was decided."""
    catalog = turn.services.shelf.catalog
    queued = await asyncio.to_thread(QueuedPost.of, post, row, catalog)
    return Reply(post_text(queued) + RichText.of("", Span(line, bold=True)), edit=True, notice=line[:60])


def _today(turn: Turn) -> dt.date:
    """The calendar's today (its timezone is the default one), as `/admin pin` counts it."""
    return local_date(turn.services.clock, turn.services.defaults.timezone)


def _who(turn: Turn) -> str:
    return f"{turn.incoming.platform}:{turn.incoming.user_id}"
