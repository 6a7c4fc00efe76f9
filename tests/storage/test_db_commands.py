"""`buildspeak db status` and `buildspeak db upgrade`, on the test's own database."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from bot.cli import build_app
from bot.storage.engine import create_database_engine, migrate

RUNNER = CliRunner()


@pytest.fixture
def url(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in list(os.environ):
        if name.startswith("BUILDSPEAK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BUILDSPEAK_DATABASE__URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    return database_url


def run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(build_app(), list(args))
    return result.exit_code, result.output


def test_status_of_an_empty_database_says_to_upgrade(url: str) -> None:
    code, output = run("db", "status")
    assert code == 0, output
    assert "revision  none" in output
    assert "db upgrade" in output


def test_upgrade_then_status(url: str) -> None:
    code, output = run("db", "upgrade")
    assert code == 0, output
    assert "upgraded (empty) → 0017" in output

    code, output = run("db", "upgrade")
    assert code == 0 and "already up to date at 0017" in output

    code, output = run("db", "status")
    assert code == 0, output
    assert f"database  {url}" in output
    assert "revision  0017 (head 0017, up to date)" in output
    counts = _table_lines(output)
    assert set(counts) >= {
        "subscribers",
        "learners",
        "identities",
        "saved_words",
        "word_contexts",
        "workers",
        "platform_references",
    }
    assert counts["subscribers"] == "0" and counts["push_deliveries"] == "0"


def test_status_names_tables_not_created_yet(url: str) -> None:
    engine = create_database_engine(url)
    migrate(engine, revision="0001")
    engine.dispose()
    code, output = run("db", "status")
    assert code == 0, output
    assert "revision  0001 (head 0017, behind: run `buildspeak db upgrade`)" in output
    assert _table_lines(output)["learners"] == "not created"
    assert _table_lines(output)["subscribers"] == "0"


def _table_lines(output: str) -> dict[str, str]:
    """The status's indented `table  count` lines, whatever the column width."""
    rows = [line.split(maxsplit=1) for line in output.splitlines() if line.startswith("  ")]
    return {name: value.strip() for name, value in rows}
