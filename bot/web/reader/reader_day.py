"""Which day it is for the person reading: "today" on the page is their today, not the server's.

A signed-in learner's own timezone (the one /tz set in a chat) comes first; else the timezone the
browser reports, kept by reader.js in the `tz` cookie; else the bot's default. A cookie that names
no real timezone is ignored, never an error: it is text anyone can send.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from aiohttp import web

from bot.clock import local_date
from bot.core.timezones import zone_of
from bot.storage.tables import Learner
from bot.web.reader.deps import READER
from bot.web.signin import auth

TZ_COOKIE = "tz"
MAX_ZONE_LENGTH = 64  # as the tables keep a timezone


@dataclass(frozen=True)
class ReaderDay:
    """Today's date for this reader, the zone it was read in and where that zone came from."""

    date: dt.date
    zone: str
    source: str  # "learner", "cookie" or "default"


async def reader_day(request: web.Request) -> ReaderDay:
    services = request.app[READER].services
    zone, source = await learner_zone(request), "learner"
    if zone is None:
        zone, source = usable_zone(request.cookies.get(TZ_COOKIE)), "cookie"
    if zone is None:
        zone, source = services.defaults.timezone, "default"
    return ReaderDay(local_date(services.clock, zone), zone, source)


async def learner_zone(request: web.Request) -> str | None:
    """The signed-in learner's timezone, None when nobody is signed in or they never set one.

    Anonymous readers cost no database work; a signed-in one's row is read in a worker thread,
    so the event loop serving everyone else never waits on the database.
    """
    who = await auth.signed_in(request)
    if who is None:
        return None
    sessions = request.app[READER].services.sessions

    def look() -> str | None:
        with sessions() as session:
            learner = session.get(Learner, who.learner_id)
            return learner.timezone if learner is not None else None

    return usable_zone(await asyncio.to_thread(look))


def usable_zone(name: str | None) -> str | None:
    """`name` when it is a timezone we can compute a date in (an IANA name, "UTC", "UTC+08:00")."""
    if not name or len(name) > MAX_ZONE_LENGTH:
        return None
    try:
        zone_of(name)
    except ValueError:
        return None
    return name
