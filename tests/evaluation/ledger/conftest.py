"""Ledger fixtures: every ledger test runs against SQLite and, when reachable, PostgreSQL.

PostgreSQL comes from ``$ROLINDEX_TEST_POSTGRES_URL`` (``.ci/run`` starts a server and sets it).
Without it, or when the server does not answer, the PostgreSQL variants skip with the reason —
and fail under ``CI=true``, where the server must be there (see :mod:`.postgres`).
"""

from __future__ import annotations

import pytest

from .postgres import KINDS, fresh_ledger


@pytest.fixture(params=KINDS)
def ledger_url(request, tmp_path):
    """A fresh, empty ledger location: a SQLite file in ``tmp_path``, or the emptied PostgreSQL test database."""
    return fresh_ledger(request.param, tmp_path)


@pytest.fixture
def ledger(ledger_url, tmp_path):
    """An open, migrated ledger with its evidence folder in ``tmp_path``."""
    from evaluation.ledger import open_ledger

    with open_ledger(ledger_url, tmp_path / "evidence") as opened:
        yield opened
