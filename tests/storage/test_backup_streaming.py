"""Backups stream: memory stays flat however many rows there are, both ways.

Python's allocations are measured with tracemalloc: four times the rows must not take much more
memory at the peak (measured: about 1.0 MiB to export and 1.2 to 1.5 MiB to import, for 1,000 as
for 4,000 rows, in batches of 100). PostgreSQL's rows could wait in libpq's C memory, which
tracemalloc does not see, so there the export's reads are checked to run on server-side cursors
(rows fetched from the server a batch at a time).
"""

from __future__ import annotations

import datetime as dt
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert

from bot.storage.backup import export_data, exported_tables, import_data
from bot.storage.engine import create_database_engine, migrate
from bot.storage.tables import Learner, ReviewCard, ReviewLog, SavedWord, WordContext

NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
BATCH = 100  # rows per fetch and per INSERT: the small and the large export both fill their batches
SENTENCE = "The wave engulfed the town, and the builders kept shipping. " * 4


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def fill(engine: Engine, words: int) -> None:
    """One learner with `words` saved words, each with a long sentence, a review card and a review."""
    ids = range(1, words + 1)
    tables: list[tuple[Any, Callable[[int], dict[str, Any]]]] = [
        (SavedWord, lambda i: {"id": i, "learner_id": 1, "lemma": f"w{i}", "gloss": "n. 词义" * 8}),
        (WordContext, lambda i: {"id": i, "saved_word_id": i, "form": f"w{i}", "sentence_en": SENTENCE}),
        (ReviewCard, lambda i: {"saved_word_id": i, "learner_id": 1, "stability": i / 7, "due": NOW}),
        (ReviewLog, lambda i: {"id": i, "saved_word_id": i, "rating": 3, "question_type": "cloze"}),
    ]
    moments = {"created_at": NOW, "updated_at": NOW, "saved_at": NOW, "reviewed_at": NOW}
    with engine.begin() as connection:
        connection.execute(insert(Learner.__table__), [{"id": 1, "created_at": NOW, "updated_at": NOW}])  # type: ignore[attr-defined]
        for model, row in tables:
            table = model.__table__
            stamps = {name: value for name, value in moments.items() if name in table.c}
            connection.execute(insert(table), [row(i) | stamps for i in ids])


def peak_kib(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()


def export_to(engine: Engine, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        export_data(engine, out, now=NOW, batch=BATCH)


def test_export_and_import_keep_memory_flat(engine: Engine, tmp_path: Path) -> None:
    peaks: dict[int, tuple[int, int, int]] = {}
    for number, words in enumerate((250, 1000)):
        source = create_database_engine(f"sqlite:///{tmp_path}/source{number}.db")
        migrate(source)
        fill(source, words)
        path = tmp_path / f"export{number}.jsonl"
        export_to(source, path)  # warm: compiled statements are cached once, not per row
        exported = peak_kib(lambda source=source, path=path: export_to(source, path))
        source.dispose()
        target = engine if number else create_database_engine(f"sqlite:///{tmp_path}/target.db")
        imported = peak_kib(lambda target=target, path=path: import_data(target, path, batch=BATCH))
        peaks[words] = (exported, imported, path.stat().st_size // 1024)
    (small_export, small_import, _), (export, imported, size) = peaks[250], peaks[1000]
    assert size > 500, "the larger file is some hundreds of KiB"
    # Held in memory, four times the rows would take four times the room; streamed, about the same.
    assert export < small_export * 1.5 + 256 and imported < small_import * 1.5 + 256, peaks


def test_on_postgresql_the_export_reads_through_server_side_cursors(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (run under scripts/with-postgres.sh)")
    fill(engine, 50)
    cursors: list[str] = []

    def seen(_conn: object, cursor: Any, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM" in statement.upper():
            cursors.append(type(cursor).__name__)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        export_data(engine, _Discard(), now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    table_reads = cursors[-len(exported_tables()) :]
    assert set(table_reads) == {"ServerCursor"}, cursors


class _Discard:
    def write(self, text: str) -> int:
        return len(text)
