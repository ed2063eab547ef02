"""Submitted figures: read them from CSV or XLSX and validate them against a framework.

District justice bureaus submit yearly raw figures (counts, amounts, rates) in a *long* table with
columns ``district, year, figure, value`` (optional ``district_name, group, unit, source, quote,
note``) or a *wide* table, one row per district-year with one column per figure id. Files are
read as written by Excel in China (UTF-8 with or without BOM, GBK/GB18030, XLSX), values such as
``98.6%``, ``2,162`` and full-width ``１２３`` are understood, and everything else is reported
with its file, row and column. Checking them against a framework is :mod:`indicators.validation`
(:func:`validate`, re-exported here), which collects every problem at once.

Decisions (see the module functions for details):

- Approximate markers (``约98%``, ``大约``, ``~``, ``≈``, ``98%左右``) are accepted: the value is
  used as written, ``approx`` is set, the precision comes from the digits shown (``约98%`` means
  98 % ± 0.5 percentage points) and validation warns that an approximation is used as exact.
- Qualified numbers (``>98%``, ``230余``, ``40多``, ``230+``, ``超过200``) are errors: submit the
  number and put the qualifier in ``note``. Numbers with a unit or ``万`` (``200件``, ``2.5万``)
  and placeholders (``—``, ``无``, ``N/A``) are errors with a hint.
- Years are four-digit integers 1949–2100 written as ``2020``, ``2020.0`` (Excel numbers) or
  ``2020年``; anything else (``20``, ``2020-2021``, ``二〇二〇``) is an error.
- An empty value is an error in long format and in :meth:`Submission.from_frame` (NaN): a figure
  that was not reported is left out, not submitted blank. In wide format an empty cell simply
  means "not submitted".
- Unreadable values stay in :attr:`Submission.figures` with value NaN (so the row still counts as
  submitted); rows without a usable district, year or figure id are left out, with an error.

References: the framework brief (``district-framework.md``), "Reported rates next to counts".
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError
from .framework import Framework

__all__ = [
    "FIGURE_COLUMNS",
    "ParsedValue",
    "Problem",
    "Submission",
    "ValidationReport",
    "parse_value",
    "parse_year",
    "read_figures",
    "to_wide",
    "validate",
]

#: Columns a long-format file must have.
REQUIRED_COLUMNS = ("district", "year", "figure", "value")
#: Optional columns of a long-format file (all but ``unit`` are also accepted in wide format).
OPTIONAL_COLUMNS = ("district_name", "group", "unit", "source", "quote", "note")
#: Columns of a wide-format file that are not figure ids.
WIDE_META_COLUMNS = ("district", "year", "district_name", "group", "source", "quote", "note")
#: Columns of :attr:`Submission.figures`, in order.
FIGURE_COLUMNS = ("district", "year", "figure", "value", "text", "decimals", "percent", "approx",
                  "district_name", "group", "unit", "source", "quote", "note", "file", "row",
                  "column")
#: Every text column of :attr:`Submission.figures` is categorical (cheap at 1.7 M rows).
_CATEGORICAL = ("district", "figure", "text", "district_name", "group", "unit", "source", "quote",
                "note", "file", "column")
_IDENTIFIERS = ("district", "figure", "district_name", "group", "unit", "file", "column")
YEAR_RANGE = (1949, 2100)
SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}


# ---------------------------------------------------------------------------------------------
# problems
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One problem found in submitted figures, with where it is (file, row, column, district-year).

    ``row`` is the 1-based spreadsheet row (header = row 1 in a file whose header is on the first
    line; the sheet row in XLSX), ``None`` when no row holds the problem (a missing figure).
    """

    severity: str
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    district: str | None = None
    year: int | None = None
    figure: str | None = None

    def __str__(self) -> str:
        loc = self.file or "<input>"
        if self.row is not None:
            loc += f" row {self.row}"
        elif self.district is not None:
            loc += ", no row"
        if self.column is not None:
            loc += f", column {self.column}"
        ctx = " ".join(str(x) for x in (self.district, self.year) if x is not None)
        if self.figure is not None:
            ctx = f"{ctx}, {self.figure}" if ctx else self.figure
        return f"{loc}{f' ({ctx})' if ctx else ''}: {self.message}"


# ---------------------------------------------------------------------------------------------
# parsing single values
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParsedValue:
    """A parsed cell: the value (NaN if unreadable), decimals shown, percent and approx flags.

    ``decimals`` counts digits after the decimal point in the unit written (``98.03%`` → 2 with
    ``percent``); ``error`` says why the text is not a number, ``empty`` marks a blank cell.
    """

    value: float
    decimals: int | None = None
    percent: bool = False
    approx: bool = False
    error: str | None = None
    empty: bool = False


@dataclass(frozen=True)
class _XlsxNumber:
    """A numeric XLSX cell with what its number format shows (percent, decimals)."""

    value: int | float
    text: str
    decimals: int | None
    percent: bool


_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUMBER_IN = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?%?")
_APPROX_PREFIXES = ("大约", "约", "~", "≈")
_APPROX_SUFFIXES = ("左右",)
_QUALIFIER_PREFIXES = (">=", "<=", ">", "<", "≥", "≤", "超过", "高于", "低于", "不足", "不到", "逾",
                       "近", "超")
_QUALIFIER_SUFFIXES = ("以上", "以下", "余", "多", "+")
_MULTIPLIERS = {"万": 10_000, "亿": 100_000_000}
_PLACEHOLDERS = {"-", "--", "—", "——", "/", "无", "空", "n/a", "na", "nan", "null", "none", "#n/a",
                 "不适用", "暂无", "未统计"}
_EMPTY = ParsedValue(math.nan, error="empty", empty=True)


def _normalise_text(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), unify minus signs, strip whitespace."""
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-").replace("\u2013", "-").strip()


def parse_value(raw: Any) -> ParsedValue:
    """Parse a submitted value: ``98.6%`` → 0.986, ``2,162`` → 2162, ``１２３`` → 123.

    Numbers are accepted as they are; text is normalised (full width, whitespace) and must be a
    plain or thousands-grouped number, optionally a percentage, optionally marked approximate
    (``约``). Anything else gives ``error`` saying how to write it instead.
    """
    if raw is None:
        return _EMPTY
    if isinstance(raw, _XlsxNumber):
        return ParsedValue(float(raw.value), raw.decimals, raw.percent)
    if isinstance(raw, bool | np.bool_):
        return ParsedValue(float(raw), 0)
    if isinstance(raw, int | float | np.integer | np.floating):
        x = float(raw)
        if math.isnan(x):
            return _EMPTY
        if not math.isfinite(x):
            return ParsedValue(math.nan, error=f"{raw!r} is not a finite number")
        return ParsedValue(x, _float_decimals(x))
    if not isinstance(raw, str):
        return ParsedValue(math.nan, error=f"{raw!r} ({type(raw).__name__}) is not a number")
    text = _normalise_text(raw)
    if not text:
        return _EMPTY
    approx = False
    for prefix in _APPROX_PREFIXES:
        if text.startswith(prefix):
            text, approx = text[len(prefix):].strip(), True
            break
    for suffix in _APPROX_SUFFIXES:
        if text.endswith(suffix):
            text, approx = text[: -len(suffix)].strip(), True
    percent = text.endswith("%")
    body = text[:-1].rstrip() if percent else text
    if _PLAIN.fullmatch(body):
        number = body
    elif _GROUPED.fullmatch(body):
        number = body.replace(",", "")
    else:
        return ParsedValue(math.nan, error=_diagnose(raw, text))
    dec = Decimal(number)
    exponent = dec.as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    value = float(dec / 100) if percent else float(dec)
    if not math.isfinite(value):
        return ParsedValue(math.nan, error=f"{raw.strip()!r} is too large to be a figure")
    return ParsedValue(value, decimals, percent, approx)


def _diagnose(raw: str, text: str) -> str:
    """Explain why ``text`` is not a number and how to write it instead."""
    shown = repr(raw.strip())
    if text.lower() in _PLACEHOLDERS:
        return (f"{shown} is not a number; if the figure was not reported leave it out (long "
                f"format: delete the row; wide format: leave the cell empty); if it is zero, "
                f"write 0")
    for q in _QUALIFIER_PREFIXES:
        if text.startswith(q) and _is_number(text[len(q):]):
            return (f"{shown} is not a number: submit the number ({text[len(q):].strip()}) and put "
                    f"the qualifier {q!r} in the note column")
    for q in _QUALIFIER_SUFFIXES:
        if text.endswith(q) and _is_number(text[: -len(q)]):
            return (f"{shown} is not a number: submit the number ({text[: -len(q)].strip()}) and "
                    f"put the qualifier {q!r} in the note column")
    for unit, factor in _MULTIPLIERS.items():
        head = text.split(unit, 1)[0]
        if unit in text and _is_number(head):
            full = parse_value(head).value * factor
            return f"{shown} uses {unit}; write the full number ({full:.12g})"
    if re.fullmatch(r"[+-]?\d+,\d{1,2}%?", text):
        return (f"{shown} is not a number: a comma separates thousands (2,162); "
                f"the decimal separator is a point (98.6)")
    match = _NUMBER_IN.match(text)
    if match and match.end() < len(text) and _is_number(match.group()):
        return (f"{shown} is not a number: write {match.group()} without {text[match.end():]!r} "
                f"(units go in the unit column, remarks in note)")
    return f"{shown} is not a number; write digits such as 2162, 2,162, 98.6% or 0.986"


def _is_number(text: str) -> bool:
    result = parse_value(text)
    return result.error is None and not result.empty


def _float_decimals(x: float) -> int:
    """Decimals of the shortest representation of ``x`` (0.9803 → 4, 2162.0 → 0)."""
    if x.is_integer():
        return 0
    exponent = Decimal(repr(x)).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _infer_decimals(x: np.ndarray, limit: int = 12) -> np.ndarray:
    """Vectorised :func:`_float_decimals` up to ``limit`` (NaN beyond: full precision)."""
    out = np.full(x.shape, np.nan)
    todo = np.isfinite(x)
    for d in range(limit + 1):
        hit = todo & (np.round(x, d) == x)
        out[hit] = d
        todo &= ~hit
        if not todo.any():
            break
    return out


def parse_year(raw: Any) -> tuple[int | None, str | None]:
    """Parse a year: ``2020``, ``"2020"``, ``2020.0`` or ``"2020年"``; return (year, error)."""
    if isinstance(raw, _XlsxNumber):
        raw = raw.value
    if isinstance(raw, bool | np.bool_) or raw is None:
        value = None
    elif isinstance(raw, int | np.integer):
        value = int(raw)
    elif isinstance(raw, float | np.floating):
        value = int(raw) if math.isfinite(raw) and float(raw).is_integer() else None
    elif isinstance(raw, str):
        text = _normalise_text(raw)
        text = text[:-1].rstrip() if text.endswith("年") else text
        if re.fullmatch(r"\d{4}(?:\.0+)?", text):
            value = int(float(text))
        else:
            value = None
    else:
        value = None
    shown = repr(raw.strip()) if isinstance(raw, str) else repr(raw)
    if value is None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None, "year is empty; write the year, e.g. 2020"
        return None, f"year {shown} is not a year; write four digits, e.g. 2020"
    if not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
        return None, (f"year {shown} is outside {YEAR_RANGE[0]}–{YEAR_RANGE[1]}; "
                      f"write four digits, e.g. 2020")
    return value, None


# ---------------------------------------------------------------------------------------------
# the submission
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Submission:
    """Submitted figures in long form, with districts, file hashes and read-time problems.

    ``figures`` has one row per submitted value with columns :data:`FIGURE_COLUMNS`: ``value`` is
    a float (NaN if unreadable), ``text`` the cell as written (missing for numbers given to
    :meth:`from_frame`), ``decimals`` the decimals shown in the unit written (NaN when unknown),
    ``percent``/``approx`` flags, and ``file``/``row``/``column`` where the value sits. Every
    text column is categorical, which keeps a national panel (1.7 M rows) small and fast.
    ``districts`` is indexed by district with the first ``district_name`` and ``group`` given.
    """

    figures: pd.DataFrame
    districts: pd.DataFrame
    files: dict[str, str] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    @classmethod
    def from_frame(cls, df: pd.DataFrame, name: str = "<frame>") -> Submission:
        """Build a submission from an in-memory long DataFrame (values may already be floats).

        Rows are located as if ``df`` were a sheet named ``name`` (first row = row 2) unless
        ``df`` has ``file``/``row``/``column`` columns. Numeric values take a vectorised path.
        """
        missing = [c for c in ("district", "year", "figure", "value") if c not in df.columns]
        if missing:
            raise DataError(f"{name}: the frame lacks column(s) {', '.join(missing)}; a long frame "
                            f"has {', '.join(REQUIRED_COLUMNS)}")
        n = len(df)
        raw = {c: df[c] for c in df.columns if c in FIGURE_COLUMNS or c == "value"}
        raw.setdefault("file", pd.Categorical.from_codes(np.zeros(n, np.int8), [name]))
        raw.setdefault("row", np.arange(2, n + 2, dtype=np.int64))
        raw.setdefault("column", pd.Categorical.from_codes(np.zeros(n, np.int8), ["value"]))
        figures, problems = _assemble(raw, n, long_format=True)
        return cls._build(figures, {}, problems)

    @classmethod
    def _build(cls, figures: pd.DataFrame, files: dict[str, str],
               problems: list[Problem]) -> Submission:
        return cls(figures, _districts(figures), dict(files), tuple(problems))

    @cached_property
    def _layout(self) -> _Layout:
        """Dense (district-year × figure) arrays shared by :func:`validate` and :func:`to_wide`."""
        return _Layout.build(self.figures)


def _districts(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per district: the first ``district_name`` and ``group`` submitted (None if none).

    Validation warns when a district is given more than one name or group.
    """
    districts = figures["district"].cat.categories
    out = pd.DataFrame(index=pd.Index(districts, name="district", dtype=object))
    dcodes = figures["district"].cat.codes.to_numpy()
    for col in ("district_name", "group"):
        codes = figures[col].cat.codes.to_numpy()
        have = np.flatnonzero(codes >= 0)[::-1]  # reversed: the first row is written last
        chosen = np.full(len(districts), -1, dtype=np.int64)
        chosen[dcodes[have]] = codes[have]
        cats = np.append(np.asarray(figures[col].cat.categories, dtype=object), None)
        out[col] = pd.Series(cats[chosen], index=out.index, dtype=object)
    return out


def _empty_category(n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.full(n, -1, np.int8), categories=pd.Index([], dtype=object))


def _categorical(values: Any, clean: Any = None) -> pd.Categorical:
    """Text cells as a categorical with sorted categories; ``clean`` maps each distinct cell to
    its text (None = missing), by default NFKC-normalised and stripped (:func:`_cell_text`)."""
    clean = clean or _cell_text
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories.to_numpy(dtype=object)
    elif isinstance(values, pd.Categorical):
        codes, uniques = values.codes, values.categories.to_numpy(dtype=object)
    else:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        uniques = np.asarray(uniques, dtype=object)
    cleaned = [clean(u) for u in uniques]
    cats = sorted({c for c in cleaned if c is not None})
    if cats == cleaned:  # already clean and sorted: keep the codes
        return pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object))
    lookup = {c: i for i, c in enumerate(cats)}
    remap = np.array([lookup.get(c, -1) if c is not None else -1 for c in cleaned] + [-1],
                     dtype=np.int64)
    new_codes = remap[np.where(codes < 0, len(uniques), codes)]
    return pd.Categorical.from_codes(new_codes, categories=pd.Index(cats, dtype=object))


def _cell_text(value: Any) -> str | None:
    """Text of an identifier cell (district, figure, name): None for blanks; 310106.0 → '310106'."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, _XlsxNumber):
        value = value.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _normalise_text(str(value))
    return text or None


def _plain_text(value: Any) -> str | None:
    """Free text (source, quote, note, the value as written): stripped, None for blanks."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, _XlsxNumber):
        value = value.text
    text = str(value).strip()
    return text or None


def _assemble(raw: Mapping[str, Any], n: int,
              long_format: bool) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn raw cells into the figures table; return it with the problems of rows and cells."""
    problems: list[Problem] = []
    file = _categorical(raw["file"])
    column = _categorical(raw["column"])
    rows = np.asarray(raw["row"], dtype=np.int64)
    district = _categorical(raw["district"])
    figure = _categorical(raw["figure"])
    year, year_bad, year_error = _years(raw["year"])
    value, text, decimals, percent, approx, value_bad, value_error = _values(raw["value"])
    if "text" in raw:
        text = _categorical(raw["text"], _plain_text)
    if "decimals" in raw:
        decimals = np.asarray(raw["decimals"], dtype=float)
    if "percent" in raw:
        percent = np.asarray(raw["percent"], dtype=bool)
    if "approx" in raw:
        approx = np.asarray(raw["approx"], dtype=bool)

    def problem(i: int, message: str, col: str | None, of_cell: bool = True) -> Problem:
        def cat(c: pd.Categorical) -> str | None:
            return c.categories[c.codes[i]] if c.codes[i] >= 0 else None

        y = None if year_bad[i] else int(year[i])
        return Problem("error", message, cat(file), int(rows[i]), col, cat(district), y,
                       cat(figure) if of_cell else None)

    # in wide format a bad district or year belongs to the row, not to each figure cell
    bad_district = np.flatnonzero(district.codes < 0)
    for i in bad_district:
        problems.append(problem(i, "district is empty; write the district id", "district",
                                long_format))
    bad_year = np.flatnonzero(year_bad)
    for i in bad_year:
        problems.append(problem(i, year_error[i], "year", long_format))
    bad_figure = np.flatnonzero(figure.codes < 0)
    for i in bad_figure:
        problems.append(problem(i, "figure is empty; write the figure id", "figure"))
    for i in np.flatnonzero(value_bad):
        message = value_error[i]
        if message == "empty":
            message = ("value is empty; give the number, or delete the row if the figure was not "
                       "reported" if long_format else "value is empty")
        else:
            message = f"value {message}"
        col = column.categories[column.codes[i]] if column.codes[i] >= 0 else None
        problems.append(problem(i, message, col))

    keep = np.ones(n, bool)
    keep[bad_district] = keep[bad_year] = keep[bad_figure] = False
    data: dict[str, Any] = {
        "district": district, "year": year, "figure": figure, "value": value, "text": text,
        "decimals": decimals, "percent": percent, "approx": approx,
    }
    for col in OPTIONAL_COLUMNS:
        clean = _cell_text if col in _IDENTIFIERS else _plain_text
        data[col] = _categorical(raw[col], clean) if col in raw else _empty_category(n)
    data.update(file=file, row=rows, column=column)
    frame = pd.DataFrame(data, columns=list(FIGURE_COLUMNS))
    if not keep.all():
        frame = frame.loc[keep].reset_index(drop=True)
        for col in _CATEGORICAL:
            frame[col] = frame[col].cat.remove_unused_categories()
    # a wide row with a bad year is one problem, not one per figure cell
    return frame, list(dict.fromkeys(problems))


def _years(values: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Years as int64 (0 where invalid), a mask of invalid rows and the message per row."""
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_integer_dtype(values.dtype) and not values.hasnans:
        year = values.to_numpy(dtype=np.int64)
        if ((year >= YEAR_RANGE[0]) & (year <= YEAR_RANGE[1])).all():
            return year, np.zeros(len(year), bool), None
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    parsed = [parse_year(u) for u in uniques] + [parse_year(None)]
    years = np.array([p[0] or 0 for p in parsed], dtype=np.int64)
    errors = np.array([p[1] for p in parsed], dtype=object)
    bad = np.array([p[1] is not None for p in parsed], dtype=bool)
    idx = np.where(codes < 0, len(uniques), codes)
    return years[idx], bad[idx], errors[idx]


def _values(values: Any) -> tuple[Any, ...]:
    """Parse a value column: (value, text, decimals, percent, approx, bad mask, messages)."""
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    n = len(values)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        value = values.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(value)
        bad = ~finite
        error = None
        if bad.any():
            error = np.full(n, None, dtype=object)
            error[np.isnan(value)] = "empty"
            error[np.isinf(value)] = "is not a finite number"
            value = np.where(finite, value, np.nan)
        return (value, _empty_category(n), np.full(n, np.nan), np.zeros(n, bool),
                np.zeros(n, bool), bad, error)
    arr = np.asarray(values, dtype=object)
    cache: dict[Any, ParsedValue] = {}
    value, decimals = np.empty(n), np.empty(n)
    percent, approx, bad = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    text, error = np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    for i, cell in enumerate(arr):
        try:
            parsed = cache[cell]
        except (KeyError, TypeError):
            parsed = parse_value(cell)
            if isinstance(cell, str | _XlsxNumber):
                cache[cell] = parsed
        value[i] = parsed.value
        decimals[i] = np.nan if parsed.decimals is None else parsed.decimals
        percent[i], approx[i] = parsed.percent, parsed.approx
        bad[i], error[i] = parsed.error is not None, parsed.error
        if isinstance(cell, _XlsxNumber):
            text[i] = cell.text
        elif isinstance(cell, str):
            text[i] = cell.strip()
        elif cell is not None and not (isinstance(cell, float) and math.isnan(cell)):
            text[i] = str(cell)
    return (value, _categorical(text, _plain_text), decimals, percent, approx, bad, error)


# ---------------------------------------------------------------------------------------------
# reading files
# ---------------------------------------------------------------------------------------------
def read_figures(*paths: str | Path) -> Submission:
    """Read submitted figures from CSV/XLSX files (long or wide format), concatenated.

    Every problem in the files (undecodable text, missing columns, bad years, unreadable values)
    is collected in :attr:`Submission.problems`; only a path that does not exist or has an
    unsupported extension raises :class:`~indicators.errors.DataError` at once.
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
        data = path.read_bytes()
        files[label] = hashlib.sha256(data).hexdigest()
        if SUFFIXES[path.suffix.lower()] == "csv":
            table, file_problems = _read_csv(data, label)
        else:
            table, file_problems = _read_xlsx(data, label)
        problems.extend(file_problems)
        if table is not None:
            raw, n, long_format, table_problems = _table_to_raw(table, label)
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
    """Raw cells of one sheet: header names as written, rows of cells, spreadsheet row numbers."""

    header: list[str]
    header_row: int
    rows: list[list[Any]]
    numbers: list[int]


def _decode(data: bytes) -> str | None:
    """Decode CSV bytes: UTF-16 by BOM, else UTF-8 (BOM optional), else GB18030 (⊃ GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_csv(data: bytes, label: str) -> tuple[_Table | None, list[Problem]]:
    text = _decode(data)
    if text is None:
        return None, [Problem("error", "cannot decode the file as UTF-8 or GBK/GB18030; save it "
                              "as 'CSV UTF-8' from Excel", label)]
    first = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first:
        delimiter = "\t" if "\t" in first else (";" if ";" in first else ",")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        return None, [Problem("error", f"not a valid CSV file: {exc}", label)]
    return _table(records, list(range(1, len(records) + 1)), label)


def _read_xlsx(data: bytes, label: str) -> tuple[_Table | None, list[Problem]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        return None, [Problem("error", f"not a readable XLSX workbook ({exc})", label)]
    try:
        names = book.sheetnames
        sheet = book["figures"] if "figures" in names else book[names[0]]
        records, numbers = [], []
        for cells in sheet.iter_rows():
            row = next((c.row for c in cells if getattr(c, "row", None)), None)
            if row is None:
                continue
            records.append([_xlsx_cell(c) for c in cells])
            numbers.append(row)
    finally:
        book.close()
    table, problems = _table(records, numbers, label)
    if "figures" not in names and len(names) > 1 and table is not None:
        problems.append(Problem("warning", f"read the first sheet {names[0]!r} of {len(names)}; "
                                "name the sheet 'figures' to choose another", label))
    return table, problems


def _xlsx_cell(cell: Any) -> Any:
    """An XLSX cell's value; numbers keep what the number format shows (percent, decimals)."""
    value = getattr(cell, "value", None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    fmt = getattr(cell, "number_format", "General") or "General"
    if "%" in fmt:
        match = re.search(r"\.([0#]+)", fmt)
        decimals = len(match.group(1)) if match else 0
        return _XlsxNumber(value, f"{value * 100:.{decimals}f}%", decimals, True)
    decimals = _float_decimals(float(value))
    return _XlsxNumber(value, f"{value:.{decimals}f}" if decimals < 16 else repr(value),
                       decimals, False)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _table(records: list[list[Any]], numbers: list[int],
           label: str) -> tuple[_Table | None, list[Problem]]:
    """Find the header (first non-blank row) and keep non-blank rows with their row numbers."""
    start = next((i for i, r in enumerate(records) if not all(_blank(c) for c in r)), None)
    if start is None:
        return None, [Problem("error", "the file is empty; expected a header with district, year, "
                              "figure, value", label)]
    header = [_cell_text(c) or "" for c in records[start]]
    rows, nums = [], []
    for rec, num in zip(records[start + 1:], numbers[start + 1:], strict=True):
        if not all(_blank(c) for c in rec):
            rows.append(rec)
            nums.append(num)
    problems = []
    if not rows:
        problems.append(Problem("error", "the file has a header but no data rows", label,
                                numbers[start]))
    return _Table(header, numbers[start], rows, nums), problems


def _table_to_raw(table: _Table,
                  label: str) -> tuple[dict[str, pd.Series] | None, int, bool, list[Problem]]:
    """Map a table's columns (long or wide) to raw cell Series; return (raw, n, long, problems)."""
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
    for rec, num in zip(table.rows, table.numbers, strict=True):
        extra = [c for c in rec[width:] if not _blank(c)]
        if extra:
            problems.append(Problem("error", f"row has {width + len(extra)} cells but the header "
                                    f"has {width}; cells beyond the header are ignored",
                                    label, num))
    for i, name in enumerate(names):
        if not name and any(len(r) > i and not _blank(r[i]) for r in table.rows):
            header_problem(f"column {i + 1} has values but no header; its cells are ignored")

    def cells(i: int) -> list[Any]:
        return [r[i] if len(r) > i else None for r in table.rows]

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
        n = len(table.rows)
        raw = {c: pd.Series(cells(seen[c]), dtype=object) for c in known if c in seen}
        raw["file"] = pd.Series([label] * n, dtype=object)
        raw["row"] = pd.Series(numbers)
        raw["column"] = pd.Series(["value"] * n, dtype=object)
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
# dense layout shared by validation and to_wide
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Layout:
    """Submitted figures as dense (district-year × figure) arrays, first occurrence kept.

    ``key`` and ``fig`` give each row's district-year and figure position; ``value`` and ``pos``
    (row position in the figures table, -1 where nothing was submitted) are the dense arrays;
    ``counts`` how many rows each cell has (duplicates where > 1).
    """

    districts: np.ndarray
    years: np.ndarray
    figures: pd.Index
    key: np.ndarray
    fig: np.ndarray
    value: np.ndarray
    pos: np.ndarray
    counts: np.ndarray

    @classmethod
    def build(cls, figures: pd.DataFrame) -> _Layout:
        n = len(figures)
        dcodes = figures["district"].cat.codes.to_numpy().astype(np.int64)
        dcats = figures["district"].cat.categories
        fcodes = figures["figure"].cat.codes.to_numpy().astype(np.int64)
        fcats = figures["figure"].cat.categories
        year = figures["year"].to_numpy(dtype=np.int64)
        ymin = int(year.min()) if n else 0
        span = int(year.max()) - ymin + 1 if n else 1
        raw_key = dcodes * span + (year - ymin)
        space = len(dcats) * span
        if space <= 4 * n + 1_000_000:
            occupied = np.bincount(raw_key, minlength=space) > 0
            ids = np.cumsum(occupied) - 1
            key = ids[raw_key]
            uniq = np.flatnonzero(occupied)
        else:
            key, uniq = pd.factorize(raw_key, sort=True)
        nkeys, nfigs = len(uniq), len(fcats)
        cell = key * nfigs + fcodes
        counts = np.bincount(cell, minlength=nkeys * nfigs).reshape(nkeys, nfigs)
        values = figures["value"].to_numpy(dtype=float)
        positions = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
        if counts.size and counts.max() > 1:  # keep the first row of every cell
            first = ~pd.Series(cell).duplicated().to_numpy()
            cell, positions, values = cell[first], positions[first], values[first]
        pos = np.full(nkeys * nfigs, -1, dtype=positions.dtype)
        pos[cell] = positions
        value = np.full(nkeys * nfigs, np.nan)
        value[cell] = values
        return cls(
            districts=np.asarray(dcats, dtype=object)[uniq // span],
            years=(uniq % span + ymin).astype(np.int64), figures=pd.Index(fcats), key=key,
            fig=fcodes, value=value.reshape(nkeys, nfigs), pos=pos.reshape(nkeys, nfigs),
            counts=counts,
        )

    @cached_property
    def _columns(self) -> dict[str, int]:
        return {f: i for i, f in enumerate(self.figures)}

    def column(self, figure: str) -> int:
        """Column of ``figure`` in the dense arrays, -1 if it was not submitted (a dict lookup: cheap per file)."""
        return self._columns.get(figure, -1)


# ---------------------------------------------------------------------------------------------
# wide table for the pipeline
# ---------------------------------------------------------------------------------------------
def to_wide(submission: Submission, framework: Framework | None = None) -> pd.DataFrame:
    """Figures as a (district, year) × figure table of floats; the first of duplicate rows wins.

    With ``framework``, columns are its figures in framework order (unknown ids dropped, figures
    nobody submitted all-NaN); without, the submitted figures in order of first appearance.
    """
    lay = submission._layout
    index = pd.MultiIndex.from_arrays([lay.districts, lay.years], names=["district", "year"])
    if framework is not None:
        names = list(framework.figures)
    else:
        names = [lay.figures[j] for j in pd.unique(lay.fig)]  # order of first appearance
    cols = lay.figures.get_indexer(names)
    data = np.full((len(lay.districts), len(names)), np.nan)
    present = cols >= 0
    data[:, present] = lay.value[:, cols[present]]
    return pd.DataFrame(data, index=index, columns=pd.Index(names, name="figure"))


from .validation import ValidationReport, validate  # noqa: E402 - re-exported; validation imports this module
