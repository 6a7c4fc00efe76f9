"""SQLite writers of one process take turns on a lock, instead of meeting SQLite's busy sleeps.

SQLite lets one connection write at a time. Another that tries gets SQLITE_BUSY, and its busy handler
sleeps 1, 2, 5, 10, 15, 20, 25… up to 100 ms between looks, often long after the lock came free (a
write here holds it a millisecond or two). In a burst of 2,000 /today (each handler notes what its
person read, beside the inbox's writes) those sleeps took the handling's p99 from 41 to 111 ms and
its worst to a second (`benchmarks/burst.py`). Inside the process the writers queue on a lock
instead, and each goes the moment the one before commits. Readers are not held (WAL lets them
read beside a writer); another process's writers still meet SQLite's own lock (its busy_timeout).
A write transaction starts at its first INSERT, UPDATE or DELETE (Python's sqlite3 opens it there)
and ends at commit or rollback.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Connection, Engine, event

log = logging.getLogger(__name__)
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
HOLDS = "buildspeak.write_turn"  # in the DBAPI connection's info: this connection holds the turn
PATIENCE = 5.0  # seconds to wait for the turn before writing anyway (SQLite's busy_timeout then rules)


def take_turns_writing(engine: Engine) -> None:
    """Install the lock on a SQLite engine (re-entrant: a thread may write on two connections)."""
    turn = threading.RLock()

    def before_execute(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if HOLDS in conn.info or not statement.lstrip()[:7].upper().startswith(WRITES):
            return
        if turn.acquire(timeout=PATIENCE):
            conn.info[HOLDS] = True
        else:  # something holds it far too long: write anyway, as SQLite alone would have it
            log.warning("waited %.0f s for the write turn; writing without it", PATIENCE)

    def ended(conn: Connection) -> None:
        if conn.info.pop(HOLDS, False):
            try:
                turn.release()
            except RuntimeError:  # ended on another thread than it began (should not happen)
                log.warning("a write turn ended on another thread; it is left to time out")

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "commit", ended)
    event.listen(engine, "rollback", ended)
