"""Vetting the review queue against a local OpenAI-compatible fake: what gets translated and how it
is written back, which posts pass every check, and what auto-approval takes into the library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from bot.clock import FixedClock
from bot.learning.translation import SYSTEM
from bot.storage import post_reviews
from lessons.deck import DeckBuilder
from lessons.following.days_left import days_left, first_day, joining_day
from lessons.library import Library
from tests.fakes.openai_api import FakeOpenAIServer
from tests.review.review_support import GOOD, LOW, MORNING, TODAY, Desk, bundled, model_of, translator

Sessions = Callable[[], Session]


@pytest.fixture
def desk(tmp_path: Path, builder: DeckBuilder) -> Desk:
    return Desk.made(tmp_path, builder)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MORNING)


def verdicts(sessions: Sessions, *post_ids: str) -> dict[str, tuple[bool, bool, str]]:
    """(passed, translated, reasons) by post id, as recorded."""
    with sessions() as session:
        rows = post_reviews.reviews_of(session, post_ids)
    return {post_id: (row.passed, row.translated, row.reasons) for post_id, row in rows.items()}


async def test_an_english_only_post_gets_its_chinese_from_the_model_and_passes(
    desk: Desk, sessions: Sessions, clock: FixedClock
) -> None:
    queued = desk.enqueue(GOOD, english_only=True)
    hash_before = desk.queue().queued.hashes[GOOD]
    async with FakeOpenAIServer() as fake, httpx.AsyncClient() as http:
        fake.answer = translator(GOOD)
        run = await desk.vetting(sessions, clock).vet(model_of(fake, http))

    assert run.translated == [GOOD] and run.checked == [GOOD]
    assert len(fake.requests) == len(queued.paragraphs)  # paragraph by paragraph, `translate`'s prompt
    assert all(body["messages"][0] == {"role": "system", "content": SYSTEM} for body in fake.requests)
    # The queued file now holds the Chinese, under its import hash: a re-fetch keeps the translation.
    queue = desk.queue()
    assert [p.zh for p in queue.post(GOOD).paragraphs] == [p.zh for p in bundled().posts[GOOD].paragraphs]
    assert queue.queued.hashes[GOOD] == hash_before
    assert queue.put(queued) == "unchanged"
    assert verdicts(sessions, GOOD) == {GOOD: (True, True, "")}
    assert [post.id for post, _ in run.waiting] == [GOOD]


async def test_a_translation_written_into_the_wrong_paragraphs_waits_for_a_person(
    desk: Desk, sessions: Sessions, clock: FixedClock
) -> None:
    desk.enqueue(GOOD, english_only=True)
    async with FakeOpenAIServer() as fake, httpx.AsyncClient() as http:
        fake.answer = translator(GOOD, shift=1)
        run = await desk.vetting(sessions, clock).vet(model_of(fake, http))

    assert run.translated == [GOOD]
    passed, translated, reasons = verdicts(sessions, GOOD)[GOOD]
    assert (passed, translated) == (False, True)
    assert "第 1 段译文对不上（第 2 段的中文更贴合它）" in reasons


async def test_a_post_with_little_to_teach_waits_however_well_translated(
    desk: Desk, sessions: Sessions, clock: FixedClock
) -> None:
    desk.enqueue(LOW)  # translated already: the model is not asked
    async with FakeOpenAIServer() as fake, httpx.AsyncClient() as http:
        run = await desk.vetting(sessions, clock).vet(model_of(fake, http))
        assert fake.requests == []
    assert run.translated == [] and run.checked == [LOW]
    passed, translated, reasons = verdicts(sessions, LOW)[LOW]
    assert (passed, translated) == (False, True)
    assert reasons.startswith("不排课 not scheduled (0.23 < 0.5): 40% 时间戳 timestamps")


async def test_without_a_model_a_post_waits_english_only_and_its_file_is_untouched(
    desk: Desk, sessions: Sessions, clock: FixedClock
) -> None:
    desk.enqueue(GOOD, english_only=True)
    path = desk.queue().queued.paths[GOOD]
    before = path.read_bytes()
    run = await desk.vetting(sessions, clock).vet(None)

    assert run.translated == [] and path.read_bytes() == before
    assert verdicts(sessions, GOOD) == {GOOD: (False, False, "3/3 段没有中文 paragraphs without Chinese")}


async def test_a_failed_translation_is_tried_again_at_the_next_vetting(
    desk: Desk, sessions: Sessions, clock: FixedClock
) -> None:
    desk.enqueue(GOOD, english_only=True)
    vetting = desk.vetting(sessions, clock)
    async with FakeOpenAIServer() as fake, httpx.AsyncClient() as http:
        fake.reply_with("Sorry, I cannot help with that.")  # no Chinese: unusable
        first = await vetting.vet(model_of(fake, http))
        assert first.untranslated == [GOOD] and not desk.queue().post(GOOD).translated
        fake.answer = translator(GOOD)
        second = await vetting.vet(model_of(fake, http))
    assert second.translated == [GOOD] and second.checked == [GOOD]
    assert verdicts(sessions, GOOD)[GOOD][:2] == (True, True)


async def test_a_post_is_checked_again_only_when_it_changed(
    desk: Desk, sessions: Sessions, clock: FixedClock
) -> None:
    desk.enqueue(LOW)
    vetting = desk.vetting(sessions, clock)
    assert (await vetting.vet(None)).checked == [LOW]
    assert (await vetting.vet(None)).checked == []
    queue = desk.queue()
    post = queue.post(LOW)  # a reviewer fixes a translation in the queued file
    fixed = (
        post.paragraphs[0],
        post.paragraphs[1].model_copy(update={"zh": "这个频道非常棒。"}),
        *post.paragraphs[2:],
    )
    queue.queued.update(post.model_copy(update={"paragraphs": fixed}))
    assert (await vetting.vet(None)).checked == [LOW]


async def test_auto_approval_takes_only_what_passed_after_the_queue_and_past_days_stay(
    desk: Desk, sessions: Sessions, clock: FixedClock
) -> None:
    desk.enqueue(GOOD)
    desk.enqueue(LOW)
    before = desk.catalog()
    past = {day: before.day(day) for day in _days(dt.date(2026, 11, 1), TODAY)}
    left = days_left(before, TODAY)
    assert (left.days, left.last) == (2, dt.date(2026, 11, 5))

    vetting = desk.vetting(sessions, clock)
    run = await vetting.vet(None)
    joins = joining_day(TODAY, clock.now())
    assert joins == dt.date(2026, 11, 4)  # tomorrow: today's lesson may have gone out already
    approved = await vetting.approve_passed(run.waiting, joins)

    assert approved == [GOOD]
    assert [post.id for post in desk.queue().posts()] == [LOW]
    library = Library.load(desk.library_dir)
    assert library.posts[GOOD].added == joins and LOW not in library.posts
    after = desk.catalog()
    assert {day: after.day(day) for day in past} == past  # no past day changed, today included
    assert first_day(after, GOOD, TODAY) == dt.date(2026, 11, 6)  # after the queue's last fresh day
    assert days_left(after, TODAY).days == 3
    with sessions() as session:
        row = post_reviews.reviews_of(session, [GOOD])[GOOD]
    assert (row.decision, row.decided_by) == ("auto", "auto")


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


async def test_auto_approval_leaves_a_post_whose_file_changed_since_its_check(
    desk: Desk, sessions: Sessions, clock: FixedClock
) -> None:
    """What joins the library is what passed: a file rewritten after the check (a fetch found the
    post changed, a reviewer is editing it) waits for its next check instead."""
    desk.enqueue(GOOD)
    vetting = desk.vetting(sessions, clock)
    run = await vetting.vet(None)
    queue = desk.queue()
    edited = queue.post(GOOD)
    opening = edited.paragraphs[0]
    first = opening.model_copy(update={"zh": "（审阅中的改动）" + (opening.zh or "")})
    queue.queued.update(edited.model_copy(update={"paragraphs": [first, *edited.paragraphs[1:]]}))

    assert await vetting.approve_passed(run.waiting, joining_day(TODAY, clock.now())) == []
    assert GOOD not in Library.load(desk.library_dir).posts
    assert [post.id for post in desk.queue().posts()] == [GOOD]
    again = await vetting.vet(None)
    assert again.checked == [GOOD], "the changed file is checked again"
