"""Today's push at a glance: due, sent, failed, blocked, uncertain, remaining, per platform and kind.

"Today" is each subscriber's own local date, so the figures are gathered per timezone
(a handful of groups, however many subscribers) and added up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.clock import Clock
from bot.core.timezones import zone_of
from bot.storage import push_ledger
from bot.storage.tables import PushKind, PushState


@dataclass
class Progress:
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0  # nothing to send them that day (a quiz with no word due)
    uncertain: int = 0  # in flight when a run died: maybe delivered, not re-sent
    in_flight: int = 0  # claimed by a run that is sending now
    remaining: int = 0  # due by now, not claimed yet
    later_today: int = 0  # lesson time still ahead today
    zones: dict[str, dt.date] = field(default_factory=dict)  # each timezone and its "today"

    @property
    def due(self) -> int:
        settled = self.sent + self.failed + self.blocked + self.skipped
        return settled + self.uncertain + self.in_flight + self.remaining

    def add_ledger(self, counts: dict[str, int]) -> None:
        self.sent += counts.get(PushState.SENT.value, 0)
        self.failed += counts.get(PushState.FAILED.value, 0)
        self.blocked += counts.get(PushState.BLOCKED.value, 0)
        self.skipped += counts.get(PushState.SKIPPED.value, 0)
        self.uncertain += counts.get(PushState.UNCERTAIN.value, 0)
        self.in_flight += counts.get(PushState.CLAIMED.value, 0) + counts.get(PushState.SENDING.value, 0)


def push_progress(
    session: Session, *, platform: str, clock: Clock, kind: PushKind = PushKind.LESSON
) -> Progress:
    """Where today's push of one kind stands on a platform, every subscriber counted on their own date."""
    now = clock.now()
    since = (now - dt.timedelta(days=1)).date()  # the earliest local "today" anywhere (UTC-12)
    zones = set(push_ledger.active_timezones(session, platform=platform))
    zones |= set(push_ledger.ledger_timezones(session, platform=platform, since=since))
    progress = Progress()
    for zone in sorted(zones):
        try:
            local = now.astimezone(zone_of(zone))
        except ValueError:
            continue
        today, time = local.date(), local.time().replace(tzinfo=None)
        progress.zones[zone] = today
        where = {"platform": platform, "timezone": zone, "local_date": today, "kind": kind}
        progress.add_ledger(push_ledger.ledger_counts(session, **where))
        remaining, later = push_ledger.waiting_counts(session, **where, local_time=time)
        progress.remaining += remaining
        progress.later_today += later
    return progress
