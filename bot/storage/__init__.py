"""The learner store: SQLModel tables, an engine built from a URL, Alembic migrations, data functions.

Nothing here opens a database at import time: callers build an engine with
`create_database_engine(url)`, `migrate(engine)` it, and pass a session factory on.
"""
