"""The one output layer for every CSV and XLSX the tools write: safe to open in a spreadsheet.

Evaluation teams read results by opening ``scores.csv`` in Excel or WPS, so any text the tools
write — district codes and names, node names, grades, messages — could be a formula a spreadsheet
runs (``=HYPERLINK(...)``, ``@SUM(...)``, ``-2+3``; "CSV injection"). Following OWASP's guidance,
:func:`neutralise` prefixes a single quote to text whose first character, or whose first character
after leading whitespace and control characters, is ``= + - @``, a tab or a carriage return (and
their full-width forms ``＝ ＋ － ＠``, which some spreadsheets map to ASCII).

Numbers are never touched: a numeric column is written as numbers, so ``-5.0`` stays ``-5.0``. A
*text* cell that is exactly a plain decimal number (``-5``, ``+1.5``, ``-2e3``) is also left alone:
a spreadsheet reads it as that number and no formula can be formed from it, while a quote would
turn a code like ``-5`` into ``'-5``. Likewise a lone ``+`` or ``-`` (a direction column, a
"not applicable" dash) is left alone: there is nothing after the sign to compute. Anything more
(``-5+1``, ``-inf``, ``- 5``, ``=``) is neutralised.

:func:`write_xlsx` writes every text cell as a string cell (data type ``s``), never a formula:
openpyxl otherwise stores a string starting with ``=`` as a formula. Text is neutralised there too,
so the same value reads the same in both formats and survives being re-saved as CSV from Excel.

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .io import atomic_write_bytes

__all__ = ["FORMULA_TRIGGERS", "neutralise", "neutralise_frame", "starts_formula", "write_csv", "write_xlsx"]

#: First characters that make a spreadsheet treat a cell as a formula (ASCII and full-width).
FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
#: Leading characters a spreadsheet may skip before it looks for a formula trigger.
_SKIPPED = "".join(chr(c) for c in range(0x21) if chr(c) not in "\t\r") + "\u3000\u00a0\ufeff"
#: A sign alone computes nothing and is how tables write a direction (+/-) or "not applicable" (-).
_LONE_SIGNS = frozenset({"+", "-"})
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: Characters an XLSX file cannot hold (XML 1.0); replaced by U+FFFD rather than refusing the file.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (see the module docstring)."""
    if not text or text in _LONE_SIGNS or _PLAIN_NUMBER.fullmatch(text):
        return False
    return text[0] in FORMULA_TRIGGERS or text.lstrip(_SKIPPED)[:1] in FORMULA_TRIGGERS


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet could run; other values unchanged."""
    if isinstance(value, str) and starts_formula(value):
        return "'" + value
    return value


def _neutralise_labels(labels: pd.Index) -> pd.Index:
    if isinstance(labels, pd.MultiIndex):
        return labels.set_levels([_neutralise_labels(level) for level in labels.levels], verify_integrity=False)
    if labels.dtype == object or isinstance(labels.dtype, pd.StringDtype | pd.CategoricalDtype):
        return pd.Index([neutralise(v) for v in labels], name=neutralise(labels.name), dtype=object)
    return labels.rename(neutralise(labels.name))


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell, column name and index label neutralised; numbers kept."""
    out = df.copy()
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
                or pd.api.types.is_datetime64_any_dtype(s.dtype)):
            out.isetitem(i, s.astype(object).map(neutralise))
    out.columns = _neutralise_labels(out.columns)
    out.index = _neutralise_labels(out.index)
    return out


def write_csv(df: pd.DataFrame, path: str | Path, *, bom: bool = False, index: bool = False,
              float_format: str | None = None, index_label: str | None = None) -> Path:
    """Write ``df`` as UTF-8 CSV (with a BOM for Excel when ``bom``), neutralised, atomically.

    ``float_format`` (e.g. ``"%.17g"`` for files read back bit for bit) and ``index_label`` pass to
    :meth:`pandas.DataFrame.to_csv`; line endings are ``\\n`` so identical inputs give identical bytes.
    """
    frame = neutralise_frame(df)
    # Python's csv module quotes a field only for the characters of the line terminator ("\n"), so a
    # bare carriage return would end the row when read back: then quote every text field.
    quoting = csv.QUOTE_NONNUMERIC if _has_carriage_return(frame) else csv.QUOTE_MINIMAL
    text = frame.to_csv(index=index, lineterminator="\n", float_format=float_format, quoting=quoting,
                        index_label=neutralise(index_label))
    return atomic_write_bytes(Path(path), text.encode("utf-8-sig" if bom else "utf-8"))


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    labels = [*frame.columns.to_flat_index(), *frame.index.to_flat_index(), *frame.index.names]
    cells = (v for i in range(frame.shape[1]) if not pd.api.types.is_numeric_dtype(frame.iloc[:, i].dtype)
             for v in frame.iloc[:, i])
    return any(isinstance(v, str) and "\r" in v for v in (*labels, *cells))


def _cell_value(value: Any) -> Any:
    """A value openpyxl stores as itself: numbers, booleans, datetimes, text; missing as empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and math.isinf(value):
        return neutralise(str(value))  # XLSX has no infinity: write it as text ('inf', "'-inf")
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, bool | int | float):
        return value
    if hasattr(value, "isoformat"):
        return value
    text = str(value)
    if not text:
        return None  # an empty text is an empty cell (openpyxl would write an empty inline string)
    return neutralise(_ILLEGAL_XML.sub("\ufffd", text))


def neutralise_workbook(wb: Any) -> Any:
    """Neutralise every text cell of an openpyxl workbook built by hand (forms, feedback, review forms).

    Writers that lay out a styled workbook themselves call this just before saving, so a district
    name or a quoted sentence typed as ``=HYPERLINK(…)`` is stored as text, never as a formula.
    """
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (cell.data_type == "f" or starts_formula(cell.value)):
                    cell.value = neutralise(_ILLEGAL_XML.sub("\ufffd", cell.value))
                    cell.data_type = "s"
    return wb


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | Path, *, index: bool = False) -> Path:
    """Write one sheet per ``{name: frame}`` to an XLSX workbook atomically; text cells are strings.

    Every text cell gets data type ``s`` (never a formula) and is neutralised as in CSV; numbers
    are written as numbers (openpyxl stores 16 significant digits; Excel shows 15 — use CSV for files
    that must reproduce to the last bit).
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(title=_ILLEGAL_XML.sub("_", str(name))[:31] or "sheet")
        frame = df.reset_index() if index else df
        header = [" / ".join(map(str, c)) if isinstance(c, tuple) else c for c in frame.columns]
        for r, values in enumerate([header, *frame.itertuples(index=False, name=None)], start=1):
            for c, value in enumerate(values, start=1):
                v = _cell_value(value)
                cell = ws.cell(row=r, column=c)
                cell.value = v
                if isinstance(v, str):
                    cell.data_type = "s"  # openpyxl would store a string starting with '=' as a formula
    buf = io.BytesIO()
    wb.save(buf)
    return atomic_write_bytes(Path(path), buf.getvalue())
