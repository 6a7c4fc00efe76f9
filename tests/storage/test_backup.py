"""Export and import: the sample's every row onto an empty database of either kind and back, fresh ids
after it, and refusals (a database with rows, a damaged or cut-short file) that change nothing.

Run under scripts/with-postgres.sh, `database_url` is a PostgreSQL database: the round trip is then
SQLite → PostgreSQL → SQLite.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text

from bot.storage.backup import SKIPPED, export_data, exported_tables, import_data
from bot.storage.backup_format import BackupError, open_for_writing
from bot.storage.engine import create_database_engine, head_revision, migrate, session_factory
from bot.storage.status import row_counts
from bot.storage.subscribers import subscribe
from bot.storage.vocabulary_book import NewContext, NewWord, save_word
from bot.storage.workers import register_worker
from lessons.deck import DeckBuilder
from tests.storage.test_backup_sample import sample_database

NOW = dt.datetime(2026, 12, 1, 3, 4, 5, 678901, tzinfo=dt.UTC)
Rows = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, builder: DeckBuilder) -> str:
    return sample_database(tmp_path_factory.mktemp("sample"), builder)


@pytest.fixture(scope="module")
def exported(sample: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "sample.jsonl"
    with opened(sample) as engine, path.open("w", encoding="utf-8") as out:
        export_data(engine, out, now=NOW)
    return path


@pytest.fixture
def target(database_url: str) -> Iterator[Engine]:
    """The test's own database, empty and not migrated: where an import goes."""
    with opened(database_url) as engine:
        yield engine


class opened:
    """An engine on `url`, disposed of at the end of the `with`."""

    def __init__(self, url: str) -> None:
        self.engine = create_database_engine(url)

    def __enter__(self) -> Engine:
        return self.engine

    def __exit__(self, *_exc: object) -> None:
        self.engine.dispose()


def all_rows(engine: Engine) -> Rows:
    """Every exported table's rows as SQLAlchemy reads them, ordered by primary key in Python."""
    tables: Rows = {}
    with engine.connect() as connection:
        for table in exported_tables():
            keys = [column.name for column in table.primary_key.columns]
            found = [dict(row._mapping) for row in connection.execute(select(*table.columns))]
            tables[table.name] = sorted(found, key=lambda row: tuple(row[key] for key in keys))
    return tables


def export_lines(engine: Engine, path: Path) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """Export to `path`; the header, the row lines sorted, and the closing line."""
    with path.open("w", encoding="utf-8") as out:
        export_data(engine, out, now=NOW)
    header, *rows, end = path.read_text(encoding="utf-8").splitlines()
    return json.loads(header), sorted(rows), json.loads(end)


def test_the_export_is_a_header_a_line_per_row_and_the_counts(sample: str, exported: Path) -> None:
    header, *rows, end = exported.read_text(encoding="utf-8").splitlines()
    assert json.loads(header) == {
        "format": "buildspeak-export",
        "version": 1,
        "schema": head_revision(),
        "exported_at": "2026-12-01T03:04:05.678901+00:00",
        "source": "sqlite",
        "tables": [table.name for table in exported_tables()],
    }
    with opened(sample) as engine:
        counts = {name: count for name, count in row_counts(engine).items() if name not in SKIPPED}
    assert json.loads(end) == {"end": "buildspeak-export", "counts": counts}
    assert len(rows) == sum(counts.values())
    tables = [json.loads(line)["table"] for line in rows]
    assert tables == sorted(tables, key=[table.name for table in exported_tables()].index), "parents first"
    odd = next(json.loads(line)["row"] for line in rows if "UTC+05:30" in line)
    assert odd["title"] == 'Zoë\'s "chat" 🦀\nline two' and odd["lesson_time"] is None
    assert odd["quiz_time"] == "21:45:30" and odd["joined_at"].endswith("+00:00")
    assert "workers" not in exported.read_text(encoding="utf-8"), "heartbeats are not part of a backup"


def test_an_import_onto_an_empty_database_keeps_every_row(
    sample: str, exported: Path, target: Engine, tmp_path: Path
) -> None:
    imported = import_data(target, exported)
    assert imported.schema == head_revision()
    with opened(sample) as source:
        expected = all_rows(source)
        _header, source_lines, source_end = export_lines(source, tmp_path / "from-source.jsonl")
    assert all_rows(target) == expected
    assert imported.counts == {name: len(rows) for name, rows in expected.items()}
    header, lines, end = export_lines(target, tmp_path / "again.jsonl")
    assert header["source"] == target.dialect.name
    assert (lines, end) == (source_lines, source_end), "the same export, line for line"


def test_and_back_from_there_onto_a_fresh_sqlite(
    sample: str, exported: Path, target: Engine, tmp_path: Path
) -> None:
    """On PostgreSQL: SQLite → PostgreSQL → SQLite, and nothing lost on the way back."""
    import_data(target, exported)
    back = tmp_path / "back.jsonl.gz"
    with open_for_writing(back) as out:
        export_data(target, out, now=NOW)
    with opened(f"sqlite:///{tmp_path}/back.db") as fresh, opened(sample) as source:
        import_data(fresh, back)
        assert all_rows(fresh) == all_rows(source)


def test_rows_made_after_an_import_get_fresh_ids(exported: Path, target: Engine) -> None:
    import_data(target, exported)
    before = all_rows(target)
    with session_factory(target)() as session:
        chat, new = subscribe(
            session, platform="telegram", chat_id="5", user_id="5", chat_kind="private", title=None, now=NOW
        )
        learner_id = before["learners"][0]["id"]
        fresh = NewWord("fresh", gloss="adj. 新的")
        saved = save_word(session, learner_id=learner_id, word=fresh, context=NewContext("fresh"), now=NOW)
    assert new and chat.id == max(row["id"] for row in before["subscribers"]) + 1
    assert saved.entry.id == max(row["id"] for row in before["saved_words"]) + 1
    if target.dialect.name == "postgresql":
        _assert_every_sequence_continues(target, before)


def _assert_every_sequence_continues(engine: Engine, before: Rows) -> None:
    with engine.begin() as connection:
        for table in exported_tables():
            column = table.autoincrement_column
            if column is None or not before[table.name]:
                continue
            sequence = f"pg_get_serial_sequence('{table.name}', '{column.name}')"
            drawn = connection.scalar(text(f"SELECT nextval({sequence})"))
            assert drawn > max(row[column.name] for row in before[table.name]), table.name


def test_an_import_into_a_database_with_rows_is_refused(exported: Path, database_url: str) -> None:
    with opened(database_url) as engine:
        migrate(engine)
        with session_factory(engine)() as session:
            register_worker(
                session, worker_id="w", roles=["push"], platforms=["telegram"], host="h", pid=1, now=NOW
            )
        with pytest.raises(BackupError, match=r"already has rows \(workers 1\).*only into an empty database"):
            import_data(engine, exported)
        assert {name: count for name, count in row_counts(engine).items() if count} == {"workers": 1}


def _drop_last_line(lines: list[str]) -> list[str]:
    return lines[:-1]


def _cut_mid_line(lines: list[str]) -> list[str]:
    return [*lines[:5], lines[5][:30]]


def _wrong_count(lines: list[str]) -> list[str]:
    end = json.loads(lines[-1])
    end["counts"]["saved_words"] += 1
    return [*lines[:-1], json.dumps(end)]


def _missing_column(lines: list[str]) -> list[str]:
    record = json.loads(lines[3])
    record["row"].popitem()
    return [*lines[:3], json.dumps(record), *lines[4:]]


def _bad_moment(lines: list[str]) -> list[str]:
    row = '{"table":"saved_words"'
    return [line.replace("+00:00", "+00:00 or so", 1) if line.startswith(row) else line for line in lines]


def _out_of_order(lines: list[str]) -> list[str]:
    return [lines[0], *reversed(lines[1:-1]), lines[-1]]


def _other_schema(lines: list[str]) -> list[str]:
    return [lines[0].replace(f'"schema":"{head_revision()}"', '"schema":"0009"'), *lines[1:]]


def _not_an_export(_lines: list[str]) -> list[str]:
    return ["id,lemma", "1,moat"]


DAMAGES: dict[str, tuple[Callable[[list[str]], list[str]], str]] = {
    "no closing line": (_drop_last_line, "without its closing counts line: the export was cut short"),
    "cut mid-line": (_cut_mid_line, "line 6 is not valid JSON: the file is truncated or damaged"),
    "wrong count": (_wrong_count, "counts 8 rows of saved_words but the file holds 7"),
    "missing column": (_missing_column, r"line 4 \(\w+\): the row's columns are not the table's"),
    "bad moment": (_bad_moment, r"column (created|updated)_at: cannot read"),
    "out of order": (_out_of_order, "row after the rows of a later table"),
    "other schema": (_other_schema, "the export is of schema 0009 but this BuildSpeak's is"),
    "not an export": (_not_an_export, "not a BuildSpeak export"),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_file_is_refused_before_the_database_is_touched(
    damage: str, exported: Path, target: Engine, tmp_path: Path
) -> None:
    change, message = DAMAGES[damage]
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("\n".join(change(exported.read_text(encoding="utf-8").splitlines())) + "\n")
    with pytest.raises(BackupError, match=message):
        import_data(target, damaged)
    assert inspect(target).get_table_names() == [], "not even migrated"


def test_a_gzip_stream_cut_short_is_refused(exported: Path, target: Engine, tmp_path: Path) -> None:
    whole = gzip.compress(exported.read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(BackupError, match="truncated or damaged"):
        import_data(target, cut)
    assert inspect(target).get_table_names() == []


def test_a_row_the_database_refuses_rolls_the_whole_import_back(
    exported: Path, target: Engine, tmp_path: Path
) -> None:
    """Every line well formed, but a context points at no saved word: the last tables fail to load."""
    lines = exported.read_text(encoding="utf-8").splitlines()
    at = next(index for index, line in enumerate(lines) if line.startswith('{"table":"word_contexts"'))
    record = json.loads(lines[at])
    record["row"]["saved_word_id"] = 999
    orphan = tmp_path / "orphan.jsonl"
    orphan.write_text("\n".join([*lines[:at], json.dumps(record), *lines[at + 1 :]]) + "\n")
    with pytest.raises(BackupError, match="the database refused a row, so nothing was imported"):
        import_data(target, orphan)
    assert not any(row_counts(target).values()), "migrated, and empty"
    assert import_data(target, exported).counts["word_contexts"] == 7, "ready for the good file"


def test_an_export_of_a_database_behind_this_code_is_refused(database_url: str) -> None:
    with opened(database_url) as engine:
        migrate(engine, revision="0001")
        with pytest.raises(BackupError, match=r"at schema 0001 .* run `buildspeak db upgrade` first"):
            export_data(engine, _Discard(), now=NOW)


class _Discard:
    def write(self, text: str) -> int:
        return len(text)
