"""What a handler works with: the incoming event, its arguments, and the services passed in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.clock import Clock, local_date
from bot.core.in_progress import InProgress
from bot.core.messages import ChatKind, Incoming
from bot.core.shelf import LessonShelf
from bot.learning.explainer import Explainer, offline_explainer
from bot.storage.subscribers import find_subscriber
from bot.storage.tables import Subscriber


@dataclass(frozen=True)
class Defaults:
    """What a new subscriber starts with."""

    timezone: str = "Asia/Shanghai"
    lesson_time: dt.time = dt.time(8, 0)


@dataclass(frozen=True)
class Services:
    shelf: LessonShelf
    sessions: Callable[[], Session]
    clock: Clock
    defaults: Defaults = Defaults()
    # None: offline explanations only, from the shelf's dictionary, glossary and library.
    explainer: Explainer | None = None
    exports: InProgress = field(default_factory=InProgress)  # whose /export is being made now

    def __post_init__(self) -> None:
        if self.explainer is None:
            builder = self.shelf.builder
            default = offline_explainer(
                self.shelf.catalog.lessons.values(), builder.dictionary, builder.glossary
            )
            object.__setattr__(self, "explainer", default)


@dataclass(frozen=True)
class Turn:
    incoming: Incoming
    services: Services
    args: tuple[str, ...] = ()

    @property
    def is_group(self) -> bool:
        return self.incoming.chat_kind is ChatKind.GROUP

    @property
    def explainer(self) -> Explainer:
        explainer = self.services.explainer
        assert explainer is not None, "Services.__post_init__ sets one"
        return explainer

    @property
    def now(self) -> dt.datetime:
        return self.services.clock.now()

    def subscriber(self, session: Session) -> Subscriber | None:
        return find_subscriber(session, platform=self.incoming.platform, chat_id=self.incoming.chat_id)

    def today(self, subscriber: Subscriber | None) -> dt.date:
        """Today in the subscriber's timezone (the default one for someone not subscribed)."""
        zone = subscriber.timezone if subscriber else self.services.defaults.timezone
        return local_date(self.services.clock, zone)

    def local_today(self) -> dt.date:
        """Today in this chat's timezone, for a handler that needs nothing else of the subscriber."""
        with self.services.sessions() as session:
            return self.today(self.subscriber(session))
