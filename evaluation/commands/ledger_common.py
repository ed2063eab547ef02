"""Helpers shared by the ledger commands (intake, review, history, diff, export, districts)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .options import FAILED, USAGE


def guarded(work: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run ``work``; print a ledger or data error bilingually on stderr and return its exit code."""
    from indicators import IndicatorsError

    from ..ledger.errors import LedgerError, LedgerSchemaError

    try:
        return work(args)
    except LedgerError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return USAGE
    except (LedgerSchemaError, IndicatorsError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return FAILED
