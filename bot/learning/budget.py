"""Each person's daily allowance of AI answers, counted on their own local date.

Only questions the model actually answers count: a question is taken from the budget before the
call (so two at once cannot both take the last one) and given back if the model fails. Cached
answers and offline answers are free, so a learner who runs out still gets answers, just not
from the model, until their midnight.

Changing /tz moves a person's date, and a date not used yet comes with a full budget: at Shanghai
09:00 on the 22nd, switching to Los Angeles makes it the 21st again. This is accepted rather than
fixed, because the gain is bounded and does not recur: each (person, date) is counted once
whatever zone it was reached from, and at any moment the zones span dates from UTC-12 to UTC+14,
so over any stretch of N days a person can reach at most about N + 2 dates. Hopping zones buys
roughly two extra days of questions once, never a bigger daily allowance. Keying the budget on
UTC days instead would move everyone's reset away from their own midnight, which is what the
answers promise ("明天 0 点恢复").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from bot.storage.explanations import give_back_question, questions_asked, take_question


@dataclass(frozen=True)
class Asker:
    """Who asks (their learner), and their date in their own timezone: the budget's day."""

    learner_id: int
    today: dt.date


class DailyBudget:
    def __init__(self, sessions: Callable[[], Session], per_day: int) -> None:
        self._sessions = sessions
        self.per_day = per_day

    def take(self, asker: Asker) -> int | None:
        """Count one AI question: how many are left after it, or None when the day's are used up."""
        with self._sessions() as session:
            return take_question(
                session,
                learner_id=asker.learner_id,
                local_date=asker.today,
                limit=self.per_day,
            )

    def give_back(self, asker: Asker) -> None:
        with self._sessions() as session:
            give_back_question(session, learner_id=asker.learner_id, local_date=asker.today)

    def used(self, asker: Asker) -> int:
        with self._sessions() as session:
            return questions_asked(session, learner_id=asker.learner_id, local_date=asker.today)
