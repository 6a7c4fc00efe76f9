"""What a handler works with: the incoming event, its arguments, and the services passed in."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import Session

from bot.clock import Clock, local_date
from bot.core.in_progress import InProgress
from bot.core.messages import ChatKind, Incoming
from bot.core.quiz_kit import QuizConfig, QuizKit
from bot.core.shelf import LessonShelf
from bot.learning.explainer import Explainer, offline_explainer
from bot.observability.metrics import Metrics
from bot.storage.learners import learner_of
from bot.storage.subscribers import find_subscriber
from bot.storage.tables import Learner, Subscriber

if TYPE_CHECKING:
    from bot.core.commands import CommandRegistry

T = TypeVar("T")


@dataclass(frozen=True)
class Defaults:
    """What a new subscriber starts with."""

    timezone: str = "Asia/Shanghai"
    lesson_time: dt.time = dt.time(8, 0)
    quiz_time: dt.time = dt.time(21, 0)


@dataclass(frozen=True)
class Services:
    shelf: LessonShelf
    sessions: Callable[[], Session]
    clock: Clock
    defaults: Defaults = Defaults()
    # None: offline explanations only, from the shelf's dictionary, glossary and library.
    explainer: Explainer | None = None
    exports: InProgress | None = None  # whose /export is being made now (None: leases in `sessions`)
    quizzes: QuizKit | None = None  # None: the default settings, on the shelf's dictionary
    metrics: Metrics | None = None  # None: nothing counted (tests, one-off commands)
    # The reader's public address ("https://read.example.com"): its pages under the lessons and the
    # book, and /web's sign-in links. "": no reader on this bot, so no reader buttons or links.
    web_url: str = ""
    sign_in_minutes: int = 15  # how long a /web sign-in link works

    def __post_init__(self) -> None:
        if self.exports is None:
            object.__setattr__(self, "exports", InProgress(self.sessions, self.clock, what="export"))
        if self.quizzes is None:
            kit = QuizKit(QuizConfig(), self.shelf.builder.dictionary, self.shelf.builder.glossary)
            object.__setattr__(self, "quizzes", kit)
        if self.explainer is None:
            builder = self.shelf.builder
            default = offline_explainer(
                self.shelf.catalog.lessons.values(), builder.dictionary, builder.glossary
            )
            object.__setattr__(self, "explainer", default)


@dataclass(frozen=True)
class Turn:
    """One handling: `arguments` are a command's, parsed and by name; `args` a button payload's."""

    incoming: Incoming
    services: Services
    args: tuple[str, ...] = ()
    arguments: Mapping[str, str] = field(default_factory=dict)
    commands: CommandRegistry | None = None

    def spell(self, name: str) -> str | None:
        """How the command `name` is typed here ("/time"; "/buildspeak time" for a Discord server's
        setting), or None where it is not offered. Without the platform's word on it: "/name", and
        a member's own push (`Scope.MEMBER`) only where the chat cannot subscribe itself."""
        command = self.commands.get(name) if self.commands is not None else None
        if command is None:
            return None
        if self.incoming.spell is not None:
            return self.incoming.spell(command)
        offered = command.scope != "member" or self.incoming.subscribe_with is None
        return f"/{name}" if offered else None

    def arg(self, name: str) -> str:
        """A command argument as given ("" when it was not)."""
        return self.arguments.get(name, "")

    @property
    def is_group(self) -> bool:
        return self.incoming.chat_kind is ChatKind.GROUP

    @property
    def explainer(self) -> Explainer:
        explainer = self.services.explainer
        assert explainer is not None, "Services.__post_init__ sets one"
        return explainer

    @property
    def quizzes(self) -> QuizKit:
        kit = self.services.quizzes
        assert kit is not None, "Services.__post_init__ sets one"
        return kit

    @property
    def now(self) -> dt.datetime:
        return self.services.clock.now()

    def subscriber(self, session: Session) -> Subscriber | None:
        return find_subscriber(session, platform=self.incoming.platform, chat_id=self.incoming.chat_id)

    def learner(self, session: Session) -> Learner:
        """The person who wrote or pressed, as a learner (made on first use): the owner of the
        vocabulary book and the question budget, whichever chat or platform they use."""
        return learner_of(
            session, platform=self.incoming.platform, user_id=self.incoming.user_id, now=self.now
        )

    def learner_id(self, session: Session) -> int:
        learner = self.learner(session)
        assert learner.id is not None
        return learner.id

    def today(self, subscriber: Subscriber | None) -> dt.date:
        """Today in this chat: the subscriber's timezone (the default one for a chat not subscribed)."""
        zone = subscriber.timezone if subscriber else self.services.defaults.timezone
        return local_date(self.services.clock, zone)

    def learner_zone(self, learner: Learner) -> str:
        return learner.timezone or self.services.defaults.timezone

    def learner_today(self, learner: Learner) -> dt.date:
        """Today for this person, wherever they write from: the one answer for their own day
        (their question budget, and next, their reviews)."""
        return local_date(self.services.clock, self.learner_zone(learner))

    async def db(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a worker thread: the event loop, which also paces every send of the
        bot and its push, never waits on the database while a handler reads or writes."""

        def run() -> T:
            with self.services.sessions() as session:
                return work(session)

        return await asyncio.to_thread(run)

    async def local_today(self) -> dt.date:
        """Today in this chat's timezone, for a handler that needs nothing else of the subscriber."""
        return await self.db(lambda session: self.today(self.subscriber(session)))
