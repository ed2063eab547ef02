"""Ledger fixtures: every ledger test runs against SQLite and, when reachable, PostgreSQL.

PostgreSQL comes from ``$ROLINDEX_TEST_POSTGRES_URL`` (``.ci/run`` starts a server and sets it).
Without it, or when the server does not answer, the PostgreSQL variants skip with the reason —
and fail under ``CI=true``, where the server must be there.
"""

from __future__ import annotations

import os

import pytest

PG_ENV = "ROLINDEX_TEST_POSTGRES_URL"


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + "; CI=true requires PostgreSQL (.ci/run starts it)")
    pytest.skip(reason)


def _fresh_postgres(url: str) -> str:
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
        _skip_or_fail(f"PostgreSQL at ${PG_ENV} is not reachable: {exc.orig}")
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request, tmp_path):
    """A fresh, empty ledger location: a SQLite file in ``tmp_path``, or the emptied PostgreSQL test database."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    url = os.environ.get(PG_ENV)
    if not url:
        _skip_or_fail(f"${PG_ENV} is not set (no PostgreSQL server to test against)")
    return _fresh_postgres(url)


@pytest.fixture
def ledger(ledger_url, tmp_path):
    """An open, migrated ledger with its evidence folder in ``tmp_path``."""
    from evaluation.ledger import open_ledger

    with open_ledger(ledger_url, tmp_path / "evidence") as opened:
        yield opened
