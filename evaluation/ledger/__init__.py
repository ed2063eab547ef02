"""The submission ledger (报送台账): an append-only record of the yearly assessment cycle.

Districts register, returned files (submissions) with their values, problems and evidence, review
(复核) decisions and published editions, in one SQLite file per assessment or a shared PostgreSQL
database (:mod:`.db`; schema in :mod:`.schema`, migrations in ``migrations/``). Nothing is updated or
deleted: what is current is computed when read (:mod:`.store`), so any earlier state can be rebuilt
(:func:`figures_from_ledger` with ``as_of``, :mod:`.diff`, :mod:`.export`).

Imports SQLAlchemy: import this package only inside the commands that use it.
"""

from __future__ import annotations

from .db import Ledger, open_ledger
from .errors import LedgerError, LedgerSchemaError
from .store import current_figures, figures_from_ledger

__all__ = ["Ledger", "LedgerError", "LedgerSchemaError", "current_figures", "figures_from_ledger", "open_ledger"]
