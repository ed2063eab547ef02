"""Where a test ledger lives: a SQLite file, or the emptied PostgreSQL test database.

PostgreSQL comes from ``$ROLINDEX_TEST_POSTGRES_URL`` (``.ci/run`` starts a server and sets it).
Without it, or when the server does not answer, a PostgreSQL variant skips with the reason — and
fails under ``CI=true``, where the server must be there. Used by the ledger fixtures
(``conftest.py``) and by the editions tests, whose scenario is built once per module.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PG_ENV = "ROLINDEX_TEST_POSTGRES_URL"
#: The database kinds every ledger test runs against.
KINDS = ("sqlite", "postgresql")


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``, or fail under ``CI=true`` (where PostgreSQL must be there)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + "; CI=true requires PostgreSQL (.ci/run starts it)")
    pytest.skip(reason)


def fresh_postgres(url: str) -> str:
    """Empty the test database (every table, the migration version) and return the URL."""
    from sqlalchemy import MetaData, create_engine
    from sqlalchemy.exc import OperationalError

    from evaluation.ledger.db import ledger_url

    url = ledger_url(url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            meta = MetaData()
            meta.reflect(conn)
            meta.drop_all(conn)
    except OperationalError as exc:
        skip_or_fail(f"PostgreSQL at ${PG_ENV} is not reachable: {exc.orig}")
    finally:
        engine.dispose()
    return url


def fresh_ledger(kind: str, folder: Path) -> str:
    """A fresh, empty ledger location of ``kind``: ``folder/ledger.sqlite``, or the emptied PostgreSQL database."""
    if kind == "sqlite":
        return str(folder / "ledger.sqlite")
    url = os.environ.get(PG_ENV)
    if not url:
        skip_or_fail(f"${PG_ENV} is not set (no PostgreSQL server to test against)")
    return fresh_postgres(url)
