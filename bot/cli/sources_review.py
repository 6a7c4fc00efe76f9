"""What `buildspeak sources …` prints, and the terminal review: one queued post at a time.

The review shows what a reviewer needs to judge a post without opening it (`lessons.following.
summary`), then asks: 通过 approve, 跳过 skip, 预览全文 preview the whole text, 下一篇 leave it
for later, 退出 quit. Anything else is answered with the choices and asked again; the end of the
input (Ctrl-D, or a script's input running out) quits, with what was decided kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import typer
from rich.console import Console

from bot.cli.context import CliContext
from bot.core.timezones import zone_of
from bot.sources.outcomes import SourceOutcome
from bot.storage.source_tables import SourceFetch
from lessons.following.config import FollowedSource
from lessons.following.days_left import joining_day
from lessons.following.queue import NotInQueue, ReviewQueue
from lessons.following.summary import QueuedSummary, summarize
from lessons.library import Library, post_hash
from lessons.post import Post
from lessons.teaching_value import TeachingRule
from lessons.vocabulary import Dictionary, default_dictionary_path

CHOICES = "通过 a · 跳过 s · 预览全文 p · 下一篇 n · 退出 q"
_ANSWERS = {
    "approve": ("a", "通过", "approve", "y"),
    "skip": ("s", "跳过", "skip"),
    "preview": ("p", "预览", "预览全文", "preview"),
    "next": ("n", "下一篇", "next", "later"),
    "quit": ("q", "退出", "quit"),
}


def _say(out: Console, text: str) -> None:
    out.print(text, markup=False, highlight=False, soft_wrap=True)


DECIDED_ELSEWHERE = "这篇已经在别处处理过了（通过或跳过）。already decided elsewhere: nothing changed"
CHANGED_MEANWHILE = "这篇在你阅读时更新了（翻译或新版本），先留在队列里。changed meanwhile: kept"


class ReviewSession:
    """Goes through the queue once, oldest first; returns the ids it approved."""

    def __init__(self, cli: CliContext, queue: ReviewQueue, library: Library) -> None:
        self.cli = cli
        self.queue = queue
        self.library = library
        self.rule = TeachingRule(
            Dictionary.load(default_dictionary_path()), cli.settings.lessons.min_teaching_value
        )
        self.tally = {"approve": 0, "skip": 0, "next": 0}

    def run(self) -> list[str]:
        posts = self.queue.posts()
        if not posts:
            _say(
                self.cli.out, "审阅队列是空的 the review queue is empty: `buildspeak sources fetch` fills it"
            )
            return []
        approved: list[str] = []
        for number, post in enumerate(posts, 1):
            print_summary(self.cli.out, self._summary(post), f"{number}/{len(posts)}")
            answer = self._decide(post)
            if answer == "quit":
                break
            if answer in ("approve", "skip") and not self._still_as_shown(post):
                answer = "next"
            elif answer == "approve":
                joins = joining_day(self.cli.today, self.cli.clock.now())
                self.queue.approve(post.id, self.library, joins)
                approved.append(post.id)
                _say(self.cli.out, f"✅ 已通过 approved: joins the lesson queue on {joins}")
            elif answer == "skip":
                self.queue.skip(post.id)
                _say(self.cli.out, "⏭ 已跳过 skipped: it will not be queued again")
            self.tally[answer] += 1
        left = len(self.queue.posts())
        _say(
            self.cli.out,
            f"通过 {self.tally['approve']} · 跳过 {self.tally['skip']} · 仍在队列 {left} still waiting",
        )
        return approved

    def _still_as_shown(self, post: Post) -> bool:
        """Read the queue and the library again before acting: while a person reads, the bot may
        have translated this post, fetched a new version of it or had it approved in a chat. Only
        the post as shown is approved or skipped; otherwise it stays queued for another look."""
        self.queue = ReviewQueue.open(self.queue.root)
        self.library = Library.load(self.library.root)
        try:
            current = self.queue.post(post.id)
        except NotInQueue:
            _say(self.cli.out, DECIDED_ELSEWHERE)
            return False
        if post_hash(current) != post_hash(post):
            _say(self.cli.out, CHANGED_MEANWHILE)
            return False
        return True

    def _summary(self, post: Post) -> QueuedSummary:
        lessons = self.cli.settings.lessons
        return summarize(
            post, sizing=self.cli.sizing, words_per_minute=lessons.words_per_minute, rule=self.rule
        )

    def _decide(self, post: Post) -> str:
        while True:
            try:
                typed = typer.prompt(CHOICES, default="", show_default=False, prompt_suffix=" › ")
            except typer.Abort:
                _say(self.cli.out, "")
                return "quit"
            answer = _answer(typed)
            if answer == "preview":
                print_full_text(self.cli.out, post)
            elif answer is None:
                _say(self.cli.out, f"请选择 please choose: {CHOICES}")
            else:
                return answer


def _answer(typed: str) -> str | None:
    word = typed.strip().lower()
    return next((answer for answer, words in _ANSWERS.items() if word in words), None)


def print_summary(out: Console, summary: QueuedSummary, position: str) -> None:
    post, header = summary.post, summary.header
    _say(out, f"\n── {position} · {post.id} ──")
    _say(out, f"{header.headline}")
    if post.title:
        _say(out, f"标题 title: {post.title}")
    _say(out, f"来源 source: {post.source}   抓取于 fetched {post.added}")
    for value in summary.lessons:
        verdict = f"⛔ {value.left_out}" if value.left_out else "✓ 会排课 scheduled"
        _say(out, f"教学价值 teaching value {value.lesson_id}: {value.score:.2f}  {verdict}")
    for number, card in enumerate(summary.first_cards, 1):
        _say(out, f"  {number}. {card.en}")
        _say(out, f"     {card.zh or '（未翻译 not translated yet）'}")


def print_full_text(out: Console, post: Post) -> None:
    _say(out, f"── 全文 full text · {post.words} 词 ──")
    for paragraph in post.paragraphs:
        _say(out, paragraph.en)
        if paragraph.zh:
            _say(out, f"> {paragraph.zh}")
        _say(out, "")


def print_queue(out: Console, posts: Sequence[Post]) -> None:
    _say(out, f"\n待审 waiting for review: {len(posts)}")
    width = max((len(post.id) for post in posts), default=0)
    for post in posts:
        title = post.title or post.paragraphs[0].en.splitlines()[0][:60]
        _say(out, f"  {post.id:<{width}}  {post.date}  {post.author}  {post.words} 词  {title}")


def print_sources(
    out: Console, path: Path, sources: Sequence[FollowedSource], states: dict[str, SourceFetch], zone: str
) -> None:
    _say(out, f"来源 sources ({path}): {len(sources)}, {sum(s.enabled for s in sources)} enabled")
    for source in sources:
        switch = "on " if source.enabled else "off"
        _say(out, f"  {source.name}  {source.kind}  {switch}  {source.location}")
        _say(out, f"      {_state_line(states.get(source.name), zone)}")


def _state_line(state: SourceFetch | None, zone: str) -> str:
    if state is None:
        return "从未抓取 never fetched"
    parts = [
        f"上次成功 last fetch {_moment(state.last_success_at, zone)}",
        f"ETag {state.etag or '—'}",
        f"Last-Modified {state.last_modified or '—'}",
        f"失败 failures {state.failures}",
        f"下次 next try {state.next_try or 'next fetch'}",
    ]
    if state.last_error:
        parts.append(f"✗ {state.last_error}")
    return " · ".join(parts)


def _moment(moment: dt.datetime | None, zone: str) -> str:
    return moment.astimezone(zone_of(zone)).strftime("%Y-%m-%d %H:%M") if moment else "—"


def print_outcome(out: Console, outcome: SourceOutcome) -> None:
    if outcome.status == "failed":
        _say(
            out,
            f"✗ {outcome.name}: {outcome.error} "
            f"(失败 {outcome.failures} 次 failures in a row; 下次 next try {outcome.next_try})",
        )
        return
    report = outcome.report
    if report is None:
        _say(out, f"✓ {outcome.name}: 没有变化 unchanged (304)")
        return
    others = (
        f"{len(report.known)} 已有 known, {len(report.filtered)} 过滤 filtered, "
        f"{len(report.too_short)} 太短 too short, {len(report.rejected)} 出错 rejected"
    )
    _say(out, f"✓ {outcome.name}: {len(report.queued)} 新 new, {len(report.updated)} 更新 updated; {others}")
