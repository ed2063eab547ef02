"""Alembic migrations of the ledger (configured in code by :mod:`evaluation.ledger.db`; no alembic.ini)."""
