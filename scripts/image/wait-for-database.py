"""Wait until BuildSpeak's database accepts connections; the container's entry point runs this
before it migrates. A PostgreSQL started beside the bot takes seconds to come up (or to restart
after its first initialisation), and not every orchestrator has compose's `depends_on:
service_healthy` to hold the bot back meanwhile.

    python scripts/image/wait-for-database.py

The URL is the one the bot will use (settings: environment, `.env`, config/buildspeak.toml).
SQLite has nothing to wait for: the migration creates the file. Gives up after
DATABASE_WAIT_SECONDS (default 60). Exit status: 0 once a connection works, 1 when the time is
up (saying what the last attempt answered), 2 when the settings are invalid.
"""

from __future__ import annotations

import os
import sys
import time

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from bot.settings import SettingsError, load_settings

PROGRESS_EVERY = 5.0  # seconds between "still waiting" lines


def say(message: str) -> None:
    print(f"wait-for-database: {message}", file=sys.stderr, flush=True)


def first_line(error: DBAPIError) -> str:
    return (str(error.orig).strip().splitlines() or [type(error.orig).__name__])[0]


def wait(url: str, limit: float) -> bool:
    shown = make_url(url).render_as_string(hide_password=True)
    # connect_timeout: an address that drops packets must not eat the whole wait in one attempt.
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    started = time.monotonic()
    next_note = started
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            say(f"{shown} accepts connections")
            return True
        except DBAPIError as error:
            last = first_line(error)
        now = time.monotonic()
        if now - started >= limit:
            say(
                f"gave up: {shown} did not accept connections within {limit:g} s ({last}). "
                "Is the database running, and are host, user and password in BUILDSPEAK_DATABASE__URL right?"
            )
            return False
        if now >= next_note:
            say(f"waiting for {shown}: {last}")
            next_note = now + PROGRESS_EVERY
        time.sleep(1)


def main() -> int:
    try:
        url = load_settings().database.url
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    if make_url(url).get_backend_name() == "sqlite":
        return 0
    try:
        limit = float(os.environ.get("DATABASE_WAIT_SECONDS") or 60)
    except ValueError:
        say(f"DATABASE_WAIT_SECONDS={os.environ['DATABASE_WAIT_SECONDS']!r}: give a number of seconds")
        return 2
    return 0 if wait(url, limit) else 1


if __name__ == "__main__":
    sys.exit(main())
