"""Errors of the ledger, all :class:`~evaluation.errors.EvaluationError` (and ``ValueError`` for bad input)."""

from __future__ import annotations

from ..errors import EvaluationError


class LedgerError(EvaluationError, ValueError):
    """Bad use of a ledger: an unknown district, year, figure or edition, a bad URL or date."""


class LedgerSchemaError(EvaluationError, RuntimeError):
    """The database is not a rolindex ledger, or is newer than this version of rolindex."""
