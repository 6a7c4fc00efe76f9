"""`buildspeak export-data` and `import-data` end to end, with files: the sample database's rows
onto the test's own database (PostgreSQL under scripts/with-postgres.sh), and the refusals."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from bot.cli import build_app
from bot.storage.engine import create_database_engine, head_revision
from lessons.deck import DeckBuilder
from tests.storage.test_backup import all_rows
from tests.storage.test_backup_sample import sample_database

RUNNER = CliRunner()  # typer's: stdout and stderr apart


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, builder: DeckBuilder) -> str:
    return sample_database(tmp_path_factory.mktemp("sample"), builder)


@pytest.fixture(autouse=True)
def configured(sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The configured database (`database.url`) is the sample; the target comes by --database-url."""
    for name in list(os.environ):
        if name.startswith("BUILDSPEAK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BUILDSPEAK_DATABASE__URL", sample)
    monkeypatch.setenv("COLUMNS", "200")


def run(*args: str) -> tuple[int, str, str]:
    result = RUNNER.invoke(build_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


def flat(text: str) -> str:
    """The text with the console's line wrapping undone."""
    return " ".join(text.split())


def test_export_to_a_gz_file_then_import_it_into_another_database(
    sample: str, database_url: str, tmp_path: Path
) -> None:
    backup = tmp_path / "buildspeak.jsonl.gz"
    code, out, err = run("export-data", "-o", str(backup))
    assert code == 0, err
    assert "导出完成 exported" in out and f"to {backup}" in out
    assert [path.name for path in tmp_path.iterdir()] == ["buildspeak.jsonl.gz"], "no partial file left"
    with gzip.open(backup, "rt", encoding="utf-8") as compressed:
        header = json.loads(compressed.readline())
    assert header["format"] == "buildspeak-export" and header["schema"] == head_revision()

    code, out, err = run("import-data", str(backup), "--database-url", database_url)
    assert code == 0, err
    assert "导入完成 imported" in out and f"(schema {head_revision()})" in out
    assert "  saved_words" in out and "  word_contexts" in out
    source, target = create_database_engine(sample), create_database_engine(database_url)
    try:
        assert all_rows(target) == all_rows(source)
    finally:
        source.dispose()
        target.dispose()


def test_export_to_standard_output_keeps_messages_on_standard_error() -> None:
    code, out, err = run("export-data")
    assert code == 0, err
    header, *rows, end = out.splitlines()
    assert json.loads(header)["format"] == "buildspeak-export"
    assert sum(json.loads(end)["counts"].values()) == len(rows)
    assert "导出完成" in err and "to standard output" in err


def test_an_import_into_a_database_with_rows_is_refused(database_url: str, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    assert run("export-data", "-o", str(backup))[0] == 0
    assert run("import-data", str(backup), "--database-url", database_url)[0] == 0
    code, _out, err = run("import-data", str(backup), "--database-url", database_url)
    assert code == 1
    assert "导入被拒绝 import refused, nothing was imported" in err
    assert re.search(r"already has rows \(\w+ \d+, .* more tables\): import only into an empty", flat(err))


def test_a_cut_short_file_is_refused_and_leaves_the_target_alone(database_url: str, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    assert run("export-data", "-o", str(backup))[0] == 0
    lines = backup.read_text(encoding="utf-8").splitlines(keepends=True)
    backup.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    code, _out, err = run("import-data", str(backup), "--database-url", database_url)
    assert code == 1
    assert "without its closing counts line" in flat(err)
    target = create_database_engine(database_url)
    try:
        assert inspect(target).get_table_names() == [], "checked before anything was created"
    finally:
        target.dispose()


def test_a_missing_file_or_database_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _out, err = run("import-data", str(tmp_path / "nothing.jsonl"))
    assert code == 2 and "no file" in err
    monkeypatch.setenv("BUILDSPEAK_DATABASE__URL", f"sqlite:///{tmp_path}/none.db")
    code, _out, err = run("export-data", "-o", str(tmp_path / "x.jsonl"))
    assert code == 1 and "there is no database at" in err
    assert sorted(path.name for path in tmp_path.iterdir()) == [], "neither an empty database nor a file"
