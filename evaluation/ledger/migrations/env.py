"""Alembic environment: runs on the connection :mod:`evaluation.ledger.db` passes in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from evaluation.ledger.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via `alembic` on the command line
    from sqlalchemy import create_engine

    connection = create_engine(config.get_main_option("sqlalchemy.url")).connect()

context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
