"""Pinned days: an admin's choice of lesson for a date, kept in a small TOML file.

The file is data a person may edit by hand, so it is read strictly (a bad date
or a non-string id is an error naming the line) and written in a fixed order.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from lessons.files import write_text_atomically


class PinsFileError(ValueError):
    """The pins file cannot be read as pins."""


def load_pins(path: Path) -> dict[dt.date, str]:
    """Pins by date; a missing file means no pins."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise PinsFileError(f"{path}: not valid TOML: {error}") from error
    pins: dict[dt.date, str] = {}
    for key, value in data.get("pins", {}).items():
        try:
            day = dt.date.fromisoformat(str(key))
        except ValueError as error:
            raise PinsFileError(f"{path}: pin key {key!r} is not a date (YYYY-MM-DD)") from error
        if not isinstance(value, str):
            raise PinsFileError(f"{path}: pin for {key} must be a lesson id in quotes")
        pins[day] = value
    return pins


def save_pins(path: Path, pins: dict[dt.date, str]) -> None:
    """Write pins sorted by date, replacing the file atomically."""
    lines = ["# Lessons pinned to dates: `buildspeak lessons pin DATE ID` writes here.", "[pins]"]
    lines += [f'{day.isoformat()} = "{lesson_id}"' for day, lesson_id in sorted(pins.items())]
    write_text_atomically(path, "\n".join(lines) + "\n")
