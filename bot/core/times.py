"""Reading a time of day as people type it: 08:00, 8:30, 7, 20点, 8点半, ８：３０."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:(?::|点|时|\.)(?P<minute>\d{2}|半)?分?)?$")
TIME_EXAMPLE = "例如 /time 07:30 或 /time 20:00（24 小时制）"
QUIZ_TIME_EXAMPLE = "例如 /quiztime 21:00（24 小时制），或 /quiztime off 关闭每日测验"


def parse_time_of_day(text: str) -> dt.time | None:
    """The time meant, or None when it is not a valid time of day."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    match = _TIME.match(cleaned)
    if not match:
        return None
    hour = int(match["hour"])
    minute = match["minute"]
    minutes = 30 if minute == "半" else int(minute or 0)
    if hour > 23 or minutes > 59:
        return None
    return dt.time(hour, minutes)


def format_time_of_day(value: dt.time) -> str:
    return value.strftime("%H:%M")
