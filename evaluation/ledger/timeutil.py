"""Ledger time: naive UTC instants, and the ``--as-of`` / ``--from`` / ``--to`` points users type."""

from __future__ import annotations

import datetime as dt

from .errors import LedgerError


def now() -> dt.datetime:
    """The current instant as naive UTC (how the ledger stores every timestamp)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def parse_instant(text: str | dt.date | dt.datetime | None) -> dt.datetime | None:
    """An as-of bound as naive UTC: a date means the end of that day (UTC), a time is taken as is.

    ``"2025-03-01"`` → every record up to 2025-03-01 23:59:59.999999; ``"2025-03-01T12:00+08:00"``
    → 04:00 UTC. ``None`` → ``None`` (now).
    """
    if text is None or isinstance(text, dt.datetime):
        return _utc(text) if text is not None else None
    if isinstance(text, dt.date):
        return dt.datetime.combine(text, dt.time.max)
    s = str(text).strip()
    try:
        if len(s) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(s), dt.time.max)
        return _utc(dt.datetime.fromisoformat(s))
    except ValueError as exc:
        raise LedgerError(f"无法识别的日期 / not a date or time: {text!r} (expected YYYY-MM-DD or "
                          f"YYYY-MM-DDTHH:MM[:SS][+08:00])") from exc


def instant_text(t: dt.datetime) -> str:
    """How an as-of bound is shown: the date for an end-of-day bound (``--as-of YYYY-MM-DD``), else the UTC time."""
    if t.time() == dt.time.max:
        return t.date().isoformat()
    return t.isoformat(sep=" ", timespec="seconds") + " UTC"


def _utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo is not None else t
