"""`buildspeak lessons list` ends with the days of new lessons left, flagged under 14."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from bot.cli import build_app
from lessons.deck import DeckBuilder
from tests.review.review_support import LIBRARY_POSTS, ZONE, Desk


def test_lessons_list_says_how_many_days_of_new_lessons_are_left(
    tmp_path: Path, builder: DeckBuilder
) -> None:
    desk = Desk.made(tmp_path, builder)
    today = dt.datetime.now(ZoneInfo(ZONE)).date()  # the command runs on the real clock
    start = today - dt.timedelta(days=1)  # the five posts: yesterday, today, then three days left
    env = {
        "BUILDSPEAK_LIBRARY__PATH": str(desk.library_dir),
        "BUILDSPEAK_LIBRARY__PINS": str(desk.pins),
        "BUILDSPEAK_CALENDAR__START": start.isoformat(),
        "BUILDSPEAK_CALENDAR__TIMEZONE": ZONE,
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(build_app(), ["lessons", "list"], env=env)

    assert result.exit_code == 0, result.output
    *lessons, total, left = result.output.strip().splitlines()
    assert len(lessons) == len(LIBRARY_POSTS) and total.startswith("5 lessons, 0 不排课")
    last = start + dt.timedelta(days=4)
    assert (
        left
        == f"新课还剩 3 天（到 {last.isoformat()}） · 3 days of new lessons left  ⚠️ 不足 14 天 fewer than 14"
    )
    # The JSON listing stays a list of lessons, as scripts read it.
    listed = CliRunner().invoke(build_app(), ["lessons", "list", "--json"], env=env)
    assert [row["id"] for row in json.loads(listed.output)] == sorted(LIBRARY_POSTS)
