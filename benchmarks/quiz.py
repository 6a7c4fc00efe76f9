"""The day's quizzes for 100,000 learners with 50 saved words each: building them, and their push.

1. Build. Tonight's quiz for every subscriber, as the push role builds them ahead of quiz time
   (`QuizzesAhead` → `DailyQuizzes.build`, a page of 500 at a time: the learners, the words due,
   8 at most, most overdue first, their entries, the questions and options planned, the ready
   quizzes written with what their invitations say). Targets: under 60 s and under 300 MB peak
   RSS. A subscriber's invitation made on its own (a claim retried after a restart:
   `DailyQuizzes.replies` with nothing prepared) is timed on a sample.
2. Push. The quiz push through the path `benchmarks/broadcast.py` measures for the lesson: the
   real Pusher and Telegram adapter, against the fake Bot API enforcing a rate limit, with
   `DailyQuizzes` as the content, reading back the quizzes built. Target: messages/s >= 0.95 of
   the enforced limit. `--unbuilt` pushes without the build (the push builds each page as it
   goes, as with `build_ahead_minutes = 0`).

    .venv/bin/python benchmarks/quiz.py --subscribers 2000              # a quick look
    .venv/bin/python benchmarks/quiz.py                                 # SQLite, full size
    bash scripts/with-postgres.sh .venv/bin/python benchmarks/quiz.py   # and PostgreSQL

The learners are generated (identities, private subscribers whose quiz time has come, words of
the bundled dictionary ranked 2,000-20,000 with a sentence and an FSRS card, 10-20 of them due
tonight and some of those overdue) and written with Core executemany in chunks; that takes
minutes at full size and is timed apart, not counted. Peak RSS of the build is the kernel's
high-water mark, reset just before it (Linux `clear_refs`), so generation does not count there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import re
import resource
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, delete, func, insert, select, text, update  # noqa: E402
from sqlmodel import Session, col  # noqa: E402

from benchmarks.broadcast import (  # noqa: E402
    JOINED,
    CollectorPauses,
    ReleaseLog,
    fake_server,
    fake_stats,
    peak_rss_mb,
    show,
)
from bot.adapters.telegram import TelegramConfig  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.core.conversation import Conversation  # noqa: E402
from bot.core.messages import Reply  # noqa: E402
from bot.core.quiz_kit import start_of_day  # noqa: E402
from bot.core.shelf import LessonShelf  # noqa: E402
from bot.core.timezones import zone_of  # noqa: E402
from bot.core.turn import Services  # noqa: E402
from bot.delivery.quiz_content import DailyQuizzes  # noqa: E402
from bot.learning.quiz_words import option_gloss, pos_class  # noqa: E402
from bot.runtime.assembly import assemble  # noqa: E402
from bot.runtime.heap import freeze_startup_heap  # noqa: E402
from bot.runtime.units import started  # noqa: E402
from bot.settings import PushSettings, RuntimeSettings  # noqa: E402
from bot.storage.engine import create_database_engine, migrate, session_factory  # noqa: E402
from bot.storage.push_ledger import Claim, DueSubscriber  # noqa: E402
from bot.storage.tables import (  # noqa: E402
    Identity,
    Learner,
    PushDelivery,
    PushKind,
    Quiz,
    QuizQuestion,
    ReviewCard,
    SavedWord,
    Subscriber,
    WordContext,
)
from lessons.vocabulary import DictEntry, Dictionary  # noqa: E402
from tests.chat_support import bundled_catalog, deck_builder, offline_speaker  # noqa: E402
from tests.conftest import scratch_postgres_database  # noqa: E402
from tests.fakes.telegram_api import TOKEN  # noqa: E402

ZONE = "Asia/Shanghai"
MOMENT = dt.datetime(2026, 11, 22, 13, 30, tzinfo=dt.UTC)  # 21:30 in Shanghai: every quiz time (21:00) due
TODAY = MOMENT.astimezone(zone_of(ZONE)).date()
QUIZ_TIME = dt.time(21, 0)
RANKS = (2_000, 20_000)  # as common as the words a learner saves from a builder's post
DUE_TONIGHT = (10, 20)  # words per learner due by the end of today, a quarter to a half overdue
LEARNERS_PER_CHUNK = 200  # 10,000 rows per table and statement at 50 words: flat memory, few round trips
SEED = 20261122

# A sentence per part of speech, with the word as met in it; `form` may be an inflection ("abandoned").
TEMPLATES = {
    "noun": "We spent the whole standup arguing about the {form} in the new design.",
    "verb": "Before the release we had to {form} the old build scripts.",
    "adj": "Most reviewers found the new interface surprisingly {form}.",
    "adv": "She {form} rewrote the parser over one weekend.",
}
PAST_TEMPLATE = "Last sprint we {form} the old build scripts, and nobody missed them."
NAMES = re.compile(r"名[）)]|人名|地名|姓")


# ---------------------------------------------------------------- the words learners save


@dataclass(frozen=True)
class PoolWord:
    """A dictionary word as a learner would have saved it: from a sentence, in the form met there."""

    lemma: str
    phonetic: str | None
    gloss: str
    form: str
    sentence_en: str
    sentence_zh: str


def word_pool(dictionary: Dictionary) -> list[PoolWord]:
    """Words a learner saves: exam-list content words ranked 2,000-20,000 (no names), each with a
    sentence that holds it, so every question type, and the distractor search, is exercised."""
    return [_pool_word(entry, dictionary) for entry in dictionary.entries() if _learnable(entry)]


def _learnable(entry: DictEntry) -> bool:
    rank = entry.frequency_rank
    return (
        entry.lemma == entry.word
        and rank is not None
        and RANKS[0] <= rank <= RANKS[1]
        and entry.word.isalpha()
        and entry.word.islower()
        and bool(entry.exam_tags)
        and pos_class(entry.gloss) in TEMPLATES
        and not NAMES.search(entry.gloss)
    )


def _pool_word(entry: DictEntry, dictionary: Dictionary) -> PoolWord:
    pos = pos_class(entry.gloss) or "noun"
    past = [form for form in dictionary.inflections(entry.word) if form.endswith("ed")]
    form, template = (past[0], PAST_TEMPLATE) if pos == "verb" and past else (entry.word, TEMPLATES[pos])
    meaning = option_gloss(entry.gloss, pos=False)
    return PoolWord(
        lemma=entry.word,
        phonetic=entry.phonetic or None,
        gloss=entry.gloss,
        form=form,
        sentence_en=template.format(form=form),
        sentence_zh=f"这句话里的“{form}”意思是：{meaning}。",
    )


# ---------------------------------------------------------------- generation


@dataclass
class Generated:
    """What generation wrote, and how long it took (reported, never counted)."""

    learners: int = 0
    words: int = 0
    due: int = 0
    overdue: int = 0
    seconds: float = 0.0


@dataclass
class Chunk:
    """The rows of a chunk of learners, table by table, in the order their foreign keys need."""

    learners: list[dict[str, Any]] = field(default_factory=list)
    identities: list[dict[str, Any]] = field(default_factory=list)
    subscribers: list[dict[str, Any]] = field(default_factory=list)
    words: list[dict[str, Any]] = field(default_factory=list)
    contexts: list[dict[str, Any]] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)

    def tables(self) -> list[tuple[Any, list[dict[str, Any]]]]:
        return [
            (Learner, self.learners),
            (Identity, self.identities),
            (Subscriber, self.subscribers),
            (SavedWord, self.words),
            (WordContext, self.contexts),
            (ReviewCard, self.cards),
        ]


def generate(engine: Engine, pool: list[PoolWord], *, learners: int, words: int) -> Generated:
    """Learners 1..`learners`, each with `words` saved words, written a chunk at a time."""
    rng = random.Random(SEED)
    midnight = start_of_day(TODAY, zone_of(ZONE))
    made = Generated(learners=learners, words=learners * words)
    began = time.perf_counter()
    for first in range(1, learners + 1, LEARNERS_PER_CHUNK):
        chunk = Chunk()
        for number in range(first, min(first + LEARNERS_PER_CHUNK, learners + 1)):
            due, overdue = _add_learner(chunk, number, rng.sample(pool, words), midnight, rng)
            made.due += due
            made.overdue += overdue
        with engine.begin() as connection:
            for table, rows in chunk.tables():
                connection.execute(insert(table), rows)
    _after_bulk_load(engine)
    made.seconds = time.perf_counter() - began
    return made


def _add_learner(
    chunk: Chunk, number: int, saved: list[PoolWord], midnight: dt.datetime, rng: random.Random
) -> tuple[int, int]:
    """One learner: identity, private subscriber (chat and user `number`), saved words with their
    sentence and card. Ids are given, so a word's context and card need no read-back."""
    chat = str(number)
    chunk.learners.append({"id": number, "created_at": JOINED, "updated_at": JOINED})
    chunk.identities.append(
        {"platform": "telegram", "user_id": chat, "learner_id": number, "linked_at": JOINED}
    )
    chunk.subscribers.append(
        {
            "id": number, "platform": "telegram", "chat_id": chat, "user_id": chat, "chat_kind": "private",
            "language": "zh", "timezone": ZONE, "lesson_time": dt.time(8, 0), "quiz_time": QUIZ_TIME,
            "status": "active", "joined_at": JOINED, "updated_at": JOINED,
        }
    )  # fmt: skip
    due_count = rng.randint(*DUE_TONIGHT)
    overdue = rng.randint(due_count // 4, due_count // 2)
    for index, word in enumerate(saved):
        word_id = (number - 1) * len(saved) + index + 1
        _add_word(chunk, number, word_id, word, _due(index, due_count, overdue, midnight, rng), rng)
    return due_count, overdue


def _due(index: int, due_count: int, overdue: int, midnight: dt.datetime, rng: random.Random) -> dt.datetime:
    """Overdue (1-10 days), due today (by the end of it: tonight's quiz asks it), or in two months."""
    if index < overdue:
        return midnight - dt.timedelta(days=rng.randint(1, 10), seconds=rng.randint(0, 86_399))
    if index < due_count:
        return midnight + dt.timedelta(seconds=rng.randint(0, 86_399))
    return midnight + dt.timedelta(days=rng.randint(1, 60), seconds=rng.randint(0, 86_399))


def _add_word(
    chunk: Chunk, learner: int, word_id: int, word: PoolWord, due: dt.datetime, rng: random.Random
) -> None:
    saved_at = MOMENT - dt.timedelta(days=rng.uniform(40, 120))
    last_review = min(due, MOMENT) - dt.timedelta(days=rng.uniform(1, 30))
    chunk.words.append(
        {
            "id": word_id, "learner_id": learner, "lemma": word.lemma, "phonetic": word.phonetic,
            "gloss": word.gloss, "expression": None, "created_at": saved_at, "updated_at": saved_at,
            "forgotten_at": None,
        }
    )  # fmt: skip
    chunk.contexts.append(
        {
            "id": word_id, "saved_word_id": word_id, "form": word.form, "sentence_en": word.sentence_en,
            "sentence_zh": word.sentence_zh, "lesson_id": "2026-11-01-builder-post", "card_number": 3,
            "author": "A Builder", "source_url": "https://example.com/post", "saved_at": saved_at,
        }
    )  # fmt: skip
    chunk.cards.append(
        {
            "saved_word_id": word_id, "learner_id": learner, "state": 2, "step": None,
            "stability": rng.uniform(1.0, 60.0), "difficulty": rng.uniform(3.0, 8.0), "due": due,
            "last_review": last_review,
        }
    )  # fmt: skip


def _after_bulk_load(engine: Engine) -> None:
    """PostgreSQL: move the id sequences past the ids given, and ANALYZE, as autovacuum would soon
    after a load this size (the plans are then the ones a live server uses). SQLite: nothing, as
    the bot never runs ANALYZE there."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in ("learners", "subscribers", "saved_words", "word_contexts"):
            connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")


# ---------------------------------------------------------------- building the quizzes


@dataclass
class Built:
    """The build's figures: what it made, how long it took in all and per page, its memory."""

    invitations: int = 0
    quizzes: int = 0
    questions: int = 0
    choice_questions: int = 0
    seconds: float = 0.0
    index_seconds: float = 0.0
    rss_start_mb: float = 0.0
    peak_rss_mb: float = 0.0
    page_size: int = 0
    per_page: array[float] = field(default_factory=lambda: array("d"))


def build_quizzes(content: DailyQuizzes, sessions: Callable[[], Session], *, page: int = 500) -> Built:
    """Tonight's quizzes for every private subscriber, as the push role builds them ahead of quiz
    time: a page of subscribers at a time (`DailyQuizzes.build`: learners, due words, entries,
    planned questions, the ready quizzes written with what their invitations say)."""
    built = Built(page_size=page)
    began = time.perf_counter()
    assert content.kit.choices is not None  # the word index, built once per process
    built.index_seconds = time.perf_counter() - began
    freeze_startup_heap()  # as `buildspeak run` does once the push role has built the index
    reset_peak_rss()
    built.rss_start_mb = current_rss_mb()
    began = time.perf_counter()
    built.invitations = asyncio.run(_prepare_all(content, sessions, page, built))
    built.seconds = time.perf_counter() - began
    built.peak_rss_mb = high_water_rss_mb()
    with sessions() as session:
        built.quizzes = session.execute(select(func.count()).select_from(Quiz)).scalar_one()
        built.questions = session.execute(select(func.count()).select_from(QuizQuestion)).scalar_one()
        multiple = select(func.count()).where(col(QuizQuestion.correct).is_not(None))
        built.choice_questions = session.execute(multiple).scalar_one()
    return built


async def _prepare_all(
    content: DailyQuizzes, sessions: Callable[[], Session], page: int, built: Built
) -> int:
    made = 0
    for chunk in subscriber_pages(sessions, page):
        began = time.perf_counter()
        made += await content.build("telegram", TODAY, chunk)
        built.per_page.append(time.perf_counter() - began)
    return made


def subscriber_pages(sessions: Callable[[], Session], page: int) -> Iterator[list[DueSubscriber]]:
    """The active private Telegram subscribers, in id order, `page` at a time (keyset), as the push
    reads them."""
    after = 0
    while True:
        with sessions() as session:
            rows = session.execute(
                select(
                    col(Subscriber.id),
                    col(Subscriber.chat_id),
                    col(Subscriber.chat_kind),
                    col(Subscriber.user_id),
                )
                .where(
                    col(Subscriber.platform) == "telegram",
                    col(Subscriber.chat_kind) == "private",
                    col(Subscriber.status) == "active",
                    col(Subscriber.id) > after,
                )
                .order_by(col(Subscriber.id))
                .limit(page)
            ).all()
        if not rows:
            return
        after = rows[-1][0]
        yield [DueSubscriber(*row) for row in rows]


# ---------------------------------------------------------------- the invitation, per subscriber


@dataclass
class Invited:
    """The invitations timed: how many, how many had a message, each one's time."""

    count: int = 0
    sent: int = 0
    seconds: float = 0.0
    each: array[float] = field(default_factory=lambda: array("d"))


async def time_invitations(content: DailyQuizzes, sessions: Callable[[], Session], count: int) -> Invited:
    """`DailyQuizzes.replies` for the last `count` subscribers, one after another as a single push
    worker would with nothing prepared (a claim retried after a restart): each reads its quiz built
    ahead back and counts its streak."""
    with sessions() as session:
        rows = session.execute(
            select(
                col(Subscriber.id),
                col(Subscriber.chat_id),
                col(Subscriber.chat_kind),
                col(Subscriber.user_id),
            )
            .order_by(col(Subscriber.id).desc())
            .limit(count)
        ).all()
    claims = [
        Claim(0, DueSubscriber(*row), TODAY, content.content_id(TODAY) or "", PushKind.QUIZ) for row in rows
    ]
    invited = Invited(count=len(claims))
    began = time.perf_counter()
    for claim in claims:
        one = time.perf_counter()
        replies = await content.replies(claim)
        invited.each.append(time.perf_counter() - one)
        invited.sent += bool(replies)
    invited.seconds = time.perf_counter() - began
    return invited


# ---------------------------------------------------------------- the push


class ContentTimes:
    """How long the content took to make each message during the push, its thread hop included.
    When the pacer releases far fewer sends than the limit, this is where the time went."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def record(self, content: DailyQuizzes) -> None:
        replies = content.replies

        async def timed(claim: Claim) -> list[Reply]:
            began = time.perf_counter()
            try:
                return await replies(claim)
            finally:
                self.count += 1
                self.seconds += time.perf_counter() - began

        content.replies = timed  # type: ignore[method-assign]


def cpu_seconds() -> float:
    """CPU time of this process so far, every thread's: the bot's, not the fake's nor the database's."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def push_quizzes(
    services: Services,
    content: DailyQuizzes,
    *,
    subscribers: int,
    limit: float,
    in_flight: int,
    freeze: bool,
) -> dict[str, float]:
    """The quiz push to subscribers 1..`subscribers` (the others have turned their quiz off), as
    `broadcast.broadcast` pushes the lesson: same settings, same adapter, same fake; `show`'s figures."""
    sessions = services.sessions
    with sessions() as session:
        session.execute(update(Subscriber).where(col(Subscriber.id) > subscribers).values(quiz_time=None))
        session.commit()
    push = PushSettings(per_second=limit, max_in_flight=in_flight, batch_size=1000)
    rss_before = peak_rss_mb()
    with fake_server(limit) as (api, control):
        config = TelegramConfig(token=TOKEN, api_base_url=api, connections=in_flight + 16)
        runtime = assemble(
            Conversation(services),
            roles=("push",),
            sessions=sessions,
            clock=services.clock,
            push=push,
            runtime=RuntimeSettings(),
            telegram=config,
            scheduled=False,
            contents=[content],
        )
        (pusher,) = runtime.pushers
        assert runtime.telegram is not None
        releases = ReleaseLog()
        releases.record(runtime.telegram.pacer)
        made = ContentTimes()
        made.record(content)
        async with started(runtime.units):
            if freeze:
                freeze_startup_heap()
            with CollectorPauses() as pauses:
                began, cpu = time.perf_counter(), cpu_seconds()
                report = await pusher.run_once()
                elapsed, cpu = time.perf_counter() - began, cpu_seconds() - cpu
        served = fake_stats(control)
    with sessions() as session:
        settled = session.scalar(select(func.count()).where(col(PushDelivery.state) == "sent"))
        pushed_chats = select(col(Subscriber.chat_id)).where(col(Subscriber.id) <= subscribers)
        ready = session.scalar(select(func.count()).where(col(Quiz.chat_id).in_(pushed_chats)))
    return {
        "subscribers": subscribers,
        "sent": report.sent,
        "skipped": report.skipped,
        "quizzes": ready or 0,
        "content_ms": made.seconds / max(made.count, 1) * 1000,
        "cpu_cores": cpu / elapsed,
        "seconds": elapsed,
        "per_second": report.sent / elapsed,
        "ratio": report.sent / elapsed / limit,
        "rate_limited": served["rate_limited"],
        "busiest_second": releases.busiest,
        "collector_ms": pauses.longest_ms,
        "full_collections": pauses.full_runs,
        "duplicates": served["duplicates"],
        "losses": subscribers - served["chats"],
        "ledger_sent": settled or 0,
        "failed": report.failed,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


# ---------------------------------------------------------------- memory


def reset_peak_rss() -> None:
    """Reset the kernel's RSS high-water mark (VmHWM), so the next reading is this step's alone."""
    with contextlib.suppress(OSError):  # not Linux, or not allowed: then it is the process's peak so far
        Path("/proc/self/clear_refs").write_text("5")


def high_water_rss_mb() -> float:
    """VmHWM since the last reset (Linux), else the process's peak RSS."""
    return _status_mb("VmHWM") or peak_rss_mb()


def current_rss_mb() -> float:
    return _status_mb("VmRSS") or peak_rss_mb()


def _status_mb(key: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# ---------------------------------------------------------------- one database, end to end


@dataclass(frozen=True)
class Options:
    subscribers: int
    words: int
    invitations: int
    push_subscribers: int
    limit: float
    in_flight: int
    freeze: bool
    push: bool
    built: bool


def run(name: str, url: str, workdir: Path, options: Options) -> None:
    """Generate, build, time the invitations, push; printing each part's figures as it ends."""
    engine = create_database_engine(url)
    migrate(engine)
    sessions = session_factory(engine)
    shelf = LessonShelf(bundled_catalog(workdir), deck_builder(), offline_speaker(workdir / "audio"))
    services = Services(shelf=shelf, sessions=sessions, clock=FixedClock(MOMENT))
    kit = services.quizzes
    assert kit is not None
    pool = word_pool(shelf.builder.dictionary)
    print(
        f"\n{name}: {options.subscribers:,} learners x {options.words} saved words, from {len(pool):,} words"
    )
    generated = generate(engine, pool, learners=options.subscribers, words=options.words)
    show_generated(generated)
    content = DailyQuizzes(shelf, kit, sessions, services.clock, default_zone=ZONE)
    show_built(build_quizzes(content, sessions))
    content = DailyQuizzes(shelf, kit, sessions, services.clock, default_zone=ZONE)
    sample = min(options.invitations, options.subscribers)
    show_invited(asyncio.run(time_invitations(content, sessions, sample)), options)
    if options.push:
        if not options.built:
            with sessions() as session:
                session.execute(delete(Quiz))  # the push builds them as it goes
                session.commit()
        count = min(options.push_subscribers, options.subscribers)
        pushing = push_quizzes(
            services, content, subscribers=count, limit=options.limit, in_flight=options.in_flight,
            freeze=options.freeze,
        )  # fmt: skip
        figures = asyncio.run(pushing)
        show_pushed(name, figures, options.limit)
    engine.dispose()


def show_generated(made: Generated) -> None:
    rows = made.learners * 3 + made.words * 3
    print(f"  generation        {made.seconds:.1f} s for {rows:,} rows (not counted)")
    each = made.due / max(made.learners, 1)
    print(f"  words due tonight {made.due:,} ({each:.1f} a learner), of which overdue {made.overdue:,}")


def show_built(built: Built) -> None:
    pages = sorted(built.per_page) or [0.0]
    learners = max(built.quizzes, 1)
    per = f"mean {built.seconds / max(len(pages), 1) * 1000:.0f} ms, p99 {_ms(pages, 0.99)}"
    print(f"  word index        {built.index_seconds:.2f} s, once per process (WordChoices)")
    print(f"  build             {built.seconds:.1f} s for {built.quizzes:,} quizzes   (target < 60 s)")
    rate = f"{built.quizzes / built.seconds:,.0f} learners/s, {built.seconds / learners * 1000:.2f} ms each"
    print(f"  build rate        {rate}")
    print(f"  per page of {built.page_size}   {per}")
    print(f"  quizzes built     {built.invitations:,} (learners with something to review)")
    print(f"  questions         {built.questions:,}, of which multiple choice {built.choice_questions:,}")
    start = f"{built.rss_start_mb:.0f} MB when it started"
    print(f"  peak RSS, build   {built.peak_rss_mb:.0f} MB   (target < 300 MB; {start})")


def show_invited(invited: Invited, options: Options) -> None:
    if not invited.count:
        return
    each = sorted(invited.each)
    mean = invited.seconds / invited.count
    whole = mean * options.subscribers
    print(
        f"  invitations       {invited.count:,} in {invited.seconds:.1f} s, {invited.sent:,} with a message"
    )
    print(f"  per invitation    mean {mean * 1000:.2f} ms, p50 {_ms(each, 0.5)}, p99 {_ms(each, 0.99)}")
    print(f"  for everyone      {whole:.0f} s of one worker for {options.subscribers:,} (extrapolated)")


def show_pushed(name: str, figures: dict[str, float], limit: float) -> None:
    show(f"{name} quiz push", figures, limit)
    print(f"  skipped         {figures['skipped']:,}   (target 0: everyone has words due)")
    print(f"  quizzes ready   {figures['quizzes']:,}   (target = sent: one quiz per chat pushed)")
    print(f"  invitation      {figures['content_ms']:.1f} ms a message, waiting for a thread included")
    cores = f"{figures['cpu_cores']:.2f} cores"
    print(f"  bot CPU         {cores} while pushing (one Python process: about 1 at most, by its GIL)")


def _ms(ordered: list[float] | array[float], share: float) -> str:
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000:.2f} ms"


def targets(url: str | None, postgres: str | None) -> Iterator[tuple[str, str, Path]]:
    """(name, URL, scratch folder) to run on: `url` alone, else SQLite, and PostgreSQL given a server."""
    if url is not None:
        with tempfile.TemporaryDirectory() as folder:
            yield ("PostgreSQL" if url.startswith("postgresql") else "SQLite"), url, Path(folder)
        return
    with tempfile.TemporaryDirectory() as folder:
        yield "SQLite", f"sqlite:///{folder}/quiz.db", Path(folder)
    if postgres:
        with tempfile.TemporaryDirectory() as folder, scratch_postgres_database(postgres) as scratch:
            yield "PostgreSQL", scratch, Path(folder)
    else:
        print("\nPostgreSQL: skipped (pass --postgres URL or run under scripts/with-postgres.sh)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000, help="learners, one private chat each")
    parser.add_argument("--words", type=int, default=50, help="saved words per learner")
    parser.add_argument(
        "--invitations", type=int, default=10_000, help="subscribers to time the invitation on"
    )
    parser.add_argument(
        "--push-subscribers", type=int, default=30_000, help="quiz push size: about a minute at the limit"
    )
    parser.add_argument("--limit", type=float, default=500.0, help="messages/s the fake enforces")
    parser.add_argument("--in-flight", type=int, default=256)
    parser.add_argument("--no-freeze", action="store_true", help="leave start-up objects to the collector")
    parser.add_argument("--no-push", action="store_true", help="the build only")
    parser.add_argument(
        "--unbuilt", action="store_true", help="push without building ahead: the push builds each page"
    )
    parser.add_argument(
        "--database-url", help="run on this (new, empty) database only; default: SQLite in a temp dir"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BUILDSPEAK_TEST_DATABASE_URL"),
        help="also a scratch database on this server",
    )
    arguments = parser.parse_args()
    options = Options(
        subscribers=arguments.subscribers,
        words=arguments.words,
        invitations=arguments.invitations,
        push_subscribers=arguments.push_subscribers,
        limit=arguments.limit,
        in_flight=arguments.in_flight,
        freeze=not arguments.no_freeze,
        push=not arguments.no_push,
        built=not arguments.unbuilt,
    )
    for name, url, workdir in targets(arguments.database_url, arguments.postgres):
        run(name, url, workdir, options)


if __name__ == "__main__":
    main()
