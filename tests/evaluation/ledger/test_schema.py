"""The migrated schema is exactly the declared MetaData, on SQLite and PostgreSQL; opening is idempotent."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from evaluation.ledger import LedgerError, LedgerSchemaError, open_ledger
from evaluation.ledger.db import head_revision, ledger_url
from evaluation.ledger.schema import metadata


def test_migrations_build_exactly_the_declared_schema(ledger):
    with ledger.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, metadata) == []
        assert ctx.get_current_revision() == head_revision() == "0001"


def test_opening_again_changes_nothing(ledger_url, tmp_path):
    with open_ledger(ledger_url, tmp_path / "ev") as first:
        names = sorted(metadata.tables)
        with first.engine.connect() as conn:
            from sqlalchemy import inspect

            assert sorted(set(inspect(conn).get_table_names()) - {"alembic_version"}) == names
    with open_ledger(ledger_url, tmp_path / "ev") as again, again.engine.connect() as conn:
        assert conn.execute(text("select count(*) from alembic_version")).scalar() == 1


def test_an_unknown_newer_revision_is_refused(ledger_url, tmp_path):
    with open_ledger(ledger_url, tmp_path / "ev") as led, led.engine.begin() as conn:
        conn.execute(text("update alembic_version set version_num = 'ffff'"))
    with pytest.raises(LedgerSchemaError, match="unknown to this rolindex.*upgrade rolindex"):
        open_ledger(ledger_url, tmp_path / "ev")


def test_sqlite_is_in_wal_mode_with_a_busy_timeout(tmp_path):
    with open_ledger(tmp_path / "a") as led, led.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 60_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert led.evidence_dir == tmp_path / "a" / "evidence"


def test_urls_and_paths():
    assert ledger_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert ledger_url("sqlite:///x.db") == "sqlite:///x.db"
    assert ledger_url("/tmp/none/ledger.sqlite") == "sqlite:////tmp/none/ledger.sqlite"
    assert ledger_url("/tmp/a-folder-that-does-not-exist") == "sqlite:////tmp/a-folder-that-does-not-exist/ledger.sqlite"


def test_reading_a_missing_ledger_is_refused(tmp_path):
    with pytest.raises(LedgerError, match="账本不存在 / no ledger at .*nope.sqlite"):
        open_ledger(tmp_path / "nope.sqlite", create=False)
    assert not (tmp_path / "nope.sqlite").exists()


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    with pytest.raises(LedgerError, match="cannot open the ledger postgresql"):
        open_ledger("postgresql://nobody:pw@127.0.0.1:1/none", tmp_path)


def test_processes_creating_the_same_ledger_at_once_all_succeed(ledger_url, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    code = "import sys; from evaluation.ledger import open_ledger; open_ledger(sys.argv[1], sys.argv[2]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, ledger_url, str(tmp_path / "ev")], cwd=root,
                              env={**os.environ, "PYTHONPATH": str(root)}, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    errs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errs
    with open_ledger(ledger_url, tmp_path / "ev") as led, led.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert ctx.get_current_revision() == head_revision() and compare_metadata(ctx, metadata) == []
