"""Reading submitted figures from CSV or XLSX files, long or wide format, into a :class:`Submission`.

Files are decoded as written by Excel in China (UTF-8 with or without BOM, GBK/GB18030, XLSX with its
number formats); every sheet becomes raw cells, assembled by :mod:`indicators.submission.types`.
"""

from __future__ import annotations

import array
import csv
import difflib
import hashlib
import io
import itertools
import math
import re
import sys
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..textdecode import StrictLines
from .types import (
    _CATEGORICAL,
    _IDENTIFIERS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    WIDE_META_COLUMNS,
    Problem,
    Submission,
    _assemble,
    _categorical,
    _cell_text,
    _plain_text,
)
from .values import XlsxNumber, float_decimals

SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}


# ---------------------------------------------------------------------------------------------
# reading files
# ---------------------------------------------------------------------------------------------
def read_figures(*paths: str | Path, encoding: str | None = None) -> Submission:
    """Read submitted figures from CSV/XLSX files (long or wide format), concatenated.

    Every problem in the files (undecodable text, missing columns, bad years, unreadable values)
    is collected in :attr:`Submission.problems`; only a path that does not exist or has an
    unsupported extension raises :class:`~indicators.errors.DataError` at once.

    CSV text is decoded in one encoding per file (:class:`indicators.textdecode.StrictLines`, a block
    of lines at a time, so a large file is held neither as bytes nor as text):
    detected from the first row with Chinese text, or ``encoding`` when given (``--encoding``); a
    file whose rows mix encodings is an error naming the first row in the other one.
    """
    if not paths:
        raise DataError("read_figures needs at least one CSV or XLSX file")
    paths = tuple(Path(p) for p in paths)
    bad = []
    for p in paths:
        if not p.is_file():
            bad.append(f"{p}: no such file")
        elif p.suffix.lower() not in SUFFIXES:
            hint = "; save it as .xlsx or CSV" if p.suffix.lower() == ".xls" else ""
            bad.append(f"{p}: unsupported file type {p.suffix!r} (use .csv or .xlsx){hint}")
    if bad:
        raise DataError("cannot read submitted figures", bad)
    names = [p.name for p in paths]
    labels = [str(p) if names.count(p.name) > 1 else p.name for p in paths]
    frames, problems, files = [], [], {}
    for path, label in zip(paths, labels, strict=True):
        if SUFFIXES[path.suffix.lower()] == "csv":
            hasher = hashlib.sha256()
            with path.open("rb") as stream:  # decoded and parsed a block at a time, hashed on the way
                table, file_problems = _read_csv(StrictLines(stream, encoding, hasher), label)
            files[label] = hasher.hexdigest()
        else:
            data = path.read_bytes()
            files[label] = hashlib.sha256(data).hexdigest()
            table, file_problems = _read_xlsx(data, label)
            del data
        problems.extend(file_problems)
        if table is not None:
            raw, n, long_format, table_problems = _table_to_raw(table, label)
            del table  # the raw columns hold the cells now
            problems.extend(table_problems)
            if raw is not None:
                frame, cell_problems = _assemble(raw, n, long_format)
                frames.append(frame)
                problems.extend(cell_problems)
    figures = _concat(frames)
    return Submission._build(figures, files, problems)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate figures tables, re-unifying the categorical columns."""
    if not frames:
        empty = {"district": [], "year": np.array([], np.int64), "figure": [], "value": []}
        frame, _ = _assemble({**{k: pd.Series(v, dtype=object) for k, v in empty.items()},
                              "file": pd.Series([], dtype=object),
                              "column": pd.Series([], dtype=object),
                              "row": pd.Series([], dtype=np.int64)}, 0, True)
        return frame
    if len(frames) == 1:
        return frames[0]
    out = pd.concat(frames, ignore_index=True)
    for col in _CATEGORICAL:
        out[col] = _categorical(out[col], _cell_text if col in _IDENTIFIERS else _plain_text)
    return out


@dataclass
class _Table:
    """Raw cells of one sheet, column by column: header names as written, spreadsheet row numbers.

    Kept as one list per column (not a list per row) with repeated texts shared, because a
    million-row file held as a million row lists of cell strings cost about ten times its size.
    ``extra`` lists (row number, number of non-blank cells beyond the header) for rows too long.
    """

    header: list[str]
    header_row: int
    columns: list[list[Any]]
    numbers: Sequence[int]
    extra: list[tuple[int, int]]

    @property
    def n_rows(self) -> int:
        return len(self.numbers)


#: Distinct texts remembered per column for sharing repeated cells (ids, years, figure names);
#: a column with more distinct texts (the values) stops being shared.
_SHARE_LIMIT = 4096


def _read_csv(lines: StrictLines, label: str) -> tuple[_Table | None, list[Problem]]:
    """The table of a CSV file's decoded ``lines``; a decoding error (which wins over a CSV syntax
    error further on) discards whatever was read before it."""
    try:
        it = iter(lines)
        first = next(it, "")
        delimiter = ","
        if "," not in first:
            delimiter = "\t" if "\t" in first else (";" if ";" in first else ",")
        try:
            records = csv.reader(itertools.chain([first] if first else [], it), delimiter=delimiter)
            table, problems = _table(zip(records, itertools.count(1)), label)
        except csv.Error as exc:
            for _ in it:  # is the rest decodable? an encoding error is the more useful message
                pass
            table, problems = None, [Problem("error", f"not a valid CSV file: {exc}", label)]
    finally:
        lines.drain()  # the hash covers the whole file
    if lines.error is not None:
        return None, [Problem("error", lines.error, label, lines.line)]
    return table, problems


def _read_xlsx(data: bytes, label: str) -> tuple[_Table | None, list[Problem]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        return None, [Problem("error", f"not a readable XLSX workbook ({exc})", label)]
    try:
        names = book.sheetnames
        sheet = book["figures"] if "figures" in names else book[names[0]]
        records = []
        zeros: dict[str, tuple[list[Any], int]] = {}  # float 0.0 cells: written as 0.0, or underflowed?
        for cells in sheet.iter_rows():
            row = next((c.row for c in cells if getattr(c, "row", None)), None)
            if row is None:
                continue
            values = [_xlsx_cell(c, sheet.title) for c in cells]
            for i, c in enumerate(cells):
                if isinstance(getattr(c, "value", None), float) and c.value == 0:
                    zeros[c.coordinate] = (values, i)
            records.append((values, row))
        if zeros:
            _flag_underflow(sheet, zeros)
    finally:
        book.close()
    table, problems = _table(records, label)
    if "figures" not in names and len(names) > 1 and table is not None:
        problems.append(Problem("warning", f"read the first sheet {names[0]!r} of {len(names)}; "
                                "name the sheet 'figures' to choose another", label))
    return table, problems


def _xlsx_cell(cell: Any, sheet: str) -> Any:
    """An XLSX cell's value; numbers keep what the number format shows (percent, decimals).

    A number too large for a float (``1e999``, read as infinity) carries an error naming ``sheet``
    and the cell; one too small (``1e-400``, read as 0) is found by :func:`_flag_underflow`.
    """
    value = getattr(cell, "value", None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return XlsxNumber(value, repr(value), None, False, _range_error(sheet, cell.coordinate, None, value))
    if isinstance(value, float) and value != 0 and abs(value) < sys.float_info.min:
        return XlsxNumber(value, repr(value), None, False, _range_error(sheet, cell.coordinate, repr(value), 0.0))
    fmt = getattr(cell, "number_format", "General") or "General"
    if "%" in fmt:
        match = re.search(r"\.([0#]+)", fmt)
        decimals = len(match.group(1)) if match else 0
        return XlsxNumber(value, f"{value * 100:.{decimals}f}%", decimals, True)
    decimals = float_decimals(float(value))
    return XlsxNumber(value, f"{value:.{decimals}f}" if decimals < 16 else repr(value),
                       decimals, False)


def _range_error(sheet: str, ref: str, written: str | None, value: float) -> str:
    """Why an XLSX number cannot be used: it overflowed to infinity or underflowed to (nearly) 0."""
    shown = f" {written}" if written else ""
    if math.isinf(value):
        return (f"工作表“{sheet}”单元格 {ref} 的数值{shown}过大，读作无穷大（上溢） / sheet '{sheet}' cell {ref}: the "
                f"number{shown} is too large to be a figure (it reads as infinity: overflow); expected a finite "
                "number such as 2162")
    return (f"工作表“{sheet}”单元格 {ref} 的数值{shown}过小，读作 0（下溢） / sheet '{sheet}' cell {ref}: the "
            f"number{shown} is too small to be a figure (it reads as 0: underflow); expected a number such as "
            "2162, or 0 if the figure is zero")


#: A cell (``<c r="B2" ...>…</c>``) of a worksheet's XML and its stored value (``<v>…</v>``).
_XML_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
_XML_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_XML_VALUE = re.compile(rb'<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>')


def _flag_underflow(sheet: Any, zeros: dict[str, tuple[list[Any], int]]) -> None:
    """Mark the float-zero cells whose stored text is a non-zero number (``1e-400``): underflow.

    openpyxl converts the text with ``float()``, so ``1e-400`` arrives as 0.0 just like ``0.0``;
    only the worksheet's XML tells them apart. Read once, only when some cell is a float zero.
    """
    try:
        with sheet._get_source() as src:  # the worksheet part openpyxl itself reads
            xml = src.read()
    except (AttributeError, OSError, KeyError):
        return
    for match in _XML_CELL.finditer(xml):
        ref = _XML_REF.search(match.group(1))
        if ref is None or match.group(2) is None:
            continue
        where = zeros.get(ref.group(1).decode())
        if where is None:
            continue
        value = _XML_VALUE.search(match.group(2))
        text = value.group(1).decode(errors="replace").strip() if value else ""
        try:
            nonzero = Decimal(text) != 0
        except ArithmeticError:
            continue
        if nonzero:
            values, i = where
            values[i] = XlsxNumber(0.0, text, None, False, _range_error(sheet.title, ref.group(1).decode(), text, 0.0))


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _table(records: Iterable[tuple[list[Any], int]], label: str) -> tuple[_Table | None, list[Problem]]:
    """Find the header (first non-blank row) and keep non-blank rows, column by column, with their
    row numbers; ``records`` are (cells, row number) pairs, consumed once."""
    records = iter(records)
    for pair in records:
        rec, header_row = pair
        if not all(_blank(c) for c in rec):
            break
    else:
        return None, [Problem("error", "the file is empty; expected a header with district, year, "
                              "figure, value", label)]
    header = [_cell_text(c) or "" for c in rec]
    width = len(header)
    columns: list[list[Any]] = [[] for _ in range(width)]
    shared: list[dict[Any, Any] | None] = [{} for _ in range(width)]
    nums = array.array("q")  # 8 bytes a row, not a Python int each
    extra: list[tuple[int, int]] = []
    for rec, num in records:
        if all(_blank(c) for c in rec):
            continue
        nums.append(num)
        if len(rec) > width:
            n_extra = sum(not _blank(c) for c in rec[width:])
            if n_extra:
                extra.append((num, n_extra))
        for i in range(width):
            cell = rec[i] if i < len(rec) else None
            memo = shared[i]
            if memo is not None and isinstance(cell, str):
                cell = memo.setdefault(cell, cell)
                if len(memo) > _SHARE_LIMIT:
                    shared[i] = None
            columns[i].append(cell)
    problems = []
    if not nums:
        problems.append(Problem("error", "the file has a header but no data rows", label, header_row))
    return _Table(header, header_row, columns, nums, extra), problems


def _table_to_raw(table: _Table,
                  label: str) -> tuple[dict[str, Any] | None, int, bool, list[Problem]]:
    """Map a table's columns (long or wide) to raw cell Series; return (raw, n, long, problems).

    In long format the table's column lists are emptied as they are copied (the table is spent).
    """
    problems: list[Problem] = []
    names = [h.lower() for h in table.header]

    def header_problem(message: str, severity: str = "error", column: str | None = None) -> None:
        problems.append(Problem(severity, message, label, table.header_row, column))

    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name and name in seen:
            header_problem(f"column {table.header[i]!r} appears twice (columns {seen[name] + 1} "
                           f"and {i + 1}); keep one", column=table.header[i])
        seen.setdefault(name, i)
    long_format = "figure" in seen or "value" in seen
    required = REQUIRED_COLUMNS if long_format else ("district", "year")
    missing = [c for c in required if c not in seen]
    if missing:
        kind = ("long format (columns district, year, figure, value)" if long_format else
                "wide format (columns district, year and one column per figure id)")
        header_problem(f"missing required column(s) {', '.join(missing)} for the {kind}; "
                       f"found: {', '.join(h for h in table.header if h) or 'nothing'}")
    if missing or any(names.count(n) > 1 for n in names if n):
        return None, 0, long_format, problems

    width = len(names)
    for num, n_extra in table.extra:
        problems.append(Problem("error", f"row has {width + n_extra} cells but the header "
                                f"has {width}; cells beyond the header are ignored",
                                label, num))
    for i, name in enumerate(names):
        if not name and any(not _blank(c) for c in table.columns[i]):
            header_problem(f"column {i + 1} has values but no header; its cells are ignored")

    def cells(i: int) -> list[Any]:
        return table.columns[i]

    numbers = np.asarray(table.numbers, dtype=np.int64)
    if long_format:
        known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
        for i, name in enumerate(names):
            if name and name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                header_problem(f"column {table.header[i]!r} is not used{hint}; columns are "
                               f"{', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}", "warning",
                               table.header[i])
        n = table.n_rows
        raw: dict[str, Any] = {}
        for c in known:
            if c in seen:  # each column's list is released once copied: a large file is not held twice
                raw[c] = pd.Series(cells(seen[c]), dtype=object)
                table.columns[seen[c]] = []
        raw["file"] = pd.Categorical.from_codes(np.zeros(n, np.int8), [label])
        raw["row"] = pd.Series(numbers)
        raw["column"] = pd.Categorical.from_codes(np.zeros(n, np.int8), ["value"])
        return raw, n, True, problems

    # wide: melt the figure columns, keeping only non-empty cells
    if "unit" in seen:
        header_problem("column 'unit' is ignored in wide format: each figure is in the "
                       "framework's unit", "warning", table.header[seen["unit"]])
    meta = {c: cells(seen[c]) for c in WIDE_META_COLUMNS if c in seen}
    parts: dict[str, list[Any]] = {k: [] for k in (*meta, "figure", "value", "row", "column")}
    for i, name in enumerate(names):
        if not name or name in WIDE_META_COLUMNS or name == "unit":
            continue
        col_cells = cells(i)
        take = [j for j, c in enumerate(col_cells) if not _blank(c)]
        for key, vals in meta.items():
            parts[key].extend(vals[j] for j in take)
        parts["figure"].extend([table.header[i]] * len(take))
        parts["column"].extend([table.header[i]] * len(take))
        parts["value"].extend(col_cells[j] for j in take)
        parts["row"].extend(int(numbers[j]) for j in take)
    n = len(parts["value"])
    raw = {k: pd.Series(v, dtype=np.int64 if k == "row" else object) for k, v in parts.items()}
    raw["file"] = pd.Series([label] * n, dtype=object)
    return raw, n, False, problems


# ---------------------------------------------------------------------------------------------
