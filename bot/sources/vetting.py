"""Vetting the review queue: translate what has no Chinese, check every post, record the verdict.

A queued post without Chinese is translated through `buildspeak translate`'s path
(`bot/learning/translation.py`: sentence by sentence, terms kept in English) and its queued file
is rewritten with the translation, keeping its import hash, so a later fetch of the unchanged
source leaves it alone (as `buildspeak translate` does in the library). Then the post's decks are
built and checked (`lessons/following/checks.py`) and the verdict recorded (`post_reviews`).
Without a model the post stays English-only, and so it waits for a person.

A post is checked again only when it changed (a reviewer's edit, a changed source, a new
translation); a translation that failed is tried again at the next vetting. At most
`max_translations` posts are translated a run, the longest waiting first, so a first fetch of
many feeds costs a bounded day of model calls.

Auto-approval (`[sources] auto_approve`) takes only the posts that passed every check into the
library, joining on the first day no one has begun (`joining_day`: tomorrow, or the day after when
a timezone ahead of the calendar's is already there), so they go after every lesson already queued
and no day anyone may have had changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session

from bot.clock import Clock
from bot.learning.llm import ChatClient
from bot.learning.translation import translate_post
from bot.storage import post_reviews
from bot.storage.post_reviews import Check
from bot.storage.review_tables import PostReview
from lessons.following.checks import Rules, check_post
from lessons.following.queue import NotInQueue, ReviewQueue
from lessons.library import Library, post_hash
from lessons.post import Post

log = logging.getLogger(__name__)
T = TypeVar("T")
AUTO = "auto"


@dataclass(frozen=True)
class VettingConfig:
    review_dir: Path
    library_dir: Path
    max_translations: int = 20  # posts translated a run at most


@dataclass
class VetRun:
    """What a run did: posts translated (and those it could not), checked, and waiting now."""

    translated: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    waiting: list[tuple[Post, PostReview]] = field(default_factory=list)  # oldest first


class Vetting:
    """Vets the queue in `config.review_dir` with the rules, sessions and clock it is given."""

    def __init__(
        self, config: VettingConfig, rules: Rules, *, sessions: Callable[[], Session], clock: Clock
    ) -> None:
        self.config = config
        self.rules = rules
        self.sessions = sessions
        self.clock = clock

    async def vet(self, model: ChatClient | None) -> VetRun:
        """Translate (with `model`), check and record every queued post; the waiting ones after."""
        run = VetRun()
        queue = await asyncio.to_thread(ReviewQueue.open, self.config.review_dir)
        posts = queue.posts()
        if model is not None:
            posts = [await self._translated(post, model, run) for post in posts]
        rows = await self._db(lambda session: post_reviews.reviews_of(session, [post.id for post in posts]))
        for post in posts:
            row = rows.get(post.id)
            if row is None or row.checked_hash != post_hash(post):
                rows[post.id] = await self._check(post)
                run.checked.append(post.id)
        run.waiting = [(post, rows[post.id]) for post in posts]
        return run

    async def approve_passed(self, waiting: Sequence[tuple[Post, PostReview]], joins: dt.date) -> list[str]:
        """Auto-approval: the posts that passed every check join the library on `joins`."""
        chosen = [(post, row) for post, row in waiting if row.passed and row.decision is None]
        if not chosen:
            return []
        checked = {post.id: row.checked_hash for post, row in chosen}
        approved = await asyncio.to_thread(self._move, checked, joins)
        ids = [row.id for post, row in chosen if post.id in approved and row.id is not None]
        now = self.clock.now()

        def record(session: Session) -> None:
            for review_id in ids:
                post_reviews.decide(session, review_id=review_id, decision=AUTO, by=AUTO, now=now)

        await self._db(record)
        return approved

    async def _translated(self, post: Post, model: ChatClient, run: VetRun) -> Post:
        if post.translated or len(run.translated) + len(run.untranslated) >= self.config.max_translations:
            return post
        report = await translate_post(post, model)
        for number, reason in report.failed:
            log.warning("queued post %s: paragraph %d not translated: %s", post.id, number, reason)
        if not report.translated:
            run.untranslated.append(post.id)
            return post
        if not await asyncio.to_thread(self._rewrite, post, report.post):
            return await asyncio.to_thread(self._reread, post)
        (run.translated if report.complete else run.untranslated).append(post.id)
        return report.post

    def _rewrite(self, read: Post, translated: Post) -> bool:
        """Write the translation over the queued file, unless the file changed meanwhile (a fetch
        or a reviewer rewrote it, or it was approved): then its next vetting starts afresh."""
        queue = ReviewQueue.open(self.config.review_dir)
        if queue.queued.posts.get(read.id) != read:
            log.info("queued post %s changed while it was translated; translated again next time", read.id)
            return False
        queue.queued.update(translated)
        return True

    def _reread(self, post: Post) -> Post:
        """The queued file as it now is (checked as it is: its hash tells the check's verdict
        apart from the stale copy's), or the copy read when it has left the queue."""
        try:
            return ReviewQueue.open(self.config.review_dir).post(post.id)
        except NotInQueue:
            return post

    async def _check(self, post: Post) -> PostReview:
        verdict = await asyncio.to_thread(check_post, post, self.rules)
        check = Check(
            post_id=post.id,
            checked_hash=post_hash(post),
            passed=verdict.passed,
            translated=verdict.translated,
            score=verdict.score,
            reasons=verdict.reasons,
        )
        queue_dir, now = str(self.config.review_dir), self.clock.now()
        return await self._db(
            lambda s: post_reviews.record_check(s, check=check, queue_dir=queue_dir, now=now)
        )

    def _move(self, checked: dict[str, str], joins: dt.date) -> list[str]:
        """Approve the posts whose queued file is still the one checked (`checked`: id → the hash
        the check saw). A file rewritten since (a fetch that found the post changed, a reviewer's
        edit under way) is not what passed: it waits for its next check."""
        queue = ReviewQueue.open(self.config.review_dir)
        library = Library.load(self.config.library_dir)
        moved = []
        for post_id, checked_hash in checked.items():
            try:
                if post_hash(queue.post(post_id)) != checked_hash:
                    log.info("queued post %s changed since its check; it waits for the next", post_id)
                    continue
                queue.approve(post_id, library, joins)
            except NotInQueue:  # approved or skipped by hand since the check
                continue
            moved.append(post_id)
        return moved

    async def _db(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with self.sessions() as session:
                return work(session)

        return await asyncio.to_thread(run)
