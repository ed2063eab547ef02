"""Export a year's current figures from the ledger in the long CSV format every other command reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .db import Ledger
from .errors import LedgerError
from .store import EXPORT_COLUMNS, current_figures


def export_csv(ledger: Ledger, year: int, out: str | Path | None = None, as_of: str | dt.datetime | None = None,
               framework_id: str | None = None) -> str:
    """The figures current for ``year`` (as of ``as_of``) as long CSV text; written atomically to ``out`` if given.

    Columns :data:`~evaluation.ledger.store.EXPORT_COLUMNS`; values as written (``95%``), or as a
    reviewer adjusted them. ``rolindex validate``/``score`` read the file back to the same figures.
    """
    cur = current_figures(ledger, year, as_of, framework_id)
    if cur.empty:
        when = f" as of {as_of}" if as_of is not None else ""
        raise LedgerError(f"账本中没有 {year} 年已接受的数据{when} / the ledger has no accepted figures for "
                          f"{year}{when}")
    text = cur[list(EXPORT_COLUMNS)].to_csv(index=False, lineterminator="\n")
    if out is not None:
        from ..fileio import atomic_write_text

        atomic_write_text(Path(out), text)
    return text
