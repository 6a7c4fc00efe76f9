"""Fixtures every test module may use."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from bot.storage.engine import create_database_engine, migrate, session_factory
from lessons.catalog import Catalog
from lessons.deck import DeckBuilder
from lessons.importers.base import ImportOptions
from tests.support import ADDED

# As `buildspeak` sets it on start-up: PTB's durations as timedelta, no deprecation warnings.
os.environ.setdefault("PTB_TIMEDELTA", "1")


@pytest.fixture
def options() -> ImportOptions:
    return ImportOptions(added=ADDED)


# --- Databases -------------------------------------------------------------------------------
# SQLite in the test's temp folder by default. With BUILDSPEAK_TEST_DATABASE_URL set (a
# postgresql+psycopg URL of a server where we may create databases; scripts/with-postgres.sh
# starts one), every test gets its own fresh PostgreSQL database instead, dropped afterwards.

TEST_SERVER_VARIABLE = "BUILDSPEAK_TEST_DATABASE_URL"


# The PostgreSQL pass runs only the tests that use a database (through `database_url` or
# `postgres_server_url`, directly or by another fixture): the rest ran the same in the SQLite pass,
# and running them twice cost CI minutes. So do tests marked `database_incidental` (pages and
# views whose database is only where their data sits; the queries they make have tests of their
# own in both passes). BUILDSPEAK_TEST_EVERYTHING=1 runs them all anyway.
DATABASE_FIXTURES = frozenset({"database_url", "postgres_server_url"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get(TEST_SERVER_VARIABLE) or os.environ.get("BUILDSPEAK_TEST_EVERYTHING"):
        return
    keep = [
        item
        for item in items
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("database_incidental") is None
    ]
    if len(keep) < len(items):
        kept = set(map(id, keep))
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in kept])
        items[:] = keep


@pytest.fixture(scope="session")
def postgres_server_url() -> str | None:
    """Read once, before any test's monkeypatch can clear the BUILDSPEAK_* variables."""
    return os.environ.get(TEST_SERVER_VARIABLE) or None


@pytest.fixture(scope="session")
def migrated_template(postgres_server_url: str | None) -> Iterator[str | None]:
    """On PostgreSQL, a database migrated once for the run (None on SQLite). Running every
    migration again for each test cost about a second a test; a copy of this one (CREATE DATABASE
    … TEMPLATE, a file copy) costs a fraction of that."""
    if postgres_server_url is None:
        yield None
        return
    with scratch_postgres_database(postgres_server_url) as url:
        engine = create_database_engine(url)
        migrate(engine)
        engine.dispose()  # a template must have no connections while it is copied
        yield make_url(url).database


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_server_url: str | None
) -> Iterator[str]:
    """The URL of a database that belongs to this test alone: empty, except on PostgreSQL for a
    test whose `engine` migrates it anyway, which gets a copy of one migrated already (the same
    schema the migrations would make, without running them)."""
    if postgres_server_url is None:
        yield f"sqlite:///{tmp_path}/test.db"
        return
    template = request.getfixturevalue("migrated_template") if "engine" in request.fixturenames else None
    with scratch_postgres_database(postgres_server_url, template=template) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on this test's database, migrated to the newest schema."""
    engine = create_database_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Callable[[], Session]:
    return session_factory(engine)


@contextmanager
def scratch_postgres_database(server_url: str, *, template: str | None = None) -> Iterator[str]:
    """Create a uniquely named database on the server (a copy of `template`, if named), and drop
    it (and its connections) after."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"buildspeak_test_{uuid.uuid4().hex[:16]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


@pytest.fixture(scope="session")
def builder() -> DeckBuilder:
    """The deck builder over the bundled dictionary and glossary, loaded once for the run."""
    from tests.chat_support import deck_builder

    return deck_builder()


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The bundled library with an empty pins file of the run's own, read once for the run."""
    from tests.chat_support import bundled_catalog

    return bundled_catalog(tmp_path_factory.mktemp("pins"))


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by the run: a sentence spoken once is served from the cache after."""
    return tmp_path_factory.mktemp("audio")
