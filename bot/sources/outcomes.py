"""What a fetch did, source by source: for the log, the CLI, and the admins' digest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from lessons.following.intake import IntakeReport

Status = Literal["new", "nothing new", "unchanged", "failed"]


@dataclass(frozen=True)
class SourceOutcome:
    """One source's fetch.

    "unchanged": the server answered 304 (nothing was read); "nothing new": read, but every post
    was met before; "new": posts were queued; "failed": `error` says why, `next_try` says when.
    """

    name: str
    location: str
    status: Status
    report: IntakeReport | None = None
    error: str | None = None
    failures: int = 0
    next_try: dt.date | None = None

    @property
    def new(self) -> list[str]:
        return self.report.queued if self.report is not None else []


@dataclass
class FetchRun:
    """Every source a fetch took, in the sources file's order."""

    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]

    @property
    def new(self) -> list[str]:
        return [post_id for outcome in self.outcomes for post_id in outcome.new]
